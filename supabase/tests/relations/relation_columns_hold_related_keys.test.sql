-- A relation field with a related mapping fills its column with the record keys that mapping links
-- to the related pages, in Notion's order, and its base holds the same keys.
begin;
select plan(4);

select tests.relation_setup('rel-keys@example.com') as uid \gset
select lives_ok($$ select notion_sync_api.save_mapping(tests.relation_tasks_mapping()) $$,
  'A relation field may name the mapping of the data source it relates to.');
select tests.sync_mapping('projects', jsonb_build_array(
  tests.project_page('11111111-1111-4111-8111-111111111111', 'Apollo'),
  tests.project_page('22222222-2222-4222-8222-222222222222', 'Gemini')), '{"create_unmatched": true}') as projects \gset

select tests.sync_mapping('tasks', jsonb_build_array(tests.relation_task_page('task-1', 'Launch',
  array['22222222-2222-4222-8222-222222222222', '11111111-1111-4111-8111-111111111111'])),
  '{"create_unmatched": true}') as summary \gset
select is((select project_keys from public.rel_tasks where title = 'Launch'),
  array[(select project_id::text from public.rel_projects where name = 'Gemini'),
        (select project_id::text from public.rel_projects where name = 'Apollo')],
  'The column holds the keys of the related records, in Notion''s order.');
select is((select base -> 'project_keys' from notion_sync.links where page_id = 'task-1'),
  to_jsonb((select project_keys from public.rel_tasks where title = 'Launch')),
  'The base holds the same keys.');
select is((:'summary'::jsonb ->> 'pending')::int, 0, 'Nothing is pending when every related page is linked.');

select * from finish();
rollback;
