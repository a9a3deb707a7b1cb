-- Value conversion between Notion property values, their canonical (normalized) form, the
-- columns of a user's table, and Notion write payloads, in SQL so that every sync decision can be
-- inspected where it is made (DESIGN §4, §5).
--
-- Why a canonical form: the three-way detection compares a base, Notion now and Supabase now.
-- Notion's JSON is not comparable as sent (re-signed file URLs, date-times with any offset,
-- rich text split into arbitrary segments, numbers written 1 or 1.0), so every value is first
-- normalized by notion_to_canonical and compared with values_equal, which judges equality as a
-- person would. Rich text keeps Notion's whole rich-text array as its canonical value, so a
-- plain-text edit in Supabase can be patched back keeping the formatting of unchanged spans
-- (column_to_notion), or refused as formatting_would_be_lost rather than flattening the page.
--
-- Canonical forms (null means "no value"; lists are never null):
--   title, rich_text     array of rich-text items {type, text{content,link}|mention|equation,
--                        annotations (all six keys), plain_text, href}; [] when empty
--   number               the JSON number as Notion sent it (digits kept)
--   select, status       the option name (string)
--   multi_select         array of option names, Notion's order
--   date                 {start, end, time_zone}; a date-only value stays 'YYYY-MM-DD', a date-time
--                        becomes a UTC instant 'YYYY-MM-DDTHH:MI:SS.mmmZ'
--   checkbox             true / false
--   url, email, phone    string; '' is null
--   people, relation     array of ids (dashed lowercase), Notion's order
--   files                array of {name, type, url}; a Notion-hosted ("file") url without its
--                        query string (Notion re-signs it on every read), expiry_time dropped
--   formula              its scalar: string, number, boolean, or a date object as above
--   rollup               number, date object, or an array of the canonical values of its items
--   created_time, last_edited_time   UTC instant string as for dates
--   created_by, last_edited_by       the user id
--   unique_id            the text a person sees: 'PREFIX-12', or '12' without a prefix
--   others (place, verification, button)  the value as Notion gives it
--
-- Equality (values_equal): 1 = 1.0; dates by instant (time_zone is display only); rich text by
-- plain text and formatting, not by segmentation, a mention by its target; multi_select, people
-- and relation as sets; files in order, Notion-hosted URLs without query string; null = [] = ''.
--
-- Writing (column_to_notion): only changed properties are meant to be sent; null and '' clear;
-- read-only types are refused; a Notion-hosted file is only kept, never uploaded: it is sent back
-- as {type: file, file: {url}} with the URL held in p_previous (whether Notion accepts a re-sent
-- hosted file is unverified; a list of files that did not change should not be sent at all).
--
-- Errors raised by the conversions start with a kind, then a colon, so callers can turn them into
-- conflicts of that kind: formatting_would_be_lost (P0001), read_only (0A000),
-- notion_hosted_file (0A000), unknown_status_option, invalid_option_name, too_many_items,
-- invalid_value (22023), number_precision (22003), too_long (22001), incompatible_column_type
-- (42804). A date that cannot be read raises the cast's own error (22007 / 22008), naming it.

-- helpers -------------------------------------------------------------------------------------

-- A Notion id in the dashed lowercase form Notion returns (requests may send it undashed).
-- Any caller; raises nothing. Strings that are not ids are returned unchanged.
create function notion_sync.notion_id(p_id text)
returns text
language sql
immutable
set search_path = ''
as $$
  select case
    when p_id ~* '^[0-9a-f]{32}$' then
      lower(regexp_replace(p_id, '^(.{8})(.{4})(.{4})(.{4})(.{12})$', '\1-\2-\3-\4-\5'))
    when p_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then lower(p_id)
    else p_id
  end
$$;
comment on function notion_sync.notion_id(text) is
  'Dashed lowercase form of a Notion id. Any caller; raises nothing.';
revoke execute on function notion_sync.notion_id(text) from public;
grant execute on function notion_sync.notion_id(text) to authenticated, service_role;

-- An ISO 8601 date or date-time in canonical form: a date-only value unchanged, a date-time as
-- the UTC instant 'YYYY-MM-DDTHH:MI:SS.mmmZ'. A date-time without offset is read in p_time_zone
-- (Notion's rule when a time_zone is given), else in UTC. The result never depends on the
-- session's TimeZone. Any caller; raises the cast's own 22007 / 22008 for text that is not a
-- date, 22023 for an unknown time zone.
create function notion_sync.notion_instant(p_value text, p_time_zone text default null)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_ts timestamptz;
begin
  if p_value is null or btrim(p_value) = '' then
    return null;
  end if;
  if p_value ~ '^\d{4}-\d{2}-\d{2}$' then
    perform p_value::date;
    return p_value;
  end if;
  if p_value ~ '^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$' then
    perform p_value::timestamptz;
    return p_value;   -- already canonical, as Notion writes its own timestamps
  end if;
  if p_value ~* '[t ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?\s*(z|[+-]\d{2}(:?\d{2})?)$' then
    v_ts := p_value::timestamptz;
  else
    v_ts := p_value::timestamp at time zone coalesce(nullif(p_time_zone, ''), 'UTC');
  end if;
  return to_char(v_ts at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"');
end
$$;
comment on function notion_sync.notion_instant(text, text) is
  'Canonical date (YYYY-MM-DD) or UTC instant of an ISO 8601 string. Any caller; raises 22007, '
  '22008, 22023.';
revoke execute on function notion_sync.notion_instant(text, text) from public;
grant execute on function notion_sync.notion_instant(text, text) to authenticated, service_role;

-- Canonical date value {start, end, time_zone} of a Notion date object (or of a bare start
-- string); null when there is no start. Any caller; raises 22007 / 22008 for an unreadable date.
create function notion_sync.notion_date(p_date jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
  if jsonb_typeof(p_date) = 'string' and btrim(p_date #>> '{}') <> '' then
    return jsonb_build_object('start', notion_sync.notion_instant(p_date #>> '{}'),
                              'end', null, 'time_zone', null);
  elsif jsonb_typeof(p_date) = 'object' and coalesce(btrim(p_date ->> 'start'), '') <> '' then
    return jsonb_build_object(
      'start', notion_sync.notion_instant(p_date ->> 'start', p_date ->> 'time_zone'),
      'end', case when p_date ->> 'end' is not null
                  then notion_sync.notion_instant(p_date ->> 'end', p_date ->> 'time_zone') end,
      'time_zone', nullif(p_date ->> 'time_zone', ''));
  end if;
  return null;
end
$$;
comment on function notion_sync.notion_date(jsonb) is
  'Canonical {start, end, time_zone} of a Notion date. Any caller; raises 22007.';
revoke execute on function notion_sync.notion_date(jsonb) from public;
grant execute on function notion_sync.notion_date(jsonb) to authenticated, service_role;

-- A URL without its query string and fragment (Notion-hosted file URLs are re-signed on every
-- read). Any caller; raises nothing.
create function notion_sync.url_without_query(p_url text)
returns text
language sql
immutable
set search_path = ''
as $$
  select split_part(split_part(p_url, '#', 1), '?', 1)
$$;
comment on function notion_sync.url_without_query(text) is
  'A URL without query string and fragment. Any caller; raises nothing.';
revoke execute on function notion_sync.url_without_query(text) from public;
grant execute on function notion_sync.url_without_query(text) to authenticated, service_role;

-- Length of a text in UTF-16 code units, the unit of Notion's 2,000-character limit (a character
-- outside the Basic Multilingual Plane, such as most emoji, counts twice). Any caller; raises
-- nothing.
create function notion_sync.utf16_length(p_text text)
returns integer
language sql
immutable
set search_path = ''
as $$
  select length(p_text) + length(regexp_replace(p_text, '[^\U00010000-\U0010FFFF]', '', 'g'))
$$;
comment on function notion_sync.utf16_length(text) is
  'Length in UTF-16 code units. Any caller; raises nothing.';
revoke execute on function notion_sync.utf16_length(text) from public;
grant execute on function notion_sync.utf16_length(text) to authenticated, service_role;

-- One rich-text item in canonical form, from Notion's response form or a request form:
-- {type, text{content, link}|mention|equation, annotations (all six keys), plain_text, href}.
-- User, page and database mentions keep only the id; date mentions are normalized like dates.
-- Any caller; raises invalid_value (22023) for an item that is not rich text.
create function notion_sync.rich_text_item(p_item jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_type text;
  v_a jsonb;
  v_annotations jsonb;
  v_content text;
  v_link text;
  v_mention jsonb;
begin
  if jsonb_typeof(p_item) is distinct from 'object' then
    raise exception 'invalid_value: a rich-text item must be a JSON object, got %', p_item
      using errcode = '22023';
  end if;
  v_type := coalesce(p_item ->> 'type',
                     case when p_item ? 'text' then 'text'
                          when p_item ? 'mention' then 'mention'
                          when p_item ? 'equation' then 'equation' end);
  v_a := case when jsonb_typeof(p_item -> 'annotations') = 'object'
              then p_item -> 'annotations' else '{}'::jsonb end;
  v_annotations := jsonb_build_object(
    'bold', coalesce((v_a ->> 'bold')::boolean, false),
    'italic', coalesce((v_a ->> 'italic')::boolean, false),
    'strikethrough', coalesce((v_a ->> 'strikethrough')::boolean, false),
    'underline', coalesce((v_a ->> 'underline')::boolean, false),
    'code', coalesce((v_a ->> 'code')::boolean, false),
    'color', coalesce(nullif(v_a ->> 'color', ''), 'default'));
  if v_type = 'text' then
    v_content := coalesce(p_item -> 'text' ->> 'content', p_item ->> 'plain_text', '');
    v_link := nullif(p_item -> 'text' -> 'link' ->> 'url', '');
    return jsonb_build_object(
      'type', 'text',
      'text', jsonb_build_object('content', v_content, 'link',
                                 case when v_link is not null then jsonb_build_object('url', v_link) end),
      'annotations', v_annotations, 'plain_text', v_content, 'href', v_link);
  elsif v_type = 'mention' then
    v_mention := p_item -> 'mention';
    v_mention := case v_mention ->> 'type'
      when 'user' then jsonb_build_object('type', 'user', 'user',
        jsonb_build_object('id', notion_sync.notion_id(v_mention -> 'user' ->> 'id')))
      when 'page' then jsonb_build_object('type', 'page', 'page',
        jsonb_build_object('id', notion_sync.notion_id(v_mention -> 'page' ->> 'id')))
      when 'database' then jsonb_build_object('type', 'database', 'database',
        jsonb_build_object('id', notion_sync.notion_id(v_mention -> 'database' ->> 'id')))
      when 'date' then jsonb_build_object('type', 'date', 'date',
        notion_sync.notion_date(v_mention -> 'date'))
      else v_mention
    end;
    return jsonb_build_object('type', 'mention', 'mention', v_mention,
                              'annotations', v_annotations,
                              'plain_text', p_item -> 'plain_text', 'href', p_item -> 'href');
  elsif v_type = 'equation' then
    return jsonb_build_object(
      'type', 'equation',
      'equation', jsonb_build_object('expression', p_item -> 'equation' ->> 'expression'),
      'annotations', v_annotations,
      'plain_text', coalesce(p_item ->> 'plain_text', p_item -> 'equation' ->> 'expression'),
      'href', null);
  end if;
  raise exception 'invalid_value: unknown rich-text item type "%" (expected text, mention or equation)',
    v_type using errcode = '22023';
end
$$;
comment on function notion_sync.rich_text_item(jsonb) is
  'Canonical form of one rich-text item. Any caller; raises 22023 for a non-rich-text item.';
revoke execute on function notion_sync.rich_text_item(jsonb) from public;
grant execute on function notion_sync.rich_text_item(jsonb) to authenticated, service_role;

-- A rich-text array in canonical form (segmentation kept as given); [] for null.
-- Any caller; raises invalid_value (22023) when it is not an array of rich-text items.
create function notion_sync.rich_text_normalized(p_rich_text jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_out jsonb[] := '{}';
begin
  if p_rich_text is null or jsonb_typeof(p_rich_text) = 'null' then
    return '[]'::jsonb;
  end if;
  if jsonb_typeof(p_rich_text) <> 'array' then
    raise exception 'invalid_value: rich text must be a JSON array of rich-text items, got %',
      left(p_rich_text::text, 200) using errcode = '22023';
  end if;
  -- by index: simple expressions only, no query per call (staging normalizes every page)
  for v_i in 0 .. jsonb_array_length(p_rich_text) - 1 loop
    v_out := v_out || notion_sync.rich_text_item(p_rich_text -> v_i);
  end loop;
  return to_jsonb(v_out);
end
$$;
comment on function notion_sync.rich_text_normalized(jsonb) is
  'Canonical form of a rich-text array. Any caller; raises 22023 for a non-array.';
revoke execute on function notion_sync.rich_text_normalized(jsonb) from public;
grant execute on function notion_sync.rich_text_normalized(jsonb) to authenticated, service_role;

-- The plain text of a rich-text array (what a text column holds). Any caller; raises nothing.
create function notion_sync.rich_text_plain(p_rich_text jsonb)
returns text
language sql
immutable
set search_path = ''
as $$
  select coalesce(string_agg(coalesce(e.value ->> 'plain_text', e.value -> 'text' ->> 'content',
                                      e.value -> 'equation' ->> 'expression', ''),
                             '' order by e.ordinality), '')
  from jsonb_array_elements(case when jsonb_typeof(p_rich_text) = 'array'
                                 then p_rich_text else '[]'::jsonb end) with ordinality e
$$;
comment on function notion_sync.rich_text_plain(jsonb) is
  'Plain text of a rich-text array ('''' when empty). Any caller; raises nothing.';
revoke execute on function notion_sync.rich_text_plain(jsonb) from public;
grant execute on function notion_sync.rich_text_plain(jsonb) to authenticated, service_role;

-- The comparison key of a rich-text array: its plain text and formatting, independent of
-- segmentation. Adjacent text items with the same annotations and link are merged, empty text
-- items dropped; a mention is its target and annotations (its displayed text follows the target:
-- a renamed page, a request payload without plain_text); an equation its expression and
-- annotations. Any caller; raises invalid_value (22023) for a non-array.
create function notion_sync.rich_text_key(p_rich_text jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  with items as (
    select e.ordinality as ord, e.value as item, e.value ->> 'type' as kind,
           case when e.value ->> 'type' = 'text'
                then jsonb_build_object('a', e.value -> 'annotations',
                                        'l', e.value -> 'text' -> 'link' -> 'url') end as fmt
    from jsonb_array_elements(notion_sync.rich_text_normalized(p_rich_text)) with ordinality e
    where not (e.value ->> 'type' = 'text' and e.value -> 'text' ->> 'content' = '')
  ), breaks as (
    select i.*,
           case when i.kind = 'text' and lag(i.kind) over w = 'text'
                     and i.fmt = lag(i.fmt) over w then 0 else 1 end as brk
    from items i
    window w as (order by i.ord)
  ), islands as (
    select b.*, sum(b.brk) over (order by b.ord) as island from breaks b
  ), keys as (
    select i.island,
           case when min(i.kind) = 'text' then
                  jsonb_build_object('text', string_agg(i.item -> 'text' ->> 'content', '' order by i.ord))
                  || (array_agg(i.fmt))[1]
                when min(i.kind) = 'mention' then
                  jsonb_build_object('mention', (array_agg(i.item -> 'mention'))[1],
                                     'a', (array_agg(i.item -> 'annotations'))[1])
                else
                  jsonb_build_object('equation', (array_agg(i.item -> 'equation' -> 'expression'))[1],
                                     'a', (array_agg(i.item -> 'annotations'))[1])
           end as k
    from islands i
    group by i.island
  )
  select coalesce(jsonb_agg(k.k order by k.island), '[]'::jsonb) from keys k
$$;
comment on function notion_sync.rich_text_key(jsonb) is
  'Segmentation-independent comparison key of rich text. Any caller; raises 22023.';
revoke execute on function notion_sync.rich_text_key(jsonb) from public;
grant execute on function notion_sync.rich_text_key(jsonb) to authenticated, service_role;

-- A rich-text array as Notion's write payload wants it: request-form items (type, its object,
-- annotations), text contents split at 2,000 UTF-16 code units on code-point boundaries (an
-- emoji is never cut in half), at most 100 items. Any caller; raises too_long (22001) for a
-- link URL over 2,000 or an equation over 1,000 characters, too_many_items (22023) beyond 100
-- items.
create function notion_sync.rich_text_payload(p_rich_text jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_item jsonb;
  v_out jsonb[] := '{}';
  v_rest text;
  v_units integer;
  v_take integer;
begin
  for v_item in
    select e.value from jsonb_array_elements(notion_sync.rich_text_normalized(p_rich_text))
                        with ordinality e order by e.ordinality
  loop
    if v_item ->> 'type' = 'text' then
      if length(v_item -> 'text' -> 'link' ->> 'url') > 2000 then
        raise exception 'too_long: a rich-text link URL has % characters; Notion accepts at most 2000',
          length(v_item -> 'text' -> 'link' ->> 'url') using errcode = '22001';
      end if;
      v_rest := v_item -> 'text' ->> 'content';
      continue when v_rest = '';
      loop
        -- the longest prefix of whole code points that fits in 2,000 UTF-16 units; 2,000 code
        -- points are at least 2,000 units, so only that candidate is ever measured
        v_take := 2000;
        loop
          v_units := notion_sync.utf16_length(left(v_rest, v_take));
          exit when v_units <= 2000;
          -- each code point is 1 or 2 units: dropping half the excess never drops too much
          v_take := v_take - (v_units - 2000 + 1) / 2;
        end loop;
        v_out := v_out || jsonb_build_object(
          'type', 'text',
          'text', jsonb_build_object('content', left(v_rest, v_take), 'link', v_item -> 'text' -> 'link'),
          'annotations', v_item -> 'annotations');
        v_rest := substr(v_rest, v_take + 1);
        exit when v_rest = '';
      end loop;
    elsif v_item ->> 'type' = 'equation' then
      if length(v_item -> 'equation' ->> 'expression') > 1000 then
        raise exception 'too_long: an equation has % characters; Notion accepts at most 1000',
          length(v_item -> 'equation' ->> 'expression') using errcode = '22001';
      end if;
      v_out := v_out || jsonb_build_object('type', 'equation', 'equation', v_item -> 'equation',
                                           'annotations', v_item -> 'annotations');
    else
      v_out := v_out || jsonb_build_object('type', 'mention', 'mention', v_item -> 'mention',
                                           'annotations', v_item -> 'annotations');
    end if;
  end loop;
  if cardinality(v_out) > 100 then
    raise exception 'too_many_items: this rich text needs % rich-text objects; Notion accepts at most 100 (about 200,000 characters)',
      cardinality(v_out) using errcode = '22023';
  end if;
  return to_jsonb(v_out);
end
$$;
comment on function notion_sync.rich_text_payload(jsonb) is
  'Rich text as a write payload, split at 2,000 UTF-16 units. Any caller; raises 22001, 22023.';
revoke execute on function notion_sync.rich_text_payload(jsonb) from public;
grant execute on function notion_sync.rich_text_payload(jsonb) to authenticated, service_role;

-- The rich-text array for a plain-text edit of p_previous (a rich-text array), keeping the
-- formatting of unchanged spans: the common prefix and suffix keep their items; inserted text
-- takes the formatting (annotations and link) of the text item it lands in, the left one at a
-- boundary (the right one when the left is a mention or equation, default formatting when
-- neither is text). A mention or equation is kept whole or deleted whole by the edit; when the
-- edit would change part of one, it raises formatting_would_be_lost (P0001). Adjacent text items
-- of identical formatting are merged. Returns canonical items. Any caller.
create function notion_sync.rich_text_edit(p_text text, p_previous jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_segs jsonb := notion_sync.rich_text_normalized(p_previous);
  v_old text := notion_sync.rich_text_plain(v_segs);
  v_new text := coalesce(p_text, '');
  v_lo integer := length(v_old);
  v_ln integer := length(v_new);
  v_items jsonb[] := '{}';
  v_kinds text[] := '{}';
  v_as integer[] := '{}';
  v_bs integer[] := '{}';
  v_n integer := 0;
  v_pos integer := 0;
  v_p integer;
  v_s integer;
  v_e integer;
  v_p0 integer;
  v_e0 integer;
  v_p2 integer;
  v_e2 integer;
  v_gap integer;
  v_at integer;
  v_lo_b integer;
  v_hi_b integer;
  v_mid integer;
  v_cut boolean := false;
  v_ins text;
  v_host jsonb;
  v_piece jsonb;
  v_pieces jsonb[] := '{}';
  v_out jsonb[] := '{}';
  v_last jsonb;
  v_content text;
begin
  if v_new = v_old then
    return v_segs;
  end if;
  if v_new = '' then
    return '[]'::jsonb;
  end if;

  -- each item's span [a, b) in characters of the old plain text
  for v_piece in
    select e.value from jsonb_array_elements(v_segs) with ordinality e order by e.ordinality
  loop
    v_n := v_n + 1;
    v_items[v_n] := v_piece;
    v_kinds[v_n] := v_piece ->> 'type';
    v_as[v_n] := v_pos;
    v_pos := v_pos + length(notion_sync.rich_text_plain(jsonb_build_array(v_piece)));
    v_bs[v_n] := v_pos;
  end loop;

  -- longest common prefix, then longest common suffix of what remains (binary searches)
  v_lo_b := 0;
  v_hi_b := least(v_lo, v_ln);
  while v_lo_b < v_hi_b loop
    v_mid := (v_lo_b + v_hi_b + 1) / 2;
    if left(v_old, v_mid) = left(v_new, v_mid) then v_lo_b := v_mid; else v_hi_b := v_mid - 1; end if;
  end loop;
  v_p := v_lo_b;
  v_lo_b := 0;
  v_hi_b := least(v_lo, v_ln) - v_p;
  while v_lo_b < v_hi_b loop
    v_mid := (v_lo_b + v_hi_b + 1) / 2;
    if right(v_old, v_mid) = right(v_new, v_mid) then v_lo_b := v_mid; else v_hi_b := v_mid - 1; end if;
  end loop;
  v_s := v_lo_b;
  v_e := v_lo - v_s;
  v_p0 := v_p;
  v_e0 := v_e;

  for v_i in 1 .. v_n loop
    if v_kinds[v_i] <> 'text' and v_as[v_i] < v_bs[v_i]
       and ((v_as[v_i] < v_p and v_p < v_bs[v_i]) or (v_as[v_i] < v_e and v_e < v_bs[v_i])) then
      v_cut := true;
    end if;
  end loop;

  -- A mention or equation cut by the edit: try the other alignment of the same edit (moved to
  -- the atom's edges), which keeps the atom whole when the typed text merely repeats its
  -- neighbours; refuse when the atom itself would change.
  if v_cut then
    v_p2 := v_p;
    for v_i in 1 .. v_n loop
      if v_kinds[v_i] <> 'text' and v_as[v_i] < v_p and v_p < v_bs[v_i] then
        v_p2 := v_as[v_i];
      end if;
    end loop;
    v_lo_b := 0;
    v_hi_b := least(v_lo, v_ln) - v_p2;
    while v_lo_b < v_hi_b loop
      v_mid := (v_lo_b + v_hi_b + 1) / 2;
      if right(v_old, v_mid) = right(v_new, v_mid) then v_lo_b := v_mid; else v_hi_b := v_mid - 1; end if;
    end loop;
    v_e2 := v_lo - v_lo_b;
    for v_i in 1 .. v_n loop
      if v_kinds[v_i] <> 'text' and v_as[v_i] < v_e2 and v_e2 < v_bs[v_i] then
        v_e2 := v_bs[v_i];
      end if;
    end loop;
    v_p := v_p2;
    v_e := v_e2;
    v_s := v_lo - v_e2;
  end if;

  v_ins := substr(v_new, v_p + 1, v_ln - v_s - v_p);

  -- kept left parts
  for v_i in 1 .. v_n loop
    if v_as[v_i] < v_p then
      v_piece := v_items[v_i];
      if v_kinds[v_i] = 'text' then
        v_content := left(v_piece -> 'text' ->> 'content', least(v_bs[v_i], v_p) - v_as[v_i]);
        v_piece := jsonb_set(jsonb_set(v_piece, '{text,content}', to_jsonb(v_content)),
                             '{plain_text}', to_jsonb(v_content));
      end if;
      v_pieces := v_pieces || v_piece;
    end if;
  end loop;
  -- the replaced span: an item (or the part of a text item) inside it whose text reappears, in
  -- order, in the typed text keeps its formatting; the typed text around it becomes gaps
  v_gap := 1;
  for v_i in 1 .. v_n loop
    if v_as[v_i] < v_e and v_bs[v_i] > v_p then
      v_piece := v_items[v_i];
      if v_kinds[v_i] = 'text' then
        v_content := substr(v_piece -> 'text' ->> 'content', greatest(v_p, v_as[v_i]) - v_as[v_i] + 1,
                            least(v_e, v_bs[v_i]) - greatest(v_p, v_as[v_i]));
        v_piece := jsonb_set(jsonb_set(v_piece, '{text,content}', to_jsonb(v_content)),
                             '{plain_text}', to_jsonb(v_content));
      else
        v_content := notion_sync.rich_text_plain(jsonb_build_array(v_piece));
      end if;
      v_at := case when v_content <> '' then strpos(substr(v_ins, v_gap), v_content) else 0 end;
      if v_at > 0 then
        if v_at > 1 then
          v_pieces := v_pieces || jsonb_build_object('type', 'gap', 'content', substr(v_ins, v_gap, v_at - 1));
        end if;
        v_pieces := v_pieces || v_piece;
        v_gap := v_gap + v_at - 1 + length(v_content);
      elsif v_kinds[v_i] <> 'text' and (v_as[v_i] < v_p0 or v_bs[v_i] > v_e0) then
        raise exception 'formatting_would_be_lost: the edit changes part of the % "%" (characters % to %); edit it in Notion, or replace or delete it whole',
          v_kinds[v_i], v_items[v_i] ->> 'plain_text', v_as[v_i] + 1, v_bs[v_i]
          using errcode = 'P0001';
      end if;
    end if;
  end loop;
  if v_gap <= length(v_ins) then
    v_pieces := v_pieces || jsonb_build_object('type', 'gap', 'content', substr(v_ins, v_gap));
  end if;
  -- kept right parts
  for v_i in 1 .. v_n loop
    if v_bs[v_i] > v_e or (v_as[v_i] = v_bs[v_i] and v_as[v_i] >= v_e and v_as[v_i] >= v_p) then
      v_piece := v_items[v_i];
      if v_kinds[v_i] = 'text' then
        v_content := substr(v_piece -> 'text' ->> 'content', greatest(v_e, v_as[v_i]) - v_as[v_i] + 1);
        v_piece := jsonb_set(jsonb_set(v_piece, '{text,content}', to_jsonb(v_content)),
                             '{plain_text}', to_jsonb(v_content));
      end if;
      v_pieces := v_pieces || v_piece;
    end if;
  end loop;
  -- typed text takes the formatting of the text it lands in: the left neighbour, else the right
  -- one when the left is a mention or equation (or nothing), else the replaced text item where
  -- the edit starts, else default formatting
  for v_i in 1 .. coalesce(cardinality(v_pieces), 0) loop
    continue when v_pieces[v_i] ->> 'type' <> 'gap';
    v_host := null;
    if v_i > 1 and v_pieces[v_i - 1] ->> 'type' = 'text' then
      v_host := v_pieces[v_i - 1];
    elsif v_i < cardinality(v_pieces) and v_pieces[v_i + 1] ->> 'type' = 'text' then
      v_host := v_pieces[v_i + 1];
    else
      -- everything around was replaced: the text item the edit starts in
      for v_j in reverse v_n .. 1 loop
        if v_kinds[v_j] = 'text' and v_as[v_j] <= v_p and v_p < v_bs[v_j] then
          v_host := v_items[v_j];
        end if;
      end loop;
    end if;
    v_pieces[v_i] := notion_sync.rich_text_item(jsonb_build_object(
      'type', 'text',
      'text', jsonb_build_object('content', v_pieces[v_i] ->> 'content', 'link', v_host -> 'text' -> 'link'),
      'annotations', v_host -> 'annotations'));
  end loop;

  -- merge adjacent text pieces of identical formatting, drop empty ones
  foreach v_piece in array v_pieces loop
    continue when v_piece ->> 'type' = 'text' and v_piece -> 'text' ->> 'content' = '';
    v_last := v_out[cardinality(v_out)];
    if v_piece ->> 'type' = 'text' and v_last ->> 'type' = 'text'
       and v_last -> 'annotations' = v_piece -> 'annotations'
       and v_last -> 'text' -> 'link' = v_piece -> 'text' -> 'link' then
      v_content := (v_last -> 'text' ->> 'content') || (v_piece -> 'text' ->> 'content');
      v_out[cardinality(v_out)] := jsonb_set(jsonb_set(v_last, '{text,content}', to_jsonb(v_content)),
                                             '{plain_text}', to_jsonb(v_content));
    else
      v_out := v_out || v_piece;
    end if;
  end loop;
  return to_jsonb(v_out);
end
$$;
comment on function notion_sync.rich_text_edit(text, jsonb) is
  'Rich text for a plain-text edit, keeping formatting of unchanged spans. Any caller; raises '
  'P0001 formatting_would_be_lost.';
revoke execute on function notion_sync.rich_text_edit(text, jsonb) from public;
grant execute on function notion_sync.rich_text_edit(text, jsonb) to authenticated, service_role;

-- Notion → canonical ------------------------------------------------------------------------

-- The canonical value of a Notion property object (as in a page's properties: {id, type,
-- <type>: value}); the forms are listed in this migration's header. Null means no value; list
-- types give [] when empty. Any caller; raises invalid_value (22023) for something that is not
-- a property object, 22007 / 22008 for an unreadable date.
create function notion_sync.notion_to_canonical(p_property jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_type text;
  v_value jsonb;
  v_result jsonb;
begin
  if p_property is null or jsonb_typeof(p_property) = 'null' then
    return null;
  end if;
  v_type := p_property ->> 'type';
  if jsonb_typeof(p_property) <> 'object' or v_type is null or not p_property ? v_type then
    raise exception 'invalid_value: a Notion property value needs a "type" and a value under that key, got %',
      left(p_property::text, 200) using errcode = '22023';
  end if;
  v_value := p_property -> v_type;
  case v_type
  when 'title', 'rich_text' then
    v_result := notion_sync.rich_text_normalized(v_value);
  when 'number' then
    v_result := case when jsonb_typeof(v_value) = 'number' then v_value end;
  when 'select', 'status' then
    v_result := to_jsonb(nullif(v_value ->> 'name', ''));
  when 'multi_select' then
    v_result := coalesce(jsonb_path_query_array(v_value, '$[*].name'), '[]'::jsonb);
  when 'date' then
    v_result := notion_sync.notion_date(v_value);
  when 'checkbox' then
    v_result := to_jsonb(coalesce((v_value #>> '{}')::boolean, false));
  when 'url', 'email', 'phone_number' then
    v_result := to_jsonb(nullif(v_value #>> '{}', ''));
  when 'people', 'relation' then
    v_result := coalesce(jsonb_path_query_array(v_value, '$[*].id'), '[]'::jsonb);
    if jsonb_path_exists(v_result, '$[*] ? (!(@ like_regex "^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$"))') then
      -- ids not in Notion's usual dashed lowercase form
      v_result := (select coalesce(jsonb_agg(to_jsonb(notion_sync.notion_id(i.value #>> '{}')) order by i.ordinality), '[]'::jsonb)
                   from jsonb_array_elements(v_result) with ordinality i);
    end if;
  when 'files' then
    v_result := coalesce(
      (select jsonb_agg(jsonb_build_object(
                'name', f.value ->> 'name',
                'type', f.value ->> 'type',
                'url', case f.value ->> 'type'
                         when 'file' then notion_sync.url_without_query(f.value -> 'file' ->> 'url')
                         when 'external' then f.value -> 'external' ->> 'url'
                         else coalesce(f.value -> (f.value ->> 'type') ->> 'url', f.value ->> 'url')
                       end) order by f.ordinality)
       from jsonb_array_elements(case when jsonb_typeof(v_value) = 'array' then v_value else '[]' end)
            with ordinality f), '[]'::jsonb);
  when 'formula' then
    v_result := case v_value ->> 'type'
      when 'string' then to_jsonb(nullif(v_value ->> 'string', ''))
      when 'number' then v_value -> 'number'
      when 'boolean' then v_value -> 'boolean'
      when 'date' then notion_sync.notion_date(v_value -> 'date')
    end;
  when 'rollup' then
    v_result := case v_value ->> 'type'
      when 'number' then v_value -> 'number'
      when 'date' then notion_sync.notion_date(v_value -> 'date')
      when 'array' then coalesce(
        (select jsonb_agg(coalesce(notion_sync.notion_to_canonical(i.value), 'null'::jsonb)
                          order by i.ordinality)
         from jsonb_array_elements(case when jsonb_typeof(v_value -> 'array') = 'array'
                                        then v_value -> 'array' else '[]' end) with ordinality i),
        '[]'::jsonb)
    end;
  when 'created_time', 'last_edited_time' then
    v_result := to_jsonb(notion_sync.notion_instant(v_value #>> '{}'));
  when 'created_by', 'last_edited_by' then
    v_result := to_jsonb(notion_sync.notion_id(v_value ->> 'id'));
  when 'unique_id' then
    v_result := case when jsonb_typeof(v_value -> 'number') = 'number' then
      to_jsonb(concat(nullif(v_value ->> 'prefix', '') || '-', v_value ->> 'number')) end;
  else
    v_result := v_value;
  end case;
  return nullif(v_result, 'null'::jsonb);
end
$$;
comment on function notion_sync.notion_to_canonical(jsonb) is
  'Canonical value of a Notion property object. Any caller; raises 22023 (not a property), '
  '22007 (unreadable date).';
revoke execute on function notion_sync.notion_to_canonical(jsonb) from public;
grant execute on function notion_sync.notion_to_canonical(jsonb) to authenticated, service_role;

-- equality ------------------------------------------------------------------------------------

-- The comparison key of a canonical value of a property type: two values are equal as a person
-- would judge exactly when their keys are equal (jsonb equality, where 1 = 1.0). Rich text by
-- plain text and formatting whatever the segmentation (a mention by its target); multi_select, people and relation as
-- sets (Notion's order of these is not something a person edits); dates by instant (time_zone
-- is display only, Notion may return the same instant with an offset instead); files in order
-- by name, type and URL without query string for Notion-hosted files; '' as null; null lists as
-- []; an unset checkbox as false. Also accepts Notion's shapes (option objects, {id} objects).
-- Any caller; raises 22023 / 22007 for unreadable values.
create function notion_sync.canonical_key(p_type text, p_value jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_value jsonb := nullif(p_value, 'null'::jsonb);
  v_date jsonb;
begin
  case
    when p_type in ('title', 'rich_text') then
      return notion_sync.rich_text_key(case when jsonb_typeof(v_value) = 'string'
        then jsonb_build_array(jsonb_build_object('text', jsonb_build_object('content', v_value #>> '{}')))
        else v_value end);
    when p_type = 'number' then
      return case when jsonb_typeof(v_value) = 'string' and btrim(v_value #>> '{}') <> ''
                  then to_jsonb((v_value #>> '{}')::numeric)
                  when jsonb_typeof(v_value) = 'number' then v_value end;
    when p_type in ('select', 'status', 'url', 'email', 'phone_number') then
      return to_jsonb(nullif(case when jsonb_typeof(v_value) = 'object' then v_value ->> 'name'
                                  else v_value #>> '{}' end, ''));
    when p_type in ('multi_select', 'people', 'relation') then
      return coalesce((
        select jsonb_agg(x.k order by x.k)
        from (select distinct case when p_type = 'multi_select'
                                   then coalesce(e.value ->> 'name', e.value #>> '{}')
                                   else notion_sync.notion_id(coalesce(e.value ->> 'id', e.value #>> '{}'))
                              end as k
              from jsonb_array_elements(case when jsonb_typeof(v_value) = 'array'
                                             then v_value else '[]' end) e) x
        where x.k is not null), '[]'::jsonb);
    when p_type in ('date', 'created_time', 'last_edited_time') then
      v_date := notion_sync.notion_date(v_value);
      return case when v_date is not null
                  then jsonb_build_object('start', v_date -> 'start', 'end', v_date -> 'end') end;
    when p_type = 'checkbox' then
      return to_jsonb(coalesce((v_value #>> '{}')::boolean, false));
    when p_type in ('created_by', 'last_edited_by') then
      return to_jsonb(notion_sync.notion_id(coalesce(v_value ->> 'id', v_value #>> '{}')));
    when p_type = 'files' then
      return coalesce((
        select jsonb_agg(jsonb_build_object(
                 'name', f.value ->> 'name',
                 'type', coalesce(f.value ->> 'type', 'external'),
                 'url', case when f.value ->> 'type' = 'file' then notion_sync.url_without_query(
                               coalesce(f.value -> 'file' ->> 'url', f.value ->> 'url'))
                             else coalesce(f.value -> 'external' ->> 'url', f.value ->> 'url') end)
                 order by f.ordinality)
        from jsonb_array_elements(case when jsonb_typeof(v_value) = 'array'
                                       then v_value else '[]' end) with ordinality f), '[]'::jsonb);
    when p_type = 'unique_id' then
      return case when jsonb_typeof(v_value) = 'object'
                  then to_jsonb(concat(nullif(v_value ->> 'prefix', '') || '-', v_value ->> 'number'))
                  else v_value end;
    when p_type in ('formula', 'rollup') then
      return case
        when jsonb_typeof(v_value) = 'object' and v_value ? 'start' then
          notion_sync.canonical_key('date', v_value)
        when jsonb_typeof(v_value) = 'string' then to_jsonb(nullif(v_value #>> '{}', ''))
        when jsonb_typeof(v_value) = 'array' then
          (select coalesce(jsonb_agg(notion_sync.canonical_key('rollup', e.value) order by e.ordinality), '[]')
           from jsonb_array_elements(v_value) with ordinality e)
        else v_value
      end;
    else
      return v_value;
  end case;
end
$$;
comment on function notion_sync.canonical_key(text, jsonb) is
  'Comparison key of a canonical value. Any caller; raises 22023 / 22007 for unreadable values.';
revoke execute on function notion_sync.canonical_key(text, jsonb) from public;
grant execute on function notion_sync.canonical_key(text, jsonb) to authenticated, service_role;

-- Whether two canonical values of a property type are equal as a person would judge them (see
-- canonical_key): 1 = 1.0, a date equals itself written and read back, rich text equal in plain
-- text and formatting whatever its segmentation, multi_select / people / relation equal as sets,
-- Notion-hosted file URLs equal whatever their signature, null equal to [] and to ''.
-- Any caller; raises 22023 / 22007 for unreadable values.
create function notion_sync.values_equal(p_type text, a jsonb, b jsonb)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select notion_sync.canonical_key(p_type, a) is not distinct from notion_sync.canonical_key(p_type, b)
$$;
comment on function notion_sync.values_equal(text, jsonb, jsonb) is
  'Equality of canonical values as a person judges it. Any caller; raises 22023 / 22007.';
revoke execute on function notion_sync.values_equal(text, jsonb, jsonb) from public;
grant execute on function notion_sync.values_equal(text, jsonb, jsonb) to authenticated, service_role;

-- canonical → column ------------------------------------------------------------------------

-- The class of a column type as the conversions see it (domains resolved to their base type):
-- text, json, numeric, float, integer, boolean, date, timestamptz, timestamp, uuid, text[],
-- uuid[], or other. Any caller; raises nothing.
create function notion_sync.column_class(p_column_type regtype)
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
  v_oid oid := p_column_type;
  v_type pg_catalog.pg_type;
  v_elem text;
begin
  loop
    select * into v_type from pg_catalog.pg_type t where t.oid = v_oid;
    exit when not found or v_type.typtype <> 'd';
    v_oid := v_type.typbasetype;
  end loop;
  if v_type is null then
    return 'other';
  end if;
  if v_type.typcategory = 'A' and v_type.typelem <> 0 then
    v_elem := notion_sync.column_class(v_type.typelem::regtype);
    return case when v_elem in ('text', 'uuid') then v_elem || '[]' else 'other' end;
  end if;
  return case v_type.typname
    when 'text' then 'text' when 'varchar' then 'text' when 'bpchar' then 'text'
    when 'citext' then 'text' when 'name' then 'text'
    when 'json' then 'json' when 'jsonb' then 'json'
    when 'numeric' then 'numeric'
    when 'float4' then 'float' when 'float8' then 'float'
    when 'int2' then 'integer' when 'int4' then 'integer' when 'int8' then 'integer'
    when 'bool' then 'boolean'
    when 'date' then 'date'
    when 'timestamptz' then 'timestamptz'
    when 'timestamp' then 'timestamp'
    when 'uuid' then 'uuid'
    else 'other'
  end;
end
$$;
comment on function notion_sync.column_class(regtype) is
  'Conversion class of a column type. Any caller; raises nothing.';
revoke execute on function notion_sync.column_class(regtype) from public;
grant execute on function notion_sync.column_class(regtype) to authenticated, service_role;

-- Whether a column of this type can hold values of this Notion property type (DESIGN §5): the
-- check mapping validation runs before anything is written. json/jsonb holds every type; text
-- every scalar; numbers number, formula, rollup and unique_id (its number); boolean checkbox and
-- formula; date / timestamp(tz) date, formula, rollup and the edit times; uuid the edit authors;
-- text[] multi_select, people, relation and rollup; uuid[] people and relation. Formula and
-- rollup are accepted by every column their result could fit; the value itself is checked when
-- converted. Any caller; raises nothing.
create function notion_sync.column_type_accepts(p_type text, p_column_type regtype)
returns boolean
language sql
stable
set search_path = ''
as $$
  select case notion_sync.column_class(p_column_type)
    when 'json' then p_type in ('title', 'rich_text', 'number', 'select', 'status', 'multi_select',
      'date', 'checkbox', 'url', 'email', 'phone_number', 'people', 'relation', 'files', 'formula',
      'rollup', 'created_time', 'last_edited_time', 'created_by', 'last_edited_by', 'unique_id',
      'place', 'verification')
    when 'text' then p_type in ('title', 'rich_text', 'number', 'select', 'status', 'date',
      'checkbox', 'url', 'email', 'phone_number', 'formula', 'rollup', 'created_time',
      'last_edited_time', 'created_by', 'last_edited_by', 'unique_id')
    when 'numeric' then p_type in ('number', 'formula', 'rollup', 'unique_id')
    when 'float' then p_type in ('number', 'formula', 'rollup', 'unique_id')
    when 'integer' then p_type in ('number', 'formula', 'rollup', 'unique_id')
    when 'boolean' then p_type in ('checkbox', 'formula')
    when 'date' then p_type in ('date', 'formula', 'rollup', 'created_time', 'last_edited_time')
    when 'timestamptz' then p_type in ('date', 'formula', 'rollup', 'created_time', 'last_edited_time')
    when 'timestamp' then p_type in ('date', 'formula', 'rollup', 'created_time', 'last_edited_time')
    when 'uuid' then p_type in ('created_by', 'last_edited_by')
    when 'text[]' then p_type in ('multi_select', 'people', 'relation', 'rollup')
    when 'uuid[]' then p_type in ('people', 'relation')
    else false
  end
$$;
comment on function notion_sync.column_type_accepts(text, regtype) is
  'Whether a column type can hold a Notion property type. Any caller; raises nothing.';
revoke execute on function notion_sync.column_type_accepts(text, regtype) from public;
grant execute on function notion_sync.column_type_accepts(text, regtype) to authenticated, service_role;

-- A canonical value as text: rich text as its plain text, a date as its start, a list joined
-- with ', '. Any caller; raises nothing.
create function notion_sync.canonical_text(p_value jsonb)
returns text
language sql
immutable
set search_path = ''
as $$
  select case jsonb_typeof(p_value)
    when 'string' then p_value #>> '{}'
    when 'number' then p_value::text
    when 'boolean' then p_value::text
    when 'object' then coalesce(p_value ->> 'start', p_value ->> 'name', p_value ->> 'url', p_value::text)
    when 'array' then case
      when jsonb_typeof(p_value -> 0) = 'object' and p_value -> 0 ? 'plain_text'
        then nullif(notion_sync.rich_text_plain(p_value), '')
      else (select string_agg(notion_sync.canonical_text(e.value), ', ' order by e.ordinality)
            from jsonb_array_elements(p_value) with ordinality e)
    end
  end
$$;
comment on function notion_sync.canonical_text(jsonb) is
  'A canonical value as text. Any caller; raises nothing.';
revoke execute on function notion_sync.canonical_text(jsonb) from public;
grant execute on function notion_sync.canonical_text(jsonb) to authenticated, service_role;

-- The value a column of p_column_type holds for a canonical value of Notion property type
-- p_type, as jsonb for jsonb_populate_record (SQL null for no value): text ← the plain text of
-- rich text, an option name, a number's digits, a date's start; json/jsonb ← the canonical value
-- (the rich-text array, the files array, the date object); date ← the start date (a date-time's
-- date in its time_zone, else UTC); timestamptz ← the start instant (a date-only value at UTC
-- midnight); timestamp ← the UTC wall time; numeric / integer / double ← the number (unique_id:
-- its number); boolean ← the checkbox; text[] / uuid[] ← multi_select names, people or relation
-- ids ([] when empty); uuid ← the author's id. Any caller; raises incompatible_column_type
-- (42804) naming both types when the column cannot hold the property type (even for a null
-- value, so mapping validation can call it) or a formula / rollup result of another kind,
-- invalid_value (22023) for a number that does not fit an integer column.
create function notion_sync.canonical_to_column(p_type text, p_canonical jsonb, p_column_type regtype)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_class text := notion_sync.column_class(p_column_type);
  v_value jsonb := nullif(p_canonical, 'null'::jsonb);
  v_kind text := p_type;
  v_num numeric;
  v_start text;
begin
  if not notion_sync.column_type_accepts(p_type, p_column_type) then
    raise exception 'incompatible_column_type: a Notion % property cannot be stored in a column of type %',
      p_type, p_column_type using errcode = '42804';
  end if;
  if v_class = 'json' then
    return case when v_value is null and p_type in ('title', 'rich_text', 'multi_select', 'people',
                                                   'relation', 'files')
                then '[]'::jsonb
                when v_value is null and p_type = 'checkbox' then 'false'::jsonb
                else v_value end;
  end if;

  -- formula and rollup results convert like the property type of their kind
  if p_type in ('formula', 'rollup') then
    v_kind := case jsonb_typeof(v_value)
      when 'number' then 'number'
      when 'boolean' then 'checkbox'
      when 'string' then 'select'
      when 'object' then 'date'
      when 'array' then 'list'
      else null
    end;
    if v_value is null then
      return case when v_class in ('text[]', 'uuid[]') then '[]'::jsonb end;
    end if;
    if not (v_kind = 'list' and v_class = 'text[]')
       and not (v_kind <> 'list' and notion_sync.column_type_accepts(v_kind, p_column_type)) then
      raise exception 'incompatible_column_type: a Notion % property whose value is a % cannot be stored in a column of type %',
        p_type, jsonb_typeof(v_value), p_column_type using errcode = '42804';
    end if;
  end if;

  if v_kind in ('multi_select', 'people', 'relation', 'list') then
    if v_kind = 'list' then
      -- a rollup's items: each item's text, list items flattened
      return coalesce((
        select jsonb_agg(to_jsonb(x.t) order by x.o1, x.o2)
        from (select e.ordinality as o1, s.ordinality as o2, notion_sync.canonical_text(s.value) as t
              from jsonb_array_elements(v_value) with ordinality e
              cross join lateral jsonb_array_elements(
                case when jsonb_typeof(e.value) = 'array'
                          and not (jsonb_typeof(e.value -> 0) = 'object' and e.value -> 0 ? 'plain_text')
                     then e.value else jsonb_build_array(e.value) end) with ordinality s) x
        where x.t is not null), '[]'::jsonb);
    end if;
    return coalesce(v_value, '[]'::jsonb);
  end if;

  if v_kind = 'checkbox' then
    v_value := to_jsonb(coalesce((v_value #>> '{}')::boolean, false));
    return case when v_class = 'text' then to_jsonb(v_value #>> '{}') else v_value end;
  end if;
  if v_value is null then
    return null;
  end if;

  if v_kind in ('title', 'rich_text') then
    return to_jsonb(nullif(notion_sync.rich_text_plain(v_value), ''));
  elsif v_kind in ('date', 'created_time', 'last_edited_time') then
    if jsonb_typeof(v_value) = 'string' then
      v_value := notion_sync.notion_date(v_value);
    end if;
    v_start := v_value ->> 'start';
    if v_start is null then
      return null;
    end if;
    return case v_class
      when 'text' then to_jsonb(v_start)
      when 'date' then to_jsonb(case when v_start ~ '^\d{4}-\d{2}-\d{2}$' then v_start
        else to_char(v_start::timestamptz at time zone coalesce(v_value ->> 'time_zone', 'UTC'), 'YYYY-MM-DD') end)
      when 'timestamptz' then to_jsonb(case when v_start ~ '^\d{4}-\d{2}-\d{2}$'
        then v_start || 'T00:00:00.000Z' else v_start end)
      when 'timestamp' then to_jsonb(case when v_start ~ '^\d{4}-\d{2}-\d{2}$'
        then v_start || 'T00:00:00.000'
        else to_char(v_start::timestamptz at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS') end)
    end;
  elsif v_kind in ('number', 'unique_id') then
    if v_kind = 'unique_id' and v_class <> 'text' then
      v_value := to_jsonb(substring(v_value #>> '{}' from '(\d+)$')::numeric);
    end if;
    if v_class = 'text' then
      return to_jsonb(v_value #>> '{}');
    end if;
    v_num := (v_value #>> '{}')::numeric;
    if v_class = 'integer' and (v_num <> trunc(v_num) or abs(v_num) > (case p_column_type::text
        when 'smallint' then 32767 when 'integer' then 2147483647 else 9223372036854775807 end)) then
      raise exception 'invalid_value: the number % does not fit a column of type %', v_num, p_column_type
        using errcode = '22023';
    end if;
    -- integer input does not accept "3.0"
    return case when v_class = 'integer' then to_jsonb(trunc(v_num)) else v_value end;
  else
    -- select, status, url, email, phone_number, created_by, last_edited_by, formula strings
    return to_jsonb(nullif(v_value #>> '{}', ''));
  end if;
end
$$;
comment on function notion_sync.canonical_to_column(text, jsonb, regtype) is
  'Column value (jsonb) of a canonical value. Any caller; raises 42804 (incompatible column '
  'type), 22023 (number not fitting an integer column).';
revoke execute on function notion_sync.canonical_to_column(text, jsonb, regtype) from public;
grant execute on function notion_sync.canonical_to_column(text, jsonb, regtype)
  to authenticated, service_role;

-- column → Notion -----------------------------------------------------------------------------

-- The Notion write payload ({"<type>": value}, under the property's name or id in a PATCH) for a
-- column value as to_jsonb of the column gives it. null (and '' for string types) clears:
-- {"url": null}, {"select": null}, {"rich_text": []}, {"checkbox": false}. p_previous is the
-- property's current canonical value (or its Notion property object): a plain-text edit of title
-- or rich_text keeps the annotations and links of unchanged spans (rich_text_edit); a date from
-- a date or timestamptz column keeps the previous end and time_zone where they still apply (and
-- the previous value whole when the column holds the same day or instant); Notion-hosted files
-- are kept only when present in p_previous (pass the property object there to keep their signed
-- URL). p_property_schema is the data source's property ({type, status: {options}}) and, for
-- status, the option must be one of its options. A jsonb column holding a rich-text array is
-- written as that array, validated and split at 2,000 UTF-16 units.
-- Any caller. Raises read_only (0A000) for formula, rollup, created_*, last_edited_*, unique_id
-- and button; notion_hosted_file (0A000) for a Notion-hosted file not in p_previous;
-- formatting_would_be_lost (P0001); unknown_status_option, invalid_option_name (a comma),
-- too_many_items (over 100), invalid_value (22023); number_precision (22003) for a number JSON
-- cannot carry exactly (beyond ±2^53, or too many significant digits); too_long (22001);
-- 22007 / 22008 for an unreadable date.
create function notion_sync.column_to_notion(
  p_type text, p_value jsonb, p_previous jsonb default null, p_property_schema jsonb default null)
returns jsonb
language plpgsql
stable
set search_path = ''
set extra_float_digits = 1
as $$
declare
  v_value jsonb := nullif(p_value, 'null'::jsonb);
  v_prev jsonb := nullif(p_previous, 'null'::jsonb);
  v_raw_prev jsonb;
  v_str text;
  v_num numeric;
  v_exact boolean;
  v_names text[];
  v_name text;
  v_options text[];
  v_item record;
  v_out jsonb := '[]'::jsonb;
  v_date jsonb;
  v_prev_date jsonb;
  v_start text;
  v_ftype text;
  v_url text;
  v_kept text;
begin
  if p_type in ('formula', 'rollup', 'created_time', 'last_edited_time', 'created_by',
                'last_edited_by', 'unique_id', 'button') then
    raise exception 'read_only: a Notion % property is computed by Notion and cannot be written',
      p_type using errcode = '0A000';
  end if;
  if jsonb_typeof(v_prev) = 'object' and v_prev ->> 'type' = p_type and v_prev ? p_type then
    v_raw_prev := v_prev;
    v_prev := notion_sync.notion_to_canonical(v_prev);
  end if;
  v_str := case jsonb_typeof(v_value)
    when 'string' then v_value #>> '{}'
    when 'number' then v_value::text
    when 'boolean' then v_value::text
  end;

  case p_type
  when 'title', 'rich_text' then
    if v_value is null or v_str = '' then
      return jsonb_build_object(p_type, '[]'::jsonb);
    elsif v_str is not null then
      return jsonb_build_object(p_type, notion_sync.rich_text_payload(
        case when v_prev is not null then notion_sync.rich_text_edit(v_str, v_prev)
             else jsonb_build_array(jsonb_build_object('text', jsonb_build_object('content', v_str)))
        end));
    elsif jsonb_typeof(v_value) = 'array' then
      return jsonb_build_object(p_type, notion_sync.rich_text_payload(v_value));
    end if;
    raise exception 'invalid_value: a Notion % value must come from text or a rich-text array, got %',
      p_type, left(v_value::text, 200) using errcode = '22023';

  when 'number' then
    if v_value is null or btrim(v_str) = '' then
      return '{"number": null}'::jsonb;
    end if;
    begin
      v_num := v_str::numeric;
    exception when others then
      v_num := null;
    end;
    if v_num is null or v_num = 'NaN'::numeric then
      raise exception 'invalid_value: % is not a number', left(v_value::text, 200) using errcode = '22023';
    end if;
    begin
      v_exact := v_num::text::float8::text::numeric = v_num;
    exception when others then
      v_exact := false;
    end;
    if not v_exact then
      raise exception 'number_precision: % cannot be written to Notion without losing precision (Notion numbers are JSON doubles: exact within ±2^53 = 9007199254740992 and to about 15 significant digits)',
        v_num using errcode = '22003';
    end if;
    return jsonb_build_object('number', v_num);

  when 'select', 'status' then
    v_name := nullif(case when jsonb_typeof(v_value) = 'object' then v_value ->> 'name' else v_str end, '');
    if v_name is null then
      return jsonb_build_object(p_type, null);
    end if;
    if strpos(v_name, ',') > 0 then
      raise exception 'invalid_option_name: the % option "%" contains a comma, which Notion option names cannot',
        p_type, v_name using errcode = '22023';
    end if;
    if p_type = 'status' then
      select array_agg(o.value ->> 'name' order by o.ordinality) into v_options
      from jsonb_array_elements(coalesce(p_property_schema -> 'status' -> 'options',
                                         p_property_schema -> 'options', '[]'::jsonb)) with ordinality o;
      if v_options is not null and not v_name = any (v_options) then
        raise exception 'unknown_status_option: "%" is not an option of the status property "%"; allowed: %',
          v_name, coalesce(p_property_schema ->> 'name', p_property_schema ->> 'id', '?'),
          (select string_agg(format('"%s"', x), ', ') from unnest(v_options) x)
          using errcode = '22023';
      end if;
    end if;
    return jsonb_build_object(p_type, jsonb_build_object('name', v_name));

  when 'multi_select' then
    if v_value is null then
      return '{"multi_select": []}'::jsonb;
    end if;
    if jsonb_typeof(v_value) <> 'array' then
      raise exception 'invalid_value: a multi_select value must come from an array of option names (text[]), got %',
        left(v_value::text, 200) using errcode = '22023';
    end if;
    select array_agg(x.name order by x.first) into v_names
    from (select n.name, min(n.ordinality) as first
          from (select nullif(coalesce(e.value ->> 'name', e.value #>> '{}'), '') as name, e.ordinality
                from jsonb_array_elements(v_value) with ordinality e) n
          where n.name is not null
          group by n.name) x;
    v_name := (select n from unnest(v_names) n where strpos(n, ',') > 0 limit 1);
    if v_name is not null then
      raise exception 'invalid_option_name: the multi_select option "%" contains a comma, which Notion option names cannot',
        v_name using errcode = '22023';
    end if;
    if cardinality(v_names) > 100 then
      raise exception 'too_many_items: % multi_select options; Notion accepts at most 100',
        cardinality(v_names) using errcode = '22023';
    end if;
    return jsonb_build_object('multi_select', coalesce(
      (select jsonb_agg(jsonb_build_object('name', n) order by o) from unnest(v_names) with ordinality u(n, o)),
      '[]'::jsonb));

  when 'date' then
    if v_value is null or v_str = '' then
      return '{"date": null}'::jsonb;
    end if;
    if jsonb_typeof(v_value) = 'object' then
      v_date := notion_sync.notion_date(v_value);
    elsif jsonb_typeof(v_value) = 'string' then
      v_start := notion_sync.notion_instant(v_str);
      v_date := jsonb_build_object('start', v_start, 'end', null, 'time_zone', null);
      v_prev_date := notion_sync.notion_date(v_prev);
      if v_prev_date is not null then
        if v_start ~ '^\d{4}-\d{2}-\d{2}$' and v_prev_date ->> 'start' !~ '^\d{4}-\d{2}-\d{2}$' then
          if to_char((v_prev_date ->> 'start')::timestamptz
                     at time zone coalesce(v_prev_date ->> 'time_zone', 'UTC'), 'YYYY-MM-DD') = v_start then
            v_date := v_prev_date;   -- a date column holding the day of the previous date-time
          end if;
        elsif v_start !~ '^\d{4}-\d{2}-\d{2}$' and v_prev_date ->> 'start' ~ '^\d{4}-\d{2}-\d{2}$' then
          if v_start = (v_prev_date ->> 'start') || 'T00:00:00.000Z' then
            v_date := v_prev_date;   -- a timestamptz column holding the previous date at UTC midnight
          end if;
        else
          v_date := jsonb_build_object(
            'start', v_start,
            'end', case when v_prev_date ->> 'end' >= v_start then v_prev_date -> 'end' end,
            'time_zone', case when v_start !~ '^\d{4}-\d{2}-\d{2}$' then v_prev_date -> 'time_zone' end);
        end if;
      end if;
    else
      raise exception 'invalid_value: a date value must come from a date, a timestamp, text or a {start, end, time_zone} object, got %',
        left(v_value::text, 200) using errcode = '22023';
    end if;
    if v_date is null then
      return '{"date": null}'::jsonb;
    end if;
    if v_date ->> 'time_zone' is not null and v_date ->> 'start' !~ '^\d{4}-\d{2}-\d{2}$' then
      -- with a time_zone, Notion wants local times without offset
      v_date := jsonb_build_object(
        'start', to_char((v_date ->> 'start')::timestamptz at time zone (v_date ->> 'time_zone'),
                         'YYYY-MM-DD"T"HH24:MI:SS.MS'),
        'end', to_char((v_date ->> 'end')::timestamptz at time zone (v_date ->> 'time_zone'),
                       'YYYY-MM-DD"T"HH24:MI:SS.MS'),
        'time_zone', v_date -> 'time_zone');
    end if;
    return jsonb_build_object('date', v_date);

  when 'checkbox' then
    begin
      return jsonb_build_object('checkbox', coalesce(v_str::boolean, false));
    exception when invalid_text_representation then
      raise exception 'invalid_value: % is not a checkbox value (true or false)', left(v_value::text, 200)
        using errcode = '22023';
    end;

  when 'url', 'email', 'phone_number' then
    v_str := nullif(v_str, '');
    if v_value is not null and v_str is null and jsonb_typeof(v_value) <> 'string' then
      raise exception 'invalid_value: a Notion % value must be text, got %', p_type, left(v_value::text, 200)
        using errcode = '22023';
    end if;
    if length(v_str) > (case p_type when 'url' then 2000 else 200 end) then
      raise exception 'too_long: the % has % characters; Notion accepts at most %', p_type, length(v_str),
        case p_type when 'url' then 2000 else 200 end using errcode = '22001';
    end if;
    return jsonb_build_object(p_type, v_str);

  when 'people', 'relation' then
    if v_value is null then
      return jsonb_build_object(p_type, '[]'::jsonb);
    end if;
    if jsonb_typeof(v_value) <> 'array' then
      raise exception 'invalid_value: a Notion % value must come from an array of ids, got %', p_type,
        left(v_value::text, 200) using errcode = '22023';
    end if;
    select array_agg(x.id order by x.first) into v_names
    from (select n.id, min(n.ordinality) as first
          from (select notion_sync.notion_id(nullif(coalesce(e.value ->> 'id', e.value #>> '{}'), '')) as id,
                       e.ordinality
                from jsonb_array_elements(v_value) with ordinality e) n
          where n.id is not null
          group by n.id) x;
    if cardinality(v_names) > 100 then
      raise exception 'too_many_items: % % ids; Notion accepts at most 100 per request', cardinality(v_names),
        p_type using errcode = '22023';
    end if;
    return jsonb_build_object(p_type, coalesce(
      (select jsonb_agg(jsonb_build_object('id', n) order by o) from unnest(v_names) with ordinality u(n, o)),
      '[]'::jsonb));

  when 'files' then
    if v_value is null then
      return '{"files": []}'::jsonb;
    end if;
    if jsonb_typeof(v_value) <> 'array' then
      raise exception 'invalid_value: a Notion files value must come from a JSON array of files, got %',
        left(v_value::text, 200) using errcode = '22023';
    end if;
    for v_item in
      select e.value as f from jsonb_array_elements(v_value) with ordinality e order by e.ordinality
    loop
      v_ftype := coalesce(v_item.f ->> 'type', 'external');
      v_url := coalesce(v_item.f -> v_ftype ->> 'url', v_item.f ->> 'url');
      v_name := coalesce(nullif(v_item.f ->> 'name', ''),
                         nullif(regexp_replace(notion_sync.url_without_query(v_url), '^.*/', ''), ''), v_url);
      if v_ftype = 'external' then
        if v_url is null or length(v_url) > 2000 then
          raise exception 'invalid_value: an external file needs a URL of at most 2000 characters, got %',
            left(coalesce(v_url, 'none'), 200) using errcode = '22023';
        end if;
        v_out := v_out || jsonb_build_array(jsonb_build_object(
          'name', v_name, 'type', 'external', 'external', jsonb_build_object('url', v_url)));
      elsif v_ftype = 'file_upload' then
        v_out := v_out || jsonb_build_array(jsonb_build_object(
          'name', v_name, 'type', 'file_upload', 'file_upload', v_item.f -> 'file_upload'));
      elsif v_ftype = 'file' then
        -- Notion-hosted: read-only; kept only when it is already there
        select coalesce(r.value -> 'file' ->> 'url', r.value ->> 'url') into v_kept
        from jsonb_array_elements(coalesce(v_raw_prev -> 'files', v_prev, '[]'::jsonb)) r
        where r.value ->> 'type' = 'file'
          and notion_sync.url_without_query(coalesce(r.value -> 'file' ->> 'url', r.value ->> 'url'))
              = notion_sync.url_without_query(v_url)
        limit 1;
        if v_kept is null then
          raise exception 'notion_hosted_file: "%" is a file hosted by Notion that this property does not hold; Notion-hosted files are read-only, add an external URL instead',
            v_name using errcode = '0A000';
        end if;
        v_out := v_out || jsonb_build_array(jsonb_build_object(
          'name', v_name, 'type', 'file', 'file', jsonb_build_object('url', v_kept)));
        v_kept := null;
      else
        raise exception 'invalid_value: unknown file type "%" (expected external, file or file_upload)',
          v_ftype using errcode = '22023';
      end if;
    end loop;
    return jsonb_build_object('files', v_out);

  else
    raise exception 'invalid_value: writing Notion % properties is not supported', p_type
      using errcode = '22023';
  end case;
end
$$;
comment on function notion_sync.column_to_notion(text, jsonb, jsonb, jsonb) is
  'Notion write payload of a column value. Any caller; raises 0A000 (read_only, '
  'notion_hosted_file), P0001 (formatting_would_be_lost), 22023, 22003 (number_precision), '
  '22001 (too_long), 22007.';
revoke execute on function notion_sync.column_to_notion(text, jsonb, jsonb, jsonb) from public;
grant execute on function notion_sync.column_to_notion(text, jsonb, jsonb, jsonb)
  to authenticated, service_role;
