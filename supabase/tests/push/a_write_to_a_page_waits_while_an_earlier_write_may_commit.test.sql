-- Notion may commit a write up to 60 s after it was sent, after its gateway answered 504. A write
-- to page p1 whose outcome was unknown, then confirmed after a re-read, leaves the page unsettled:
-- a later write to p1 (a person's next edit) is not claimed until Notion can no longer apply the
-- first one, or the late commit would overwrite it. Other pages' writes go on; once the page has
-- settled, the waiting write is claimed. Time is moved through page_settles_at, not slept.
begin;
select plan(7);

select tests.linked_tasks('unsettled@example.com',
  jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset

-- U1 (One: Todo -> Doing) is claimed and sent; Notion answers 504; a re-read, a re-send, confirmed
update notion_sync_demo.tasks set status = 'Doing' where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')));
select outbox_id as u1 from notion_sync.outbox where page_id = 'p1' and status = 'pending' \gset
select is(array(select page_id from notion_sync_api.claim_outbox_for('tasks', null, 10)), '{p1}',
  'The push claims the write to p1.');
select is(notion_sync_api.write_outcome_unknown(:u1), now() + interval '90 seconds',
  'A request of it with an unknown outcome leaves p1 unsettled for 90 s, past Notion''s 60 s maximum.');
select notion_sync_api.confirm_push(:u1, tests.task_page('p1', 'One', 'Doing'));

-- within the minute, a person edits both records, and the next push claims
update notion_sync_demo.tasks set status = 'Done' where title in ('One', 'Two');
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Doing'), tests.task_page('p2', 'Two')));
select is(array(select page_id from notion_sync_api.claim_outbox_for('tasks', null, 10)), '{p2}',
  'The next claim takes the write to p2 but not the one to p1, which U1 may still overwrite.');
select is((select status || ' ' || attempts from notion_sync.outbox where page_id = 'p1' and outbox_id <> :u1),
  'pending 0', 'The write to p1 stays pending, never attempted.');
select is((select page_settles_at from notion_sync_api.outbox where page_id = 'p1' and status = 'pending'),
  now() + interval '90 seconds', 'The outbox says until when it waits.');

-- 90 s later
reset role;
update notion_sync.outbox set page_settles_at = page_settles_at - interval '90 seconds' where outbox_id = :u1;
select tests.authenticate_as(:'uid');
select is(array(select page_id from notion_sync_api.claim_outbox_for('tasks', null, 10)), '{p1}',
  'Once p1 has settled, the claim takes its write.');
select is((select page_settles_at from notion_sync_api.outbox where page_id = 'p1' and status = 'in_flight'), null,
  'And the outbox no longer says it waits.');

select * from finish();
rollback;
