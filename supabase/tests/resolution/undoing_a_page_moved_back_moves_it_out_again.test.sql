-- A page moved to another data source is restored by moving it back ("Restore the page" on its
-- page_missing question, state "moved"). Undoing that resolution queues the page's move back under
-- the data source it was moved to (it did nothing: the page stayed, and the next full scan settled
-- the reopened question), and the push moves it there.
begin;
select plan(5);

select tests.linked_tasks('undo-move-back@example.com', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two')), '{}', 'full', true);
select notion_sync_api.report_page_state('tasks', 'p1', 'moved', tests.under_data_source(tests.task_page('p1', 'One'), 'ds-other'));
select conflict_id as c from notion_sync.conflicts where page_id = 'p1' and kind = 'page_missing' \gset
select notion_sync_api.resolve_conflict(:'c', 'prefer_supabase');
-- the push: the page read under the other data source, moved back, and confirmed
select outbox_id as o from notion_sync_api.claim_outbox('tasks', 10) \gset
select notion_sync_api.plan_restore(:o, tests.under_data_source(tests.task_page('p1', 'One'), 'ds-other'));
select notion_sync_api.confirm_restore(:o, tests.under_data_source(tests.task_page('p1', 'One')));

select is(notion_sync_api.undo_resolution(:'c'), '{"undone": 1, "kept_as_conflicts": 0}'::jsonb,
  'Undoing the resolution undoes the move back.');
select results_eq($$ select op, page_id, properties -> 'parent' ->> 'data_source_id' from notion_sync.outbox where status = 'pending' $$,
  $$ values ('move'::text, 'p1'::text, 'ds-other'::text) $$,
  'The page is queued to move back under the data source it was moved to.');
select is((select status from notion_sync.conflicts where conflict_id = :'c'), 'open', 'The question is open again.');
select outbox_id as m from notion_sync_api.claim_outbox('tasks', 10) \gset
select is(notion_sync_api.plan_move(:m, tests.under_data_source(tests.task_page('p1', 'One'))) ->> 'action', 'move',
  'The push moves the page, read in the mapped data source.');
select notion_sync_api.confirm_move(:m, tests.under_data_source(tests.task_page('p1', 'One'), 'ds-other'));
select is((select status from notion_sync.outbox where outbox_id = :m), 'done', 'The move is done once Notion answered.');

select * from finish();
rollback;
