-- A plain-text edit of formatted rich text keeps the formatting of the text it leaves alone, as
-- DESIGN §4 promises ("it never flattens a page's formatting"), in two common cases the diff got
-- wrong:
--
-- * the new text is a part of the old one (text cut at both ends: "Owner: Fred, backend" with Fred
--   in bold, edited to "Fred"). The diff matched the last "d" of "backend" as the common end, so
--   the bold "Fred" counted as replaced and came back plain;
-- * the edit lies inside one text item (a letter of a bold word or a link retyped: "bold" → "BOLD",
--   "our site" → "Our site"). Typed text took its left neighbour's formatting, so the word lost its
--   bold, the link lost a letter.
--
-- Now rich_text_edit keeps the old items for a cut (the part of the old text that remains, with its
-- formatting) and splices an edit inside one text item into that item when the edit changes that
-- item's text (typing around a word, which the typed text repeats, stays the diff's: the word keeps
-- its formatting and the typed text its neighbour's); everything else (edits across items,
-- mentions and equations) is decided by the diff as before (rich_text_edit_by_diff).

alter function notion_sync.rich_text_edit(text, jsonb) rename to rich_text_edit_by_diff;
comment on function notion_sync.rich_text_edit_by_diff(text, jsonb) is
  'Rich text for a plain-text edit by a diff of the plain texts, keeping formatting of unchanged '
  'spans. Call rich_text_edit, which keeps cuts and edits inside one item whole. Any caller; raises '
  'P0001 formatting_would_be_lost.';

-- The part [p_from, p_to) (characters of the plain text) of normalized rich text: text items
-- trimmed, mentions and equations whole; null when the part cuts one of those. Immutable; any caller.
create function notion_sync.rich_text_part(p_segs jsonb, p_from integer, p_to integer)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_item jsonb;
  v_a integer := 0;
  v_b integer;
  v_out jsonb := '[]'::jsonb;
  v_content text;
begin
  for v_item in select e.value from jsonb_array_elements(p_segs) with ordinality e order by e.ordinality loop
    v_b := v_a + length(notion_sync.rich_text_plain(jsonb_build_array(v_item)));
    if v_b > p_from and v_a < p_to then
      if v_item ->> 'type' = 'text' then
        v_content := substr(v_item -> 'text' ->> 'content', greatest(p_from, v_a) - v_a + 1,
                            least(p_to, v_b) - greatest(p_from, v_a));
        v_out := v_out || jsonb_build_array(jsonb_set(jsonb_set(v_item, '{text,content}', to_jsonb(v_content)),
                                                      '{plain_text}', to_jsonb(v_content)));
      elsif v_a < p_from or v_b > p_to then
        return null;
      else
        v_out := v_out || jsonb_build_array(v_item);
      end if;
    end if;
    v_a := v_b;
  end loop;
  return v_out;
end
$$;
comment on function notion_sync.rich_text_part(jsonb, integer, integer) is
  'A part of normalized rich text by plain-text positions, formatting kept; null when it would cut '
  'a mention or equation. Any caller; raises nothing.';
revoke execute on function notion_sync.rich_text_part(jsonb, integer, integer) from public;
grant execute on function notion_sync.rich_text_part(jsonb, integer, integer) to authenticated, service_role;

-- Rich text for a plain-text edit of the previous rich text, keeping the formatting of what the
-- edit leaves: a cut keeps the remaining items, an edit inside one text item is spliced into it,
-- anything else is diffed (rich_text_edit_by_diff). Immutable; any caller; raises P0001
-- formatting_would_be_lost.
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
  v_part jsonb;
  v_p integer := 0;
  v_s integer := 0;
  v_e integer;
  v_item jsonb;
  v_i integer;
  v_a integer := 0;
  v_b integer;
  v_content text;
begin
  if v_new = v_old or v_new = '' or coalesce(jsonb_array_length(v_segs), 0) = 0 then
    return notion_sync.rich_text_edit_by_diff(p_text, p_previous);
  end if;
  -- a cut: the new text is a part of the old one
  if strpos(v_old, v_new) > 0 then
    v_part := notion_sync.rich_text_part(v_segs, strpos(v_old, v_new) - 1, strpos(v_old, v_new) - 1 + length(v_new));
    if v_part is not null then
      return v_part;
    end if;
  end if;
  -- the edited span: what lies between the common beginning and the common end
  while v_p < least(length(v_old), length(v_new)) and substr(v_old, v_p + 1, 1) = substr(v_new, v_p + 1, 1) loop
    v_p := v_p + 1;
  end loop;
  while v_s < least(length(v_old), length(v_new)) - v_p
        and substr(v_old, length(v_old) - v_s, 1) = substr(v_new, length(v_new) - v_s, 1) loop
    v_s := v_s + 1;
  end loop;
  v_e := length(v_old) - v_s;
  -- inside one text item; the diff places an insertion at an item's edge, and keeps text that the
  -- typed text repeats (typing around a word keeps the word's formatting to the word)
  if v_e > v_p and strpos(substr(v_new, v_p + 1, length(v_new) - v_s - v_p), substr(v_old, v_p + 1, v_e - v_p)) > 0 then
    return notion_sync.rich_text_edit_by_diff(p_text, p_previous);
  end if;
  for v_item, v_i in select e.value, e.ordinality::integer from jsonb_array_elements(v_segs) with ordinality e
                     order by e.ordinality loop
    v_b := v_a + length(notion_sync.rich_text_plain(jsonb_build_array(v_item)));
    if v_item ->> 'type' = 'text' and v_a <= v_p and v_e <= v_b
       and not (v_p = v_e and (v_p = v_a or v_p = v_b)) then
      v_content := left(v_item -> 'text' ->> 'content', v_p - v_a)
                   || substr(v_new, v_p + 1, length(v_new) - v_s - v_p)
                   || substr(v_item -> 'text' ->> 'content', v_e - v_a + 1);
      return jsonb_set(v_segs, array[(v_i - 1)::text],
                       jsonb_set(jsonb_set(v_item, '{text,content}', to_jsonb(v_content)),
                                 '{plain_text}', to_jsonb(v_content)));
    end if;
    v_a := v_b;
  end loop;
  return notion_sync.rich_text_edit_by_diff(p_text, p_previous);
end
$$;
comment on function notion_sync.rich_text_edit(text, jsonb) is
  'Rich text for a plain-text edit, keeping the formatting of unchanged spans (a cut keeps the '
  'remaining items, an edit inside one text item is spliced into it). Any caller; raises P0001 '
  'formatting_would_be_lost.';
revoke execute on function notion_sync.rich_text_edit(text, jsonb) from public;
grant execute on function notion_sync.rich_text_edit(text, jsonb) to authenticated, service_role;
