-- Undo and revert-run go through the base rules: the old value comes back only where the side
-- still holds the value the change wrote; a later edit is never overwritten.
begin;
select plan(7);

select tests.linked_tasks('undo@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'), tests.task_page('p3', 'Three'))) as uid \gset

-- a run applies two Notion edits
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Doing'), tests.task_page('p2', 'Two', 'Doing'),
                                          tests.task_page('p3', 'Three'))) ->> 'run_id' as run \gset
-- the app edits record 2 again afterwards
update notion_sync_demo.tasks set status = 'Done' where title = 'Two';

select is(notion_sync_api.revert_run(:'run'), '{"undone": 1, "kept_as_conflicts": 1}'::jsonb,
  'revert-run undoes what it can and keeps the rest as conflicts.');
select is((tests.task_of('p1')).status, 'Todo', 'A change still in place is undone.');
select is((tests.task_of('p2')).status, 'Done', 'A record edited after the run is not overwritten.');
select is((select kind from notion_sync.conflicts where page_id = 'p2'), 'changed_during_apply',
  'The record edited since becomes a conflict.');
select is((select base -> 'status' from notion_sync.links where page_id = 'p1'), '"Doing"'::jsonb,
  'The base stays at the value both sides agreed on, so the next sync carries the undo to Notion.');
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Doing')));
select is((select properties from notion_sync.outbox where page_id = 'p1' and status = 'pending'),
  '{"st%3A": {"status": {"name": "Todo"}}}'::jsonb, 'The next sync queues the old value for Notion.');

-- undo of a resolution reopens the conflict with its base
update notion_sync_demo.tasks set status = 'Done' where title = 'Three';
select tests.sync_pages(jsonb_build_array(tests.task_page('p3', 'Three', 'Doing')));
select notion_sync_api.resolve_conflict(conflict_id, 'prefer_notion') from notion_sync.conflicts where page_id = 'p3' and kind = 'field';
select notion_sync_api.undo_resolution(conflict_id) from notion_sync.conflicts where page_id = 'p3' and kind = 'field';
select results_eq($$ select (tests.task_of('p3')).status, c.status, l.base ->> 'status'
                     from notion_sync.conflicts c, notion_sync.links l
                     where c.page_id = 'p3' and c.kind = 'field' and l.page_id = 'p3' $$,
  $$ values ('Done'::text, 'open'::text, 'Todo'::text) $$,
  'Undoing a resolution restores the record, reopens the conflict and restores its base.');

select * from finish();
rollback;
