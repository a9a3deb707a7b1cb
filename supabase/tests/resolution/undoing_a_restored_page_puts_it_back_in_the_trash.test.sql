-- A person answers a trashed page's question with "Restore the page": the push takes the page out
-- of the trash in place. Undoing that resolution queues the page to go back in the trash, as
-- undoing "trash the page" takes it out, so the reopened question is about a trashed page again,
-- not a live one whose pair a skip would forget.
begin;
select plan(3);

select tests.linked_tasks('undo-restore-page@example.com', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', p_in_trash => true), tests.task_page('p2', 'Two')), '{}', 'full', true);
select conflict_id as c from notion_sync.conflicts where page_id = 'p1' and kind = 'page_missing' \gset
select notion_sync_api.resolve_conflict(:'c', 'prefer_supabase');
select outbox_id as o from notion_sync_api.claim_outbox('tasks', 10) \gset
select notion_sync_api.confirm_restore(:o, tests.task_page('p1', 'One'));

select is((notion_sync_api.undo_resolution(:'c') ->> 'undone')::int, 1, 'Undoing the resolution undoes the restore.');
select results_eq($$ select op, page_id from notion_sync.outbox where status = 'pending' $$,
  $$ values ('trash'::text, 'p1'::text) $$,
  'The page is queued to go back in the trash.');
select is((select status from notion_sync.conflicts where conflict_id = :'c'), 'open', 'The question is open again.');

select * from finish();
rollback;
