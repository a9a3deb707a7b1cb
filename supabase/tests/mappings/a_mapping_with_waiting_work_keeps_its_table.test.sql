-- A mapping with no links yet but with work that names its table's records (creates of pages for
-- them waiting in the outbox) is not moved to another table or key column: the creates were handed
-- out after the move and would have linked pages to keys the new table does not hold. The error
-- names what waits.
begin;
select plan(3);

select tests.create_user('waiting@example.com') as uid \gset
select tests.create_demo_mapping(:'uid') as mid \gset
select tests.authenticate_as(:'uid');
select notion_sync.attach_change_capture(:'mid');
select notion_sync_api.stage_schema(tests.demo_data_source());
insert into notion_sync_demo.tasks (owner_id, title, status) values (:'uid', 'Rec A', 'Todo'), (:'uid', 'Rec B', 'Todo');
select tests.sync_pages('[]', '{"create_unmatched": true}', 'full', true);
reset role;
select tests.owner_only_table('tasks_copy', 'task_id uuid primary key default gen_random_uuid(), title text, status text, done boolean');
select tests.authenticate_as(:'uid');

select throws_ok(format($$ select notion_sync_api.save_mapping(%L) $$,
    (select jsonb_build_object('name', 'tasks', 'connection_id', connection_id, 'data_source_id', 'ds-tasks',
                               'target_table', 'tasks_copy', 'key_column', 'task_id', 'owner_column', 'owner_id',
                               'field_map', field_map) from notion_sync.mappings)), '55000',
  'mapping "tasks" cannot move from notion_sync_demo.tasks (key task_id) to public.tasks_copy (key task_id) while '
  '0 links, 2 Notion writes, 0 deletions, 0 questions and 0 running runs name the records of its table. Let them '
  'finish (push the outbox, answer the questions) or save a mapping of another name for the new table',
  'A mapping whose creates wait is not moved to another table.');
select is((select target_table from notion_sync.mappings), 'tasks', 'It keeps its table.');
select is((select count(*)::int from notion_sync.outbox where op = 'create' and status = 'pending'), 2,
  'Its creates still wait, for the records they were made for.');

select * from finish();
rollback;
