-- A Notion edit staged by a run that did not apply it (the run failed or was cancelled after
-- staging, or was a dry run) is applied by the next run, not only by the next full scan.
--
-- An incremental reconcile takes the pages whose values changed in its own run (changed_in_run).
-- A page staged again with the same values keeps the run that first saw the change, so when that
-- run failed before its reconcile (Notion or the database failing, the time limit, a person
-- cancelling), the next incremental runs re-read the page, found nothing new and left the edit
-- unapplied until a full scan (a day, by default). A dry run was worse: it completes, so the
-- next incremental run did not even re-read what it had staged. Now reconcile first hands the
-- changes such runs staged to the run reconciling (adopt_unapplied_changes).
--
-- A run reconciled with the dry_run option is marked a dry run (runs.dry_run), and the retrieve
-- function now keeps dryRun on the run when it starts it: it passed it only in the options of its
-- reconcile call, so a dry run that ran out of time was finished, by the worker's continuation, as
-- a real run, applying everything and following the delete policy.

-- Hands the changes staged by the mapping's runs that did not apply them (failed, cancelled, dry
-- runs) to this run, so its reconcile takes them as its own. Returns how many pages it took.
-- Authenticated; raises P0002 (not the caller's run).
create function notion_sync.adopt_unapplied_changes(p_run_id uuid)
returns integer
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_mapping uuid;
  v_taken integer;
begin
  select r.mapping_id into v_mapping from notion_sync.runs r where r.run_id = p_run_id;
  if not found then
    raise exception 'run % not found', p_run_id using errcode = 'P0002';
  end if;
  update notion_sync.staged_pages sp set changed_in_run = p_run_id
  from notion_sync.runs r
  where r.mapping_id = v_mapping and r.run_id <> p_run_id
    and (r.dry_run or r.status in ('failed', 'cancelled'))
    and sp.mapping_id = v_mapping and sp.changed_in_run = r.run_id;
  get diagnostics v_taken = row_count;
  return v_taken;
end
$$;
comment on function notion_sync.adopt_unapplied_changes(uuid) is
  'Gives a run the staged changes of its mapping''s failed, cancelled and dry runs (changed_in_run), '
  'so its reconcile applies them. Authenticated; raises P0002.';
revoke execute on function notion_sync.adopt_unapplied_changes(uuid) from public;
grant execute on function notion_sync.adopt_unapplied_changes(uuid) to authenticated;

-- reconcile: statistics, changes no run applied, pages back, then reconcile ----------------------
create or replace function notion_sync_api.reconcile(p_run_id uuid, p_options jsonb default '{}'::jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
begin
  -- a run of another user is "not found" by reconcile_run, as before
  if exists (select from notion_sync.runs r where r.run_id = p_run_id) then
    -- a run reconciled dry is a dry run: the next run applies what it staged
    update notion_sync.runs r set dry_run = true
    where r.run_id = p_run_id and not r.dry_run and coalesce((p_options ->> 'dry_run')::boolean, false);
    perform notion_sync.refresh_run_statistics(p_run_id);
    perform notion_sync.adopt_unapplied_changes(p_run_id);
    if not coalesce((p_options ->> 'dry_run')::boolean,
                    (select r.dry_run from notion_sync.runs r where r.run_id = p_run_id)) then
      perform notion_sync.relink_returned(p_run_id);
    end if;
  end if;
  return notion_sync.reconcile_run(p_run_id, p_options);
end
$$;
comment on function notion_sync_api.reconcile(uuid, jsonb) is
  'Three-way reconcile of what a run staged against the mapping''s table: applies one-sided changes '
  '(compare-and-set, outbox), keeps divergent ones as conflicts, follows the delete policy, holds '
  'a side past the safety valve, leaves pending the relation fields that cannot be translated yet '
  '(a related page or record not linked). A full run first refreshes statistics the planner lacks '
  'for the mapping (refresh_run_statistics); every run takes the changes staged by runs that did '
  'not apply them (adopt_unapplied_changes); a run that applies first links again the pairs a '
  'skipped deletion forgot whose page or record came back (relink_returned). Returns the summary '
  '(with the diff for a dry run). Authenticated. Raises P0002 (no such run), 22023 (bad policy).';
