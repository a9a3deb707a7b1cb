-- A PATCH whose answer was lost (a timeout) but which landed is found done when the push reads the
-- page again: it is logged in changes with the value Notion held before the write, so revert_run
-- and undo reach it, and the item keeps that first pre-read. A first check that finds the value
-- already there (nothing was sent) logs nothing.
begin;
select plan(5);

select tests.linked_tasks('landed@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
update notion_sync_demo.tasks set status = 'Done' where title in ('One', 'Two');
select tests.sync_pages('[]') ->> 'run_id' as run \gset
select count(*) from notion_sync_api.claim_outbox('tasks', 10);
select outbox_id as o1 from notion_sync.outbox where page_id = 'p1' \gset
select outbox_id as o2 from notion_sync.outbox where page_id = 'p2' \gset

select is(notion_sync_api.check_push(:o1, tests.task_page('p1', 'One', 'Todo')) ->> 'decision', 'write',
  'The first check lets the write go.');
-- the PATCH times out; read again, the page holds the value sent
select is(notion_sync_api.check_push(:o1, tests.task_page('p1', 'One', 'Done')) ->> 'decision', 'done',
  'Read again after the timeout, the write is found done.');
select results_eq($$ select run_id, side, field, old_value, new_value, old_base from notion_sync.changes
                    where page_id = 'p1' and side = 'notion' $$,
  format($$ values (%L::uuid, 'notion'::text, 'status'::text, '"Todo"'::jsonb, '"Done"'::jsonb, '"Todo"'::jsonb) $$, :'run'),
  'It is logged as the run''s change, from the value Notion held before it.');
select is((select outcome -> 'pre_read' ->> 'status' from notion_sync.outbox where outbox_id = :o1), 'Todo',
  'The item keeps the pre-read made before the write.');

select notion_sync_api.check_push(:o2, tests.task_page('p2', 'Two', 'Done'));
select is_empty($$ select 1 from notion_sync.changes where page_id = 'p2' and side = 'notion' $$,
  'A value found there at the first check, with nothing sent, is not logged.');

select * from finish();
rollback;
