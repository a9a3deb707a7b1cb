-- adopt_data_source finds the mapped properties of a recreated data source by their current names,
-- not by the names the field map was saved with.
--
-- A recreated data source has new property ids, so adopt_data_source follows the field map to the
-- new properties by name. It used the field map's names, which go stale when a property is renamed
-- in Notion (the mapping still works: it follows ids). plan_recreate builds the new data source from
-- the staged schema, with the current names, so a renamed property was "missing" from it: adopt
-- raised 55000 after the database had been created, and each retry of the push created another one.
-- Now the field map's names are first refreshed from the old data source's staged schema (by
-- property id), which plan_recreate used.

alter function notion_sync_api.adopt_data_source(text, jsonb, uuid) set schema notion_sync;
alter function notion_sync.adopt_data_source(text, jsonb, uuid) rename to adopt_data_source_by_name;
comment on function notion_sync.adopt_data_source_by_name(text, jsonb, uuid) is
  'Points the caller''s mapping at its recreated data source, following the field map by property '
  'name. Call notion_sync_api.adopt_data_source, which refreshes the names first. Authenticated. '
  'Raises P0002, 55000.';

-- Points the caller's mapping at its recreated data source (adopt_data_source_by_name), after
-- giving each field map entry the current name of its property in the old data source's staged
-- schema. Authenticated. Raises P0002 (no such mapping), 55000 (a mapped property is missing).
create function notion_sync_api.adopt_data_source(p_mapping_name text, p_data_source jsonb, p_run_id uuid default null)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
begin
  update notion_sync.mappings m
  set field_map = (select coalesce(jsonb_agg(f || coalesce(
                      (select jsonb_build_object('name', p.key)
                       from notion_sync.data_source_schemas s, jsonb_each(s.properties) p
                       where s.owner_id = m.owner_id and s.data_source_id = m.data_source_id
                         and p.value ->> 'id' = f ->> 'property_id'), '{}'::jsonb) order by o), '[]'::jsonb)
                   from jsonb_array_elements(m.field_map) with ordinality x(f, o))
  where m.name = p_mapping_name;
  return notion_sync.adopt_data_source_by_name(p_mapping_name, p_data_source, p_run_id);
end
$$;
comment on function notion_sync_api.adopt_data_source(text, jsonb, uuid) is
  'Points the caller''s mapping at its recreated data source (field map remapped by the properties'' '
  'current names), retires the old links and pending writes, and queues a create for every record. '
  'Authenticated. Raises P0002 (no such mapping), 55000 (a mapped property is missing).';
revoke execute on function notion_sync_api.adopt_data_source(text, jsonb, uuid) from public;
grant execute on function notion_sync_api.adopt_data_source(text, jsonb, uuid) to authenticated;
