-- Under trash_other_side, a record deleted in Supabase while its page was trashed in Notion leaves
-- the pair alone (gone on both sides). Put back from a backup with its key, it is asked about at the
-- next full scan (page_missing, record "put back"), and its page verified as trashed does not
-- delete it again: the put back is the later act.
begin;
select plan(6);

select tests.linked_tasks('both-went@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
update notion_sync.mappings set delete_policy = 'trash_other_side';
select task_id as one from notion_sync_demo.tasks where title = 'One' \gset
create temp table saved as select * from notion_sync_demo.tasks where title = 'One';
-- both halves go: the record deleted, the page trashed (full scans no longer return it)
delete from notion_sync_demo.tasks where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two')), '{}', 'full', true);
select is_empty($$ select 1 from notion_sync.conflicts where status = 'open' $$,
  'A pair gone on both sides is left alone.');

insert into notion_sync_demo.tasks select * from saved;
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two')), '{}', 'full', true);
select is((select details ->> 'record' from notion_sync.conflicts where kind = 'page_missing' and status = 'open'),
  'put back', 'The record put back is asked about.');
select notion_sync_api.verify_missing_page('tasks', 'p1', tests.task_page('p1', 'One', p_in_trash => true));
select is((select count(*)::int from notion_sync_demo.tasks where task_id = :'one'), 1,
  'Its page verified as trashed does not delete it again.');
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two')), '{}', 'full', true);
select is((select count(*)::int from notion_sync_demo.tasks where task_id = :'one'), 1,
  'Nor does the next full scan.');

-- the person restores the page: while the restore waits for the push, nothing is asked again
select notion_sync_api.resolve_conflict(conflict_id, 'prefer_supabase') from notion_sync.conflicts
where kind = 'page_missing' and status = 'open';
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two')), '{}', 'full', true);
select is_empty($$ select 1 from notion_sync.conflicts where status = 'open' $$,
  'While the chosen restore waits, the record is not asked about again.');

-- a record restored by a person's decision, then edited in the app, is no put back
select tests.clear_authentication();
select tests.linked_tasks('restored-not-put-back@example.com', jsonb_build_array(tests.task_page('q1', 'Uno'))) as uid2 \gset
update notion_sync.mappings set delete_policy = 'hold' where name = 'tasks';
delete from notion_sync_demo.tasks where title = 'Uno';
select tests.sync_pages(jsonb_build_array(tests.task_page('q1', 'Uno')), '{}', 'full', true);
select notion_sync_api.resolve_conflict(conflict_id, 'prefer_notion') from notion_sync.conflicts
where kind = 'record_deleted' and status = 'open';
select tests.sync_pages(jsonb_build_array(tests.task_page('q1', 'Uno')), '{}', 'full', true);
update notion_sync.mappings set delete_policy = 'trash_other_side' where name = 'tasks';
update notion_sync_demo.tasks set status = 'Doing' where title = 'Uno';
select tests.sync_pages('[]', '{}', 'full', true);
select is_empty($$ select 1 from notion_sync.conflicts where status = 'open' and details ->> 'record' = 'put back' $$,
  'A record a person restored, edited since, is not taken for one put back.');

select * from finish();
rollback;
