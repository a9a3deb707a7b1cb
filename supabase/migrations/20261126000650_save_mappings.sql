-- Saving a mapping: every problem of a mapping against the staged data source schema and the
-- target table (an unknown property, a missing column, an incompatible type, a NOT NULL column
-- nothing feeds, a target the owner cannot write under RLS…) is refused with sentences naming both
-- sides, before anything is written; a valid mapping is saved and change capture attached. After
-- the value conversion (column_type_accepts) and matching (page_id_column) migrations.

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
    select a.attname, pg_catalog.format_type(a.atttypid, null) as type_name, a.atttypid::regtype as type_oid into v_col
    from pg_catalog.pg_attribute a
    where a.attrelid = v_table and a.attname = v_field ->> 'column' and a.attnum > 0 and not a.attisdropped;
    if v_col.attname is null then
      return next format('column %s.%I does not exist (for Notion property "%s")', v_target, v_field ->> 'column',
                         coalesce(v_prop.name, v_field ->> 'name'));
    elsif not notion_sync.column_type_accepts(coalesce(v_prop.type, v_field ->> 'type'), v_col.type_oid) then
      return next format('column %s.%I is %s, which cannot hold Notion property "%s" (%s); use one of: %s',
                         v_target, v_col.attname, v_col.type_name, coalesce(v_prop.name, v_field ->> 'name'),
                         coalesce(v_prop.type, v_field ->> 'type'),
                         (select string_agg(format_type(t, null), ', ' order by o)
                          from unnest(array['text', 'numeric', 'integer', 'bigint', 'double precision', 'boolean',
                                            'date', 'timestamptz', 'uuid', 'text[]', 'uuid[]', 'jsonb']::regtype[])
                               with ordinality x(t, o)
                          where notion_sync.column_type_accepts(coalesce(v_prop.type, v_field ->> 'type'), t)));
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

  if p_mapping.page_id_column is not null and not exists (
    select from pg_catalog.pg_attribute a
    where a.attrelid = v_table and a.attname = p_mapping.page_id_column and a.attnum > 0
      and not a.attisdropped and a.atttypid in ('text'::regtype, 'character varying'::regtype, 'uuid'::regtype)) then
    return next format('page id column %s.%I does not exist or cannot hold a Notion page id (text or uuid)',
                       v_target, p_mapping.page_id_column);
  end if;

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
    owner_column, page_id_column, field_map, natural_key, match_threshold, run_policy, auto_resolve, create_unmatched,
    delete_policy, incremental_interval, full_scan_interval, bulk_threshold_rows,
    bulk_threshold_percent, paused, validated_at)
  values (
    v_new.owner_id, v_new.connection_id, v_new.name, v_new.data_source_id, v_new.target_schema,
    v_new.target_table, v_new.key_column, v_new.owner_column, v_new.page_id_column, v_new.field_map,
    v_new.natural_key,
    coalesce(v_new.match_threshold, 0.6), coalesce(v_new.run_policy, 'manual'),
    coalesce(v_new.auto_resolve, true), coalesce(v_new.create_unmatched, false),
    coalesce(v_new.delete_policy, 'hold'), coalesce(v_new.incremental_interval, interval '5 minutes'),
    coalesce(v_new.full_scan_interval, interval '1 day'), coalesce(v_new.bulk_threshold_rows, 25),
    coalesce(v_new.bulk_threshold_percent, 10), coalesce(v_new.paused, false), now())
  on conflict (owner_id, name) do update
    set connection_id = excluded.connection_id, data_source_id = excluded.data_source_id,
        target_schema = excluded.target_schema, target_table = excluded.target_table,
        key_column = excluded.key_column, owner_column = excluded.owner_column,
        page_id_column = excluded.page_id_column, field_map = excluded.field_map, natural_key = excluded.natural_key,
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

