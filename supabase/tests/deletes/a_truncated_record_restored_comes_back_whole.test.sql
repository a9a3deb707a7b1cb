-- TRUNCATE keeps each linked record's whole row in its tombstone, so "Restore the record" after it
-- brings the record back under its own key with the columns Notion does not hold (the tombstone
-- held only the mapped values as last agreed, and the record came back under a new key).
begin;
select plan(3);

select tests.linked_tasks('truncate-whole@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
update notion_sync_demo.tasks set priority = 'High', estimate = 5 where title = 'One';
select task_id as one from notion_sync_demo.tasks where title = 'One' \gset
reset role;
truncate notion_sync_demo.tasks;
select tests.authenticate_as(:'uid');
select is((select last_values ->> 'priority' from notion_sync.tombstones where cause = 'truncate'), 'High',
  'The tombstone keeps the whole row.');

select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{}', 'full', true);
select conflict_id as question from notion_sync.conflicts where kind = 'record_deleted' and status = 'open' \gset
select is(notion_sync_api.resolve_conflict(:'question', 'prefer_notion') ->> 'restored_record', :'one'::text,
  'The record is restored under its own key.');
select is((select row(title, priority, estimate)::text from notion_sync_demo.tasks where task_id = :'one'),
  row('One', 'High', 5::numeric)::text, 'With the columns Notion does not hold.');

select * from finish();
rollback;
