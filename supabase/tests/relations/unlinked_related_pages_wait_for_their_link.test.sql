-- A related page its mapping has not linked yet cannot be translated: the field is pending, neither
-- applied nor pushed nor a conflict, and its record stays dirty; a later incremental run fills it
-- once the link exists, without the page changing again.
begin;
select plan(8);

select tests.relation_setup('rel-wait@example.com') as uid \gset
select notion_sync_api.save_mapping(tests.relation_tasks_mapping()) as tasks \gset

-- tasks first: the project page is not linked yet
select tests.sync_mapping('tasks', jsonb_build_array(tests.relation_task_page('task-1', 'Launch',
  array['11111111-1111-4111-8111-111111111111'])), '{"create_unmatched": true}') as first \gset
select is((:'first'::jsonb ->> 'pending')::int, 1, 'The run reports one page with a pending field.');
select is(:'first'::jsonb -> 'pending_fields', '[{"page_id": "task-1", "field": "project_keys"}]'::jsonb,
  'The run''s summary names the pending field.');
select is((select project_keys from public.rel_tasks where title = 'Launch'), null,
  'The record is created without the untranslatable relation.');
select ok((select dirty_at is not null from notion_sync.links where page_id = 'task-1'),
  'Its link stays dirty for the next run.');
select is((select count(*)::int from notion_sync.conflicts where status = 'open'), 0, 'No conflict is opened.');

-- the project is linked; an incremental run with nothing new from Notion fills the relation
select tests.sync_mapping('projects', jsonb_build_array(
  tests.project_page('11111111-1111-4111-8111-111111111111', 'Apollo')), '{"create_unmatched": true}') as projects \gset
select tests.sync_mapping('tasks', '[]') as second \gset
select is((select project_keys from public.rel_tasks where title = 'Launch'),
  array[(select project_id::text from public.rel_projects where name = 'Apollo')],
  'A later run writes the related key once the link exists.');
select ok((select dirty_at is null from notion_sync.links where page_id = 'task-1'),
  'The link is clean again.');

-- Notion adds a project nobody linked: the field waits, the column keeps its value
select tests.sync_mapping('tasks', jsonb_build_array(tests.relation_task_page('task-1', 'Launch',
  array['11111111-1111-4111-8111-111111111111', '33333333-3333-4333-8333-333333333333'], '2026-11-26 10:05Z'))) as third \gset
select is((select project_keys from public.rel_tasks where title = 'Launch'),
  array[(select project_id::text from public.rel_projects where name = 'Apollo')],
  'A linked record keeps its value while Notion''s new relation waits for its link.');

select * from finish();
rollback;
