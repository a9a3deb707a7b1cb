-- Numbers compare by value, not by how they are written; their digits are kept.
begin;
select plan(7);

create temporary table integer_row (a integer) on commit drop;

select ok(notion_sync.values_equal('number', '1', '1.0'), '1 equals 1.0.');
select ok(notion_sync.values_equal('number', '2.50', '"2.5"'), 'A number equals the same number written as text.');
select ok(not notion_sync.values_equal('number', '2', '2.0001'), 'Different numbers are not equal.');
select ok(not notion_sync.values_equal('number', '0', 'null'), 'Zero is not the same as no number.');
select is(notion_sync.notion_to_canonical('{"id":"n","type":"number","number":1.50}'), '1.50'::jsonb,
  'The canonical number keeps the digits Notion sent.');
select is((select r.a from jsonb_populate_record(null::pg_temp.integer_row,
             jsonb_build_object('a', notion_sync.canonical_to_column('number', '3.0', 'integer'))) r), 3,
  'A whole number written with a decimal point still fits an integer column.');
select throws_ok($$ select notion_sync.canonical_to_column('number', '1.5', 'integer') $$, '22023',
  'invalid_value: the number 1.5 does not fit a column of type integer',
  'A fraction is refused by an integer column rather than rounded.');

select * from finish();
rollback;
