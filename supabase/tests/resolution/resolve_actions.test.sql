-- Each resolution action: prefer_notion writes Notion's value (compare-and-set), prefer_supabase
-- queues Supabase's value for Notion, merge chooses per field, skip dismisses; every applied value
-- is logged with its old value; a record that moved on makes the resolution stale, not an overwrite.
begin;
select plan(10);

select tests.linked_tasks('resolver@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'), tests.task_page('p3', 'Three'),
  tests.task_page('p4', 'Four'), tests.task_page('p5', 'Five'))) as uid \gset
update notion_sync_demo.tasks set status = 'Done', title = title || ' (app)';
select tests.sync_pages(jsonb_build_array(
  tests.task_page('p1', 'One (notion)', 'Doing'), tests.task_page('p2', 'Two (notion)', 'Doing'),
  tests.task_page('p3', 'Three (notion)', 'Doing'), tests.task_page('p4', 'Four (notion)', 'Doing'),
  tests.task_page('p5', 'Five (notion)', 'Doing')));
-- each record: status and title conflict (Supabase Done / "X (app)", Notion Doing / "X (notion)")
select conflict_id as c1 from notion_sync.conflicts where page_id = 'p1' \gset
select conflict_id as c2 from notion_sync.conflicts where page_id = 'p2' \gset
select conflict_id as c3 from notion_sync.conflicts where page_id = 'p3' \gset
select conflict_id as c4 from notion_sync.conflicts where page_id = 'p4' \gset
select conflict_id as c5 from notion_sync.conflicts where page_id = 'p5' \gset

select notion_sync_api.resolve_conflict(:'c1', 'prefer_notion');
select results_eq($$ select status, title from tests.task_of('p1') $$, $$ values ('Doing'::text, 'One (notion)'::text) $$,
  'prefer_notion writes Notion''s values to the record.');
select is((select count(*)::int from notion_sync.changes where conflict_id = :'c1' and old_value is not null), 2,
  'Both applied values are logged with their old values.');

select notion_sync_api.resolve_conflict(:'c2', 'prefer_supabase');
select results_eq($$ select properties -> 'st%3A', notion_sync.rich_text_plain(properties -> 'title' -> 'title')
                     from notion_sync.outbox where page_id = 'p2' $$,
  $$ values ('{"status": {"name": "Done"}}'::jsonb, 'Two (app)'::text) $$,
  'prefer_supabase queues Supabase''s values for Notion.');
select is((select fields -> 'status' ->> 'expected' from notion_sync.outbox where conflict_id = :'c2'), 'Doing',
  'The push expects the Notion value the person decided against.');

select notion_sync_api.resolve_conflict(:'c3', 'merge', '{"status": "notion", "title": "supabase"}');
select results_eq($$ select status, title from tests.task_of('p3') $$, $$ values ('Doing'::text, 'Three (app)'::text) $$,
  'merge writes the fields chosen from Notion to the record.');
select is((select array_agg(k) from notion_sync.outbox, jsonb_object_keys(properties) k where page_id = 'p3'),
  array['title'], 'merge queues the fields chosen from Supabase for Notion.');
select throws_ok(format($$ select notion_sync_api.resolve_conflict(%L, 'merge', '{"status": "notion"}') $$, :'c4'),
  '22023', 'merge needs a choice of "notion" or "supabase" for column title', 'merge must choose every field.');

select notion_sync_api.resolve_conflict(:'c4', 'skip');
select is((select status from notion_sync.conflicts where conflict_id = :'c4'), 'dismissed', 'skip dismisses the conflict.');

update notion_sync_demo.tasks set status = 'Todo' where title = 'Five (app)';
select is(notion_sync_api.resolve_conflict(:'c5', 'prefer_notion') ->> 'status', 'stale',
  'A record edited since the conflict was raised makes the resolution stale.');
select is((tests.task_of('p5')).status, 'Todo', 'The later edit is not overwritten.');

select * from finish();
rollback;
