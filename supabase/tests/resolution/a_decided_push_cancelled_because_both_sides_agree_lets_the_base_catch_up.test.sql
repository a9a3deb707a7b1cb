-- When both sides come to agree while the push of Keep Supabase waits (the person edits the record
-- to Notion's value), the run that cancels the push leaves the pair for the next run, whose base
-- catches up: it stayed at a value neither side held any more until a full scan (seed 60 of the
-- relations model test).
begin;
select plan(2);

select tests.linked_tasks('decided-agree@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
update notion_sync_demo.tasks set status = 'Doing' where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Done')));
select conflict_id as q from notion_sync.conflicts where kind = 'field' \gset
select notion_sync_api.resolve_conflict(:'q', 'prefer_supabase');
-- before the push, the person makes the record agree with Notion
update notion_sync_demo.tasks set status = 'Done' where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Done')));
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Done')));

select is((select base ->> 'status' from notion_sync.links where page_id = 'p1'), 'Done',
  'The base is Done, the value both sides hold.');
select is_empty($$ select 1 from notion_sync.outbox where status in ('pending', 'in_flight') $$,
  'Nothing waits to be pushed.');

select * from finish();
rollback;
