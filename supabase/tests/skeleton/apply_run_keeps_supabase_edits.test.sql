-- Applying a run: new pages become rows; a Notion change lands only where Supabase still holds the
-- base; a Supabase edit is never overwritten (a divergent edit is kept and reported).
begin;
select plan(8);

select tests.create_user('applier@example.com') as uid \gset
select tests.create_demo_mapping(:'uid') as mapping \gset
select tests.authenticate_as(:'uid');

select (notion_sync_api.start_run('tasks') ->> 'run_id') as run1 \gset
select notion_sync_api.stage_pages(:'run1', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Draft'),
    'Status', '{"id":"st%3A","type":"status","status":{"name":"Todo"}}'::jsonb)),
  tests.notion_page('p2', jsonb_build_object('Name', tests.title('Review'),
    'Status', '{"id":"st%3A","type":"status","status":{"name":"Todo"}}'::jsonb))));
select is(notion_sync_api.apply_run(:'run1') - 'conflicts',
  '{"inserted": 2, "updated": 0, "unchanged": 0}'::jsonb, 'The first run inserts a row per new page.');
select is((select owner_id from notion_sync_demo.tasks where title = 'Draft'), :'uid'::uuid,
  'Inserted rows belong to the run''s owner.');
select notion_sync_api.finish_run(:'run1', 'completed');

-- In Supabase: p1's status edited; p2's title edited.
update notion_sync_demo.tasks set status = 'Blocked' where title = 'Draft';
update notion_sync_demo.tasks set title = 'Review (app)' where title = 'Review';

-- In Notion: p1's status and title edited; p2's title edited differently.
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run2 \gset
select notion_sync_api.stage_pages(:'run2', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Draft v2'),
    'Status', '{"id":"st%3A","type":"status","status":{"name":"Doing"}}'::jsonb)),
  tests.notion_page('p2', jsonb_build_object('Name', tests.title('Review (notion)'),
    'Status', '{"id":"st%3A","type":"status","status":{"name":"Todo"}}'::jsonb))));
select notion_sync_api.apply_run(:'run2') as result \gset

select is((select title from notion_sync_demo.tasks t join notion_sync.links l on l.record_key = t.task_id::text
           where l.page_id = 'p1'), 'Draft v2', 'A field changed only in Notion is applied.');
select is((select status from notion_sync_demo.tasks where title = 'Draft v2'), 'Blocked',
  'A field changed on both sides keeps the Supabase value.');
select is((select title from notion_sync_demo.tasks t join notion_sync.links l on l.record_key = t.task_id::text
           where l.page_id = 'p2'), 'Review (app)', 'A divergent title edit in Supabase is not overwritten.');
select is(jsonb_array_length(:'result'::jsonb -> 'conflicts'), 2, 'Both divergent fields are reported as conflicts.');
select is((:'result'::jsonb -> 'conflicts' -> 0) - 'record_key',
  '{"page_id": "p1", "kind": "field", "column": "status", "base": "Todo", "notion": "Doing", "supabase": "Blocked"}'::jsonb,
  'A conflict keeps the base, the Notion value and the Supabase value.');
select is((select base ->> 'title' from notion_sync.links where page_id = 'p1'), 'Draft v2',
  'The base advances to the value read back after a confirmed write.');

select * from finish();
rollback;
