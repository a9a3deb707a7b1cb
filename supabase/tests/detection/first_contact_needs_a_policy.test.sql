-- Without a base (first contact, recovery), equal values converge, different values are a
-- conflict under the manual policy, and a run that chose prefer_notion or prefer_supabase
-- applies that side.
begin;
select plan(6);

select tests.linked_tasks('first@example.com', '[]'::jsonb) as uid \gset
select mapping_id as mapping from notion_sync.mappings \gset
insert into notion_sync_demo.tasks (title, status, done)
values ('Same', 'Todo', false), ('Differs', 'Doing', false), ('Third', 'Doing', false), ('Fourth', 'Done', false);
insert into notion_sync.links (mapping_id, page_id, record_key, base)
select :'mapping', 'p-' || lower(title), task_id::text, '{}' from notion_sync_demo.tasks;

select tests.sync_pages(jsonb_build_array(tests.task_page('p-same', 'Same'), tests.task_page('p-differs', 'Differs')));
select is((select base from notion_sync.links where page_id = 'p-same'),
  '{"title": "Same", "status": "Todo", "done": false}'::jsonb, 'Equal values on first contact become the base.');
select is((select kind from notion_sync.conflicts where page_id = 'p-differs'), 'first_contact',
  'Different values on first contact are a conflict under the manual policy.');
select is((tests.task_of('p-differs')).status, 'Doing', 'Nothing is overwritten on first contact.');

select tests.sync_pages(jsonb_build_array(tests.task_page('p-third', 'Third')), '{"policy": "prefer_notion"}');
select is((tests.task_of('p-third')).status, 'Todo', 'prefer_notion applies Notion''s value on first contact.');

select tests.sync_pages(jsonb_build_array(tests.task_page('p-fourth', 'Fourth')), '{"policy": "prefer_supabase"}');
select is((select properties from notion_sync.outbox where page_id = 'p-fourth'),
  '{"st%3A": {"status": {"name": "Done"}}}'::jsonb, 'prefer_supabase queues Supabase''s value for Notion.');
select is((select fields -> 'status' ->> 'expected' from notion_sync.outbox where page_id = 'p-fourth'), 'Todo',
  'The push expects the Notion value it was decided against.');

select * from finish();
rollback;
