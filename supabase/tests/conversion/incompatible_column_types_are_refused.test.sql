-- A column that cannot hold a property type is refused with an error naming both types.
begin;
select plan(7);

create domain pg_temp.short_text as text check (length(value) < 100);

select throws_ok($$ select notion_sync.canonical_to_column('multi_select', '["a"]', 'integer') $$, '42804',
  'incompatible_column_type: a Notion multi_select property cannot be stored in a column of type integer',
  'Multi-select into an integer column is refused, naming both types.');
select throws_ok($$ select notion_sync.canonical_to_column('files', null, 'text') $$, '42804',
  'incompatible_column_type: a Notion files property cannot be stored in a column of type text',
  'The refusal does not wait for a value, so a mapping can be checked before any data.');
select throws_ok($$ select notion_sync.canonical_to_column('formula', '"late"', 'numeric') $$, '42804',
  'incompatible_column_type: a Notion formula property whose value is a string cannot be stored in a column of type numeric',
  'A formula whose result does not fit its column is refused when converted.');
select ok(not notion_sync.column_type_accepts('checkbox', 'date') and notion_sync.column_type_accepts('checkbox', 'boolean'),
  'Checkbox fits a boolean column and not a date column.');
select ok(notion_sync.column_type_accepts('title', 'pg_temp.short_text'::regtype)
          and notion_sync.canonical_to_column('title', '[{"type":"text","text":{"content":"Hi"}}]', 'pg_temp.short_text'::regtype) = '"Hi"',
  'A domain over text is treated as text.');
select ok(notion_sync.column_type_accepts('people', 'uuid[]') and notion_sync.column_type_accepts('relation', 'character varying[]'),
  'People fit uuid[] and relations fit varchar[].');
select ok((select bool_and(notion_sync.column_type_accepts(t, 'jsonb'))
           from unnest(array['title', 'rich_text', 'number', 'select', 'status', 'multi_select', 'date', 'checkbox', 'url',
                             'email', 'phone_number', 'people', 'relation', 'files', 'formula', 'rollup', 'created_time',
                             'last_edited_time', 'created_by', 'last_edited_by', 'unique_id']) t),
  'A jsonb column holds every property type.');

select * from finish();
rollback;
