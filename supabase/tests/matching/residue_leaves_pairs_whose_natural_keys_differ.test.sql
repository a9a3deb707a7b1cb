-- Residue, natural keys: a page and a record that both have a natural-key value, and different
-- ones, are different things however alike their titles: neither linked by exact title nor put up
-- for review. A pair where one side has no natural-key value is still matched by title.
begin;
select plan(5);

select tests.create_user('residue-keys@example.com') as uid \gset
select tests.owner_only_table('hm_contacts', 'contact_id text primary key, name text, email text');
insert into notion_sync.connections (owner_id, name, token_ciphertext) values (:'uid', 'crm', 'v1.test')
returning connection_id as conn \gset
insert into notion_sync.mappings (owner_id, connection_id, name, data_source_id, target_schema, target_table,
                                  key_column, owner_column, field_map, natural_key)
values (:'uid', :'conn', 'contacts', 'ds-contacts', 'public', 'hm_contacts', 'contact_id', 'owner_id',
  '[{"property_id": "title", "name": "Name", "type": "title", "column": "name"},
    {"property_id": "em%3A", "name": "Email", "type": "email", "column": "email"}]',
  '{"property_id": "em%3A", "column": "email"}');
insert into public.hm_contacts (contact_id, owner_id, name, email) values
  ('c1', :'uid', 'Ada Lovelace', 'ada@example.com'),
  ('c2', :'uid', 'Charles Babbage', 'charles@example.com'),
  ('c3', :'uid', 'Grace Hopper', null);

select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('contacts', 'retrieve', 'full') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Ada Lovelace'),
    'Email', '{"id": "em%3A", "type": "email", "email": "ada.lovelace@example.org"}'::jsonb)),
  tests.notion_page('p2', jsonb_build_object('Name', tests.title('Charles Babage'),
    'Email', '{"id": "em%3A", "type": "email", "email": "babbage@example.org"}'::jsonb)),
  tests.notion_page('p3', jsonb_build_object('Name', tests.title('Grace Hopper'),
    'Email', '{"id": "em%3A", "type": "email", "email": "grace@example.com"}'::jsonb))));
select notion_sync_api.match_batch(:'run');
select notion_sync_api.complete_scan(:'run');
select notion_sync_api.match_residue(:'run');

select is_empty($$ select 1 from notion_sync.links where page_id = 'p1' $$,
  'A page is not linked by its title to a record whose natural key differs.');
select is_empty($$ select 1 from notion_sync.conflicts where page_id = 'p1' $$,
  'Such a pair is not asked about either.');
select is_empty($$ select 1 from notion_sync.conflicts where page_id = 'p2' $$,
  'A similar title is not put up for review when the natural keys differ.');
select is((select record_key from notion_sync.links where page_id = 'p3'), 'c3',
  'A record without a natural-key value is still linked by its exact title.');
select is((select count(*)::int from notion_sync.links), 1, 'Nothing else is linked.');

select * from finish();
rollback;
