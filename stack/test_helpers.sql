-- pgTAP helpers for supabase/tests (test cluster only, like the shim; never a migration).
-- Loaded by stack/test.sh as `postgres` before pg_prove runs; tests call them as `postgres`.
\set ON_ERROR_STOP on
create schema if not exists tests;
grant usage on schema tests to anon, authenticated, service_role;

-- A confirmed user with this email; returns its id.
create or replace function tests.create_user(p_email text)
returns uuid language sql set search_path = '' as $$
  insert into auth.users (id, email, email_confirmed_at)
  values (gen_random_uuid(), p_email, now())
  returning id
$$;

-- Act as a signed-in user for the rest of the transaction, as PostgREST would.
create or replace function tests.authenticate_as(p_user_id uuid)
returns void language plpgsql set search_path = '' as $$
begin
  perform set_config('request.jwt.claims',
    jsonb_build_object('sub', p_user_id, 'role', 'authenticated')::text, true);
  perform set_config('role', 'authenticated', true);
end
$$;

-- Act as the anon role (no user).
create or replace function tests.authenticate_as_anon()
returns void language plpgsql set search_path = '' as $$
begin
  perform set_config('request.jwt.claims', '{"role":"anon"}', true);
  perform set_config('role', 'anon', true);
end
$$;

-- Act as the service role.
create or replace function tests.authenticate_as_service_role()
returns void language plpgsql set search_path = '' as $$
begin
  perform set_config('request.jwt.claims', '{"role":"service_role"}', true);
  perform set_config('role', 'service_role', true);
end
$$;

-- Back to postgres (the test's own role).
create or replace function tests.clear_authentication()
returns void language plpgsql set search_path = '' as $$
begin
  perform set_config('role', 'postgres', true);
  perform set_config('request.jwt.claims', '', true);
end
$$;

-- A Notion page object as the API returns it, with the given properties.
create or replace function tests.notion_page(
  p_page_id text, p_properties jsonb, p_last_edited timestamptz default '2026-11-26 10:00Z',
  p_in_trash boolean default false)
returns jsonb language sql immutable set search_path = '' as $$
  select jsonb_build_object(
    'object', 'page', 'id', p_page_id,
    'created_time', '2026-11-01T09:00:00.000Z',
    'last_edited_time', to_char(p_last_edited at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:00.000"Z"'),
    'in_trash', p_in_trash, 'archived', p_in_trash, 'properties', p_properties)
$$;

-- A title property value.
create or replace function tests.title(p_text text)
returns jsonb language sql immutable set search_path = '' as $$
  select jsonb_build_object('id', 'title', 'type', 'title', 'title', jsonb_build_array(
    jsonb_build_object('type', 'text', 'text', jsonb_build_object('content', p_text, 'link', null),
                       'plain_text', p_text, 'href', null)))
$$;

-- A user with a connection and a "tasks" mapping onto notion_sync_demo.tasks (title, status, done).
create or replace function tests.create_demo_mapping(p_user_id uuid)
returns uuid language plpgsql set search_path = '' as $$
declare
  v_connection uuid;
  v_mapping uuid;
begin
  insert into notion_sync.connections (owner_id, name, token_ciphertext)
  values (p_user_id, 'demo', 'v1.test.ciphertext') returning connection_id into v_connection;
  insert into notion_sync.mappings (owner_id, connection_id, name, data_source_id, target_schema,
                                    target_table, key_column, owner_column, field_map)
  values (p_user_id, v_connection, 'tasks', 'ds-tasks', 'notion_sync_demo', 'tasks', 'task_id', 'owner_id',
          '[{"property_id":"title","name":"Name","type":"title","column":"title"},
            {"property_id":"st%3A","name":"Status","type":"status","column":"status"},
            {"property_id":"dn%3A","name":"Done","type":"checkbox","column":"done"}]')
  returning mapping_id into v_mapping;
  return v_mapping;
end
$$;

grant execute on all functions in schema tests to anon, authenticated, service_role;

-- The data source that tests.create_demo_mapping maps (Name, Status, Done, plus Notion-only ones).
create or replace function tests.demo_data_source()
returns jsonb language sql immutable set search_path = '' as $$
  select '{"object":"data_source","id":"ds-tasks","title":[{"plain_text":"Tasks"}],
    "properties":{
      "Name":{"id":"title","name":"Name","type":"title","title":{}},
      "Status":{"id":"st%3A","name":"Status","type":"status","status":{"options":[{"name":"Todo"},{"name":"Doing"},{"name":"Done"}]}},
      "Done":{"id":"dn%3A","name":"Done","type":"checkbox","checkbox":{}},
      "Estimate":{"id":"es%3A","name":"Estimate","type":"number","number":{"format":"number"}},
      "Score":{"id":"sc%3A","name":"Score","type":"formula","formula":{"expression":"1"}},
      "Created":{"id":"cr%3A","name":"Created","type":"created_time","created_time":{}}}}'::jsonb
$$;
grant execute on all functions in schema tests to anon, authenticated, service_role;

-- One row of every sync object for a user (as postgres, so RLS does not stand in the way).
create or replace function tests.seed_sync_objects(p_user_id uuid)
returns uuid language plpgsql set search_path = '' as $$
declare
  v_mapping uuid := tests.create_demo_mapping(p_user_id);
  v_run uuid;
  v_conflict uuid;
begin
  insert into notion_sync.runs (owner_id, mapping_id, status) values (p_user_id, v_mapping, 'completed')
  returning run_id into v_run;
  insert into notion_sync.staged_pages (mapping_id, page_id, owner_id, raw, mapped_values, values_hash, last_edited_time)
  values (v_mapping, 'page-' || p_user_id, p_user_id, '{}', '{}', 'h', now());
  insert into notion_sync.links (mapping_id, page_id, owner_id, record_key)
  values (v_mapping, 'page-' || p_user_id, p_user_id, 'rec-' || p_user_id);
  insert into notion_sync.data_source_schemas (owner_id, data_source_id, properties, schema_hash)
  values (p_user_id, 'ds-tasks', '{}', 'h');
  insert into notion_sync.record_changes (mapping_id, record_key, owner_id, op)
  values (v_mapping, 'rec2-' || p_user_id, p_user_id, 'insert');
  insert into notion_sync.tombstones (mapping_id, owner_id, record_key, last_values, cause)
  values (v_mapping, p_user_id, 'rec3-' || p_user_id, '{}', 'delete');
  insert into notion_sync.conflicts (owner_id, mapping_id, run_id, kind, page_id)
  values (p_user_id, v_mapping, v_run, 'field', 'page-' || p_user_id) returning conflict_id into v_conflict;
  insert into notion_sync.outbox (owner_id, mapping_id, op, page_id) values (p_user_id, v_mapping, 'update', 'page-' || p_user_id);
  insert into notion_sync.changes (owner_id, mapping_id, run_id, conflict_id, side, field)
  values (p_user_id, v_mapping, v_run, v_conflict, 'supabase', 'title');
  insert into notion_sync.jobs (owner_id, mapping_id, kind) values (p_user_id, v_mapping, 'incremental');
  insert into notion_sync.webhook_events (owner_id, connection_id, event_id, type)
  select p_user_id, connection_id, 'event-' || p_user_id, 'page.created' from notion_sync.mappings
  where mapping_id = v_mapping;
  insert into notion_sync.retired_links (owner_id, data_source_id, target_schema, target_table, key_column,
                                         page_id, record_key, base, synced_at, mapping_name)
  values (p_user_id, 'ds-retired', 'notion_sync_demo', 'tasks', 'task_id', 'page-r-' || p_user_id,
          'rec-r-' || p_user_id, '{}', now(), 'retired');
  insert into notion_sync_demo.tasks (owner_id, title) values (p_user_id, 'seeded');
  return v_mapping;
end
$$;
grant execute on all functions in schema tests to anon, authenticated, service_role;

-- Property builders for tests.notion_page.
create or replace function tests.status(p_name text)
returns jsonb language sql immutable set search_path = '' as $$
  select jsonb_build_object('id', 'st%3A', 'type', 'status',
    'status', case when p_name is null then null else jsonb_build_object('name', p_name) end)
$$;
create or replace function tests.checkbox(p_value boolean)
returns jsonb language sql immutable set search_path = '' as $$
  select jsonb_build_object('id', 'dn%3A', 'type', 'checkbox', 'checkbox', p_value)
$$;
-- A demo-mapping page with a title, a status and a done flag.
create or replace function tests.task_page(p_page_id text, p_title text, p_status text default 'Todo',
  p_done boolean default false, p_in_trash boolean default false)
returns jsonb language sql immutable set search_path = '' as $$
  select tests.notion_page(p_page_id, jsonb_build_object('Name', tests.title(p_title),
    'Status', tests.status(p_status), 'Done', tests.checkbox(p_done)), '2026-11-26 10:00Z', p_in_trash)
$$;

-- As the current (authenticated) user: one run of a mapping that stages these pages (any number, in
-- batches of 100) and reconciles them; returns the reconcile summary with the run id.
create or replace function tests.sync_mapping(p_mapping text, p_pages jsonb, p_options jsonb default '{}',
  p_mode text default 'incremental', p_complete_scan boolean default false)
returns jsonb language plpgsql set search_path = '' as $$
declare
  v_run uuid := (notion_sync_api.start_run(p_mapping, 'retrieve', p_mode) ->> 'run_id')::uuid;
  v_summary jsonb;
begin
  -- in batches of 100, as the retrieve function stages
  perform notion_sync_api.stage_pages(v_run, (select jsonb_agg(p.value order by p.n)
                                              from jsonb_array_elements(p_pages) with ordinality p(value, n)
                                              where (p.n - 1) / 100 = b))
  from generate_series(0, (jsonb_array_length(p_pages) - 1) / 100) b
  where jsonb_array_length(p_pages) > 0;
  if p_complete_scan then
    update notion_sync.runs set checkpoint = checkpoint || jsonb_build_object('scan_completed_at', now())
    where run_id = v_run;
  end if;
  v_summary := notion_sync_api.reconcile(v_run, p_options);
  perform notion_sync_api.finish_run(v_run, 'completed');
  return v_summary || jsonb_build_object('run_id', v_run);
end
$$;

-- As the current user: one full run of a mapping as the retrieve function runs it (stage, match
-- the batch, complete the scan, match the residue, reconcile, finish); returns the run id.
create or replace function tests.matched_full_run(p_mapping text, p_pages jsonb, p_options jsonb default '{}')
returns uuid language plpgsql set search_path = '' as $$
declare
  v_run uuid := (notion_sync_api.start_run(p_mapping, 'retrieve', 'full') ->> 'run_id')::uuid;
begin
  perform notion_sync_api.stage_pages(v_run, p_pages);
  perform notion_sync_api.match_batch(v_run);
  perform notion_sync_api.complete_scan(v_run);
  perform notion_sync_api.match_residue(v_run);
  perform notion_sync_api.reconcile(v_run, p_options);
  perform notion_sync_api.finish_run(v_run, 'completed');
  return v_run;
end
$$;

-- The same for mapping "tasks".
create or replace function tests.sync_pages(p_pages jsonb, p_options jsonb default '{}',
  p_mode text default 'incremental', p_complete_scan boolean default false)
returns jsonb language sql set search_path = '' as $$
  select tests.sync_mapping('tasks', p_pages, p_options, p_mode, p_complete_scan)
$$;

-- A user with the demo mapping, its schema staged, and pages linked through a first sync.
create or replace function tests.linked_tasks(p_email text, p_pages jsonb)
returns uuid language plpgsql set search_path = '' as $$
declare
  v_user uuid := tests.create_user(p_email);
  v_mapping uuid;
begin
  v_mapping := tests.create_demo_mapping(v_user);
  perform tests.authenticate_as(v_user);
  perform notion_sync.attach_change_capture(v_mapping);
  perform notion_sync_api.stage_schema(tests.demo_data_source());
  perform tests.sync_pages(p_pages, '{"create_unmatched": true}');
  return v_user;
end
$$;

-- The demo row linked to a page, as the caller sees it.
create or replace function tests.task_of(p_page_id text)
returns notion_sync_demo.tasks language sql stable set search_path = '' as $$
  select t.* from notion_sync_demo.tasks t
  join notion_sync.links l on l.record_key = t.task_id::text
  where l.page_id = p_page_id
$$;
grant execute on all functions in schema tests to anon, authenticated, service_role;

-- An app's table public.<p_name> (made unless it exists) with these columns and owner_id, each row
-- its owner's under RLS (a policy per command), writable by authenticated.
create or replace function tests.owner_only_table(p_name text, p_columns text)
returns void language plpgsql set search_path = '' as $$
declare
  v_cmd text;
begin
  execute format('create table if not exists public.%I (owner_id uuid not null default auth.uid(), %s)',
                 p_name, p_columns);
  execute format('alter table public.%I enable row level security', p_name);
  foreach v_cmd in array array['select', 'insert', 'update', 'delete'] loop
    execute format('drop policy if exists %I on public.%I', p_name || '_' || v_cmd, p_name);
    execute format('create policy %I on public.%I for %s to authenticated %s', p_name || '_' || v_cmd, p_name,
                   v_cmd, case v_cmd when 'insert' then 'with check (owner_id = (select auth.uid()))'
                                     else 'using (owner_id = (select auth.uid()))' end);
  end loop;
  execute format('grant select, insert, update, delete on public.%I to authenticated', p_name);
end
$$;

-- Dates: a user (signed in from here on) with table public.dated_rows (row_id uuid, title, day of the
-- given column type, and p_more_columns), owner-only under RLS, the schema of data source ds-dated
-- (Name, and When: a date) staged, and mapping "dated" (create_unmatched) saved, When mapped to each
-- of p_when_columns in turn. Returns the user's id.
create or replace function tests.date_mapping(p_email text, p_day_type text, p_when_columns text[] default '{day}',
  p_more_columns text default '')
returns uuid language plpgsql set search_path = '' as $$
declare
  v_user uuid := tests.create_user(p_email);
begin
  perform tests.owner_only_table('dated_rows',
    format('row_id uuid primary key default gen_random_uuid(), title text, day %s%s', p_day_type, p_more_columns));
  insert into notion_sync.connections (owner_id, name, token_ciphertext) values (v_user, 'dated', 'v1.test.ciphertext');
  perform tests.authenticate_as(v_user);
  perform notion_sync_api.stage_schema('{"object":"data_source","id":"ds-dated","title":[{"plain_text":"Dated"}],
    "properties":{"Name":{"id":"title","name":"Name","type":"title","title":{}},
      "When":{"id":"wh%3A","name":"When","type":"date","date":{}}}}');
  perform notion_sync_api.save_mapping(jsonb_build_object('name', 'dated',
    'connection_id', (select c.connection_id from notion_sync.connections c where c.owner_id = v_user),
    'data_source_id', 'ds-dated', 'target_table', 'dated_rows', 'key_column', 'row_id',
    'owner_column', 'owner_id', 'create_unmatched', true,
    'field_map', '[{"property_id":"title","name":"Name","type":"title","column":"title"}]'::jsonb
      || (select jsonb_agg(jsonb_build_object('property_id', 'wh%3A', 'name', 'When', 'type', 'date', 'column', c)
                           order by o)
          from unnest(p_when_columns) with ordinality w(c, o))));
  return v_user;
end
$$;

-- A page of mapping "dated" with this title and When date ({start, end, time_zone}).
create or replace function tests.dated_page(p_page_id text, p_title text, p_date jsonb,
  p_last_edited timestamptz default '2026-11-26 10:00Z')
returns jsonb language sql immutable set search_path = '' as $$
  select tests.notion_page(p_page_id, jsonb_build_object('Name', tests.title(p_title),
    'When', jsonb_build_object('id', 'wh%3A', 'type', 'date', 'date', p_date)), p_last_edited)
$$;

-- One Notion date in two columns: tests.date_mapping with an at_text text column beside the day
-- (date), When mapped to at_text then day, and pages n1 "Call" and n2 "Visit" at 23:00-05:00 on
-- 1 March synced into it. Returns the user's id.
create or replace function tests.date_in_two_columns(p_email text)
returns uuid language plpgsql set search_path = '' as $$
declare
  v_user uuid := tests.date_mapping(p_email, 'date', '{at_text,day}', ', at_text text');
  v_before jsonb := '{"start":"2026-03-01T23:00:00.000-05:00","end":null,"time_zone":null}';
begin
  perform tests.sync_mapping('dated', jsonb_build_array(tests.dated_page('n1', 'Call', v_before),
    tests.dated_page('n2', 'Visit', v_before)), '{"create_unmatched": true}');
  return v_user;
end
$$;

-- Relations: a user (signed in from here on) with tables public.rel_projects (project_id uuid) and
-- public.rel_tasks (task_id uuid, title, project_keys of the given array type), owner-only under
-- RLS, the schemas of their data sources ds-projects (Name) and ds-rtasks (Name, and Project: a
-- relation to ds-projects) staged, and mapping "projects" saved. Returns the user's id.
create or replace function tests.relation_setup(p_email text, p_keys_type text default 'text[]')
returns uuid language plpgsql set search_path = '' as $$
declare
  v_user uuid := tests.create_user(p_email);
begin
  perform tests.owner_only_table('rel_projects', 'project_id uuid primary key default gen_random_uuid(), name text');
  perform tests.owner_only_table('rel_tasks', format(
    'task_id uuid primary key default gen_random_uuid(), title text, project_keys %s', p_keys_type));
  insert into notion_sync.connections (owner_id, name, token_ciphertext) values (v_user, 'rel', 'v1.test.ciphertext');
  perform tests.authenticate_as(v_user);
  perform notion_sync_api.stage_schema('{"object":"data_source","id":"ds-projects","title":[{"plain_text":"Projects"}],
    "properties":{"Name":{"id":"title","name":"Name","type":"title","title":{}}}}');
  perform notion_sync_api.stage_schema('{"object":"data_source","id":"ds-rtasks","title":[{"plain_text":"Tasks"}],
    "properties":{"Name":{"id":"title","name":"Name","type":"title","title":{}},
      "Project":{"id":"pr%3A","name":"Project","type":"relation","relation":{"data_source_id":"ds-projects","type":"single_property","single_property":{}}}}}');
  perform notion_sync_api.save_mapping(jsonb_build_object('name', 'projects',
    'connection_id', (select c.connection_id from notion_sync.connections c where c.owner_id = v_user),
    'data_source_id', 'ds-projects', 'target_table', 'rel_projects', 'key_column', 'project_id',
    'owner_column', 'owner_id', 'create_unmatched', true,
    'field_map', '[{"property_id":"title","name":"Name","type":"title","column":"name"}]'::jsonb));
  return v_user;
end
$$;

-- The mapping "tasks" of ds-rtasks onto public.rel_tasks for save_mapping, its Project relation
-- feeding project_keys with this related mapping.
create or replace function tests.relation_tasks_mapping(p_related text default 'projects')
returns jsonb language sql stable set search_path = '' as $$
  select jsonb_build_object('name', 'tasks',
    'connection_id', (select c.connection_id from notion_sync.connections c where c.name = 'rel'),
    'data_source_id', 'ds-rtasks', 'target_table', 'rel_tasks', 'key_column', 'task_id',
    'owner_column', 'owner_id', 'create_unmatched', true,
    'field_map', jsonb_build_array(
      jsonb_build_object('property_id', 'title', 'name', 'Name', 'type', 'title', 'column', 'title'),
      jsonb_build_object('property_id', 'pr%3A', 'name', 'Project', 'type', 'relation', 'column', 'project_keys',
                         'related_mapping', p_related)))
$$;

-- A page of ds-projects, and one of ds-rtasks relating to these project pages.
create or replace function tests.project_page(p_page_id text, p_name text)
returns jsonb language sql immutable set search_path = '' as $$
  select tests.notion_page(p_page_id, jsonb_build_object('Name', tests.title(p_name)))
$$;
create or replace function tests.relation_task_page(p_page_id text, p_title text, p_projects text[],
  p_last_edited timestamptz default '2026-11-26 10:00Z')
returns jsonb language sql immutable set search_path = '' as $$
  select tests.notion_page(p_page_id, jsonb_build_object('Name', tests.title(p_title),
    'Project', jsonb_build_object('id', 'pr%3A', 'type', 'relation', 'has_more', false,
      'relation', coalesce((select jsonb_agg(jsonb_build_object('id', p) order by o)
                            from unnest(p_projects) with ordinality x(p, o)), '[]'::jsonb))), p_last_edited)
$$;
grant execute on all functions in schema tests to anon, authenticated, service_role;

-- Runs a statement as the current role and returns the SQLSTATE it raised, or null when it ran: a
-- test goes on after an attempt that may be refused (its effects, if it ran, stay).
create or replace function tests.sqlstate_of(p_sql text)
returns text language plpgsql set search_path = '' as $$
begin
  execute p_sql;
  return null;
exception when others then
  return sqlstate;
end
$$;
grant execute on all functions in schema tests to anon, authenticated, service_role;

-- A page as Notion answers it, under a data source (the demo mapping's unless another is named).
create or replace function tests.under_data_source(p_page jsonb, p_data_source_id text default 'ds-tasks')
returns jsonb language sql immutable set search_path = '' as $$
  select p_page || jsonb_build_object('parent',
    jsonb_build_object('type', 'data_source_id', 'data_source_id', p_data_source_id))
$$;
grant execute on function tests.under_data_source(jsonb, text) to anon, authenticated, service_role;
