-- A person's skip of a match question means "not this record": the page and the record are then
-- unmatched, and the next full run treats them as any unmatched ones (the page becomes a record of
-- its own, the record gets a page of its own) instead of holding them for the question again.
begin;
select plan(4);

select tests.create_user('skip-new@example.com') as uid \gset
select tests.create_demo_mapping(:'uid');
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Review the pull request') returning task_id as pr \gset

select tests.authenticate_as(:'uid');
select tests.matched_full_run('tasks', jsonb_build_array(tests.task_page('p1', 'Review the pull requests'))) as run1 \gset
select is((select notion_sync_api.resolve_conflict(conflict_id, 'skip') ->> 'status' from notion_sync.conflicts
           where page_id = 'p1' and kind = 'match_review'), 'dismissed', 'The person skips the question.');

select (notion_sync_api.start_run('tasks', 'retrieve', 'full') ->> 'run_id') as run2 \gset
select notion_sync_api.stage_pages(:'run2', jsonb_build_array(tests.task_page('p1', 'Review the pull requests')));
select notion_sync_api.match_batch(:'run2');
select notion_sync_api.complete_scan(:'run2');
select notion_sync_api.match_residue(:'run2');
select is((select jsonb_build_object('inserts', r -> 'inserts', 'creates', r -> 'creates')
           from notion_sync_api.reconcile(:'run2', '{}') r),
  '{"inserts": 1, "creates": 1}'::jsonb, 'The next full run makes the page a record and the record a page.');
select ok(exists (select from notion_sync.links where page_id = 'p1' and record_key <> :'pr'),
  'The page''s record is a new one, not the record the person skipped.');
select is((select count(*)::int from notion_sync.outbox where op = 'create' and record_key = :'pr'), 1,
  'The skipped record is queued for a page of its own.');

select * from finish();
rollback;
