-- An edit made in Supabase and queued for Notion, but not sent yet, when its mapping is deleted goes
-- with the mapping's outbox; it is not lost: the mapping saved again still holds the values both
-- sides last agreed on, sees the record differ from them, and queues the edit again, and a Notion
-- edit of the same page made meanwhile is asked about with both values kept.
begin;
select plan(5);

select tests.linked_tasks('queued@example.com', jsonb_build_array(
  tests.task_page('p1', 'Buy milk'), tests.task_page('p2', 'Call Bob'))) as uid \gset
create temp table saved on commit drop as
  select jsonb_build_object('name', 'tasks', 'connection_id', connection_id, 'data_source_id', 'ds-tasks',
                            'target_schema', 'notion_sync_demo', 'target_table', 'tasks', 'key_column', 'task_id',
                            'owner_column', 'owner_id', 'field_map', field_map) as m
  from notion_sync.mappings;
grant select on saved to authenticated;

-- both edited in Supabase; the next run queues both pushes, which the mapping's deletion drops
update notion_sync_demo.tasks set title = 'Buy oat milk' where title = 'Buy milk';
update notion_sync_demo.tasks set title = 'Call Robert' where title = 'Call Bob';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'Buy milk'), tests.task_page('p2', 'Call Bob')));
select is((select count(*)::int from notion_sync.outbox where op = 'update' and status = 'pending'), 2,
  'The edits are queued for Notion before the mapping goes.');
delete from notion_sync.mappings where name = 'tasks';
select is((select count(*)::int from notion_sync.outbox), 0, 'The queued writes went with the mapping.');

select notion_sync_api.save_mapping(m) from saved;
-- meanwhile p2 was retitled in Notion too
select tests.matched_full_run('tasks', jsonb_build_array(
  tests.task_page('p1', 'Buy milk'), tests.task_page('p2', 'Ring Bob')));

select is((select properties -> 'title' -> 'title' -> 0 -> 'text' ->> 'content' from notion_sync.outbox
           where page_id = 'p1' and op = 'update' and status = 'pending'), 'Buy oat milk',
  'The mapping saved again queues the edit its deletion dropped.');
select is((select (fields -> 'title' ->> 'supabase') || ' / ' || (fields -> 'title' ->> 'notion')
           from notion_sync.conflicts where page_id = 'p2' and status = 'open'),
  'Call Robert / Ring Bob', 'An edit on both sides meanwhile is asked about with both values kept.');
select is((select title from tests.task_of('p2')), 'Call Robert', 'The record keeps its edit while it is asked about.');

select * from finish();
rollback;
