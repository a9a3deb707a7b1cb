-- Pushing a Supabase edit: the pre-push check writes only when Notion still holds the expected
-- base, recognises a write already done, and turns a Notion edit made meanwhile into a conflict;
-- a confirmed write advances the base to the value read back, never the value sent.
begin;
select plan(9);

select tests.linked_tasks('push@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'), tests.task_page('p3', 'Three'))) as uid \gset
update notion_sync_demo.tasks set status = 'Done' where title in ('One', 'Two', 'Three');
select tests.sync_pages('[]');
select is((select count(*)::int from notion_sync.outbox where status = 'pending'), 3,
  'Three Supabase edits wait in the outbox.');
select is((select count(*)::int from notion_sync_api.claim_outbox('tasks', 10)), 3, 'The push claims all three.');

select outbox_id as o1 from notion_sync.outbox where page_id = 'p1' \gset
select outbox_id as o2 from notion_sync.outbox where page_id = 'p2' \gset
select outbox_id as o3 from notion_sync.outbox where page_id = 'p3' \gset

select is(notion_sync_api.check_push(:o1, tests.task_page('p1', 'One', 'Todo')),
  '{"decision": "write", "properties": {"st%3A": {"status": {"name": "Done"}}}}'::jsonb,
  'Notion still holds the base: the changed property is written.');
-- Notion answers with its own rendering of the value; the base takes what was read back.
select notion_sync_api.confirm_push(:o1, tests.task_page('p1', 'One', 'Done'));
select is((select base -> 'status' from notion_sync.links where page_id = 'p1'), '"Done"'::jsonb,
  'A confirmed write advances the base to the value read back.');
select is((select old_value from notion_sync.changes where page_id = 'p1' and side = 'notion'), '"Todo"'::jsonb,
  'The Notion change is logged with the value read just before the write.');

select is(notion_sync_api.check_push(:o2, tests.task_page('p2', 'Two', 'Done')) ->> 'decision', 'done',
  'Notion already holds the value: nothing is written.');
select is((select base -> 'status' from notion_sync.links where page_id = 'p2'), '"Done"'::jsonb,
  'A write found already done advances the base.');

select is(notion_sync_api.check_push(:o3, tests.task_page('p3', 'Three', 'Doing')) ->> 'decision', 'conflict',
  'A Notion edit made since the plan is not overwritten.');
select is((select fields -> 'status' from notion_sync.conflicts where page_id = 'p3'),
  '{"base": "Todo", "notion": "Doing", "supabase": "Done"}'::jsonb,
  'It becomes a conflict holding both values.');

select * from finish();
rollback;
