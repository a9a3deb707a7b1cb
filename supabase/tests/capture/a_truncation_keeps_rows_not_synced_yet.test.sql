-- TRUNCATE gives every row of the owner its tombstone, as DELETE does, not only the linked ones:
-- a row whose create is queued has it cancelled when the push claims it (Notion gets no page of a
-- record that no longer exists), a row whose change waits for a run leaves no change behind, and
-- both keep their values.
begin;
select plan(5);

select tests.linked_tasks('truncate-unsynced@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
insert into notion_sync_demo.tasks (owner_id, title, status) values (:'uid', 'Queued', 'Todo') returning task_id as queued \gset
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{"create_unmatched": true}', 'full', true);
insert into notion_sync_demo.tasks (owner_id, title, status) values (:'uid', 'Waiting', 'Todo') returning task_id as waiting \gset
select is((select count(*)::int from notion_sync.outbox where op = 'create' and status = 'pending'), 1,
  'The first new record has its create queued.');

reset role;
truncate notion_sync_demo.tasks;
select tests.authenticate_as(:'uid');

select results_eq(
  $$ select last_values ->> 'title', page_id is null from notion_sync.tombstones order by last_values ->> 'title' $$,
  $$ values ('One', false), ('Queued', true), ('Waiting', true) $$,
  'Every row has its tombstone with its values, the linked one with its page.');
select is((select count(*)::int from notion_sync.record_changes), 0, 'No change is left waiting for a run.');
select is((select count(*)::int from notion_sync_api.claim_outbox_for('tasks') where op = 'create'), 0,
  'The push claims no create.');
select is((select outcome ->> 'cancelled' from notion_sync.outbox where record_key = :'queued'),
  format('record %s was deleted before the create was sent', :'queued'),
  'The queued create is cancelled, saying why.');

select * from finish();
rollback;
