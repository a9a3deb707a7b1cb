-- A title shared by many records keeps its question readable: the conflict counts every candidate
-- but lists the first 10.
begin;
select plan(3);

select tests.create_user('crowd@example.com') as uid \gset
select tests.create_demo_mapping(:'uid');
insert into notion_sync_demo.tasks (owner_id, title) select :'uid', 'Meeting notes' from generate_series(1, 12);

select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Meeting notes')))));
select notion_sync_api.complete_scan(:'run');
select notion_sync_api.match_residue(:'run');

select is((select (details ->> 'candidate_count')::int from notion_sync.conflicts where page_id = 'p1'), 12,
  'The conflict counts all twelve records of that title.');
select is((select jsonb_array_length(details -> 'candidates') from notion_sync.conflicts where page_id = 'p1'), 10,
  'It lists the first ten.');
select is_empty($$ select 1 from notion_sync.links $$, 'None of them is linked.');

select * from finish();
rollback;
