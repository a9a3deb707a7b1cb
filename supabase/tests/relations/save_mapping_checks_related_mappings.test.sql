-- save_mapping refuses a related mapping it cannot translate through, naming the column and the
-- mapping: an unknown mapping, a property that is no relation, a mapping of another data source,
-- and a uuid[] column for keys that are not uuids.
begin;
select plan(5);

select tests.relation_setup('rel-valid@example.com', 'uuid[]') as uid \gset
-- a mapping of ds-projects whose keys are text
select tests.clear_authentication();
create table public.rel_codes (code text primary key default gen_random_uuid()::text, owner_id uuid not null default auth.uid(), name text);
alter table public.rel_codes enable row level security;
create policy rel_codes_insert on public.rel_codes for insert to authenticated with check (owner_id = auth.uid());
create policy rel_codes_update on public.rel_codes for update to authenticated using (owner_id = auth.uid());
grant select, insert, update on public.rel_codes to authenticated;
select tests.authenticate_as(:'uid');
select notion_sync_api.save_mapping(tests.relation_tasks_mapping() || jsonb_build_object(
  'name', 'codes', 'data_source_id', 'ds-projects', 'target_table', 'rel_codes', 'key_column', 'code',
  'field_map', '[{"property_id":"title","name":"Name","type":"title","column":"name"}]'::jsonb)) as codes \gset

select throws_like($$ select notion_sync_api.save_mapping(tests.relation_tasks_mapping('milestones')) $$,
  '%column project_keys names related mapping "milestones", which does not exist%',
  'An unknown related mapping is refused.');
select throws_like($$ select notion_sync_api.save_mapping(jsonb_set(tests.relation_tasks_mapping(), '{field_map,0}',
    '{"property_id":"title","name":"Name","type":"title","column":"title","related_mapping":"projects"}')) $$,
  '%column title names related mapping "projects", but Notion property "Name" is not a relation%',
  'A related mapping on a property that is no relation is refused.');
select throws_like($$ select notion_sync_api.save_mapping(tests.relation_tasks_mapping('tasks')) $$,
  '%Notion property "Project" relates to data source ds-projects, but mapping "tasks" (for column project_keys) maps data source ds-rtasks%',
  'A related mapping of another data source than the relation''s is refused.');
select throws_like($$ select notion_sync_api.save_mapping(tests.relation_tasks_mapping('codes')) $$,
  '%column public.rel_tasks.project_keys is uuid[], but the record keys of mapping "codes" (public.rel_codes.code) are text; use text[]%',
  'A uuid[] column for keys that are not uuids is refused.');
select lives_ok($$ select notion_sync_api.save_mapping(tests.relation_tasks_mapping('projects')) $$,
  'A uuid[] column for uuid keys is accepted.');

select * from finish();
rollback;
