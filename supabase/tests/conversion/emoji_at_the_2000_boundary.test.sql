-- Long text is split into text objects of at most 2,000 UTF-16 units, never inside an emoji.
begin;
select plan(8);

-- UTF-16 length of each text object of a payload
create function pg_temp.units(p_payload jsonb, p_key text default 'rich_text') returns integer[] language sql as $$
  select array_agg(notion_sync.utf16_length(e.value -> 'text' ->> 'content') order by e.ordinality)
  from jsonb_array_elements(p_payload -> p_key) with ordinality e
$$;
create function pg_temp.joined(p_payload jsonb, p_key text default 'rich_text') returns text language sql as $$
  select string_agg(e.value -> 'text' ->> 'content', '' order by e.ordinality)
  from jsonb_array_elements(p_payload -> p_key) with ordinality e
$$;

select is(pg_temp.units(notion_sync.column_to_notion('rich_text', to_jsonb(repeat('a', 1999) || '😀' || 'tail'))),
  array[1999, 6], 'An emoji that would straddle unit 2,000 moves whole into the next text object.');
select is(pg_temp.joined(notion_sync.column_to_notion('rich_text', to_jsonb(repeat('a', 1999) || '😀' || 'tail'))),
  repeat('a', 1999) || '😀' || 'tail', 'The split text joins back to the original.');
select is(pg_temp.units(notion_sync.column_to_notion('rich_text', to_jsonb(repeat('a', 1998) || '😀' || 'tail'))),
  array[2000, 4], 'An emoji ending exactly at unit 2,000 stays in the first text object.');
select is(pg_temp.units(notion_sync.column_to_notion('title', to_jsonb(repeat('😀', 2500)), null), 'title'),
  array[2000, 2000, 1000], 'Text made only of emoji is split at 1,000 emoji, 2,000 units each.');
select is(pg_temp.units(notion_sync.column_to_notion('rich_text', to_jsonb(repeat('é', 2000)))),
  array[2000], 'Accented letters count one unit each, so 2,000 of them fit one text object.');
select ok((select bool_and((e.value -> 'annotations' ->> 'bold')::boolean
                           and e.value -> 'text' -> 'link' ->> 'url' = 'https://example.com/')
           from jsonb_array_elements(notion_sync.column_to_notion('rich_text', jsonb_build_array(jsonb_build_object(
             'type', 'text', 'text', jsonb_build_object('content', repeat('b', 4500), 'link', '{"url":"https://example.com/"}'::jsonb),
             'annotations', '{"bold":true}'::jsonb))) -> 'rich_text') e),
  'Every part of a split formatted segment keeps its annotations and link.');
select is(jsonb_array_length(notion_sync.column_to_notion('rich_text', to_jsonb(repeat('x', 200000))) -> 'rich_text'), 100,
  'Two hundred thousand characters fill exactly 100 text objects.');
select throws_ok($$ select notion_sync.column_to_notion('rich_text', to_jsonb(repeat('x', 200001))) $$, '22023',
  'too_many_items: this rich text needs 101 rich-text objects; Notion accepts at most 100 (about 200,000 characters)',
  'Text needing more than 100 text objects is refused with a clear error.');

select * from finish();
rollback;
