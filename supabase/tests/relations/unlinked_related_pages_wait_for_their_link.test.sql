-- A related page its mapping has not linked yet cannot be translated: the field is pending, neither
-- applied nor pushed nor a conflict, and its record stays dirty. A record created meanwhile has no
-- base for the column, so once the link exists a later run asks (first contact); a linked record
-- keeps its value and base; a person choosing Notion's unreadable value is told it is pending.
begin;
select plan(11);

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
select ok((select not base ? 'project_keys' and dirty_at is not null from notion_sync.links where page_id = 'task-1'),
  'Its link has no base for the column and stays dirty.');
select is((select count(*)::int from notion_sync.conflicts where status = 'open'), 0, 'No conflict is opened.');

-- the project is linked: the next run (nothing new from Notion) asks, as for a first contact
select tests.sync_mapping('projects', jsonb_build_array(
  tests.project_page('11111111-1111-4111-8111-111111111111', 'Apollo'),
  tests.project_page('22222222-2222-4222-8222-222222222222', 'Gemini')), '{"create_unmatched": true}') as projects \gset
select tests.sync_mapping('tasks', '[]') as second \gset
select is((select fields -> 'project_keys' -> 'notion' from notion_sync.conflicts where status = 'open' and kind = 'first_contact'),
  to_jsonb(array[(select project_id::text from public.rel_projects where name = 'Apollo')]),
  'Once linked, the Notion value is shown in a first-contact conflict.');
select notion_sync_api.resolve_conflict((select conflict_id from notion_sync.conflicts where status = 'open'),
  'prefer_notion') as resolved \gset
select is((select project_keys from public.rel_tasks where title = 'Launch'),
  array[(select project_id::text from public.rel_projects where name = 'Apollo')],
  'Choosing Notion writes the related key.');

-- Notion adds a project nobody linked: the field waits, the record keeps its value and base
select tests.sync_mapping('tasks', jsonb_build_array(tests.relation_task_page('task-1', 'Launch',
  array['11111111-1111-4111-8111-111111111111', '33333333-3333-4333-8333-333333333333'], '2026-11-26 10:05Z'))) as third \gset
select is((:'third'::jsonb ->> 'pending')::int, 1, 'A linked record''s field waits for the new page''s link.');
select is((select base -> 'project_keys' from notion_sync.links where page_id = 'task-1'),
  to_jsonb(array[(select project_id::text from public.rel_projects where name = 'Apollo')]),
  'Its base is kept.');

-- a conflict raised before, then Notion's value becomes unreadable: choosing Notion waits
update public.rel_tasks set project_keys = array[]::text[];
select tests.sync_mapping('tasks', jsonb_build_array(tests.relation_task_page('task-1', 'Launch',
  array['22222222-2222-4222-8222-222222222222'], '2026-11-26 10:10Z'))) as fourth \gset
select tests.sync_mapping('tasks', jsonb_build_array(tests.relation_task_page('task-1', 'Launch',
  array['33333333-3333-4333-8333-333333333333'], '2026-11-26 10:15Z'))) as fifth \gset
select is(notion_sync_api.resolve_conflict((select conflict_id from notion_sync.conflicts where status = 'open' and kind = 'field'),
            'prefer_notion') ->> 'status', 'pending',
  'Choosing Notion''s value that cannot be read yet answers pending.');
select is((select project_keys from public.rel_tasks where title = 'Launch'), array[]::text[],
  'Nothing is written.');

select * from finish();
rollback;
