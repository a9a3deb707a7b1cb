-- A mapping whose records are linked to pages cannot be saved onto another table, key column or data
-- source (every link would then look deleted and be asked about); the error names the links and
-- both targets. Saved onto the same target it still changes, and a mapping without links moves. A
-- mapping names one of its owner's connections.
begin;
select plan(6);

select tests.linked_tasks('keeps-table@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
reset role;
select tests.owner_only_table('tasks_copy', 'task_id uuid primary key default gen_random_uuid(), title text, status text, done boolean');
select tests.authenticate_as(:'uid');
create temp table saved on commit drop as
  select jsonb_build_object('name', 'tasks', 'connection_id', connection_id, 'data_source_id', 'ds-tasks',
                            'target_schema', 'notion_sync_demo', 'target_table', 'tasks', 'key_column', 'task_id',
                            'owner_column', 'owner_id', 'field_map', field_map) as m
  from notion_sync.mappings;
grant select on saved to authenticated;

select throws_ok(format($$ select notion_sync_api.save_mapping(%L) $$,
    (select m || '{"target_schema": "public", "target_table": "tasks_copy"}' from saved)), '55000',
  'mapping "tasks" links 2 records of notion_sync_demo.tasks (key task_id) to pages of data source ds-tasks, so it '
  'cannot move to public.tasks_copy (key task_id) of data source ds-tasks: its links would name records and pages '
  'that are not there, and every one would be asked about as deleted. Save a mapping of another name for the new '
  'target (a data source Notion recreated is followed with adopt_data_source)',
  'A linked mapping is not moved to another table.');
select throws_ok(format($$ select notion_sync_api.save_mapping(%L) $$,
    (select m || '{"data_source_id": "ds-other"}' from saved)), '55000', null,
  'Nor to another data source.');
select is((select target_table from notion_sync.mappings where name = 'tasks'), 'tasks', 'It keeps its table.');

select lives_ok(format($$ select notion_sync_api.save_mapping(%L) $$,
    (select m || '{"delete_policy": "unlink"}' from saved)),
  'Saved onto the same target, it changes.');
select lives_ok(format($$ select notion_sync_api.save_mapping(%L) $$,
    (select m || '{"name": "copy", "target_schema": "public", "target_table": "tasks_copy"}' from saved)),
  'A mapping of another name syncs the other table.');

-- another user's connection
reset role;
select tests.create_user('stranger@example.com') as stranger \gset
insert into notion_sync.connections (owner_id, name, token_ciphertext) values (:'stranger', 's', 'v1.x.y')
returning connection_id as theirs \gset
select tests.authenticate_as(:'uid');
select throws_ok(format($$ select notion_sync_api.save_mapping(%L) $$,
    (select m || jsonb_build_object('name', 'borrowed', 'connection_id', :'theirs') from saved)), '22023',
  format('mapping "borrowed": connection %s is not one of yours', :'theirs'),
  'A mapping may not name another user''s connection.');

select * from finish();
rollback;
