-- Rich text is equal when its text and formatting are, however Notion splits it into segments.
begin;
select plan(8);

create function pg_temp.seg(p_text text, p_bold boolean default false, p_url text default null)
returns jsonb language sql as $$
  select jsonb_build_object('type', 'text',
    'text', jsonb_build_object('content', p_text, 'link', case when p_url is not null then jsonb_build_object('url', p_url) end),
    'annotations', jsonb_build_object('bold', p_bold, 'italic', false, 'strikethrough', false, 'underline', false,
                                      'code', false, 'color', 'default'),
    'plain_text', p_text, 'href', p_url)
$$;

select ok(notion_sync.values_equal('rich_text',
            jsonb_build_array(pg_temp.seg('Hello '), pg_temp.seg('world')),
            jsonb_build_array(pg_temp.seg('Hello world'))),
  'Two adjacent segments with the same formatting equal one merged segment.');
select ok(notion_sync.values_equal('title',
            jsonb_build_array(pg_temp.seg('Bold', true), pg_temp.seg(''), pg_temp.seg(' text', true)),
            '[{"type":"text","text":{"content":"Bold text"},"annotations":{"bold":true}}]'),
  'Empty segments are ignored and missing annotations mean the defaults.');
select ok(not notion_sync.values_equal('rich_text',
            jsonb_build_array(pg_temp.seg('Hello '), pg_temp.seg('world', true)),
            jsonb_build_array(pg_temp.seg('Hello world'))),
  'The same text with different formatting is not equal.');
select ok(not notion_sync.values_equal('rich_text',
            jsonb_build_array(pg_temp.seg('docs', false, 'https://a.example/')),
            jsonb_build_array(pg_temp.seg('docs', false, 'https://b.example/'))),
  'The same text with a different link is not equal.');
select ok(not notion_sync.values_equal('rich_text',
            '[{"type":"mention","mention":{"type":"user","user":{"id":"7775f3a3-edcd-8181-8d59-e30a27148c69"}},"plain_text":"@Ann"}]',
            jsonb_build_array(pg_temp.seg('@Ann'))),
  'A mention is not equal to plain text that reads the same.');
select ok(notion_sync.values_equal('rich_text',
            '[{"type":"mention","mention":{"type":"user","user":{"object":"user","id":"7775F3A3EDCD81818D59E30A27148C69","name":"Ann"}},"plain_text":"@Ann"}]',
            '[{"type":"mention","mention":{"type":"user","user":{"id":"7775f3a3-edcd-8181-8d59-e30a27148c69"}},"plain_text":"@Ann"}]'),
  'A user mention is equal to the same user however the user object is spelled.');
select ok(notion_sync.values_equal('rich_text',
            notion_sync.column_to_notion('rich_text', '[{"type":"mention","mention":{"type":"page","page":{"id":"393abc1e-edcd-80f3-813b-e205934558c6"}},"plain_text":"Roadmap"}]') -> 'rich_text',
            '[{"type":"mention","mention":{"type":"page","page":{"id":"393abc1e-edcd-80f3-813b-e205934558c6"}},"plain_text":"Roadmap (renamed)","href":"https://app.notion.com/p/393abc1eedcd80f3813be205934558c6"}]'),
  'A page mention as written equals the same mention read back, whatever the page is called now.');
select ok(notion_sync.values_equal('rich_text', null, '[]') and notion_sync.values_equal('title', '[]', jsonb_build_array(pg_temp.seg(''))),
  'No rich text, an empty array and an empty segment are all equal.');

select * from finish();
rollback;
