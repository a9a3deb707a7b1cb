-- People ids written without dashes or in capitals, and multi_select lists holding an empty name,
-- are what Notion stores once sent (dashed lowercase ids, no empty option): such a row is no change,
-- so no run pushes it again and again.
begin;
select plan(5);

select ok(notion_sync.column_values_match('people', '["0123456789ABCDEF0123456789ABCDEF"]',
                                          '["01234567-89ab-cdef-0123-456789abcdef"]'),
  'An undashed id in capitals is the id Notion stores.');
select ok(notion_sync.column_values_match('multi_select', '["Urgent", "", null]', '["Urgent"]'),
  'A list with an empty option name is the list Notion stores.');
select ok(not notion_sync.column_values_match('multi_select', '["Urgent", "Later"]', '["Later", "Urgent"]'),
  'An order changed by a person is still a change.');

select tests.create_user('lists@example.com') as uid \gset
select tests.owner_only_table('listed_items', 'item_id uuid primary key default gen_random_uuid(), title text, tags text[], people text[]');
insert into notion_sync.connections (owner_id, name, token_ciphertext) values (:'uid', 'li', 'v1.test.ciphertext');
select tests.authenticate_as(:'uid');
select notion_sync_api.stage_schema('{"object":"data_source","id":"ds-items","title":[{"plain_text":"Items"}],
  "properties":{"Name":{"id":"title","name":"Name","type":"title","title":{}},
    "Tags":{"id":"tg%3A","name":"Tags","type":"multi_select","multi_select":{"options":[{"name":"Urgent"}]}},
    "Owners":{"id":"ow%3A","name":"Owners","type":"people","people":{}}}}');
select notion_sync_api.save_mapping(jsonb_build_object('name', 'items',
  'connection_id', (select c.connection_id from notion_sync.connections c where c.name = 'li'),
  'data_source_id', 'ds-items', 'target_table', 'listed_items', 'key_column', 'item_id',
  'owner_column', 'owner_id', 'create_unmatched', true,
  'field_map', '[{"property_id":"title","name":"Name","type":"title","column":"title"},
                 {"property_id":"tg%3A","name":"Tags","type":"multi_select","column":"tags"},
                 {"property_id":"ow%3A","name":"Owners","type":"people","column":"people"}]'::jsonb));
select tests.sync_mapping('items', jsonb_build_array(tests.notion_page('i1', jsonb_build_object(
  'Name', tests.title('Roof'),
  'Tags', '{"id":"tg%3A","type":"multi_select","multi_select":[{"name":"Urgent"}]}'::jsonb,
  'Owners', '{"id":"ow%3A","type":"people","people":[{"object":"user","id":"01234567-89ab-cdef-0123-456789abcdef"}]}'::jsonb))),
  '{"create_unmatched": true}');

-- an app writes the same values in its own form
update public.listed_items set tags = array['Urgent', ''], people = array['0123456789ABCDEF0123456789ABCDEF'];
select is((tests.sync_mapping('items', '[]') ->> 'supabase_to_notion')::int, 0, 'The run finds nothing to push.');
select is((select count(*)::int from notion_sync.outbox where status = 'pending'), 0, 'Nothing waits in the outbox.');

select * from finish();
rollback;
