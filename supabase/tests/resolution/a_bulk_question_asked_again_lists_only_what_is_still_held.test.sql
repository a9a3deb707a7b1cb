-- 30 records edited in Supabase and 30 other pages edited in Notion: the safety valve holds both
-- directions in one bulk question. "Keep Notion" applies Notion's 30 edits; the question asked
-- again at once is about the Supabase edits alone, not the edits already applied.
begin;
select plan(5);

select tests.linked_tasks('asked-again@example.com',
  (select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 70) g)) as uid \gset
update notion_sync_demo.tasks set status = 'Done' where title in (select 'T' || g from generate_series(1, 30) g);
select tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, case when g between 31 and 60 then 'N' else 'T' end || g))
  from generate_series(1, 70) g), '{}', 'full', true);
select conflict_id as bulk from notion_sync.conflicts where kind = 'bulk_change' and status = 'open' \gset

select notion_sync_api.resolve_conflict(:'bulk', 'prefer_notion') ->> 'asked_again' as again \gset
select is((select details -> 'held' from notion_sync.conflicts where conflict_id = :'again'),
  '["supabase_to_notion"]'::jsonb, 'The question asked again holds the Supabase edits alone.');
select is((select count(*)::int from notion_sync.conflicts c, jsonb_array_elements(c.details -> 'diff' -> 'fields') d
           where c.conflict_id = :'again' and d ->> 'action' = 'to_supabase'), 0,
  'It lists none of Notion''s edits, already applied.');
select is((select count(*)::int from notion_sync.conflicts c, jsonb_array_elements(c.details -> 'diff' -> 'fields') d
           where c.conflict_id = :'again' and d ->> 'action' = 'to_notion'), 30,
  'It lists the 30 Supabase edits still held.');
select is((select array[(details -> 'counts' ->> 'notion_to_supabase')::int, (details -> 'counts' ->> 'supabase_to_notion')::int]
           from notion_sync.conflicts where conflict_id = :'again'), array[0, 30],
  'Its counts are of what is still held.');
select is((select count(*)::int from notion_sync_demo.tasks where title like 'N%'), 30,
  'Notion''s edits were applied.');

select * from finish();
rollback;
