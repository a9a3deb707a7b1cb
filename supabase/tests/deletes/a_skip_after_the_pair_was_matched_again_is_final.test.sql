-- A page trashed and skipped (its pair forgotten), then out of the trash and matched to its record
-- again by title, is a pair again: the old skip is settled. When the record is later deleted and a
-- person skips that deletion too, the skip is final: the next scans do not link the page to the
-- deleted record again on the strength of the old skip and ask a new record_deleted question.
begin;
select plan(5);

select tests.linked_tasks('skip-final@example.com', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
select task_id as one from notion_sync_demo.tasks where title = 'One' \gset
-- the page trashed, and a person skips the question
select tests.matched_full_run('tasks', jsonb_build_array(tests.task_page('p1', 'One', p_in_trash => true), tests.task_page('p2', 'Two')));
select notion_sync_api.resolve_conflict(conflict_id, 'skip') from notion_sync.conflicts where kind = 'page_missing' and status = 'open';
-- out of the trash: matched to its record again by its title
select tests.matched_full_run('tasks', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')));
select is((select record_key from notion_sync.links where page_id = 'p1'), :'one', 'The page is paired with its record again.');
select is((select resolution ->> 'state' from notion_sync.conflicts where kind = 'page_missing'), 'back',
  'The skipped question about the trashed page is settled: its pair is back.');
-- the record deleted in Supabase, and a person skips that question too
delete from notion_sync_demo.tasks where title = 'One';
select tests.matched_full_run('tasks', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')));
select notion_sync_api.resolve_conflict(conflict_id, 'skip') from notion_sync.conflicts where kind = 'record_deleted' and status = 'open';
select tests.matched_full_run('tasks', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')));
select tests.matched_full_run('tasks', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')));

select is_empty($$ select kind from notion_sync.conflicts where status = 'open' $$, 'Nothing is asked again.');
select is_empty($$ select 1 from notion_sync.links where page_id = 'p1' $$, 'The page stays without a pair.');
select is((select count(*)::int from notion_sync_demo.tasks where title = 'One'), 0, 'The page is not made a record.');

select * from finish();
rollback;
