-- A plain-text edit that cuts formatted rich text keeps the formatting of what remains, and an edit
-- inside one formatted span (a letter retyped, a word's case changed) keeps that span's formatting:
-- the diff used to take the edit for a replacement of the span and write it back plain.
begin;
select plan(4);

-- the payload as a compact list: text [bold|link]
create function pg_temp.shape(p_items jsonb) returns text language sql as $$
  select string_agg(format('[%s%s%s]', e.value -> 'text' ->> 'content',
                           case when (e.value -> 'annotations' ->> 'bold')::boolean then '|bold' else '' end,
                           coalesce('|' || (e.value -> 'text' -> 'link' ->> 'url'), '')), '' order by e.ordinality)
  from jsonb_array_elements(p_items) with ordinality e
$$;
create function pg_temp.rich(p_spans text[][]) returns jsonb language sql as $$
  select jsonb_agg(jsonb_build_object('type', 'text',
           'text', jsonb_build_object('content', s[1], 'link', case when s[2] like 'http%' then jsonb_build_object('url', s[2]) end),
           'annotations', jsonb_build_object('bold', s[2] = 'bold')) order by o)
  from (select array[p_spans[i][1], p_spans[i][2]] as s, i as o from generate_subscripts(p_spans, 1) i) x
$$;

select is(pg_temp.shape(notion_sync.rich_text_edit('Fred',
            pg_temp.rich(array[['Owner: ', ''], ['Fred', 'bold'], [', backend', '']]))),
  '[Fred|bold]', 'Cutting the text around a bold word keeps the word bold.');
select is(pg_temp.shape(notion_sync.rich_text_edit('Hello BOLD world',
            pg_temp.rich(array[['Hello ', ''], ['bold', 'bold'], [' world', '']]))),
  '[Hello ][BOLD|bold][ world]', 'A bold word retyped in capitals stays bold.');
select is(pg_temp.shape(notion_sync.rich_text_edit('Visit Our site today',
            pg_temp.rich(array[['Visit ', ''], ['our site', 'https://example.com/'], [' today', '']]))),
  '[Visit ][Our site|https://example.com/][ today]', 'A letter retyped in a link stays in the link.');
select is(pg_temp.shape(notion_sync.rich_text_edit('Visit our new site today',
            pg_temp.rich(array[['Visit ', ''], ['our site', 'https://example.com/'], [' today', '']]))),
  '[Visit ][our new site|https://example.com/][ today]', 'A word typed inside a link joins the link.');

select * from finish();
rollback;
