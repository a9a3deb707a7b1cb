-- Reverting a run that made records of new pages leaves those pages without a record: the next
-- run does not make them again (it did, so a reverted import came back unasked), each page has a
-- dismissed record_deleted question saying why, and answering it prefer_notion imports it again.
begin;
select plan(5);

select tests.linked_tasks('revert-import@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{}', 'full', true);
create temp table three as
  select jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'), tests.task_page('p3', 'Three')) as p;
select tests.sync_pages((select p from three), '{}', 'full', true) ->> 'run_id' as run \gset
select notion_sync_api.revert_run(:'run');

select tests.sync_pages((select p from three), '{}', 'full', true);
select is((select string_agg(title, ',' order by title) from notion_sync_demo.tasks), 'One',
  'The next run makes no record of the pages again.');
select is((select count(*)::int from notion_sync.conflicts where status = 'open'), 0, 'It asks nothing.');
select is((select details ->> 'error' from notion_sync.conflicts where page_id = 'p2' and status = 'dismissed'),
  format('the record that run %s made of this page was deleted when the run was reverted; the page is left '
         'without a record: answer prefer_notion to import it again', :'run'),
  'Each page has a dismissed question saying why.');
select conflict_id as q from notion_sync.conflicts where page_id = 'p2' and status = 'dismissed' \gset
select is(notion_sync_api.resolve_conflict(:'q', 'prefer_notion') ->> 'status', 'resolved',
  'Answering it prefer_notion imports the page again.');
select is((select record_key from notion_sync.links where page_id = 'p2'),
  (select task_id::text from notion_sync_demo.tasks where title = 'Two'), 'Its record is back, linked to it.');

select * from finish();
rollback;
