-- Change capture on a mapped table: an insert or update is recorded for the next reconcile (a
-- linked record is marked dirty), a delete and a TRUNCATE leave tombstones with the last values,
-- and the sync's own apply is not recorded as a Supabase edit.
begin;
select plan(8);

select tests.create_user('capture@example.com') as uid \gset
select tests.authenticate_as(:'uid');
select notion_sync_api.stage_schema(tests.demo_data_source());
insert into notion_sync.connections (name, token_ciphertext) values ('c', 'v1.x.y') returning connection_id as conn \gset
select notion_sync_api.save_mapping(jsonb_build_object('name', 'tasks', 'connection_id', :'conn',
  'data_source_id', 'ds-tasks', 'target_schema', 'notion_sync_demo', 'target_table', 'tasks',
  'key_column', 'task_id', 'owner_column', 'owner_id', 'field_map',
  '[{"property_id":"title","name":"Name","type":"title","column":"title"},
    {"property_id":"dn%3A","name":"Done","type":"checkbox","column":"done"}]'::jsonb)) as mapping \gset

-- the sync applies a page: a row and its link, not captured as an edit
select (notion_sync_api.start_run('tasks', 'retrieve', 'incremental') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('From Notion')))));
select notion_sync_api.reconcile(:'run', '{"create_unmatched": true}');
select is_empty($$ select 1 from notion_sync.record_changes union all
                   select 1 from notion_sync.links where dirty_at is not null $$,
  'The sync''s own apply is not captured as a Supabase edit.');

insert into notion_sync_demo.tasks (title) values ('Made in the app') returning task_id as new_task \gset
select results_eq($$ select record_key, op from notion_sync.record_changes $$,
  format($$ values (%L, 'insert') $$, :'new_task'), 'An inserted row is recorded as a change.');

update notion_sync_demo.tasks set done = true where title = 'From Notion';
select isnt((select dirty_at from notion_sync.links where page_id = 'p1'), null,
  'An update of a linked row marks its link dirty.');

update notion_sync_demo.tasks set title = 'Renamed in the app' where task_id = :'new_task';
select is((select count(*)::int from notion_sync.record_changes), 1,
  'Repeated edits of an unlinked row keep one change record.');

delete from notion_sync_demo.tasks where title = 'From Notion';
select results_eq($$ select page_id, cause, last_values ->> 'title', (last_values ->> 'done')::boolean
                     from notion_sync.tombstones $$,
  $$ values ('p1'::text, 'delete'::text, 'From Notion'::text, true) $$,
  'A deleted linked row leaves a tombstone with its page and its last values.');

select tests.clear_authentication();
insert into notion_sync_demo.tasks (owner_id, title) values (tests.create_user('someone-else@example.com'), 'Not mine');
select tests.authenticate_as(:'uid');
select is((select count(*)::int from notion_sync.record_changes), 1,
  'Rows of other owners are not captured for this owner''s mapping.');

-- a second page, then TRUNCATE
select notion_sync_api.finish_run(:'run', 'completed');
select (notion_sync_api.start_run('tasks', 'retrieve', 'incremental') ->> 'run_id') as run2 \gset
select notion_sync_api.stage_pages(:'run2', jsonb_build_array(
  tests.notion_page('p2', jsonb_build_object('Name', tests.title('Second')))));
select notion_sync_api.reconcile(:'run2', '{"create_unmatched": true}');
select tests.clear_authentication();
truncate notion_sync_demo.tasks;
select tests.authenticate_as(:'uid');
select results_eq($$ select page_id, last_values ->> 'title' from notion_sync.tombstones where cause = 'truncate'
                    order by page_id nulls last $$,
  $$ values ('p2'::text, 'Second'::text), (null, 'Renamed in the app') $$,
  'TRUNCATE leaves a tombstone per record with its values, linked or not yet synced.');
select is((select count(*)::int from notion_sync.links where mapping_id = :'mapping'), 2,
  'Links survive deletes: nothing is unlinked without the delete policy deciding.');

select * from finish();
rollback;
