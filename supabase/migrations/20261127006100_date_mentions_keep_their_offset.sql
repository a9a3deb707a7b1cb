-- A date mention in rich text keeps the offset Notion wrote it in, as date properties do since
-- 20261127005000.
--
-- Notion writes a date-time mention without a time zone in its offset (…T09:00:00.000+01:00).
-- Rich text kept only the UTC instant, so a person's plain-text edit of that text in Supabase sent
-- the mention back at 08:00Z: the same instant, but Notion then showed it at another time of day
-- than the one the person wrote in Notion, an edit nobody made. The canonical mention now carries
-- the offset beside the instant (values still compare by the instant), and rich_text_payload
-- writes it in that offset (date_payload).

alter function notion_sync.rich_text_normalized(jsonb) rename to rich_text_normalized_in_utc;
comment on function notion_sync.rich_text_normalized_in_utc(jsonb) is
  'Canonical rich text, date mentions as UTC instants. Call rich_text_normalized, which keeps a '
  'date mention''s offset. Any caller; raises 22023, 22007.';

-- Canonical rich text: rich_text_normalized_in_utc (one item out per item in), each date mention
-- with its offset (notion_date_with_offset, which also reads the offset a canonical mention already
-- carries, so normalizing twice changes nothing). Only a text holding a date mention is read again.
-- Immutable; any caller. Raises 22023, 22007.
create function notion_sync.rich_text_normalized(p_rich_text jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_items jsonb := notion_sync.rich_text_normalized_in_utc(p_rich_text);
begin
  if not jsonb_path_exists(v_items, '$[*] ? (@.type == "mention" && @.mention.type == "date")') then
    return v_items;
  end if;
  return (select jsonb_agg(case when e.value ->> 'type' = 'mention' and e.value -> 'mention' ->> 'type' = 'date'
                                then jsonb_set(e.value, '{mention,date}', coalesce(notion_sync.notion_date_with_offset(
                                       p_rich_text -> (e.ordinality::integer - 1) -> 'mention' -> 'date'), 'null'::jsonb))
                                else e.value end order by e.ordinality)
          from jsonb_array_elements(v_items) with ordinality e);
end
$$;
comment on function notion_sync.rich_text_normalized(jsonb) is
  'Canonical rich text (Notion''s rich-text array, every item with all its keys), a date mention '
  'with the offset it was written in. Any caller; raises 22023, 22007.';
revoke execute on function notion_sync.rich_text_normalized(jsonb) from public;
grant execute on function notion_sync.rich_text_normalized(jsonb) to authenticated, service_role;

alter function notion_sync.rich_text_key(jsonb) rename to rich_text_key_as_written;
comment on function notion_sync.rich_text_key_as_written(jsonb) is
  'Comparison key of rich text, date mentions as written. Call rich_text_key, which compares date '
  'mentions by their instant. Any caller; raises 22023, 22007.';

-- Comparison key of rich text: rich_text_key_as_written of the text with its date mentions' offsets
-- left out, so a mention compares by its instant, as a date property does (a base staged before the
-- offset was kept equals the same mention staged now). Immutable; any caller. Raises 22023, 22007.
create function notion_sync.rich_text_key(p_rich_text jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select notion_sync.rich_text_key_as_written(coalesce(
    (select jsonb_agg(case when e.value -> 'mention' ->> 'type' = 'date' then e.value #- '{mention,date,offset}'
                           else e.value end order by e.ordinality)
     from jsonb_array_elements(notion_sync.rich_text_normalized(p_rich_text)) with ordinality e), '[]'::jsonb))
$$;
comment on function notion_sync.rich_text_key(jsonb) is
  'Comparison key of rich text: equal for texts a person would call equal (segmentation aside), '
  'date mentions by their instant. Any caller; raises 22023, 22007.';
revoke execute on function notion_sync.rich_text_key(jsonb) from public;
grant execute on function notion_sync.rich_text_key(jsonb) to authenticated, service_role;
