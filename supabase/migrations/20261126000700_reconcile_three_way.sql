-- Three-way reconcile (DESIGN §4 "Detect", "Base rules", "Safety valve", "Deletes", "Push"):
-- per field, B = the base (the column value both sides last agreed on, as read back), N = Notion
-- now (the staged canonical value cast into the column), S = Supabase now (the row). One-sided
-- changes are applied (Notion → the table by compare-and-set; Supabase → the outbox with the base
-- it expects), equal values advance the base, divergent ones become conflicts that keep both
-- values. A run that would change too much on one side holds that side for one bulk_change
-- review. Every applied value is logged in `changes` with its old value, for undo and revert.

alter table notion_sync.mappings alter column auto_resolve set default true;

alter table notion_sync.runs add column summary jsonb not null default '{}'::jsonb;
alter table notion_sync.staged_pages add column properties_hash text;
-- re-staging rewrites every row it sees: room on the page keeps those updates HOT
alter table notion_sync.staged_pages set (fillfactor = 70);
comment on column notion_sync.staged_pages.properties_hash is
  'md5 of the page''s properties as last staged: unchanged properties are not converted again.';
comment on column notion_sync.runs.summary is
  'What reconcile did or, for a dry run, would do: counts per action and direction.';

-- Staging stores canonical values (notion_to_canonical) keyed by column.
create or replace function notion_sync.mapped_canonical(p_field_map jsonb, p_properties jsonb)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select coalesce(jsonb_object_agg(f ->> 'column', notion_sync.notion_to_canonical(prop.value)), '{}'::jsonb)
  from jsonb_array_elements(p_field_map) f
  left join lateral (
    select e.value from jsonb_each(p_properties) e where e.value ->> 'id' = f ->> 'property_id'
  ) prop on true
$$;
comment on function notion_sync.mapped_canonical(jsonb, jsonb) is
  'Canonical value of each mapped property of a page, keyed by column. Any caller; raises what '
  'notion_to_canonical raises.';
revoke execute on function notion_sync.mapped_canonical(jsonb, jsonb) from public;
grant execute on function notion_sync.mapped_canonical(jsonb, jsonb) to authenticated, service_role;

create function notion_sync_api.stage_pages(p_run_id uuid, p_pages jsonb)
returns integer
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_run notion_sync.runs;
  v_field_map jsonb;
  v_count integer;
begin
  select * into v_run from notion_sync.runs r where r.run_id = p_run_id;
  if not found then
    raise exception 'run % not found', p_run_id using errcode = 'P0002';
  end if;
  if v_run.status <> 'running' then
    raise exception 'run % is %, not running', p_run_id, v_run.status using errcode = '55000';
  end if;
  if jsonb_typeof(p_pages) is distinct from 'array' or jsonb_array_length(p_pages) > 100 then
    raise exception 'p_pages must be a JSON array of at most 100 pages' using errcode = '22023';
  end if;
  select m.field_map into v_field_map from notion_sync.mappings m where m.mapping_id = v_run.mapping_id;

  with arriving as (
    select notion_sync.notion_id(p ->> 'id') as page_id, p as raw, md5((p -> 'properties')::text) as properties_hash,
           (p ->> 'last_edited_time')::timestamptz as last_edited_time,
           coalesce((p ->> 'in_trash')::boolean, (p ->> 'archived')::boolean, false) as in_trash
    from jsonb_array_elements(p_pages) p
  ), incoming as (
    -- values are converted only when the page's properties changed since they were staged
    select a.*, case when old.properties_hash = a.properties_hash then old.mapped_values
                     else notion_sync.mapped_canonical(v_field_map, a.raw -> 'properties') end as mapped_values
    from arriving a
    left join notion_sync.staged_pages old on old.mapping_id = v_run.mapping_id and old.page_id = a.page_id
  )
  insert into notion_sync.staged_pages as s (
    mapping_id, page_id, owner_id, raw, properties_hash, mapped_values, values_hash, last_edited_time,
    in_trash, seen_in_run, changed_in_run)
  select v_run.mapping_id, i.page_id, v_run.owner_id, i.raw, i.properties_hash, i.mapped_values,
         md5(i.mapped_values::text || i.in_trash::text), i.last_edited_time, i.in_trash,
         p_run_id, p_run_id
  from incoming i
  on conflict (mapping_id, page_id) do update
    set seen_in_run = excluded.seen_in_run,
        raw = case when s.properties_hash = excluded.properties_hash then s.raw else excluded.raw end,
        properties_hash = excluded.properties_hash,
        mapped_values = excluded.mapped_values,
        last_edited_time = excluded.last_edited_time,
        in_trash = excluded.in_trash,
        changed_in_run = case when s.values_hash = excluded.values_hash
                              then s.changed_in_run else excluded.changed_in_run end,
        values_hash = excluded.values_hash,
        staged_at = case when s.values_hash = excluded.values_hash then s.staged_at else now() end;
  get diagnostics v_count = row_count;

  update notion_sync.runs r
  set retrieved = r.retrieved + v_count, heartbeat_at = now(),
      lease_expires_at = greatest(r.lease_expires_at, now() + interval '5 minutes')
  where r.run_id = p_run_id;
  return v_count;
end
$$;
comment on function notion_sync_api.stage_pages(uuid, jsonb) is
  'Stages up to 100 Notion pages for a running run of the caller: one row per page, canonical '
  'values keyed by column, a no-op when their hash is unchanged. Authenticated. Raises P0002 '
  '(no such run), 55000 (run not running), 22023 (not an array of at most 100).';
revoke execute on function notion_sync_api.stage_pages(uuid, jsonb) from public;
grant execute on function notion_sync_api.stage_pages(uuid, jsonb) to authenticated;

-- The mapped fields of a mapping, with the column types of its table.
create function notion_sync.mapping_fields(p_mapping_id uuid)
returns table (field text, property_id text, property_type text, direction text, column_type regtype)
language sql
stable
set search_path = ''
as $$
  select f ->> 'column', f ->> 'property_id', f ->> 'type',
         coalesce(f ->> 'direction',
                  case when notion_sync.is_notion_only_type(f ->> 'type') then 'notion_to_supabase' else 'both' end),
         a.atttypid::regtype
  from notion_sync.mappings m
  cross join lateral jsonb_array_elements(m.field_map) f
  join pg_catalog.pg_attribute a
    on a.attrelid = to_regclass(format('%I.%I', m.target_schema, m.target_table))
   and a.attname = f ->> 'column' and a.attnum > 0 and not a.attisdropped
  where m.mapping_id = p_mapping_id
$$;
comment on function notion_sync.mapping_fields(uuid) is
  'The mapped fields of a mapping (column, property id and type, direction, column type). '
  'Authenticated (RLS on mappings); raises nothing.';
revoke execute on function notion_sync.mapping_fields(uuid) from public;
grant execute on function notion_sync.mapping_fields(uuid) to authenticated, service_role;

-- Notion's values of staged pages, as the mapping's columns would hold them (keyed by page).
create function notion_sync.notion_column_values(p_mapping_id uuid, p_page_ids text[])
returns table (page_id text, cols jsonb)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
begin
  select * into v_map from notion_sync.mappings m where m.mapping_id = p_mapping_id;
  return query execute format($q$
    select sp.page_id,
           (select jsonb_object_agg(f.field, to_jsonb(r) -> f.field)
            from notion_sync.mapping_fields($1) f,
                 jsonb_populate_record(null::%1$s, conv.vals) r)
    from notion_sync.staged_pages sp
    cross join lateral (
      select coalesce(jsonb_object_agg(f.field,
               notion_sync.canonical_to_column(f.property_type, sp.mapped_values -> f.field, f.column_type)),
             '{}'::jsonb) as vals
      from notion_sync.mapping_fields($1) f
    ) conv
    where sp.mapping_id = $1 and sp.page_id = any ($2)$q$,
    format('%I.%I', v_map.target_schema, v_map.target_table))
  using p_mapping_id, p_page_ids;
end
$$;
comment on function notion_sync.notion_column_values(uuid, text[]) is
  'Notion''s staged values of some pages, cast into the mapping''s columns (so they compare with '
  'the rows as stored). Authenticated; raises what canonical_to_column raises.';
revoke execute on function notion_sync.notion_column_values(uuid, text[]) from public;
grant execute on function notion_sync.notion_column_values(uuid, text[]) to authenticated, service_role;

-- The current rows of some records, projected onto the mapped columns (keyed by record key).
create function notion_sync.record_column_values(p_mapping_id uuid, p_record_keys text[])
returns table (record_key text, cols jsonb)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
begin
  select * into v_map from notion_sync.mappings m where m.mapping_id = p_mapping_id;
  return query execute format($q$
    select t.%2$I::text,
           (select coalesce(jsonb_object_agg(f.field, to_jsonb(t) -> f.field), '{}'::jsonb)
            from notion_sync.mapping_fields($1) f)
    from %1$s t
    where t.%2$I::text = any ($2)$q$,
    format('%I.%I', v_map.target_schema, v_map.target_table), v_map.key_column)
  using p_mapping_id, p_record_keys;
end
$$;
comment on function notion_sync.record_column_values(uuid, text[]) is
  'Mapped column values of some records of the mapping''s table, as the caller sees them under RLS. '
  'Authenticated; raises nothing.';
revoke execute on function notion_sync.record_column_values(uuid, text[]) from public;
grant execute on function notion_sync.record_column_values(uuid, text[]) to authenticated, service_role;

alter table notion_sync.outbox
  add column fields jsonb not null default '{}'::jsonb,
  add column conflict_id uuid references notion_sync.conflicts (conflict_id) on delete set null,
  add column advance_base boolean not null default true;
comment on column notion_sync.outbox.fields is
  '{column: {value, expected, property_id}}: the Supabase value pushed and the Notion value (column '
  'form) the push expects to find; properties holds the PATCH payload made from them.';
comment on column notion_sync.outbox.advance_base is
  'false for undo pushes: the base stays at the value both sides agreed on, so the next reconcile '
  'carries the undone value to the other side through the base rules.';
alter table notion_sync.changes
  add column old_base jsonb,
  add column undone_at timestamptz;
comment on column notion_sync.changes.old_base is 'The field''s base before this change (for undo).';

-- The data source schema's property with this id (for status options and the like).
create function notion_sync.schema_property(p_mapping_id uuid, p_property_id text)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select p.value
  from notion_sync.mappings m
  join notion_sync.data_source_schemas s on s.owner_id = m.owner_id and s.data_source_id = m.data_source_id
  cross join lateral jsonb_each(s.properties) p
  where m.mapping_id = p_mapping_id and p.value ->> 'id' = p_property_id
$$;
comment on function notion_sync.schema_property(uuid, text) is
  'The staged schema of one property of a mapping''s data source. Authenticated; raises nothing.';
revoke execute on function notion_sync.schema_property(uuid, text) from public;
grant execute on function notion_sync.schema_property(uuid, text) to authenticated, service_role;

-- Opens (or refreshes) the open conflict of a kind for a record/page; returns its id. A conflict
-- a person dismissed with the same values is not opened again.
create function notion_sync.open_conflict(
  p_mapping_id uuid, p_run_id uuid, p_kind text, p_page_id text, p_record_key text,
  p_fields jsonb default '{}'::jsonb, p_details jsonb default '{}'::jsonb)
returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_id uuid;
begin
  if exists (select from notion_sync.conflicts c
             where c.mapping_id = p_mapping_id and c.kind = p_kind and c.status = 'dismissed'
               and c.page_id is not distinct from p_page_id and c.record_key is not distinct from p_record_key
               and c.fields = p_fields and p_fields <> '{}'::jsonb) then
    return null;
  end if;
  update notion_sync.conflicts c
  set fields = c.fields || p_fields, details = c.details || p_details, run_id = coalesce(p_run_id, c.run_id)
  where c.mapping_id = p_mapping_id and c.kind = p_kind and c.status = 'open'
    and c.page_id is not distinct from p_page_id and c.record_key is not distinct from p_record_key
  returning c.conflict_id into v_id;
  if v_id is null then
    insert into notion_sync.conflicts (owner_id, mapping_id, run_id, kind, page_id, record_key, fields, details)
    select m.owner_id, p_mapping_id, p_run_id, p_kind, p_page_id, p_record_key, p_fields, p_details
    from notion_sync.mappings m where m.mapping_id = p_mapping_id
    returning conflict_id into v_id;
  end if;
  return v_id;
end
$$;
comment on function notion_sync.open_conflict(uuid, uuid, text, text, text, jsonb, jsonb) is
  'Opens or refreshes a conflict (one open per kind and record/page). Authenticated; raises nothing.';
revoke execute on function notion_sync.open_conflict(uuid, uuid, text, text, text, jsonb, jsonb) from public;
grant execute on function notion_sync.open_conflict(uuid, uuid, text, text, text, jsonb, jsonb) to authenticated, service_role;

-- Base rule 2: writes some fields of a record only if the row still holds the expected values;
-- logs each change and advances the link's base to the values read back. Returns the row read
-- back, or null on a miss (the caller turns a miss into a conflict; nothing is overwritten).
create function notion_sync.write_record(
  p_mapping_id uuid, p_record_key text, p_set jsonb, p_expected jsonb,
  p_run_id uuid default null, p_conflict_id uuid default null, p_advance_base boolean default true)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
  v_row jsonb;
  v_page text;
  v_old_base jsonb;
begin
  select * into v_map from notion_sync.mappings m where m.mapping_id = p_mapping_id;
  perform set_config('notion_sync.applying', p_mapping_id::text, true);
  execute format(
    'update %1$s t set (%2$s) = (select %2$s from jsonb_populate_record(null::%1$s, $1)) '
    'where t.%3$I::text = $2 '
    'and (select jsonb_object_agg(k, to_jsonb(t) -> k) from jsonb_object_keys($3) k) = $3 '
    'returning to_jsonb(t)',
    format('%I.%I', v_map.target_schema, v_map.target_table),
    (select string_agg(format('%I', k), ', ') from jsonb_object_keys(p_set) k),
    v_map.key_column)
    into v_row using p_set, p_record_key, p_expected;
  perform set_config('notion_sync.applying', '', true);
  if v_row is null then
    return null;
  end if;
  select l.page_id, l.base into v_page, v_old_base from notion_sync.links l
  where l.mapping_id = p_mapping_id and l.record_key = p_record_key;
  insert into notion_sync.changes (owner_id, mapping_id, run_id, conflict_id, side, page_id, record_key,
                                   field, old_value, new_value, old_base)
  select v_map.owner_id, p_mapping_id, p_run_id, p_conflict_id, 'supabase', v_page, p_record_key,
         k, p_expected -> k, v_row -> k, v_old_base -> k
  from jsonb_object_keys(p_set) k;
  if p_advance_base then
    update notion_sync.links l
    set base = l.base || (select jsonb_object_agg(k, v_row -> k) from jsonb_object_keys(p_set) k),
        synced_at = now()
    where l.mapping_id = p_mapping_id and l.record_key = p_record_key;
  else
    -- an undo: the next reconcile must look at this record
    update notion_sync.links l set dirty_at = now()
    where l.mapping_id = p_mapping_id and l.record_key = p_record_key;
  end if;
  return v_row;
end
$$;
comment on function notion_sync.write_record(uuid, text, jsonb, jsonb, uuid, uuid, boolean) is
  'Compare-and-set write of some fields of a mapped record, logged in changes, base advanced to '
  'the read-back values. Authenticated (RLS on the table); returns null on a miss.';
revoke execute on function notion_sync.write_record(uuid, text, jsonb, jsonb, uuid, uuid, boolean) from public;
grant execute on function notion_sync.write_record(uuid, text, jsonb, jsonb, uuid, uuid, boolean) to authenticated, service_role;

-- Queues a Notion write of some fields of a linked page: the PATCH payload of the changed
-- properties only, and per field the value the pre-push check expects to find in Notion. A
-- value Notion cannot take without losing formatting (or at all) becomes a conflict instead.
create function notion_sync.queue_push(
  p_mapping_id uuid, p_page_id text, p_record_key text, p_values jsonb, p_expected jsonb,
  p_run_id uuid default null, p_conflict_id uuid default null, p_advance_base boolean default true)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_field record;
  v_props jsonb := '{}'::jsonb;
  v_fields jsonb := '{}'::jsonb;
  v_canonical jsonb;
  v_id bigint;
begin
  select sp.mapped_values into v_canonical from notion_sync.staged_pages sp
  where sp.mapping_id = p_mapping_id and sp.page_id = p_page_id;
  for v_field in
    select f.* from notion_sync.mapping_fields(p_mapping_id) f where p_values ? f.field
  loop
    begin
      v_props := v_props || jsonb_build_object(v_field.property_id, notion_sync.column_to_notion(
        v_field.property_type, p_values -> v_field.field, v_canonical -> v_field.field,
        notion_sync.schema_property(p_mapping_id, v_field.property_id)));
      v_fields := v_fields || jsonb_build_object(v_field.field, jsonb_build_object(
        'value', p_values -> v_field.field, 'expected', p_expected -> v_field.field,
        'property_id', v_field.property_id));
    exception when others then
      perform notion_sync.open_conflict(p_mapping_id, p_run_id,
        case when sqlerrm like 'formatting_would_be_lost:%' then 'formatting_would_be_lost' else 'push_failed' end,
        p_page_id, p_record_key,
        jsonb_build_object(v_field.field, jsonb_build_object(
          'base', p_expected -> v_field.field, 'notion', p_expected -> v_field.field,
          'supabase', p_values -> v_field.field)),
        jsonb_build_object('error', sqlerrm));
    end;
  end loop;
  if v_props = '{}'::jsonb then
    return null;
  end if;
  -- one pending update per page: the newest plan covers every field still to push
  update notion_sync.outbox o set status = 'cancelled', updated_at = now()
  where o.mapping_id = p_mapping_id and o.page_id = p_page_id and o.op = 'update' and o.status = 'pending'
    and o.advance_base = p_advance_base;
  insert into notion_sync.outbox (owner_id, mapping_id, run_id, op, page_id, record_key, properties,
                                  expected_base, fields, conflict_id, advance_base)
  select m.owner_id, p_mapping_id, p_run_id, 'update', p_page_id, p_record_key, v_props,
         p_expected, v_fields, p_conflict_id, p_advance_base
  from notion_sync.mappings m where m.mapping_id = p_mapping_id
  returning outbox_id into v_id;
  return v_id;
end
$$;
comment on function notion_sync.queue_push(uuid, text, text, jsonb, jsonb, uuid, uuid, boolean) is
  'Queues a Notion update of the changed properties of a page with the values it expects there; '
  'unconvertible values become conflicts. Authenticated; raises nothing.';
revoke execute on function notion_sync.queue_push(uuid, text, text, jsonb, jsonb, uuid, uuid, boolean) from public;
grant execute on function notion_sync.queue_push(uuid, text, text, jsonb, jsonb, uuid, uuid, boolean) to authenticated, service_role;

-- Records the intent to create a page for a record (before any request, so a retry after a lost
-- answer looks the page up instead of creating a second one): the create payload of the given
-- column values, one pending create per record; a record whose page was created once is not
-- created again unless p_again (its data source was recreated).
create function notion_sync.queue_create(
  p_mapping_id uuid, p_run_id uuid, p_record_key text, p_values jsonb, p_again boolean default false)
returns bigint
language sql
set search_path = ''
as $$
  insert into notion_sync.outbox (owner_id, mapping_id, run_id, op, record_key, properties, fields)
  select m.owner_id, p_mapping_id, p_run_id, 'create', p_record_key,
         coalesce(jsonb_object_agg(f.property_id, notion_sync.column_to_notion(f.property_type,
           p_values -> f.field, null, notion_sync.schema_property(p_mapping_id, f.property_id))), '{}'::jsonb),
         coalesce(jsonb_object_agg(f.field, jsonb_build_object('value', p_values -> f.field,
           'property_id', f.property_id)), '{}'::jsonb)
  from notion_sync.mappings m
  cross join notion_sync.mapping_fields(p_mapping_id) f
  where m.mapping_id = p_mapping_id and p_values ? f.field
    and not exists (select from notion_sync.outbox o where o.mapping_id = p_mapping_id
                      and o.record_key = p_record_key and o.op = 'create'
                      and (o.status in ('pending', 'in_flight') or (o.status = 'done' and not p_again)))
  group by m.owner_id
  returning outbox_id
$$;
comment on function notion_sync.queue_create(uuid, uuid, text, jsonb, boolean) is
  'Queues the create of a page for a record (an intent; at most one pending per record). '
  'Authenticated; raises what column_to_notion raises.';
revoke execute on function notion_sync.queue_create(uuid, uuid, text, jsonb, boolean) from public;
grant execute on function notion_sync.queue_create(uuid, uuid, text, jsonb, boolean) to authenticated, service_role;

-- Inserts a record from a page's values (Notion's, cast into the columns), links the page to it
-- with the values read back as the base, and logs every value as a change with no old value (so
-- an undo deletes the record again). Returns the new record's key.
create function notion_sync.insert_record_for_page(
  p_mapping_id uuid, p_page_id text, p_values jsonb, p_run_id uuid, p_conflict_id uuid default null)
returns text
language plpgsql
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
  v_row jsonb := p_values;
  v_key text;
begin
  select * into v_map from notion_sync.mappings m where m.mapping_id = p_mapping_id;
  if v_map.owner_column is not null then
    v_row := v_row || jsonb_build_object(v_map.owner_column, v_map.owner_id);
  end if;
  perform set_config('notion_sync.applying', p_mapping_id::text, true);
  execute format('insert into %1$s (%2$s) select %2$s from jsonb_populate_record(null::%1$s, $1) '
                 'returning %3$I::text, to_jsonb(%1$s.*)',
                 format('%I.%I', v_map.target_schema, v_map.target_table),
                 (select string_agg(format('%I', k), ', ') from jsonb_object_keys(v_row) k), v_map.key_column)
    into v_key, v_row using v_row;
  perform set_config('notion_sync.applying', '', true);
  insert into notion_sync.links (mapping_id, page_id, owner_id, record_key, base)
  values (p_mapping_id, p_page_id, v_map.owner_id, v_key,
          (select jsonb_object_agg(f.field, v_row -> f.field) from notion_sync.mapping_fields(p_mapping_id) f))
  on conflict (mapping_id, page_id) do update
    set record_key = excluded.record_key, base = excluded.base, synced_at = now();
  insert into notion_sync.changes (owner_id, mapping_id, run_id, conflict_id, side, page_id, record_key, field,
                                   old_value, new_value)
  select v_map.owner_id, p_mapping_id, p_run_id, p_conflict_id, 'supabase', p_page_id, v_key, f.field, null,
         v_row -> f.field
  from notion_sync.mapping_fields(p_mapping_id) f;
  return v_key;
end
$$;
comment on function notion_sync.insert_record_for_page(uuid, text, jsonb, uuid, uuid) is
  'Creates the record for a Notion page (new page, or a deleted record restored) and links it. '
  'Authenticated (RLS on the table); raises what the insert raises.';
revoke execute on function notion_sync.insert_record_for_page(uuid, text, jsonb, uuid, uuid) from public;
grant execute on function notion_sync.insert_record_for_page(uuid, text, jsonb, uuid, uuid) to authenticated, service_role;

-- Reconciles a run: detection per field for the linked pairs it concerns, new pages and records,
-- deletes and trashed pages, the safety valve, then (unless a dry run) the writes.
-- p_options: {policy: manual|prefer_supabase|prefer_notion, auto_resolve, create_unmatched,
-- dry_run, approve_bulk: notion_to_supabase|supabase_to_notion}; each defaults to the mapping's.
create function notion_sync_api.reconcile(p_run_id uuid, p_options jsonb default '{}'::jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_run notion_sync.runs;
  v_map notion_sync.mappings;
  v_target text;
  v_policy text;
  v_auto boolean;
  v_create boolean;
  v_dry boolean;
  v_scan_done boolean;
  v_established boolean;
  v_links integer;
  v_threshold integer;
  v_counts jsonb;
  v_held text[] := array[]::text[];
  v_diff jsonb;
  v_rec record;
  v_summary jsonb;
begin
  select * into v_run from notion_sync.runs r where r.run_id = p_run_id;
  if not found then
    raise exception 'run % not found', p_run_id using errcode = 'P0002';
  end if;
  select * into v_map from notion_sync.mappings m where m.mapping_id = v_run.mapping_id;
  v_target := format('%I.%I', v_map.target_schema, v_map.target_table);
  v_policy := coalesce(p_options ->> 'policy', v_run.options ->> 'policy', v_map.run_policy);
  if v_policy not in ('manual', 'prefer_supabase', 'prefer_notion') then
    raise exception 'policy must be manual, prefer_supabase or prefer_notion, not %', v_policy using errcode = '22023';
  end if;
  v_auto := coalesce((p_options ->> 'auto_resolve')::boolean, (v_run.options ->> 'auto_resolve')::boolean, v_map.auto_resolve);
  v_create := coalesce((p_options ->> 'create_unmatched')::boolean, (v_run.options ->> 'create_unmatched')::boolean,
                       v_map.create_unmatched);
  v_dry := coalesce((p_options ->> 'dry_run')::boolean, v_run.dry_run);
  v_scan_done := v_run.mode = 'full' and v_run.checkpoint ? 'scan_completed_at';
  v_established := exists (select from notion_sync.runs r
                           where r.mapping_id = v_map.mapping_id and r.run_id <> p_run_id and r.mode = 'full'
                             and r.status = 'completed' and r.checkpoint ? 'scan_completed_at');

  if to_regclass('pg_temp.rc_pairs') is null then
    create temp table rc_pairs (
      page_id text, record_key text, base jsonb, staged boolean, in_trash boolean, seen boolean,
      notion jsonb, supabase jsonb, record_exists boolean
    ) on commit drop;
    create temp table rc_fields (
      page_id text, record_key text, field text, property_type text, direction text, has_base boolean,
      base jsonb, notion jsonb, supabase jsonb, action text
    ) on commit drop;
    create temp table rc_records (
      page_id text, record_key text, action text, values jsonb
    ) on commit drop;
  end if;
  -- (for plpgsql_check / supabase db lint, which cannot see temp tables made at run time)
  perform 'PRAGMA:TABLE: rc_pairs (page_id text, record_key text, base jsonb, staged boolean, in_trash boolean, seen boolean, notion jsonb, supabase jsonb, record_exists boolean)';
  perform 'PRAGMA:TABLE: rc_fields (page_id text, record_key text, field text, property_type text, direction text, has_base boolean, base jsonb, notion jsonb, supabase jsonb, action text)';
  perform 'PRAGMA:TABLE: rc_records (page_id text, record_key text, action text, values jsonb)';
  truncate rc_pairs, rc_fields, rc_records;

  -- the linked pairs this run concerns
  insert into rc_pairs (page_id, record_key, base, staged, in_trash, seen)
  select l.page_id, l.record_key, l.base, sp.page_id is not null, coalesce(sp.in_trash, false),
         sp.seen_in_run = p_run_id
  from notion_sync.links l
  left join notion_sync.staged_pages sp on sp.mapping_id = l.mapping_id and sp.page_id = l.page_id
  where l.mapping_id = v_map.mapping_id
    and (v_run.mode = 'full' or sp.changed_in_run = p_run_id or l.dirty_at is not null or l.base = '{}'::jsonb
         or exists (select from notion_sync.tombstones t where t.mapping_id = l.mapping_id
                      and t.record_key = l.record_key and t.resolved_at is null));
  update rc_pairs p set notion = n.cols
  from notion_sync.notion_column_values(v_map.mapping_id, (select array_agg(page_id) from rc_pairs)) n
  where n.page_id = p.page_id;
  update rc_pairs p set supabase = s.cols, record_exists = true
  from notion_sync.record_column_values(v_map.mapping_id, (select array_agg(record_key) from rc_pairs)) s
  where s.record_key = p.record_key;

  -- per field: the three-way truth table (and first contact without a base)
  insert into rc_fields (page_id, record_key, field, property_type, direction, has_base, base, notion, supabase)
  select p.page_id, p.record_key, f.field, f.property_type, f.direction, p.base ? f.field,
         p.base -> f.field, p.notion -> f.field, p.supabase -> f.field
  from rc_pairs p cross join notion_sync.mapping_fields(v_map.mapping_id) f
  where p.record_exists and p.staged and not p.in_trash;
  update rc_fields set action = case
    when notion is not distinct from supabase then case when has_base and base is not distinct from notion then 'none' else 'converged' end
    when not has_base then case
      when v_policy = 'prefer_notion' and direction <> 'supabase_to_notion' then 'to_supabase'
      when v_policy = 'prefer_supabase' and direction = 'both' then 'to_notion'
      else 'conflict' end
    when supabase is not distinct from base then
      case when v_auto and direction <> 'supabase_to_notion' then 'to_supabase' else 'conflict' end
    when notion is not distinct from base then
      case when v_auto and direction <> 'notion_to_supabase' then 'to_notion' else 'conflict' end
    when v_policy = 'prefer_notion' and direction <> 'supabase_to_notion' then 'to_supabase'
    when v_policy = 'prefer_supabase' and direction = 'both' then 'to_notion'
    else 'conflict' end;

  -- records: deleted in Supabase, pages trashed in Notion or missing from a completed full scan
  insert into rc_records (page_id, record_key, action)
  select p.page_id, p.record_key,
         case when not coalesce(p.record_exists, false) then 'record_deleted'
              when p.in_trash then 'page_trashed'
              else 'page_missing' end
  from rc_pairs p
  where (not coalesce(p.record_exists, false) or p.in_trash or (v_scan_done and not coalesce(p.seen, false)))
    -- a deletion a person is already deciding on is left to them
    and not exists (select from notion_sync.conflicts c where c.mapping_id = v_map.mapping_id
                      and c.page_id = p.page_id and c.status = 'open' and c.kind in ('record_deleted', 'page_missing'));
  -- new pages: after the scan (full runs) or at once (incremental runs of an established mapping)
  insert into rc_records (page_id, action, values)
  select sp.page_id, 'insert_record', n.cols
  from notion_sync.staged_pages sp
  join notion_sync.notion_column_values(v_map.mapping_id,
         (select array_agg(s.page_id) from notion_sync.staged_pages s
          where s.mapping_id = v_map.mapping_id and s.seen_in_run = p_run_id and not s.in_trash
            and not exists (select from notion_sync.links l where l.mapping_id = s.mapping_id and l.page_id = s.page_id))) n
    on n.page_id = sp.page_id
  where sp.mapping_id = v_map.mapping_id
    and (v_established or v_create) and (v_run.mode = 'incremental' or v_scan_done)
    and not exists (select from notion_sync.conflicts c where c.mapping_id = v_map.mapping_id
                      and c.page_id = sp.page_id and c.status = 'open' and c.kind in ('match_review', 'ambiguous'));
  -- records without a page: only after a completed full scan, on first contact only if asked
  if v_scan_done and (v_established or v_create) then
    execute format($q$
      insert into rc_records (record_key, action, values)
      select t.%2$I::text, 'create_page',
             (select jsonb_object_agg(f.field, to_jsonb(t) -> f.field)
              from notion_sync.mapping_fields($1) f where f.direction = 'both')
      from %1$s t
      where ($2::text is null or (to_jsonb(t) ->> $2) = $3::text)
        and not exists (select from notion_sync.links l where l.mapping_id = $1 and l.record_key = t.%2$I::text)
        and not exists (select from notion_sync.conflicts c where c.mapping_id = $1
                          and c.status = 'open' and c.kind in ('match_review', 'ambiguous')
                          and (c.record_key = t.%2$I::text
                               or exists (select from jsonb_array_elements(c.details -> 'candidates') x
                                          where x ->> 'record_key' = t.%2$I::text)))$q$,
      v_target, v_map.key_column)
    using v_map.mapping_id, v_map.owner_column, v_map.owner_id;
  end if;

  -- the safety valve: too many changes to one side holds that side for one review
  select count(*) into v_links from notion_sync.links l where l.mapping_id = v_map.mapping_id;
  v_threshold := greatest(v_map.bulk_threshold_rows, ceil(v_links * v_map.bulk_threshold_percent / 100.0)::integer);
  -- (an import the caller asked for on first contact, create_unmatched before any completed full
  -- scan, is what the run is for and is not held)
  v_counts := jsonb_build_object(
    'notion_to_supabase', (select count(distinct record_key) from rc_fields where action = 'to_supabase')
                          + (select count(*) from rc_records where action = 'insert_record' and v_established),
    'supabase_to_notion', (select count(distinct record_key) from rc_fields where action = 'to_notion')
                          + (select count(*) from rc_records where action = 'create_page' and v_established),
    'inserts', (select count(*) from rc_records where action = 'insert_record'),
    'creates', (select count(*) from rc_records where action = 'create_page'),
    'missing', (select count(*) from rc_records where action in ('record_deleted', 'page_trashed', 'page_missing')),
    'conflicts', (select count(distinct record_key) from rc_fields where action = 'conflict'),
    'converged', (select count(*) from rc_fields where action = 'converged'),
    'threshold', v_threshold);
  if (v_counts ->> 'notion_to_supabase')::int > v_threshold and p_options ->> 'approve_bulk' is distinct from 'notion_to_supabase' then
    v_held := array_append(v_held, 'notion_to_supabase');
  end if;
  if (v_counts ->> 'supabase_to_notion')::int > v_threshold and p_options ->> 'approve_bulk' is distinct from 'supabase_to_notion' then
    v_held := array_append(v_held, 'supabase_to_notion');
  end if;
  if (v_counts ->> 'missing')::int > v_threshold and p_options ->> 'approve_bulk' is distinct from 'missing' then
    v_held := array_append(v_held, 'missing');
  end if;
  v_diff := jsonb_build_object(
    'fields', coalesce((select jsonb_agg(jsonb_build_object('page_id', page_id, 'record_key', record_key,
                          'field', field, 'action', action, 'base', base, 'notion', notion, 'supabase', supabase)
                          order by record_key, field)
                        from (select * from rc_fields where action not in ('none') limit 1000) x), '[]'::jsonb),
    'records', coalesce((select jsonb_agg(jsonb_build_object('page_id', page_id, 'record_key', record_key,
                           'action', action)) from (select * from rc_records limit 1000) x), '[]'::jsonb));
  v_summary := v_counts || jsonb_build_object('held', to_jsonb(v_held), 'dry_run', v_dry, 'policy', v_policy);

  if v_dry then
    update notion_sync.runs r set summary = v_summary, heartbeat_at = now() where r.run_id = p_run_id;
    return v_summary || jsonb_build_object('diff', v_diff);
  end if;

  if cardinality(v_held) > 0 then
    perform notion_sync.open_conflict(v_map.mapping_id, p_run_id, 'bulk_change', null, null, '{}'::jsonb,
      jsonb_build_object('held', to_jsonb(v_held), 'counts', v_counts, 'diff', v_diff));
    update rc_fields set action = 'held'
    where (action = 'to_supabase' and 'notion_to_supabase' = any (v_held))
       or (action = 'to_notion' and 'supabase_to_notion' = any (v_held));
    delete from rc_records
    where (action = 'insert_record' and 'notion_to_supabase' = any (v_held) and v_established)
       or (action = 'create_page' and 'supabase_to_notion' = any (v_held) and v_established)
       or (action in ('record_deleted', 'page_trashed', 'page_missing') and 'missing' = any (v_held));
  end if;

  -- Notion → Supabase, one compare-and-set per record
  for v_rec in
    select f.page_id, f.record_key, jsonb_object_agg(f.field, f.notion) as set_values,
           jsonb_object_agg(f.field, f.supabase) as expected
    from rc_fields f where f.action = 'to_supabase' group by f.page_id, f.record_key
  loop
    if notion_sync.write_record(v_map.mapping_id, v_rec.record_key, v_rec.set_values, v_rec.expected, p_run_id) is null then
      perform notion_sync.open_conflict(v_map.mapping_id, p_run_id, 'changed_during_apply', v_rec.page_id,
        v_rec.record_key, (select jsonb_object_agg(f.field, jsonb_build_object('base', f.base, 'notion', f.notion,
                                                     'supabase', f.supabase))
                           from rc_fields f where f.record_key = v_rec.record_key and f.action = 'to_supabase'));
    end if;
  end loop;
  -- equal on both sides: the base advances (echoes of our own writes end here, by value)
  update notion_sync.links l
  set base = l.base || c.vals, synced_at = now()
  from (select record_key, jsonb_object_agg(field, notion) as vals from rc_fields
        where action = 'converged' group by record_key) c
  where l.mapping_id = v_map.mapping_id and l.record_key = c.record_key;
  -- Supabase → Notion: this plan replaces the pending pushes of the pairs it evaluated
  update notion_sync.outbox o set status = 'cancelled', updated_at = now()
  where o.mapping_id = v_map.mapping_id and o.op = 'update' and o.status = 'pending' and o.advance_base
    and o.page_id in (select f.page_id from rc_fields f);
  -- the outbox, with the base each field expects in Notion
  for v_rec in
    select f.page_id, f.record_key, jsonb_object_agg(f.field, f.supabase) as vals,
           jsonb_object_agg(f.field, case when f.has_base and f.notion is not distinct from f.base
                                          then f.base else f.notion end) as expected
    from rc_fields f where f.action = 'to_notion' group by f.page_id, f.record_key
  loop
    perform notion_sync.queue_push(v_map.mapping_id, v_rec.page_id, v_rec.record_key, v_rec.vals, v_rec.expected, p_run_id);
  end loop;
  -- divergent values: one conflict per record, both values kept
  for v_rec in
    select f.page_id, f.record_key, bool_and(f.has_base) as has_base,
           jsonb_object_agg(f.field, jsonb_build_object('base', f.base, 'notion', f.notion, 'supabase', f.supabase)) as fields
    from rc_fields f where f.action = 'conflict' group by f.page_id, f.record_key
  loop
    perform notion_sync.open_conflict(v_map.mapping_id, p_run_id,
      case when v_rec.has_base then 'field' else 'first_contact' end, v_rec.page_id, v_rec.record_key, v_rec.fields);
  end loop;

  -- records and pages
  for v_rec in select * from rc_records r order by r.action, r.page_id, r.record_key loop
    if v_rec.action = 'insert_record' then
      perform notion_sync.insert_record_for_page(v_map.mapping_id, v_rec.page_id, v_rec.values, p_run_id);
    elsif v_rec.action = 'create_page' then
      perform notion_sync.queue_create(v_map.mapping_id, p_run_id, v_rec.record_key, v_rec.values);
    elsif v_map.delete_policy = 'unlink' then
      delete from notion_sync.links l where l.mapping_id = v_map.mapping_id and l.page_id = v_rec.page_id;
      update notion_sync.tombstones t set resolved_at = now()
      where t.mapping_id = v_map.mapping_id and t.record_key = v_rec.record_key and t.resolved_at is null;
    elsif v_map.delete_policy = 'trash_other_side' and v_rec.action = 'record_deleted' then
      insert into notion_sync.outbox (owner_id, mapping_id, run_id, op, page_id, record_key, properties)
      values (v_map.owner_id, v_map.mapping_id, p_run_id, 'trash', v_rec.page_id, v_rec.record_key, '{}'::jsonb);
      update notion_sync.tombstones t set resolved_at = now()
      where t.mapping_id = v_map.mapping_id and t.record_key = v_rec.record_key and t.resolved_at is null;
    elsif v_map.delete_policy = 'trash_other_side' and v_rec.action = 'page_trashed' then
      perform notion_sync.delete_record(v_map.mapping_id, v_rec.record_key, p_run_id, null);
    else
      -- hold (the default), and a page merely missing from a scan until it is verified
      perform notion_sync.open_conflict(v_map.mapping_id, p_run_id,
        case when v_rec.action = 'record_deleted' then 'record_deleted' else 'page_missing' end,
        v_rec.page_id, v_rec.record_key, '{}'::jsonb,
        jsonb_build_object('state', case v_rec.action when 'page_trashed' then 'trashed'
                                                      when 'page_missing' then 'unverified' else 'deleted' end,
                           'last_values', (select t.last_values from notion_sync.tombstones t
                                           where t.mapping_id = v_map.mapping_id and t.record_key = v_rec.record_key
                                             and t.resolved_at is null order by t.deleted_at desc limit 1)));
    end if;
  end loop;

  -- value conflicts whose fields now agree on both sides are obsolete (a later write settled them)
  update notion_sync.conflicts c
  set status = 'resolved', resolved_at = now(),
      resolution = jsonb_build_object('action', 'obsolete', 'run_id', p_run_id)
  from rc_pairs p
  where c.mapping_id = v_map.mapping_id and c.status = 'open' and c.page_id = p.page_id
    and c.kind in ('field', 'first_contact', 'changed_during_apply', 'push_failed', 'formatting_would_be_lost')
    and c.fields <> '{}'::jsonb and p.notion is not null and p.supabase is not null
    and not exists (select from jsonb_object_keys(c.fields) k
                    where (p.notion -> k) is distinct from (p.supabase -> k));

  -- what was looked at is no longer dirty
  update notion_sync.links l set dirty_at = null
  where l.mapping_id = v_map.mapping_id and l.dirty_at is not null
    and l.record_key in (select record_key from rc_pairs);
  delete from notion_sync.record_changes c
  where c.mapping_id = v_map.mapping_id
    and (c.record_key in (select record_key from notion_sync.links l where l.mapping_id = v_map.mapping_id)
         or c.record_key in (select record_key from rc_records where action = 'create_page'));

  update notion_sync.runs r
  set summary = v_summary,
      inserted = r.inserted + (select count(*) from rc_records where action = 'insert_record'),
      updated = r.updated + (select count(distinct record_key) from rc_fields where action = 'to_supabase'),
      unchanged = r.unchanged + (select count(*) from rc_pairs p where not exists (
                    select from rc_fields f where f.record_key = p.record_key and f.action <> 'none')),
      conflicts = (select count(*) from notion_sync.conflicts c where c.run_id = p_run_id and c.status = 'open'),
      heartbeat_at = now()
  where r.run_id = p_run_id;
  return v_summary;
end
$$;
comment on function notion_sync_api.reconcile(uuid, jsonb) is
  'Three-way reconcile of what a run staged against the mapping''s table: applies one-sided changes '
  '(compare-and-set, outbox), keeps divergent ones as conflicts, follows the delete policy, holds '
  'a side past the safety valve. Returns the summary (with the diff for a dry run). Authenticated. '
  'Raises P0002 (no such run), 22023 (bad policy).';
revoke execute on function notion_sync_api.reconcile(uuid, jsonb) from public;
grant execute on function notion_sync_api.reconcile(uuid, jsonb) to authenticated;

-- Deletes a mapped record a person (or the trash_other_side policy) chose to delete, logging
-- every value so an undo can put it back.
create function notion_sync.delete_record(p_mapping_id uuid, p_record_key text, p_run_id uuid, p_conflict_id uuid)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
  v_row jsonb;
begin
  select * into v_map from notion_sync.mappings m where m.mapping_id = p_mapping_id;
  perform set_config('notion_sync.applying', p_mapping_id::text, true);
  execute format('delete from %I.%I t where t.%I::text = $1 returning to_jsonb(t)',
                 v_map.target_schema, v_map.target_table, v_map.key_column)
    into v_row using p_record_key;
  perform set_config('notion_sync.applying', '', true);
  if v_row is null then
    return false;
  end if;
  insert into notion_sync.changes (owner_id, mapping_id, run_id, conflict_id, side, page_id, record_key,
                                   field, old_value, new_value)
  select v_map.owner_id, p_mapping_id, p_run_id, p_conflict_id, 'supabase',
         (select l.page_id from notion_sync.links l where l.mapping_id = p_mapping_id and l.record_key = p_record_key),
         p_record_key, '*row', v_row, null;
  return true;
end
$$;
comment on function notion_sync.delete_record(uuid, text, uuid, uuid) is
  'Deletes one mapped record (a person''s or the delete policy''s choice), logging the whole row for '
  'undo. Authenticated (RLS on the table); returns false when the row was already gone.';
revoke execute on function notion_sync.delete_record(uuid, text, uuid, uuid) from public;
grant execute on function notion_sync.delete_record(uuid, text, uuid, uuid) to authenticated, service_role;

-- A Notion page's mapped values as the mapping's columns would hold them.
create function notion_sync.page_column_values(p_mapping_id uuid, p_page jsonb)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
  v_out jsonb;
begin
  select * into v_map from notion_sync.mappings m where m.mapping_id = p_mapping_id;
  execute format($q$
    select (select jsonb_object_agg(f.field, to_jsonb(r) -> f.field) from notion_sync.mapping_fields($1) f,
                   jsonb_populate_record(null::%s, conv.vals) r)
    from (select coalesce(jsonb_object_agg(f.field, notion_sync.canonical_to_column(f.property_type,
                   notion_sync.mapped_canonical(m.field_map, $2 -> 'properties') -> f.field, f.column_type)), '{}'::jsonb) as vals
          from notion_sync.mapping_fields($1) f, notion_sync.mappings m where m.mapping_id = $1) conv$q$,
    format('%I.%I', v_map.target_schema, v_map.target_table))
    into v_out using p_mapping_id, p_page;
  return v_out;
end
$$;
comment on function notion_sync.page_column_values(uuid, jsonb) is
  'The mapped values of one Notion page object, cast into the mapping''s columns. Authenticated; '
  'raises what canonical_to_column raises.';
revoke execute on function notion_sync.page_column_values(uuid, jsonb) from public;
grant execute on function notion_sync.page_column_values(uuid, jsonb) to authenticated, service_role;

-- Claims due outbox items of a mapping for a push (for update skip locked).
create function notion_sync_api.claim_outbox(p_mapping_name text, p_limit integer default 20)
returns setof notion_sync.outbox
language plpgsql
security invoker
set search_path = ''
as $$
begin
  return query
  update notion_sync.outbox o
  set status = 'in_flight', attempts = o.attempts + 1, updated_at = now()
  where o.outbox_id in (
    select x.outbox_id from notion_sync.outbox x
    join notion_sync.mappings m on m.mapping_id = x.mapping_id
    where m.name = p_mapping_name and x.status = 'pending' and x.next_attempt_at <= now()
    order by x.outbox_id
    limit least(greatest(p_limit, 1), 100)
    for update of x skip locked)
  returning o.*;
end
$$;
comment on function notion_sync_api.claim_outbox(text, integer) is
  'Claims up to p_limit due Notion writes of the caller''s mapping. Authenticated; raises nothing.';
revoke execute on function notion_sync_api.claim_outbox(text, integer) from public;
grant execute on function notion_sync_api.claim_outbox(text, integer) to authenticated;

-- Base rule 3, the pre-push check, given the page as Notion has it just before the PATCH:
-- per field, Notion already holds the value → done (base advances); Notion still holds the
-- expected base → write; otherwise → a conflict, and that field is not written.
-- Returns {decision: write|done|conflict, properties: the PATCH payload still to send}.
create function notion_sync_api.check_push(p_outbox_id bigint, p_page jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_item notion_sync.outbox;
  v_now jsonb;
  v_field record;
  v_write jsonb := '{}'::jsonb;
  v_done jsonb := '{}'::jsonb;
  v_conflicts jsonb := '{}'::jsonb;
  v_record jsonb;
  v_stale boolean := false;
begin
  select * into v_item from notion_sync.outbox o where o.outbox_id = p_outbox_id and o.status = 'in_flight';
  if not found then
    raise exception 'outbox item % not found or not in flight', p_outbox_id using errcode = 'P0002';
  end if;
  if v_item.op <> 'update' then
    return jsonb_build_object('decision', 'write', 'properties', v_item.properties);
  end if;
  v_now := notion_sync.page_column_values(v_item.mapping_id, p_page);
  select s.cols into v_record from notion_sync.record_column_values(v_item.mapping_id, array[v_item.record_key]) s;
  for v_field in select key as field, value from jsonb_each(v_item.fields) loop
    if v_item.advance_base and (v_record -> v_field.field) is distinct from (v_field.value -> 'value') then
      -- Supabase moved on since the plan: this value is stale; the next reconcile plans again
      v_stale := true;
    elsif (v_now -> v_field.field) is not distinct from (v_field.value -> 'value') then
      v_done := v_done || jsonb_build_object(v_field.field, v_now -> v_field.field);
    elsif (v_now -> v_field.field) is not distinct from (v_field.value -> 'expected') then
      v_write := v_write || jsonb_build_object(v_field.value ->> 'property_id',
                                               v_item.properties -> (v_field.value ->> 'property_id'));
    else
      v_conflicts := v_conflicts || jsonb_build_object(v_field.field, jsonb_build_object(
        'base', v_field.value -> 'expected', 'notion', v_now -> v_field.field, 'supabase', v_field.value -> 'value'));
    end if;
  end loop;
  if v_done <> '{}'::jsonb and v_item.advance_base then
    update notion_sync.links l set base = l.base || v_done, synced_at = now()
    where l.mapping_id = v_item.mapping_id and l.page_id = v_item.page_id;
  end if;
  if v_conflicts <> '{}'::jsonb then
    perform notion_sync.open_conflict(v_item.mapping_id, v_item.run_id, 'field', v_item.page_id,
                                      v_item.record_key, v_conflicts);
  end if;
  if v_stale then
    update notion_sync.links l set dirty_at = now()
    where l.mapping_id = v_item.mapping_id and l.page_id = v_item.page_id;
  end if;
  -- the item keeps only the fields about to be written: its confirmation advances their bases
  -- alone (a field held back as a conflict keeps its base, so no later run pushes over that edit)
  update notion_sync.outbox o
  set outcome = jsonb_build_object('pre_read', v_now),
      fields = (select coalesce(jsonb_object_agg(f.key, f.value), '{}'::jsonb)
                from jsonb_each(o.fields) f where v_write ? (f.value ->> 'property_id')),
      status = case when v_write = '{}'::jsonb then 'done' else o.status end, updated_at = now()
  where o.outbox_id = p_outbox_id;
  return jsonb_build_object(
    'decision', case when v_write <> '{}'::jsonb then 'write' when v_conflicts <> '{}'::jsonb then 'conflict' else 'done' end,
    'properties', v_write);
end
$$;
comment on function notion_sync_api.check_push(bigint, jsonb) is
  'The pre-push check of an update against the page as read just before the PATCH. Authenticated. '
  'Raises P0002 when the item is not the caller''s or not in flight.';
revoke execute on function notion_sync_api.check_push(bigint, jsonb) from public;
grant execute on function notion_sync_api.check_push(bigint, jsonb) to authenticated;

-- Base rule 1: a confirmed write. p_page is Notion's answer (the PATCH or create response);
-- the base advances to the values read back from it, never to the values sent.
create function notion_sync_api.confirm_push(p_outbox_id bigint, p_page jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_item notion_sync.outbox;
  v_back jsonb;
  v_page_id text := notion_sync.notion_id(p_page ->> 'id');
  v_old_base jsonb;
begin
  select * into v_item from notion_sync.outbox o where o.outbox_id = p_outbox_id and o.status in ('in_flight', 'done');
  if not found then
    raise exception 'outbox item % not found or not in flight', p_outbox_id using errcode = 'P0002';
  end if;
  v_back := notion_sync.page_column_values(v_item.mapping_id, p_page);
  if v_item.op = 'create' then
    insert into notion_sync.links (mapping_id, page_id, owner_id, record_key, base)
    values (v_item.mapping_id, v_page_id, v_item.owner_id, v_item.record_key,
            (select jsonb_object_agg(k, v_back -> k) from jsonb_object_keys(v_item.fields) k))
    on conflict (mapping_id, page_id) do nothing;
  elsif v_item.op = 'update' then
    select l.base into v_old_base from notion_sync.links l
    where l.mapping_id = v_item.mapping_id and l.page_id = v_item.page_id;
    if v_item.advance_base then
      update notion_sync.links l
      set base = l.base || (select jsonb_object_agg(k, v_back -> k) from jsonb_object_keys(v_item.fields) k),
          synced_at = now()
      where l.mapping_id = v_item.mapping_id and l.page_id = v_item.page_id;
    else
      -- an undo: the next reconcile carries the old value to Supabase
      update notion_sync.links l set dirty_at = now()
      where l.mapping_id = v_item.mapping_id and l.page_id = v_item.page_id;
    end if;
  end if;
  -- Notion may have stored something else than what was sent, or Supabase moved on meanwhile:
  -- the next reconcile looks at the pair again
  if v_item.record_key is not null and exists (
       select from notion_sync.record_column_values(v_item.mapping_id, array[v_item.record_key]) s,
                   jsonb_object_keys(v_item.fields) k
       where (s.cols -> k) is distinct from (v_back -> k)) then
    update notion_sync.links l set dirty_at = now()
    where l.mapping_id = v_item.mapping_id and l.record_key = v_item.record_key;
  end if;
  insert into notion_sync.changes (owner_id, mapping_id, run_id, conflict_id, side, page_id, record_key, field,
                                   old_value, new_value, old_base)
  select v_item.owner_id, v_item.mapping_id, v_item.run_id, v_item.conflict_id, 'notion',
         coalesce(v_page_id, v_item.page_id), v_item.record_key, k,
         v_item.outcome -> 'pre_read' -> k, v_back -> k, v_old_base -> k
  from jsonb_object_keys(v_item.fields) k
  where v_item.op in ('create', 'update')
    and (v_item.op = 'create' or (v_item.outcome -> 'pre_read' -> k) is distinct from (v_back -> k));
  -- the page as it now is (a later push keeps its formatting), with an empty hash: the next
  -- retrieve stages it as changed, so an edit another person made meanwhile is not hidden, and our
  -- own write is recognised there by value (rule 5)
  if p_page ? 'properties' then
    insert into notion_sync.staged_pages as s (mapping_id, page_id, owner_id, raw, properties_hash, mapped_values,
                                               values_hash, last_edited_time, in_trash)
    select v_item.mapping_id, coalesce(v_page_id, v_item.page_id), v_item.owner_id, p_page,
           md5((p_page -> 'properties')::text), notion_sync.mapped_canonical(m.field_map, p_page -> 'properties'), '',
           coalesce((p_page ->> 'last_edited_time')::timestamptz, now()), coalesce((p_page ->> 'in_trash')::boolean, false)
    from notion_sync.mappings m where m.mapping_id = v_item.mapping_id
    on conflict (mapping_id, page_id) do update
      set raw = excluded.raw, properties_hash = excluded.properties_hash, mapped_values = excluded.mapped_values,
          values_hash = excluded.values_hash,
          last_edited_time = excluded.last_edited_time, in_trash = excluded.in_trash, staged_at = now();
  end if;
  update notion_sync.outbox o
  set status = 'done', outcome = coalesce(o.outcome, '{}'::jsonb) || jsonb_build_object('read_back', v_back),
      page_id = coalesce(o.page_id, v_page_id), updated_at = now()
  where o.outbox_id = p_outbox_id;
  return v_back;
end
$$;
comment on function notion_sync_api.confirm_push(bigint, jsonb) is
  'Records a confirmed Notion write from Notion''s answer: base advanced to the read-back values, '
  'the change logged with the pre-read value, a created page linked. Authenticated. Raises P0002.';
revoke execute on function notion_sync_api.confirm_push(bigint, jsonb) from public;
grant execute on function notion_sync_api.confirm_push(bigint, jsonb) to authenticated;

-- A failed Notion write: retried later with backoff, or — when permanent — a push_failed
-- conflict that keeps the Supabase edit (the base does not move).
create function notion_sync_api.fail_push(
  p_outbox_id bigint, p_error text, p_permanent boolean default false, p_retry_after_seconds integer default null)
returns void
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_item notion_sync.outbox;
begin
  select * into v_item from notion_sync.outbox o where o.outbox_id = p_outbox_id and o.status = 'in_flight';
  if not found then
    raise exception 'outbox item % not found or not in flight', p_outbox_id using errcode = 'P0002';
  end if;
  if p_permanent or v_item.attempts >= 8 then
    update notion_sync.outbox o
    set status = 'failed', outcome = coalesce(o.outcome, '{}'::jsonb) || jsonb_build_object('error', p_error),
        updated_at = now()
    where o.outbox_id = p_outbox_id;
    perform notion_sync.open_conflict(v_item.mapping_id, v_item.run_id, 'push_failed', v_item.page_id,
      v_item.record_key,
      coalesce((select jsonb_object_agg(k, jsonb_build_object('base', v_item.fields -> k -> 'expected',
                  'notion', coalesce(v_item.outcome -> 'pre_read' -> k, v_item.fields -> k -> 'expected'),
                  'supabase', v_item.fields -> k -> 'value'))
                from jsonb_object_keys(v_item.fields) k), '{}'::jsonb),
      jsonb_build_object('error', p_error, 'op', v_item.op, 'outbox_id', p_outbox_id));
  else
    update notion_sync.outbox o
    set status = 'pending', updated_at = now(),
        outcome = coalesce(o.outcome, '{}'::jsonb) || jsonb_build_object('last_error', p_error),
        next_attempt_at = now() + coalesce(make_interval(secs => p_retry_after_seconds),
                                           least(interval '1 hour', interval '2 seconds' * power(2, o.attempts)))
    where o.outbox_id = p_outbox_id;
  end if;
end
$$;
comment on function notion_sync_api.fail_push(bigint, text, boolean, integer) is
  'Records a failed Notion write: pending again with backoff, or a push_failed conflict when '
  'permanent (or after 8 attempts). Authenticated. Raises P0002.';
revoke execute on function notion_sync_api.fail_push(bigint, text, boolean, integer) from public;
grant execute on function notion_sync_api.fail_push(bigint, text, boolean, integer) to authenticated;

-- Undoes one logged change through the base rules (rule 4): the value goes back only where the
-- side still holds the value the change wrote; the base stays at what both sides agreed on, so the
-- next reconcile carries the old value to the other side (or raises a conflict), never
-- overwriting a later edit. Returns false when the side moved on (a conflict is opened instead).
create function notion_sync.undo_change(p_change_id bigint)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_change notion_sync.changes;
  v_map notion_sync.mappings;
  v_ok boolean := true;
begin
  select * into v_change from notion_sync.changes c where c.change_id = p_change_id and c.undone_at is null;
  if not found then
    return false;
  end if;
  select * into v_map from notion_sync.mappings m where m.mapping_id = v_change.mapping_id;
  if v_change.side = 'supabase' and v_change.field = '*row' then
    -- a deleted record comes back whole
    perform set_config('notion_sync.applying', v_map.mapping_id::text, true);
    execute format('insert into %1$I.%2$I select * from jsonb_populate_record(null::%1$I.%2$I, $1)',
                   v_map.target_schema, v_map.target_table)
      using v_change.old_value;
    perform set_config('notion_sync.applying', '', true);
  elsif v_change.side = 'supabase' and v_change.old_value is null and v_change.old_base is null then
    -- a record the run inserted: deleted again (a person chose the undo), once per record
    if not exists (select from notion_sync.changes c where c.mapping_id = v_change.mapping_id
                     and c.record_key = v_change.record_key and c.field = '*row'
                     and c.created_at >= v_change.created_at) then
      perform notion_sync.delete_record(v_change.mapping_id, v_change.record_key, null, v_change.conflict_id);
      delete from notion_sync.links l where l.mapping_id = v_change.mapping_id and l.record_key = v_change.record_key;
    end if;
  elsif v_change.side = 'supabase' then
    v_ok := notion_sync.write_record(v_change.mapping_id, v_change.record_key,
              jsonb_build_object(v_change.field, v_change.old_value),
              jsonb_build_object(v_change.field, v_change.new_value), null, v_change.conflict_id, false) is not null;
    if not v_ok then
      perform notion_sync.open_conflict(v_change.mapping_id, v_change.run_id, 'changed_during_apply',
        v_change.page_id, v_change.record_key,
        jsonb_build_object(v_change.field, jsonb_build_object('base', v_change.new_value,
          'notion', v_change.old_value, 'supabase',
          (select s.cols -> v_change.field from notion_sync.record_column_values(v_change.mapping_id,
             array[v_change.record_key]) s))),
        jsonb_build_object('undo_of', p_change_id));
    end if;
  else
    perform notion_sync.queue_push(v_change.mapping_id, v_change.page_id, v_change.record_key,
      jsonb_build_object(v_change.field, v_change.old_value), jsonb_build_object(v_change.field, v_change.new_value),
      null, v_change.conflict_id, false);
  end if;
  if v_ok then
    update notion_sync.changes c set undone_at = now() where c.change_id = p_change_id;
  end if;
  return v_ok;
end
$$;
comment on function notion_sync.undo_change(bigint) is
  'Undoes one logged change with the changed value as its expected base. Authenticated; returns '
  'false (and opens a conflict) when that side changed since.';
revoke execute on function notion_sync.undo_change(bigint) from public;
grant execute on function notion_sync.undo_change(bigint) to authenticated, service_role;

-- Resolves one open conflict. p_action: prefer_supabase | prefer_notion | merge | skip;
-- p_choices for merge: {column: "notion" | "supabase"} for field conflicts, {record_key} for
-- match_review / ambiguous, {approve: "missing"} for a bulk_change.
create function notion_sync_api.resolve_conflict(p_conflict_id uuid, p_action text, p_choices jsonb default '{}'::jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_c notion_sync.conflicts;
  v_notion jsonb := '{}'::jsonb;
  v_supabase jsonb := '{}'::jsonb;
  v_expected_s jsonb := '{}'::jsonb;
  v_expected_n jsonb := '{}'::jsonb;
  v_field record;
  v_side text;
  v_result jsonb := '{}'::jsonb;
  v_row jsonb;
  v_key text;
begin
  select * into v_c from notion_sync.conflicts c where c.conflict_id = p_conflict_id for update;
  if not found then
    raise exception 'conflict % not found', p_conflict_id using errcode = 'P0002';
  end if;
  -- a dismissed conflict about values can still be decided later (a person may change their mind)
  if v_c.status <> 'open' and not (v_c.status = 'dismissed' and v_c.kind in (
      'field', 'first_contact', 'changed_during_apply', 'push_failed', 'formatting_would_be_lost')) then
    raise exception 'conflict % is already %', p_conflict_id, v_c.status using errcode = '55000';
  end if;
  if p_action not in ('prefer_supabase', 'prefer_notion', 'merge', 'skip') then
    raise exception 'action must be prefer_supabase, prefer_notion, merge or skip, not %', p_action using errcode = '22023';
  end if;

  if p_action = 'skip' then
    if v_c.kind in ('record_deleted', 'page_missing') then
      delete from notion_sync.links l where l.mapping_id = v_c.mapping_id and l.page_id = v_c.page_id;
      update notion_sync.tombstones t set resolved_at = now()
      where t.mapping_id = v_c.mapping_id and t.record_key = v_c.record_key and t.resolved_at is null;
    end if;
  elsif v_c.kind in ('field', 'first_contact', 'changed_during_apply', 'push_failed', 'formatting_would_be_lost') then
    for v_field in select key as field, value from jsonb_each(v_c.fields) loop
      v_side := case p_action when 'prefer_notion' then 'notion' when 'prefer_supabase' then 'supabase'
                              else p_choices ->> v_field.field end;
      if v_side is null or v_side not in ('notion', 'supabase') then
        raise exception 'merge needs a choice of "notion" or "supabase" for column %', v_field.field using errcode = '22023';
      end if;
      if v_side = 'notion' then
        v_notion := v_notion || jsonb_build_object(v_field.field, v_field.value -> 'notion');
        v_expected_s := v_expected_s || jsonb_build_object(v_field.field, v_field.value -> 'supabase');
      else
        v_supabase := v_supabase || jsonb_build_object(v_field.field, v_field.value -> 'supabase');
        v_expected_n := v_expected_n || jsonb_build_object(v_field.field, v_field.value -> 'notion');
      end if;
    end loop;
    if v_notion <> '{}'::jsonb then
      -- Notion moved on since the conflict was raised: show the person what it is now
      if exists (select from notion_sync.notion_column_values(v_c.mapping_id, array[v_c.page_id]) n,
                             jsonb_each(v_notion) f
                 where (n.cols -> f.key) is distinct from f.value) then
        update notion_sync.conflicts c
        set fields = (select jsonb_object_agg(f.key, f.value || jsonb_build_object('notion', n.cols -> f.key))
                      from jsonb_each(c.fields) f,
                           notion_sync.notion_column_values(c.mapping_id, array[c.page_id]) n)
        where c.conflict_id = p_conflict_id;
        return jsonb_build_object('status', 'stale', 'message',
          'the Notion page changed since this conflict was raised; it now shows the current values');
      end if;
      v_row := notion_sync.write_record(v_c.mapping_id, v_c.record_key, v_notion, v_expected_s, v_c.run_id, p_conflict_id);
      if v_row is null then
        -- rule 2: the record moved on since the conflict was raised; show the person what it is now
        update notion_sync.conflicts c
        set fields = (select jsonb_object_agg(f.key, f.value || jsonb_build_object('supabase', s.cols -> f.key))
                      from jsonb_each(c.fields) f,
                           notion_sync.record_column_values(c.mapping_id, array[c.record_key]) s)
        where c.conflict_id = p_conflict_id;
        return jsonb_build_object('status', 'stale', 'message',
          'the Supabase record changed since this conflict was raised; it now shows the current values');
      end if;
      v_result := v_result || jsonb_build_object('written_to_supabase', v_notion);
    end if;
    if v_supabase <> '{}'::jsonb then
      if v_c.kind = 'formatting_would_be_lost' then
        -- the person chose the plain text: drop the previous formatting for these fields
        update notion_sync.staged_pages sp
        set mapped_values = sp.mapped_values - array(select jsonb_object_keys(v_supabase)), properties_hash = null
        where sp.mapping_id = v_c.mapping_id and sp.page_id = v_c.page_id;
      end if;
      v_result := v_result || jsonb_build_object('queued_for_notion', v_supabase, 'outbox_id',
        notion_sync.queue_push(v_c.mapping_id, v_c.page_id, v_c.record_key, v_supabase, v_expected_n,
                               v_c.run_id, p_conflict_id));
    end if;
  elsif v_c.kind = 'record_deleted' then
    if p_action = 'prefer_notion' then
      -- restore the record from Notion's values and relink it
      select n.cols into v_row from notion_sync.notion_column_values(v_c.mapping_id, array[v_c.page_id]) n;
      if v_row is null then
        raise exception 'page % has no staged values to restore from; retrieve it first', v_c.page_id using errcode = '55000';
      end if;
      v_key := notion_sync.insert_record_for_page(v_c.mapping_id, v_c.page_id, v_row, v_c.run_id, p_conflict_id);
      v_result := jsonb_build_object('restored_record', v_key);
    elsif p_action = 'prefer_supabase' then
      insert into notion_sync.outbox (owner_id, mapping_id, run_id, op, page_id, record_key, conflict_id)
      values (v_c.owner_id, v_c.mapping_id, v_c.run_id, 'trash', v_c.page_id, v_c.record_key, p_conflict_id);
      v_result := jsonb_build_object('queued_for_notion', 'trash');
    else
      raise exception 'merge does not apply to a record_deleted conflict' using errcode = '22023';
    end if;
    update notion_sync.tombstones t set resolved_at = now()
    where t.mapping_id = v_c.mapping_id and t.record_key = v_c.record_key and t.resolved_at is null;
  elsif v_c.kind = 'page_missing' then
    if p_action = 'prefer_supabase' then
      insert into notion_sync.outbox (owner_id, mapping_id, run_id, op, page_id, record_key, conflict_id)
      values (v_c.owner_id, v_c.mapping_id, v_c.run_id, 'restore', v_c.page_id, v_c.record_key, p_conflict_id);
      v_result := jsonb_build_object('queued_for_notion', 'restore');
    elsif p_action = 'prefer_notion' then
      perform notion_sync.delete_record(v_c.mapping_id, v_c.record_key, v_c.run_id, p_conflict_id);
      v_result := jsonb_build_object('deleted_record', v_c.record_key);
    else
      raise exception 'merge does not apply to a page_missing conflict' using errcode = '22023';
    end if;
  elsif v_c.kind in ('match_review', 'ambiguous') then
    if p_action <> 'merge' or p_choices ->> 'record_key' is null then
      raise exception 'a % conflict is resolved with merge and {"record_key": ...}, or skip', v_c.kind using errcode = '22023';
    end if;
    insert into notion_sync.links (mapping_id, page_id, owner_id, record_key, base)
    values (v_c.mapping_id, v_c.page_id, v_c.owner_id, p_choices ->> 'record_key', '{}'::jsonb);
    v_result := jsonb_build_object('linked', p_choices ->> 'record_key');
  elsif v_c.kind = 'bulk_change' then
    v_result := notion_sync_api.reconcile(v_c.run_id, jsonb_build_object('approve_bulk',
      case p_action when 'prefer_notion' then 'notion_to_supabase' when 'prefer_supabase' then 'supabase_to_notion'
                    else p_choices ->> 'approve' end));
  end if;

  -- the next reconcile plans this pair again from what both sides now hold
  update notion_sync.links l set dirty_at = now()
  where l.mapping_id = v_c.mapping_id and l.page_id = v_c.page_id;
  update notion_sync.conflicts c
  set status = case when p_action = 'skip' then 'dismissed' else 'resolved' end,
      resolution = jsonb_build_object('action', p_action, 'choices', p_choices, 'result', v_result),
      resolved_by = (select auth.uid()), resolved_at = now()
  where c.conflict_id = p_conflict_id;
  return jsonb_build_object('status', case when p_action = 'skip' then 'dismissed' else 'resolved' end) || v_result;
end
$$;
comment on function notion_sync_api.resolve_conflict(uuid, text, jsonb) is
  'Resolves one of the caller''s open conflicts (prefer_supabase, prefer_notion, merge, skip); every '
  'applied value is logged in changes. Authenticated. Raises P0002, 55000 (not open), 22023 (bad action '
  'or choices). Answers status stale, changing nothing, when the record moved on since.';
revoke execute on function notion_sync_api.resolve_conflict(uuid, text, jsonb) from public;
grant execute on function notion_sync_api.resolve_conflict(uuid, text, jsonb) to authenticated;

-- Resolves several conflicts (a list, or every open conflict of a run) with one action.
create function notion_sync_api.resolve_conflicts(
  p_conflict_ids uuid[] default null, p_run_id uuid default null, p_action text default 'skip')
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_id uuid;
  v_result jsonb;
  v_counts jsonb := '{}'::jsonb;
begin
  if (p_conflict_ids is null) = (p_run_id is null) then
    raise exception 'give either p_conflict_ids or p_run_id' using errcode = '22023';
  end if;
  for v_id in
    select c.conflict_id from notion_sync.conflicts c
    where c.status = 'open' and c.kind <> 'bulk_change'
      and (c.conflict_id = any (p_conflict_ids) or c.run_id = p_run_id)
    order by c.created_at
  loop
    v_result := notion_sync_api.resolve_conflict(v_id, p_action);
    v_counts := v_counts || jsonb_build_object(v_result ->> 'status',
                                               coalesce((v_counts ->> (v_result ->> 'status'))::int, 0) + 1);
  end loop;
  return v_counts;
end
$$;
comment on function notion_sync_api.resolve_conflicts(uuid[], uuid, text) is
  'Resolves a list of the caller''s conflicts, or every open one of a run (bulk_change reviews are '
  'left for a person), with one action; returns counts per outcome. Authenticated. Raises 22023.';
revoke execute on function notion_sync_api.resolve_conflicts(uuid[], uuid, text) from public;
grant execute on function notion_sync_api.resolve_conflicts(uuid[], uuid, text) to authenticated;

-- Undoes a resolution: each value it applied goes back (rule 4), the base returns to what it was
-- when the conflict was raised, and the conflict is open again.
create function notion_sync_api.undo_resolution(p_conflict_id uuid)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_c notion_sync.conflicts;
  v_change bigint;
  v_undone integer := 0;
  v_failed integer := 0;
begin
  select * into v_c from notion_sync.conflicts c where c.conflict_id = p_conflict_id for update;
  if not found then
    raise exception 'conflict % not found', p_conflict_id using errcode = 'P0002';
  end if;
  if v_c.status <> 'resolved' then
    raise exception 'conflict % is %, there is no resolution to undo', p_conflict_id, v_c.status using errcode = '55000';
  end if;
  for v_change in
    select c.change_id from notion_sync.changes c
    where c.conflict_id = p_conflict_id and c.undone_at is null order by c.change_id desc
  loop
    if notion_sync.undo_change(v_change) then v_undone := v_undone + 1; else v_failed := v_failed + 1; end if;
  end loop;
  update notion_sync.outbox o set status = 'cancelled', updated_at = now()
  where o.conflict_id = p_conflict_id and o.status = 'pending' and o.advance_base;
  if v_c.kind in ('field', 'changed_during_apply', 'push_failed', 'formatting_would_be_lost') then
    update notion_sync.links l
    set base = l.base || (select jsonb_object_agg(f.key, f.value -> 'base') from jsonb_each(v_c.fields) f)
    where l.mapping_id = v_c.mapping_id and l.page_id = v_c.page_id;
  elsif v_c.kind in ('match_review', 'ambiguous') then
    delete from notion_sync.links l
    where l.mapping_id = v_c.mapping_id and l.page_id = v_c.page_id and l.record_key = v_c.resolution -> 'choices' ->> 'record_key';
  end if;
  update notion_sync.conflicts c set status = 'open', resolution = null, resolved_by = null, resolved_at = null
  where c.conflict_id = p_conflict_id;
  return jsonb_build_object('undone', v_undone, 'kept_as_conflicts', v_failed);
end
$$;
comment on function notion_sync_api.undo_resolution(uuid) is
  'Undoes the caller''s resolution of a conflict and reopens it. Authenticated. Raises P0002, 55000.';
revoke execute on function notion_sync_api.undo_resolution(uuid) from public;
grant execute on function notion_sync_api.undo_resolution(uuid) to authenticated;

-- Reverts a run: undoes every change it applied, newest first, through the base rules.
create function notion_sync_api.revert_run(p_run_id uuid)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_change bigint;
  v_undone integer := 0;
  v_failed integer := 0;
begin
  if not exists (select from notion_sync.runs r where r.run_id = p_run_id) then
    raise exception 'run % not found', p_run_id using errcode = 'P0002';
  end if;
  for v_change in
    select c.change_id from notion_sync.changes c
    where c.run_id = p_run_id and c.undone_at is null order by c.change_id desc
  loop
    if notion_sync.undo_change(v_change) then v_undone := v_undone + 1; else v_failed := v_failed + 1; end if;
  end loop;
  return jsonb_build_object('undone', v_undone, 'kept_as_conflicts', v_failed);
end
$$;
comment on function notion_sync_api.revert_run(uuid) is
  'Undoes every change a run of the caller applied (newest first); a side that moved on since '
  'becomes a conflict. Authenticated. Raises P0002.';
revoke execute on function notion_sync_api.revert_run(uuid) from public;
grant execute on function notion_sync_api.revert_run(uuid) to authenticated;

-- changes stay append-only for clients, except marking a change undone.
grant update (undone_at) on notion_sync.changes to authenticated;
create policy changes_update on notion_sync.changes for update to authenticated
  using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
