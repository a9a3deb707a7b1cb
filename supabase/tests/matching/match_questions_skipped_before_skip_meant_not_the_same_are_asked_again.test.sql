-- A match question skipped before Skip meant "not the same item" (when it meant "ask again later")
-- is asked again at the next full scan, as it was then: the migration that gave Skip its new
-- meaning marks those answers, and matching does not read them as "not this record". Otherwise the
-- page and the record that an old answer only put off would each be copied (a new record, a new page).
begin;
select plan(4);

select tests.create_user('skip-old@example.com') as uid \gset
select tests.create_demo_mapping(:'uid');
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Review the pull request') returning task_id as pr \gset

select tests.authenticate_as(:'uid');
select tests.matched_full_run('tasks', jsonb_build_array(tests.task_page('p1', 'Review the pull requests'))) as run1 \gset
select notion_sync_api.resolve_conflict(conflict_id, 'skip') from notion_sync.conflicts
where page_id = 'p1' and kind = 'match_review';

-- the skip was made under the old meaning: marked as the migration marks the skips it finds
select tests.clear_authentication();
update notion_sync.conflicts set resolution = resolution || '{"meant": "ask again"}'::jsonb
where page_id = 'p1' and kind = 'match_review' and status = 'dismissed';
select tests.authenticate_as(:'uid');

select (notion_sync_api.start_run('tasks', 'retrieve', 'full') ->> 'run_id') as run2 \gset
select notion_sync_api.stage_pages(:'run2', jsonb_build_array(tests.task_page('p1', 'Review the pull requests')));
select notion_sync_api.match_batch(:'run2');
select notion_sync_api.complete_scan(:'run2');
select notion_sync_api.match_residue(:'run2');

select is((select count(*)::int from notion_sync.conflicts where page_id = 'p1' and status = 'open'), 1,
  'The page skipped under the old meaning is asked about again.');
select is((select jsonb_path_query_array(details, '$.candidates[*].record_key') from notion_sync.conflicts
           where page_id = 'p1' and status = 'open'),
  jsonb_build_array(:'pr'), 'The question names the record the old skip only put off.');
select is((select jsonb_build_object('inserts', r -> 'inserts', 'creates', r -> 'creates')
           from notion_sync_api.reconcile(:'run2', '{}') r),
  '{"inserts": 0, "creates": 0}'::jsonb, 'The next run makes neither a new record nor a new page of them.');
select is_empty($$ select 1 from notion_sync.outbox where op = 'create' $$,
  'No page is queued for the record while the question is open.');

select * from finish();
rollback;
