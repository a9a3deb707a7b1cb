-- Mapping set-up: the data source schema as the functions read it, and change capture on the
-- target table (dirty records, tombstones for deletes and TRUNCATE, a guard on columns fed only
-- from Notion). Triggers are attached by save_mapping (a later migration) through a security
-- definer helper that checks the caller owns the mapping (no generated migration per mapping).

-- Types whose values only Notion computes: never written to Notion, never edited in Supabase.
create function notion_sync.is_notion_only_type(p_type text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select p_type in ('formula', 'rollup', 'created_time', 'created_by', 'last_edited_time',
                    'last_edited_by', 'unique_id', 'button', 'verification')
$$;
comment on function notion_sync.is_notion_only_type(text) is
  'True for Notion property types that are read-only through the API. Any caller; raises nothing.';
revoke execute on function notion_sync.is_notion_only_type(text) from public;
grant execute on function notion_sync.is_notion_only_type(text) to authenticated, service_role;

-- Stage the schema of a data source as the functions read it (GET /v1/data_sources/{id}).
create function notion_sync_api.stage_schema(p_data_source jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_id text := p_data_source ->> 'id';
  v_hash text;
  v_old text;
begin
  if v_id is null or jsonb_typeof(p_data_source -> 'properties') is distinct from 'object' then
    raise exception 'p_data_source must be a Notion data source object with an id and properties'
      using errcode = '22023';
  end if;
  select md5(string_agg(format('%s:%s:%s', p.value ->> 'id', p.key, p.value ->> 'type'), ',' order by p.value ->> 'id'))
  into v_hash
  from jsonb_each(p_data_source -> 'properties') p;
  select s.schema_hash into v_old from notion_sync.data_source_schemas s
  where s.owner_id = (select auth.uid()) and s.data_source_id = v_id;
  insert into notion_sync.data_source_schemas as s (owner_id, data_source_id, title, database_parent,
                                                     properties, schema_hash)
  values ((select auth.uid()), v_id,
          (select string_agg(t ->> 'plain_text', '') from jsonb_array_elements(p_data_source -> 'title') t),
          p_data_source -> 'database_parent', p_data_source -> 'properties', v_hash)
  on conflict (owner_id, data_source_id) do update
    set title = excluded.title, properties = excluded.properties, schema_hash = excluded.schema_hash,
        database_parent = coalesce(excluded.database_parent, s.database_parent), fetched_at = now();
  return jsonb_build_object('data_source_id', v_id, 'schema_hash', v_hash,
                            'changed', v_old is not null and v_old <> v_hash, 'first_read', v_old is null);
end
$$;
comment on function notion_sync_api.stage_schema(jsonb) is
  'Stores the caller''s latest read of a data source schema; says whether it changed (a changed '
  'schema forces a full scan). Authenticated. Raises 22023 for a malformed object.';
revoke execute on function notion_sync_api.stage_schema(jsonb) from public;
grant execute on function notion_sync_api.stage_schema(jsonb) to authenticated;

-- Change capture: inserts and updates of a mapped table mark the record for the next reconcile;
-- deletes leave a tombstone with the last values. security definer: whoever edits the table
-- (its owner, another role allowed by RLS, the service role), the marks belong to the mapping's
-- owner in the private schema, which the editor may not be able to write.
create function notion_sync.capture_row_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row jsonb := case when tg_op = 'DELETE' then to_jsonb(old) else to_jsonb(new) end;
  v_map record;
  v_key text;
begin
  for v_map in
    select m.mapping_id, m.owner_id, m.key_column, m.owner_column
    from notion_sync.mappings m
    where m.target_schema = tg_table_schema and m.target_table = tg_table_name
  loop
    continue when v_map.owner_column is not null
      and (v_row ->> v_map.owner_column) is distinct from v_map.owner_id::text;
    -- our own apply of Notion values, whose base it records in the same transaction
    continue when current_setting('notion_sync.applying', true) = v_map.mapping_id::text;
    v_key := v_row ->> v_map.key_column;
    if tg_op = 'DELETE' then
      insert into notion_sync.tombstones (mapping_id, owner_id, record_key, page_id, last_values, cause)
      select v_map.mapping_id, v_map.owner_id, v_key, l.page_id, v_row, 'delete'
      from (select 1) one
      left join notion_sync.links l on l.mapping_id = v_map.mapping_id and l.record_key = v_key;
    else
      update notion_sync.links l set dirty_at = now()
      where l.mapping_id = v_map.mapping_id and l.record_key = v_key;
      if not found then
        insert into notion_sync.record_changes (mapping_id, record_key, owner_id, op)
        values (v_map.mapping_id, v_key, v_map.owner_id, lower(tg_op))
        on conflict (mapping_id, record_key) do update set changed_at = now();
      end if;
    end if;
  end loop;
  return null;
end
$$;
comment on function notion_sync.capture_row_change() is
  'AFTER row trigger of mapped tables: dirty links, record_changes, tombstones. Trigger only.';
revoke execute on function notion_sync.capture_row_change() from public;

-- TRUNCATE leaves a tombstone for every linked record not already tombstoned, with its last
-- agreed values (the base).
create function notion_sync.capture_truncate()
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
    and not exists (select from notion_sync.tombstones t
                    where t.mapping_id = l.mapping_id and t.record_key = l.record_key
                      and t.resolved_at is null);
  return null;
end
$$;
comment on function notion_sync.capture_truncate() is
  'AFTER TRUNCATE trigger of mapped tables: tombstones with the last agreed values. Trigger only. '
  'security definer for the same reason as capture_row_change.';
revoke execute on function notion_sync.capture_truncate() from public;

-- Refuses edits in Supabase to columns that only Notion computes. security definer: it must see
-- every mapping of the table, not only the editor's.
create function notion_sync.guard_notion_only_columns()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_new jsonb := to_jsonb(new);
  v_old jsonb := case when tg_op = 'UPDATE' then to_jsonb(old) else '{}'::jsonb end;
  v_field record;
begin
  for v_field in
    select m.mapping_id, m.name as mapping, f ->> 'column' as col, f ->> 'name' as prop, f ->> 'type' as type
    from notion_sync.mappings m
    cross join lateral jsonb_array_elements(m.field_map) f
    where m.target_schema = tg_table_schema and m.target_table = tg_table_name
      and notion_sync.is_notion_only_type(f ->> 'type')
      and (m.owner_column is null or (v_new ->> m.owner_column) is not distinct from m.owner_id::text)
  loop
    continue when current_setting('notion_sync.applying', true) = v_field.mapping_id::text;
    if (tg_op = 'INSERT' and (v_new -> v_field.col) is not null and v_new -> v_field.col <> 'null'::jsonb)
       or (tg_op = 'UPDATE' and (v_new -> v_field.col) is distinct from (v_old -> v_field.col)) then
      raise exception 'column %.%.% is fed from the Notion property "%" (%) of mapping "%" and cannot be edited in Supabase',
        tg_table_schema, tg_table_name, v_field.col, v_field.prop, v_field.type, v_field.mapping
        using errcode = '42501', hint = 'Edit the value in Notion; the next sync brings it here.';
    end if;
  end loop;
  return new;
end
$$;
comment on function notion_sync.guard_notion_only_columns() is
  'BEFORE INSERT/UPDATE row trigger of mapped tables: raises 42501 on an edit of a Notion-only '
  'column (formula, rollup, created/edited time and by, unique_id). Trigger only.';
revoke execute on function notion_sync.guard_notion_only_columns() from public;

-- Attaches the capture and guard triggers to a mapping's table. security definer: creating a
-- trigger needs the table owner's rights; it checks that the caller owns the mapping and that
-- the authenticated role may write the table, and only ever attaches our three triggers.
create function notion_sync.attach_change_capture(p_mapping_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
  v_table regclass;
begin
  select * into v_map from notion_sync.mappings m
  where m.mapping_id = p_mapping_id and m.owner_id = (select auth.uid());
  if not found then
    raise exception 'mapping % not found', p_mapping_id using errcode = 'P0002';
  end if;
  v_table := to_regclass(format('%I.%I', v_map.target_schema, v_map.target_table));
  if v_table is null then
    raise exception 'table %.% does not exist', v_map.target_schema, v_map.target_table using errcode = '42P01';
  end if;
  if not pg_catalog.has_table_privilege('authenticated', v_table, 'INSERT, UPDATE') then
    raise exception 'role authenticated may not write %; change capture is only attached to tables users write',
      v_table using errcode = '42501';
  end if;
  execute format('create or replace trigger notion_sync_capture after insert or update or delete on %s '
                 'for each row execute function notion_sync.capture_row_change()', v_table);
  execute format('create or replace trigger notion_sync_capture_truncate after truncate on %s '
                 'for each statement execute function notion_sync.capture_truncate()', v_table);
  execute format('create or replace trigger notion_sync_guard before insert or update on %s '
                 'for each row execute function notion_sync.guard_notion_only_columns()', v_table);
end
$$;
comment on function notion_sync.attach_change_capture(uuid) is
  'Attaches change capture and the Notion-only guard to the caller''s mapped table. Authenticated '
  '(through save_mapping). Raises P0002 (not the caller''s mapping), 42P01, 42501.';
revoke execute on function notion_sync.attach_change_capture(uuid) from public;
grant execute on function notion_sync.attach_change_capture(uuid) to authenticated;
