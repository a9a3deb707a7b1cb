-- Deletes follow the mapping's policy: hold (the default) opens a conflict and deletes nothing;
-- trash_other_side queues the page for the trash; unlink forgets the pair. A page trashed in
-- Notion is held the same way; nothing is deleted by default.
begin;
select plan(7);

select tests.linked_tasks('deletes@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'), tests.task_page('p3', 'Three'))) as uid \gset

delete from notion_sync_demo.tasks where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two', 'Todo', false, true)));
select results_eq($$ select page_id, kind, details ->> 'state' from notion_sync.conflicts order by page_id $$,
  $$ values ('p1'::text, 'record_deleted'::text, 'deleted'::text), ('p2', 'page_missing', 'trashed') $$,
  'Under hold, a deleted record and a trashed page each become a conflict.');
select is((select details -> 'last_values' ->> 'title' from notion_sync.conflicts where page_id = 'p1'), 'One',
  'The conflict keeps the deleted record''s last values.');
select is((select count(*)::int from notion_sync_demo.tasks where title = 'Two'), 1,
  'The record of a trashed page is not deleted.');
select is_empty($$ select 1 from notion_sync.outbox $$, 'Nothing is trashed in Notion.');

update notion_sync.mappings set delete_policy = 'trash_other_side';
delete from notion_sync_demo.tasks where title = 'Three';
select tests.sync_pages('[]');
select results_eq($$ select op, page_id from notion_sync.outbox $$, $$ values ('trash'::text, 'p3'::text) $$,
  'Under trash_other_side, a deleted record''s page is queued for the trash.');

update notion_sync.mappings set delete_policy = 'unlink';
select notion_sync_api.resolve_conflict(conflict_id, 'skip') from notion_sync.conflicts where page_id = 'p2';
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two', 'Todo', false, true)));
select is((select count(*)::int from notion_sync.links where page_id = 'p2'), 0,
  'Skipping a trashed page''s conflict unlinks it.');
select is((select count(*)::int from notion_sync_demo.tasks where title = 'Two'), 1, 'Its record stays.');

select * from finish();
rollback;
