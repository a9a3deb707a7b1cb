-- Answers to a held mass deletion, and their undo, cost more per record as the deletion grows
-- (bench/recovery_bench.ts, per record at 1,000 / 5,000 records: Keep Notion 3.1 -> 4.8 ms, its
-- undo 2.7 -> 3.7 ms; Keep Supabase 0.73 -> 3.8 ms, its undo 0.35 -> 1.3 ms). Three causes:
--
-- 1. A record's tombstones were looked up by mapping and record key without "still open" (the
--    restore reads the last values of the newest tombstone; its undo reopens the tombstone the
--    answer closed). The only index on (mapping_id, record_key) holds open tombstones, so each
--    lookup read every tombstone of the owner (through the owner_id index that row security adds).
--    An index on (mapping_id, record_key) for every tombstone makes each lookup read its own.
--
-- 2. Statistics taken while a table held few live rows among many pages (rows just deleted or
--    pruned) make the planner take a table of thousands of rows for one or two. An index is then
--    costed by its size alone, and the smallest wins: the owner_id index, a few pages since one
--    owner's entries are deduplicated, which row security's owner_id = auth.uid() always makes
--    usable. Primary-key lookups of conflicts and outbox items, and reference checks, then read
--    every row of the owner: each answered pair cost more the more pairs there were (custom plans
--    do the same; it is the statistics, not cached generic plans). The answer of a bulk question
--    and its undo now first refresh the statistics of the tables they read per pair
--    (refresh_mapping_statistics, as refresh_run_statistics does for a full reconcile): an ANALYZE
--    of each table whose estimate of the mapping's rows is under a tenth of their count (1,000 or
--    more), which also drops the plans made with the old statistics.
--    resolve_conflict_once_verified and notion_sync_api.undo_resolution are renamed and wrapped.
--
-- 3. The undo of a bulk answer withdrew each pair's reopened question right after undoing it, by
--    key and status open: planned while the mapping had no open question, that update read the
--    open-questions index, which every question reopened before it had grown. The pairs' questions
--    are now withdrawn in one update once all are undone.

create index tombstones_record_idx on notion_sync.tombstones (mapping_id, record_key);

-- Refreshes the statistics of the given sync tables when they do not know the size of a mapping:
-- each table whose rows of the mapping number 1,000 or more and that the planner estimates at less
-- than a tenth of that is analyzed. Returns the tables analyzed. security definer: only the
-- tables' owner may analyze them; it checks that the mapping is the caller's. Authenticated;
-- raises P0002 (not the caller's mapping), 22023 (not one of these tables).
create function notion_sync.refresh_mapping_statistics(p_mapping_id uuid, p_tables text[])
returns text[]
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_table text;
  v_rows bigint;
  v_plan jsonb;
  v_analyzed text[] := '{}';
begin
  if not exists (select from notion_sync.mappings m
                 where m.mapping_id = p_mapping_id and m.owner_id = (select auth.uid())) then
    raise exception 'mapping % not found', p_mapping_id using errcode = 'P0002';
  end if;
  foreach v_table in array p_tables loop
    if v_table not in ('conflicts', 'tombstones', 'outbox', 'links', 'changes', 'staged_pages') then
      raise exception '% is not a table whose statistics this refreshes', v_table using errcode = '22023';
    end if;
    execute format('select count(*) from notion_sync.%I where mapping_id = $1', v_table)
      into v_rows using p_mapping_id;
    continue when v_rows < 1000;
    -- the estimate of a plan for this very mapping id (a literal, not a generic plan's guess)
    execute format('explain (format json) select from notion_sync.%I where mapping_id = %L',
                   v_table, p_mapping_id) into v_plan;
    if (v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric * 10 < v_rows then
      execute format('analyze (skip_locked) notion_sync.%I', v_table);
      v_analyzed := v_analyzed || v_table;
    end if;
  end loop;
  return v_analyzed;
end
$$;
comment on function notion_sync.refresh_mapping_statistics(uuid, text[]) is
  'ANALYZE each of the given sync tables where the planner estimates the caller''s mapping at under '
  'a tenth of its rows (1,000 or more); returns the tables analyzed. Authenticated; raises P0002 '
  '(not the caller''s mapping), 22023 (another table). security definer: analyzing needs the '
  'tables'' owner.';
revoke execute on function notion_sync.refresh_mapping_statistics(uuid, text[]) from public;
grant execute on function notion_sync.refresh_mapping_statistics(uuid, text[]) to authenticated;

-- the answer: refresh, then decide as before ---------------------------------------------------------
alter function notion_sync.resolve_conflict_once_verified(uuid, text, jsonb) rename to resolve_verified_conflict;
comment on function notion_sync.resolve_verified_conflict(uuid, text, jsonb) is
  'The decision of resolve_conflict_once_verified, without its statistics check. Authenticated.';

-- Decides a conflict whose pages were verified (resolve_conflict's check); the answer to a bulk
-- question of a mass deletion first refreshes the statistics of the tables it reads per pair.
-- Authenticated; raises as resolve_verified_conflict.
create function notion_sync.resolve_conflict_once_verified(p_conflict_id uuid, p_action text,
                                                           p_choices jsonb default '{}'::jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_mapping uuid;
begin
  select c.mapping_id into v_mapping from notion_sync.conflicts c
  where c.conflict_id = p_conflict_id and c.kind = 'bulk_change' and c.status = 'open'
    and c.details -> 'held' ? 'missing';
  if v_mapping is not null and p_action <> 'skip' then
    perform notion_sync.refresh_mapping_statistics(v_mapping,
      array['links', 'staged_pages', 'tombstones', 'conflicts', 'outbox', 'changes']);
  end if;
  return notion_sync.resolve_verified_conflict(p_conflict_id, p_action, p_choices);
end
$$;
comment on function notion_sync.resolve_conflict_once_verified(uuid, text, jsonb) is
  'Decides a conflict (resolve_verified_conflict), the answer to a mass deletion after a refresh of '
  'the statistics it plans with. Authenticated.';
revoke execute on function notion_sync.resolve_verified_conflict(uuid, text, jsonb) from public;
revoke execute on function notion_sync.resolve_conflict_once_verified(uuid, text, jsonb) from public;
grant execute on function notion_sync.resolve_verified_conflict(uuid, text, jsonb) to authenticated;
grant execute on function notion_sync.resolve_conflict_once_verified(uuid, text, jsonb) to authenticated;

-- the undo: refresh, then undo as before --------------------------------------------------------------
alter function notion_sync_api.undo_resolution(uuid) rename to undo_resolution_pair_by_pair;
alter function notion_sync_api.undo_resolution_pair_by_pair(uuid) set schema notion_sync;
comment on function notion_sync.undo_resolution_pair_by_pair(uuid) is
  'The undo of notion_sync_api.undo_resolution as it was (a bulk answer undone and withdrawn pair by '
  'pair); it still undoes every other resolution. Authenticated.';

-- Undoes a resolution (undo_resolution_pair_by_pair). The undo of a bulk question's answer first
-- refreshes the statistics of the tables it reads per pair, then undoes each pair's own answer and
-- withdraws the pairs' questions in one statement once all are undone (one update per pair, planned
-- while the mapping had no open question, read every question reopened before it). Authenticated;
-- raises as undo_resolution_pair_by_pair.
create function notion_sync_api.undo_resolution(p_conflict_id uuid)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_c notion_sync.conflicts;
  v_pairs uuid[];
  v_pair uuid;
  v_one jsonb;
  v_undone integer := 0;
  v_failed integer := 0;
begin
  select * into v_c from notion_sync.conflicts c
  where c.conflict_id = p_conflict_id and c.kind = 'bulk_change' and c.status = 'resolved'
  for update;
  if not found or v_c.resolution ->> 'action' = 'merge' then
    return notion_sync.undo_resolution_pair_by_pair(p_conflict_id);
  end if;
  perform notion_sync.refresh_mapping_statistics(v_c.mapping_id,
    array['links', 'tombstones', 'conflicts', 'outbox', 'changes']);
  v_pairs := array(select c.conflict_id from notion_sync.conflicts c
                   where c.mapping_id = v_c.mapping_id and c.status = 'resolved'
                     and c.kind in ('record_deleted', 'page_missing') and c.details ->> 'bulk_change' = p_conflict_id::text
                   order by c.conflict_id);
  foreach v_pair in array v_pairs loop
    v_one := notion_sync_api.undo_resolution(v_pair);
    v_undone := v_undone + (v_one ->> 'undone')::integer;
    v_failed := v_failed + (v_one ->> 'kept_as_conflicts')::integer;
  end loop;
  update notion_sync.conflicts c
  set status = 'resolved', resolved_at = now(),
      resolution = jsonb_build_object('action', 'withdrawn', 'bulk_change', p_conflict_id)
  where c.conflict_id = any (v_pairs) and c.status = 'open';
  v_one := notion_sync.undo_resolution_of_changes(p_conflict_id);
  return jsonb_build_object('undone', v_undone + (v_one ->> 'undone')::integer,
                            'kept_as_conflicts', v_failed + (v_one ->> 'kept_as_conflicts')::integer);
end
$$;
comment on function notion_sync_api.undo_resolution(uuid) is
  'Undoes the resolution of a conflict (undo_resolution_pair_by_pair); the undo of a bulk question''s '
  'answer refreshes the statistics it plans with, undoes each pair''s answer, then withdraws the '
  'pairs'' questions at once. Authenticated.';
revoke execute on function notion_sync.undo_resolution_pair_by_pair(uuid) from public;
revoke execute on function notion_sync_api.undo_resolution(uuid) from public;
grant execute on function notion_sync.undo_resolution_pair_by_pair(uuid) to authenticated;
grant execute on function notion_sync_api.undo_resolution(uuid) to authenticated;

-- A full reconcile's refresh is the same check on its mapping's staged pages and links (one copy of
-- the rule: refresh_run_statistics kept its own loop before).
create or replace function notion_sync.refresh_run_statistics(p_run_id uuid)
returns text[]
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_run notion_sync.runs;
begin
  select * into v_run from notion_sync.runs r where r.run_id = p_run_id and r.owner_id = (select auth.uid());
  if not found then
    raise exception 'run % not found', p_run_id using errcode = 'P0002';
  end if;
  if v_run.mode <> 'full' then
    return '{}';
  end if;
  return notion_sync.refresh_mapping_statistics(v_run.mapping_id, array['staged_pages', 'links']);
end
$$;
