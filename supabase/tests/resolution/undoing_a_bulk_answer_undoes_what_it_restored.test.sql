-- Undoing "Keep Notion" on a held mass deletion undoes the restore of every record it brought back
-- (it undid nothing, and reopened the question over the 40 records it had restored): the records
-- are deleted again, their pairs and deletions kept, the bulk question is open again and the only
-- one asking; answering it again restores them again, and the next run asks nothing.
begin;
select plan(7);

select tests.linked_tasks('undo-bulk@example.com',
  (select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g)) as uid \gset
create temp table pages40 as select jsonb_agg(tests.task_page('p' || g, 'T' || g)) as p from generate_series(1, 40) g;
select tests.sync_pages((select p from pages40), '{}', 'full', true);
select tests.clear_authentication();
truncate notion_sync_demo.tasks;
select tests.authenticate_as(:'uid');
select tests.sync_pages((select p from pages40), '{}', 'full', true);
select conflict_id as bulk from notion_sync.conflicts where kind = 'bulk_change' and status = 'open' \gset
select notion_sync_api.resolve_conflict(:'bulk', 'prefer_notion');

select is((notion_sync_api.undo_resolution(:'bulk') ->> 'kept_as_conflicts')::int, 0, 'The answer is undone.');
select is((select count(*)::int from notion_sync_demo.tasks), 0, 'The 40 records it restored are deleted again.');
select is((select count(*)::int from notion_sync.tombstones where resolved_at is null), 40,
  'Their deletions are open again, their pairs kept.');
select results_eq($$ select kind from notion_sync.conflicts where status = 'open' $$, $$ values ('bulk_change'::text) $$,
  'The bulk question is the only one open.');
select is(notion_sync_api.resolve_conflict(:'bulk', 'prefer_notion') ->> 'restored_records', '40',
  'Answering it again restores the 40 records again.');
select is((select count(*)::int from notion_sync_demo.tasks), 40, 'They are back.');
select tests.sync_pages((select p from pages40), '{}', 'full', true);
select is((select count(*)::int from notion_sync.conflicts where status = 'open'), 0, 'The next run asks nothing.');

select * from finish();
rollback;
