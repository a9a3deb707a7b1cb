-- A mapping deleted and saved again onto the same data source, table and key column finds the pairs
-- it had: a record retitled meanwhile is not paired by title with nothing and given a second page,
-- and its page is not made a second record. The pairs keep the values both sides last agreed on, so
-- an edit made while the mapping was gone is synced (Supabase's pushed, Notion's applied), a record
-- deleted meanwhile is asked about instead of coming back, and a deletion still undecided keeps the
-- record's last values.
begin;
select plan(8);

select tests.linked_tasks('again@example.com', jsonb_build_array(
  tests.task_page('p1', 'Buy milk'), tests.task_page('p2', 'Call Bob'), tests.task_page('p3', 'Pay rent'),
  tests.task_page('p4', 'Water plants'))) as uid \gset
create temp table saved on commit drop as
  select jsonb_build_object('name', 'tasks', 'connection_id', connection_id, 'data_source_id', 'ds-tasks',
                            'target_schema', 'notion_sync_demo', 'target_table', 'tasks', 'key_column', 'task_id',
                            'owner_column', 'owner_id', 'field_map', field_map) as m
  from notion_sync.mappings;
grant select on saved to authenticated;
create temp table pairs on commit drop as select page_id, record_key from notion_sync.links;
grant select on pairs to authenticated;
-- a deletion asked about when the mapping goes
delete from notion_sync_demo.tasks where title = 'Water plants';

delete from notion_sync.mappings where name = 'tasks';
-- meanwhile: a record retitled in Supabase, one deleted (no mapping saw it)
update notion_sync_demo.tasks set title = 'Phone Robert about the lease' where title = 'Call Bob';
reset role;
delete from notion_sync_demo.tasks where title = 'Pay rent';
select tests.authenticate_as(:'uid');

select notion_sync_api.save_mapping(m) from saved;
create temp table pages on commit drop as select jsonb_build_array(
  tests.task_page('p1', 'Buy oat milk'), tests.task_page('p2', 'Call Bob'), tests.task_page('p3', 'Pay rent'),
  tests.task_page('p4', 'Water plants')) as p;
grant select on pages to authenticated;
select tests.matched_full_run('tasks', (select p from pages));
select tests.matched_full_run('tasks', (select p from pages));

select set_eq($$ select page_id, record_key from notion_sync.links $$, $$ select page_id, record_key from pairs $$,
  'The mapping saved again has the pairs it had.');
select is((select count(*)::int from notion_sync.outbox where op = 'create'), 0, 'No record gets a second page.');
select is((select count(*)::int from notion_sync_demo.tasks), 2, 'No page becomes a second record.');
select is((select title from notion_sync_demo.tasks t join notion_sync.links l on l.record_key = t.task_id::text
           where l.page_id = 'p1'), 'Buy oat milk', 'A title edited in Notion meanwhile reaches the record.');
select is((select properties -> 'title' -> 'title' -> 0 -> 'text' ->> 'content' from notion_sync.outbox
           where page_id = 'p2' and op = 'update'), 'Phone Robert about the lease',
  'A title edited in Supabase meanwhile is pushed to its page.');
select is((select status from notion_sync.conflicts where page_id = 'p3' and kind = 'record_deleted'), 'open',
  'A record deleted meanwhile is asked about.');
select is((select last_values ->> 'title' from notion_sync.tombstones t join pairs p using (record_key)
           where p.page_id = 'p4' and t.resolved_at is null), 'Water plants',
  'A deletion undecided when the mapping went keeps the record''s last values.');
select is((select count(*)::int from notion_sync.retired_links), 0, 'The pairs kept for it are handed over.');

select * from finish();
rollback;
