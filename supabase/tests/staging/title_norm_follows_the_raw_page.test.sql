-- The normalized title of a staged page follows its raw page: set when staged, changed when the
-- title changes, kept when the page is only marked seen; and so when another writer (the push's
-- read-back, a person with SQL) writes the raw page without it.
begin;
select plan(5);

select tests.create_user('titles@example.com') as uid \gset
select tests.create_demo_mapping(:'uid') as mapping \gset
select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(tests.task_page('p1', '  Write the  SPEC ')));
select is((select title_norm from notion_sync.staged_pages where page_id = 'p1'), 'write the spec',
  'A staged page gets its normalized title.');

select notion_sync_api.stage_pages(:'run', jsonb_build_array(tests.task_page('p1', 'Ship it')));
select is((select title_norm from notion_sync.staged_pages where page_id = 'p1'), 'ship it',
  'A new title replaces the normalized title.');

select notion_sync_api.stage_pages(:'run', jsonb_build_array(tests.task_page('p1', 'Ship it')));
select is((select title_norm from notion_sync.staged_pages where page_id = 'p1'), 'ship it',
  'Marking the page seen keeps its normalized title.');

insert into notion_sync.staged_pages (mapping_id, page_id, owner_id, raw, mapped_values, values_hash,
                                      last_edited_time)
values (:'mapping', 'p2', :'uid', tests.task_page('p2', 'Call  the BANK'), '{}', '', now());
select is((select title_norm from notion_sync.staged_pages where page_id = 'p2'), 'call the bank',
  'A page inserted without a normalized title gets one from its raw page.');

update notion_sync.staged_pages set raw = tests.task_page('p1', 'Ship it twice') where page_id = 'p1';
select is((select title_norm from notion_sync.staged_pages where page_id = 'p1'), 'ship it twice',
  'Writing the raw page alone updates the normalized title.');

select * from finish();
rollback;
