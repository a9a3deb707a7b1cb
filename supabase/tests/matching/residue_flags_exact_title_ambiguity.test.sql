-- Residue ambiguity on exact titles: a page whose title two records share is linked to neither and
-- gets one ambiguous conflict naming both; such pages get no similarity review as well.
begin;
select plan(5);

select tests.create_user('twins@example.com') as uid \gset
select tests.create_demo_mapping(:'uid');
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Standup notes'), (:'uid', 'standup  NOTES'),
  (:'uid', 'Standup notes (old)');

select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Standup Notes')))));
select notion_sync_api.complete_scan(:'run');

select is((notion_sync_api.match_residue(:'run') ->> 'ambiguous')::int, 1, 'The page is counted as ambiguous.');
select is_empty($$ select 1 from notion_sync.links $$, 'Neither record is linked.');
select is((select count(*)::int from notion_sync.conflicts where page_id = 'p1'), 1,
  'The page has exactly one conflict: no similarity review besides the ambiguity.');
select results_eq(
  $$ select kind, details ->> 'reason', details ->> 'stage' from notion_sync.conflicts where page_id = 'p1' $$,
  $$ values ('ambiguous', 'several_records', 'residue') $$,
  'The conflict is ambiguous because several records share the title.');
select is((select jsonb_path_query_array(details, '$.candidates[*].title') from notion_sync.conflicts where page_id = 'p1'),
  (select jsonb_agg(title order by task_id::text) from notion_sync_demo.tasks where title ilike 'standup%notes'),
  'The conflict names exactly the two records of the same normalized title.');

select * from finish();
rollback;
