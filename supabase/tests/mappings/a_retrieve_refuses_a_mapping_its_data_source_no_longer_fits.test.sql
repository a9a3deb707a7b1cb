-- A retrieve checks its mapping against the data source schema it has just read: a mapped property
-- deleted in Notion, or one whose type changed, fails the run with an error naming both sides
-- before anything is staged or written (it used to stage every page without the property and
-- apply the null to every record). Saved again to match, the mapping runs.
begin;
select plan(6);

select tests.linked_tasks('fits@example.com', jsonb_build_array(
  tests.task_page('p1', 'One', 'Doing'), tests.task_page('p2', 'Two', 'Done'))) as uid \gset

-- the Status property deleted in Notion: the next run reads the schema without it
select count(*) as changes from notion_sync.changes \gset
select notion_sync_api.stage_schema(tests.demo_data_source() #- '{properties,Status}') ->> 'changed' as changed \gset
select (notion_sync_api.start_run('tasks', 'retrieve', 'incremental') ->> 'run_id') as run \gset
select throws_ok(format($$ select notion_sync_api.retrieve_plan(%L, %L) $$, :'run', :'changed'), '55000',
  'mapping "tasks" no longer fits its data source or table, so nothing is read or written: Notion property '
  '"Status" (id st%3A) is not in data source ds-tasks; column notion_sync_demo.tasks.status has nothing to sync '
  'with. Save the mapping again without what is gone (save_mapping)',
  'A run whose mapped property is gone from the data source is refused, naming the property and the column.');
select notion_sync_api.finish_run(:'run', 'failed', 'refused');
select results_eq($$ select title, status from notion_sync_demo.tasks order by title $$,
  $$ values ('One'::text, 'Doing'::text), ('Two', 'Done') $$,
  'The records keep their values.');
select is((select count(*) from notion_sync.changes), :'changes'::bigint, 'Nothing was written.');

-- the property back, as a select instead of a status
select notion_sync_api.stage_schema(jsonb_set(tests.demo_data_source(), '{properties,Status}',
  '{"id": "st%3A", "name": "Status", "type": "select", "select": {"options": []}}'));
select (notion_sync_api.start_run('tasks', 'retrieve', 'incremental') ->> 'run_id') as run2 \gset
select throws_like(format($$ select notion_sync_api.retrieve_plan(%L) $$, :'run2'),
  '%Notion property "Status" is now a select, but the mapping says status%',
  'A run whose mapped property changed type is refused too.');

-- saved again without the status, the mapping runs
select notion_sync_api.save_mapping(jsonb_build_object('name', 'tasks', 'connection_id', m.connection_id,
  'data_source_id', 'ds-tasks', 'target_schema', 'notion_sync_demo', 'target_table', 'tasks', 'key_column', 'task_id',
  'owner_column', 'owner_id', 'field_map', (select jsonb_agg(f) from jsonb_array_elements(m.field_map) f
                                            where f ->> 'column' <> 'status')))
from notion_sync.mappings m;
select is(notion_sync_api.retrieve_plan(:'run2') ->> 'mode', 'full',
  'Once saved again to match, the run reads (in full: no run completed a retrieve yet).');
select is((select status from notion_sync.runs where run_id = :'run'), 'failed', 'The refused run failed.');

select * from finish();
rollback;
