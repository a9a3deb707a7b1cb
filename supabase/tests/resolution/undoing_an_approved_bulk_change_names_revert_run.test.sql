-- A bulk change a person approved was applied by its run's reconcile: undoing the approval is
-- refused, naming revert_run, instead of reopening the question over what the run did.
begin;
select plan(2);

select tests.linked_tasks('undo-approved@example.com',
  (select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g)) as uid \gset
select tests.clear_authentication();
truncate notion_sync_demo.tasks;
select tests.authenticate_as(:'uid');
select tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g), '{}', 'full', true);
select conflict_id as bulk, run_id as run from notion_sync.conflicts where kind = 'bulk_change' and status = 'open' \gset
select notion_sync_api.resolve_conflict(:'bulk', 'merge', '{"approve": "missing"}');

select throws_ok(format($$ select notion_sync_api.undo_resolution(%L) $$, :'bulk'), '55000',
  format('conflict %s approved a bulk change, which its run applied: revert_run(''%s'') undoes what the run did', :'bulk', :'run'),
  'Undoing the approval is refused, naming revert_run.');
select is((select status from notion_sync.conflicts where conflict_id = :'bulk'), 'resolved', 'The question stays answered.');

select * from finish();
rollback;
