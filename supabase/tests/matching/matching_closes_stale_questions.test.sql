-- A matching question closes itself when it no longer applies: a page that becomes uniquely
-- matched is linked and its conflict dismissed; a review whose candidates are gone is dismissed.
begin;
select plan(5);

select tests.create_user('stale@example.com') as uid \gset
select tests.create_demo_mapping(:'uid');
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Ship it') returning task_id as keep \gset
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Ship it') returning task_id as dup \gset
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Review the pull request') returning task_id as pr \gset

select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run1 \gset
select notion_sync_api.stage_pages(:'run1', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Ship it'))),
  tests.notion_page('p2', jsonb_build_object('Name', tests.title('Review the pull requests')))));
select notion_sync_api.complete_scan(:'run1');
select notion_sync_api.match_residue(:'run1');
select results_eq($$ select page_id, kind from notion_sync.conflicts where status = 'open' order by page_id $$,
  $$ values ('p1', 'ambiguous'), ('p2', 'match_review') $$, 'First, one page is ambiguous and one is up for review.');
select notion_sync_api.finish_run(:'run1', 'completed');

-- in Supabase: the duplicate is deleted, the reviewed record renamed to something else
delete from notion_sync_demo.tasks where task_id = :'dup';
update notion_sync_demo.tasks set title = 'Archive old invoices' where task_id = :'pr';

select (notion_sync_api.start_run('tasks') ->> 'run_id') as run2 \gset
select notion_sync_api.stage_pages(:'run2', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Ship it'))),
  tests.notion_page('p2', jsonb_build_object('Name', tests.title('Review the pull requests')))));
select notion_sync_api.complete_scan(:'run2');
select is((notion_sync_api.match_residue(:'run2') ->> 'dismissed')::int, 2, 'Both questions are dismissed.');
select is((select record_key from notion_sync.links where page_id = 'p1'), :'keep',
  'The page that became unique is linked to the remaining record.');
select results_eq(
  $$ select page_id, status, resolution ->> 'reason' from notion_sync.conflicts order by page_id $$,
  $$ values ('p1', 'dismissed', 'linked'), ('p2', 'dismissed', 'no_candidates') $$,
  'Each dismissed question says why.');
select is_empty($$ select 1 from notion_sync.conflicts where status = 'open' $$, 'No question is left open.');

select * from finish();
rollback;
