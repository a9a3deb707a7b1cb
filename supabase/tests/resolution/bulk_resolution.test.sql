-- Bulk resolution: a list of conflicts or every open conflict of a run, with one action.
begin;
select plan(4);

select tests.linked_tasks('bulk@example.com', (
  select jsonb_agg(tests.task_page('p' || i, 'Task ' || i)) from generate_series(1, 6) i)) as uid \gset
update notion_sync_demo.tasks set status = 'Done';
select tests.sync_pages((select jsonb_agg(tests.task_page('p' || i, 'Task ' || i, 'Doing')) from generate_series(1, 6) i))
  ->> 'run_id' as run \gset
select is((select count(*)::int from notion_sync.conflicts where status = 'open'), 6, 'Six records are in conflict.');

select is(notion_sync_api.resolve_conflicts(
  (select array_agg(conflict_id) from notion_sync.conflicts where page_id in ('p1', 'p2')), null, 'prefer_notion'),
  '{"resolved": 2}'::jsonb, 'A list of conflicts is resolved with one action.');
select is(notion_sync_api.resolve_conflicts(null, :'run', 'prefer_supabase'), '{"resolved": 4}'::jsonb,
  'Every open conflict of a run is resolved with one action.');
select results_eq($$ select count(*) filter (where status = 'Doing')::int, count(*) filter (where status = 'Done')::int
                     from notion_sync_demo.tasks $$, $$ values (2, 4) $$,
  'Each side''s values landed where they were chosen.');

select * from finish();
rollback;
