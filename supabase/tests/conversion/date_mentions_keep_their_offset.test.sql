-- A date mention written by Notion in an offset keeps it: a plain-text edit of the text around it
-- sends it back in that offset (it went back as the UTC instant, which Notion then showed at another
-- time of day), it still equals the same instant written in UTC, and normalizing it twice changes
-- nothing.
begin;
select plan(4);

create function pg_temp.notion_text() returns jsonb language sql as $$
  select '[{"type": "text", "text": {"content": "Call "}, "plain_text": "Call "},
           {"type": "mention", "mention": {"type": "date", "date": {"start": "2026-03-06T09:00:00.000+01:00", "end": null, "time_zone": null}},
            "plain_text": "March 6, 2026 9:00 AM"}]'::jsonb
$$;

select is(notion_sync.rich_text_normalized(pg_temp.notion_text()) #> '{1,mention,date}',
  '{"start": "2026-03-06T08:00:00.000Z", "end": null, "time_zone": null, "offset": "+01:00"}'::jsonb,
  'The canonical mention keeps the instant and the offset.');
select is(notion_sync.column_to_notion('rich_text', '"Call back March 6, 2026 9:00 AM"',
            notion_sync.rich_text_normalized(pg_temp.notion_text())) #>> '{rich_text,1,mention,date,start}',
  '2026-03-06T09:00:00.000+01:00', 'A plain-text edit around it writes it back in its offset.');
select ok(notion_sync.values_equal('rich_text', notion_sync.notion_to_canonical(jsonb_build_object('type', 'rich_text', 'rich_text', pg_temp.notion_text())),
            notion_sync.notion_to_canonical(jsonb_build_object('type', 'rich_text', 'rich_text',
              jsonb_set(pg_temp.notion_text(), '{1,mention,date,start}', '"2026-03-06T08:00:00.000Z"')))),
  'It equals the same instant written in UTC.');
select is(notion_sync.rich_text_normalized(notion_sync.rich_text_normalized(pg_temp.notion_text())),
  notion_sync.rich_text_normalized(pg_temp.notion_text()), 'Normalizing it twice changes nothing.');

select * from finish();
rollback;
