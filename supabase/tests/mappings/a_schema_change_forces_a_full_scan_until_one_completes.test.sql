-- A changed data source schema turns incremental runs into full scans until one completes: the
-- change is remembered by schema hash, not only told to the first read that sees it (a failed
-- full run, or another mapping reading the schema first, no longer leaves the next runs
-- incremental). An incremental run that becomes a full one after it started reading starts its
-- scan over.
begin;
select plan(6);

select tests.linked_tasks('schema-hash@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
-- a completed retrieve with a watermark, as the function leaves it
select (notion_sync_api.start_run('tasks', 'retrieve', 'full') ->> 'run_id') as first \gset
select notion_sync_api.stage_schema(tests.demo_data_source());
select notion_sync_api.retrieve_plan(:'first');
select notion_sync_api.complete_retrieve(:'first');
select notion_sync_api.finish_run(:'first', 'completed');

-- a property added in Notion: the first read sees the change, its run fails
select (notion_sync_api.start_run('tasks', 'retrieve', 'incremental') ->> 'run_id') as failing \gset
select notion_sync_api.stage_schema(jsonb_set(tests.demo_data_source(), '{properties,Notes}',
  '{"id": "no%3A", "name": "Notes", "type": "rich_text", "rich_text": {}}')) ->> 'changed' as changed \gset
select is(notion_sync_api.retrieve_plan(:'failing', :'changed') ->> 'mode', 'full',
  'The run that reads the changed schema is a full scan.');
select notion_sync_api.finish_run(:'failing', 'failed', 'Notion answered 502');

-- the next run reads the same (new) schema: stage_schema no longer says changed
select (notion_sync_api.start_run('tasks', 'retrieve', 'incremental') ->> 'run_id') as next \gset
select notion_sync_api.stage_schema(jsonb_set(tests.demo_data_source(), '{properties,Notes}',
  '{"id": "no%3A", "name": "Notes", "type": "rich_text", "rich_text": {}}')) ->> 'changed' as changed2 \gset
select is(:'changed2'::boolean, false, 'The schema read again is not new any more.');
select is(notion_sync_api.retrieve_plan(:'next', :'changed2') ->> 'mode', 'full',
  'The next run is still a full scan: no full scan completed since the change.');
select notion_sync_api.complete_retrieve(:'next');
select notion_sync_api.finish_run(:'next', 'completed');

select (notion_sync_api.start_run('tasks', 'retrieve', 'incremental') ->> 'run_id') as after \gset
select is(notion_sync_api.retrieve_plan(:'after') ->> 'mode', 'incremental',
  'Once one completed, runs are incremental again.');

-- a continuation that finds the schema changed after reading a batch starts the scan over
update notion_sync.runs set checkpoint = checkpoint || '{"cursor": "c1", "window_start": "2026-11-26T10:00:00Z",
  "last_key": "2026-11-26T10:05:00Z", "batches": 1}' where run_id = :'after';
select notion_sync_api.stage_schema(tests.demo_data_source());
select notion_sync_api.retrieve_plan(:'after', true) as plan \gset
select is(:'plan'::jsonb ->> 'mode', 'full', 'The continuation becomes a full scan.');
select is(:'plan'::jsonb -> 'checkpoint' ?| array['cursor', 'window_start', 'last_key'], false,
  'It reads from the start, not from the incremental window.');

select * from finish();
rollback;
