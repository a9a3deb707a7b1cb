-- A pair gone on both sides (its record deleted, its page missed by a completed full scan) asks
-- nothing, and an incremental run, which does not read the pages it is not told about, must not
-- ask about it either: the page it did not see is not "live" because an older run staged it so.
-- Lifecycle seed 58: a page taken out of the trash was linked again without a base (its first
-- contact skipped); its record was truncated and its page trashed; the full scan asked nothing, and
-- the next incremental run, which takes in every pair without a base, asked whether to restore the
-- record or trash a page that was already in the trash. A page an incremental run does see again
-- (taken out of the trash) is asked about as before.
begin;
select plan(3);

select tests.linked_tasks('gone-both-incremental@example.com',
  jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
-- p2's pair linked again without a base (a page back from the trash whose first contact was skipped)
update notion_sync.links set base = '{}' where page_id = 'p2';
delete from notion_sync_demo.tasks where title = 'Two';
-- a completed full scan that does not see p2 (trashed in Notion)
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{}', 'full', true);
select is((select count(*)::int from notion_sync.conflicts where page_id = 'p2'), 0,
  'A full scan asks nothing about a pair gone on both sides.');

select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One, edited')), '{}', 'incremental');
select is((select count(*)::int from notion_sync.conflicts where page_id = 'p2'), 0,
  'Nor does the next incremental run, which did not see the page.');

-- the page taken out of the trash: an incremental run sees it again
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two')), '{}', 'incremental');
select is((select kind from notion_sync.conflicts where page_id = 'p2' and status = 'open'), 'record_deleted',
  'A page an incremental run sees again is asked about as a page whose record was deleted.');

select * from finish();
rollback;
