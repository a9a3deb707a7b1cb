-- A page a completed full scan did not see is "unverified" until the functions report what they
-- found: trashed, unshared, moved and gone are distinct states; nothing is deleted under hold.
begin;
select plan(6);

select tests.linked_tasks('missing@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'), tests.task_page('p3', 'Three'),
  tests.task_page('p4', 'Four'))) as uid \gset
-- a full scan that sees only p1
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{}', 'full', true);
select results_eq($$ select page_id, details ->> 'state' from notion_sync.conflicts where kind = 'page_missing' order by page_id $$,
  $$ values ('p2'::text, 'unverified'::text), ('p3', 'unverified'), ('p4', 'unverified') $$,
  'Pages a completed full scan did not see are held as unverified.');

select notion_sync_api.report_page_state('tasks', 'p2', 'unshared');
select notion_sync_api.report_page_state('tasks', 'p3', 'moved', '{"parent": {"type": "data_source_id", "data_source_id": "ds-other"}}');
select notion_sync_api.report_page_state('tasks', 'p4', 'gone');
select results_eq($$ select page_id, details ->> 'state' from notion_sync.conflicts where kind = 'page_missing' order by page_id $$,
  $$ values ('p2'::text, 'unshared'::text), ('p3', 'moved'), ('p4', 'gone') $$,
  'Unshared, moved and gone are distinct states.');
select is((select details -> 'moved_to' ->> 'data_source_id' from notion_sync.conflicts where page_id = 'p3'), 'ds-other',
  'A moved page says where it went.');
select is((select count(*)::int from notion_sync_demo.tasks), 4, 'Nothing is deleted under hold.');

update notion_sync.mappings set delete_policy = 'trash_other_side';
select notion_sync_api.report_page_state('tasks', 'p2', 'trashed');
select is((select count(*)::int from notion_sync_demo.tasks where title = 'Two'), 0,
  'Under trash_other_side, a page verified as trashed takes its record along (logged for undo).');
select is((select old_value ->> 'title' from notion_sync.changes where field = '*row'), 'Two',
  'The deleted record is logged whole.');

select * from finish();
rollback;
