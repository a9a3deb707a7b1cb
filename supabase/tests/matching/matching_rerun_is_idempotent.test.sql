-- Re-running matching changes nothing: no second link, no second open conflict for a page (one
-- open match_review/ambiguous per page), the same conflicts kept — within a run and in the next run.
begin;
select plan(6);

select tests.create_user('rerun@example.com') as uid \gset
select tests.create_demo_mapping(:'uid');
insert into notion_sync_demo.tasks (owner_id, title) values
  (:'uid', 'Write spec'), (:'uid', 'Ship it'), (:'uid', 'Ship it'), (:'uid', 'Review the pull request');

select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run1 \gset
select notion_sync_api.stage_pages(:'run1', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Write spec'))),
  tests.notion_page('p2', jsonb_build_object('Name', tests.title('Ship it'))),
  tests.notion_page('p3', jsonb_build_object('Name', tests.title('Review the pull requests')))));
select notion_sync_api.match_batch(:'run1');
select notion_sync_api.complete_scan(:'run1');
select notion_sync_api.match_residue(:'run1');
create temporary table first_pass on commit drop as
  select conflict_id, page_id, kind, details from notion_sync.conflicts;

select is(notion_sync_api.match_residue(:'run1') - 'records' - 'pages',
  '{"linked": 0, "ambiguous": 1, "review": 1, "unmatched": 0, "dismissed": 0}'::jsonb,
  'A second residue pass in the same run links nothing new and finds the same questions.');
select is((select count(*)::int from notion_sync.links), 1, 'There is still one link.');
select results_eq($$ select conflict_id, page_id, kind, details from notion_sync.conflicts order by page_id $$,
  $$ select conflict_id, page_id, kind, details from first_pass order by page_id $$,
  'The open conflicts are the same rows with the same details.');
select notion_sync_api.finish_run(:'run1', 'completed');

select (notion_sync_api.start_run('tasks') ->> 'run_id') as run2 \gset
select notion_sync_api.stage_pages(:'run2', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Write spec'))),
  tests.notion_page('p2', jsonb_build_object('Name', tests.title('Ship it'))),
  tests.notion_page('p3', jsonb_build_object('Name', tests.title('Review the pull requests')))));
select notion_sync_api.match_batch(:'run2');
select notion_sync_api.match_batch(:'run2');
select notion_sync_api.complete_scan(:'run2');
select notion_sync_api.match_residue(:'run2');
select notion_sync_api.match_residue(:'run2');

select is((select count(*)::int from notion_sync.links), 1, 'The next run adds no link either.');
select is_empty(
  $$ select page_id from notion_sync.conflicts where status = 'open' group by page_id having count(*) > 1 $$,
  'No page has more than one open conflict.');
select is((select array_agg(conflict_id order by page_id) from notion_sync.conflicts),
  (select array_agg(conflict_id order by page_id) from first_pass),
  'The next run keeps the same conflicts instead of adding new ones.');

select * from finish();
rollback;
