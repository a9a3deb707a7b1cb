-- "Keep Supabase" on a held mass deletion takes each trashed page out of the trash as the decision
-- of its own page_missing question (state "missing"). The push logs each restore; undoing the bulk
-- answer queues every page back into the trash (it undid nothing and reopened the question over
-- live pages) and asks the question again.
begin;
select plan(4);

select tests.linked_tasks('undo-bulk-restore@example.com',
  (select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 30) g)) as uid \gset
select tests.sync_pages((select jsonb_agg(tests.under_data_source(tests.task_page('p' || g, 'T' || g, p_in_trash => true)))
                         from generate_series(1, 30) g), '{}', 'full', true);
select conflict_id as bulk from notion_sync.conflicts where kind = 'bulk_change' and status = 'open' \gset
select notion_sync_api.resolve_conflict(:'bulk', 'prefer_supabase');
-- the push: each page read in the trash, taken out, and confirmed with Notion's answer
select notion_sync_api.plan_restore(o.outbox_id, tests.under_data_source(tests.task_page(o.page_id, 'T', p_in_trash => true))),
       notion_sync_api.confirm_restore(o.outbox_id, tests.under_data_source(tests.task_page(o.page_id, 'T')))
from notion_sync_api.claim_outbox('tasks', 100) o;

select is((select count(*)::int from notion_sync.changes
           where field = '*page' and conflict_id is not null and new_value ->> 'in_trash' = 'false'), 30,
  'Each page taken out of the trash is logged as a change of its decision.');
select is(notion_sync_api.undo_resolution(:'bulk'), '{"undone": 30, "kept_as_conflicts": 0}'::jsonb,
  'Undoing the bulk answer undoes the 30 restores.');
select is((select count(*)::int from notion_sync.outbox where op = 'trash' and status = 'pending'), 30,
  'Each page is queued to go back in the trash.');
select results_eq($$ select kind from notion_sync.conflicts where status = 'open' $$, $$ values ('bulk_change'::text) $$,
  'The bulk question is the only one open again.');

select * from finish();
rollback;
