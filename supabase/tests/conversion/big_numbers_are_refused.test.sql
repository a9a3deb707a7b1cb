-- Numbers that a JSON double cannot carry exactly are refused rather than silently rounded.
begin;
select plan(7);

select throws_ok($$ select notion_sync.column_to_notion('number', to_jsonb(9007199254740993::bigint)) $$,
  '22003',
  'number_precision: 9007199254740993 cannot be written to Notion without losing precision (Notion numbers are JSON doubles: exact within ±2^53 = 9007199254740992 and to about 15 significant digits)',
  'A bigint just beyond 2^53 is refused, naming the value.');
select throws_ok($$ select notion_sync.column_to_notion('number', '-9007199254740993') $$, '22003', null,
  'A number just below -2^53 is refused.');
select throws_ok($$ select notion_sync.column_to_notion('number', to_jsonb(9223372036854775807::bigint)) $$, '22003', null,
  'The largest bigint is refused.');
select throws_ok($$ select notion_sync.column_to_notion('number', to_jsonb(0.12345678901234567890::numeric)) $$, '22003', null,
  'A decimal with more digits than a double holds is refused.');
select is(notion_sync.column_to_notion('number', to_jsonb(9007199254740992::bigint)),
  '{"number": 9007199254740992}'::jsonb, '2^53 itself is exact in a double and is written.');
select is(notion_sync.column_to_notion('number', to_jsonb(1e20::numeric)),
  '{"number": 100000000000000000000}'::jsonb, 'A large power of ten, exact in a double, is written.');
select is(notion_sync.column_to_notion('number', to_jsonb(0.1::numeric)),
  '{"number": 0.1}'::jsonb, 'An ordinary decimal is written with its digits.');

select * from finish();
rollback;
