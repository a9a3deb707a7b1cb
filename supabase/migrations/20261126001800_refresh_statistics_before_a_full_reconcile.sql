-- Statistics that predate a mapping's pages made reconcile quadratic. Two statements of reconcile
-- anti-join the mapping's links (the records without a page, the pages without a record). With
-- no statistics yet for the mapping's rows (a first import minutes ago, before autovacuum's
-- analyze, or a mapping new to tables that other mappings fill), the planner takes the mapping's
-- 5,000 links for one row and rescans them for each of 5,000 pages: a second full reconcile run
-- right after a first import of 5,000 pages took 5.3 s instead of 0.7 s, growing with the square
-- of the pages. A full reconcile now first refreshes the statistics of staged_pages and links
-- when the planner's estimate of the mapping's rows is ten times below their count (1,000 rows or
-- more): an ANALYZE of each table (tens of ms for 5,000 rows; skipped when another transaction is
-- analyzing it), then the same reconcile as before: the old function is now
-- notion_sync.reconcile_run, and reconcile wraps it. Incremental runs touch only changed pages
-- and skip the check.

-- Refreshes the statistics of staged_pages and links when they do not know the size of the run's
-- mapping: for each table whose rows of the mapping number 1,000 or more and that the planner
-- estimates at less than a tenth of that. Full runs only. Returns the tables analyzed.
-- security definer: only the tables' owner may analyze them; it checks that the run is the
-- caller's. Authenticated; raises P0002 (not the caller's run).
create function notion_sync.refresh_run_statistics(p_run_id uuid)
returns text[]
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_run notion_sync.runs;
  v_table text;
  v_rows bigint;
  v_plan jsonb;
  v_analyzed text[] := '{}';
begin
  select * into v_run from notion_sync.runs r where r.run_id = p_run_id and r.owner_id = (select auth.uid());
  if not found then
    raise exception 'run % not found', p_run_id using errcode = 'P0002';
  end if;
  if v_run.mode <> 'full' then
    return v_analyzed;
  end if;
  foreach v_table in array array['staged_pages', 'links'] loop
    execute format('select count(*) from notion_sync.%I where mapping_id = $1', v_table)
      into v_rows using v_run.mapping_id;
    continue when v_rows < 1000;
    -- the estimate of a plan for this very mapping id (a literal, not a generic plan's guess)
    execute format('explain (format json) select from notion_sync.%I where mapping_id = %L',
                   v_table, v_run.mapping_id) into v_plan;
    if (v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric * 10 < v_rows then
      execute format('analyze (skip_locked) notion_sync.%I', v_table);
      v_analyzed := v_analyzed || v_table;
    end if;
  end loop;
  return v_analyzed;
end
$$;
comment on function notion_sync.refresh_run_statistics(uuid) is
  'For a full run of the caller: ANALYZE staged_pages and links where the planner estimates the '
  'run''s mapping at under a tenth of its rows (1,000 or more); returns the tables analyzed. '
  'Authenticated; raises P0002 (not the caller''s run). security definer: analyzing needs the '
  'tables'' owner.';
revoke execute on function notion_sync.refresh_run_statistics(uuid) from public;
grant execute on function notion_sync.refresh_run_statistics(uuid) to authenticated;

-- reconcile: refresh the statistics, then reconcile ------------------------------------------------
alter function notion_sync_api.reconcile(uuid, jsonb) set schema notion_sync;
alter function notion_sync.reconcile(uuid, jsonb) rename to reconcile_run;
comment on function notion_sync.reconcile_run(uuid, jsonb) is
  'The reconcile of notion_sync_api.reconcile, without its statistics check. Authenticated; '
  'raises P0002 (no such run), 22023 (bad policy).';

create function notion_sync_api.reconcile(p_run_id uuid, p_options jsonb default '{}'::jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
begin
  -- a run of another user is "not found" by reconcile_run, as before
  if exists (select from notion_sync.runs r where r.run_id = p_run_id) then
    perform notion_sync.refresh_run_statistics(p_run_id);
  end if;
  return notion_sync.reconcile_run(p_run_id, p_options);
end
$$;
comment on function notion_sync_api.reconcile(uuid, jsonb) is
  'Three-way reconcile of what a run staged against the mapping''s table: applies one-sided changes '
  '(compare-and-set, outbox), keeps divergent ones as conflicts, follows the delete policy, holds '
  'a side past the safety valve, leaves pending the relation fields that cannot be translated yet '
  '(a related page or record not linked). A full run first refreshes statistics the planner lacks '
  'for the mapping (refresh_run_statistics). Returns the summary (with the diff for a dry run). '
  'Authenticated. Raises P0002 (no such run), 22023 (bad policy).';
revoke execute on function notion_sync_api.reconcile(uuid, jsonb) from public;
grant execute on function notion_sync_api.reconcile(uuid, jsonb) to authenticated;
