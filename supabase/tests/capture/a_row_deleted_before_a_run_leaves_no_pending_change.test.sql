-- A row inserted and deleted between two runs leaves its tombstone (with its last values) but no
-- pending record change for every later run to look up; a row still there keeps its change.
begin;
select plan(3);

select tests.linked_tasks('temp-row@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
insert into notion_sync_demo.tasks (title) values ('temporary'), ('lasting');
delete from notion_sync_demo.tasks where title = 'temporary';
select is((select array_agg(rc.record_key) from notion_sync.record_changes rc),
  (select array_agg(task_id::text) from notion_sync_demo.tasks where title = 'lasting'),
  'Only the row still there has a pending change.');
select is((select last_values ->> 'title' from notion_sync.tombstones), 'temporary',
  'The deleted row''s tombstone keeps its last values.');
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')));
select is((select count(*)::int from notion_sync.record_changes), 1, 'A run leaves the lasting row''s change waiting for a page.');

select * from finish();
rollback;
