-- TRUNCATE leaves a tombstone for every row of the owner, as DELETE does, not only for linked ones.
--
-- The BEFORE TRUNCATE trigger wrote tombstones for linked records only. A row inserted since the
-- last push (its create queued, or its change waiting for a run) left nothing: the push still sent
-- its create, so Notion got a page of a record that no longer existed (and the next run asked
-- about deleting it), its pending change stayed for every later run to look up, and its values
-- were kept nowhere. Each such row now gets its tombstone with the whole row, as a DELETE gives
-- it: the create is cancelled when the push claims it (20261127005500), the pending change is
-- forgotten (20261127005600), and the values stay for a person who wants them back.
--
-- A row that already had an open tombstone (deleted, then put back under its key and edited before
-- a run) got none either, so the truncation kept only the first deletion's values, and "Restore the
-- record" brought those back instead of the row as it was when it went. Every row now gets its
-- tombstone, as each DELETE gives one; a restore takes the latest.

-- BEFORE TRUNCATE trigger of mapped tables: a tombstone with the whole row for each record of the
-- mappings it concerns (their owner's rows; without an owner column, a truncation by the mapping's
-- owner or no signed-in user), with its page when it has one. security definer, as
-- capture_row_change. Trigger only.
create or replace function notion_sync.capture_truncated_rows()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
begin
  for v_map in
    select m.* from notion_sync.mappings m
    where m.target_schema = tg_table_schema and m.target_table = tg_table_name
      and (m.owner_column is not null or notion_sync.written_by_owner(m.owner_id))
  loop
    execute format($q$
      insert into notion_sync.tombstones (mapping_id, owner_id, record_key, page_id, last_values, cause)
      select $1, $2, r.row ->> %L, l.page_id, r.row, 'truncate'
      from (select to_jsonb(t) as row from %I.%I t) r
      left join notion_sync.links l on l.mapping_id = $1 and l.record_key = r.row ->> %L
      where ($3::text is null or (r.row ->> $3) = $2::text)$q$,
      v_map.key_column, tg_table_schema, tg_table_name, v_map.key_column)
    using v_map.mapping_id, v_map.owner_id, v_map.owner_column;
  end loop;
  return null;
end
$$;
comment on function notion_sync.capture_truncated_rows() is
  'BEFORE TRUNCATE trigger of mapped tables: a tombstone with the whole row for each record of the '
  'mapping''s owner, linked or not (as DELETE gives). Trigger only. security definer for the same '
  'reason as capture_row_change.';
revoke execute on function notion_sync.capture_truncated_rows() from public;
