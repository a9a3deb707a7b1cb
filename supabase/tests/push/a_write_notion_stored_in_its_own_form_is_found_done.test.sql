-- A write whose answer was lost and that Notion stored in its own form (a checkbox cleared to null
-- reads back as false) is found done when the push reads the page again, not taken for a Notion
-- edit: no conflict against our own write, the base takes the value read back, and the write is
-- logged. A value a person would call different is still a conflict.
begin;
select plan(6);

select tests.linked_tasks('own-form@example.com', jsonb_build_array(
  tests.task_page('p1', 'One', 'Todo', true), tests.task_page('p2', 'Two', 'Todo', true))) as uid \gset
update notion_sync_demo.tasks set done = null where title = 'One';
update notion_sync_demo.tasks set status = 'Done' where title = 'Two';
select tests.sync_pages('[]') ->> 'run_id' as run \gset
select count(*) from notion_sync_api.claim_outbox('tasks', 10);
select outbox_id as o1 from notion_sync.outbox where page_id = 'p1' \gset
select outbox_id as o2 from notion_sync.outbox where page_id = 'p2' \gset

select is(notion_sync_api.check_push(:o1, tests.task_page('p1', 'One', 'Todo', true)) ->> 'decision', 'write',
  'The first check lets the write of the cleared checkbox go.');
-- the PATCH times out; read again, Notion holds the checkbox unchecked (false, its form of null)
select is(notion_sync_api.check_push(:o1, tests.task_page('p1', 'One', 'Todo', false)) ->> 'decision', 'done',
  'Read again, the write Notion stored in its own form is found done.');
select is_empty($$ select 1 from notion_sync.conflicts where page_id = 'p1' $$,
  'No conflict is opened against our own write.');
select is((select base -> 'done' from notion_sync.links where page_id = 'p1'), 'false'::jsonb,
  'The base advances to the value read back.');
select results_eq($$ select run_id, field, old_value, new_value from notion_sync.changes
                    where page_id = 'p1' and side = 'notion' $$,
  format($$ values (%L::uuid, 'done'::text, 'true'::jsonb, 'false'::jsonb) $$, :'run'),
  'The write is logged as the run''s change, from the value Notion held before it.');

select notion_sync_api.check_push(:o2, tests.task_page('p2', 'Two', 'Todo', true));
select is(notion_sync_api.check_push(:o2, tests.task_page('p2', 'Two', 'Doing', true)) ->> 'decision', 'conflict',
  'Read again, another value than the one sent is still a conflict.');

select * from finish();
rollback;
