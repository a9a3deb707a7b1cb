-- Tier 0, natural key: a page whose natural-key property equals a record's natural-key column
-- (normalized) is linked; a stored page id outranks it; trashed pages are not matched by key.
begin;
select plan(6);

select tests.create_user('crm-keys@example.com') as uid \gset
create table tests.contacts (
  contact_id text primary key,
  owner_id uuid not null references auth.users (id),
  name text,
  email text,
  notion_page_id text
);
alter table tests.contacts enable row level security;
create policy contacts_select on tests.contacts for select to authenticated using (owner_id = (select auth.uid()));
grant select on tests.contacts to authenticated;
insert into notion_sync.connections (owner_id, name, token_ciphertext) values (:'uid', 'crm', 'v1.test')
returning connection_id as conn \gset
insert into notion_sync.mappings (owner_id, connection_id, name, data_source_id, target_schema, target_table,
                                  key_column, owner_column, field_map, natural_key, page_id_column)
values (:'uid', :'conn', 'contacts', 'ds-contacts', 'tests', 'contacts', 'contact_id', 'owner_id',
  '[{"property_id": "title", "name": "Name", "type": "title", "column": "name"},
    {"property_id": "em%3A", "name": "Email", "type": "email", "column": "email"}]',
  '{"property_id": "em%3A", "column": "email"}', 'notion_page_id');
insert into tests.contacts (contact_id, owner_id, name, email, notion_page_id) values
  ('c1', :'uid', 'Ada', 'ada@example.com', null),
  ('c2', :'uid', 'Charles', 'charles@example.com', 'p2'),
  ('c3', :'uid', 'Grace', 'grace@example.com', null),
  ('c4', :'uid', 'Alan', 'alan@example.com', null);

select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('contacts') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Ada L.'),
    'Email', '{"id": "em%3A", "type": "email", "email": " Ada@Example.COM"}'::jsonb)),
  tests.notion_page('p2', jsonb_build_object('Name', tests.title('Charles'),
    'Email', '{"id": "em%3A", "type": "email", "email": "grace@example.com"}'::jsonb)),
  tests.notion_page('p4', jsonb_build_object('Name', tests.title('Alan'),
    'Email', '{"id": "em%3A", "type": "email", "email": "alan@example.com"}'::jsonb), '2026-11-26 10:00Z', true)));

select is(notion_sync_api.match_batch(:'run') - 'dismissed',
  '{"pages": 3, "already_linked": 0, "linked": 2, "by_page_id": 1, "by_natural_key": 1, "ambiguous": 0, "unmatched": 1}'::jsonb,
  'One page is linked by its natural key, one by its stored page id.');
select is((select record_key from notion_sync.links where page_id = 'p1'), 'c1',
  'The natural key matches after case and space folding.');
select is((select record_key from notion_sync.links where page_id = 'p2'), 'c2',
  'A stored page id outranks a natural key that points at another record.');
select is_empty($$ select 1 from notion_sync.links where page_id = 'p4' $$,
  'A trashed page is not matched by its natural key.');
select is_empty($$ select 1 from notion_sync.conflicts $$,
  'A page is judged on its strongest tier only, so the weaker natural key raises no question.');
select is(notion_sync.normalize_key('12.0'), notion_sync.normalize_key('12'),
  'Numbers are compared by value, so a number column matches a number property.');

select * from finish();
rollback;
