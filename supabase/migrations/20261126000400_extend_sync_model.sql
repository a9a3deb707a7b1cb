-- The full data model of DESIGN §3 on top of the skeleton: mapping settings (natural key,
-- policies, schedule, thresholds), run leases and checkpoints, the data source schema as staged
-- by the functions, conflicts, the outbox of Notion writes, the change log, scheduled jobs, and
-- tombstones of deleted records. Every table private, RLS on, one owner per row, one policy per
-- command for `authenticated`; the service role reads and writes everything.

-- mappings: settings --------------------------------------------------------------------------
alter table notion_sync.mappings
  add column natural_key jsonb,
  add column match_threshold numeric not null default 0.6,
  add column run_policy text not null default 'manual',
  add column auto_resolve boolean not null default false,
  add column create_unmatched boolean not null default false,
  add column delete_policy text not null default 'hold',
  add column incremental_interval interval not null default interval '5 minutes',
  add column full_scan_interval interval not null default interval '1 day',
  add column bulk_threshold_rows integer not null default 25,
  add column bulk_threshold_percent numeric not null default 10,
  add column validated_at timestamptz,
  add constraint mappings_run_policy_valid
    check (run_policy in ('manual', 'prefer_supabase', 'prefer_notion')),
  add constraint mappings_delete_policy_valid
    check (delete_policy in ('hold', 'trash_other_side', 'unlink')),
  add constraint mappings_match_threshold_range check (match_threshold > 0 and match_threshold <= 1),
  add constraint mappings_bulk_threshold_positive
    check (bulk_threshold_rows > 0 and bulk_threshold_percent > 0),
  add constraint mappings_natural_key_shape check (
    natural_key is null
    or (jsonb_typeof(natural_key) = 'object' and natural_key ? 'property_id' and natural_key ? 'column')),
  add constraint mappings_name_not_blank check (btrim(name) <> '');
comment on column notion_sync.mappings.natural_key is
  'Optional {property_id, column}: a Notion property equal to a column, used to match pages to rows.';
comment on column notion_sync.mappings.run_policy is
  'What a run does with two-sided changes and first contact: manual (default: a conflict), '
  'prefer_supabase, prefer_notion.';
comment on column notion_sync.mappings.delete_policy is
  'What a delete on one side does: hold (default: a conflict for a person), trash_other_side, unlink.';

-- runs: lease, checkpoint, options ---------------------------------------------------------------
alter table notion_sync.runs
  add column lease_holder text,
  add column lease_expires_at timestamptz not null default now() + interval '5 minutes',
  add column checkpoint jsonb not null default '{}'::jsonb,
  add column options jsonb not null default '{}'::jsonb,
  add column dry_run boolean not null default false,
  add column parent_run_id uuid references notion_sync.runs (run_id) on delete set null,
  drop constraint runs_status_valid,
  add constraint runs_status_valid check (status in ('running', 'completed', 'failed', 'cancelled')),
  drop constraint runs_kind_valid,
  add constraint runs_kind_valid check (kind in ('retrieve', 'push', 'restore', 'revert'));
comment on column notion_sync.runs.lease_expires_at is
  'The run holds its mapping until then; the heartbeat extends it. An expired lease may be taken over.';
comment on column notion_sync.runs.checkpoint is
  'Where a killed run resumes: {cursor, window, watermark, batches}.';
create index runs_lease_idx on notion_sync.runs (lease_expires_at) where status = 'running';

-- data source schemas, as staged by the functions ------------------------------------------------
create table notion_sync.data_source_schemas (
  owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  data_source_id text not null,
  title text,
  database_parent jsonb,
  properties jsonb not null,
  schema_hash text not null,
  fetched_at timestamptz not null default now(),
  primary key (owner_id, data_source_id),
  constraint data_source_schemas_properties_object check (jsonb_typeof(properties) = 'object')
);
comment on table notion_sync.data_source_schemas is
  'The last schema read of each Notion data source (properties keyed by name, each with its id and '
  'type), staged by the functions; mapping validation checks field maps against it.';
alter table notion_sync.data_source_schemas enable row level security;
create policy data_source_schemas_select on notion_sync.data_source_schemas for select to authenticated
  using (owner_id = (select auth.uid()));
create policy data_source_schemas_insert on notion_sync.data_source_schemas for insert to authenticated
  with check (owner_id = (select auth.uid()));
create policy data_source_schemas_update on notion_sync.data_source_schemas for update to authenticated
  using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
create policy data_source_schemas_delete on notion_sync.data_source_schemas for delete to authenticated
  using (owner_id = (select auth.uid()));
grant select, insert, update, delete on notion_sync.data_source_schemas to authenticated;
grant all on notion_sync.data_source_schemas to service_role;

-- links: dirty marks from change capture ----------------------------------------------------------
alter table notion_sync.links
  add column dirty_at timestamptz;
comment on column notion_sync.links.dirty_at is
  'Set by change capture when the linked record changed in Supabase; cleared by reconcile.';
create index links_dirty_idx on notion_sync.links (mapping_id) where dirty_at is not null;

-- records written in Supabase that no link covers yet (inserted rows) --------------------------
create table notion_sync.record_changes (
  mapping_id uuid not null references notion_sync.mappings (mapping_id) on delete cascade,
  record_key text not null,
  owner_id uuid not null references auth.users (id) on delete cascade,
  op text not null,
  changed_at timestamptz not null default now(),
  primary key (mapping_id, record_key),
  constraint record_changes_op_valid check (op in ('insert', 'update'))
);
comment on table notion_sync.record_changes is
  'Records inserted or updated in a mapped table since the last reconcile (change capture), so a '
  'reconcile works on changes instead of scanning the table.';
create index record_changes_owner_idx on notion_sync.record_changes (owner_id);
alter table notion_sync.record_changes enable row level security;
create policy record_changes_select on notion_sync.record_changes for select to authenticated
  using (owner_id = (select auth.uid()));
create policy record_changes_insert on notion_sync.record_changes for insert to authenticated
  with check (owner_id = (select auth.uid()));
create policy record_changes_update on notion_sync.record_changes for update to authenticated
  using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
create policy record_changes_delete on notion_sync.record_changes for delete to authenticated
  using (owner_id = (select auth.uid()));
grant select, insert, update, delete on notion_sync.record_changes to authenticated;
grant all on notion_sync.record_changes to service_role;

-- tombstones ----------------------------------------------------------------------------------
create table notion_sync.tombstones (
  tombstone_id bigint generated always as identity primary key,
  mapping_id uuid not null references notion_sync.mappings (mapping_id) on delete cascade,
  owner_id uuid not null references auth.users (id) on delete cascade,
  record_key text not null,
  page_id text,
  last_values jsonb not null,
  cause text not null,
  deleted_at timestamptz not null default now(),
  resolved_at timestamptz,
  constraint tombstones_cause_valid check (cause in ('delete', 'truncate'))
);
comment on table notion_sync.tombstones is
  'Records deleted (or truncated away) in Supabase, with their last values; the delete policy decides '
  'what happens to the linked page. Nothing is deleted in Notion without a person choosing it.';
create index tombstones_mapping_idx on notion_sync.tombstones (mapping_id) where resolved_at is null;
create index tombstones_owner_idx on notion_sync.tombstones (owner_id);
alter table notion_sync.tombstones enable row level security;
create policy tombstones_select on notion_sync.tombstones for select to authenticated
  using (owner_id = (select auth.uid()));
create policy tombstones_insert on notion_sync.tombstones for insert to authenticated
  with check (owner_id = (select auth.uid()));
create policy tombstones_update on notion_sync.tombstones for update to authenticated
  using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
create policy tombstones_delete on notion_sync.tombstones for delete to authenticated
  using (owner_id = (select auth.uid()));
grant select, insert, update, delete on notion_sync.tombstones to authenticated;
grant all on notion_sync.tombstones to service_role;

-- conflicts -----------------------------------------------------------------------------------
create table notion_sync.conflicts (
  conflict_id uuid primary key default gen_random_uuid(),
  owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  mapping_id uuid not null references notion_sync.mappings (mapping_id) on delete cascade,
  run_id uuid references notion_sync.runs (run_id) on delete set null,
  kind text not null,
  page_id text,
  record_key text,
  fields jsonb not null default '{}'::jsonb,
  details jsonb not null default '{}'::jsonb,
  status text not null default 'open',
  resolution jsonb,
  resolved_by uuid references auth.users (id) on delete set null,
  resolved_at timestamptz,
  created_at timestamptz not null default now(),
  constraint conflicts_kind_valid check (kind in (
    'field', 'first_contact', 'match_review', 'ambiguous', 'bulk_change', 'push_failed',
    'formatting_would_be_lost', 'record_deleted', 'page_missing', 'changed_during_apply')),
  constraint conflicts_status_valid check (status in ('open', 'resolved', 'dismissed')),
  constraint conflicts_resolved_consistent check ((status = 'open') = (resolved_at is null))
);
comment on table notion_sync.conflicts is
  'A decision a person (or a run policy) must take. fields: {column: {base, notion, supabase}} — '
  'both values are kept until it is resolved.';
create index conflicts_owner_idx on notion_sync.conflicts (owner_id);
create index conflicts_open_idx on notion_sync.conflicts (mapping_id, created_at) where status = 'open';
create index conflicts_run_idx on notion_sync.conflicts (run_id);
alter table notion_sync.conflicts enable row level security;
create policy conflicts_select on notion_sync.conflicts for select to authenticated
  using (owner_id = (select auth.uid()));
create policy conflicts_insert on notion_sync.conflicts for insert to authenticated
  with check (owner_id = (select auth.uid()));
create policy conflicts_update on notion_sync.conflicts for update to authenticated
  using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
create policy conflicts_delete on notion_sync.conflicts for delete to authenticated
  using (owner_id = (select auth.uid()));
grant select, insert, update, delete on notion_sync.conflicts to authenticated;
grant all on notion_sync.conflicts to service_role;

-- outbox --------------------------------------------------------------------------------------
create table notion_sync.outbox (
  outbox_id bigint generated always as identity primary key,
  owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  mapping_id uuid not null references notion_sync.mappings (mapping_id) on delete cascade,
  run_id uuid references notion_sync.runs (run_id) on delete set null,
  op text not null,
  page_id text,
  record_key text,
  properties jsonb not null default '{}'::jsonb,
  expected_base jsonb not null default '{}'::jsonb,
  status text not null default 'pending',
  attempts integer not null default 0,
  next_attempt_at timestamptz not null default now(),
  outcome jsonb,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  constraint outbox_op_valid check (op in ('create', 'update', 'trash', 'restore')),
  constraint outbox_status_valid check (status in ('pending', 'in_flight', 'done', 'failed', 'cancelled')),
  constraint outbox_target_present check (
    (op = 'create' and record_key is not null) or (op <> 'create' and page_id is not null))
);
comment on table notion_sync.outbox is
  'Pending Notion writes: changed properties only, with the base they expect. A create is an intent '
  'recorded before the request, so a retry looks the page up instead of creating a second one.';
create index outbox_owner_idx on notion_sync.outbox (owner_id);
create index outbox_due_idx on notion_sync.outbox (next_attempt_at) where status in ('pending', 'in_flight');
create unique index outbox_one_create_per_record on notion_sync.outbox (mapping_id, record_key)
  where op = 'create' and status in ('pending', 'in_flight');
alter table notion_sync.outbox enable row level security;
create policy outbox_select on notion_sync.outbox for select to authenticated
  using (owner_id = (select auth.uid()));
create policy outbox_insert on notion_sync.outbox for insert to authenticated
  with check (owner_id = (select auth.uid()));
create policy outbox_update on notion_sync.outbox for update to authenticated
  using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
create policy outbox_delete on notion_sync.outbox for delete to authenticated
  using (owner_id = (select auth.uid()));
grant select, insert, update, delete on notion_sync.outbox to authenticated;
grant all on notion_sync.outbox to service_role;

-- changes -------------------------------------------------------------------------------------
create table notion_sync.changes (
  change_id bigint generated always as identity primary key,
  owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  mapping_id uuid not null references notion_sync.mappings (mapping_id) on delete cascade,
  run_id uuid references notion_sync.runs (run_id) on delete set null,
  conflict_id uuid references notion_sync.conflicts (conflict_id) on delete set null,
  side text not null,
  page_id text,
  record_key text,
  field text not null,
  old_value jsonb,
  new_value jsonb,
  undoes bigint references notion_sync.changes (change_id) on delete set null,
  created_at timestamptz not null default now(),
  constraint changes_side_valid check (side in ('notion', 'supabase'))
);
comment on table notion_sync.changes is
  'Every applied change, per field, with its old value: audit, undo and revert-run. For Notion '
  'writes, old_value is the pre-read value (the one window where Notion has no conditional write).';
create index changes_owner_idx on notion_sync.changes (owner_id);
create index changes_run_idx on notion_sync.changes (run_id);
create index changes_record_idx on notion_sync.changes (mapping_id, record_key);
alter table notion_sync.changes enable row level security;
create policy changes_select on notion_sync.changes for select to authenticated
  using (owner_id = (select auth.uid()));
create policy changes_insert on notion_sync.changes for insert to authenticated
  with check (owner_id = (select auth.uid()));
-- changes are append-only for clients: no update or delete policy, no grant.
grant select, insert on notion_sync.changes to authenticated;
grant all on notion_sync.changes to service_role;

-- jobs ----------------------------------------------------------------------------------------
create table notion_sync.jobs (
  job_id bigint generated always as identity primary key,
  owner_id uuid not null references auth.users (id) on delete cascade,
  mapping_id uuid not null references notion_sync.mappings (mapping_id) on delete cascade,
  kind text not null,
  payload jsonb not null default '{}'::jsonb,
  due_at timestamptz not null default now(),
  lease_holder text,
  lease_expires_at timestamptz,
  attempts integer not null default 0,
  last_error text,
  done_at timestamptz,
  created_at timestamptz not null default now(),
  constraint jobs_kind_valid check (kind in ('incremental', 'full_scan', 'continue_run', 'push', 'restore'))
);
comment on table notion_sync.jobs is
  'Units of scheduled work (the pg_cron tick enqueues them, the worker leases them with '
  'for update skip locked); run as the mapping''s owner.';
create index jobs_owner_idx on notion_sync.jobs (owner_id);
create index jobs_due_idx on notion_sync.jobs (due_at) where done_at is null;
create unique index jobs_one_pending_per_kind on notion_sync.jobs (mapping_id, kind) where done_at is null;
alter table notion_sync.jobs enable row level security;
create policy jobs_select on notion_sync.jobs for select to authenticated
  using (owner_id = (select auth.uid()));
create policy jobs_insert on notion_sync.jobs for insert to authenticated
  with check (owner_id = (select auth.uid()));
create policy jobs_update on notion_sync.jobs for update to authenticated
  using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
create policy jobs_delete on notion_sync.jobs for delete to authenticated
  using (owner_id = (select auth.uid()));
grant select, insert, update, delete on notion_sync.jobs to authenticated;
grant all on notion_sync.jobs to service_role;
