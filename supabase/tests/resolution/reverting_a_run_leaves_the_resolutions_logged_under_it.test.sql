-- A person's resolution is logged under the conflict's run, which a later run that sees the conflict
-- again refreshes. Reverting either run undoes what the run did, not what the person chose; undoing
-- the resolution still undoes it.
begin;
select plan(5);

select tests.linked_tasks('revert-decision@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
update notion_sync_demo.tasks set status = 'Done' where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Doing'))) ->> 'run_id' as r1 \gset
-- both sides edit the title too: the next run adds it to the open conflict and refreshes its run
update notion_sync_demo.tasks set title = 'One (app)' where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One (notion)', 'Doing'))) ->> 'run_id' as r2 \gset
select conflict_id as c from notion_sync.conflicts where page_id = 'p1' and kind = 'field' \gset
select is((select run_id from notion_sync.conflicts where conflict_id = :'c'), :'r2'::uuid,
  'The conflict now carries the later run.');

select notion_sync_api.resolve_conflict(:'c', 'prefer_notion');
select is(notion_sync_api.revert_run(:'r2'), '{"undone": 0, "kept_as_conflicts": 0}'::jsonb,
  'Reverting the later run undoes nothing of the person''s resolution.');
select notion_sync_api.revert_run(:'r1');
select is((select row(title, status)::text from notion_sync_demo.tasks), row('One (notion)', 'Doing')::text,
  'The record keeps the values the person chose.');
select is((select status from notion_sync.conflicts where conflict_id = :'c'), 'resolved', 'The conflict stays resolved.');

select notion_sync_api.undo_resolution(:'c');
select is((select row(title, status)::text from notion_sync_demo.tasks), row('One (app)', 'Done')::text,
  'Undoing the resolution puts the record''s values back.');

select * from finish();
rollback;
