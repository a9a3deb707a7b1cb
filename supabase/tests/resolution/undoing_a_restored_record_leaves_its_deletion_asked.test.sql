-- Undoing "Restore the record" on a deleted record's question deletes the record again and leaves
-- the pair and the deletion as they were before the decision: the next retrieve does not take the
-- page for a new one (it made it a second record), and restoring again brings back the one record.
begin;
select plan(6);

select tests.linked_tasks('undo-restore@example.com', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
select task_id as one from notion_sync_demo.tasks where title = 'One' \gset
delete from notion_sync_demo.tasks where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')), '{}', 'full', true);
select conflict_id as q from notion_sync.conflicts where kind = 'record_deleted' and status = 'open' \gset
select notion_sync_api.resolve_conflict(:'q', 'prefer_notion');
select notion_sync_api.undo_resolution(:'q');

select is((select count(*)::int from notion_sync_demo.tasks where title = 'One'), 0, 'The restored record is deleted again.');
select is((select record_key from notion_sync.links where page_id = 'p1'), :'one', 'The page keeps its pair.');
select is((select count(*)::int from notion_sync.tombstones where record_key = :'one' and resolved_at is null), 1,
  'The deletion is open again.');
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')), '{}', 'full', true);
select is((select count(*)::int from notion_sync_demo.tasks where title = 'One'), 0,
  'The next retrieve makes no record of the page.');
select is((select status from notion_sync.conflicts where conflict_id = :'q'), 'open', 'The question waits for a person.');
select notion_sync_api.resolve_conflict(:'q', 'prefer_notion');
select results_eq($$ select task_id::text from notion_sync_demo.tasks where title = 'One' $$, format($$ values (%L) $$, :'one'),
  'Restoring again brings back the one record, under its key.');

select * from finish();
rollback;
