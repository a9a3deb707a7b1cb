-- A date mention with a time zone is written back to Notion in local time without an offset, as
-- Notion requires of any date with a time_zone (reference §5).
--
-- Rich text keeps a date mention in canonical form: a UTC instant ("…Z") with its time_zone. The
-- payload of a rich text (rich_text_payload) sent that form back unchanged, which Notion refuses
-- with a 400, so every Supabase edit of a text holding such a mention ("Due @March 5, 10:00 AM
-- (Asia/Kolkata)") became a push_failed conflict. Date properties were already converted; mentions
-- now are too (date_payload).

-- A canonical date {start, end, time_zone} as Notion takes it: with a time_zone, a date-time start
-- and end in that zone's local time, without offset. Immutable; any caller.
create function notion_sync.date_payload(p_date jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select case when p_date ->> 'time_zone' is null or p_date ->> 'start' ~ '^\d{4}-\d{2}-\d{2}$' then p_date
              else jsonb_build_object(
                'start', to_char((p_date ->> 'start')::timestamptz at time zone (p_date ->> 'time_zone'),
                                 'YYYY-MM-DD"T"HH24:MI:SS.MS'),
                'end', to_char((p_date ->> 'end')::timestamptz at time zone (p_date ->> 'time_zone'),
                               'YYYY-MM-DD"T"HH24:MI:SS.MS'),
                'time_zone', p_date -> 'time_zone') end
$$;
comment on function notion_sync.date_payload(jsonb) is
  'A canonical date as Notion takes it (local times without offset when it has a time_zone). Any '
  'caller; raises 22007 for an unreadable date.';
revoke execute on function notion_sync.date_payload(jsonb) from public;
grant execute on function notion_sync.date_payload(jsonb) to authenticated, service_role;

alter function notion_sync.rich_text_payload(jsonb) rename to rich_text_payload_items;
comment on function notion_sync.rich_text_payload_items(jsonb) is
  'The rich-text objects of a payload, mentions as stored. Call rich_text_payload, which writes date '
  'mentions as Notion takes them. Any caller; raises 22001, 22023.';

-- The rich-text array of a Notion payload (rich_text_payload_items), date mentions in local time
-- when they have a time zone. Immutable; any caller; raises 22001 (too long), 22023 (too many items).
create function notion_sync.rich_text_payload(p_rich_text jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select coalesce(jsonb_agg(case when e.value -> 'mention' ->> 'type' = 'date'
                                 then jsonb_set(e.value, '{mention,date}', notion_sync.date_payload(e.value -> 'mention' -> 'date'))
                                 else e.value end order by e.ordinality), '[]'::jsonb)
  from jsonb_array_elements(notion_sync.rich_text_payload_items(p_rich_text)) with ordinality e
$$;
comment on function notion_sync.rich_text_payload(jsonb) is
  'The rich-text array of a Notion payload: text split at 2,000 UTF-16 units on code-point '
  'boundaries, date mentions in local time when they have a time zone. Any caller; raises 22001, '
  '22023.';
revoke execute on function notion_sync.rich_text_payload(jsonb) from public;
grant execute on function notion_sync.rich_text_payload(jsonb) to authenticated, service_role;
