-- One Notion date mapped to two columns, a date and a text: each is pushed as its own column holds
-- dates. A day moved in the date column keeps Notion's time of day and offset (the column holds no
-- time); a text set to a day alone is an all-day date (a text can hold a time, so the person left it
-- out). Neither takes the other column's rule (the mapping lists the text column first: the date
-- column took its rule, and lost the time, when the class came from the first column listed).
begin;
select plan(2);

select tests.create_user('date-two-columns@example.com') as uid \gset
select tests.owner_only_table('dated2', 'row_id uuid primary key default gen_random_uuid(), title text, day date, at_text text');
insert into notion_sync.connections (owner_id, name, token_ciphertext) values (:'uid', 'dated2', 'v1.test.ciphertext');
select tests.authenticate_as(:'uid');
select notion_sync_api.stage_schema('{"object":"data_source","id":"ds-dated","title":[{"plain_text":"Dated"}],
  "properties":{"Name":{"id":"title","name":"Name","type":"title","title":{}},
    "When":{"id":"wh%3A","name":"When","type":"date","date":{}}}}');
select notion_sync_api.save_mapping(jsonb_build_object('name', 'dated',
  'connection_id', (select connection_id from notion_sync.connections where owner_id = :'uid'),
  'data_source_id', 'ds-dated', 'target_table', 'dated2', 'key_column', 'row_id',
  'owner_column', 'owner_id', 'create_unmatched', true,
  'field_map', '[{"property_id":"title","name":"Name","type":"title","column":"title"},
                 {"property_id":"wh%3A","name":"When","type":"date","column":"at_text"},
                 {"property_id":"wh%3A","name":"When","type":"date","column":"day"}]'::jsonb));
\set before '''{"start":"2026-03-01T23:00:00.000-05:00","end":null,"time_zone":null}'''::jsonb
select tests.sync_mapping('dated', jsonb_build_array(tests.dated_page('n1', 'Call', :before),
  tests.dated_page('n2', 'Visit', :before)), '{"create_unmatched": true}');

update public.dated2 set day = '2026-03-04' where title = 'Call';
update public.dated2 set at_text = '2026-03-05' where title = 'Visit';
select tests.sync_mapping('dated', '[]');
select is((select properties from notion_sync.outbox where status = 'pending' and op = 'update' and page_id = 'n1'),
  '{"wh%3A": {"date": {"start": "2026-03-04T23:00:00.000-05:00", "end": null, "time_zone": null}}}'::jsonb,
  'A day moved in the date column keeps Notion''s time of day in its offset.');
select is((select properties from notion_sync.outbox where status = 'pending' and op = 'update' and page_id = 'n2'),
  '{"wh%3A": {"date": {"start": "2026-03-05", "end": null, "time_zone": null}}}'::jsonb,
  'A text set to a day alone is sent as an all-day date.');

select * from finish();
rollback;
