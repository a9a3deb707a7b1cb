-- Tier 0 ambiguity, one way: a page whose natural key two records share is linked to neither; it
-- gets one ambiguous conflict naming both, and residue matching leaves it to that question.
begin;
select plan(6);

select tests.create_user('crm-twins@example.com') as uid \gset
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
  '{"property_id": "em%3A", "column": "email"}');
insert into tests.contacts (contact_id, owner_id, name, email) values
  ('c1', :'uid', 'Ada', 'team@example.com'),
  ('c2', :'uid', 'Ada (copy)', 'TEAM@example.com');

select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('contacts') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Ada'),
    'Email', '{"id": "em%3A", "type": "email", "email": "team@example.com"}'::jsonb))));

select is((notion_sync_api.match_batch(:'run') ->> 'ambiguous')::int, 1, 'The page is counted as ambiguous.');
select is_empty($$ select 1 from notion_sync.links $$, 'Neither record is linked.');
select is((select count(*)::int from notion_sync.conflicts where page_id = 'p1' and kind = 'ambiguous' and status = 'open'), 1,
  'The page gets one open ambiguous conflict.');
select is((select jsonb_path_query_array(details, '$.candidates[*].record_key') from notion_sync.conflicts where page_id = 'p1'),
  '["c1", "c2"]'::jsonb, 'The conflict names both candidate records.');
select is((select details - 'candidates' from notion_sync.conflicts where page_id = 'p1'),
  '{"stage": "batch", "reason": "several_records", "title": "Ada", "candidate_count": 2}'::jsonb,
  'The conflict says why it is ambiguous and shows the page''s title.');

-- record c1 has the page's exact title, but the page is held by its natural-key question
select notion_sync_api.complete_scan(:'run');
select notion_sync_api.match_residue(:'run');
select is_empty($$ select 1 from notion_sync.links $$,
  'Residue matching does not link by title a page held by a tier-0 ambiguity.');

select * from finish();
rollback;
