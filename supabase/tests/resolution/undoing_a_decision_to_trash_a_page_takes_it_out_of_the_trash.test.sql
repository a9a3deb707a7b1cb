-- A person answers a deleted record's question by keeping Supabase's side: its page is trashed.
-- Undoing that resolution queues the page's restore, and reverting the run that asked the question
-- does not (the trash was the person's choice, not the run's).
begin;
select plan(3);

select tests.linked_tasks('undo-trash@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
delete from notion_sync_demo.tasks where title = 'One';
select tests.sync_pages('[]') ->> 'run_id' as run \gset
select conflict_id as c from notion_sync.conflicts where page_id = 'p1' and kind = 'record_deleted' \gset
select notion_sync_api.resolve_conflict(:'c', 'prefer_supabase');
select outbox_id as o from notion_sync_api.claim_outbox('tasks', 10) \gset
select notion_sync_api.confirm_push(:o, tests.task_page('p1', 'One', 'Todo', false, true));

select is(notion_sync_api.revert_run(:'run'), '{"undone": 0, "kept_as_conflicts": 0}'::jsonb,
  'Reverting the run that asked leaves the person''s trash alone.');
select notion_sync_api.undo_resolution(:'c');
select results_eq($$ select op, page_id from notion_sync.outbox where status = 'pending' $$,
  $$ values ('restore'::text, 'p1'::text) $$,
  'Undoing the resolution queues the page to come out of the trash.');
select is((select status from notion_sync.conflicts where conflict_id = :'c'), 'open', 'The question is open again.');

select * from finish();
rollback;
