-- A date is read only from a calendar date: Postgres's special words ('today', 'now', 'infinity'…)
-- and eras are refused as not a date (a text column holding "today" used to be read as a new date
-- each day, and pushed again each day); ordinary dates and date-times are read as before.
begin;
select plan(4);

select throws_ok($$ select notion_sync.notion_instant('today') $$, '22007', 'invalid_value: "today" is not a calendar date',
  'A special word is not a date.');
select throws_ok($$ select notion_sync.notion_instant('0044-03-15 12:00:00 BC') $$, '22007', null,
  'An era is refused, not read as another year.');
select throws_ok($$ select notion_sync.column_to_notion('date', '"tomorrow"') $$, '22007', null,
  'A text column''s "tomorrow" is never written to Notion as a date.');
select is(notion_sync.notion_instant('2026-03-05 10:00:00+05:30'), '2026-03-05T04:30:00.000Z',
  'Ordinary date-times are read as before.');

select * from finish();
rollback;
