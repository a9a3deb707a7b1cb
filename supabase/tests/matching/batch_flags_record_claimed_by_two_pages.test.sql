-- Tier 0 ambiguity, the other way: a record whose natural key two pages share, or one already
-- linked to another page, links nothing; each claiming page gets one ambiguous conflict.
begin;
select plan(6);

select tests.create_user('crm-claims@example.com') as uid \gset
create table tests.contacts (
  contact_id text primary key,
  owner_id uuid not null references auth.users (id),
  name text,
  email text
);
alter table tests.contacts enable row level security;
create policy contacts_select on tests.contacts for select to authenticated using (owner_id = (select auth.uid()));
grant select on tests.contacts to authenticated;
insert into notion_sync.connections (owner_id, name, token_ciphertext) values (:'uid', 'crm', 'v1.test')
returning connection_id as conn \gset
insert into notion_sync.mappings (owner_id, connection_id, name, data_source_id, target_schema, target_table,
                                  key_column, owner_column, field_map, natural_key)
values (:'uid', :'conn', 'contacts', 'ds-contacts', 'tests', 'contacts', 'contact_id', 'owner_id',
  '[{"property_id": "title", "name": "Name", "type": "title", "column": "name"},
    {"property_id": "em%3A", "name": "Email", "type": "email", "column": "email"}]',
  '{"property_id": "em%3A", "column": "email"}') returning mapping_id as mapping \gset
insert into tests.contacts (contact_id, owner_id, name, email) values
  ('c1', :'uid', 'Ada', 'ada@example.com'),
  ('c2', :'uid', 'Grace', 'grace@example.com');
insert into notion_sync.links (mapping_id, page_id, owner_id, record_key) values (:'mapping', 'p9', :'uid', 'c2');

select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('contacts') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Ada'),
    'Email', '{"id": "em%3A", "type": "email", "email": "ada@example.com"}'::jsonb)),
  tests.notion_page('p2', jsonb_build_object('Name', tests.title('Ada (duplicate)'),
    'Email', '{"id": "em%3A", "type": "email", "email": "ada@example.com"}'::jsonb)),
  tests.notion_page('p3', jsonb_build_object('Name', tests.title('Grace'),
    'Email', '{"id": "em%3A", "type": "email", "email": "grace@example.com"}'::jsonb))));

select is((notion_sync_api.match_batch(:'run') ->> 'ambiguous')::int, 3, 'All three claiming pages are ambiguous.');
select is((select array_agg(page_id order by page_id) from notion_sync.links), array['p9'],
  'No new link is made; the existing one stays.');
select results_eq(
  $$ select page_id, record_key, details ->> 'reason' from notion_sync.conflicts
     where kind = 'ambiguous' and status = 'open' order by page_id $$,
  $$ values ('p1', 'c1', 'record_claimed_by_several_pages'), ('p2', 'c1', 'record_claimed_by_several_pages'),
            ('p3', 'c2', 'record_linked_to_another_page') $$,
  'Each claiming page gets one ambiguous conflict naming the record and why.');
select is((select details -> 'candidates' -> 0 -> 'claimed_by' from notion_sync.conflicts where page_id = 'p1'),
  '["p1", "p2"]'::jsonb, 'The conflict lists every page that claims the record.');
select is((select details -> 'candidates' -> 0 ->> 'linked_page_id' from notion_sync.conflicts where page_id = 'p3'),
  'p9', 'The conflict names the page the record is already linked to.');
select is((select count(*)::int from notion_sync.conflicts), 3, 'There is one conflict per page, not per candidate.');

select * from finish();
rollback;
