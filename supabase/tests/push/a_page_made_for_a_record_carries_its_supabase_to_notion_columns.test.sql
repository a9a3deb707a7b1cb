-- The page made for a new record carries its columns mapped supabase_to_notion (here a column the
-- database generates, and a plain one), not only those mapped both ways: they were left out of the
-- create, and reached Notion only as an edit of a later run.
begin;
select plan(2);

select tests.create_user('one-way-create@example.com') as uid \gset
select tests.owner_only_table('oneway', 'row_id uuid primary key default gen_random_uuid(), title text,
  shout text generated always as (upper(title)) stored, note text');
insert into notion_sync.connections (owner_id, name, token_ciphertext) values (:'uid', 'oneway', 'v1.test.ciphertext');
select tests.authenticate_as(:'uid');
select notion_sync_api.stage_schema('{"object":"data_source","id":"ds-oneway","title":[{"plain_text":"One way"}],
  "properties":{"Name":{"id":"title","name":"Name","type":"title","title":{}},
    "Shout":{"id":"sh","name":"Shout","type":"rich_text","rich_text":{}},
    "Note":{"id":"nt","name":"Note","type":"rich_text","rich_text":{}}}}');
select notion_sync_api.save_mapping(jsonb_build_object('name', 'oneway',
  'connection_id', (select connection_id from notion_sync.connections), 'data_source_id', 'ds-oneway',
  'target_table', 'oneway', 'key_column', 'row_id', 'owner_column', 'owner_id',
  'field_map', '[{"property_id":"title","name":"Name","type":"title","column":"title"},
                 {"property_id":"sh","name":"Shout","type":"rich_text","column":"shout","direction":"supabase_to_notion"},
                 {"property_id":"nt","name":"Note","type":"rich_text","column":"note","direction":"supabase_to_notion"}]'::jsonb));

insert into public.oneway (title, note) values ('hello', 'from the app');
select tests.sync_mapping('oneway', '[]', '{"create_unmatched": true}', 'full', true);
select is((select properties -> 'sh' -> 'rich_text' -> 0 -> 'text' ->> 'content' from notion_sync.outbox where op = 'create'),
  'HELLO', 'The generated column''s value is in the create.');
select is((select properties -> 'nt' -> 'rich_text' -> 0 -> 'text' ->> 'content' from notion_sync.outbox where op = 'create'),
  'from the app', 'So is the plain column''s.');

select * from finish();
rollback;
