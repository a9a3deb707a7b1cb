-- A relation of a data source to itself (a parent task) may name the mapping being saved as its
-- related mapping, before that mapping exists; the column then holds keys of the same table. On a
-- first import the parent is linked in the same run, and the child takes its key at the run's end.
begin;
select plan(3);

select tests.relation_setup('rel-self@example.com') as uid \gset
select notion_sync_api.stage_schema('{"object":"data_source","id":"ds-rtasks","title":[{"plain_text":"Tasks"}],
  "properties":{"Name":{"id":"title","name":"Name","type":"title","title":{}},
    "Project":{"id":"pr%3A","name":"Project","type":"relation","relation":{"data_source_id":"ds-rtasks","type":"single_property","single_property":{}}}}}');
select lives_ok($$ select notion_sync_api.save_mapping(tests.relation_tasks_mapping('tasks')) $$,
  'A relation may name the mapping being saved.');

select tests.sync_mapping('tasks', jsonb_build_array(
  tests.relation_task_page('parent', 'Ship it', array[]::text[]),
  tests.relation_task_page('child', 'Write the notes', array['parent'])), '{"create_unmatched": true}') as first \gset
select is((select summary ->> 'pending' from notion_sync.runs where run_id = (:'first'::jsonb ->> 'run_id')::uuid), '0',
  'The run''s summary counts nothing pending once the child has its key.');
select is((select project_keys from public.rel_tasks where title = 'Write the notes'),
  array[(select task_id::text from public.rel_tasks where title = 'Ship it')],
  'The child holds its parent''s key at the end of the same run.');

select * from finish();
rollback;
