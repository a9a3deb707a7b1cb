-- A relation column holding related record keys is never written to Notion: a person who resolves
-- a conflict of it for Supabase gets a push_failed conflict saying why, and nothing is queued.
begin;
select plan(3);

select tests.relation_setup('rel-push@example.com') as uid \gset
select notion_sync_api.save_mapping(tests.relation_tasks_mapping()) as tasks \gset
select tests.sync_mapping('projects', jsonb_build_array(
  tests.project_page('11111111-1111-4111-8111-111111111111', 'Apollo'),
  tests.project_page('22222222-2222-4222-8222-222222222222', 'Gemini')), '{"create_unmatched": true}') as projects \gset
select tests.sync_mapping('tasks', jsonb_build_array(tests.relation_task_page('task-1', 'Launch',
  array['11111111-1111-4111-8111-111111111111'])), '{"create_unmatched": true}') as first \gset

-- edited in Supabase: a one-way column, so a conflict
update public.rel_tasks set project_keys = array[(select project_id::text from public.rel_projects where name = 'Gemini')];
select tests.sync_mapping('tasks', '[]') as second \gset
select notion_sync_api.resolve_conflict(
  (select conflict_id from notion_sync.conflicts where status = 'open' and kind = 'field'), 'prefer_supabase') as resolved \gset

select is((select count(*)::int from notion_sync.outbox where status = 'pending'), 0,
  'No write of the record keys is queued for Notion.');
select ok((select details ->> 'error' from notion_sync.conflicts where status = 'open' and kind = 'push_failed')
          like 'read_only: this relation column holds record keys of mapping "projects"%',
  'A push_failed conflict says the keys are not translated back into page ids.');
select is((select project_keys from public.rel_tasks where title = 'Launch'),
  array[(select project_id::text from public.rel_projects where name = 'Gemini')],
  'The Supabase value is kept.');

select * from finish();
rollback;
