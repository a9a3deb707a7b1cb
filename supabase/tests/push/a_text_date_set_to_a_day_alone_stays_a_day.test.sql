-- A text column can hold a time, so a person who replaces Notion's date-time by the same day alone
-- ("2026-03-01") means an all-day date: Notion is sent that day, and the row keeps the person's text
-- instead of taking Notion's date-time back after the push.
begin;
select plan(4);

select tests.date_mapping('date-text@example.com', 'text') as uid \gset
\set before '''{"start":"2026-03-01T09:00:00.000","end":null,"time_zone":"Europe/Paris"}'''::jsonb
select tests.sync_mapping('dated', jsonb_build_array(tests.dated_page('n1', 'Report', :before)), '{"create_unmatched": true}');

update public.dated_rows set day = '2026-03-01';
select tests.sync_mapping('dated', '[]');
select is((select properties from notion_sync.outbox where status = 'pending' and op = 'update'),
  '{"wh%3A": {"date": {"start": "2026-03-01", "end": null, "time_zone": null}}}'::jsonb,
  'Notion is sent the day alone, as the person wrote it.');

-- Notion stores what it is sent
select outbox_id as o1, properties -> 'wh%3A' -> 'date' as sent
from notion_sync.outbox where status = 'pending' and op = 'update' \gset
select notion_sync_api.claim_outbox('dated');
select notion_sync_api.check_push(:o1, tests.dated_page('n1', 'Report', :before));
select notion_sync_api.confirm_push(:o1, tests.dated_page('n1', 'Report', :'sent'::jsonb, '2026-11-26 10:05Z'));
select is((select day from public.dated_rows), '2026-03-01', 'The row keeps the person''s text.');
select is((tests.sync_mapping('dated', jsonb_build_array(tests.dated_page('n1', 'Report', :'sent'::jsonb, '2026-11-26 10:05Z')))
  ->> 'supabase_to_notion')::int, 0, 'The next run pushes nothing.');
select is((select count(*)::int from notion_sync.conflicts where status = 'open'), 0, 'Nobody is asked anything.');

select * from finish();
rollback;
