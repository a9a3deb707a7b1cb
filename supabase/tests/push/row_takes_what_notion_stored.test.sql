-- When Notion stores another value than the one pushed (a status set to null takes the default
-- option), the row takes Notion's value on confirmation, logged as a change, and the next run
-- pushes nothing; a Supabase edit made while the push was in flight is kept and pushed next.
begin;
select plan(6);

select tests.linked_tasks('stored@example.com', jsonb_build_array(
  tests.task_page('p1', 'One', 'Doing'), tests.task_page('p2', 'Two', 'Doing'))) as uid \gset
update notion_sync_demo.tasks set status = null;
select tests.sync_pages('[]');
select outbox_id as o1 from notion_sync.outbox where page_id = 'p1' and status = 'pending' \gset
select outbox_id as o2 from notion_sync.outbox where page_id = 'p2' and status = 'pending' \gset
select notion_sync_api.claim_outbox('tasks');

-- Notion resets a status sent as null to its default option
select notion_sync_api.confirm_push(:o1, tests.task_page('p1', 'One', 'Todo'));
select is((tests.task_of('p1')).status, 'Todo', 'The row takes the status Notion stored.');
select is((select new_value from notion_sync.changes
           where page_id = 'p1' and side = 'supabase' and field = 'status' and old_value = 'null'),
  '"Todo"'::jsonb, 'The write is logged as a change from the value sent.');
select is((tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Todo'))) ->> 'supabase_to_notion')::int, 0,
  'The next run pushes nothing.');

-- a person sets p2's status while its push is in flight
update notion_sync_demo.tasks t set status = 'Done' from notion_sync.links l
where l.record_key = t.task_id::text and l.page_id = 'p2';
select notion_sync_api.confirm_push(:o2, tests.task_page('p2', 'Two', 'Todo'));
select is((tests.task_of('p2')).status, 'Done', 'An edit made meanwhile is kept.');
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two', 'Todo')));
select is((select properties from notion_sync.outbox where page_id = 'p2' and status = 'pending'),
  '{"st%3A": {"status": {"name": "Done"}}}'::jsonb, 'And pushed by the next run.');
select is((select count(*)::int from notion_sync.conflicts), 0, 'Nobody is asked anything.');

select * from finish();
rollback;
