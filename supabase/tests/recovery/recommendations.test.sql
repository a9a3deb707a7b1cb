-- Recovery detection recommends restoring Supabase from Notion for an emptied table, Notion from
-- Supabase for mass-trashed pages, and nothing when both sides agree — with the reason in words.
begin;
select plan(5);

select tests.linked_tasks('recovery@example.com', (
  select jsonb_agg(tests.task_page('p' || i, 'Task ' || i)) from generate_series(1, 20) i)) as uid \gset
select results_eq($$ select recommendation, reason from notion_sync_api.recovery $$,
  $$ values ('none'::text, 'tasks: 20 rows, 20 pages, 20 linked'::text) $$,
  'Both sides agreeing needs no recovery.');

-- 5 of 20 pages trashed in Notion
select tests.sync_pages((select jsonb_agg(tests.task_page('p' || i, 'Task ' || i, 'Todo', false, i <= 5))
                         from generate_series(1, 20) i));
select results_eq($$ select recommendation, reason from notion_sync_api.recovery $$,
  $$ values ('restore_notion_from_supabase'::text, '5 of 20 linked pages of tasks are trashed or missing in Notion'::text) $$,
  'Mass-trashed pages recommend restoring Notion from Supabase.');
select is((select count(*)::int from notion_sync_api.open_conflicts where kind = 'page_missing'), 5,
  'Each trashed page waits for a person as a page_missing conflict.');

-- the table is emptied
select tests.clear_authentication();
truncate notion_sync_demo.tasks;
select tests.authenticate_as(:'uid');
select results_eq($$ select recommendation, reason from notion_sync_api.recovery $$,
  $$ values ('restore_supabase_from_notion'::text, 'tasks has 0 rows; Notion has 15 pages'::text) $$,
  'An emptied table recommends restoring Supabase from Notion.');
select results_eq($$ select records, pages, trashed_pages, linked from notion_sync_api.recovery $$,
  $$ values (0::bigint, 15::bigint, 5::bigint, 20::bigint) $$, 'The counts of both sides are shown.');

select * from finish();
rollback;
