-- A record the sync deleted itself (a person chose "delete the record" when its page was trashed)
-- leaves no tombstone, so "Restore the record" on the question asked when the page came back makes
-- it again under a new key. Undoing that restore deletes the new record and must leave the page
-- paired with the deleted record as before the decision: the next retrieve asks again instead of
-- taking the page for a new one and making it a record unasked.
begin;
select plan(5);

select tests.linked_tasks('undo-new-key@example.com', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
select task_id as one from notion_sync_demo.tasks where title = 'One' \gset
-- the page trashed in Notion, and a person deletes its record
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', p_in_trash => true), tests.task_page('p2', 'Two')), '{}', 'full', true);
select conflict_id as gone from notion_sync.conflicts where kind = 'page_missing' and status = 'open' \gset
select notion_sync_api.resolve_conflict(:'gone', 'prefer_notion');
-- the page out of the trash: its record's deletion is asked about, and restored under a new key
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')), '{}', 'full', true);
select conflict_id as q from notion_sync.conflicts where kind = 'record_deleted' and status = 'open' \gset
select notion_sync_api.resolve_conflict(:'q', 'prefer_notion');
select notion_sync_api.undo_resolution(:'q');

select is((select count(*)::int from notion_sync_demo.tasks where title = 'One'), 0, 'The restored record is deleted again.');
select is((select record_key from notion_sync.links where page_id = 'p1'), :'one',
  'The page keeps its pair with the record whose deletion is asked about.');
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')), '{}', 'full', true);
select is((select count(*)::int from notion_sync_demo.tasks where title = 'One'), 0,
  'The next retrieve makes no record of the page.');
select is((select status from notion_sync.conflicts where conflict_id = :'q'), 'open', 'The question waits for a person.');
-- trash the page, as a person may answer instead; taken out of the trash again, it is asked about
select notion_sync_api.resolve_conflict(:'q', 'prefer_supabase');
update notion_sync.outbox set status = 'done' where conflict_id = :'q' and op = 'trash';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', p_in_trash => true), tests.task_page('p2', 'Two')), '{}', 'full', true);
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')), '{}', 'full', true);
select is((select count(*)::int from notion_sync_demo.tasks where title = 'One'), 0,
  'The page taken out of the trash again makes no record unasked.');

select * from finish();
rollback;
