-- A date mention with a time zone is written back in that zone's local time, without an offset, as
-- Notion requires (it used to go back as a UTC instant, which Notion refuses); one without a time
-- zone, and a date-only one, are written as they are.
begin;
select plan(3);

create function pg_temp.previous() returns jsonb language sql as $$
  select '[{"type": "text", "text": {"content": "Due "}},
           {"type": "mention", "mention": {"type": "date", "date": {"start": "2026-03-05T10:00:00.000", "time_zone": "Asia/Kolkata"}}, "plain_text": "March 5, 10:00 AM"},
           {"type": "text", "text": {"content": " or "}},
           {"type": "mention", "mention": {"type": "date", "date": {"start": "2026-03-06T09:00:00.000Z"}}, "plain_text": "March 6"},
           {"type": "text", "text": {"content": " or "}},
           {"type": "mention", "mention": {"type": "date", "date": {"start": "2026-03-07"}}, "plain_text": "March 7"}]'::jsonb
$$;
create temp table payload as
  select notion_sync.column_to_notion('rich_text', '"Due: March 5, 10:00 AM or March 6 or March 7"', pg_temp.previous())
         -> 'rich_text' as items;

select is((select items #> '{1,mention,date}' from payload),
  '{"start": "2026-03-05T10:00:00.000", "end": null, "time_zone": "Asia/Kolkata"}'::jsonb,
  'A date mention with a time zone is written in local time, without an offset.');
select is((select items #>> '{3,mention,date,start}' from payload), '2026-03-06T09:00:00.000Z',
  'One without a time zone is written as its instant.');
select is((select items #>> '{5,mention,date,start}' from payload), '2026-03-07', 'A date-only one stays a date.');

select * from finish();
rollback;
