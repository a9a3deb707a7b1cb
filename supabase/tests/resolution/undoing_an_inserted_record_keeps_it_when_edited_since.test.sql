-- Reverting a run that made records of new pages deletes a record only while it holds what the run
-- inserted: a record edited since (by a person or a later run) stays as it is, and a question names
-- the edit. The record still as inserted is deleted, its pair forgotten, and the delete is logged as
-- the undo of that insert.
begin;
select plan(6);

select tests.linked_tasks('undo-insert@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{}', 'full', true) ->> 'run_id' as full_run \gset
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two', 'Doing'), tests.task_page('p3', 'Three')))
  ->> 'run_id' as run \gset
select (tests.task_of('p2')).task_id as two \gset
-- a person edits one of the new records afterwards
update notion_sync_demo.tasks set status = 'Done' where title = 'Two';

select is(notion_sync_api.revert_run(:'run') ->> 'kept_as_conflicts', '3',
  'The three logged columns of the edited record are not undone.');
select is((select row(title, status)::text from notion_sync_demo.tasks where task_id = :'two'), row('Two', 'Done')::text,
  'The record edited since the run is kept with the edit.');
select is((select details ->> 'error' from notion_sync.conflicts where page_id = 'p2' and kind = 'changed_during_apply'),
  format('record %s was not deleted: it was edited after it was inserted (status: "Doing" → "Done"); '
         'delete it yourself if it should go', :'two'),
  'A question names the edit that kept it.');
select is_empty($$ select 1 from notion_sync_demo.tasks where title = 'Three' $$,
  'The record still as inserted is deleted.');
select is_empty($$ select 1 from notion_sync.links where page_id = 'p3' $$, 'Its pair is forgotten.');
select results_eq($$ select d.run_id, d.old_value ->> 'title', i.page_id, i.field
                     from notion_sync.changes d join notion_sync.changes i on i.change_id = d.undoes
                     where d.field = '*row' $$,
  $$ values (null::uuid, 'Three'::text, 'p3'::text, 'done'::text) $$,
  'The delete is logged, without a run, as the undo of the insert.');

select * from finish();
rollback;
