-- Residue matching waits for a completed full scan: refused before complete_scan, refused on an
-- incremental run (which cannot complete a scan), allowed once the full scan is recorded.
begin;
select plan(7);

select tests.create_user('patient@example.com') as uid \gset
select tests.create_demo_mapping(:'uid');
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Draft');

select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks', 'retrieve', 'incremental') ->> 'run_id') as inc \gset
select notion_sync_api.stage_pages(:'inc', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Draft')))));
select throws_ok(format($$ select notion_sync_api.match_residue(%L) $$, :'inc'), '55000',
  format('run %s is an incremental run; residue matching needs a completed full scan', :'inc'),
  'Residue matching refuses an incremental run.');
select throws_ok(format($$ select notion_sync_api.complete_scan(%L) $$, :'inc'), '55000',
  format('run %s is an incremental run; only a full run completes a scan', :'inc'),
  'An incremental run cannot complete a scan.');
select notion_sync_api.finish_run(:'inc', 'completed');

select (notion_sync_api.start_run('tasks') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Draft')))));
select throws_ok(format($$ select notion_sync_api.match_residue(%L) $$, :'run'), '55000',
  format('run %s has not completed its full scan; residue matching needs a completed full scan', :'run'),
  'Residue matching refuses a full run whose scan has not completed.');
select is_empty($$ select 1 from notion_sync.links $$, 'Nothing was linked by the refused calls.');

select is((notion_sync_api.complete_scan(:'run') ->> 'pages_seen')::int, 1,
  'Completing the scan reports the pages the run saw.');
select isnt((select checkpoint ->> 'scan_completed_at' from notion_sync.runs where run_id = :'run'), null,
  'The run''s checkpoint records when its scan completed.');
select is((notion_sync_api.match_residue(:'run') ->> 'linked')::int, 1,
  'After the completed scan, residue matching runs.');

select * from finish();
rollback;
