-- RPCs of the walking skeleton: start a run (a lease per mapping), stage a batch of Notion pages
-- (an upsert keyed by page, a no-op when the mapped values' hash is unchanged), apply the staged
-- changes to the target table per column against the link's base with compare-and-set, finish
-- the run, and read a mapping's rows. All security invoker (RLS decides) except the one function
-- that hands the functions a connection's token ciphertext, which clients may not select.

-- Plain value of a Notion property object (the skeleton's conversion; extended later).
create function notion_sync.property_value(p_property jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select case p_property ->> 'type'
    when 'title' then to_jsonb((select string_agg(t ->> 'plain_text', '')
                                 from jsonb_array_elements(p_property -> 'title') t))
    when 'rich_text' then to_jsonb((select string_agg(t ->> 'plain_text', '')
                                     from jsonb_array_elements(p_property -> 'rich_text') t))
    when 'number' then p_property -> 'number'
    when 'select' then p_property -> 'select' -> 'name'
    when 'status' then p_property -> 'status' -> 'name'
    when 'multi_select' then coalesce((select jsonb_agg(o -> 'name')
                                        from jsonb_array_elements(p_property -> 'multi_select') o),
                                       '[]'::jsonb)
    when 'date' then p_property -> 'date' -> 'start'
    when 'checkbox' then p_property -> 'checkbox'
    when 'url' then p_property -> 'url'
    when 'email' then p_property -> 'email'
    when 'phone_number' then p_property -> 'phone_number'
    when 'created_time' then p_property -> 'created_time'
    when 'last_edited_time' then p_property -> 'last_edited_time'
    when 'people' then coalesce((select jsonb_agg(u -> 'id')
                                  from jsonb_array_elements(p_property -> 'people') u), '[]'::jsonb)
    when 'relation' then coalesce((select jsonb_agg(r -> 'id')
                                    from jsonb_array_elements(p_property -> 'relation') r), '[]'::jsonb)
    when 'formula' then p_property -> 'formula' -> (p_property -> 'formula' ->> 'type')
    when 'unique_id' then to_jsonb(concat_ws('-', p_property -> 'unique_id' ->> 'prefix',
                                              p_property -> 'unique_id' ->> 'number'))
  end
$$;
comment on function notion_sync.property_value(jsonb) is
  'Plain value of one Notion property object. Any caller; raises nothing.';
revoke execute on function notion_sync.property_value(jsonb) from public;
grant execute on function notion_sync.property_value(jsonb) to authenticated, service_role;

-- The ciphertext of a connection's token, for the functions (which hold the key).
-- security definer: clients have no column privilege on token_ciphertext; this checks ownership.
create function notion_sync.connection_token_ciphertext(p_connection_id uuid)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_ciphertext text;
begin
  select c.token_ciphertext into v_ciphertext
  from notion_sync.connections c
  where c.connection_id = p_connection_id and c.owner_id = (select auth.uid());
  if v_ciphertext is null then
    raise exception 'connection % not found', p_connection_id using errcode = 'P0002';
  end if;
  return v_ciphertext;
end
$$;
comment on function notion_sync.connection_token_ciphertext(uuid) is
  'Token ciphertext of the caller''s own connection, for the edge functions. Authenticated only; '
  'raises P0002 when the connection is not the caller''s. Not in the exposed schema.';
revoke execute on function notion_sync.connection_token_ciphertext(uuid) from public;
grant execute on function notion_sync.connection_token_ciphertext(uuid) to authenticated;

-- Start a run on the caller's mapping: the lease (one running run per mapping).
create function notion_sync_api.start_run(
  p_mapping_name text,
  p_kind text default 'retrieve',
  p_mode text default 'full'
)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
  v_run_id uuid;
  v_busy uuid;
begin
  select * into v_map from notion_sync.mappings m where m.name = p_mapping_name;
  if not found then
    raise exception 'no mapping named "%"', p_mapping_name using errcode = 'P0002';
  end if;
  if v_map.paused then
    raise exception 'mapping "%" is paused', p_mapping_name using errcode = '55000';
  end if;
  begin
    insert into notion_sync.runs (owner_id, mapping_id, kind, mode)
    values (v_map.owner_id, v_map.mapping_id, p_kind, p_mode)
    returning run_id into v_run_id;
  exception when unique_violation then
    select r.run_id into v_busy from notion_sync.runs r
    where r.mapping_id = v_map.mapping_id and r.status = 'running';
    raise exception 'mapping "%" is busy: run % is still running', p_mapping_name, v_busy
      using errcode = '55006', detail = v_busy::text;
  end;
  return jsonb_build_object(
    'run_id', v_run_id, 'mapping_id', v_map.mapping_id, 'connection_id', v_map.connection_id,
    'data_source_id', v_map.data_source_id);
end
$$;
comment on function notion_sync_api.start_run(text, text, text) is
  'Starts a run on the caller''s mapping. Authenticated. Raises P0002 (no such mapping), '
  '55000 (paused), 55006 (another run holds the mapping; detail = its run id).';
revoke execute on function notion_sync_api.start_run(text, text, text) from public;
grant execute on function notion_sync_api.start_run(text, text, text) to authenticated;

-- Stage one batch (≤ 100) of Notion page objects read by a run.
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

  with incoming as (
    select p ->> 'id' as page_id,
           p as raw,
           (select coalesce(jsonb_object_agg(f ->> 'column', notion_sync.property_value(prop.value)),
                            '{}'::jsonb)
            from jsonb_array_elements(v_field_map) f
            left join lateral (
              select e.value from jsonb_each(p -> 'properties') e
              where e.value ->> 'id' = f ->> 'property_id'
            ) prop on true) as mapped_values,
           (p ->> 'last_edited_time')::timestamptz as last_edited_time,
           coalesce((p ->> 'in_trash')::boolean, false) as in_trash
    from jsonb_array_elements(p_pages) p
  )
  insert into notion_sync.staged_pages as s (
    mapping_id, page_id, owner_id, raw, mapped_values, values_hash, last_edited_time, in_trash,
    seen_in_run, changed_in_run)
  select v_run.mapping_id, i.page_id, v_run.owner_id, i.raw, i.mapped_values,
         md5(i.mapped_values::text || i.in_trash::text), i.last_edited_time, i.in_trash,
         p_run_id, p_run_id
  from incoming i
  on conflict (mapping_id, page_id) do update
    set seen_in_run = excluded.seen_in_run,
        raw = case when s.values_hash = excluded.values_hash then s.raw else excluded.raw end,
        mapped_values = excluded.mapped_values,
        last_edited_time = excluded.last_edited_time,
        in_trash = excluded.in_trash,
        changed_in_run = case when s.values_hash = excluded.values_hash
                              then s.changed_in_run else excluded.changed_in_run end,
        values_hash = excluded.values_hash,
        staged_at = case when s.values_hash = excluded.values_hash then s.staged_at else now() end;
  get diagnostics v_count = row_count;

  update notion_sync.runs r
  set retrieved = r.retrieved + v_count, heartbeat_at = now()
  where r.run_id = p_run_id;
  return v_count;
end
$$;
comment on function notion_sync_api.stage_pages(uuid, jsonb) is
  'Stages up to 100 Notion pages for a running run of the caller. Authenticated. Raises P0002 '
  '(no such run), 55000 (run not running), 22023 (not an array of at most 100).';
revoke execute on function notion_sync_api.stage_pages(uuid, jsonb) from public;
grant execute on function notion_sync_api.stage_pages(uuid, jsonb) to authenticated;

-- Apply what a run staged to the target table, per column: Notion changed and Supabase did not →
-- write (compare-and-set); both changed to the same value → advance the base; both changed
-- differently → keep both, record the conflict in the run. New pages become new rows.
create function notion_sync_api.apply_run(p_run_id uuid)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_run notion_sync.runs;
  v_map notion_sync.mappings;
  v_target text;
  v_cols text[];
  v_col_list text;
  v_page record;
  v_new jsonb;
  v_cur jsonb;
  v_set jsonb;
  v_expected jsonb;
  v_base jsonb;
  v_key text;
  v_col text;
  v_inserted integer := 0;
  v_updated integer := 0;
  v_unchanged integer := 0;
  v_conflicts jsonb := '[]'::jsonb;
begin
  select * into v_run from notion_sync.runs r where r.run_id = p_run_id;
  if not found then
    raise exception 'run % not found', p_run_id using errcode = 'P0002';
  end if;
  select * into v_map from notion_sync.mappings m where m.mapping_id = v_run.mapping_id;
  v_target := format('%I.%I', v_map.target_schema, v_map.target_table);
  select array_agg(f ->> 'column'), string_agg(format('%I', f ->> 'column'), ', ')
  into v_cols, v_col_list
  from jsonb_array_elements(v_map.field_map) f;

  for v_page in
    select sp.page_id, sp.mapped_values, l.record_key, l.base
    from notion_sync.staged_pages sp
    left join notion_sync.links l on l.mapping_id = sp.mapping_id and l.page_id = sp.page_id
    where sp.mapping_id = v_map.mapping_id and sp.changed_in_run = p_run_id and not sp.in_trash
    order by sp.page_id
  loop
    -- Notion's values cast through the column types, so all three sides compare alike.
    execute format('select to_jsonb(r) from jsonb_populate_record(null::%s, $1) r', v_target)
      into v_new using v_page.mapped_values;
    select jsonb_object_agg(c, v_new -> c) into v_new from unnest(v_cols) c;

    if v_page.record_key is null then
      if v_map.owner_column is not null then
        v_new := v_new || jsonb_build_object(v_map.owner_column, (select auth.uid()));
      end if;
      execute format(
        'insert into %1$s (%2$s) select %2$s from jsonb_populate_record(null::%1$s, $1) '
        'returning %3$I::text, to_jsonb(%1$s.*)',
        v_target,
        (select string_agg(format('%I', k), ', ') from jsonb_object_keys(v_new) k),
        v_map.key_column)
        into v_key, v_cur using v_new;
      insert into notion_sync.links (mapping_id, page_id, owner_id, record_key, base)
      values (v_map.mapping_id, v_page.page_id, v_run.owner_id, v_key,
              (select jsonb_object_agg(c, v_cur -> c) from unnest(v_cols) c));
      v_inserted := v_inserted + 1;
      continue;
    end if;

    execute format('select to_jsonb(t) from %s t where t.%I::text = $1', v_target, v_map.key_column)
      into v_cur using v_page.record_key;
    if v_cur is null then
      v_conflicts := v_conflicts || jsonb_build_object(
        'page_id', v_page.page_id, 'record_key', v_page.record_key, 'kind', 'record_deleted');
      continue;
    end if;

    v_set := '{}'::jsonb;
    v_expected := '{}'::jsonb;
    v_base := v_page.base;
    foreach v_col in array v_cols loop
      continue when (v_new -> v_col) is not distinct from (v_page.base -> v_col);  -- Notion unchanged
      if (v_cur -> v_col) is not distinct from (v_new -> v_col) then
        v_base := v_base || jsonb_build_object(v_col, v_new -> v_col);             -- converged
      elsif (v_cur -> v_col) is not distinct from (v_page.base -> v_col) then
        v_set := v_set || jsonb_build_object(v_col, v_new -> v_col);               -- apply Notion
        v_expected := v_expected || jsonb_build_object(v_col, v_cur -> v_col);
      else
        v_conflicts := v_conflicts || jsonb_build_object(
          'page_id', v_page.page_id, 'record_key', v_page.record_key, 'kind', 'field',
          'column', v_col, 'base', v_page.base -> v_col, 'notion', v_new -> v_col,
          'supabase', v_cur -> v_col);
      end if;
    end loop;

    if v_set = '{}'::jsonb then
      v_unchanged := v_unchanged + 1;
    else
      -- compare-and-set: only if the row still holds what we read
      execute format(
        'update %1$s t set (%2$s) = (select %2$s from jsonb_populate_record(null::%1$s, $1)) '
        'where t.%3$I::text = $2 '
        'and (select jsonb_object_agg(k, to_jsonb(t) -> k) from jsonb_object_keys($3) k) = $3 '
        'returning to_jsonb(t)',
        v_target,
        (select string_agg(format('%I', k), ', ') from jsonb_object_keys(v_set) k),
        v_map.key_column)
        into v_cur using v_set, v_page.record_key, v_expected;
      if v_cur is null then
        v_conflicts := v_conflicts || jsonb_build_object(
          'page_id', v_page.page_id, 'record_key', v_page.record_key, 'kind', 'changed_during_apply');
        continue;
      end if;
      -- the base advances to the value read back
      select v_base || jsonb_object_agg(k, v_cur -> k) into v_base from jsonb_object_keys(v_set) k;
      v_updated := v_updated + 1;
    end if;
    update notion_sync.links l set base = v_base, synced_at = now()
    where l.mapping_id = v_map.mapping_id and l.page_id = v_page.page_id;
  end loop;

  update notion_sync.runs r
  set inserted = r.inserted + v_inserted, updated = r.updated + v_updated,
      unchanged = r.unchanged + v_unchanged,
      conflicts = r.conflicts + jsonb_array_length(v_conflicts),
      errors = r.errors || v_conflicts, heartbeat_at = now()
  where r.run_id = p_run_id;
  return jsonb_build_object('inserted', v_inserted, 'updated', v_updated,
                            'unchanged', v_unchanged, 'conflicts', v_conflicts);
end
$$;
comment on function notion_sync_api.apply_run(uuid) is
  'Applies the pages a run staged to the mapping''s table under RLS. Authenticated. Raises P0002 '
  '(no such run).';
revoke execute on function notion_sync_api.apply_run(uuid) from public;
grant execute on function notion_sync_api.apply_run(uuid) to authenticated;

-- End a run: completed, or failed with an error message.
create function notion_sync_api.finish_run(p_run_id uuid, p_status text, p_error text default null)
returns notion_sync.runs
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_run notion_sync.runs;
begin
  update notion_sync.runs r
  set status = p_status, finished_at = now(), heartbeat_at = now(),
      errors = case when p_error is null then r.errors
                    else r.errors || jsonb_build_object('kind', 'run_error', 'message', p_error) end
  where r.run_id = p_run_id and r.status = 'running'
  returning * into v_run;
  if not found then
    raise exception 'run % not found or not running', p_run_id using errcode = 'P0002';
  end if;
  return v_run;
end
$$;
comment on function notion_sync_api.finish_run(uuid, text, text) is
  'Ends the caller''s running run as completed or failed. Authenticated. Raises P0002.';
revoke execute on function notion_sync_api.finish_run(uuid, text, text) from public;
grant execute on function notion_sync_api.finish_run(uuid, text, text) to authenticated;

-- Rows of a mapping's target table, as the caller may see them under RLS.
create function notion_sync_api.mapping_rows(p_mapping_name text, p_limit integer default 100)
returns setof jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
begin
  select * into v_map from notion_sync.mappings m where m.name = p_mapping_name;
  if not found then
    raise exception 'no mapping named "%"', p_mapping_name using errcode = 'P0002';
  end if;
  return query execute format(
    'select to_jsonb(t) from %I.%I t order by t.%I nulls last, t.%I limit $1',
    v_map.target_schema, v_map.target_table,
    coalesce(v_map.field_map -> 0 ->> 'column', v_map.key_column), v_map.key_column)
    using least(greatest(p_limit, 0), 1000);
end
$$;
comment on function notion_sync_api.mapping_rows(text, integer) is
  'Up to 1000 rows of the caller''s mapped table, under RLS. Authenticated. Raises P0002.';
revoke execute on function notion_sync_api.mapping_rows(text, integer) from public;
grant execute on function notion_sync_api.mapping_rows(text, integer) to authenticated;

-- Runs with their mapping's name, for the client and for SQL inspection.
create view notion_sync_api.runs with (security_invoker = true) as
select r.run_id, m.name as mapping, r.kind, r.mode, r.status, r.retrieved, r.inserted, r.updated,
       r.unchanged, r.conflicts, r.errors, r.started_at, r.finished_at
from notion_sync.runs r
join notion_sync.mappings m on m.mapping_id = r.mapping_id;
grant select on notion_sync_api.runs to authenticated;
