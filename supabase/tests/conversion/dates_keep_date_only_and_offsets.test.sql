-- Date-only values stay dates; date-times with any offset are one instant (the start's offset kept
-- beside it), written back unchanged.
begin;
select plan(11);

select is(notion_sync.notion_to_canonical('{"id":"d","type":"date","date":{"start":"2026-12-24","end":null,"time_zone":null}}'),
  '{"start": "2026-12-24", "end": null, "time_zone": null}'::jsonb, 'A date-only value stays a date without a time.');
select is(notion_sync.notion_to_canonical('{"id":"d","type":"date","date":{"start":"2026-12-24T18:30:00.000+01:00","end":"2026-12-25T01:00:00-05:00","time_zone":null}}'),
  '{"start": "2026-12-24T17:30:00.000Z", "end": "2026-12-25T06:00:00.000Z", "time_zone": null, "offset": "+01:00"}'::jsonb,
  'Date-times with offsets become UTC instants, and the offset the start was written in is kept.');
select ok(notion_sync.values_equal('date', '{"start":"2026-12-24T18:30:00.000+01:00"}', '{"start":"2026-12-24T17:30:00Z","end":null}'),
  'The same instant written with different offsets is equal.');
select ok(not notion_sync.values_equal('date', '{"start":"2026-12-24"}', '{"start":"2026-12-24T00:00:00.000Z"}'),
  'A date-only value is not equal to midnight of that day.');
select is(notion_sync.column_to_notion('date', to_jsonb('2026-12-24'::date)),
  '{"date": {"start": "2026-12-24", "end": null, "time_zone": null}}'::jsonb,
  'A date column is written as a date-only value.');
select is(notion_sync.column_to_notion('date', to_jsonb('2026-12-24 18:30+01'::timestamptz)),
  '{"date": {"start": "2026-12-24T17:30:00.000Z", "end": null, "time_zone": null}}'::jsonb,
  'A timestamptz column is written as its UTC instant.');
select is(notion_sync.column_to_notion('date', '{"start":"2026-12-24T17:30:00.000Z","end":null,"time_zone":"Europe/Paris"}'),
  '{"date": {"start": "2026-12-24T18:30:00.000", "end": null, "time_zone": "Europe/Paris"}}'::jsonb,
  'With a time zone, Notion is sent local time without an offset, as it requires.');
select is(notion_sync.column_to_notion('date', to_jsonb('2026-12-24 00:00Z'::timestamptz), '{"start":"2026-12-24","end":null,"time_zone":null}'),
  '{"date": {"start": "2026-12-24", "end": null, "time_zone": null}}'::jsonb,
  'A date-only value kept in a timestamptz column is written back as a date-only value.');
select is(notion_sync.column_to_notion('date', to_jsonb('2026-12-24'::date), '{"start":"2026-12-24T17:30:00.000Z","end":null,"time_zone":null}'),
  '{"date": {"start": "2026-12-24T17:30:00.000Z", "end": null, "time_zone": null}}'::jsonb,
  'A date column still holding the day of a date-time leaves the date-time unchanged.');
select is(notion_sync.column_to_notion('date', to_jsonb('2026-12-26 09:00Z'::timestamptz),
            '{"start":"2026-12-24T09:00:00.000Z","end":"2026-12-31T09:00:00.000Z","time_zone":null}'),
  '{"date": {"start": "2026-12-26T09:00:00.000Z", "end": "2026-12-31T09:00:00.000Z", "time_zone": null}}'::jsonb,
  'Moving the start of a range keeps its end.');

set local timezone = 'America/New_York';
select is(notion_sync.notion_to_canonical('{"id":"d","type":"date","date":{"start":"2026-12-24T18:30:00","end":null,"time_zone":null}}') ->> 'start',
  '2026-12-24T18:30:00.000Z', 'A date-time without offset or time zone is UTC, whatever the session''s time zone.');

select * from finish();
rollback;
