-- Pages whose relation waits for a related page's link and pages without one are imported in the
-- same run: a waiting page's record leaves the column to its default (it is not written) and its
-- link, without a base for the column, stays dirty; an empty relation is written as an empty list.
begin;
select plan(4);

select tests.relation_setup('rel-mixed@example.com', $$text[] default '{waiting}'$$) as uid \gset
select notion_sync_api.save_mapping(tests.relation_tasks_mapping()) as tasks \gset
select tests.sync_mapping('tasks', jsonb_build_array(
  tests.relation_task_page('task-a', 'A', array['11111111-1111-4111-8111-111111111111']),
  tests.relation_task_page('task-b', 'B', array[]::text[]),
  tests.relation_task_page('task-c', 'C', array['11111111-1111-4111-8111-111111111111']),
  tests.relation_task_page('task-d', 'D', array[]::text[])), '{"create_unmatched": true}') as first \gset

select results_eq($$ select title, project_keys from public.rel_tasks order by title $$,
  $$ values ('A', '{waiting}'::text[]), ('B', '{}'), ('C', '{waiting}'), ('D', '{}') $$,
  'Records of waiting pages keep the column''s default; empty relations are written empty.');
select results_eq($$ select l.page_id, l.base ? 'project_keys', l.dirty_at is not null
                     from notion_sync.links l join public.rel_tasks t on t.task_id::text = l.record_key
                     where t.title = upper(substr(l.page_id, 6)) order by l.page_id $$,
  $$ values ('task-a', false, true), ('task-b', true, false), ('task-c', false, true), ('task-d', true, false) $$,
  'Each page is linked to its record; waiting pages have no base for the column and stay dirty.');
select is((:'first'::jsonb ->> 'pending')::int, 2, 'The run counts two pages waiting.');
select is((select count(*)::int from notion_sync.changes where field = 'project_keys'), 4,
  'Each record''s column is logged as a change.');

select * from finish();
rollback;
