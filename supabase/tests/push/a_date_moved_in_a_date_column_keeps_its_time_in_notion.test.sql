-- A person moves an event to another day in a date column: Notion's date keeps its time of day, its
-- time zone and its range (with its length when the end would come before the new start); once
-- Notion confirms, the row keeps the person's day and the next run pushes nothing.
begin;
select plan(5);

select tests.create_user('date-move@example.com') as uid \gset
select tests.owner_only_table('dated_events', 'event_id uuid primary key default gen_random_uuid(), title text, day date');
insert into notion_sync.connections (owner_id, name, token_ciphertext) values (:'uid', 'ev', 'v1.test.ciphertext');
select tests.authenticate_as(:'uid');
select notion_sync_api.stage_schema('{"object":"data_source","id":"ds-events","title":[{"plain_text":"Events"}],
  "properties":{"Name":{"id":"title","name":"Name","type":"title","title":{}},
    "When":{"id":"wh%3A","name":"When","type":"date","date":{}}}}');
select notion_sync_api.save_mapping(jsonb_build_object('name', 'events',
  'connection_id', (select c.connection_id from notion_sync.connections c where c.name = 'ev'),
  'data_source_id', 'ds-events', 'target_table', 'dated_events', 'key_column', 'event_id',
  'owner_column', 'owner_id', 'create_unmatched', true,
  'field_map', '[{"property_id":"title","name":"Name","type":"title","column":"title"},
                 {"property_id":"wh%3A","name":"When","type":"date","column":"day"}]'::jsonb));
select tests.sync_mapping('events', jsonb_build_array(tests.notion_page('e1', jsonb_build_object(
  'Name', tests.title('Offsite'),
  'When', '{"id":"wh%3A","type":"date","date":{"start":"2026-03-01T09:00:00.000","end":"2026-03-03T18:00:00.000","time_zone":"Europe/Paris"}}'::jsonb))),
  '{"create_unmatched": true}');

update public.dated_events set day = '2026-03-05';
select tests.sync_mapping('events', '[]');
select is((select properties from notion_sync.outbox where status = 'pending' and op = 'update'),
  '{"wh%3A": {"date": {"start": "2026-03-05T09:00:00.000", "end": "2026-03-07T18:00:00.000", "time_zone": "Europe/Paris"}}}'::jsonb,
  'Notion is sent the new day at the same time, in the same time zone, the range keeping its length.');

select outbox_id as o1 from notion_sync.outbox where status = 'pending' and op = 'update' \gset
select notion_sync_api.claim_outbox('events');
select is(notion_sync_api.check_push(:o1, tests.notion_page('e1', jsonb_build_object('Name', tests.title('Offsite'),
  'When', '{"id":"wh%3A","type":"date","date":{"start":"2026-03-01T09:00:00.000","end":"2026-03-03T18:00:00.000","time_zone":"Europe/Paris"}}'::jsonb))) ->> 'decision',
  'write', 'Notion still holds the previous date: the write goes ahead.');
select notion_sync_api.confirm_push(:o1, tests.notion_page('e1', jsonb_build_object('Name', tests.title('Offsite'),
  'When', '{"id":"wh%3A","type":"date","date":{"start":"2026-03-05T09:00:00.000","end":"2026-03-07T18:00:00.000","time_zone":"Europe/Paris"}}'::jsonb),
  '2026-11-26 10:05Z'));
select is((select day from public.dated_events), '2026-03-05'::date, 'The row keeps the day the person chose.');
select is((tests.sync_mapping('events', jsonb_build_array(tests.notion_page('e1', jsonb_build_object('Name', tests.title('Offsite'),
  'When', '{"id":"wh%3A","type":"date","date":{"start":"2026-03-05T09:00:00.000","end":"2026-03-07T18:00:00.000","time_zone":"Europe/Paris"}}'::jsonb),
  '2026-11-26 10:05Z'))) ->> 'supabase_to_notion')::int, 0, 'The next run pushes nothing.');
select is((select count(*)::int from notion_sync.conflicts where status = 'open'), 0, 'Nobody is asked anything.');

select * from finish();
rollback;
