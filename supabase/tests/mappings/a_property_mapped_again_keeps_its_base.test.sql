-- A property taken out of the field map and put back later keeps the value both sides last agreed
-- on: an edit made meanwhile in Notion reaches the record, one made in Supabase is pushed, and
-- neither is taken for the other. A property moved to another column has no agreed value there yet,
-- so it is asked about (first contact), never written over the column.
begin;
select plan(5);

select tests.linked_tasks('again-prop@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
create temp table saved on commit drop as
  select jsonb_build_object('name', 'tasks', 'connection_id', connection_id, 'data_source_id', 'ds-tasks',
                            'target_schema', 'notion_sync_demo', 'target_table', 'tasks', 'key_column', 'task_id',
                            'owner_column', 'owner_id') as m, field_map
  from notion_sync.mappings;
grant select on saved to authenticated;

select notion_sync_api.save_mapping(m || jsonb_build_object('field_map',
  (select jsonb_agg(f) from jsonb_array_elements(field_map) f where f ->> 'column' <> 'status'))) from saved;
update notion_sync_demo.tasks set status = 'Doing' where title = 'Two';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Done'), tests.task_page('p2', 'Two')),
  '{}', 'full', true);
select notion_sync_api.save_mapping(m || jsonb_build_object('field_map', field_map)) from saved;
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Done'), tests.task_page('p2', 'Two')),
  '{}', 'full', true);

select is((tests.task_of('p1')).status, 'Done', 'The Notion edit made while unmapped reaches the record.');
select is((tests.task_of('p2')).status, 'Doing', 'The Supabase edit made while unmapped stays.');
select is((select properties -> 'st%3A' -> 'status' ->> 'name' from notion_sync.outbox where page_id = 'p2'), 'Doing',
  'And is pushed to its page.');
select is((select count(*)::int from notion_sync.conflicts), 0, 'Nothing is asked.');

select notion_sync_api.save_mapping(m || jsonb_build_object('field_map',
  (select jsonb_agg(case when f ->> 'column' = 'status' then f || '{"column": "priority"}' else f end)
   from jsonb_array_elements(field_map) f))) from saved;
update notion_sync_demo.tasks set priority = 'High' where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Done')), '{}', 'full', true);
select is((tests.task_of('p1')).priority, 'High', 'A property moved to a column that holds a value does not overwrite it.');

select * from finish();
rollback;
