-- A verified Notion webhook event is kept once and queues the retrieve it calls for, for the
-- connection's unpaused mappings it names: an incremental retrieve for a page created or edited;
-- a full scan for a page trashed, restored or moved and for data source and database events. A
-- mapping whose first retrieve no person has run yet gets nothing.
begin;
select plan(12);

select tests.create_user('hooked@example.com') as uid \gset
select tests.create_user('intruder@example.com') as intruder \gset
select tests.create_demo_mapping(:'uid') as tasks \gset
insert into notion_sync.mappings (owner_id, connection_id, name, data_source_id, target_schema,
                                  target_table, key_column, owner_column, field_map, validated_at)
-- each on a table of its own (one owner maps a table once); only their data sources matter here
select owner_id, connection_id, n, d, target_schema, 'tasks_' || n, key_column, owner_column, field_map, now()
from notion_sync.mappings, (values ('other', 'ds-other'), ('resting', 'ds-resting')) v(n, d)
where mapping_id = :'tasks';
update notion_sync.mappings set validated_at = now() where mapping_id = :'tasks';
update notion_sync.mappings set paused = true where name = 'resting';
select connection_id as conn from notion_sync.mappings where mapping_id = :'tasks' \gset
-- each past its first retrieve, which a person runs; and one nobody has run yet
insert into notion_sync.runs (owner_id, mapping_id, status) select owner_id, mapping_id, 'completed' from notion_sync.mappings where owner_id = :'uid';
insert into notion_sync.mappings (owner_id, connection_id, name, data_source_id, target_schema,
                                  target_table, key_column, owner_column, field_map, validated_at)
select owner_id, connection_id, 'new', 'ds-tasks', target_schema, 'tasks_new', key_column, owner_column, field_map, now()
from notion_sync.mappings where mapping_id = :'tasks';

create function pg_temp.event(p_id text, p_type text, p_entity text, p_data_source text default null)
returns jsonb language sql as $$
  select jsonb_build_object('id', p_id, 'timestamp', '2026-11-26T10:00:00.000Z', 'type', p_type,
    'attempt_number', 1, 'entity', jsonb_build_object('id', p_entity, 'type', split_part(p_type, '.', 1)),
    'data', jsonb_build_object('parent', jsonb_build_object('id', 'db-1', 'type', 'database',
                                                            'data_source_id', p_data_source)))
$$;
create function pg_temp.pending() returns text[] language sql as $$
  select coalesce(array_agg(m.name || ':' || j.kind order by m.name, j.kind), '{}')
  from notion_sync.jobs j join notion_sync.mappings m using (mapping_id) where j.done_at is null
$$;

select tests.authenticate_as(:'uid');
select is(notion_sync_api.record_webhook_event(:'conn', pg_temp.event('e1', 'page.properties_updated', 'p1', 'ds-tasks')),
  '{"duplicate": false, "queued": [{"kind": "incremental", "mapping": "tasks"}]}'::jsonb,
  'A page''s property update queues an incremental retrieve of its data source''s mapping, not of one nobody has run yet.');
select is(pg_temp.pending(), '{tasks:incremental}', 'The job waits for the worker.');
select is(notion_sync_api.record_webhook_event(:'conn', pg_temp.event('e1', 'page.properties_updated', 'p1', 'ds-tasks')),
  '{"duplicate": true, "queued": []}'::jsonb,
  'The same event delivered again is recognised and queues nothing.');
select is((select count(*)::int from notion_sync.webhook_events), 1, 'It is kept once.');

select is(notion_sync_api.record_webhook_event(:'conn', pg_temp.event('e2', 'page.deleted', 'p1', 'ds-tasks')) -> 'queued',
  '[{"kind": "full_scan", "mapping": "tasks"}]'::jsonb,
  'A page moved to the trash queues a full scan (a query never returns trashed pages).');
select is(notion_sync_api.record_webhook_event(:'conn', pg_temp.event('e3', 'data_source.schema_updated', 'ds-other')) -> 'queued',
  '[{"kind": "full_scan", "mapping": "other"}]'::jsonb,
  'A data source event queues a full scan of that data source''s mapping only.');
select is(notion_sync_api.record_webhook_event(:'conn', pg_temp.event('e4', 'database.deleted', 'db-1')) -> 'queued',
  '[{"kind": "full_scan", "mapping": "other"}, {"kind": "full_scan", "mapping": "tasks"}]'::jsonb,
  'A database event queues a full scan of every unpaused mapping of the connection.');
delete from notion_sync.jobs where kind = 'full_scan';
select is(notion_sync_api.record_webhook_event(:'conn', pg_temp.event('e7', 'page.moved', 'p3', 'ds-elsewhere')) -> 'queued',
  '[{"kind": "full_scan", "mapping": "other"}, {"kind": "full_scan", "mapping": "tasks"}]'::jsonb,
  'A page moved queues a full scan of every mapping of the connection: the event names only its new parent.');
select is(pg_temp.pending(), '{other:full_scan,tasks:full_scan,tasks:incremental}',
  'A mapping never gets two pending jobs of a kind, and a paused one gets none.');
select is(notion_sync_api.record_webhook_event(:'conn', pg_temp.event('e5', 'comment.created', 'c1', 'ds-tasks')),
  '{"duplicate": false, "queued": []}'::jsonb,
  'An event about something the sync does not read (a comment) is kept and queues nothing.');
select throws_ok(format('select notion_sync_api.record_webhook_event(%L, %L)', :'conn', '{"type": "page.created"}'),
  '22023', 'a Notion webhook event needs an id and a type', 'An event without an id is refused.');

select tests.authenticate_as(:'intruder');
select throws_ok(format('select notion_sync_api.record_webhook_event(%L, %L)', :'conn',
                        pg_temp.event('e6', 'page.created', 'p2', 'ds-tasks')),
  'P0002', null, 'Nobody records events for another user''s connection.');

select * from finish();
rollback;
