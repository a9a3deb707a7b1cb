-- A retrieve checks its mapping against the data source schema it just read, before it reads a
-- page, as DESIGN §5 says: "A mapping that names a property the data source no longer has, or a
-- column of an incompatible type, fails with a clear error naming both, before any write."
--
-- Only save_mapping checked (mapping_problems). When a person deleted a mapped property in Notion
-- afterwards, every page was staged without it (null), the schema change forced a full scan, and
-- reconcile saw Notion's value go from the base to null while the record still held the base: it
-- applied the null to every record of the mapping, up to the safety valve, and a bulk_change review
-- offered to do the rest. A property whose type changed, and a column dropped from the table, went
-- the same way or failed in the middle of the run. Now retrieve_plan, which every retrieve and every
-- continuation calls right after staging the schema, refuses such a run with 55000 (the functions
-- answer 409) listing every problem: the run fails before staging anything, and runs fail the same
-- way until the mapping is saved again to match (a renamed property is still found by its id).
--
-- It also keeps what "a changed schema forces a full scan" needs across runs. The change was seen
-- once: stage_schema says changed only to the first read after it, so when the run it turned into
-- a full scan failed, or another mapping of the same data source read the schema first, the next
-- runs stayed incremental. Each run now records the schema hash it read (checkpoint.schema_hash),
-- and a run whose hash differs from the last completed retrieve's is a full scan. And an
-- incremental run that becomes a full one after it had started reading (a continuation that finds
-- the schema changed) starts its scan over: it went on from its incremental window, so the "full"
-- scan missed every page edited before it, and its completion asked about each of them as missing.

alter function notion_sync_api.retrieve_plan(uuid, boolean) rename to plan_retrieve;
alter function notion_sync_api.plan_retrieve(uuid, boolean) set schema notion_sync;
comment on function notion_sync.plan_retrieve(uuid, boolean) is
  'What a retrieve run reads (full, or incremental from the floored watermark minus an overlap); '
  'switches to full when there is no watermark or the schema changed. Call retrieve_plan, which '
  'checks the mapping first. Authenticated. Raises P0002.';

-- What a retrieve run reads (plan_retrieve), once its mapping still fits the data source schema just
-- staged and its table. Authenticated. Raises P0002 (no such running run), 55000 (the mapping no
-- longer fits: every problem, naming both sides).
create function notion_sync_api.retrieve_plan(p_run_id uuid, p_schema_changed boolean default false)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
  v_problems text[];
  v_hash text;
  v_changed boolean := coalesce(p_schema_changed, false);
begin
  select m.* into v_map
  from notion_sync.runs r join notion_sync.mappings m on m.mapping_id = r.mapping_id
  where r.run_id = p_run_id and r.status = 'running';
  if found then
    select array_agg(p) into v_problems from notion_sync.mapping_problems(v_map) p;
    if v_problems is not null then
      raise exception 'mapping "%" no longer fits its data source or table, so nothing is read or written: %. '
        'Save the mapping again without what is gone (save_mapping)', v_map.name, array_to_string(v_problems, '; ')
        using errcode = '55000';
    end if;
    select s.schema_hash into v_hash from notion_sync.data_source_schemas s
    where s.owner_id = v_map.owner_id and s.data_source_id = v_map.data_source_id;
    -- the schema changed since the last completed retrieve read it, whoever saw the change first
    v_changed := v_changed or v_hash is distinct from coalesce(
      (select r.checkpoint ->> 'schema_hash' from notion_sync.runs r
       where r.mapping_id = v_map.mapping_id and r.kind = 'retrieve' and r.status = 'completed'
         and r.checkpoint ? 'schema_hash'
       order by r.started_at desc limit 1), v_hash);
    update notion_sync.runs r
    set checkpoint = case when v_changed and r.mode = 'incremental'
                          -- becoming a full scan: it reads from the start
                          then r.checkpoint - '{cursor,window_start,last_key,scan_done}'::text[]
                          else r.checkpoint end || jsonb_build_object('schema_hash', v_hash)
    where r.run_id = p_run_id;
  end if;
  return notion_sync.plan_retrieve(p_run_id, v_changed);
end
$$;
comment on function notion_sync_api.retrieve_plan(uuid, boolean) is
  'Decides what a retrieve run reads (full, or incremental from the floored watermark minus an '
  'overlap; full when there is no watermark, or the schema changed: p_schema_changed, or a schema '
  'hash other than the last completed retrieve''s), after checking the mapping against the staged '
  'data source schema and its table; records the schema hash in the run''s checkpoint. '
  'Authenticated. Raises P0002, 55000 (the mapping no longer fits, every problem named).';
revoke execute on function notion_sync_api.retrieve_plan(uuid, boolean) from public;
grant execute on function notion_sync_api.retrieve_plan(uuid, boolean) to authenticated;
