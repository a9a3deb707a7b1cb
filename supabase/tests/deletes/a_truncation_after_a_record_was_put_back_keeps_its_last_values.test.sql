-- A record deleted and put back (or typed again under its key) before a run, then truncated: the
-- truncation keeps the row as it was when it went, and "Restore the record" brings it back with
-- those values (the TRUNCATE trigger wrote no tombstone for a key that already had an open one, so
-- what was written to the row after it was put back was lost).
begin;
select plan(2);

select tests.linked_tasks('truncate-put-back@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
update notion_sync_demo.tasks set priority = 'Low' where title = 'One';
select task_id as one from notion_sync_demo.tasks where title = 'One' \gset
-- deleted, then put back with its key, and edited (no run in between)
delete from notion_sync_demo.tasks where task_id = :'one';
insert into notion_sync_demo.tasks (task_id, title, priority) values (:'one', 'One', 'Low');
update notion_sync_demo.tasks set priority = 'High', estimate = 5 where task_id = :'one';
reset role;
-- the first deletion a minute earlier, as in a transaction of its own
update notion_sync.tombstones set deleted_at = deleted_at - interval '1 minute' where record_key = :'one';
truncate notion_sync_demo.tasks;
select tests.authenticate_as(:'uid');
select ok(exists (select from notion_sync.tombstones where record_key = :'one' and resolved_at is null
                    and last_values ->> 'priority' = 'High'),
  'The truncation keeps the row as it was when it went.');

select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{}', 'full', true);
select conflict_id as question from notion_sync.conflicts where kind = 'record_deleted' and status = 'open' \gset
select notion_sync_api.resolve_conflict(:'question', 'prefer_notion');
select is((select row(title, priority, estimate)::text from notion_sync_demo.tasks where task_id = :'one'),
  row('One', 'High', 5::numeric)::text, 'Restored, the record has its last values.');

select * from finish();
rollback;
