-- An edit in Supabase of a relation column of record keys is pushed as the pages linked to those
-- keys; a key whose record has no page yet holds the push (pending, the record dirty) rather than
-- sending a part of the relation; a page created for a record carries its related pages.
begin;
select plan(6);

select tests.relation_setup('rel-push@example.com') as uid \gset
select notion_sync_api.save_mapping(tests.relation_tasks_mapping()) as tasks \gset
select tests.sync_mapping('projects', jsonb_build_array(
  tests.project_page('11111111-1111-4111-8111-111111111111', 'Apollo'),
  tests.project_page('22222222-2222-4222-8222-222222222222', 'Gemini')), '{"create_unmatched": true}') as projects \gset
select tests.sync_mapping('tasks', jsonb_build_array(tests.relation_task_page('task-1', 'Launch',
  array['11111111-1111-4111-8111-111111111111'])), '{"create_unmatched": true}') as first \gset

update public.rel_tasks set project_keys = array[(select project_id::text from public.rel_projects where name = 'Gemini')];
select tests.sync_mapping('tasks', '[]') as second \gset
select is((select properties -> 'pr%3A' from notion_sync.outbox where status = 'pending' and op = 'update'),
  '{"relation": [{"id": "22222222-2222-4222-8222-222222222222"}]}'::jsonb,
  'The edit is queued for Notion as the related page.');

-- a project made in Supabase has no page yet
insert into public.rel_projects (name) values ('Mercury');
update public.rel_tasks set project_keys = array[(select project_id::text from public.rel_projects where name = 'Gemini'),
                                                 (select project_id::text from public.rel_projects where name = 'Mercury')];
select tests.sync_mapping('tasks', '[]') as third \gset
select is((:'third'::jsonb ->> 'pending')::int, 1, 'A key without a page makes the field pending.');
select is((select count(*)::int from notion_sync.outbox where status = 'pending' and op = 'update'), 0,
  'No part of the relation is queued.');
select ok((select dirty_at is not null from notion_sync.links where page_id = 'task-1'),
  'The record stays dirty for the next run.');
select is((select count(*)::int from notion_sync.conflicts where status = 'open'), 0, 'No conflict is opened.');

-- a task made in Supabase gets a page with its related pages
insert into public.rel_tasks (title, project_keys)
values ('Dock', array[(select project_id::text from public.rel_projects where name = 'Apollo')]);
select tests.sync_mapping('tasks', '[]', '{"create_unmatched": true}', 'full', true) as fourth \gset
select is((select properties -> 'pr%3A' from notion_sync.outbox where status = 'pending' and op = 'create'),
  '{"relation": [{"id": "11111111-1111-4111-8111-111111111111"}]}'::jsonb,
  'The page created for a record carries its related pages.');

select * from finish();
rollback;
