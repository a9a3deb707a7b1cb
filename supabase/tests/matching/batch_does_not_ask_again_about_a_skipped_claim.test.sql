-- Tier 0, a person's skip: when two pages claim one record by its natural key and a person skips
-- the question of one of them ("not this record"), the next batch does not ask it again, and the
-- other page, now the record's only claimant, is linked by the natural key.
begin;
select plan(4);

select tests.create_user('skip-batch@example.com') as uid \gset
select tests.owner_only_table('hm_people', 'person_id text primary key, name text, email text');
insert into notion_sync.connections (owner_id, name, token_ciphertext) values (:'uid', 'crm', 'v1.test')
returning connection_id as conn \gset
insert into notion_sync.mappings (owner_id, connection_id, name, data_source_id, target_schema, target_table,
                                  key_column, owner_column, field_map, natural_key)
values (:'uid', :'conn', 'people', 'ds-people', 'public', 'hm_people', 'person_id', 'owner_id',
  '[{"property_id": "title", "name": "Name", "type": "title", "column": "name"},
    {"property_id": "em%3A", "name": "Email", "type": "email", "column": "email"}]',
  '{"property_id": "em%3A", "column": "email"}');
insert into public.hm_people (person_id, owner_id, name, email) values ('r1', :'uid', 'Ada', 'ada@example.com');

select tests.authenticate_as(:'uid');
create temp table pages on commit drop as
select jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Ada (old)'),
    'Email', '{"id": "em%3A", "type": "email", "email": "ada@example.com"}'::jsonb)),
  tests.notion_page('p2', jsonb_build_object('Name', tests.title('Ada'),
    'Email', '{"id": "em%3A", "type": "email", "email": "ada@example.com"}'::jsonb))) as p;
select (notion_sync_api.start_run('people') ->> 'run_id') as run1 \gset
select notion_sync_api.stage_pages(:'run1', (select p from pages));
select notion_sync_api.match_batch(:'run1');
select notion_sync_api.finish_run(:'run1', 'completed');
select is((select count(*)::int from notion_sync.conflicts where kind = 'ambiguous' and status = 'open'), 2,
  'Both pages claiming the record are asked about.');
select notion_sync_api.resolve_conflict(conflict_id, 'skip') from notion_sync.conflicts where page_id = 'p1';

select (notion_sync_api.start_run('people') ->> 'run_id') as run2 \gset
select notion_sync_api.stage_pages(:'run2', (select p from pages));
select notion_sync_api.match_batch(:'run2');
select is_empty($$ select 1 from notion_sync.conflicts where page_id = 'p1' and status = 'open' $$,
  'The skipped question is not asked again.');
select is((select record_key from notion_sync.links where page_id = 'p2'), 'r1',
  'The other page, now the only one claiming the record, is linked by its natural key.');
select is_empty($$ select 1 from notion_sync.conflicts where status = 'open' $$, 'No question is left open.');

select * from finish();
rollback;
