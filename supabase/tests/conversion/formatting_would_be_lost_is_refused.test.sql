-- An edit that would change part of a mention or an equation is refused, never flattened.
begin;
select plan(5);

-- "Ask " + @Ann (mention) + " about " + E=mc^2 (equation) + " today"
create function pg_temp.previous() returns jsonb language sql as $$
  select '[{"type":"text","text":{"content":"Ask ","link":null},"plain_text":"Ask "},
           {"type":"mention","mention":{"type":"user","user":{"id":"7775f3a3-edcd-8181-8d59-e30a27148c69"}},"plain_text":"@Ann"},
           {"type":"text","text":{"content":" about ","link":null},"plain_text":" about "},
           {"type":"equation","equation":{"expression":"E=mc^2"},"plain_text":"E=mc^2"},
           {"type":"text","text":{"content":" today","link":null},"plain_text":" today"}]'::jsonb
$$;

select throws_ok($$ select notion_sync.column_to_notion('rich_text', '"Ask @Jan about E=mc^2 today"', pg_temp.previous()) $$,
  'P0001',
  'formatting_would_be_lost: the edit changes part of the mention "@Ann" (characters 5 to 8); edit it in Notion, or replace or delete it whole',
  'Changing the text inside a mention is refused as formatting_would_be_lost.');
select throws_like($$ select notion_sync.column_to_notion('rich_text', '"Ask @Ann about E=mc^3 today"', pg_temp.previous()) $$,
  'formatting_would_be_lost: the edit changes part of the equation "E=mc^2"%',
  'Changing part of an equation is refused as formatting_would_be_lost.');
select throws_like($$ select notion_sync.column_to_notion('title', '"Ask @Bob about E=mc^2 today"', pg_temp.previous()) $$,
  'formatting_would_be_lost:%', 'A title edit cutting through a mention is refused the same way.');
select lives_ok($$ select notion_sync.column_to_notion('rich_text', '"Ask about E=mc^2 today"', pg_temp.previous()) $$,
  'Deleting a mention whole is an edit, not a loss of formatting.');
select lives_ok($$ select notion_sync.column_to_notion('rich_text', '"Please ask @Ann about E=mc^2 right now"', pg_temp.previous()) $$,
  'Editing around a mention and an equation is accepted.');

select * from finish();
rollback;
