-- Changing a mapping's field map forgets the staged hashes: the same page is converted again with
-- the new map instead of keeping values staged under the old one.
begin;
select plan(3);

select tests.create_user('remap@example.com') as uid \gset
select tests.create_demo_mapping(:'uid') as mapping \gset
select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run1 \gset
select notion_sync_api.stage_pages(:'run1', jsonb_build_array(tests.task_page('p1', 'Write the spec')));
select notion_sync_api.finish_run(:'run1', 'completed');

update notion_sync.mappings
set field_map = (select jsonb_agg(f) from jsonb_array_elements(field_map) f where f ->> 'column' <> 'done')
where mapping_id = :'mapping';
select is((select properties_hash from notion_sync.staged_pages where page_id = 'p1'), null,
  'A new field map forgets the staged properties hash.');

select (notion_sync_api.start_run('tasks') ->> 'run_id') as run2 \gset
select is(notion_sync_api.pages_to_stage(:'run2', jsonb_build_array(jsonb_build_object(
    'id', 'p1', 'last_edited_time', '2026-11-26T10:00:00.000Z', 'in_trash', false,
    'properties_md5', md5((tests.task_page('p1', 'Write the spec')::json -> 'properties')::text)))),
  array['p1'], 'The unchanged page is asked for in full again.');
select notion_sync_api.stage_pages(:'run2', jsonb_build_array(tests.task_page('p1', 'Write the spec')));
select ok(not (select mapped_values ? 'done' from notion_sync.staged_pages where page_id = 'p1'),
  'Its values are staged under the new field map.');

select * from finish();
rollback;
