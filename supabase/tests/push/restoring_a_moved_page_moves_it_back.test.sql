-- Restoring a page brings it back where the mapping reads it: out of the trash, and back into the
-- data source when it was moved elsewhere (or both); a page already there needs nothing, and a page
-- Notion no longer has is created again.
begin;
select plan(6);

select tests.linked_tasks('restore-moved@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
select tests.sync_pages('[]', '{}', 'full', true);
select notion_sync_api.resolve_conflict(conflict_id, 'prefer_supabase') from notion_sync.conflicts where status = 'open';
select outbox_id as item from notion_sync_api.claim_outbox('tasks', 10) where op = 'restore' \gset

select is(notion_sync_api.plan_restore(:item,
  tests.task_page('p1', 'One') || '{"parent": {"type": "data_source_id", "data_source_id": "ds-elsewhere"}}'),
  '{"action": "move", "data_source_id": "ds-tasks"}'::jsonb,
  'A page moved to another data source is moved back.');
select is(notion_sync_api.plan_restore(:item,
  tests.task_page('p1', 'One') || '{"parent": {"type": "page_id", "page_id": "some-page"}}') ->> 'action',
  'move', 'So is a page moved under a page.');
select is(notion_sync_api.plan_restore(:item,
  tests.task_page('p1', 'One', p_in_trash => true) || '{"parent": {"type": "data_source_id", "data_source_id": "ds-elsewhere"}}') ->> 'action',
  'untrash', 'A page moved and trashed is taken out of the trash first.');
select is(notion_sync_api.plan_restore(:item,
  tests.task_page('p1', 'One') || '{"parent": {"type": "data_source_id", "data_source_id": "ds-tasks"}}') ->> 'action',
  'done', 'A page back in the data source needs nothing.');
select is(notion_sync_api.plan_restore(:item, null) ->> 'action', 'recreate',
  'A page Notion no longer has is created again from the record.');
select throws_ok($$ select notion_sync_api.plan_restore(-1, null) $$, 'P0002', null,
  'An item that is not the caller''s restore in flight is refused.');

select * from finish();
rollback;
