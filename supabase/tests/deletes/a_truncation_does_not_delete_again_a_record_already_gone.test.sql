-- A record deleted in Supabase whose page a person chose to trash, then the page taken out of the
-- trash by a person: a TRUNCATE of the table afterwards does not delete that record a second time.
-- Under trash_other_side the page is not put back in the trash unasked; it is asked about, as any
-- page back from the trash whose record was deleted.
begin;
select plan(4);

select tests.linked_tasks('truncate-gone@example.com', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
-- One deleted; a person answers "trash the page", and the push trashes it
delete from notion_sync_demo.tasks where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')), '{}', 'full', true);
select notion_sync_api.resolve_conflict(conflict_id, 'prefer_supabase') from notion_sync.conflicts where status = 'open';
select notion_sync_api.claim_outbox('tasks', 10);
select notion_sync_api.confirm_push(outbox_id, tests.task_page('p1', 'One', 'Todo', false, true)) from notion_sync.outbox where op = 'trash';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Todo', false, true), tests.task_page('p2', 'Two')), '{}', 'full', true);

-- a person takes p1 out of the trash; the table is truncated; the policy is trash_other_side
update notion_sync.mappings set delete_policy = 'trash_other_side';
select tests.authenticate_as_service_role();
truncate notion_sync_demo.tasks;
select tests.authenticate_as(:'uid');

select is((select count(*)::int from notion_sync.tombstones where page_id = 'p1' and resolved_at is null), 0,
  'The truncation leaves no new deletion of the record that was already gone.');
select is((select count(*)::int from notion_sync.tombstones where page_id = 'p2' and resolved_at is null), 1,
  'The record the table held gets its tombstone.');

select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')), '{}', 'full', true);
select is_empty($$ select 1 from notion_sync.outbox where op = 'trash' and page_id = 'p1' and status = 'pending' $$,
  'The page a person took out of the trash is not put back in it.');
select is((select count(*)::int from notion_sync.conflicts where status = 'open' and kind = 'record_deleted' and page_id = 'p1'), 1,
  'It is asked about instead.');

select * from finish();
rollback;
