-- Null and '' clear a property the way Notion expects, and compare equal to Notion's empty values.
begin;
select plan(11);

select is(notion_sync.column_to_notion('url', '""'), '{"url": null}'::jsonb, 'An empty URL is sent as null, never "".');
select is(notion_sync.column_to_notion('email', null), '{"email": null}'::jsonb, 'A null email clears the property.');
select is(notion_sync.column_to_notion('select', '""'), '{"select": null}'::jsonb, 'An empty select is sent as null.');
select is(notion_sync.column_to_notion('title', '""', '[{"type":"text","text":{"content":"Old"},"annotations":{"bold":true}}]'),
  '{"title": []}'::jsonb, 'An emptied title is sent as an empty array.');
select is(notion_sync.column_to_notion('multi_select', null), '{"multi_select": []}'::jsonb,
  'A null multi-select is sent as an empty array.');
select is(notion_sync.column_to_notion('date', null), '{"date": null}'::jsonb, 'A null date clears the property.');
select is(notion_sync.column_to_notion('checkbox', null), '{"checkbox": false}'::jsonb, 'A null checkbox is unchecked.');
select is(notion_sync.column_to_notion('number', null), '{"number": null}'::jsonb, 'A null number clears the property.');
select ok(notion_sync.values_equal('url', null, '""') and notion_sync.values_equal('phone_number', 'null', null),
  'No URL and an empty URL are equal.');
select ok(notion_sync.values_equal('multi_select', null, '[]') and notion_sync.values_equal('relation', '[]', null)
          and notion_sync.values_equal('people', null, '[]') and notion_sync.values_equal('files', null, '[]'),
  'No list and an empty list are equal.');
select is(notion_sync.canonical_to_column('title', notion_sync.notion_to_canonical('{"id":"title","type":"title","title":[]}'), 'text'),
  null, 'An empty title fills a text column with null.');

select * from finish();
rollback;
