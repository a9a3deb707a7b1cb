-- When a full scan misses many pages at once (purged or unshared in Notion), the safety valve holds
-- them in one bulk_change instead of a question per page; the recovery view still counts them as
-- missing, not as Notion's pages, and recommends restoring Notion from Supabase.
begin;
select plan(3);

select tests.linked_tasks('held-missing@example.com',
  (select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g)) as uid \gset
select tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g), '{}', 'full', true);
-- 30 of the 40 pages are gone from Notion
select is(tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 10) g),
  '{}', 'full', true) -> 'held', '["missing"]'::jsonb, 'The safety valve holds the 30 missing pages.');
select results_eq($$ select pages, missing_pages from notion_sync_api.recovery $$,
  $$ values (10::bigint, 30::bigint) $$, 'They are counted as missing, not as Notion''s pages.');
select results_eq($$ select recommendation, reason from notion_sync_api.recovery $$,
  $$ values ('restore_notion_from_supabase', '30 of 40 linked pages of tasks are trashed or missing in Notion') $$,
  'The view recommends restoring Notion from Supabase.');

select * from finish();
rollback;
