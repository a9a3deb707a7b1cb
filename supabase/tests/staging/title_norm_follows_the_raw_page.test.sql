-- The normalized title of a staged page follows its raw page: set when staged, changed when the
-- title changes, kept when the page is only marked seen.
begin;
select plan(3);

select tests.create_user('titles@example.com') as uid \gset
select tests.create_demo_mapping(:'uid') as mapping \gset
select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', json_build_array(tests.task_page('p1', '  Write the  SPEC ')));
select is((select title_norm from notion_sync.staged_pages where page_id = 'p1'), 'write the spec',
  'A staged page gets its normalized title.');

select notion_sync_api.stage_pages(:'run', json_build_array(tests.task_page('p1', 'Ship it')));
select is((select title_norm from notion_sync.staged_pages where page_id = 'p1'), 'ship it',
  'A new title replaces the normalized title.');

select notion_sync_api.stage_pages(:'run', json_build_array(tests.task_page('p1', 'Ship it')));
select is((select title_norm from notion_sync.staged_pages where page_id = 'p1'), 'ship it',
  'Marking the page seen keeps its normalized title.');

select * from finish();
rollback;
