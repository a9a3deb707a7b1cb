-- A same-title pair split across two batches of one run: neither batch may decide on titles, since
-- a later batch can bring a second page of the same title. After the full scan both pages are
-- seen together: the duplicate title is ambiguous, the unique one is linked.
begin;
select plan(6);

select tests.create_user('split@example.com') as uid \gset
select tests.create_demo_mapping(:'uid');
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Weekly review') returning task_id as weekly \gset
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Quarterly report') returning task_id as report \gset

select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Weekly review')))));
select notion_sync_api.match_batch(:'run');
select is_empty($$ select 1 from notion_sync.links $$, 'The first batch links nothing by title.');

select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  tests.notion_page('p2', jsonb_build_object('Name', tests.title('weekly  Review'))),
  tests.notion_page('p3', jsonb_build_object('Name', tests.title('Quarterly report')))));
select notion_sync_api.match_batch(:'run');
select is_empty($$ select 1 from notion_sync.links $$, 'The second batch links nothing by title either.');

select notion_sync_api.complete_scan(:'run');
select is(notion_sync_api.match_residue(:'run') - 'dismissed',
  '{"pages": 3, "records": 2, "linked": 1, "ambiguous": 2, "review": 0, "unmatched": 0}'::jsonb,
  'After the scan, the unique title is linked and the two same-title pages are ambiguous.');
select results_eq($$ select page_id, record_key from notion_sync.links $$,
  format($$ values ('p3', %L) $$, :'report'), 'Only the unique pair is linked.');
select results_eq(
  $$ select page_id, record_key, details ->> 'reason' from notion_sync.conflicts where kind = 'ambiguous' order by page_id $$,
  format($$ values ('p1', %1$L, 'record_claimed_by_several_pages'), ('p2', %1$L, 'record_claimed_by_several_pages') $$, :'weekly'),
  'Each page of the pair gets one ambiguous conflict naming the record they both claim.');
select is((select details -> 'candidates' -> 0 -> 'claimed_by' from notion_sync.conflicts where page_id = 'p2'),
  '["p1", "p2"]'::jsonb, 'The conflict shows both pages, though they came in different batches.');

select * from finish();
rollback;
