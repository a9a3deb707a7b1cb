-- A Notion edit staged by a run that failed before reconciling is applied by the next incremental
-- run, which reads the page again unchanged (it used to wait for the next full scan); a completed
-- run's changes are not taken again.
begin;
select plan(4);

select tests.linked_tasks('failed-run@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset

select (notion_sync_api.start_run('tasks', 'retrieve', 'incremental') ->> 'run_id') as failed \gset
select notion_sync_api.stage_pages(:'failed', jsonb_build_array(tests.task_page('p1', 'One', 'Doing')));
select notion_sync_api.finish_run(:'failed', 'failed', 'Notion answered 502');

select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Doing'))) as next \gset
select is((tests.task_of('p1')).status, 'Doing', 'The next run applies the edit the failed run staged.');
select is((:'next'::jsonb ->> 'notion_to_supabase')::int, 1, 'It counts it as its own.');

-- an edit in Supabase meanwhile; the next run pushes it and takes nothing of the completed run
update notion_sync_demo.tasks set status = 'Done' where title = 'One';
select tests.sync_pages('[]') as after \gset
select is((:'after'::jsonb ->> 'notion_to_supabase')::int, 0, 'A completed run''s changes are not applied again.');
select is((:'after'::jsonb ->> 'supabase_to_notion')::int, 1, 'The Supabase edit is pushed.');

select * from finish();
rollback;
