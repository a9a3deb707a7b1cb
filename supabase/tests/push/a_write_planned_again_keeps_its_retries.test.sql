-- A run that plans the same update as the one waiting in the outbox keeps the waiting one, with its
-- attempts and backoff (so a write Notion keeps refusing reaches push_failed); a different plan
-- replaces it.
begin;
select plan(5);

select tests.linked_tasks('replan@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
update notion_sync_demo.tasks set status = 'Doing' where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{}', 'full', true);
select outbox_id as item from notion_sync.outbox where op = 'update' and status = 'pending' \gset
-- sent, and refused for now: retried later
select count(*) from notion_sync_api.claim_outbox('tasks', 10);
select notion_sync_api.fail_push(:item, 'Notion answered 503', false);
select next_attempt_at as retry_at from notion_sync.outbox where outbox_id = :item \gset

select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{}', 'full', true);
select is((select count(*)::int from notion_sync.outbox), 1, 'The next run queues nothing new for the same write.');
select is((select status || ' ' || attempts from notion_sync.outbox where outbox_id = :item), 'pending 1',
  'The waiting write is kept, with its attempts.');
select is((select next_attempt_at from notion_sync.outbox where status = 'pending'), :'retry_at'::timestamptz,
  'And its backoff.');

-- another value: the new plan replaces it
update notion_sync_demo.tasks set status = 'Done' where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{}', 'full', true);
select is((select status from notion_sync.outbox where outbox_id = :item), 'cancelled',
  'A different write replaces it.');
select is((select properties -> 'st%3A' -> 'status' ->> 'name' from notion_sync.outbox where status = 'pending'), 'Done',
  'With the new value, from attempt 0.');

select * from finish();
rollback;
