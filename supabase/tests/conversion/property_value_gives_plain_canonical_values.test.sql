-- The skeleton's property_value now gives the plain form of the canonical value to its callers.
begin;
select plan(5);

select is(notion_sync.property_value('{"id":"title","type":"title","title":[
            {"type":"text","text":{"content":"Ship ","link":null},"annotations":{"bold":true},"plain_text":"Ship ","href":null},
            {"type":"text","text":{"content":"it","link":null},"plain_text":"it","href":null}]}'),
  '"Ship it"'::jsonb, 'Rich text is its plain text.');
select is(notion_sync.property_value('{"id":"title","type":"title","title":[]}'), null, 'An empty title has no value.');
select is(notion_sync.property_value('{"id":"d","type":"date","date":{"start":"2026-12-24T18:30:00.000+01:00","end":null,"time_zone":null}}'),
  '"2026-12-24T17:30:00.000Z"'::jsonb, 'A date is its start, as a UTC instant.');
select is(notion_sync.property_value('{"id":"ms","type":"multi_select","multi_select":[{"id":"a","name":"x","color":"red"},{"id":"b","name":"y","color":"red"}]}'),
  '["x", "y"]'::jsonb, 'A multi-select is its option names.');
select is(notion_sync.property_value(null), null, 'A property the page does not have has no value.');

select * from finish();
rollback;
