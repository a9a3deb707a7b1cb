-- 30 of 40 pages purged in Notion: the safety valve holds the deletions in one bulk question.
-- "Keep Notion" would delete the records: it deletes nothing, closes the question and says the
-- deletions were left. "Keep Supabase" on the next such question queues each missing page's restore.
begin;
select plan(5);

select tests.linked_tasks('restore-pages@example.com',
  (select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g)) as uid \gset
select tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g), '{}', 'full', true);
select tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 10) g), '{}', 'full', true);
select conflict_id as bulk from notion_sync.conflicts where kind = 'bulk_change' and status = 'open' \gset

select is(notion_sync_api.resolve_conflict(:'bulk', 'prefer_notion') ->> 'message',
  '30 deletions were not applied: deleting takes a decision per record, or merge {"approve": "missing"}',
  'Keep Notion deletes nothing and says so.');
select is((select count(*)::int from notion_sync_demo.tasks), 40, 'Every record is still there.');

select tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 10) g), '{}', 'full', true);
select conflict_id as bulk2 from notion_sync.conflicts where kind = 'bulk_change' and status = 'open' \gset
select is(notion_sync_api.resolve_conflict(:'bulk2', 'prefer_supabase') ->> 'restoring_pages', '30',
  'Keep Supabase restores the 30 missing pages.');
select is((select count(*)::int from notion_sync.outbox where op = 'restore' and status = 'pending'), 30,
  'A restore of each is queued for the push.');
select is((select count(*)::int from notion_sync_demo.tasks), 40, 'No record was deleted.');

select * from finish();
rollback;
