-- Records are found by their key through the key column's index, not by a scan of the whole table.
--
-- write_record (each value Notion changed, applied to its record), delete_record and
-- record_column_values (the current values of the records a run compares) compared
-- t.<key>::text with the record key. A cast like that cannot use the table's primary key when the
-- key is a uuid or a number, so every call read the whole table: 17.7 ms a record on a table of
-- 100,000 rows here, against 0.4 ms through the index. A run applying 1,000 Notion edits to such
-- a table spent 18 s in these scans, and one that rebuilds every record's values after a data loss
-- (the reason this product exists) was quadratic in the table's size. They now compare the column
-- with the key cast to the column's type (key_type), which the index answers. Record keys are the
-- column's own values written as text (links, tombstones and conflicts take them from the rows), so
-- the cast reads back the same value.

-- The key column's type, written as a cast target (format_type: schema-qualified when it is not a
-- built-in type, with its modifier, e.g. character varying(36)). Authenticated; raises P0002 for
-- an unknown mapping, 42703 when the key column is gone from the table.
create function notion_sync.key_type(p_mapping notion_sync.mappings)
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
  v_type text;
begin
  if p_mapping.mapping_id is null then
    raise exception 'no such mapping' using errcode = 'P0002';
  end if;
  select pg_catalog.format_type(a.atttypid, a.atttypmod) into v_type
  from pg_catalog.pg_attribute a
  where a.attrelid = pg_catalog.to_regclass(format('%I.%I', p_mapping.target_schema, p_mapping.target_table))
    and a.attname = p_mapping.key_column and a.attnum > 0 and not a.attisdropped;
  if v_type is null then
    raise exception 'mapping "%": key column %.%.% does not exist', p_mapping.name,
      p_mapping.target_schema, p_mapping.target_table, p_mapping.key_column using errcode = '42703';
  end if;
  return v_type;
end
$$;
comment on function notion_sync.key_type(notion_sync.mappings) is
  'The type of a mapping''s key column, as a cast target. Authenticated; raises P0002 (no mapping), '
  '42703 (key column gone).';
revoke execute on function notion_sync.key_type(notion_sync.mappings) from public;
grant execute on function notion_sync.key_type(notion_sync.mappings) to authenticated, service_role;

-- The current rows of some records, projected onto the mapped columns (keyed by record key).
create or replace function notion_sync.record_column_values(p_mapping_id uuid, p_record_keys text[])
returns table (record_key text, cols jsonb)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
begin
  select * into v_map from notion_sync.mappings m where m.mapping_id = p_mapping_id;
  return query execute format($q$
    select t.%2$I::text,
           (select coalesce(jsonb_object_agg(f.field, to_jsonb(t) -> f.field), '{}'::jsonb)
            from notion_sync.mapping_fields($1) f)
    from %1$s t
    where t.%2$I = any ($2::%3$s[])$q$,
    format('%I.%I', v_map.target_schema, v_map.target_table), v_map.key_column, notion_sync.key_type(v_map))
  using p_mapping_id, p_record_keys;
end
$$;

-- Base rule 2: writes some fields of a record only if the row still holds the expected values;
-- logs each change and advances the link's base to the values read back. Returns the row read
-- back, or null on a miss (the caller turns a miss into a conflict; nothing is overwritten).
create or replace function notion_sync.write_record(
  p_mapping_id uuid, p_record_key text, p_set jsonb, p_expected jsonb,
  p_run_id uuid default null, p_conflict_id uuid default null, p_advance_base boolean default true)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
  v_row jsonb;
  v_page text;
  v_old_base jsonb;
begin
  select * into v_map from notion_sync.mappings m where m.mapping_id = p_mapping_id;
  perform set_config('notion_sync.applying', p_mapping_id::text, true);
  execute format(
    'update %1$s t set (%2$s) = (select %2$s from jsonb_populate_record(null::%1$s, $1)) '
    'where t.%3$I = $2::%4$s '
    'and (select jsonb_object_agg(k, to_jsonb(t) -> k) from jsonb_object_keys($3) k) = $3 '
    'returning to_jsonb(t)',
    format('%I.%I', v_map.target_schema, v_map.target_table),
    (select string_agg(format('%I', k), ', ') from jsonb_object_keys(p_set) k),
    v_map.key_column, notion_sync.key_type(v_map))
    into v_row using p_set, p_record_key, p_expected;
  perform set_config('notion_sync.applying', '', true);
  if v_row is null then
    return null;
  end if;
  select l.page_id, l.base into v_page, v_old_base from notion_sync.links l
  where l.mapping_id = p_mapping_id and l.record_key = p_record_key;
  insert into notion_sync.changes (owner_id, mapping_id, run_id, conflict_id, side, page_id, record_key,
                                   field, old_value, new_value, old_base)
  select v_map.owner_id, p_mapping_id, p_run_id, p_conflict_id, 'supabase', v_page, p_record_key,
         k, p_expected -> k, v_row -> k, v_old_base -> k
  from jsonb_object_keys(p_set) k;
  if p_advance_base then
    update notion_sync.links l
    set base = l.base || (select jsonb_object_agg(k, v_row -> k) from jsonb_object_keys(p_set) k),
        synced_at = now()
    where l.mapping_id = p_mapping_id and l.record_key = p_record_key;
  else
    -- an undo: the next reconcile must look at this record
    update notion_sync.links l set dirty_at = now()
    where l.mapping_id = p_mapping_id and l.record_key = p_record_key;
  end if;
  return v_row;
end
$$;

-- Deletes a mapped record a person (or the trash_other_side policy) chose to delete, logging
-- every value so an undo can put it back.
create or replace function notion_sync.delete_record(p_mapping_id uuid, p_record_key text, p_run_id uuid, p_conflict_id uuid)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
  v_row jsonb;
begin
  select * into v_map from notion_sync.mappings m where m.mapping_id = p_mapping_id;
  perform set_config('notion_sync.applying', p_mapping_id::text, true);
  execute format('delete from %I.%I t where t.%I = $1::%s returning to_jsonb(t)',
                 v_map.target_schema, v_map.target_table, v_map.key_column, notion_sync.key_type(v_map))
    into v_row using p_record_key;
  perform set_config('notion_sync.applying', '', true);
  if v_row is null then
    return false;
  end if;
  insert into notion_sync.changes (owner_id, mapping_id, run_id, conflict_id, side, page_id, record_key,
                                   field, old_value, new_value)
  select v_map.owner_id, p_mapping_id, p_run_id, p_conflict_id, 'supabase',
         (select l.page_id from notion_sync.links l where l.mapping_id = p_mapping_id and l.record_key = p_record_key),
         p_record_key, '*row', v_row, null;
  return true;
end
$$;
