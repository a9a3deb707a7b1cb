-- Under trash_other_side, a record deleted in Supabase takes its page to the trash; when the record
-- is put back with the same key (from a backup), the policy does not delete it again for the trash
-- it caused itself: the run asks whether to restore the page or delete the record. A page trashed
-- in Notion still takes its record along.
begin;
select plan(5);

select tests.linked_tasks('notagain@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
update notion_sync.mappings set delete_policy = 'trash_other_side';
create temp table saved as select * from notion_sync_demo.tasks where title = 'One';
delete from notion_sync_demo.tasks where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')), '{}', 'full', true);
select count(*) from notion_sync_api.claim_outbox('tasks', 10);
select notion_sync_api.confirm_push(outbox_id, tests.task_page('p1', 'One', 'Todo', false, true))
from notion_sync.outbox where op = 'trash';
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two')), '{}', 'full', true);

-- put back from a backup
insert into notion_sync_demo.tasks select * from saved;
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two')), '{}', 'full', true);
select is((select count(*)::int from notion_sync_demo.tasks where title = 'One'), 1,
  'A record put back is not deleted again for the trash its deletion caused.');
select results_eq($$ select kind, page_id, details ->> 'state' from notion_sync.conflicts where status = 'open' $$,
  $$ values ('page_missing'::text, 'p1'::text, 'trashed'::text) $$,
  'The run asks whether to restore its page or delete it.');
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two')), '{}', 'full', true);
select is((select count(*)::int from notion_sync.conflicts where status = 'open'), 1, 'It asks once.');
select is_empty($$ select 1 from notion_sync.outbox where op = 'create' $$, 'It makes no second page.');

-- a page a person trashes in Notion still takes its record along
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two', 'Todo', false, true)), '{}', 'full', true);
select is((select count(*)::int from notion_sync_demo.tasks where title = 'Two'), 0,
  'A page trashed in Notion still takes its record along under trash_other_side.');

select * from finish();
rollback;
