-- 30 of 40 pages purged in Notion: the safety valve holds the deletions in one bulk question.
-- "Keep Notion" would delete the records: it deletes nothing, says the deletions were left, and the
-- question is asked again at once (they are still held). "Keep Supabase" on it queues each missing
-- page's restore.
begin;
select plan(6);

select tests.linked_tasks('restore-pages@example.com',
  (select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g)) as uid \gset
select tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g), '{}', 'full', true);
select tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 10) g), '{}', 'full', true);
select conflict_id as bulk from notion_sync.conflicts where kind = 'bulk_change' and status = 'open' \gset

select notion_sync_api.resolve_conflict(:'bulk', 'prefer_notion') as answer \gset
select is(:'answer'::jsonb ->> 'message',
  '30 deletions were not applied: each is asked about on its own (or approve them all with merge {"approve": "missing"})',
  'Keep Notion deletes nothing and says so.');
select is((select count(*)::int from notion_sync_demo.tasks), 40, 'Every record is still there.');
select is((select conflict_id from notion_sync.conflicts where kind = 'bulk_change' and status = 'open'),
  (:'answer'::jsonb ->> 'asked_again')::uuid, 'The deletions still held are asked about again at once.');

select conflict_id as bulk2 from notion_sync.conflicts where kind = 'bulk_change' and status = 'open' \gset
select is(notion_sync_api.resolve_conflict(:'bulk2', 'prefer_supabase') ->> 'restoring_pages', '30',
  'Keep Supabase restores the 30 missing pages.');
select is((select count(*)::int from notion_sync.outbox where op = 'restore' and status = 'pending'), 30,
  'A restore of each is queued for the push.');
select is((select count(*)::int from notion_sync_demo.tasks), 40, 'No record was deleted.');

select * from finish();
rollback;
