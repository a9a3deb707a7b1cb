-- A truncated table: the safety valve holds the 40 deletions in one bulk question. "Keep Notion"
-- brings every record back from its page under its own key, each as the decision of its own
-- record_deleted question (which undo_resolution undoes), closes the question, and the next run
-- finds nothing to do.
begin;
select plan(6);

select tests.linked_tasks('restore-all@example.com',
  (select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g)) as uid \gset
select tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g), '{}', 'full', true);
create temp table keys_before as select task_id from notion_sync_demo.tasks;
select tests.clear_authentication();
truncate notion_sync_demo.tasks;
select tests.authenticate_as(:'uid');
select tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g), '{}', 'full', true);
select conflict_id as bulk from notion_sync.conflicts where kind = 'bulk_change' and status = 'open' \gset

select is(notion_sync_api.resolve_conflict(:'bulk', 'prefer_notion') ->> 'restored_records', '40',
  'Keep Notion restores the 40 records the question lists.');
select set_eq($$ select task_id from notion_sync_demo.tasks $$, $$ select task_id from keys_before $$,
  'Every record is back under its own key.');
select is((select count(*)::int from notion_sync.conflicts where status = 'open'), 0, 'No question is left open.');
select is((tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g), '{}', 'full', true)
  -> 'held'), '[]'::jsonb, 'The next run holds nothing.');
select is((select count(*)::int from notion_sync.conflicts where status = 'open'), 0, 'And asks nothing.');

select notion_sync_api.undo_resolution(conflict_id) from notion_sync.conflicts
where kind = 'record_deleted' and details ->> 'bulk_change' = :'bulk' and page_id = 'p1';
select is((select count(*)::int from notion_sync_demo.tasks), 39,
  'Each restore is a decision of its own (its question names the bulk one), which undo_resolution undoes.');

select * from finish();
rollback;
