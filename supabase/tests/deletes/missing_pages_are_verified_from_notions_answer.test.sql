-- The functions retrieve each page a completed full scan missed and hand Notion's answer over; the
-- state is decided in SQL: in the trash → trashed, under another parent → moved, back in the data
-- source → present (the question settled), a 404 → unshared. Each page is listed once until then.
begin;
select plan(15);

select tests.linked_tasks('verify@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'), tests.task_page('p3', 'Three'),
  tests.task_page('p4', 'Four'), tests.task_page('p5', 'Five'))) as uid \gset
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{}', 'full', true);
select results_eq($$ select page_id from notion_sync_api.pages_to_verify('tasks') $$,
  $$ values ('p2'::text), ('p3'), ('p4'), ('p5') $$,
  'The pages the scan missed are listed to verify.');
select results_eq($$ select page_id from notion_sync_api.pages_to_verify('tasks', 2) $$,
  $$ values ('p2'::text), ('p3') $$, 'At most as many as asked.');

select notion_sync_api.verify_missing_page('tasks', 'p2', tests.task_page('p2', 'Two', p_in_trash => true));
select notion_sync_api.verify_missing_page('tasks', 'p3',
  tests.task_page('p3', 'Three') || '{"parent": {"type": "data_source_id", "data_source_id": "ds-other"}}');
select notion_sync_api.verify_missing_page('tasks', 'p4', null);
select notion_sync_api.verify_missing_page('tasks', 'p5',
  tests.task_page('p5', 'Five') || '{"parent": {"type": "data_source_id", "data_source_id": "ds-tasks"}}');
select results_eq($$ select page_id, status, case status when 'open' then details ->> 'state' else resolution ->> 'state' end
                     from notion_sync.conflicts where kind = 'page_missing' order by page_id $$,
  $$ values ('p2'::text, 'open'::text, 'trashed'::text), ('p3', 'open', 'moved'), ('p4', 'open', 'unshared'),
            ('p5', 'resolved', 'present') $$,
  'Trashed, moved and unshared are told apart, and a page still in the data source settles its question.');
select is((select details -> 'moved_to' ->> 'data_source_id' from notion_sync.conflicts where page_id = 'p3'),
  'ds-other', 'A moved page says where it went.');
select is((select page_title from notion_sync_api.open_conflicts where page_id = 'p3'), 'Three',
  'The question names the page by its title as last staged.');
select is_empty($$ select page_id from notion_sync_api.pages_to_verify('tasks') $$,
  'A verified page is not listed again.');
select is((select count(*)::int from notion_sync_demo.tasks), 5, 'Nothing is deleted under hold.');

select throws_ok($$ select notion_sync_api.verify_missing_page('tasks', 'p2', tests.task_page('p9', 'Nine')) $$,
  '22023', null, 'Another page''s object is refused, naming the page.');
select throws_ok($$ select notion_sync_api.verify_missing_page('nope', 'p2', null) $$,
  'P0002', 'no mapping named "nope"', 'An unknown mapping is refused.');

-- under trash_other_side, a page verified as trashed takes its record along
update notion_sync.mappings set delete_policy = 'trash_other_side';
select (tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p5', 'Five')), '{}', 'full', true)
        ->> 'run_id') as run \gset
select notion_sync_api.verify_missing_page('tasks', 'p4', tests.task_page('p4', 'Four', p_in_trash => true), :'run');
select is((select count(*)::int from notion_sync_demo.tasks where title = 'Four'), 0,
  'Under trash_other_side, a page verified as trashed takes its record along.');
select is((select status from notion_sync.conflicts where page_id = 'p4'), 'resolved',
  'Its question is settled.');
select is((select run_id::text from notion_sync.changes where field = '*row'), :'run',
  'The deletion is logged as the change of the run whose scan missed the page.');
select notion_sync_api.revert_run(:'run');
select is((select count(*)::int from notion_sync_demo.tasks where title = 'Four'), 1,
  'So reverting that run puts the record back.');

-- a question left open while the policy became unlink is dismissed with the pair forgotten
update notion_sync.mappings set delete_policy = 'unlink';
select notion_sync_api.verify_missing_page('tasks', 'p3',
  tests.task_page('p3', 'Three') || '{"parent": {"type": "data_source_id", "data_source_id": "ds-other"}}');
select is((select status || ', ' || (resolution ->> 'by') from notion_sync.conflicts where page_id = 'p3'),
  'dismissed, delete_policy', 'Under unlink, the question is dismissed, as unlink does in a run.');
select is_empty($$ select 1 from notion_sync.links where page_id = 'p3' $$, 'And the pair is forgotten.');

select * from finish();
rollback;
