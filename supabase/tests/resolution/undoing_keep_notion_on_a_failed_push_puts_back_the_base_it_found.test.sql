-- Undoing Keep Notion on a failed push puts back the base the answer found, where both sides last
-- agreed: it used to become the value the push expected in Notion (what the question shows as
-- base), so the next run took the record's value, put back by the undo, for an edit and pushed it
-- over Notion's.
begin;
select plan(3);

select tests.linked_tasks('undo-keep-notion@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
update notion_sync_demo.tasks set status = 'Doing' where title = 'One';
-- Notion has Done: a run that chose Supabase plans Doing over it; Notion refuses the write
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Done')), '{"policy": "prefer_supabase"}');
select outbox_id as item from notion_sync_api.claim_outbox('tasks', 10) \gset
select notion_sync_api.check_push(:item, tests.task_page('p1', 'One', 'Done'));
select notion_sync_api.fail_push(:item, 'refused', true, 0);
select conflict_id as q from notion_sync.conflicts where kind = 'push_failed' \gset
select notion_sync_api.resolve_conflict(:'q', 'prefer_notion');

select notion_sync_api.undo_resolution(:'q');
select is((tests.task_of('p1')).status, 'Doing', 'The record gets its value back.');
select is((select base ->> 'status' from notion_sync.links where page_id = 'p1'), 'Todo',
  'The base is Todo again, the value both sides last held.');
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Done')));
select is_empty($$ select 1 from notion_sync.outbox where status = 'pending' $$,
  'The next run pushes nothing over Notion''s Done.');

select * from finish();
rollback;
