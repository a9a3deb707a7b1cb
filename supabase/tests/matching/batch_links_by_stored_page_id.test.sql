-- Tier 0, stored page id: a record whose page id column holds the page's id (dashed or not) is
-- linked to it at once, trashed pages included (the id is the page's identity); a title alone
-- links nothing per batch.
begin;
select plan(6);

select tests.create_user('crm-ids@example.com') as uid \gset
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
                                  key_column, owner_column, field_map, page_id_column)
values (:'uid', :'conn', 'contacts', 'ds-contacts', 'tests', 'contacts', 'contact_id', 'owner_id',
  '[{"property_id": "title", "name": "Name", "type": "title", "column": "name"}]', 'notion_page_id');
insert into tests.contacts (contact_id, owner_id, name, notion_page_id) values
  ('c1', :'uid', 'Ada Lovelace (old name)', '1F2E3D4C5B6A49788695A4B3C2D1E0F9'),
  ('c2', :'uid', 'Charles Babbage', '2a2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9'),
  ('c3', :'uid', 'Grace Hopper', null);

select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('contacts') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  tests.notion_page('1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9', jsonb_build_object('Name', tests.title('Ada Lovelace'))),
  tests.notion_page('2a2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9', jsonb_build_object('Name', tests.title('Charles Babbage')),
                    '2026-11-26 10:00Z', true),
  tests.notion_page('3a2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9', jsonb_build_object('Name', tests.title('Grace Hopper')))));

select is(notion_sync_api.match_batch(:'run') - 'dismissed',
  '{"pages": 3, "already_linked": 0, "linked": 2, "by_page_id": 2, "by_natural_key": 0, "ambiguous": 0, "unmatched": 1}'::jsonb,
  'Two pages are linked by the page id their records store.');
select is((select record_key from notion_sync.links where page_id = '1f2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9'), 'c1',
  'A stored page id matches whatever its dashes and case, even when the titles differ.');
select is((select record_key from notion_sync.links where page_id = '2a2e3d4c-5b6a-4978-8695-a4b3c2d1e0f9'), 'c2',
  'A trashed page is linked to the record that stores its id.');
select is((select base from notion_sync.links where record_key = 'c1'), '{}'::jsonb,
  'A new link has no base yet: first contact.');
select is_empty($$ select 1 from notion_sync.links where record_key = 'c3' $$,
  'An equal title links nothing per batch.');
select is_empty($$ select 1 from notion_sync.conflicts $$, 'Unique matches raise no question.');

select * from finish();
rollback;
