-- Under trash_other_side a run trashes the page of a deleted record; the trash is logged, so
-- reverting the run queues the page's restore (the record's delete was a person's and stays: the
-- page back is asked about).
begin;
select plan(4);

select tests.linked_tasks('revert-trash@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
update notion_sync.mappings set delete_policy = 'trash_other_side';
delete from notion_sync_demo.tasks where title = 'One';
select tests.sync_pages('[]') ->> 'run_id' as run \gset
select outbox_id as o from notion_sync_api.claim_outbox('tasks', 10) \gset
select notion_sync_api.confirm_push(:o, tests.task_page('p1', 'One', 'Todo', false, true));
select results_eq($$ select run_id, side, page_id, field, old_value, new_value from notion_sync.changes where field = '*page' $$,
  format($$ values (%L::uuid, 'notion'::text, 'p1'::text, '*page'::text, '{"in_trash": false}'::jsonb,
                    '{"in_trash": true}'::jsonb) $$, :'run'),
  'The trash is logged as the run''s change of the page.');

select is(notion_sync_api.revert_run(:'run'), '{"undone": 1, "kept_as_conflicts": 0}'::jsonb,
  'Reverting the run undoes the trash.');
select results_eq($$ select op, page_id, status from notion_sync.outbox where status = 'pending' $$,
  $$ values ('restore'::text, 'p1'::text, 'pending'::text) $$,
  'The page is queued to come out of the trash.');
select is_empty($$ select 1 from notion_sync_demo.tasks where title = 'One' $$,
  'The record a person deleted stays deleted.');

select * from finish();
rollback;
