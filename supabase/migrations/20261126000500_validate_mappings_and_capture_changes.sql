-- Mapping set-up done right: the data source schema as the functions read it, validation of a
-- mapping against that schema and the target table before anything is written, and change
-- capture on the target table (dirty records, tombstones for deletes and TRUNCATE, a guard on
-- columns fed only from Notion). Triggers are attached by save_mapping through a security definer
-- helper that checks the caller owns the mapping (no generated migration per mapping).

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

-- Column types that can hold a Notion property type (canonical_to_column converts between them).
create function notion_sync.compatible_column_types(p_type text)
returns text[]
language sql
immutable
set search_path = ''
as $$
  select case p_type
    when 'title' then array['text', 'character varying', 'jsonb']
    when 'rich_text' then array['text', 'character varying', 'jsonb']
    when 'number' then array['numeric', 'integer', 'bigint', 'smallint', 'double precision', 'real']
    when 'select' then array['text', 'character varying']
    when 'status' then array['text', 'character varying']
    when 'multi_select' then array['text[]', 'character varying[]', 'jsonb']
    when 'date' then array['date', 'timestamp with time zone', 'timestamp without time zone', 'jsonb']
    when 'checkbox' then array['boolean']
    when 'url' then array['text', 'character varying']
    when 'email' then array['text', 'character varying']
    when 'phone_number' then array['text', 'character varying']
    when 'people' then array['uuid[]', 'text[]', 'jsonb']
    when 'relation' then array['text[]', 'uuid[]', 'jsonb']
    when 'files' then array['jsonb']
    when 'formula' then array['text', 'character varying', 'numeric', 'integer', 'bigint',
                              'double precision', 'boolean', 'date', 'timestamp with time zone', 'jsonb']
    when 'rollup' then array['numeric', 'integer', 'bigint', 'double precision', 'date',
                             'timestamp with time zone', 'text', 'jsonb']
    when 'created_time' then array['timestamp with time zone', 'timestamp without time zone']
    when 'last_edited_time' then array['timestamp with time zone', 'timestamp without time zone']
    when 'created_by' then array['uuid', 'text']
    when 'last_edited_by' then array['uuid', 'text']
    when 'unique_id' then array['text', 'character varying', 'integer', 'bigint']
    else array[]::text[]
  end
$$;
comment on function notion_sync.compatible_column_types(text) is
  'Column types (format_type names) that may hold a Notion property type. Any caller; raises nothing.';
revoke execute on function notion_sync.compatible_column_types(text) from public;
grant execute on function notion_sync.compatible_column_types(text) to authenticated, service_role;

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
  insert into notion_sync.data_source_schemas as s (owner_id, data_source_id, title, properties, schema_hash)
  values ((select auth.uid()), v_id,
          (select string_agg(t ->> 'plain_text', '') from jsonb_array_elements(p_data_source -> 'title') t),
          p_data_source -> 'properties', v_hash)
  on conflict (owner_id, data_source_id) do update
    set title = excluded.title, properties = excluded.properties, schema_hash = excluded.schema_hash,
        fetched_at = now();
  return jsonb_build_object('data_source_id', v_id, 'schema_hash', v_hash,
                            'changed', v_old is not null and v_old <> v_hash, 'first_read', v_old is null);
end
$$;
comment on function notion_sync_api.stage_schema(jsonb) is
  'Stores the caller''s latest read of a data source schema; says whether it changed (a changed '
  'schema forces a full scan). Authenticated. Raises 22023 for a malformed object.';
revoke execute on function notion_sync_api.stage_schema(jsonb) from public;
grant execute on function notion_sync_api.stage_schema(jsonb) to authenticated;

-- Everything wrong with a mapping, as sentences naming both sides; empty when it is valid.
create function notion_sync.mapping_problems(p_mapping notion_sync.mappings)
returns setof text
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_schema notion_sync.data_source_schemas;
  v_table regclass;
  v_target text := format('%I.%I', p_mapping.target_schema, p_mapping.target_table);
  v_field jsonb;
  v_prop record;
  v_col record;
  v_seen text[] := array[]::text[];
begin
  select * into v_schema from notion_sync.data_source_schemas s
  where s.owner_id = p_mapping.owner_id and s.data_source_id = p_mapping.data_source_id;
  if not found then
    return next format('the schema of Notion data source %s has not been read yet (stage it first)',
                       p_mapping.data_source_id);
  end if;
  v_table := to_regclass(v_target);
  if v_table is null then
    return next format('table %s does not exist', v_target);
    return;
  end if;

  if not exists (select from pg_catalog.pg_attribute a
                 where a.attrelid = v_table and a.attname = p_mapping.key_column and a.attnum > 0
                   and not a.attisdropped) then
    return next format('key column %s.%I does not exist', v_target, p_mapping.key_column);
  end if;
  if p_mapping.owner_column is not null and not exists (
    select from pg_catalog.pg_attribute a
    where a.attrelid = v_table and a.attname = p_mapping.owner_column and a.attnum > 0
      and not a.attisdropped and a.atttypid = 'uuid'::regtype) then
    return next format('owner column %s.%I does not exist or is not a uuid', v_target, p_mapping.owner_column);
  end if;

  for v_field in select f from jsonb_array_elements(p_mapping.field_map) f loop
    if coalesce(v_field ->> 'property_id', '') = '' or coalesce(v_field ->> 'column', '') = '' then
      return next format('field map entry %s needs a property_id and a column', v_field);
      continue;
    end if;
    if v_field ->> 'column' = any (v_seen) then
      return next format('column %s.%I is fed by more than one Notion property', v_target, v_field ->> 'column');
    end if;
    v_seen := v_seen || (v_field ->> 'column');
    select p.key as name, p.value ->> 'type' as type into v_prop
    from jsonb_each(coalesce(v_schema.properties, '{}'::jsonb)) p
    where p.value ->> 'id' = v_field ->> 'property_id';
    if v_schema.data_source_id is not null and v_prop.name is null then
      return next format('Notion property "%s" (id %s) is not in data source %s; column %s.%I has nothing to sync with',
                         coalesce(v_field ->> 'name', '?'), v_field ->> 'property_id', p_mapping.data_source_id,
                         v_target, v_field ->> 'column');
      continue;
    end if;
    if v_prop.type is not null and v_field ->> 'type' is distinct from v_prop.type then
      return next format('Notion property "%s" is now a %s, but the mapping says %s', v_prop.name, v_prop.type,
                         coalesce(v_field ->> 'type', 'nothing'));
    end if;
    select a.attname, pg_catalog.format_type(a.atttypid, null) as type_name into v_col
    from pg_catalog.pg_attribute a
    where a.attrelid = v_table and a.attname = v_field ->> 'column' and a.attnum > 0 and not a.attisdropped;
    if v_col.attname is null then
      return next format('column %s.%I does not exist (for Notion property "%s")', v_target, v_field ->> 'column',
                         coalesce(v_prop.name, v_field ->> 'name'));
    elsif not (v_col.type_name = any (notion_sync.compatible_column_types(coalesce(v_prop.type, v_field ->> 'type')))) then
      return next format('column %s.%I is %s, which cannot hold Notion property "%s" (%s); use one of: %s',
                         v_target, v_col.attname, v_col.type_name, coalesce(v_prop.name, v_field ->> 'name'),
                         coalesce(v_prop.type, v_field ->> 'type'),
                         array_to_string(notion_sync.compatible_column_types(coalesce(v_prop.type, v_field ->> 'type')), ', '));
    end if;
    if v_field ? 'direction' and v_field ->> 'direction' not in ('both', 'notion_to_supabase', 'supabase_to_notion') then
      return next format('direction of column %I must be both, notion_to_supabase or supabase_to_notion', v_field ->> 'column');
    elsif v_field ->> 'direction' in ('both', 'supabase_to_notion')
          and notion_sync.is_notion_only_type(coalesce(v_prop.type, v_field ->> 'type')) then
      return next format('Notion property "%s" (%s) is read-only in Notion; column %I can only be notion_to_supabase',
                         coalesce(v_prop.name, v_field ->> 'name'), coalesce(v_prop.type, v_field ->> 'type'),
                         v_field ->> 'column');
    end if;
  end loop;

  if p_mapping.natural_key is not null then
    if not exists (select from jsonb_array_elements(p_mapping.field_map) f
                   where f ->> 'property_id' = p_mapping.natural_key ->> 'property_id'
                     and f ->> 'column' = p_mapping.natural_key ->> 'column') then
      return next format('the natural key (property %s = column %I) must be one of the mapped fields',
                         p_mapping.natural_key ->> 'property_id', p_mapping.natural_key ->> 'column');
    end if;
  end if;

  for v_col in
    select a.attname from pg_catalog.pg_attribute a
    where a.attrelid = v_table and a.attnum > 0 and not a.attisdropped and a.attnotnull
      and not a.atthasdef and a.attidentity = '' and a.attgenerated = ''
      and a.attname <> all (v_seen)
      and a.attname is distinct from p_mapping.owner_column
  loop
    return next format('column %s.%I is NOT NULL without a default and no Notion property feeds it',
                       v_target, v_col.attname);
  end loop;

  if not pg_catalog.has_table_privilege('authenticated', v_table, 'SELECT, INSERT, UPDATE') then
    return next format('the owner cannot write %s: role authenticated lacks SELECT, INSERT or UPDATE on it', v_target);
  end if;
  if (select c.relrowsecurity from pg_catalog.pg_class c where c.oid = v_table) then
    if not exists (select from pg_catalog.pg_policies p
                   where p.schemaname = p_mapping.target_schema and p.tablename = p_mapping.target_table
                     and p.cmd in ('INSERT', 'ALL') and p.roles && array['authenticated', 'public']::name[]) then
      return next format('the owner cannot write %s under RLS: it has no INSERT policy for authenticated', v_target);
    end if;
    if not exists (select from pg_catalog.pg_policies p
                   where p.schemaname = p_mapping.target_schema and p.tablename = p_mapping.target_table
                     and p.cmd in ('UPDATE', 'ALL') and p.roles && array['authenticated', 'public']::name[]) then
      return next format('the owner cannot write %s under RLS: it has no UPDATE policy for authenticated', v_target);
    end if;
  end if;
end
$$;
comment on function notion_sync.mapping_problems(notion_sync.mappings) is
  'Every problem of a mapping against the staged data source schema and the target table, each a '
  'sentence naming both sides. Authenticated (reads the caller''s staged schema); raises nothing.';
revoke execute on function notion_sync.mapping_problems(notion_sync.mappings) from public;
grant execute on function notion_sync.mapping_problems(notion_sync.mappings) to authenticated, service_role;

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

-- Creates or updates the caller's mapping from a JSON description, after validating it; attaches
-- change capture. Nothing is written when the mapping is invalid.
create function notion_sync_api.save_mapping(p_mapping jsonb)
returns uuid
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_new notion_sync.mappings;
  v_problems text[];
  v_id uuid;
begin
  if jsonb_typeof(p_mapping) is distinct from 'object' then
    raise exception 'p_mapping must be a JSON object' using errcode = '22023';
  end if;
  v_new := jsonb_populate_record(null::notion_sync.mappings, p_mapping || jsonb_build_object(
    'owner_id', (select auth.uid()),
    'mapping_id', coalesce(p_mapping ->> 'mapping_id', gen_random_uuid()::text)));
  v_new.target_schema := coalesce(v_new.target_schema, 'public');
  v_new.field_map := coalesce(v_new.field_map, '[]'::jsonb);
  if v_new.name is null or v_new.connection_id is null or v_new.data_source_id is null
     or v_new.target_table is null or v_new.key_column is null then
    raise exception 'a mapping needs name, connection_id, data_source_id, target_table and key_column'
      using errcode = '22023';
  end if;
  select array_agg(p) into v_problems from notion_sync.mapping_problems(v_new) p;
  if v_problems is not null then
    raise exception 'mapping "%" is invalid: %', v_new.name, array_to_string(v_problems, '; ')
      using errcode = '22023';
  end if;

  insert into notion_sync.mappings as m (
    owner_id, connection_id, name, data_source_id, target_schema, target_table, key_column,
    owner_column, field_map, natural_key, match_threshold, run_policy, auto_resolve, create_unmatched,
    delete_policy, incremental_interval, full_scan_interval, bulk_threshold_rows,
    bulk_threshold_percent, paused, validated_at)
  values (
    v_new.owner_id, v_new.connection_id, v_new.name, v_new.data_source_id, v_new.target_schema,
    v_new.target_table, v_new.key_column, v_new.owner_column, v_new.field_map, v_new.natural_key,
    coalesce(v_new.match_threshold, 0.6), coalesce(v_new.run_policy, 'manual'),
    coalesce(v_new.auto_resolve, false), coalesce(v_new.create_unmatched, false),
    coalesce(v_new.delete_policy, 'hold'), coalesce(v_new.incremental_interval, interval '5 minutes'),
    coalesce(v_new.full_scan_interval, interval '1 day'), coalesce(v_new.bulk_threshold_rows, 25),
    coalesce(v_new.bulk_threshold_percent, 10), coalesce(v_new.paused, false), now())
  on conflict (owner_id, name) do update
    set connection_id = excluded.connection_id, data_source_id = excluded.data_source_id,
        target_schema = excluded.target_schema, target_table = excluded.target_table,
        key_column = excluded.key_column, owner_column = excluded.owner_column,
        field_map = excluded.field_map, natural_key = excluded.natural_key,
        match_threshold = excluded.match_threshold, run_policy = excluded.run_policy,
        auto_resolve = excluded.auto_resolve, create_unmatched = excluded.create_unmatched,
        delete_policy = excluded.delete_policy, incremental_interval = excluded.incremental_interval,
        full_scan_interval = excluded.full_scan_interval,
        bulk_threshold_rows = excluded.bulk_threshold_rows,
        bulk_threshold_percent = excluded.bulk_threshold_percent, paused = excluded.paused,
        validated_at = now(), updated_at = now()
  returning m.mapping_id into v_id;
  perform notion_sync.attach_change_capture(v_id);
  return v_id;
end
$$;
comment on function notion_sync_api.save_mapping(jsonb) is
  'Validates and saves the caller''s mapping (by name), then attaches change capture. Authenticated. '
  'Raises 22023 listing every problem, naming the Notion property and the column.';
revoke execute on function notion_sync_api.save_mapping(jsonb) from public;
grant execute on function notion_sync_api.save_mapping(jsonb) to authenticated;

-- apply_run marks its own writes (see capture_row_change and the guard): the skeleton's body moves
-- to notion_sync.apply_staged, and apply_run sets the flag around it.
alter function notion_sync_api.apply_run(uuid) set schema notion_sync;
alter function notion_sync.apply_run(uuid) rename to apply_staged;
comment on function notion_sync.apply_staged(uuid) is
  'Applies the pages a run staged (the skeleton''s apply_run). Call notion_sync_api.apply_run.';

create function notion_sync_api.apply_run(p_run_id uuid)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_result jsonb;
begin
  perform set_config('notion_sync.applying',
    coalesce((select r.mapping_id::text from notion_sync.runs r where r.run_id = p_run_id), ''), true);
  v_result := notion_sync.apply_staged(p_run_id);
  perform set_config('notion_sync.applying', '', true);
  return v_result;
end
$$;
comment on function notion_sync_api.apply_run(uuid) is
  'Applies the pages a run staged to the mapping''s table under RLS; its own writes are not '
  'captured as Supabase edits. Authenticated. Raises P0002 (no such run).';
revoke execute on function notion_sync_api.apply_run(uuid) from public;
grant execute on function notion_sync_api.apply_run(uuid) to authenticated;
