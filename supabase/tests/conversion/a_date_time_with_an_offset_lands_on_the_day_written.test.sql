-- A Notion date-time written with an offset and no time zone (23:00 at -05:00 on 1 March) lands in a
-- date column on the day written, not on its UTC day; it still compares by its instant, an edit of
-- the day is written back in that offset, and once Notion confirms nothing is pushed again.
begin;
select plan(7);

select is(notion_sync.notion_to_canonical('{"id":"wh","type":"date","date":{"start":"2026-03-01T23:00:00.000-05:00","end":null,"time_zone":null}}'),
  '{"start": "2026-03-02T04:00:00.000Z", "end": null, "time_zone": null, "offset": "-05:00"}'::jsonb,
  'The canonical form keeps the offset beside the UTC instant.');
select ok(notion_sync.values_equal('date', '{"start":"2026-03-01T23:00:00.000-05:00"}', '{"start":"2026-03-02T04:00:00.000Z"}'),
  'The same instant is still equal whatever its offset.');

select tests.create_user('date-offset@example.com') as uid \gset
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
  'Name', tests.title('Late call'),
  'When', '{"id":"wh%3A","type":"date","date":{"start":"2026-03-01T23:00:00.000-05:00","end":null,"time_zone":null}}'::jsonb))),
  '{"create_unmatched": true}');
select is((select day from public.dated_events), '2026-03-01'::date, 'The row takes the day as written in Notion.');
select is((tests.sync_mapping('events', '[]') ->> 'supabase_to_notion')::int, 0, 'That day is no change to push.');

update public.dated_events set day = '2026-03-04';
select tests.sync_mapping('events', '[]');
select is((select properties from notion_sync.outbox where status = 'pending' and op = 'update'),
  '{"wh%3A": {"date": {"start": "2026-03-04T23:00:00.000-05:00", "end": null, "time_zone": null}}}'::jsonb,
  'An edit of the day is written at the same time in the same offset.');
select outbox_id as o1 from notion_sync.outbox where status = 'pending' and op = 'update' \gset
select notion_sync_api.claim_outbox('events');
select notion_sync_api.check_push(:o1, tests.notion_page('e1', jsonb_build_object('Name', tests.title('Late call'),
  'When', '{"id":"wh%3A","type":"date","date":{"start":"2026-03-01T23:00:00.000-05:00","end":null,"time_zone":null}}'::jsonb)));
select notion_sync_api.confirm_push(:o1, tests.notion_page('e1', jsonb_build_object('Name', tests.title('Late call'),
  'When', '{"id":"wh%3A","type":"date","date":{"start":"2026-03-04T23:00:00.000-05:00","end":null,"time_zone":null}}'::jsonb),
  '2026-11-26 10:05Z'));
select is((select day from public.dated_events), '2026-03-04'::date, 'Once Notion confirms, the row keeps the day chosen.');
select is((tests.sync_mapping('events', jsonb_build_array(tests.notion_page('e1', jsonb_build_object('Name', tests.title('Late call'),
  'When', '{"id":"wh%3A","type":"date","date":{"start":"2026-03-04T23:00:00.000-05:00","end":null,"time_zone":null}}'::jsonb),
  '2026-11-26 10:05Z'))) ->> 'supabase_to_notion')::int, 0, 'And the next run pushes nothing.');

select * from finish();
rollback;
