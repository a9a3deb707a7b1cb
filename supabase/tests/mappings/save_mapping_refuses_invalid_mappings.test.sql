-- save_mapping validates a mapping against the staged data source schema and the target table,
-- refuses it with an error naming both sides, and writes nothing when it is invalid.
begin;
select plan(13);

create table public.items (
  item_id uuid primary key default gen_random_uuid(),
  owner_id uuid not null default auth.uid(),
  title text,
  done boolean,
  hours integer,
  score numeric,
  sku text not null
);
alter table public.items enable row level security;
create policy items_select on public.items for select to authenticated using (owner_id = (select auth.uid()));
create policy items_insert on public.items for insert to authenticated with check (owner_id = (select auth.uid()));
grant select, insert, update on public.items to authenticated;

select tests.create_user('mapper@example.com') as uid \gset
select tests.authenticate_as(:'uid');
insert into notion_sync.connections (name, token_ciphertext) values ('c', 'v1.x.y') returning connection_id as conn \gset

create function pg_temp.mapping(p_fields jsonb, p_extra jsonb default '{}')
returns jsonb language sql as $$
  select jsonb_build_object('name', 'items', 'connection_id', current_setting('tests.conn'),
    'data_source_id', 'ds-tasks', 'target_table', 'items', 'key_column', 'item_id',
    'owner_column', 'owner_id', 'field_map', p_fields) || p_extra
$$;
select set_config('tests.conn', :'conn', true);

select throws_like($$ select notion_sync_api.save_mapping(pg_temp.mapping('[]')) $$,
  '%the schema of Notion data source ds-tasks has not been read yet%',
  'A mapping is refused until the data source schema has been staged.');

select lives_ok($$ select notion_sync_api.stage_schema(tests.demo_data_source()) $$,
  'The functions can stage a data source schema.');

select throws_like($$ select notion_sync_api.save_mapping(pg_temp.mapping(
  '[{"property_id":"zz%3A","name":"Owner","type":"people","column":"title"}]')) $$,
  '%Notion property "Owner" (id zz%3A) is not in data source ds-tasks; column public.items.title has nothing to sync with%',
  'An unknown property is refused, naming the property and the column.');

select throws_like($$ select notion_sync_api.save_mapping(pg_temp.mapping(
  '[{"property_id":"title","name":"Name","type":"title","column":"label"}]')) $$,
  '%column public.items.label does not exist (for Notion property "Name")%',
  'A missing column is refused, naming the column and the property.');

select throws_like($$ select notion_sync_api.save_mapping(pg_temp.mapping(
  '[{"property_id":"dn%3A","name":"Done","type":"checkbox","column":"hours"}]')) $$,
  '%column public.items.hours is integer, which cannot hold Notion property "Done" (checkbox); use one of: text, boolean, jsonb%',
  'An incompatible column type is refused, naming both types.');

select throws_like($$ select notion_sync_api.save_mapping(pg_temp.mapping(
  '[{"property_id":"title","name":"Name","type":"title","column":"title"}]')) $$,
  '%column public.items.sku is NOT NULL without a default and no Notion property feeds it%',
  'A NOT NULL column nothing feeds is refused.');

select throws_like($$ select notion_sync_api.save_mapping(pg_temp.mapping(
  '[{"property_id":"sc%3A","name":"Score","type":"formula","column":"score","direction":"both"}]')) $$,
  '%Notion property "Score" (formula) is read-only in Notion; column score can only be notion_to_supabase%',
  'A two-way mapping of a read-only property is refused.');

select throws_like($$ select notion_sync_api.save_mapping(pg_temp.mapping(
  '[{"property_id":"dn%3A","name":"Done","type":"number","column":"done"}]')) $$,
  '%Notion property "Done" is now a checkbox, but the mapping says number%',
  'A field map whose type disagrees with the schema is refused.');

select throws_like($$ select notion_sync_api.save_mapping(pg_temp.mapping(
  '[{"property_id":"title","name":"Name","type":"title","column":"sku"}]')) $$,
  '%the owner cannot write public.items under RLS: it has no UPDATE policy for authenticated%',
  'A target the owner cannot write under RLS is refused.');

select is_empty($$ select 1 from notion_sync.mappings where name = 'items' $$,
  'Nothing is written while the mapping is invalid.');

select tests.clear_authentication();
create policy items_update on public.items for update to authenticated
  using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
select tests.authenticate_as(:'uid');

select isnt(notion_sync_api.save_mapping(pg_temp.mapping(
  '[{"property_id":"title","name":"Name","type":"title","column":"sku"},
    {"property_id":"dn%3A","name":"Done","type":"checkbox","column":"done"}]')), null,
  'A valid mapping is saved.');
select ok((select validated_at is not null from notion_sync.mappings where name = 'items'),
  'A saved mapping records when it was validated.');
select results_eq($$ select run_policy, auto_resolve, create_unmatched, delete_policy from notion_sync.mappings where name = 'items' $$,
  $$ values ('manual'::text, true, false, 'hold'::text) $$,
  'A saved mapping defaults to manual conflicts, one-sided changes applied, no creates, deletes held.');

select * from finish();
rollback;
