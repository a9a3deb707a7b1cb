-- Residue, exact title: after the full scan, a page and a record whose titles are equal once
-- normalized (Unicode NFC, case, white space), each unique on its side, are linked with high
-- confidence. Trashed pages and other users' rows are not candidates.
begin;
select plan(6);

select tests.create_user('exact@example.com') as uid \gset
select tests.create_user('other@example.com') as other \gset
select tests.create_demo_mapping(:'uid');
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Write  the SPEC') returning task_id as spec \gset
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'café menu') returning task_id as menu \gset
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Old task') returning task_id as old \gset
insert into notion_sync_demo.tasks (owner_id, title) values (:'other', 'Someone else''s task');

select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title(' write the spec '))),
  tests.notion_page('p2', jsonb_build_object('Name', tests.title(E'Cafe\u0301\u00a0Menu'))),
  tests.notion_page('p3', jsonb_build_object('Name', tests.title('Old task')), '2026-11-26 10:00Z', true),
  tests.notion_page('p4', jsonb_build_object('Name', tests.title('Someone else''s task')))));
select is((notion_sync_api.match_batch(:'run') ->> 'linked')::int, 0, 'Titles link nothing per batch.');
select notion_sync_api.complete_scan(:'run');

select is(notion_sync_api.match_residue(:'run'),
  '{"pages": 3, "records": 3, "linked": 2, "ambiguous": 0, "review": 0, "unmatched": 1, "dismissed": 0}'::jsonb,
  'Residue matching links the two exact pairs and counts the rest.');
select results_eq($$ select page_id, record_key from notion_sync.links order by page_id $$,
  format($$ values ('p1', %L), ('p2', %L) $$, :'spec', :'menu'),
  'Titles equal after NFC, case and space folding are linked.');
select is((select base from notion_sync.links where page_id = 'p1'), '{}'::jsonb,
  'A link made by title has no base yet: first contact.');
select is_empty(format($$ select 1 from notion_sync.links where record_key = %L $$, :'old'),
  'A trashed page is not matched by title.');
select is_empty($$ select 1 from notion_sync.conflicts $$, 'Exact unique pairs raise no question.');

select * from finish();
rollback;
