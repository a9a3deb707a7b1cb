-- A staged page's normalized title (title_norm, what residue matching compares) is computed only
-- for the pages residue matching compares: staging leaves it empty; match_residue fills it for the
-- run's pages without a link that are not in trash, when some record without a link is left to
-- compare them with; a new version of the page's properties clears
-- it, whoever writes it, and a write that keeps the properties keeps it.
begin;
select plan(8);

select tests.linked_tasks('titles@example.com', jsonb_build_array(tests.task_page('p2', 'Linked task'))) as uid \gset
select (notion_sync_api.start_run('tasks', 'retrieve', 'full') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  tests.task_page('p1', '  Write the  SPEC '),
  tests.task_page('p2', 'Linked task'),
  tests.task_page('p3', 'Thrown away', p_in_trash => true)));
select is((select count(*)::int from notion_sync.staged_pages where title_norm is not null), 0,
  'Staging computes no normalized title.');

select notion_sync_api.complete_scan(:'run');
select notion_sync_api.match_residue(:'run');
select is((select count(*)::int from notion_sync.staged_pages where title_norm is not null), 0,
  'With every record linked, residue matching normalizes no title.');

insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'An unlinked record');
select notion_sync_api.match_residue(:'run');
select results_eq($$ select page_id, title_norm from notion_sync.staged_pages order by page_id $$,
  $$ values ('p1', 'write the spec'), ('p2', null), ('p3', null) $$,
  'Residue matching normalizes the titles of the pages without a link that are not in trash.');

select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  jsonb_set(tests.task_page('p1', '  Write the  SPEC '), '{last_edited_time}', '"2026-11-26T11:00:00.000Z"')));
select is((select last_edited_time from notion_sync.staged_pages where page_id = 'p1'),
  '2026-11-26 11:00Z'::timestamptz, 'The page was staged again with its new last edit time.');
select is((select title_norm from notion_sync.staged_pages where page_id = 'p1'), 'write the spec',
  'A page staged again with the same properties keeps its normalized title.');

select notion_sync_api.stage_pages(:'run', jsonb_build_array(tests.task_page('p1', 'Ship it')));
select is((select title_norm from notion_sync.staged_pages where page_id = 'p1'), null,
  'A page staged with new properties loses its normalized title until it is compared again.');

select notion_sync_api.match_residue(:'run');
update notion_sync.staged_pages set raw = tests.task_page('p1', 'Call the bank') where page_id = 'p1';
select is((select title_norm from notion_sync.staged_pages where page_id = 'p1'), null,
  'Another writer of the raw page clears the normalized title too.');

select notion_sync_api.match_residue(:'run');
select is((select title_norm from notion_sync.staged_pages where page_id = 'p1'), 'call the bank',
  'The next residue matching normalizes the new title.');

select * from finish();
rollback;
