-- A date column holds only the start day of a Notion date. Moving it to another day keeps the
-- date's time of day in its own zone (or offset) and its range end; an end the new start would pass
-- moves with it, so the range keeps its length. The same day leaves Notion's date as it is.
begin;
select plan(8);

-- Notion: 1 March 09:00 → 3 March 18:00, Paris time
select notion_sync.notion_to_canonical('{"id":"wh","type":"date","date":{"start":"2026-03-01T09:00:00.000",
  "end":"2026-03-03T18:00:00.000","time_zone":"Europe/Paris"}}') as paris \gset

select is(notion_sync.column_to_notion('date', to_jsonb('2026-03-02'::date), :'paris'),
  '{"date": {"start": "2026-03-02T09:00:00.000", "end": "2026-03-03T18:00:00.000", "time_zone": "Europe/Paris"}}'::jsonb,
  'A start moved inside the range keeps its time, its time zone and the range''s end.');
select is(notion_sync.column_to_notion('date', to_jsonb('2026-03-05'::date), :'paris'),
  '{"date": {"start": "2026-03-05T09:00:00.000", "end": "2026-03-07T18:00:00.000", "time_zone": "Europe/Paris"}}'::jsonb,
  'A start moved past the end takes the end along: the range keeps its length.');
select is(notion_sync.column_to_notion('date', to_jsonb('2026-03-30'::date), :'paris'),
  '{"date": {"start": "2026-03-30T09:00:00.000", "end": "2026-04-01T18:00:00.000", "time_zone": "Europe/Paris"}}'::jsonb,
  'The time of day is kept as the zone''s clock shows it, across a change to summer time.');
select is(notion_sync.column_to_notion('date', to_jsonb('2026-03-01'::date), :'paris'),
  '{"date": {"start": "2026-03-01T09:00:00.000", "end": "2026-03-03T18:00:00.000", "time_zone": "Europe/Paris"}}'::jsonb,
  'The same day leaves Notion''s date as it is.');
select is(notion_sync.column_to_notion('date', to_jsonb('2026-03-04'::date),
            '{"id":"wh","type":"date","date":{"start":"2026-03-01T23:00:00.000-05:00","end":null,"time_zone":null}}'),
  '{"date": {"start": "2026-03-04T23:00:00.000-05:00", "end": null, "time_zone": null}}'::jsonb,
  'A date-time written with an offset keeps its time in that offset.');
select is(notion_sync.column_to_notion('date', to_jsonb('2026-03-04'::date), '{"start":"2026-03-01","end":"2026-03-02","time_zone":null}'),
  '{"date": {"start": "2026-03-04", "end": "2026-03-05", "time_zone": null}}'::jsonb,
  'An all-day range moved past its end keeps its length.');
select is(notion_sync.column_to_notion('date', to_jsonb('2027-01-02 09:00Z'::timestamptz),
            '{"start":"2026-12-24T09:00:00.000Z","end":"2026-12-31T09:00:00.000Z","time_zone":null}'),
  '{"date": {"start": "2027-01-02T09:00:00.000Z", "end": "2027-01-09T09:00:00.000Z", "time_zone": null}}'::jsonb,
  'A timestamptz start moved past the end keeps the range''s length too.');
select is(notion_sync.column_to_notion('date', to_jsonb('2026-03-02'::date), null),
  '{"date": {"start": "2026-03-02", "end": null, "time_zone": null}}'::jsonb,
  'Without a previous date, a date column is written as a date alone.');

select * from finish();
rollback;
