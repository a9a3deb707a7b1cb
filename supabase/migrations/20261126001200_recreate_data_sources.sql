-- When a mapping's whole Notion data source is gone (deleted, or no longer shared), Supabase is
-- the copy that survives: the functions create the database again from the schema last staged
-- (plan_recreate), and adopt_data_source points the mapping at it — property ids remapped by
-- name, the old links and pending writes to vanished pages retired — and queues a create for
-- every record, so the next push rebuilds the pages. A trashed data source is un-trashed instead.

-- The create-database request that rebuilds a mapping's data source from its staged schema.
create function notion_sync_api.plan_recreate(p_mapping_name text)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
  v_schema notion_sync.data_source_schemas;
begin
  select * into v_map from notion_sync.mappings m where m.name = p_mapping_name;
  if not found then
    raise exception 'no mapping named "%"', p_mapping_name using errcode = 'P0002';
  end if;
  select * into v_schema from notion_sync.data_source_schemas s
  where s.owner_id = v_map.owner_id and s.data_source_id = v_map.data_source_id;
  if not found or v_schema.database_parent is null
     or v_schema.database_parent ->> 'type' not in ('page_id', 'workspace') then
    raise exception 'mapping "%": no staged schema with a page to recreate data source % under', p_mapping_name,
      v_map.data_source_id using errcode = '55000';
  end if;
  return jsonb_build_object(
    'parent', case when v_schema.database_parent ->> 'type' = 'workspace'
                   then jsonb_build_object('type', 'workspace', 'workspace', true)
                   else jsonb_build_object('type', 'page_id', 'page_id', v_schema.database_parent ->> 'page_id') end,
    'title', jsonb_build_array(jsonb_build_object('type', 'text', 'text',
               jsonb_build_object('content', coalesce(v_schema.title, p_mapping_name)))),
    'initial_data_source', jsonb_build_object('properties', (
      select jsonb_object_agg(p.key, case p.value ->> 'type'
        when 'number' then jsonb_build_object('number',
          jsonb_build_object('format', coalesce(p.value -> 'number' ->> 'format', 'number')))
        when 'select' then jsonb_build_object('select', jsonb_build_object('options',
          (select coalesce(jsonb_agg(jsonb_build_object('name', o ->> 'name', 'color', o ->> 'color')), '[]')
           from jsonb_array_elements(p.value -> 'select' -> 'options') o)))
        when 'multi_select' then jsonb_build_object('multi_select', jsonb_build_object('options',
          (select coalesce(jsonb_agg(jsonb_build_object('name', o ->> 'name', 'color', o ->> 'color')), '[]')
           from jsonb_array_elements(p.value -> 'multi_select' -> 'options') o)))
        when 'status' then jsonb_build_object('status', jsonb_build_object('options',
          (select coalesce(jsonb_agg(jsonb_build_object('name', o ->> 'name', 'color', o ->> 'color')), '[]')
           from jsonb_array_elements(p.value -> 'status' -> 'options') o)))
        when 'formula' then jsonb_build_object('formula',
          jsonb_build_object('expression', p.value -> 'formula' ->> 'expression'))
        when 'unique_id' then jsonb_build_object('unique_id',
          jsonb_build_object('prefix', p.value -> 'unique_id' -> 'prefix'))
        when 'relation' then jsonb_build_object('relation', jsonb_build_object(
          'data_source_id', p.value -> 'relation' ->> 'data_source_id', 'type', 'single_property',
          'single_property', '{}'::jsonb))
        when 'rollup' then jsonb_build_object('rollup', jsonb_build_object(
          'relation_property_name', p.value -> 'rollup' ->> 'relation_property_name',
          'rollup_property_name', p.value -> 'rollup' ->> 'rollup_property_name',
          'function', p.value -> 'rollup' ->> 'function'))
        else jsonb_build_object(p.value ->> 'type', '{}'::jsonb) end)
      from jsonb_each(v_schema.properties) p)));
end
$$;
comment on function notion_sync_api.plan_recreate(text) is
  'The POST /v1/databases body that rebuilds the caller''s mapped data source from its staged schema '
  '(options, formulas, unique id prefixes, relations as single properties). Authenticated. Raises '
  'P0002 (no such mapping), 55000 (no staged schema or parent page).';
revoke execute on function notion_sync_api.plan_recreate(text) from public;
grant execute on function notion_sync_api.plan_recreate(text) to authenticated;

-- Points a mapping at its recreated data source and queues a page for every record.
create function notion_sync_api.adopt_data_source(p_mapping_name text, p_data_source jsonb, p_run_id uuid default null)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
  v_field_map jsonb;
  v_missing text[];
  v_key text;
  v_row jsonb;
  v_queued integer := 0;
begin
  select * into v_map from notion_sync.mappings m where m.name = p_mapping_name for update;
  if not found then
    raise exception 'no mapping named "%"', p_mapping_name using errcode = 'P0002';
  end if;
  perform notion_sync_api.stage_schema(p_data_source);
  -- property ids are new: the field map follows the properties by name
  select jsonb_agg(f || jsonb_build_object('property_id', p.value ->> 'id') order by ord),
         array_agg(f ->> 'name') filter (where p.value is null)
  into v_field_map, v_missing
  from jsonb_array_elements(v_map.field_map) with ordinality x(f, ord)
  left join lateral (select e.value from jsonb_each(p_data_source -> 'properties') e
                     where e.key = f ->> 'name') p on true;
  if v_missing is not null then
    raise exception 'mapping "%": the recreated data source lacks %', p_mapping_name, array_to_string(v_missing, ', ')
      using errcode = '55000';
  end if;
  update notion_sync.mappings m
  set data_source_id = p_data_source ->> 'id', field_map = coalesce(v_field_map, '[]'::jsonb),
      natural_key = case when m.natural_key is null then null
                         else m.natural_key || jsonb_build_object('property_id',
                           (select f ->> 'property_id' from jsonb_array_elements(v_field_map) f
                            where f ->> 'column' = m.natural_key ->> 'column' limit 1)) end,
      updated_at = now()
  where m.mapping_id = v_map.mapping_id;
  -- the old pages are gone: their links, staging and pending writes retire
  update notion_sync.outbox o set status = 'cancelled', updated_at = now()
  where o.mapping_id = v_map.mapping_id and o.status = 'pending' and o.op <> 'create';
  delete from notion_sync.links l where l.mapping_id = v_map.mapping_id;
  delete from notion_sync.staged_pages sp where sp.mapping_id = v_map.mapping_id;
  for v_key, v_row in execute format(
    'select t.%2$I::text, to_jsonb(t) from %1$s t where $1::text is null or (to_jsonb(t) ->> $1) = $2::text',
    format('%I.%I', v_map.target_schema, v_map.target_table), v_map.key_column)
    using v_map.owner_column, v_map.owner_id
  loop
    if notion_sync.queue_create(v_map.mapping_id, p_run_id, v_key,
         (select jsonb_object_agg(f.field, v_row -> f.field)
          from notion_sync.mapping_fields(v_map.mapping_id) f where f.direction = 'both'), true) is not null then
      v_queued := v_queued + 1;
    end if;
  end loop;
  return jsonb_build_object('data_source_id', p_data_source ->> 'id', 'creates_queued', v_queued,
                            'previous_data_source_id', v_map.data_source_id);
end
$$;
comment on function notion_sync_api.adopt_data_source(text, jsonb, uuid) is
  'Points the caller''s mapping at its recreated data source (field map remapped by property name), '
  'retires the old links and pending writes, and queues a create for every record. Authenticated. '
  'Raises P0002 (no such mapping), 55000 (a mapped property is missing).';
revoke execute on function notion_sync_api.adopt_data_source(text, jsonb, uuid) from public;
grant execute on function notion_sync_api.adopt_data_source(text, jsonb, uuid) to authenticated;
