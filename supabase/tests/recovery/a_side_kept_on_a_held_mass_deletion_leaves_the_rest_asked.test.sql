-- Under trash_other_side, 20 records deleted in Supabase and 20 other pages trashed in Notion: the
-- safety valve holds the 40 deletions. "Keep Notion" restores the 20 records; the 20 records whose
-- pages went are not deleted by the reconcile that applies the answer (it runs as hold): each is
-- asked about on its own. More pairs than the question's diff lists (1,010) are all restored.
begin;
select plan(5);

select tests.linked_tasks('kept-side@example.com',
  (select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g)) as uid \gset
update notion_sync.mappings set delete_policy = 'trash_other_side';
select tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g), '{}', 'full', true);
delete from notion_sync_demo.tasks where title in (select 'T' || g from generate_series(1, 20) g);
-- pages 21-40 trashed in Notion
select tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, 'T' || g, 'Todo', false, g > 20))
                         from generate_series(1, 40) g), '{}', 'full', true);
select conflict_id as bulk from notion_sync.conflicts where kind = 'bulk_change' and status = 'open' \gset

select results_eq($$ select (a ->> 'restored_records')::int, (a ->> 'deletions_left')::int
                     from (select notion_sync_api.resolve_conflict($$ || quote_literal(:'bulk') || $$, 'prefer_notion') a) x $$,
  $$ values (20, 20) $$, 'Keep Notion restores the 20 deleted records and leaves the 20 other deletions.');
select is((select count(*)::int from notion_sync_demo.tasks), 40, 'No record was deleted.');
select is((select count(*)::int from notion_sync.conflicts where kind in ('page_missing', 'record_deleted') and status = 'open'), 20,
  'Each record whose page went is asked about on its own.');
select is((select delete_policy from notion_sync.mappings), 'trash_other_side', 'The mapping keeps its delete policy.');

-- another user: 1,010 records truncated, more than the question's diff lists
select tests.clear_authentication();
select tests.linked_tasks('kept-many@example.com',
  (select jsonb_agg(tests.task_page('q' || g, 'M' || g)) from generate_series(1, 1010) g)) as uid2 \gset
select tests.sync_pages((select jsonb_agg(tests.task_page('q' || g, 'M' || g)) from generate_series(1, 1010) g), '{}', 'full', true);
select tests.clear_authentication();
delete from notion_sync_demo.tasks where owner_id = :'uid2';
select tests.authenticate_as(:'uid2');
select tests.sync_pages((select jsonb_agg(tests.task_page('q' || g, 'M' || g)) from generate_series(1, 1010) g), '{}', 'full', true);
select notion_sync_api.resolve_conflict(conflict_id, 'prefer_notion') from notion_sync.conflicts
where kind = 'bulk_change' and status = 'open';
select is((select count(*)::int from notion_sync_demo.tasks), 1010, 'All 1,010 records are restored.');

select * from finish();
rollback;
