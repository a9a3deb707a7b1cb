-- The web client lists a mapping's recent decisions after a reload, so a person can undo an answer
-- without SQL: notion_sync_api.decisions lists the questions a person answered (not those the
-- sync settled itself, nor the pairs a bulk answer decided), and says whether undo_resolution can
-- undo each: not a skip, which is final, nor an approved bulk change, which its run applied.
begin;
select plan(7);

select tests.linked_tasks('decisions-alice@example.com',
  jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as alice \gset
update notion_sync_demo.tasks set status = 'Done' where title in ('One', 'Two');
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Doing'), tests.task_page('p2', 'Two', 'Doing')))
  ->> 'run_id' as run \gset
select conflict_id as kept from notion_sync.conflicts where kind = 'field' and page_id = 'p1' \gset
select conflict_id as skipped from notion_sync.conflicts where kind = 'field' and page_id = 'p2' \gset
select notion_sync_api.resolve_conflict(:'kept', 'prefer_notion');
select notion_sync_api.resolve_conflict(:'skipped', 'skip');

-- what the sync settled itself, an approved bulk change, and a pair that a bulk answer decided
select m.mapping_id as mapping from notion_sync.mappings m where m.name = 'tasks' \gset
insert into notion_sync.conflicts (mapping_id, run_id, kind, page_id, record_key, status, resolved_at, resolved_by, resolution, details)
values (:'mapping', :'run', 'page_missing', 'p8', '8', 'resolved', now(), :'alice', '{"action": "obsolete", "state": "back"}', '{}'),
       (:'mapping', :'run', 'record_deleted', 'p9', '9', 'dismissed', now(), :'alice', '{"action": "skip", "by": "delete_policy"}', '{}'),
       (:'mapping', :'run', 'bulk_change', null, null, 'resolved', now(), :'alice', '{"action": "merge", "choices": {"approve": "missing"}}', '{}');
select conflict_id as approved from notion_sync.conflicts where kind = 'bulk_change' \gset
insert into notion_sync.conflicts (mapping_id, run_id, kind, page_id, record_key, status, resolved_at, resolved_by, resolution, details)
values (:'mapping', :'run', 'record_deleted', 'p7', '7', 'resolved', now(), :'alice', '{"action": "prefer_notion"}',
        jsonb_build_object('bulk_change', :'approved'));

select set_eq($$ select conflict_id from notion_sync_api.decisions $$,
  format($$ values (%L::uuid), (%L::uuid), (%L::uuid) $$, :'kept', :'skipped', :'approved'),
  'The decisions are the two answers and the approved bulk change, not what the sync settled nor a bulk answer''s pairs.');
select is((select row(answer, status, undoable, page_title)::text from notion_sync_api.decisions where conflict_id = :'kept'),
  '(prefer_notion,resolved,t,One)', 'Keep Notion is listed with its question''s page and can be undone.');
select is((select row(answer, status, undoable)::text from notion_sync_api.decisions where conflict_id = :'skipped'),
  '(skip,dismissed,f)', 'A skip is listed as final.');
select is((select undoable from notion_sync_api.decisions where conflict_id = :'approved'), false,
  'An approved bulk change is not offered for undo.');
select throws_ok(format($$ select notion_sync_api.undo_resolution(%L) $$, :'approved'), '55000', null,
  'As undo_resolution refuses it.');

select notion_sync_api.undo_resolution(:'kept');
select is_empty(format($$ select 1 from notion_sync_api.decisions where conflict_id = %L $$, :'kept'),
  'An answer undone leaves the list: its question is open again.');

select tests.clear_authentication();
select tests.create_user('decisions-bob@example.com') as bob \gset
select tests.authenticate_as(:'bob');
select is_empty($$ select 1 from notion_sync_api.decisions $$, 'Another user sees none of these decisions.');

select * from finish();
rollback;
