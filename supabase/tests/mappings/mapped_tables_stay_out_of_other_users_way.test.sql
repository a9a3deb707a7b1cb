-- A user's mapping cannot make the sync's triggers act on other users' writes: no mapping targets
-- a table of the sync or the platform (one onto notion_sync.runs made every user's start_run fail),
-- and a mapping without an owner column acts only on its owner's writes (and those of no signed-in
-- user), so another user's edits of a shared table are neither refused nor recorded.
begin;
select plan(6);

select tests.create_user('mapper@example.com') as a \gset
select tests.create_user('neighbour@example.com') as b \gset
insert into notion_sync.connections (owner_id, name, token_ciphertext) values (:'a', 'c', 'v1.x.y') returning connection_id as conn \gset
select tests.owner_only_table('shared_notes', 'note_id uuid primary key default gen_random_uuid(), body text, score numeric');
select tests.authenticate_as(:'a');
select notion_sync_api.stage_schema('{"object": "data_source", "id": "ds-notes", "properties": {
  "Name": {"id": "title", "name": "Name", "type": "title", "title": {}},
  "Score": {"id": "sc", "name": "Score", "type": "formula", "formula": {"expression": "1"}},
  "By": {"id": "by", "name": "By", "type": "created_by", "created_by": {}}}}');

select throws_like(format($$ select notion_sync_api.save_mapping(%L) $$, jsonb_build_object(
    'name', 'runs', 'connection_id', :'conn', 'data_source_id', 'ds-notes', 'target_schema', 'notion_sync',
    'target_table', 'runs', 'key_column', 'run_id',
    'field_map', '[{"property_id": "by", "name": "By", "type": "created_by", "column": "mapping_id"}]'::jsonb)),
  '%targets notion_sync.runs, a table of schema notion_sync, which belongs to the sync or to the platform%',
  'A mapping onto a table of the sync is refused.');
select is_empty($$ select 1 from pg_catalog.pg_trigger where tgrelid = 'notion_sync.runs'::regclass and not tgisinternal $$,
  'No trigger is attached to it.');

-- a table many users write, mapped by A without an owner column, its score fed by a formula
select notion_sync_api.save_mapping(jsonb_build_object(
  'name', 'notes', 'connection_id', :'conn', 'data_source_id', 'ds-notes', 'target_schema', 'public',
  'target_table', 'shared_notes', 'key_column', 'note_id',
  'field_map', '[{"property_id": "title", "name": "Name", "type": "title", "column": "body"},
                 {"property_id": "sc", "name": "Score", "type": "formula", "column": "score"}]'::jsonb));
select throws_ok($$ insert into public.shared_notes (body, score) values ('mine', 1) $$, '42501', null,
  'The mapping''s owner may not write the column Notion computes.');

select tests.authenticate_as(:'b');
select lives_ok($$ insert into public.shared_notes (body, score) values ('theirs', 5) $$,
  'Another user writes it in their own rows.');
select lives_ok($$ delete from public.shared_notes where body = 'theirs' $$, 'And deletes them.');
reset role;
select is((select count(*)::int from notion_sync.record_changes where owner_id = :'a')
          + (select count(*)::int from notion_sync.tombstones where owner_id = :'a'), 0,
  'Nothing of the other user is recorded in the mapping.');

select * from finish();
rollback;
