-- A run says how many of its changes a revert would undo and whether a person may revert it, so
-- the web client offers "Revert" only where it does something: not on a run that changed nothing,
-- and not a second time on a run already reverted.
begin;
select plan(5);

select tests.linked_tasks('revertible-alice@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as alice \gset
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{}', 'full', true) ->> 'run_id' as quiet \gset
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')), '{}', 'full', true)
  ->> 'run_id' as import \gset

select is((select revertible from notion_sync_api.runs where run_id = :'quiet'), false,
  'A run that changed nothing cannot be reverted.');
select is((select to_revert from notion_sync_api.runs where run_id = :'import'), 3,
  'A run that imported a page has its record''s three columns to revert.');
select is((select revertible from notion_sync_api.runs where run_id = :'import'), true,
  'A person may revert it.');

select notion_sync_api.revert_run(:'import');
select is((select row(to_revert, reverted, revertible)::text from notion_sync_api.runs where run_id = :'import'),
  '(0,3,f)', 'Once reverted, nothing is left to revert and it is not offered again.');

select tests.clear_authentication();
select tests.create_user('revertible-bob@example.com') as bob \gset
select tests.authenticate_as(:'bob');
select is_empty($$ select 1 from notion_sync_api.runs $$, 'Another user sees none of these runs.');

select * from finish();
rollback;
