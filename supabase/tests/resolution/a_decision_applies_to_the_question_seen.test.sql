-- A run that meets an open conflict's pair again merges its new fields into that conflict. A
-- decision made on the version a person saw before is answered stale and changes nothing; on the
-- version now shown it applies; without a version (an API caller) it applies as before.
begin;
select plan(7);

select tests.linked_tasks('seen@example.com', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
update notion_sync_demo.tasks set status = 'Done' where title in ('One', 'Two');
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Doing'), tests.task_page('p2', 'Two', 'Doing')));
select conflict_id as c, version as seen from notion_sync_api.open_conflicts where page_id = 'p1' \gset
select is((select count(*)::int from notion_sync_api.open_conflicts where conflict_id = :'c'), 1,
  'The person sees one field of the question.');

-- meanwhile both sides edit the title: the next run adds it to the same question
update notion_sync_demo.tasks set title = 'One (app)' where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One (notion)', 'Doing')));
select is((select count(*)::int from notion_sync_api.open_conflicts where conflict_id = :'c'), 2,
  'The question now holds two fields, under the same id.');

select is(notion_sync_api.resolve_seen_conflict(:'c', :'seen', 'prefer_notion') ->> 'status', 'stale',
  'Deciding the version seen before answers stale.');
select is((select row(title, status)::text from notion_sync_demo.tasks where task_id = (tests.task_of('p1')).task_id),
  row('One (app)', 'Done')::text, 'Nothing was changed: the Supabase edits the person never saw are kept.');
select is((select status from notion_sync.conflicts where conflict_id = :'c'), 'open', 'The question stays open.');

select notion_sync_api.resolve_seen_conflict(:'c',
  (select version from notion_sync_api.open_conflicts where conflict_id = :'c' limit 1), 'prefer_notion');
select is((select row(title, status)::text from notion_sync_demo.tasks where task_id = (tests.task_of('p1')).task_id),
  row('One (notion)', 'Doing')::text, 'Deciding the version now shown applies it.');

select conflict_id as c2 from notion_sync.conflicts where page_id = 'p2' \gset
select notion_sync_api.resolve_seen_conflict(:'c2', null, 'prefer_notion');
select is((select status from notion_sync.conflicts where conflict_id = :'c2'), 'resolved',
  'Without a version, the decision applies as resolve_conflict''s.');

select * from finish();
rollback;
