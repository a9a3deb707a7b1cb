-- The safety valve: a run that would change more than the mapping's threshold on one side
-- applies nothing in that direction and opens one bulk_change review with the diff; the other
-- direction still flows; approving the review applies the held side.
begin;
select plan(7);

select tests.linked_tasks('valve@example.com', (
  select jsonb_agg(tests.task_page('p' || i, 'Task ' || i)) from generate_series(1, 30) i)) as uid \gset
update notion_sync.mappings set bulk_threshold_rows = 5, bulk_threshold_percent = 10;
update notion_sync_demo.tasks set status = 'Done' where title = 'Task 1';

-- someone mangles 12 pages in Notion
select tests.sync_pages((select jsonb_agg(case when i <= 12 then tests.task_page('p' || i, 'mangled', 'Doing')
                                               else tests.task_page('p' || i, 'Task ' || i) end)
                         from generate_series(1, 30) i)) as summary \gset

select is(:'summary'::jsonb -> 'held', '["notion_to_supabase"]'::jsonb, 'The Notion → Supabase side is held.');
select is((select count(*)::int from notion_sync_demo.tasks where title = 'mangled'), 0,
  'No mangled value reaches the table.');
select is((select count(*)::int from notion_sync.conflicts where kind = 'bulk_change' and status = 'open'), 1,
  'One bulk_change review is opened.');
select is((select jsonb_array_length(details -> 'diff' -> 'fields') from notion_sync.conflicts where kind = 'bulk_change'), 24,
  'The review carries the dry-run diff: title and status of each of the 12 pages.');
select is((select count(*)::int from notion_sync.conflicts where kind = 'field'), 1,
  'Record 1 (edited on both sides) is still a field conflict, not applied.');

select notion_sync_api.resolve_conflict((select conflict_id from notion_sync.conflicts where kind = 'bulk_change'),
  'prefer_notion');
select results_eq($$ select count(*)::int, count(*) filter (where status = 'Doing')::int
                     from notion_sync_demo.tasks where title = 'mangled' $$, $$ values (12, 11) $$,
  'Approving the review applies the held side, except the field in conflict.');
select is((select status from notion_sync.conflicts where kind = 'bulk_change'), 'resolved', 'The review is resolved.');

select * from finish();
rollback;
