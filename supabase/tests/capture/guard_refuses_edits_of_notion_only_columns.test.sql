-- A column fed only from Notion (formula, rollup, created/edited time and by, unique_id) cannot
-- be edited in Supabase, while the sync itself may write it.
begin;
select plan(4);

create table public.scored (
  scored_id uuid primary key default gen_random_uuid(),
  owner_id uuid not null default auth.uid(),
  title text,
  score numeric,
  created timestamptz
);
alter table public.scored enable row level security;
create policy scored_select on public.scored for select to authenticated using (owner_id = (select auth.uid()));
create policy scored_insert on public.scored for insert to authenticated with check (owner_id = (select auth.uid()));
create policy scored_update on public.scored for update to authenticated
  using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
grant select, insert, update on public.scored to authenticated;

select tests.create_user('guard@example.com') as uid \gset
select tests.authenticate_as(:'uid');
select notion_sync_api.stage_schema(tests.demo_data_source());
insert into notion_sync.connections (name, token_ciphertext) values ('c', 'v1.x.y') returning connection_id as conn \gset
select notion_sync_api.save_mapping(jsonb_build_object('name', 'scored', 'connection_id', :'conn',
  'data_source_id', 'ds-tasks', 'target_table', 'scored', 'key_column', 'scored_id', 'owner_column', 'owner_id',
  'field_map', '[{"property_id":"title","name":"Name","type":"title","column":"title"},
    {"property_id":"sc%3A","name":"Score","type":"formula","column":"score","direction":"notion_to_supabase"},
    {"property_id":"cr%3A","name":"Created","type":"created_time","column":"created","direction":"notion_to_supabase"}]'::jsonb));

select (notion_sync_api.start_run('scored', 'retrieve', 'incremental') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(tests.notion_page('p1', jsonb_build_object(
  'Name', tests.title('Scored'),
  'Score', '{"id":"sc%3A","type":"formula","formula":{"type":"number","number":7}}'::jsonb,
  'Created', '{"id":"cr%3A","type":"created_time","created_time":"2026-11-01T09:00:00.000Z"}'::jsonb))));
select lives_ok(format($$ select notion_sync_api.reconcile(%L, '{"create_unmatched": true}') $$, :'run'),
  'The sync writes Notion-only columns.');

select throws_ok($$ update public.scored set score = 8 $$, '42501',
  'column public.scored.score is fed from the Notion property "Score" (formula) of mapping "scored" and cannot be edited in Supabase',
  'Editing a formula column in Supabase is refused, naming the property.');
select throws_ok($$ insert into public.scored (title, created) values ('New', now()) $$, '42501',
  'column public.scored.created is fed from the Notion property "Created" (created_time) of mapping "scored" and cannot be edited in Supabase',
  'Inserting a value into a created_time column is refused.');
select lives_ok($$ update public.scored set title = 'Renamed' $$,
  'Other columns stay editable.');

select * from finish();
rollback;
