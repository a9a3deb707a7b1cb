-- A text column can hold a time, so a person who replaces Notion's date-time by the same day alone
-- ("2026-03-01") means an all-day date: Notion is sent that day, and the row keeps the person's text
-- instead of taking Notion's date-time back after the push.
begin;
select plan(4);

select tests.create_user('date-text@example.com') as uid \gset
select tests.owner_only_table('dated_notes', 'note_id uuid primary key default gen_random_uuid(), title text, due text');
insert into notion_sync.connections (owner_id, name, token_ciphertext) values (:'uid', 'nt', 'v1.test.ciphertext');
select tests.authenticate_as(:'uid');
select notion_sync_api.stage_schema('{"object":"data_source","id":"ds-notes","title":[{"plain_text":"Notes"}],
  "properties":{"Name":{"id":"title","name":"Name","type":"title","title":{}},
    "Due":{"id":"du%3A","name":"Due","type":"date","date":{}}}}');
select notion_sync_api.save_mapping(jsonb_build_object('name', 'notes',
  'connection_id', (select c.connection_id from notion_sync.connections c where c.name = 'nt'),
  'data_source_id', 'ds-notes', 'target_table', 'dated_notes', 'key_column', 'note_id',
  'owner_column', 'owner_id', 'create_unmatched', true,
  'field_map', '[{"property_id":"title","name":"Name","type":"title","column":"title"},
                 {"property_id":"du%3A","name":"Due","type":"date","column":"due"}]'::jsonb));
select tests.sync_mapping('notes', jsonb_build_array(tests.notion_page('n1', jsonb_build_object(
  'Name', tests.title('Report'),
  'Due', '{"id":"du%3A","type":"date","date":{"start":"2026-03-01T09:00:00.000","end":null,"time_zone":"Europe/Paris"}}'::jsonb))),
  '{"create_unmatched": true}');

update public.dated_notes set due = '2026-03-01';
select tests.sync_mapping('notes', '[]');
select is((select properties from notion_sync.outbox where status = 'pending' and op = 'update'),
  '{"du%3A": {"date": {"start": "2026-03-01", "end": null, "time_zone": null}}}'::jsonb,
  'Notion is sent the day alone, as the person wrote it.');

-- Notion stores what it is sent
select outbox_id as o1, properties -> 'du%3A' -> 'date' as sent
from notion_sync.outbox where status = 'pending' and op = 'update' \gset
select notion_sync_api.claim_outbox('notes');
select notion_sync_api.check_push(:o1, tests.notion_page('n1', jsonb_build_object('Name', tests.title('Report'),
  'Due', '{"id":"du%3A","type":"date","date":{"start":"2026-03-01T09:00:00.000","end":null,"time_zone":"Europe/Paris"}}'::jsonb)));
select notion_sync_api.confirm_push(:o1, tests.notion_page('n1', jsonb_build_object('Name', tests.title('Report'),
  'Due', jsonb_build_object('id', 'du%3A', 'type', 'date', 'date', :'sent'::jsonb)), '2026-11-26 10:05Z'));
select is((select due from public.dated_notes), '2026-03-01', 'The row keeps the person''s text.');
select is((tests.sync_mapping('notes', jsonb_build_array(tests.notion_page('n1', jsonb_build_object('Name', tests.title('Report'),
  'Due', jsonb_build_object('id', 'du%3A', 'type', 'date', 'date', :'sent'::jsonb)), '2026-11-26 10:05Z'))) ->> 'supabase_to_notion')::int, 0,
  'The next run pushes nothing.');
select is((select count(*)::int from notion_sync.conflicts where status = 'open'), 0, 'Nobody is asked anything.');

select * from finish();
rollback;
