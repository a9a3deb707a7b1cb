-- "Restore the record" on a record_deleted question brings the deleted record back whole: its key
-- (which other tables may reference) and the columns Notion does not hold, from its last values,
-- with Notion's values for the mapped fields. A record already back refuses the restore by name.
begin;
select plan(6);

select tests.linked_tasks('restore-whole@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
update notion_sync_demo.tasks set priority = 'High', estimate = 5, tags = '{ops}' where title = 'One';
select task_id as one from notion_sync_demo.tasks where title = 'One' \gset
delete from notion_sync_demo.tasks where title = 'One';
-- meanwhile the page was renamed in Notion
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One, renamed'), tests.task_page('p2', 'Two')), '{}', 'full', true);
select conflict_id as question from notion_sync.conflicts where kind = 'record_deleted' and status = 'open' \gset

select is(notion_sync_api.resolve_conflict(:'question', 'prefer_notion') ->> 'restored_record', :'one'::text,
  'The record is restored under its own key.');
select is((select row(title, priority, estimate, tags)::text from notion_sync_demo.tasks where task_id = :'one'),
  row('One, renamed', 'High', 5::numeric, '{ops}'::text[])::text,
  'With the columns Notion does not hold as they were, and Notion''s values for the mapped ones.');
select is((select record_key from notion_sync.links where page_id = 'p1'), :'one'::text,
  'Its page is linked to it again.');
select is((select count(*)::int from notion_sync_demo.tasks), 2, 'One record of the page, not two.');

-- a record deleted, then put back before the question was answered
create temp table saved as select * from notion_sync_demo.tasks where title = 'Two';
delete from notion_sync_demo.tasks where title = 'Two';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One, renamed'), tests.task_page('p2', 'Two')), '{}', 'full', true);
select conflict_id as two from notion_sync.conflicts where kind = 'record_deleted' and status = 'open' \gset
insert into notion_sync_demo.tasks select * from saved;
select throws_ok(format($$ select notion_sync_api.resolve_conflict(%L, 'prefer_notion') $$, :'two'),
  '55000', null, 'A record already back refuses to be restored again, saying why.');
select is((select count(*)::int from notion_sync_demo.tasks where title = 'Two'), 1, 'It stays one record.');

select * from finish();
rollback;
