-- A dry run reports what reconcile would do and changes nothing; the next run applies what it
-- staged, though it reads none of it again.
begin;
select plan(7);

select tests.linked_tasks('dry@example.com', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
update notion_sync_demo.tasks set status = 'Done' where title = 'Two';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Doing'), tests.task_page('p2', 'Two'),
                                          tests.task_page('p3', 'Three')), '{"dry_run": true, "create_unmatched": true}') as plan \gset

select is((:'plan'::jsonb ->> 'notion_to_supabase')::int + (:'plan'::jsonb ->> 'inserts')::int, 2,
  'It reports one update and one insert towards Supabase.');
select is((:'plan'::jsonb ->> 'supabase_to_notion')::int, 1, 'It reports one push towards Notion.');
select is((tests.task_of('p1')).status, 'Todo', 'No record is changed.');
select is_empty($$ select 1 from notion_sync.outbox $$, 'Nothing is queued for Notion.');
select is((select count(*)::int from notion_sync_demo.tasks), 2, 'No record is created.');

select tests.sync_pages('[]') as applied \gset
select is((tests.task_of('p1')).status, 'Doing', 'The next run applies the edit the dry run staged.');
select is((:'applied'::jsonb ->> 'supabase_to_notion')::int, 1, 'It pushes the Supabase edit too.');

select * from finish();
rollback;
