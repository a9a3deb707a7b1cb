-- A mapping paused while both sides are edited, then resumed: no run starts while it is paused, and
-- the first run after compares each field with the value both sides last agreed on, so an edit made
-- in Supabase is pushed, one made in Notion is applied, and a field edited on both sides is a
-- question keeping both values.
begin;
select plan(6);

select tests.linked_tasks('paused@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'), tests.task_page('p3', 'Three'))) as uid \gset
select notion_sync_api.set_mapping_paused('tasks', true);
select throws_ok($$ select notion_sync_api.start_run('tasks', 'retrieve', 'incremental') $$, '55000', null,
  'No run starts while the mapping is paused.');
update notion_sync_demo.tasks set status = 'Doing' where title in ('One', 'Three');
select notion_sync_api.set_mapping_paused('tasks', false);
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two', 'Done'),
                                          tests.task_page('p3', 'Three', 'Done')));

select is((tests.task_of('p1')).status, 'Doing', 'The Supabase edit stays in the record.');
select is((select properties -> 'st%3A' -> 'status' ->> 'name' from notion_sync.outbox where page_id = 'p1'), 'Doing',
  'And is pushed to its page.');
select is((tests.task_of('p2')).status, 'Done', 'The Notion edit reaches its record.');
select is((tests.task_of('p3')).status, 'Doing', 'A field edited on both sides keeps the Supabase value.');
select is((select fields -> 'status' ->> 'notion' from notion_sync.conflicts
           where page_id = 'p3' and kind = 'field' and status = 'open'), 'Done',
  'And a question holds the Notion value.');

select * from finish();
rollback;
