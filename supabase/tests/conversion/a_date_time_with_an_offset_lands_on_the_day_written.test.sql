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

select tests.date_mapping('date-offset@example.com', 'date') as uid \gset
\set before '''{"start":"2026-03-01T23:00:00.000-05:00","end":null,"time_zone":null}'''::jsonb
\set after '''{"start":"2026-03-04T23:00:00.000-05:00","end":null,"time_zone":null}'''::jsonb
select tests.sync_mapping('dated', jsonb_build_array(tests.dated_page('e1', 'Late call', :before)), '{"create_unmatched": true}');
select is((select day from public.dated_rows), '2026-03-01'::date, 'The row takes the day as written in Notion.');
select is((tests.sync_mapping('dated', '[]') ->> 'supabase_to_notion')::int, 0, 'That day is no change to push.');

update public.dated_rows set day = '2026-03-04';
select tests.sync_mapping('dated', '[]');
select is((select properties from notion_sync.outbox where status = 'pending' and op = 'update'),
  jsonb_build_object('wh%3A', jsonb_build_object('date', :after)),
  'An edit of the day is written at the same time in the same offset.');
select outbox_id as o1 from notion_sync.outbox where status = 'pending' and op = 'update' \gset
select notion_sync_api.claim_outbox('dated');
select notion_sync_api.check_push(:o1, tests.dated_page('e1', 'Late call', :before));
select notion_sync_api.confirm_push(:o1, tests.dated_page('e1', 'Late call', :after, '2026-11-26 10:05Z'));
select is((select day from public.dated_rows), '2026-03-04'::date, 'Once Notion confirms, the row keeps the day chosen.');
select is((tests.sync_mapping('dated', jsonb_build_array(tests.dated_page('e1', 'Late call', :after, '2026-11-26 10:05Z')))
  ->> 'supabase_to_notion')::int, 0, 'And the next run pushes nothing.');

select * from finish();
rollback;
