-- A truncated table whose check now refuses one record's title: "Keep Notion" on the held bulk
-- question restores the 39 others, leaves the refused record's own record_deleted question open
-- naming the refusal, and counts it in the answer.
begin;
select plan(5);

select tests.linked_tasks('restore-refused@example.com',
  (select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g)) as uid \gset
select tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g), '{}', 'full', true);
select tests.clear_authentication();
truncate notion_sync_demo.tasks;
alter table notion_sync_demo.tasks add constraint no_t7 check (title <> 'T7') not valid;
select tests.authenticate_as(:'uid');
select tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g), '{}', 'full', true);
select conflict_id as bulk from notion_sync.conflicts where kind = 'bulk_change' and status = 'open' \gset

select notion_sync_api.resolve_conflict(:'bulk', 'prefer_notion') as answer \gset
select is(array[:'answer'::jsonb ->> 'restored_records', :'answer'::jsonb ->> 'refused'], array['39', '1'],
  'Keep Notion restores the 39 records the table accepts and counts the one it refused.');
select is((select array_agg(title order by title) from notion_sync_demo.tasks),
  (select array_agg('T' || g order by 'T' || g) from generate_series(1, 40) g where g <> 7),
  'Every record but the refused one is back.');
select is((select count(*)::int from notion_sync.conflicts where kind = 'record_deleted' and status = 'open' and page_id = 'p7'), 1,
  'The refused record''s own question stays open.');
select matches((select details ->> 'error' from notion_sync.conflicts where kind = 'record_deleted' and status = 'open' and page_id = 'p7'),
  'no_t7', 'Its question names the table''s refusal.');
select is((select status from notion_sync.conflicts where conflict_id = :'bulk'), 'resolved',
  'The bulk question is answered.');

select * from finish();
rollback;
