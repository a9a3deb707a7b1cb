-- A full reconcile first gives the planner the statistics it lacks for the mapping: staged_pages
-- or links holding 1,000 rows of the mapping or more that the planner estimates at under a tenth
-- of that are analyzed (without, reconcile's anti-joins over links turn into nested loops, quadratic
-- in the pages, on a re-run minutes after a first import). Once they are known, nothing is
-- analyzed again; another user's run is not found.
begin;
select plan(7);

-- the planner's estimate of a table's rows of a mapping, as the tables' owner (no RLS filter)
create function pg_temp.estimate(p_table text, p_mapping uuid) returns numeric
language plpgsql security definer set search_path = '' as $$
declare v_plan jsonb;
begin
  execute format('explain (format json) select from notion_sync.%I where mapping_id = %L', p_table, p_mapping)
    into v_plan;
  return (v_plan -> 0 -> 'Plan' ->> 'Plan Rows')::numeric;
end $$;
grant execute on function pg_temp.estimate(text, uuid) to authenticated;

select tests.create_user('stats@example.com') as uid \gset
select tests.create_user('stats-other@example.com') as other \gset
select tests.create_demo_mapping(:'uid') as mapping \gset
select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks', 'retrieve', 'full') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', (select jsonb_agg(tests.task_page('p' || (b * 100 + g), 'Task ' || (b * 100 + g)))
                                            from generate_series(1, 100) g))
from generate_series(0, 11) b;

select cmp_ok(pg_temp.estimate('staged_pages', :'mapping'), '<', 120::numeric,
  'The planner does not know yet that the mapping has 1,200 staged pages.');
select is(notion_sync.refresh_run_statistics(:'run'), '{staged_pages}'::text[],
  'A full run analyzes staged_pages (links holds none of the mapping''s rows yet).');
select cmp_ok(pg_temp.estimate('staged_pages', :'mapping'), '>=', 600::numeric,
  'The planner then knows the mapping''s staged pages.');
select is(notion_sync.refresh_run_statistics(:'run'), '{}'::text[],
  'Statistics that know the mapping are not refreshed again.');

-- a first import links the 1,200 pages; a re-run's reconcile finds links without statistics
update notion_sync.runs set checkpoint = checkpoint || '{"scan_completed_at": "2026-11-26"}' where run_id = :'run';
select notion_sync_api.reconcile(:'run', '{"create_unmatched": true}');
select notion_sync_api.finish_run(:'run', 'completed');
select (notion_sync_api.start_run('tasks', 'retrieve', 'full') ->> 'run_id') as rerun \gset
select cmp_ok(pg_temp.estimate('links', :'mapping'), '<', 120::numeric,
  'After the import, the planner does not know the mapping''s 1,200 links.');
select notion_sync_api.reconcile(:'rerun');
select cmp_ok(pg_temp.estimate('links', :'mapping'), '>=', 600::numeric,
  'The re-run''s reconcile analyzed links first.');

select tests.authenticate_as(:'other');
select throws_ok(format($$ select notion_sync.refresh_run_statistics(%L) $$, :'run'),
  'P0002', format('run %s not found', :'run'), 'Another user''s run is not found.');

select * from finish();
rollback;
