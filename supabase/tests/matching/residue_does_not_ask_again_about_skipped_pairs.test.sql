-- Residue, a person's skip: a match_review or ambiguous question a person skipped is not asked
-- again at the next full scan; only a record that was not among its candidates (something new)
-- makes a new question about the page, and it names only that record.
begin;
select plan(5);

select tests.create_user('skip-residue@example.com') as uid \gset
select tests.create_demo_mapping(:'uid');
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Review the pull request') returning task_id as pr \gset
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Ship it') returning task_id as ship1 \gset
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Ship it') returning task_id as ship2 \gset

select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks', 'retrieve', 'full') ->> 'run_id') as run1 \gset
select notion_sync_api.stage_pages(:'run1', jsonb_build_array(
  tests.task_page('p1', 'Review the pull requests'), tests.task_page('p2', 'Ship it')));
select notion_sync_api.match_batch(:'run1');
select notion_sync_api.complete_scan(:'run1');
select notion_sync_api.match_residue(:'run1');
select notion_sync_api.reconcile(:'run1', '{}');
select notion_sync_api.finish_run(:'run1', 'completed');
select results_eq($$ select page_id, kind from notion_sync.conflicts where status = 'open' order by page_id $$,
  $$ values ('p1', 'match_review'), ('p2', 'ambiguous') $$,
  'The first full scan asks about a similar title and about a title two records share.');
select notion_sync_api.resolve_conflict(conflict_id, 'skip') from notion_sync.conflicts where status = 'open';

-- meanwhile a new record comes that looks like p1
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Review the pull-requests') returning task_id as pr2 \gset

select (notion_sync_api.start_run('tasks', 'retrieve', 'full') ->> 'run_id') as run2 \gset
select notion_sync_api.stage_pages(:'run2', jsonb_build_array(
  tests.task_page('p1', 'Review the pull requests'), tests.task_page('p2', 'Ship it')));
select notion_sync_api.match_batch(:'run2');
select notion_sync_api.complete_scan(:'run2');
select notion_sync_api.match_residue(:'run2');

select is_empty($$ select 1 from notion_sync.conflicts where page_id = 'p2' and status = 'open' $$,
  'A skipped ambiguity is not asked again.');
select is((select count(*)::int from notion_sync.conflicts where page_id = 'p1' and status = 'open'), 1,
  'A page with a new look-alike record is asked about again.');
select is((select jsonb_path_query_array(details, '$.candidates[*].record_key') from notion_sync.conflicts
           where page_id = 'p1' and status = 'open'),
  jsonb_build_array(:'pr2'), 'The new question names only the new record, not the one the person skipped.');
select is_empty($$ select 1 from notion_sync.links $$, 'Nothing is linked to a record the person skipped.');

select * from finish();
rollback;
