-- A pending change of a mapping is its owner's: a user who knows another user's mapping id and a
-- record key cannot record a change of their own under it first, which the capture trigger then
-- refreshed in place of recording the owner's insert, so the owner's new record had no pending change
-- they could see (and no run of theirs would send it to Notion).
begin;
select plan(2);

select tests.linked_tasks('pending-alice@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as alice \gset
select mapping_id as alice_mapping from notion_sync.mappings where owner_id = :'alice' \gset
select tests.clear_authentication();
select tests.create_user('pending-bob@example.com') as bob \gset

select tests.authenticate_as(:'bob');
select is(tests.sqlstate_of(format(
  $$ insert into notion_sync.record_changes (mapping_id, record_key, owner_id, op)
     values (%L, '00000000-0000-4000-8000-000000000001', %L, 'insert') $$, :'alice_mapping', :'bob')), '23503',
  'A pending change of one user under another user''s mapping is refused.');

select tests.authenticate_as(:'alice');
insert into notion_sync_demo.tasks (task_id, title) values ('00000000-0000-4000-8000-000000000001', 'New');
select results_eq($$ select op from notion_sync.record_changes where record_key = '00000000-0000-4000-8000-000000000001' $$,
  $$ values ('insert') $$, 'The owner''s new record waits as a pending change of hers.');

select * from finish();
rollback;
