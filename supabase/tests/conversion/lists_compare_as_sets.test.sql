-- Multi-select, people and relation compare as sets; option names with commas are refused.
begin;
select plan(8);

select ok(notion_sync.values_equal('multi_select', '["b", "a"]', '["a", "b", "a"]'),
  'Multi-select options in another order, or repeated, are equal.');
select ok(not notion_sync.values_equal('multi_select', '["a"]', '["a", "b"]'), 'A missing option is a difference.');
select ok(notion_sync.values_equal('people', '["393abc1eedcd81818d59e30a27148c69", "7775f3a3-edcd-8181-8d59-e30a27148c69"]',
                                             '["7775F3A3-EDCD-8181-8D59-E30A27148C69", "393abc1e-edcd-8181-8d59-e30a27148c69"]'),
  'People compare by id, in any order, dashed or not.');
select ok(notion_sync.values_equal('relation', '[{"id":"393abc1e-edcd-80f3-813b-e205934558c6"}]', '["393abc1e-edcd-80f3-813b-e205934558c6"]'),
  'A relation compares by page id, whether given as ids or as Notion''s objects.');
select is(notion_sync.column_to_notion('multi_select', to_jsonb(array['urgent', 'backend', 'urgent'])),
  '{"multi_select": [{"name": "urgent"}, {"name": "backend"}]}'::jsonb,
  'A text[] column is written as option names in its order, without repeats.');
select throws_ok($$ select notion_sync.column_to_notion('multi_select', to_jsonb(array['a, b', 'c'])) $$, '22023',
  'invalid_option_name: the multi_select option "a, b" contains a comma, which Notion option names cannot',
  'A multi-select option name with a comma is refused.');
select throws_ok($$ select notion_sync.column_to_notion('select', '"x,y"') $$, '22023',
  'invalid_option_name: the select option "x,y" contains a comma, which Notion option names cannot',
  'A select option name with a comma is refused.');
select throws_ok($$ select notion_sync.column_to_notion('relation', (select jsonb_agg(gen_random_uuid()) from generate_series(1, 101))) $$,
  '22023', 'too_many_items: 101 relation ids; Notion accepts at most 100 per request',
  'A relation of more than 100 pages is refused rather than cut.');

select * from finish();
rollback;
