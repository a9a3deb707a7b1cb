-- Reverting a run that pushed two fields to one page pushes both back, in one update (each undo
-- push used to cancel the one before, so only the last field went back).
begin;
select plan(2);

select tests.linked_tasks('revert-two@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
update notion_sync_demo.tasks set status = 'Done', done = true where title = 'One';
select tests.sync_pages('[]') ->> 'run_id' as run \gset
select outbox_id as item from notion_sync_api.claim_outbox('tasks', 10) \gset
select notion_sync_api.check_push(:item, tests.task_page('p1', 'One'));
select notion_sync_api.confirm_push(:item, tests.task_page('p1', 'One', 'Done', true));

select notion_sync_api.revert_run(:'run');
select is((select count(*)::int from notion_sync.outbox where status = 'pending'), 1, 'One update goes back to Notion.');
select is((select array_agg(f order by f) from notion_sync.outbox o, jsonb_object_keys(o.fields) f where o.status = 'pending'),
  array['done', 'status'], 'It carries both fields.');

select * from finish();
rollback;
