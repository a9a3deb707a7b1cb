-- A question about the values of a page and a record that are no longer a pair has nothing left to
-- decide. Skipping the record's deletion question closes it as obsolete; one whose pair went
-- another way (the unlink policy) answers stale when a person answers it and is closed, pushing
-- nothing: Keep Notion failed on the missing record (23502), Keep Supabase pushed the deleted
-- record's value over the page's.
begin;
select plan(5);

select tests.linked_tasks('pair-gone@example.com', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
create temp table edited as
  select jsonb_build_array(tests.task_page('p1', 'One', 'Done'), tests.task_page('p2', 'Two', 'Done')) as p;
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')), '{}', 'full', true);
-- both sides edited: a field question each
update notion_sync_demo.tasks set status = 'Doing';
select tests.sync_pages((select p from edited), '{}', 'full', true);
select conflict_id as f1 from notion_sync.conflicts where kind = 'field' and page_id = 'p1' \gset
select conflict_id as f2 from notion_sync.conflicts where kind = 'field' and page_id = 'p2' \gset

-- One deleted, and its deletion's question skipped: the pair is forgotten
delete from notion_sync_demo.tasks where title = 'One';
select tests.sync_pages((select p from edited), '{}', 'full', true);
select notion_sync_api.resolve_conflict(
  (select conflict_id from notion_sync.conflicts where kind = 'record_deleted' and page_id = 'p1'), 'skip');
select is((select resolution ->> 'action' from notion_sync.conflicts where conflict_id = :'f1'), 'obsolete',
  'Skipping the deletion closes the pair''s question about values as obsolete.');

-- Two deleted under the unlink policy: the run forgets the pair
reset role;
update notion_sync.mappings set delete_policy = 'unlink';
select tests.authenticate_as(:'uid');
delete from notion_sync_demo.tasks where title = 'Two';
select tests.sync_pages((select p from edited), '{}', 'full', true);
select is((select status from notion_sync.conflicts where conflict_id = :'f2'), 'open', 'Its question about values is still open.');
select is(notion_sync_api.resolve_conflict(:'f2', 'prefer_supabase') ->> 'status', 'stale',
  'Keeping Supabase answers stale.');
select is((select status from notion_sync.conflicts where conflict_id = :'f2'), 'resolved', 'The question is closed.');
select is_empty($$ select 1 from notion_sync.outbox where op = 'update' $$, 'Nothing is pushed over the page.');

select * from finish();
rollback;
