-- A failed push is retried with backoff; a permanent failure becomes a push_failed conflict that
-- keeps the Supabase edit and leaves the base where it was.
begin;
select plan(5);

select tests.linked_tasks('failing@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
update notion_sync_demo.tasks set status = 'Done' where title = 'One';
select tests.sync_pages('[]');
select outbox_id as o1 from notion_sync_api.claim_outbox('tasks') \gset

select notion_sync_api.fail_push(:o1, 'Notion answered 503 service_unavailable', false, 30);
select ok((select status = 'pending' and next_attempt_at > now() + interval '29 seconds'
           from notion_sync.outbox where outbox_id = :o1),
  'A transient failure is retried after Retry-After.');
update notion_sync.outbox set next_attempt_at = now() where outbox_id = :o1;
select notion_sync_api.claim_outbox('tasks');
select notion_sync_api.fail_push(:o1, 'Notion answered 400 validation_error', true);

select is((select status from notion_sync.outbox where outbox_id = :o1), 'failed', 'A permanent failure ends the write.');
select is((select fields -> 'status' from notion_sync.conflicts where kind = 'push_failed'),
  '{"base": "Todo", "notion": "Todo", "supabase": "Done"}'::jsonb,
  'It becomes a push_failed conflict with both values.');
select is((tests.task_of('p1')).status, 'Done', 'The Supabase edit is kept.');
select is((select base -> 'status' from notion_sync.links where page_id = 'p1'), '"Todo"'::jsonb,
  'The base does not move.');

select * from finish();
rollback;
