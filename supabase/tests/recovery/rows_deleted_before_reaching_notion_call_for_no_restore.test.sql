-- Rows an app inserts and deletes between two runs never reach Notion: the recovery view does not
-- count them as deleted records nor recommend restoring Supabase from Notion for them. A linked
-- record deleted still counts.
begin;
select plan(3);

select tests.linked_tasks('temp-rows@example.com',
  (select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 10) g)) as uid \gset
insert into notion_sync_demo.tasks (title) select 'tmp' || g from generate_series(1, 3) g;
delete from notion_sync_demo.tasks where title like 'tmp%';
select tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 10) g), '{}', 'full', true);
select results_eq($$ select deleted_records, recommendation from notion_sync_api.recovery $$,
  $$ values (0::bigint, 'none') $$, 'Rows that never reached Notion are not deleted records to restore.');

delete from notion_sync_demo.tasks where title = 'T1';
select is((select deleted_records from notion_sync_api.recovery), 1::bigint, 'A linked record deleted counts.');
select is((select recommendation from notion_sync_api.recovery), 'restore_supabase_from_notion',
  'One of ten linked records deleted is the threshold for a recommendation, as before.');

select * from finish();
rollback;
