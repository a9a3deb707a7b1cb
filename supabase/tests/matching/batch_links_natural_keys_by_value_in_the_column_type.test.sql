-- Tier 0, natural key: a page's natural-key value is compared with a record's as the column would
-- hold it, not as text: a unique ID "TASK-12" matches 12 in an integer column, a date-time matches
-- the same instant in a timestamptz column (whatever its offset), a date matches midnight UTC in a
-- timestamptz column as the sync would write it. Different values still do not match.
begin;
select plan(6);

set local timezone = 'America/New_York';
select tests.create_user('key-forms@example.com') as uid \gset
select tests.owner_only_table('hm_tickets', 'ticket_id text primary key, name text, ticket_no integer');
select tests.owner_only_table('hm_events', 'event_id text primary key, name text, starts_at timestamptz');
insert into notion_sync.connections (owner_id, name, token_ciphertext) values (:'uid', 'crm', 'v1.test')
returning connection_id as conn \gset
insert into notion_sync.mappings (owner_id, connection_id, name, data_source_id, target_schema, target_table,
                                  key_column, owner_column, field_map, natural_key)
values (:'uid', :'conn', 'tickets', 'ds-tickets', 'public', 'hm_tickets', 'ticket_id', 'owner_id',
  '[{"property_id": "title", "name": "Name", "type": "title", "column": "name"},
    {"property_id": "id%3A", "name": "ID", "type": "unique_id", "column": "ticket_no"}]',
  '{"property_id": "id%3A", "column": "ticket_no"}'),
  (:'uid', :'conn', 'events', 'ds-events', 'public', 'hm_events', 'event_id', 'owner_id',
  '[{"property_id": "title", "name": "Name", "type": "title", "column": "name"},
    {"property_id": "wh%3A", "name": "When", "type": "date", "column": "starts_at"}]',
  '{"property_id": "wh%3A", "column": "starts_at"}');
insert into public.hm_tickets (ticket_id, owner_id, name, ticket_no) values
  ('t12', :'uid', 'Printer jam', 12), ('t14', :'uid', 'Login fails', 14);
insert into public.hm_events (event_id, owner_id, name, starts_at) values
  ('e1', :'uid', 'Kick-off', '2026-11-26 08:00:00+00'),
  ('e2', :'uid', 'Holiday', '2026-11-27 00:00:00+00'),
  ('e3', :'uid', 'Review', '2026-11-28 09:00:00+00');

select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tickets') ->> 'run_id') as tickets_run \gset
select notion_sync_api.stage_pages(:'tickets_run', jsonb_build_array(
  tests.notion_page('pt12', jsonb_build_object('Name', tests.title('The printer jams'),
    'ID', '{"id": "id%3A", "type": "unique_id", "unique_id": {"prefix": "TASK", "number": 12}}'::jsonb)),
  tests.notion_page('pt13', jsonb_build_object('Name', tests.title('Login fails'),
    'ID', '{"id": "id%3A", "type": "unique_id", "unique_id": {"prefix": "TASK", "number": 13}}'::jsonb))));
select (notion_sync_api.start_run('events') ->> 'run_id') as events_run \gset
select notion_sync_api.stage_pages(:'events_run', jsonb_build_array(
  tests.notion_page('pe1', jsonb_build_object('Name', tests.title('Kick-off meeting'),
    'When', '{"id": "wh%3A", "type": "date", "date": {"start": "2026-11-26T10:00:00.000+02:00", "end": null, "time_zone": null}}'::jsonb)),
  tests.notion_page('pe2', jsonb_build_object('Name', tests.title('Day off'),
    'When', '{"id": "wh%3A", "type": "date", "date": {"start": "2026-11-27", "end": null, "time_zone": null}}'::jsonb)),
  tests.notion_page('pe3', jsonb_build_object('Name', tests.title('Review'),
    'When', '{"id": "wh%3A", "type": "date", "date": {"start": "2026-11-28T09:30:00.000Z", "end": null, "time_zone": null}}'::jsonb))));

select is((notion_sync_api.match_batch(:'tickets_run') ->> 'by_natural_key')::int, 1,
  'One ticket page is linked by its unique ID.');
select is((select record_key from notion_sync.links where page_id = 'pt12'), 't12',
  'The unique ID TASK-12 matches the record whose integer column holds 12.');
select is((notion_sync_api.match_batch(:'events_run') ->> 'by_natural_key')::int, 2,
  'Two event pages are linked by their date.');
select is((select record_key from notion_sync.links where page_id = 'pe1'), 'e1',
  'A date-time with an offset matches the same instant in a timestamptz column.');
select is((select record_key from notion_sync.links where page_id = 'pe2'), 'e2',
  'A date without a time matches midnight UTC in a timestamptz column, as the sync writes it.');
select is_empty($$ select 1 from notion_sync.links where page_id in ('pt13', 'pe3') $$,
  'Different values do not match: TASK-13 is not 14, and 09:30 is not 09:00.');

select * from finish();
rollback;
