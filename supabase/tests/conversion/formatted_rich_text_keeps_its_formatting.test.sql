-- A plain-text edit made in Supabase is written back keeping the formatting of unchanged spans.
begin;
select plan(9);

-- "Hello " bold, "world" linked, " and " plain, @Ann (a mention), " the end" italic
create function pg_temp.previous() returns jsonb language sql as $$
  select notion_sync.notion_to_canonical('{"id":"rt","type":"rich_text","rich_text":[
    {"type":"text","text":{"content":"Hello ","link":null},"annotations":{"bold":true,"italic":false,"strikethrough":false,"underline":false,"code":false,"color":"default"},"plain_text":"Hello ","href":null},
    {"type":"text","text":{"content":"world","link":{"url":"https://example.com/"}},"annotations":{"bold":false,"italic":false,"strikethrough":false,"underline":false,"code":false,"color":"default"},"plain_text":"world","href":"https://example.com/"},
    {"type":"text","text":{"content":" and ","link":null},"annotations":{"bold":false,"italic":false,"strikethrough":false,"underline":false,"code":false,"color":"default"},"plain_text":" and ","href":null},
    {"type":"mention","mention":{"type":"user","user":{"object":"user","id":"7775f3a3-edcd-8181-8d59-e30a27148c69"}},"annotations":{"bold":false,"italic":false,"strikethrough":false,"underline":false,"code":false,"color":"default"},"plain_text":"@Ann","href":null},
    {"type":"text","text":{"content":" the end","link":null},"annotations":{"bold":false,"italic":true,"strikethrough":false,"underline":false,"code":false,"color":"default"},"plain_text":" the end","href":null}]}')
$$;

-- the payload as a compact list: text [bold|italic|link] / @mention
create function pg_temp.shape(p_payload jsonb) returns text language sql as $$
  select string_agg(case e.value ->> 'type'
    when 'text' then format('[%s%s%s%s]', e.value -> 'text' ->> 'content',
                            case when (e.value -> 'annotations' ->> 'bold')::boolean then '|bold' else '' end,
                            case when (e.value -> 'annotations' ->> 'italic')::boolean then '|italic' else '' end,
                            coalesce('|' || (e.value -> 'text' -> 'link' ->> 'url'), ''))
    when 'mention' then format('{mention %s}', e.value -> 'mention' -> 'user' ->> 'id')
    else format('{equation %s}', e.value -> 'equation' ->> 'expression') end, '' order by e.ordinality)
  from jsonb_array_elements(p_payload -> 'rich_text') with ordinality e
$$;

select is(pg_temp.shape(notion_sync.column_to_notion('rich_text', '"Hello world and @Ann the end"', pg_temp.previous())),
  '[Hello |bold][world|https://example.com/][ and ]{mention 7775f3a3-edcd-8181-8d59-e30a27148c69}[ the end|italic]',
  'Unchanged text is written back with all of its formatting.');
select is(pg_temp.shape(notion_sync.column_to_notion('rich_text', '"Hi world and @Ann the end"', pg_temp.previous())),
  '[Hi |bold][world|https://example.com/][ and ]{mention 7775f3a3-edcd-8181-8d59-e30a27148c69}[ the end|italic]',
  'Text edited inside a bold span stays bold, and the rest keeps its formatting.');
select is(pg_temp.shape(notion_sync.column_to_notion('rich_text', '"Hello world and @Ann the happy end"', pg_temp.previous())),
  '[Hello |bold][world|https://example.com/][ and ]{mention 7775f3a3-edcd-8181-8d59-e30a27148c69}[ the happy end|italic]',
  'Text inserted inside an italic span is italic.');
select is(pg_temp.shape(notion_sync.column_to_notion('rich_text', '"Hello big world! and @Ann the end"', pg_temp.previous())),
  '[Hello big |bold][world!|https://example.com/][ and ]{mention 7775f3a3-edcd-8181-8d59-e30a27148c69}[ the end|italic]',
  'Two insertions around a link keep the link on its text; inserted text takes the left neighbour''s formatting.');
select is(pg_temp.shape(notion_sync.column_to_notion('rich_text', '"Hello world and  the end"', pg_temp.previous())),
  '[Hello |bold][world|https://example.com/][ and ][ the end|italic]',
  'Deleting a mention whole removes just the mention.');
select is(pg_temp.shape(notion_sync.column_to_notion('rich_text', '"Hello world and @Ann"', pg_temp.previous())),
  '[Hello |bold][world|https://example.com/][ and ]{mention 7775f3a3-edcd-8181-8d59-e30a27148c69}',
  'Deleting the tail keeps everything before it.');
select is(pg_temp.shape(notion_sync.column_to_notion('rich_text', '"Hello world and @Ann, @Ann the end"', pg_temp.previous())),
  '[Hello |bold][world|https://example.com/][ and ]{mention 7775f3a3-edcd-8181-8d59-e30a27148c69}[, @Ann the end|italic]',
  'Typing text that repeats a mention''s text keeps the mention and adds plain text.');
select is(pg_temp.shape(notion_sync.column_to_notion('title', '"Hello world and @Ann the end"', pg_temp.previous())
                        - 'title' || jsonb_build_object('rich_text',
                           notion_sync.column_to_notion('title', '"Hello world and @Ann the end"', pg_temp.previous()) -> 'title')),
  '[Hello |bold][world|https://example.com/][ and ]{mention 7775f3a3-edcd-8181-8d59-e30a27148c69}[ the end|italic]',
  'A title is written the same way, under the title key.');
select is(notion_sync.canonical_to_column('rich_text',
            notion_sync.rich_text_edit('Hi there, world and @Ann the very end', pg_temp.previous()), 'text'),
  '"Hi there, world and @Ann the very end"'::jsonb,
  'The edited rich text reads back in a text column as exactly the text that was typed.');

select * from finish();
rollback;
