-- pages_to_stage refuses a malformed batch of digests with an error naming the problem, and marks
-- nothing seen.
begin;
select plan(6);

select tests.create_user('bad-digests@example.com') as uid \gset
select tests.create_demo_mapping(:'uid') as mapping \gset
select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(tests.task_page('p1', 'Write the spec')));

select throws_ok(format($$ select notion_sync_api.pages_to_stage(%L, '{"id": "p1"}') $$, :'run'),
  '22023', 'p_pages must be a JSON array of at most 100 pages', 'A batch that is not an array is refused.');
select throws_ok(format($$ select notion_sync_api.pages_to_stage(%L, %L) $$, :'run',
    (select jsonb_agg(jsonb_build_object('id', 'p' || g, 'last_edited_time', '2026-11-26T10:00:00.000Z',
                                         'properties_md5', md5(g::text)))
     from generate_series(1, 101) g)),
  '22023', 'p_pages must be a JSON array of at most 100 pages', 'A batch of 101 digests is refused.');
select throws_ok(format($$ select notion_sync_api.pages_to_stage(%L, '[{"id": "p1", "last_edited_time": "2026-11-26T10:00:00.000Z", "properties_md5": "abc"}]') $$, :'run'),
  '22023', 'every page digest needs properties_md5: the md5 (32 lowercase hex digits) of the JSON text of the page''s properties',
  'A digest without a valid md5 is refused.');
select throws_ok(format($$ select notion_sync_api.pages_to_stage(%L, %L) $$, :'run',
    jsonb_build_array(jsonb_build_object('id', 'p1', 'properties_md5', md5('{}')))),
  '22023', 'every page needs an id, a last_edited_time and its properties',
  'A digest without last_edited_time is refused.');
select is((select seen_in_run from notion_sync.staged_pages where page_id = 'p1'), :'run'::uuid,
  'The staged page is as before the refused calls.');

select notion_sync_api.finish_run(:'run', 'completed');
select throws_ok(format($$ select notion_sync_api.pages_to_stage(%L, '[]') $$, :'run'),
  '55000', format('run %s is completed, not running', :'run'), 'A finished run takes no digests.');

select * from finish();
rollback;
