-- A person moves an event to another day in a date column: Notion's date keeps its time of day, its
-- time zone and its range (with its length when the end would come before the new start); once
-- Notion confirms, the row keeps the person's day and the next run pushes nothing.
begin;
select plan(5);

select tests.date_mapping('date-move@example.com', 'date') as uid \gset
\set before '''{"start":"2026-03-01T09:00:00.000","end":"2026-03-03T18:00:00.000","time_zone":"Europe/Paris"}'''::jsonb
\set after '''{"start":"2026-03-05T09:00:00.000","end":"2026-03-07T18:00:00.000","time_zone":"Europe/Paris"}'''::jsonb
select tests.sync_mapping('dated', jsonb_build_array(tests.dated_page('e1', 'Offsite', :before)), '{"create_unmatched": true}');

update public.dated_rows set day = '2026-03-05';
select tests.sync_mapping('dated', '[]');
select is((select properties from notion_sync.outbox where status = 'pending' and op = 'update'),
  jsonb_build_object('wh%3A', jsonb_build_object('date', :after)),
  'Notion is sent the new day at the same time, in the same time zone, the range keeping its length.');

select outbox_id as o1 from notion_sync.outbox where status = 'pending' and op = 'update' \gset
select notion_sync_api.claim_outbox('dated');
select is(notion_sync_api.check_push(:o1, tests.dated_page('e1', 'Offsite', :before)) ->> 'decision',
  'write', 'Notion still holds the previous date: the write goes ahead.');
select notion_sync_api.confirm_push(:o1, tests.dated_page('e1', 'Offsite', :after, '2026-11-26 10:05Z'));
select is((select day from public.dated_rows), '2026-03-05'::date, 'The row keeps the day the person chose.');
select is((tests.sync_mapping('dated', jsonb_build_array(tests.dated_page('e1', 'Offsite', :after, '2026-11-26 10:05Z')))
  ->> 'supabase_to_notion')::int, 0, 'The next run pushes nothing.');
select is((select count(*)::int from notion_sync.conflicts where status = 'open'), 0, 'Nobody is asked anything.');

select * from finish();
rollback;
