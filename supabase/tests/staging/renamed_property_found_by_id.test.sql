-- Staging finds a mapped property by its id: under a new name once renamed in Notion, and never a
-- different property that took the old name.
begin;
select plan(2);

select tests.create_user('renamed@example.com') as uid \gset
select tests.create_demo_mapping(:'uid') as mapping \gset
select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Write the spec'),
    'Finished', tests.checkbox(true))),
  tests.notion_page('p2', jsonb_build_object('Name', tests.title('Ship it'),
    'Finished', tests.checkbox(true),
    'Done', '{"id": "ot%3A", "type": "checkbox", "checkbox": false}'::jsonb))));

select is((select mapped_values -> 'done' from notion_sync.staged_pages where page_id = 'p1'), 'true'::jsonb,
  'The checkbox mapped as "Done" is read under its new name "Finished", by its id.');
select is((select mapped_values -> 'done' from notion_sync.staged_pages where page_id = 'p2'), 'true'::jsonb,
  'Another property now named "Done" is not taken for it.');

select * from finish();
rollback;
