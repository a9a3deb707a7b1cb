-- match_batch can be limited to the pages of the batch just staged, so each call costs a batch;
-- without the list it takes every unlinked page the run has seen.
begin;
select plan(3);

select tests.create_user('batches@example.com') as uid \gset
select tests.create_demo_mapping(:'uid') as mapping \gset
update notion_sync.mappings set natural_key = '{"property_id": "title", "column": "title"}'
where mapping_id = :'mapping';
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Alpha'), (:'uid', 'Beta');

select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Alpha'))),
  tests.notion_page('p2', jsonb_build_object('Name', tests.title('Beta')))));

select is(notion_sync_api.match_batch(:'run', array['p1']) - 'dismissed',
  '{"pages": 1, "already_linked": 0, "linked": 1, "by_page_id": 0, "by_natural_key": 1, "ambiguous": 0, "unmatched": 0}'::jsonb,
  'Given a list, only those pages are matched.');
select is((select array_agg(page_id) from notion_sync.links), array['p1'], 'The other page is left for later.');
select is((notion_sync_api.match_batch(:'run') ->> 'already_linked')::int, 1,
  'Without a list, every page of the run is considered, the linked one counted as such.');

select * from finish();
rollback;
