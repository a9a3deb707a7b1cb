-- RPCs of the walking skeleton: finish a run, read a mapping's rows, and the runs view. All
-- security invoker (RLS decides) except the one function that hands the functions a connection's
-- token ciphertext, which clients may not select. (Starting runs, staging and applying come with
-- the later migrations that define them for good: 0700 stage_pages and reconcile, 1000 start_run.)

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
