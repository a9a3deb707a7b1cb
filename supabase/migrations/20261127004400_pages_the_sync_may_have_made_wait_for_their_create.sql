-- A page the integration itself made while one of its creates has no answer yet is not turned into
-- a new record by an incremental run: it is most likely that create's page, and the push's lookup
-- links it to its record.
--
-- An incremental run makes each new, unlinked page a record at once (tier 0 matching only: a link,
-- a stored page id, a natural key). When a create timed out after Notion had made the page, the
-- next incremental run (a webhook's, say) took that page for a new one and inserted a second record
-- of it; the create's retry then skipped the page (linked now) and made a second page. Now, while a
-- create of the mapping waits after an attempt (pending or in flight with attempts, or failed after
-- more than one), an incremental run leaves the unlinked pages the connection's bot created for
-- later: the create's lookup links the one it made; a completed full scan matches the others by
-- title first, as it does every residue.

alter function notion_sync_api.reconcile(uuid, jsonb) set schema notion_sync;
alter function notion_sync.reconcile(uuid, jsonb) rename to reconcile_holding_decisions;
comment on function notion_sync.reconcile_holding_decisions(uuid, jsonb) is
  'Reconcile of a run, holding decisions whose push waits. Call notion_sync_api.reconcile, which '
  'also keeps pages the sync may have made for their create. Authenticated. Raises P0002, 22023.';

-- Reconciles a run (reconcile_holding_decisions); in an incremental run, while a create of the
-- mapping waits after an attempt, the unlinked pages its connection's bot created are left out of
-- the run's new pages. Authenticated. Raises P0002 (no such run), 22023 (bad policy).
create function notion_sync_api.reconcile(p_run_id uuid, p_options jsonb default '{}'::jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_run notion_sync.runs;
  v_bot text;
  v_left text[];
  v_result jsonb;
begin
  select * into v_run from notion_sync.runs r where r.run_id = p_run_id;
  if found and v_run.mode = 'incremental' and exists (
       select from notion_sync.outbox o
       where o.mapping_id = v_run.mapping_id and o.op = 'create'
         and ((o.status in ('pending', 'in_flight') and o.attempts > 0) or (o.status = 'failed' and o.attempts > 1))) then
    select notion_sync.notion_id(c.bot_id) into v_bot
    from notion_sync.mappings m join notion_sync.connections c on c.connection_id = m.connection_id
    where m.mapping_id = v_run.mapping_id;
    -- out of the run's new pages for this reconcile (a new page is one the run saw)
    with left_out as (
      update notion_sync.staged_pages sp set seen_in_run = null
      where sp.mapping_id = v_run.mapping_id and sp.seen_in_run = p_run_id and v_bot is not null
        and notion_sync.notion_id(sp.raw -> 'created_by' ->> 'id') = v_bot
        and not exists (select from notion_sync.links l where l.mapping_id = sp.mapping_id and l.page_id = sp.page_id)
      returning sp.page_id)
    select array_agg(page_id) into v_left from left_out;
  end if;
  v_result := notion_sync.reconcile_holding_decisions(p_run_id, p_options);
  if v_left is not null then
    update notion_sync.staged_pages sp set seen_in_run = p_run_id
    where sp.mapping_id = v_run.mapping_id and sp.page_id = any (v_left) and sp.seen_in_run is null;
  end if;
  return v_result;
end
$$;
comment on function notion_sync_api.reconcile(uuid, jsonb) is
  'Three-way reconcile of what a run staged against the mapping''s table: applies one-sided changes '
  '(compare-and-set, outbox), keeps divergent ones as conflicts, follows the delete policy, holds '
  'a side past the safety valve, leaves pending the relation fields that cannot be translated yet. '
  'A full run first refreshes statistics; every run takes the changes staged by runs that did not '
  'apply them; a run that applies links again pairs whose half came back; a field whose decided '
  'push waits is compared with the Notion value the decision replaces; an incremental run leaves '
  'the pages the sync may have made for a create still waiting to the create. Returns the summary '
  '(with the diff for a dry run). Authenticated. Raises P0002 (no such run), 22023 (bad policy).';
revoke execute on function notion_sync_api.reconcile(uuid, jsonb) from public;
grant execute on function notion_sync_api.reconcile(uuid, jsonb) to authenticated;
