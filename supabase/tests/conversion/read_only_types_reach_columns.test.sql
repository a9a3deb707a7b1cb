-- Formula, rollup, created/edited time and by, and unique_id flow from Notion into matching columns.
begin;
select plan(14);

create function pg_temp.to_column(p_property jsonb, p_column_type regtype)
returns jsonb language sql as $$
  select notion_sync.canonical_to_column(p_property ->> 'type', notion_sync.notion_to_canonical(p_property), p_column_type)
$$;

select is(pg_temp.to_column('{"id":"f","type":"formula","formula":{"type":"string","string":"Overdue"}}', 'text'),
  '"Overdue"'::jsonb, 'A string formula fills a text column.');
select is(pg_temp.to_column('{"id":"f","type":"formula","formula":{"type":"number","number":12.75}}', 'numeric'),
  '12.75'::jsonb, 'A number formula fills a numeric column.');
select is(pg_temp.to_column('{"id":"f","type":"formula","formula":{"type":"boolean","boolean":true}}', 'boolean'),
  'true'::jsonb, 'A boolean formula fills a boolean column.');
select is(pg_temp.to_column('{"id":"f","type":"formula","formula":{"type":"date","date":{"start":"2026-12-01T08:00:00.000-05:00","end":null,"time_zone":null}}}', 'timestamptz'),
  '"2026-12-01T13:00:00.000Z"'::jsonb, 'A date formula fills a timestamptz column with the UTC instant.');
select is(pg_temp.to_column('{"id":"r","type":"rollup","rollup":{"type":"number","number":7,"function":"count"}}', 'integer'),
  '7'::jsonb, 'A number rollup fills an integer column.');
select is(pg_temp.to_column('{"id":"r","type":"rollup","rollup":{"type":"date","date":{"start":"2026-12-01","end":null,"time_zone":null},"function":"latest_date"}}', 'date'),
  '"2026-12-01"'::jsonb, 'A date rollup fills a date column.');
select is(pg_temp.to_column('{"id":"r","type":"rollup","rollup":{"type":"array","function":"show_original","array":[{"type":"title","title":[{"type":"text","text":{"content":"Alpha","link":null},"plain_text":"Alpha","href":null}]},{"type":"title","title":[{"type":"text","text":{"content":"Beta","link":null},"plain_text":"Beta","href":null}]}]}}', 'text[]'),
  '["Alpha", "Beta"]'::jsonb, 'An array rollup of titles fills a text[] column with their plain texts.');
select is(pg_temp.to_column('{"id":"ct","type":"created_time","created_time":"2026-11-01T09:00:00.000Z"}', 'timestamptz'),
  '"2026-11-01T09:00:00.000Z"'::jsonb, 'Created time fills a timestamptz column.');
select is(pg_temp.to_column('{"id":"lt","type":"last_edited_time","last_edited_time":"2026-11-26T10:05:00.000Z"}', 'date'),
  '"2026-11-26"'::jsonb, 'Last edited time fills a date column with its UTC day.');
select is(pg_temp.to_column('{"id":"cb","type":"created_by","created_by":{"object":"user","id":"7775f3a3-edcd-8181-8d59-e30a27148c69"}}', 'uuid'),
  '"7775f3a3-edcd-8181-8d59-e30a27148c69"'::jsonb, 'Created by fills a uuid column with the user id.');
select is(pg_temp.to_column('{"id":"lb","type":"last_edited_by","last_edited_by":{"object":"user","id":"7775F3A3EDCD81818D59E30A27148C69"}}', 'text'),
  '"7775f3a3-edcd-8181-8d59-e30a27148c69"'::jsonb, 'Last edited by fills a text column with the dashed lowercase user id.');
select is(pg_temp.to_column('{"id":"u","type":"unique_id","unique_id":{"prefix":"TASK","number":12}}', 'text'),
  '"TASK-12"'::jsonb, 'A unique id fills a text column as the text a person sees.');
select is(pg_temp.to_column('{"id":"u","type":"unique_id","unique_id":{"prefix":"TASK","number":12}}', 'bigint'),
  '12'::jsonb, 'A unique id fills an integer column with its number.');
select is(pg_temp.to_column('{"id":"u","type":"unique_id","unique_id":{"prefix":null,"number":7}}', 'text'),
  '"7"'::jsonb, 'A unique id without a prefix is its number alone.');

select * from finish();
rollback;
