-- A recreated data source is adopted by the current names of the mapped properties: a property
-- renamed in Notion since the mapping was saved (the mapping follows ids, so it kept working) is
-- found under its new name, which is the one the recreated data source has; adopting used to fail
-- after the database was created, and each retry created another.
begin;
select plan(3);

select tests.linked_tasks('adopt@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
-- Status was renamed State in Notion; the last retrieve staged that schema
select notion_sync_api.stage_schema(jsonb_set(tests.demo_data_source() #- '{properties,Status}', '{properties,State}',
  tests.demo_data_source() -> 'properties' -> 'Status' || '{"name": "State"}'));

select lives_ok($$ select notion_sync_api.adopt_data_source('tasks', '{"object": "data_source", "id": "ds-new",
    "properties": {"Name": {"id": "n1", "name": "Name", "type": "title", "title": {}},
                   "State": {"id": "n2", "name": "State", "type": "status", "status": {"options": [{"name": "Todo"}]}},
                   "Done": {"id": "n3", "name": "Done", "type": "checkbox", "checkbox": {}}}}') $$,
  'The recreated data source is adopted.');
select is((select data_source_id from notion_sync.mappings where name = 'tasks'), 'ds-new', 'The mapping follows it.');
select is((select f ->> 'property_id' from notion_sync.mappings m, jsonb_array_elements(m.field_map) f
           where f ->> 'column' = 'status'), 'n2', 'The renamed property is mapped by its current name.');

select * from finish();
rollback;
