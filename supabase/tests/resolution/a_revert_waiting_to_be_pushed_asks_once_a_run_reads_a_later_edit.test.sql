-- A revert's push whose page a run finds edited to a third value is asked about at once (what the
-- pre-push check would ask), instead of waiting: had the person set the page back to the value the
-- reverted run wrote before the push went out, the pre-push check found the value it expected and
-- overwrote that edit.
begin;
select plan(3);

select tests.linked_tasks('revert-moved-seen@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
update notion_sync_demo.tasks set status = 'Doing' where title = 'One';
select tests.sync_pages('[]') ->> 'run_id' as run \gset
select outbox_id as item from notion_sync_api.claim_outbox('tasks', 10) \gset
select notion_sync_api.check_push(:item, tests.task_page('p1', 'One'));
select notion_sync_api.confirm_push(:item, tests.task_page('p1', 'One', 'Doing'));
select notion_sync_api.revert_run(:'run');

-- the person sets the page to Done in Notion; a run reads it
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Done')));
select is((select count(*)::int from notion_sync.outbox where status = 'pending'), 0,
  'The revert''s push waits no more once a run read a later edit in Notion.');
select is((select (fields -> 'status') - 'base' from notion_sync.conflicts where page_id = 'p1' and status = 'open'),
  '{"notion": "Done", "supabase": "Todo"}'::jsonb,
  'A question keeps both Notion''s edit and the value the revert would write.');

-- the person sets the page back to Doing before anything is pushed
select is((select count(*)::int from notion_sync_api.claim_outbox('tasks', 10)), 0,
  'Nothing is sent that would overwrite the person''s later edit.');

select * from finish();
rollback;
