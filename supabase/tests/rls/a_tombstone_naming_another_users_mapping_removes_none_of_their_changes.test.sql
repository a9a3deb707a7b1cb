-- A tombstone forgets the pending change of its own owner's deleted row only: a user who tries to
-- insert a tombstone naming another user's mapping and record is refused and removes none of that
-- user's pending changes, while a row the owner deletes still leaves no pending change.
begin;
select plan(3);

select tests.linked_tasks('tomb-bob@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as bob \gset
insert into notion_sync_demo.tasks (title) values ('pending'), ('temporary');
select task_id as bob_key from notion_sync_demo.tasks where title = 'pending' \gset
select mapping_id as bob_mapping from notion_sync.mappings where owner_id = :'bob' \gset
select tests.clear_authentication();
select tests.create_user('tomb-alice@example.com') as alice \gset

select tests.authenticate_as(:'alice');
select is(tests.sqlstate_of(format(
  $$ insert into notion_sync.tombstones (mapping_id, owner_id, record_key, last_values, cause)
     values (%L, %L, %L, '{}', 'delete') $$, :'bob_mapping', :'alice', :'bob_key')), '23503',
  'A tombstone of one user under another user''s mapping is refused.');
select tests.clear_authentication();
select is((select count(*)::int from notion_sync.record_changes where owner_id = :'bob' and record_key = :'bob_key'), 1,
  'Another user''s tombstone leaves the owner''s pending change in place.');

select tests.authenticate_as(:'bob');
delete from notion_sync_demo.tasks where title = 'temporary';
select tests.clear_authentication();
select is((select array_agg(record_key) from notion_sync.record_changes where owner_id = :'bob'), array[:'bob_key'],
  'A row the owner deletes under their own policies still leaves no pending change.');

select * from finish();
rollback;
