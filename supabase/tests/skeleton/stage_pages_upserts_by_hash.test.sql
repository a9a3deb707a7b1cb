-- Staging keeps one row per page; the same values are a no-op, a change in the same minute is seen.
begin;
select plan(7);

select tests.create_user('stager@example.com') as uid \gset
select tests.create_demo_mapping(:'uid') as mapping \gset
select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run1 \gset

select is(notion_sync_api.stage_pages(:'run1', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Write the spec'),
    'Done', '{"id":"dn%3A","type":"checkbox","checkbox":false}'::jsonb)),
  tests.notion_page('p2', jsonb_build_object('Name', tests.title('Ship it'))))), 2,
  'A batch of two pages stages two rows.');
select is((select jsonb_build_array(notion_sync.rich_text_plain(mapped_values -> 'title'),
                                    mapped_values -> 'status', mapped_values -> 'done')
           from notion_sync.staged_pages where page_id = 'p1'),
  '["Write the spec", null, false]'::jsonb,
  'Canonical values are keyed by column and found by property id, whatever the property''s name.');
select notion_sync_api.finish_run(:'run1', 'completed');

select (notion_sync_api.start_run('tasks') ->> 'run_id') as run2 \gset
select notion_sync_api.stage_pages(:'run2', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Write the spec'),
    'Done', '{"id":"dn%3A","type":"checkbox","checkbox":false}'::jsonb), '2026-11-26 10:00:40Z'),
  tests.notion_page('p2', jsonb_build_object('Name', tests.title('Ship it today')), '2026-11-26 10:00:50Z')));

select is((select count(*)::int from notion_sync.staged_pages where mapping_id = :'mapping'), 2,
  'Staging the same pages again keeps one row per page.');
select is((select changed_in_run from notion_sync.staged_pages where page_id = 'p1'), :'run1'::uuid,
  'An unchanged page keeps the run that last changed it.');
select is((select changed_in_run from notion_sync.staged_pages where page_id = 'p2'), :'run2'::uuid,
  'A page edited again within the same minute is seen as changed.');
select is((select seen_in_run from notion_sync.staged_pages where page_id = 'p1'), :'run2'::uuid,
  'Every staged page records the run that last saw it.');
select throws_ok(format($$ select notion_sync_api.stage_pages(%L, '{"not":"an array"}') $$, :'run2'),
  '22023', 'p_pages must be a JSON array of at most 100 pages', 'A batch that is not an array is refused.');

select * from finish();
rollback;
