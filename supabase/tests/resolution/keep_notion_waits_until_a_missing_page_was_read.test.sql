-- Keep Notion on a page_missing question deletes the record. While the question is "unverified" (a
-- full scan only missed the page; no run has read it in Notion yet) the page may be in the trash,
-- moved, unshared, or there after all, so SQL refuses that answer (55000, naming the page) instead
-- of deleting on an absence alone. Keep Supabase and skip stay open to a person, and once a run has
-- read the page (here: found it in the trash), Keep Notion deletes the record.
begin;
select plan(7);

select tests.linked_tasks('keep-notion-unverified@example.com',
  jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
-- a completed full scan that sees only p1
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{}', 'full', true);
select conflict_id as q, notion_sync.conflict_version(fields, details) as version
from notion_sync.conflicts where kind = 'page_missing' and page_id = 'p2' \gset

select throws_ok(format($$ select notion_sync_api.resolve_conflict(%L, 'prefer_notion') $$, :'q'), '55000',
  'page p2 was only missed by a full scan and has not been read in Notion yet, so Keep Notion would '
  'delete its record on an absence alone: a run verifies the page first (the next retrieve reads it '
  'and says whether it is trashed, moved or unshared)',
  'Keep Notion on a page no run has read in Notion is refused, naming the page.');
select throws_ok(format($$ select notion_sync_api.resolve_seen_conflict(%L, %L, 'prefer_notion') $$, :'q', :'version'),
  '55000', null, 'The review handler''s answer to the question as seen is refused the same way.');
select is((select count(*)::int from notion_sync_demo.tasks where title = 'Two'), 1, 'The record is still there.');
select is((select status from notion_sync.conflicts where conflict_id = :'q'), 'open', 'The question stays open.');

-- Keep Supabase deletes nothing: it is a person's to give at once (checked, then undone by rollback)
savepoint keep_supabase;
select is(notion_sync_api.resolve_conflict(:'q', 'prefer_supabase') ->> 'queued_for_notion', 'restore',
  'Keep Supabase (restore the page) is given at once.');
rollback to savepoint keep_supabase;

-- the retrieve function reads the page: it is in the trash
select notion_sync_api.report_page_state('tasks', 'p2', 'trashed');
select is(notion_sync_api.resolve_conflict(:'q', 'prefer_notion') ->> 'status', 'resolved',
  'Once a run has read the page, Keep Notion is given.');
select is((select count(*)::int from notion_sync_demo.tasks where title = 'Two'), 0, 'And it deletes the record.');

select * from finish();
rollback;
