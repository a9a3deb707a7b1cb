-- Undoing Keep Supabase on a failed push whose own push failed too (which asked again) leaves one
-- open question about the pair, with the newer one's values: the undo opened the first beside the
-- second, and with two open questions of one kind every later run of the mapping failed (seed 129
-- of the no-lost-edit model test).
begin;
select plan(3);

select tests.linked_tasks('undo-failed-twice@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
update notion_sync_demo.tasks set status = 'Doing' where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')));
select outbox_id as item from notion_sync_api.claim_outbox('tasks', 10) \gset
select notion_sync_api.check_push(:item, tests.task_page('p1', 'One'));
select notion_sync_api.fail_push(:item, 'refused', true, 0);
select conflict_id as q from notion_sync.conflicts where kind = 'push_failed' \gset
select notion_sync_api.resolve_conflict(:'q', 'prefer_supabase');
select outbox_id as again from notion_sync_api.claim_outbox('tasks', 10) \gset
select notion_sync_api.check_push(:again, tests.task_page('p1', 'One'));
select notion_sync_api.fail_push(:again, 'refused again', true, 0);

select notion_sync_api.undo_resolution(:'q');
select results_eq($$ select conflict_id from notion_sync.conflicts where status = 'open' $$,
  format($$ values (%L::uuid) $$, :'q'), 'One question is open about the pair: the one the undo opened again.');
select is((select details ->> 'error' from notion_sync.conflicts where conflict_id = :'q'), 'refused again',
  'It says why the last push failed.');
-- the next run plans the push again, and Notion refuses it once more
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')));
select outbox_id as third from notion_sync_api.claim_outbox('tasks', 10) \gset
select notion_sync_api.check_push(:third, tests.task_page('p1', 'One'));
select lives_ok(format($$ select notion_sync_api.fail_push(%s, 'refused a third time', true, 0) $$, :third),
  'A push that fails later adds its error to that question.');

select * from finish();
rollback;
