-- A page the pre-push check found already holding the value to write (a person typed it in Notion
-- too) is staged as read: when the person then sets the page back to the value the run had staged,
-- the next incremental run sees that edit (it took the page for unchanged, so Supabase kept the
-- pushed value until a full scan; seed 118 of the no-lost-edit model test).
begin;
select plan(2);

select tests.linked_tasks('found-done-back@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
update notion_sync_demo.tasks set status = 'Doing' where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')));
select outbox_id as item from notion_sync_api.claim_outbox('tasks', 10) \gset
-- the person typed Doing in Notion meanwhile: nothing to write
select notion_sync_api.check_push(:item, tests.task_page('p1', 'One', 'Doing'));

-- then sets the page back to Todo, the value the run had read
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')));
select is((tests.task_of('p1')).status, 'Todo', 'The record takes the person''s edit back to Todo.');
select is((select base ->> 'status' from notion_sync.links where page_id = 'p1'), 'Todo',
  'Both sides agree on Todo.');

select * from finish();
rollback;
