-- A revert's push that a run finds already done in Notion (a person set the page back by hand)
-- waits no more: when the person then sets the page to the reverted value again, the push does not
-- overwrite that edit (the pre-push check found the value it expected and wrote; seed 113 of the
-- no-lost-edit model test).
begin;
select plan(3);

select tests.linked_tasks('revert-done-seen@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
update notion_sync_demo.tasks set status = 'Doing' where title = 'One';
select tests.sync_pages('[]') ->> 'run_id' as run \gset
select outbox_id as item from notion_sync_api.claim_outbox('tasks', 10) \gset
select notion_sync_api.check_push(:item, tests.task_page('p1', 'One'));
select notion_sync_api.confirm_push(:item, tests.task_page('p1', 'One', 'Doing'));
select notion_sync_api.revert_run(:'run');

-- the person sets the page back to Todo in Notion; a run reads it
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Todo')));
select is((select count(*)::int from notion_sync.outbox where status = 'pending'), 0,
  'The revert''s push waits no more once a run read its value in Notion.');
select is((tests.task_of('p1')).status, 'Todo', 'The record takes the value Notion holds.');

-- the person sets the page to Doing again before anything is pushed
select is((select count(*)::int from notion_sync_api.claim_outbox('tasks', 10)), 0,
  'Nothing is sent that would overwrite the person''s later edit.');

select * from finish();
rollback;
