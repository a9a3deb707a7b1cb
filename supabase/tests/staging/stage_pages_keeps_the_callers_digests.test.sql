-- stage_pages stores the properties digests its caller sends (what pages_to_stage compares the
-- next time), and refuses digests or pages it cannot use with an error naming the problem.
begin;
select plan(7);

select tests.create_user('caller-digests@example.com') as uid \gset
select tests.create_demo_mapping(:'uid') as mapping \gset
select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run1 \gset
select notion_sync_api.stage_pages(:'run1',
  jsonb_build_array(tests.task_page('p1', 'Write the spec'), tests.task_page('p2', 'Ship it')),
  array[md5('properties of p1 as sent'), md5('properties of p2 as sent')]);
select is((select array_agg(properties_hash order by page_id) from notion_sync.staged_pages),
  array[md5('properties of p1 as sent'), md5('properties of p2 as sent')],
  'Each page is staged with the digest its caller sent, in batch order.');
select notion_sync_api.finish_run(:'run1', 'completed');

select (notion_sync_api.start_run('tasks') ->> 'run_id') as run2 \gset
select is(notion_sync_api.pages_to_stage(:'run2', jsonb_build_array(
    jsonb_build_object('id', 'p1', 'last_edited_time', '2026-11-26T10:00:00.000Z', 'in_trash', false,
                       'properties_md5', md5('properties of p1 as sent')),
    jsonb_build_object('id', 'p2', 'last_edited_time', '2026-11-26T10:00:00.000Z', 'in_trash', false,
                       'properties_md5', md5('properties of p2 as edited')))),
  array['p2'],
  'The next digests are compared with those: only the page whose digest differs is asked for.');

select throws_ok(format($$ select notion_sync_api.stage_pages(%L, %L, %L) $$, :'run2',
    jsonb_build_array(tests.task_page('p1', 'Write the spec'), tests.task_page('p2', 'Ship it')),
    array[md5('one digest')]),
  '22023', 'p_properties_md5 must hold one md5 (32 lowercase hex digits) per page, in the order of p_pages: the md5 of the JSON text of the page''s properties',
  'Fewer digests than pages are refused.');
select throws_ok(format($$ select notion_sync_api.stage_pages(%L, %L, %L) $$, :'run2',
    jsonb_build_array(tests.task_page('p1', 'Write the spec')), array['D41D8CD98F00B204E9800998ECF8427E']),
  '22023', 'p_properties_md5 must hold one md5 (32 lowercase hex digits) per page, in the order of p_pages: the md5 of the JSON text of the page''s properties',
  'A digest that is not lowercase hex is refused.');
select throws_ok(format($$ select notion_sync_api.stage_pages(%L, %L, %L) $$, :'run2',
    jsonb_build_array(tests.task_page('p1', 'Write the spec') - 'properties'), array[md5('p1')]),
  '22023', 'every page needs an id, a last_edited_time and its properties',
  'A page without its properties is refused, digest or not.');
select throws_ok(format($$ select notion_sync_api.stage_pages(%L, %L) $$, :'run2',
    jsonb_build_array(tests.task_page('p3', 'New task'),
                      tests.task_page(replace('0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', '-', ''), 'Once'),
                      tests.task_page('0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0', 'Twice'))),
  '22023', 'p_pages holds page 0f1e2d3c-4b5a-6978-8796-a5b4c3d2e1f0 more than once',
  'A batch holding a page twice (its id dashed or not) is refused.');
select is((select count(*)::integer from notion_sync.staged_pages where changed_in_run = :'run2'), 0,
  'The refused batches staged nothing.');

select * from finish();
rollback;
