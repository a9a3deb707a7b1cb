-- While a create waits after an attempt whose answer never came, an incremental run does not turn
-- the unlinked pages the integration's bot made into new records (one of them is most likely that
-- create's page, which the push's lookup then links): no second record, and no second page after
-- it. Pages a person made become records as before.
begin;
select plan(4);

select tests.linked_tasks('made-by-us@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
reset role;
update notion_sync.connections set bot_id = '11111111-2222-4333-8444-555555555555';
select tests.authenticate_as(:'uid');
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Fresh');
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{"create_unmatched": true}', 'full', true);
-- the create was sent, and its answer never came
select outbox_id as item from notion_sync_api.claim_outbox('tasks', 10) \gset
select notion_sync_api.fail_push(:item, 'timeout');

-- a webhook's incremental run sees the page the create made, and a page a person made
select tests.sync_pages(jsonb_build_array(
  tests.task_page('p9', 'Fresh') || '{"created_by": {"object": "user", "id": "11111111-2222-4333-8444-555555555555"}}',
  tests.task_page('p8', 'By hand') || '{"created_by": {"object": "user", "id": "99999999-2222-4333-8444-555555555555"}}'),
  '{"create_unmatched": true}') ->> 'run_id' as run \gset
select is((select count(*)::int from notion_sync_demo.tasks where title = 'Fresh'), 1,
  'The page the create may have made is not a second record.');
select is_empty($$ select 1 from notion_sync.links where page_id = 'p9' $$, 'It waits unlinked for the create''s lookup.');
select is((select count(*)::int from notion_sync_demo.tasks where title = 'By hand'), 1, 'A page a person made becomes a record.');
select is((select seen_in_run from notion_sync.staged_pages where page_id = 'p9'), :'run'::uuid,
  'The run still counts the page as seen.');

select * from finish();
rollback;
