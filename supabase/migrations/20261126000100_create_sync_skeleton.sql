-- Walking skeleton of the sync core: the private schema `notion_sync` (never exposed through the
-- Data API) holding every table, the exposed schema `notion_sync_api` holding only
-- security_invoker views and RPC functions, RLS on every table (each row owned by one user),
-- a minimal connection / mapping / run / staged-page / link model, and a demo target table.
-- Later migrations deepen this model (value conversion, three-way detection, resolution).

create schema if not exists notion_sync;
create schema if not exists notion_sync_api;
create schema if not exists notion_sync_demo;

revoke all on schema notion_sync, notion_sync_api, notion_sync_demo from public;
grant usage on schema notion_sync to authenticated, service_role;
grant usage on schema notion_sync_api to authenticated, service_role;
grant usage on schema notion_sync_demo to authenticated, service_role;
alter default privileges in schema notion_sync, notion_sync_api, notion_sync_demo
  revoke execute on functions from public;

-- connections ---------------------------------------------------------------------------------
create table notion_sync.connections (
  connection_id uuid primary key default gen_random_uuid(),
  owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  name text not null,
  token_ciphertext text not null,
  bot_id text,
  workspace_id text,
  workspace_name text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint connections_name_unique unique (owner_id, name),
  constraint connections_name_not_blank check (btrim(name) <> '')
);
comment on table notion_sync.connections is
  'A user''s Notion integration. token_ciphertext is AES-GCM ciphertext made by the functions; '
  'clients may never read it (column privileges), only the functions decrypt it.';
create index connections_owner_idx on notion_sync.connections (owner_id);
alter table notion_sync.connections enable row level security;
create policy connections_select on notion_sync.connections for select to authenticated
  using (owner_id = (select auth.uid()));
create policy connections_insert on notion_sync.connections for insert to authenticated
  with check (owner_id = (select auth.uid()));
create policy connections_update on notion_sync.connections for update to authenticated
  using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
create policy connections_delete on notion_sync.connections for delete to authenticated
  using (owner_id = (select auth.uid()));
grant select (connection_id, owner_id, name, bot_id, workspace_id, workspace_name, created_at, updated_at)
  on notion_sync.connections to authenticated;
grant insert (name, token_ciphertext, bot_id, workspace_id, workspace_name)
  on notion_sync.connections to authenticated;
grant update (name, token_ciphertext, bot_id, workspace_id, workspace_name, updated_at)
  on notion_sync.connections to authenticated;
grant delete on notion_sync.connections to authenticated;
grant all on notion_sync.connections to service_role;

-- mappings ------------------------------------------------------------------------------------
create table notion_sync.mappings (
  mapping_id uuid primary key default gen_random_uuid(),
  owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  connection_id uuid not null references notion_sync.connections (connection_id) on delete restrict,
  name text not null,
  data_source_id text not null,
  target_schema text not null default 'public',
  target_table text not null,
  key_column text not null,
  owner_column text,
  field_map jsonb not null default '[]'::jsonb,
  paused boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint mappings_name_unique unique (owner_id, name),
  constraint mappings_field_map_is_array check (jsonb_typeof(field_map) = 'array')
);
comment on table notion_sync.mappings is
  'A Notion data source mapped to a Supabase table (the seed''s databaseType is the name). '
  'field_map: [{property_id, name, type, column}] keyed by Notion property id.';
create index mappings_owner_idx on notion_sync.mappings (owner_id);
create index mappings_connection_idx on notion_sync.mappings (connection_id);
alter table notion_sync.mappings enable row level security;
create policy mappings_select on notion_sync.mappings for select to authenticated
  using (owner_id = (select auth.uid()));
create policy mappings_insert on notion_sync.mappings for insert to authenticated
  with check (owner_id = (select auth.uid()));
create policy mappings_update on notion_sync.mappings for update to authenticated
  using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
create policy mappings_delete on notion_sync.mappings for delete to authenticated
  using (owner_id = (select auth.uid()));
grant select, insert, update, delete on notion_sync.mappings to authenticated;
grant all on notion_sync.mappings to service_role;

-- runs ----------------------------------------------------------------------------------------
create table notion_sync.runs (
  run_id uuid primary key default gen_random_uuid(),
  owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  mapping_id uuid not null references notion_sync.mappings (mapping_id) on delete cascade,
  kind text not null default 'retrieve',
  mode text not null default 'full',
  status text not null default 'running',
  retrieved integer not null default 0,
  inserted integer not null default 0,
  updated integer not null default 0,
  unchanged integer not null default 0,
  conflicts integer not null default 0,
  errors jsonb not null default '[]'::jsonb,
  started_at timestamptz not null default now(),
  heartbeat_at timestamptz not null default now(),
  finished_at timestamptz,
  constraint runs_kind_valid check (kind in ('retrieve', 'push', 'restore')),
  constraint runs_mode_valid check (mode in ('full', 'incremental')),
  constraint runs_status_valid check (status in ('running', 'completed', 'failed'))
);
comment on table notion_sync.runs is
  'One retrieve / push / restore run. At most one running run per mapping (a lease, not a lock).';
create unique index runs_one_running_per_mapping on notion_sync.runs (mapping_id)
  where status = 'running';
create index runs_owner_idx on notion_sync.runs (owner_id);
create index runs_mapping_started_idx on notion_sync.runs (mapping_id, started_at desc);
alter table notion_sync.runs enable row level security;
create policy runs_select on notion_sync.runs for select to authenticated
  using (owner_id = (select auth.uid()));
create policy runs_insert on notion_sync.runs for insert to authenticated
  with check (owner_id = (select auth.uid()));
create policy runs_update on notion_sync.runs for update to authenticated
  using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
create policy runs_delete on notion_sync.runs for delete to authenticated
  using (owner_id = (select auth.uid()));
grant select, insert, update, delete on notion_sync.runs to authenticated;
grant all on notion_sync.runs to service_role;

-- staged pages --------------------------------------------------------------------------------
create table notion_sync.staged_pages (
  mapping_id uuid not null references notion_sync.mappings (mapping_id) on delete cascade,
  page_id text not null,
  owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  raw jsonb not null,
  mapped_values jsonb not null,
  values_hash text not null,
  last_edited_time timestamptz not null,
  in_trash boolean not null default false,
  seen_in_run uuid,
  changed_in_run uuid,
  staged_at timestamptz not null default now(),
  primary key (mapping_id, page_id)
);
comment on table notion_sync.staged_pages is
  'The last read of each Notion page of a mapping: one row per page, not one per run.';
create index staged_pages_owner_idx on notion_sync.staged_pages (owner_id);
create index staged_pages_changed_idx on notion_sync.staged_pages (changed_in_run);
alter table notion_sync.staged_pages enable row level security;
create policy staged_pages_select on notion_sync.staged_pages for select to authenticated
  using (owner_id = (select auth.uid()));
create policy staged_pages_insert on notion_sync.staged_pages for insert to authenticated
  with check (owner_id = (select auth.uid()));
create policy staged_pages_update on notion_sync.staged_pages for update to authenticated
  using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
create policy staged_pages_delete on notion_sync.staged_pages for delete to authenticated
  using (owner_id = (select auth.uid()));
grant select, insert, update, delete on notion_sync.staged_pages to authenticated;
grant all on notion_sync.staged_pages to service_role;

-- links ---------------------------------------------------------------------------------------
create table notion_sync.links (
  mapping_id uuid not null references notion_sync.mappings (mapping_id) on delete cascade,
  page_id text not null,
  owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  record_key text not null,
  base jsonb not null default '{}'::jsonb,
  synced_at timestamptz not null default now(),
  primary key (mapping_id, page_id),
  constraint links_record_unique unique (mapping_id, record_key)
);
comment on table notion_sync.links is
  'A Supabase record linked to a Notion page, with the base: per column, the value both sides '
  'last agreed on, as read back.';
create index links_owner_idx on notion_sync.links (owner_id);
alter table notion_sync.links enable row level security;
create policy links_select on notion_sync.links for select to authenticated
  using (owner_id = (select auth.uid()));
create policy links_insert on notion_sync.links for insert to authenticated
  with check (owner_id = (select auth.uid()));
create policy links_update on notion_sync.links for update to authenticated
  using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
create policy links_delete on notion_sync.links for delete to authenticated
  using (owner_id = (select auth.uid()));
grant select, insert, update, delete on notion_sync.links to authenticated;
grant all on notion_sync.links to service_role;

-- demo target table ---------------------------------------------------------------------------
create table notion_sync_demo.tasks (
  task_id uuid primary key default gen_random_uuid(),
  owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  title text,
  status text,
  priority text,
  tags text[],
  due date,
  done boolean,
  estimate numeric,
  updated_at timestamptz not null default now()
);
comment on table notion_sync_demo.tasks is
  'Demo target table for the local stack and the tests: an app''s own table, synced with Notion.';
create index tasks_owner_idx on notion_sync_demo.tasks (owner_id);
alter table notion_sync_demo.tasks enable row level security;
create policy tasks_select on notion_sync_demo.tasks for select to authenticated
  using (owner_id = (select auth.uid()));
create policy tasks_insert on notion_sync_demo.tasks for insert to authenticated
  with check (owner_id = (select auth.uid()));
create policy tasks_update on notion_sync_demo.tasks for update to authenticated
  using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
create policy tasks_delete on notion_sync_demo.tasks for delete to authenticated
  using (owner_id = (select auth.uid()));
grant select, insert, update, delete on notion_sync_demo.tasks to authenticated;
grant all on notion_sync_demo.tasks to service_role;
