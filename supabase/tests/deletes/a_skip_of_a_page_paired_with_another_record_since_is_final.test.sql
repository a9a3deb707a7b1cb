-- A page trashed and skipped (its pair forgotten, its record left without a page), then out of the
-- trash and matched by title to another record, is that record's page: the old skip is settled.
-- When the new record is deleted and a person skips that deletion too, the skip is final: later
-- scans do not pair the page with its first record again on the strength of the old skip (they
-- did, and asked a first_contact question), and the first record still gets no page.
begin;
select plan(5);

select tests.linked_tasks('skip-paired-again@example.com', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
-- the page trashed, and a person skips the question: its record stays without a page
select tests.matched_full_run('tasks', jsonb_build_array(tests.task_page('p1', 'One', p_in_trash => true), tests.task_page('p2', 'Two')));
select notion_sync_api.resolve_conflict(conflict_id, 'skip') from notion_sync.conflicts where kind = 'page_missing' and status = 'open';
select task_id as first from notion_sync_demo.tasks where title = 'One' \gset
update notion_sync_demo.tasks set title = 'Uno' where title = 'One';
-- a new record with the page's title; the page out of the trash is matched to it
insert into notion_sync_demo.tasks (title) values ('One');
select tests.matched_full_run('tasks', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')));
select is((select t.title from notion_sync.links l join notion_sync_demo.tasks t on t.task_id::text = l.record_key
           where l.page_id = 'p1'), 'One', 'The page is paired with the new record.');
select is((select resolution ->> 'state' from notion_sync.conflicts where kind = 'page_missing' and page_id = 'p1'),
  'paired_again', 'The skipped question about the trashed page is settled: its page is paired again.');
-- the new record deleted, and a person skips that question too
delete from notion_sync_demo.tasks where title = 'One';
select tests.matched_full_run('tasks', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')));
select notion_sync_api.resolve_conflict(conflict_id, 'skip') from notion_sync.conflicts where kind = 'record_deleted' and status = 'open';
select tests.matched_full_run('tasks', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')));
select tests.matched_full_run('tasks', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')));

select is_empty($$ select kind from notion_sync.conflicts where status = 'open' $$, 'Nothing is asked again.');
select is_empty($$ select 1 from notion_sync.links where page_id = 'p1' $$, 'The page stays without a pair.');
select is_empty(format($$ select 1 from notion_sync.outbox where record_key = %L
                         union all select 1 from notion_sync.links where record_key = %L $$, :'first', :'first'),
  'The first record still gets no page.');

select * from finish();
rollback;
