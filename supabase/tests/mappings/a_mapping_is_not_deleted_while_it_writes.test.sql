-- A mapping is not deleted while a run of it is running or one of its Notion writes is in flight:
-- the write's outcome (a page created or edited, or not) would have nowhere to go, and a create's
-- page would be nobody's, so a mapping saved again would give its record a second page. The error
-- names what is under way.
begin;
select plan(3);

select tests.linked_tasks('busy@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
update notion_sync_demo.tasks set title = 'One edited';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')));
select outbox_id from notion_sync_api.claim_outbox('tasks', 10);

select throws_ok($$ delete from notion_sync.mappings where name = 'tasks' $$, '55000',
  'mapping "tasks" has 0 running runs and 1 Notion writes in flight: let them finish (or cancel the run) before '
  'deleting it',
  'A mapping with a write in flight is not deleted.');
select is((select count(*)::int from notion_sync.mappings), 1, 'It stays.');

select notion_sync_api.confirm_push(o.outbox_id, tests.task_page('p1', 'One edited'))
from notion_sync.outbox o where o.page_id = 'p1';
select lives_ok($$ delete from notion_sync.mappings where name = 'tasks' $$,
  'Once the write is answered, the mapping is deleted.');

select * from finish();
rollback;
