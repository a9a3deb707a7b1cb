-- Undo, resolve again, undo again: the second undo puts back the value of before the second
-- resolution, not the other side's (it used to undo the first undo too). Undoing a first-contact
-- resolution leaves the pair without a base, so the next run asks again instead of pushing one
-- side over the other.
begin;
select plan(5);

select tests.linked_tasks('undo-twice@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
update notion_sync_demo.tasks set status = 'Done' where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Doing')));
select conflict_id as c from notion_sync.conflicts where kind = 'field' \gset

select notion_sync_api.resolve_conflict(:'c', 'prefer_notion');
select notion_sync_api.undo_resolution(:'c');
select is((tests.task_of('p1')).status, 'Done', 'The first undo puts Supabase''s value back.');
select notion_sync_api.resolve_conflict(:'c', 'prefer_notion');
select is((tests.task_of('p1')).status, 'Doing', 'Resolved again, Notion''s value is applied.');
select notion_sync_api.undo_resolution(:'c');
select is((tests.task_of('p1')).status, 'Done', 'The second undo puts Supabase''s value back again.');
select is((select status from notion_sync.conflicts where conflict_id = :'c'), 'open', 'The question is open.');

-- first contact: a record and a page matched by title, their statuses differ
insert into notion_sync_demo.tasks (owner_id, title, status) values (:'uid', 'Met', 'Todo');
select (notion_sync_api.start_run('tasks', 'retrieve', 'full') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(tests.task_page('p1', 'One', 'Doing'),
                                                            tests.task_page('p2', 'Met', 'Doing')));
update notion_sync.runs set checkpoint = checkpoint || jsonb_build_object('scan_completed_at', now()) where run_id = :'run';
select notion_sync_api.match_residue(:'run');
select notion_sync_api.reconcile(:'run');
select notion_sync_api.finish_run(:'run', 'completed');
select conflict_id as fc from notion_sync.conflicts where kind = 'first_contact' and page_id = 'p2' \gset
select notion_sync_api.resolve_conflict(:'fc', 'prefer_notion');
select notion_sync_api.undo_resolution(:'fc');
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Met', 'Doing')));
select results_eq(format($$ select (select count(*)::int from notion_sync.outbox where page_id = 'p2' and status = 'pending'),
                                   (select status from notion_sync.conflicts where conflict_id = %L),
                                   (tests.task_of('p2')).status $$, :'fc'),
  $$ values (0, 'open'::text, 'Todo'::text) $$,
  'After undoing a first-contact resolution the next run pushes nothing and the question stays open.');

select * from finish();
rollback;
