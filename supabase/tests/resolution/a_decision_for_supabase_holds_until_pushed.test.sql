-- Keeping Supabase's value holds until it is pushed: a run before the push plans the same push
-- (keeping the waiting one) instead of cancelling it and asking again, and the base stays a value
-- both sides held; an edit made in Notion after the decision still makes a conflict.
begin;
select plan(5);

select tests.linked_tasks('holds@example.com', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
update notion_sync_demo.tasks set status = 'Done' where title in ('One', 'Two');
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Doing'), tests.task_page('p2', 'Two', 'Doing')));
select notion_sync_api.resolve_conflict(conflict_id, 'prefer_supabase') from notion_sync.conflicts where kind = 'field';

-- the next run comes before the push; p2 was edited again in Notion meanwhile
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Doing'), tests.task_page('p2', 'Two', 'Todo')));
select is((select status from notion_sync.outbox where page_id = 'p1' order by outbox_id limit 1), 'pending',
  'The push of the decision waits, not cancelled.');
select is((select count(*)::int from notion_sync.conflicts where page_id = 'p1' and status = 'open'), 0,
  'The answered question is not asked again.');
select is((select base ->> 'status' from notion_sync.links where page_id = 'p1'), 'Todo',
  'The base stays the value both sides held until the push is confirmed.');
select is((select fields -> 'status' ->> 'notion' from notion_sync.conflicts where page_id = 'p2' and status = 'open'), 'Todo',
  'A Notion edit made after the decision is a new conflict.');
select is((select status from notion_sync.outbox where page_id = 'p2' order by outbox_id limit 1), 'cancelled',
  'And the push it would overwrite waits no more.');

select * from finish();
rollback;
