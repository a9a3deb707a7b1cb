-- A record whose key is updated keeps its page: the link follows the row to its new key, so the next
-- full scan neither asks about the old key as deleted nor gives the row a second page.
begin;
select plan(3);

select tests.linked_tasks('rekey@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
select gen_random_uuid() as new_key \gset
update notion_sync_demo.tasks set task_id = :'new_key' where title = 'One';
select is((select record_key from notion_sync.links where page_id = 'p1'), :'new_key'::text,
  'The link follows the row to its new key.');

select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{"create_unmatched": true}', 'full', true);
select is_empty($$ select 1 from notion_sync.conflicts where status = 'open' $$, 'No record is asked about as deleted.');
select is_empty($$ select 1 from notion_sync.outbox where op = 'create' $$, 'No second page is queued.');

select * from finish();
rollback;
