-- Titles are compared normalized: Unicode NFC, case-folded, white space (Unicode spaces included)
-- collapsed and trimmed; residue matching gives the staged pages it compares their title_norm,
-- read from the raw page.
begin;
select plan(6);

select is(notion_sync.normalize_title(E'Cafe\u0301 menu'), notion_sync.normalize_title(E'Caf\u00e9 menu'),
  'A decomposed accent equals the composed one (NFC).');
select is(notion_sync.normalize_title(E'  ÉCOLE\u00a0\t  Menu\u3000 '), 'école menu',
  'Case is folded, Unicode included, and every run of white space becomes one space.');
select is(notion_sync.normalize_title(E' \u00a0 '), null, 'A blank title normalizes to nothing.');
select is(notion_sync.page_title(tests.notion_page('p1', jsonb_build_object(
    'Status', '{"id": "st%3A", "type": "status", "status": {"name": "Todo"}}'::jsonb,
    'Task name', '{"id": "title", "type": "title", "title": [{"plain_text": "Write "}, {"plain_text": "the spec"}]}'::jsonb))),
  'Write the spec', 'The title is found by its type, whatever the property''s name, and its segments joined.');
select is(notion_sync.page_title('{"properties": "garbage"}'::jsonb), null,
  'An odd raw page has no title rather than an error.');

select tests.create_user('norm@example.com') as uid \gset
select tests.create_demo_mapping(:'uid');
select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title(E'  Write\u00a0the   SPEC ')))));
select notion_sync_api.complete_scan(:'run');
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'A record to compare with');
select notion_sync_api.match_residue(:'run');
select is((select title_norm from notion_sync.staged_pages where page_id = 'p1'), 'write the spec',
  'A page residue matching compared holds its normalized title.');

select * from finish();
rollback;
