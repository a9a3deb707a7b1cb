-- A jsonb column holding rich text is written as that array, validated and in Notion's request form.
begin;
select plan(4);

select is(notion_sync.column_to_notion('rich_text', '[{"text":{"content":"Hi "}},{"type":"text","text":{"content":"there","link":{"url":"https://example.com/"}},"annotations":{"italic":true},"plain_text":"there","href":"https://example.com/"}]'),
  '{"rich_text": [
     {"type": "text", "text": {"content": "Hi ", "link": null},
      "annotations": {"bold": false, "italic": false, "strikethrough": false, "underline": false, "code": false, "color": "default"}},
     {"type": "text", "text": {"content": "there", "link": {"url": "https://example.com/"}},
      "annotations": {"bold": false, "italic": true, "strikethrough": false, "underline": false, "code": false, "color": "default"}}]}'::jsonb,
  'Items are sent in request form, with every annotation spelled out and response-only fields left out.');
select throws_ok($$ select notion_sync.column_to_notion('rich_text', '[{"type":"image","image":{}}]') $$, '22023',
  'invalid_value: unknown rich-text item type "image" (expected text, mention or equation)',
  'An item that is not rich text is refused.');
select throws_ok($$ select notion_sync.column_to_notion('title', '["just a string"]') $$, '22023',
  'invalid_value: a rich-text item must be a JSON object, got "just a string"',
  'A string inside the array is refused.');
select throws_ok($$ select notion_sync.column_to_notion('rich_text', '{"text":"not an array"}') $$, '22023',
  'invalid_value: a Notion rich_text value must come from text or a rich-text array, got {"text": "not an array"}',
  'A JSON object that is not an array is refused.');

select * from finish();
rollback;
