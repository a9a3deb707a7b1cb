-- The answer to a held mass deletion, and its undo, first give the planner the statistics it lacks
-- for the mapping: tombstones, conflicts and the other tables they read per pair, holding 1,000 rows
-- of the mapping or more that the planner estimates at under a tenth of that, are analyzed
-- (without, each restored pair read every tombstone and question of the owner, so the answer cost
-- more per record the more records it restored). Another user's mapping is not found.
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

create temp table pages1000 as
  select jsonb_agg(tests.task_page('p' || g, 'T' || g)) as p from generate_series(1, 1000) g;
grant select on pages1000 to authenticated;
select tests.create_user('mass-stats-other@example.com') as other \gset
select tests.linked_tasks('mass-stats@example.com', (select p from pages1000)) as uid \gset
select mapping_id as mapping from notion_sync.mappings where owner_id = :'uid' \gset
select tests.sync_pages((select p from pages1000), '{}', 'full', true);
select tests.clear_authentication();
truncate notion_sync_demo.tasks;
select tests.authenticate_as(:'uid');
select tests.sync_pages((select p from pages1000), '{}', 'full', true);
select conflict_id as bulk from notion_sync.conflicts where kind = 'bulk_change' and status = 'open' \gset

select cmp_ok(pg_temp.estimate('tombstones', :'mapping'), '<', 100::numeric,
  'The planner does not know yet that the mapping has 1,000 deletions.');
select is(notion_sync_api.resolve_conflict(:'bulk', 'prefer_notion') ->> 'restored_records', '1000',
  'Keep Notion restores the 1,000 records.');
select cmp_ok(pg_temp.estimate('tombstones', :'mapping'), '>=', 500::numeric,
  'The answer analyzed tombstones first.');
select cmp_ok(pg_temp.estimate('conflicts', :'mapping'), '<', 100::numeric,
  'The planner does not know the 1,000 questions the answer asked and decided.');
select is((notion_sync_api.undo_resolution(:'bulk') ->> 'kept_as_conflicts')::int, 0, 'The answer is undone.');
select cmp_ok(pg_temp.estimate('conflicts', :'mapping'), '>=', 500::numeric,
  'The undo analyzed conflicts first.');

select tests.authenticate_as(:'other');
select throws_ok(format($$ select notion_sync.refresh_mapping_statistics(%L, '{tombstones}') $$, :'mapping'),
  'P0002', format('mapping %s not found', :'mapping'), 'Another user''s mapping is not found.');

select * from finish();
rollback;
