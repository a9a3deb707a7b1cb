-- Two mappings of one owner on one table would each read the other's writes as a person's edit and
-- copy the other's records into their own data source (a full run of the second queued a page in
-- its data source for every record of the first). A second mapping of the table is refused, through
-- save_mapping or a direct insert, with an error naming both; saving the first again still works.
begin;
select plan(4);

select tests.linked_tasks('one-table@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
select notion_sync_api.stage_schema(tests.demo_data_source() || '{"id": "ds-other"}');
create temp table saved on commit drop as
  select jsonb_build_object('name', 'tasks', 'connection_id', connection_id, 'data_source_id', 'ds-tasks',
                            'target_schema', 'notion_sync_demo', 'target_table', 'tasks', 'key_column', 'task_id',
                            'owner_column', 'owner_id', 'field_map', field_map) as m
  from notion_sync.mappings;
grant select on saved to authenticated;

select throws_ok(format($$ select notion_sync_api.save_mapping(%L) $$,
    (select m || '{"name": "other", "data_source_id": "ds-other", "create_unmatched": true}' from saved)), '23505',
  'mapping "other" would sync notion_sync_demo.tasks, which mapping "tasks" already syncs: each would take the '
  'other''s writes for a person''s edits and copy the other''s records into its own data source. Sync a table '
  'through one mapping',
  'A second mapping of the owner''s table is refused, naming both mappings.');
select throws_ok(format($$ insert into notion_sync.mappings (owner_id, connection_id, name, data_source_id,
                            target_schema, target_table, key_column, owner_column)
                          select owner_id, connection_id, 'other', 'ds-other', 'notion_sync_demo', 'tasks',
                                 'task_id', 'owner_id' from notion_sync.mappings $$), '23505', null,
  'A direct insert of one is refused too.');
select is((select count(*)::int from notion_sync.mappings), 1, 'The owner keeps one mapping.');
select lives_ok(format($$ select notion_sync_api.save_mapping(%L) $$,
    (select m || '{"delete_policy": "unlink"}' from saved)),
  'The mapping of the table is saved again.');

select * from finish();
rollback;
