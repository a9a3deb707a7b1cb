-- Values beyond Notion's documented size limits are refused before anything is sent.
begin;
select plan(6);

select throws_ok($$ select notion_sync.column_to_notion('url', to_jsonb('https://example.com/' || repeat('a', 1981))) $$, '22001',
  'too_long: the url has 2001 characters; Notion accepts at most 2000', 'A URL over 2,000 characters is refused.');
select lives_ok($$ select notion_sync.column_to_notion('url', to_jsonb('https://example.com/' || repeat('a', 1980))) $$,
  'A URL of exactly 2,000 characters is accepted.');
select throws_ok($$ select notion_sync.column_to_notion('email', to_jsonb(repeat('a', 190) || '@example.com')) $$, '22001',
  'too_long: the email has 202 characters; Notion accepts at most 200', 'An email over 200 characters is refused.');
select throws_ok($$ select notion_sync.column_to_notion('phone_number', to_jsonb(repeat('1', 201))) $$, '22001',
  'too_long: the phone_number has 201 characters; Notion accepts at most 200', 'A phone number over 200 characters is refused.');
select throws_ok($$ select notion_sync.column_to_notion('rich_text', jsonb_build_array(jsonb_build_object(
                      'type', 'equation', 'equation', jsonb_build_object('expression', repeat('x', 1001))))) $$, '22001',
  'too_long: an equation has 1001 characters; Notion accepts at most 1000', 'An equation over 1,000 characters is refused.');
select throws_ok($$ select notion_sync.column_to_notion('multi_select', (select jsonb_agg('tag ' || g) from generate_series(1, 101) g)) $$,
  '22023', 'too_many_items: 101 multi_select options; Notion accepts at most 100',
  'More than 100 multi-select options are refused.');

select * from finish();
rollback;
