-- Column values are never written to Notion's computed properties.
begin;
select plan(7);

select throws_ok($$ select notion_sync.column_to_notion('formula', '"x"') $$, '0A000',
  'read_only: a Notion formula property is computed by Notion and cannot be written',
  'A formula is refused as read-only.');
select throws_ok($$ select notion_sync.column_to_notion('rollup', '3') $$, '0A000',
  'read_only: a Notion rollup property is computed by Notion and cannot be written',
  'A rollup is refused as read-only.');
select throws_ok($$ select notion_sync.column_to_notion('created_time', '"2026-11-26T10:00:00Z"') $$, '0A000',
  'read_only: a Notion created_time property is computed by Notion and cannot be written',
  'Created time is refused as read-only.');
select throws_ok($$ select notion_sync.column_to_notion('last_edited_time', null) $$, '0A000',
  'read_only: a Notion last_edited_time property is computed by Notion and cannot be written',
  'Last edited time is refused as read-only, even to clear it.');
select throws_ok($$ select notion_sync.column_to_notion('created_by', '"7775f3a3-edcd-8181-8d59-e30a27148c69"') $$, '0A000',
  'read_only: a Notion created_by property is computed by Notion and cannot be written',
  'Created by is refused as read-only.');
select throws_ok($$ select notion_sync.column_to_notion('last_edited_by', '"7775f3a3-edcd-8181-8d59-e30a27148c69"') $$, '0A000',
  'read_only: a Notion last_edited_by property is computed by Notion and cannot be written',
  'Last edited by is refused as read-only.');
select throws_ok($$ select notion_sync.column_to_notion('unique_id', '"TASK-13"') $$, '0A000',
  'read_only: a Notion unique_id property is computed by Notion and cannot be written',
  'A unique id is refused as read-only.');

select * from finish();
rollback;
