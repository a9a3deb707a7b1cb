-- One Notion date mapped to two columns, a date and a text: each is pushed as its own column holds
-- dates. A day moved in the date column keeps Notion's time of day and offset (the column holds no
-- time); a text set to a day alone is an all-day date (a text can hold a time, so the person left it
-- out). Neither takes the other column's rule (the mapping lists the text column first: the date
-- column took its rule, and lost the time, when the class came from the first column listed).
begin;
select plan(2);

select tests.date_in_two_columns('date-two-columns@example.com');

update public.dated_rows set day = '2026-03-04' where title = 'Call';
update public.dated_rows set at_text = '2026-03-05' where title = 'Visit';
select tests.sync_mapping('dated', '[]');
select is((select properties from notion_sync.outbox where status = 'pending' and op = 'update' and page_id = 'n1'),
  '{"wh%3A": {"date": {"start": "2026-03-04T23:00:00.000-05:00", "end": null, "time_zone": null}}}'::jsonb,
  'A day moved in the date column keeps Notion''s time of day in its offset.');
select is((select properties from notion_sync.outbox where status = 'pending' and op = 'update' and page_id = 'n2'),
  '{"wh%3A": {"date": {"start": "2026-03-05", "end": null, "time_zone": null}}}'::jsonb,
  'A text set to a day alone is sent as an all-day date.');

select * from finish();
rollback;
