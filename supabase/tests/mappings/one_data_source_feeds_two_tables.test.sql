-- One data source mapped onto two tables keeps both tables copies of it: each mapping has its own
-- links, a Notion edit reaches both tables, and one mapping applying it leaves the other nothing to
-- push (no echo, no second page).
begin;
select plan(5);

select tests.linked_tasks('two-tables@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
reset role;
select tests.owner_only_table('tasks_copy', 'task_id uuid primary key default gen_random_uuid(), title text, status text, done boolean');
select tests.authenticate_as(:'uid');
select notion_sync_api.save_mapping(jsonb_build_object('name', 'copy', 'connection_id', connection_id,
  'data_source_id', 'ds-tasks', 'target_table', 'tasks_copy', 'key_column', 'task_id', 'owner_column', 'owner_id',
  'field_map', field_map))
from notion_sync.mappings where name = 'tasks';
select tests.sync_mapping('copy', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')),
  '{"create_unmatched": true}');

select results_eq($$ select title from public.tasks_copy order by title $$, array['One', 'Two'],
  'The second table gets a row for each page.');

select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Done')));
select tests.sync_mapping('copy', jsonb_build_array(tests.task_page('p1', 'One', 'Done')));
select is((select status from notion_sync_demo.tasks where title = 'One'), 'Done', 'The Notion edit reaches the first table.');
select is((select status from public.tasks_copy where title = 'One'), 'Done', 'And the second.');
select is((select count(*)::int from notion_sync.outbox), 0, 'Neither mapping pushes the edit back or creates a page.');
select is((select count(*)::int from notion_sync.links), 4, 'Each mapping links each page once.');

select * from finish();
rollback;
