-- A date-time a person writes in a text column states its own offset: Notion is sent that offset
-- (UTC for a time without one), not the offset of the date it replaces; a time zone the date has is
-- kept, as Notion requires local times there.
begin;
select plan(3);

select is(notion_sync.column_to_notion('date', '"2026-05-01T10:00:00+02:00"',
            '{"id":"at","type":"date","date":{"start":"2026-04-01T03:00:00.000-05:00","end":null,"time_zone":null}}',
            '{"column_class": "text"}'),
  '{"date": {"start": "2026-05-01T10:00:00.000+02:00", "end": null, "time_zone": null}}'::jsonb,
  'A date-time written at +02:00 is sent at +02:00.');
select is(notion_sync.column_to_notion('date', '"2026-05-01T10:00:00Z"',
            '{"id":"at","type":"date","date":{"start":"2026-04-01T03:00:00.000-05:00","end":null,"time_zone":null}}',
            '{"column_class": "text"}'),
  '{"date": {"start": "2026-05-01T10:00:00.000Z", "end": null, "time_zone": null}}'::jsonb,
  'A date-time written in UTC is sent in UTC.');
select is(notion_sync.column_to_notion('date', '"2026-05-01T10:00:00+02:00"',
            '{"start":"2026-04-01T08:00:00.000Z","end":null,"time_zone":"Europe/Paris"}', '{"column_class": "text"}'),
  '{"date": {"start": "2026-05-01T10:00:00.000", "end": null, "time_zone": "Europe/Paris"}}'::jsonb,
  'A date with a time zone keeps it, in local time.');

select * from finish();
rollback;
