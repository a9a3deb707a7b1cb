-- The pre-push check cancels a Supabase edit's update when the page read just before the PATCH is
-- in the trash, or when its pair was forgotten meanwhile; nothing is sent and nothing is lost: the
-- base stays, and the update is planned again once the page is back.
begin;
select plan(7);

select tests.linked_tasks('notrash@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
update notion_sync_demo.tasks set status = 'Done' where title in ('One', 'Two');
select tests.sync_pages('[]');
select count(*) from notion_sync_api.claim_outbox('tasks', 10);
select outbox_id as o1 from notion_sync.outbox where page_id = 'p1' \gset
select outbox_id as o2 from notion_sync.outbox where page_id = 'p2' \gset

select is(notion_sync_api.check_push(:o1, tests.task_page('p1', 'One', 'Todo', false, true)),
  '{"decision": "cancelled", "reason": "the page is in the trash", "properties": {}}'::jsonb,
  'An update to a page Notion has in the trash is cancelled before anything is sent.');
select is((select status from notion_sync.outbox where outbox_id = :o1), 'cancelled', 'The item is cancelled.');
select is_empty($$ select 1 from notion_sync.conflicts $$, 'Nobody is asked about it.');
select is((select base ->> 'status' from notion_sync.links where page_id = 'p1'), 'Todo',
  'The base stays as it was: the edit is not taken for written.');

delete from notion_sync.links where page_id = 'p2';
select is(notion_sync_api.check_push(:o2, tests.task_page('p2', 'Two', 'Todo')) ->> 'reason',
  'the page and the record are no longer linked',
  'An update of a pair forgotten since it was planned is cancelled.');

-- the page comes back: the next run plans the update again
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Todo')));
select is((select count(*)::int from notion_sync.outbox where page_id = 'p1' and status = 'pending'), 1,
  'Once the page is live again, the edit is planned again.');
select is((select properties from notion_sync.outbox where page_id = 'p1' and status = 'pending'),
  '{"st%3A": {"status": {"name": "Done"}}}'::jsonb, 'With the same value.');

select * from finish();
rollback;
