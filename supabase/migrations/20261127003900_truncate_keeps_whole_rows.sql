-- TRUNCATE leaves tombstones with the whole rows, so a record restored after it comes back whole,
-- under its own key.
--
-- The AFTER TRUNCATE trigger cannot read the rows any more, so its tombstones held each link's
-- base: the mapped columns only, as last agreed. "Restore the record" then made a record without
-- its key (a new one, breaking other tables' references to it), without the columns Notion does not
-- hold, and without edits not synced yet, or failed on a NOT NULL column. A BEFORE TRUNCATE trigger
-- now writes each linked record's tombstone with its row as it is; the AFTER trigger still covers
-- linked records it did not see (rows of other owners are not read). Attached by
-- attach_change_capture from now on, and here to the tables already mapped.

-- BEFORE TRUNCATE trigger of mapped tables: a tombstone with the whole row for each linked record
-- the mappings concern (their owner's rows; without an owner column, a truncation by the mapping's
-- owner or no signed-in user). security definer, as capture_row_change. Trigger only.
create function notion_sync.capture_truncated_rows()
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
      and (m.owner_column is not null or notion_sync.concerns_mapping(null, m.owner_id, null))
  loop
    execute format($q$
      insert into notion_sync.tombstones (mapping_id, owner_id, record_key, page_id, last_values, cause)
      select $1, $2, l.record_key, l.page_id, r.row, 'truncate'
      from (select to_jsonb(t) as row from %I.%I t) r
      join notion_sync.links l on l.mapping_id = $1 and l.record_key = r.row ->> %L
      where ($3::text is null or (r.row ->> $3) = $2::text)
        and not exists (select from notion_sync.tombstones x
                        where x.mapping_id = $1 and x.record_key = l.record_key and x.resolved_at is null)$q$,
      tg_table_schema, tg_table_name, v_map.key_column)
    using v_map.mapping_id, v_map.owner_id, v_map.owner_column;
  end loop;
  return null;
end
$$;
comment on function notion_sync.capture_truncated_rows() is
  'BEFORE TRUNCATE trigger of mapped tables: a tombstone with the whole row for each linked record. '
  'Trigger only. security definer for the same reason as capture_row_change.';
revoke execute on function notion_sync.capture_truncated_rows() from public;

-- attach_change_capture: also the BEFORE TRUNCATE trigger (else as in 20261127003700).
create or replace function notion_sync.attach_change_capture(p_mapping_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
begin
  select * into v_map from notion_sync.mappings m
  where m.mapping_id = p_mapping_id and m.owner_id = (select auth.uid());
  if not found then
    raise exception 'mapping % not found', p_mapping_id using errcode = 'P0002';
  end if;
  if notion_sync.is_protected_schema(v_map.target_schema) then
    raise exception 'mapping "%" targets %.%, a table of schema %, which belongs to the sync or to the platform: '
      'map a table of your app', v_map.name, v_map.target_schema, v_map.target_table, v_map.target_schema
      using errcode = '42501';
  end if;
  perform notion_sync.attach_triggers(p_mapping_id);
  execute format('create or replace trigger notion_sync_capture_truncated_rows before truncate on %I.%I '
                 'for each statement execute function notion_sync.capture_truncated_rows()',
                 v_map.target_schema, v_map.target_table);
end
$$;

-- the tables already mapped
do $$
declare
  v_table regclass;
begin
  for v_table in
    select distinct to_regclass(format('%I.%I', m.target_schema, m.target_table)) from notion_sync.mappings m
  loop
    continue when v_table is null;
    execute format('create or replace trigger notion_sync_capture_truncated_rows before truncate on %s '
                   'for each statement execute function notion_sync.capture_truncated_rows()', v_table);
  end loop;
end
$$;
