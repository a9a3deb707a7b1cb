-- Two fixes found by the lifecycle model (h5): 1. a TRUNCATE leaves no new tombstone for a record
-- already gone; 2. a deletion question asked before the other half of its pair went is settled.

-- 1 ---------------------------------------------------------------------------------------------
-- A TRUNCATE leaves no new tombstone for a linked record that was already gone.
--
-- The BEFORE TRUNCATE trigger (capture_truncated_rows) writes a tombstone for every row the table
-- holds. The older AFTER TRUNCATE trigger (capture_truncate) still added one, from the link's base,
-- for every link without an open tombstone: that is, for pairs whose record had been deleted
-- earlier and whose deletion a person had already decided (say "trash the page"). Such a pair got
-- a fresh deletion that nobody made. When a person had meanwhile taken the page out of the trash,
-- trash_other_side then put it back in the trash unasked, instead of asking about it as the README
-- promises. (Found by the lifecycle model, seed 29, h5.)
--
-- The AFTER trigger now covers only a linked record whose deletion was never captured at all (no
-- tombstone of any age: tombstones are never pruned); a record whose deletion was captured before
-- keeps the decision already made about it.

create or replace function notion_sync.capture_truncate()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into notion_sync.tombstones (mapping_id, owner_id, record_key, page_id, last_values, cause)
  select l.mapping_id, l.owner_id, l.record_key, l.page_id, l.base, 'truncate'
  from notion_sync.mappings m
  join notion_sync.links l on l.mapping_id = m.mapping_id
  where m.target_schema = tg_table_schema and m.target_table = tg_table_name
    and (m.owner_column is not null or notion_sync.written_by_owner(m.owner_id))
    -- the rows the table held got theirs from capture_truncated_rows (open); a record deleted
    -- before the truncation has one already (open or decided): only a deletion never seen is new
    and not exists (select from notion_sync.tombstones t
                    where t.mapping_id = l.mapping_id and t.record_key = l.record_key);
  return null;
end
$$;
comment on function notion_sync.capture_truncate() is
  'AFTER TRUNCATE trigger of mapped tables: a tombstone with the last agreed values for a linked '
  'record whose deletion was never captured (capture_truncated_rows covers the rows the table held). '
  'Trigger only. security definer for the same reason as capture_row_change.';
revoke execute on function notion_sync.capture_truncate() from public;

-- 2 ---------------------------------------------------------------------------------------------
-- A deletion question asked before the other half of its pair went too is settled.
--
-- A record deleted in Supabase is asked about at once (record_deleted), by an incremental run as
-- well. When the next completed full scan then finds its page gone from the data source too (moved
-- away, or in the trash), the pair is gone on both sides, and such a pair asks nothing: the run
-- settles the record's tombstone, and does not ask page_missing. But it left the record_deleted
-- question open. A person who answered it with "Restore the record" brought the record back from
-- a page no longer in the data source, and the next scan asked page_missing about the same pair:
-- a second question after every question had been answered. Such an open question is now settled
-- as the tombstone is ("resolution.state: gone"), as if both halves had gone before the first run
-- saw either; a page that comes back later is asked about as any page whose record was deleted.
-- (Found by the lifecycle model, seed 31, h5.)

alter function notion_sync.reconcile_run(uuid, jsonb) rename to reconcile_run_of_questions;
comment on function notion_sync.reconcile_run_of_questions(uuid, jsonb) is
  'The reconcile of notion_sync_api.reconcile, without its statistics check and without settling the '
  'deletion questions of pairs gone on both sides (see notion_sync.reconcile_run). Authenticated; raises '
  'P0002 (no such run), 22023 (bad policy).';
revoke execute on function notion_sync.reconcile_run_of_questions(uuid, jsonb) from public;
grant execute on function notion_sync.reconcile_run_of_questions(uuid, jsonb) to authenticated;

create function notion_sync.reconcile_run(p_run_id uuid, p_options jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_summary jsonb := notion_sync.reconcile_run_of_questions(p_run_id, p_options);
  v_run notion_sync.runs;
  v_map notion_sync.mappings;
  v_conflict record;
  v_record_exists boolean;
begin
  select * into v_run from notion_sync.runs r where r.run_id = p_run_id;
  select * into v_map from notion_sync.mappings m where m.mapping_id = v_run.mapping_id;
  if coalesce((p_options ->> 'dry_run')::boolean, v_run.dry_run) then
    return v_summary;
  end if;
  -- the open record_deleted questions of linked pairs whose page this run found in the trash, or
  -- did not see in its completed full scan
  for v_conflict in
    select c.conflict_id, c.record_key
    from notion_sync.conflicts c
    join notion_sync.links l on l.mapping_id = c.mapping_id and l.page_id = c.page_id and l.record_key = c.record_key
    left join notion_sync.staged_pages sp on sp.mapping_id = l.mapping_id and sp.page_id = l.page_id
    where c.mapping_id = v_map.mapping_id and c.kind = 'record_deleted' and c.status = 'open'
      and (coalesce(sp.in_trash, false)
           or (v_run.mode = 'full' and v_run.checkpoint ? 'scan_completed_at'
               and sp.seen_in_run is distinct from p_run_id))
  loop
    -- and whose record is still gone (not put back meanwhile)
    -- through the key column's index (key_type), as write_record does
    execute format('select exists (select from %I.%I t where t.%I = $1::%s)',
                   v_map.target_schema, v_map.target_table, v_map.key_column, notion_sync.key_type(v_map))
    into v_record_exists using v_conflict.record_key;
    continue when v_record_exists;
    update notion_sync.conflicts c
    set status = 'resolved', resolved_at = now(),
        resolution = jsonb_build_object('action', 'obsolete', 'state', 'gone', 'run_id', p_run_id,
                                        'why', 'the page is gone from the data source too')
    where c.conflict_id = v_conflict.conflict_id;
  end loop;
  return v_summary;
end
$$;
comment on function notion_sync.reconcile_run(uuid, jsonb) is
  'The reconcile of notion_sync_api.reconcile, without its statistics check; settles the open '
  'record_deleted questions of pairs now gone on both sides. Authenticated; raises P0002 (no such run), '
  '22023 (bad policy).';
revoke execute on function notion_sync.reconcile_run(uuid, jsonb) from public;
grant execute on function notion_sync.reconcile_run(uuid, jsonb) to authenticated;
