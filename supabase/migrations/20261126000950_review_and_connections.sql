-- What the review function and the connect-notion function need beyond the sync core: cancelling
-- a running run (its lease released at once), pausing and resuming a mapping, looking a mapping up
-- by name with a 404-style error, and storing / listing Notion connections without any token
-- material reaching a client (the ciphertext goes in, never out). All security invoker: RLS
-- decides whose objects the caller may touch; another user's object is "not found" (P0002).

-- The caller's mapping by name, or P0002.
create function notion_sync_api.mapping_id(p_mapping_name text)
returns uuid
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_id uuid;
begin
  select m.mapping_id into v_id from notion_sync.mappings m where m.name = p_mapping_name;
  if v_id is null then
    raise exception 'no mapping named "%"', p_mapping_name using errcode = 'P0002';
  end if;
  return v_id;
end
$$;
comment on function notion_sync_api.mapping_id(text) is
  'Id of the caller''s mapping named p_mapping_name. Authenticated. Raises P0002 when the caller has '
  'no mapping of that name (another user''s mapping is not found either).';
revoke execute on function notion_sync_api.mapping_id(text) from public;
grant execute on function notion_sync_api.mapping_id(text) to authenticated;

-- Pauses or resumes a mapping: a paused mapping refuses new runs (start_run raises 55000).
create function notion_sync_api.set_mapping_paused(p_mapping_name text, p_paused boolean)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_id uuid;
begin
  if p_paused is null then
    raise exception 'p_paused must be true or false' using errcode = '22023';
  end if;
  update notion_sync.mappings m set paused = p_paused, updated_at = now()
  where m.name = p_mapping_name
  returning m.mapping_id into v_id;
  if v_id is null then
    raise exception 'no mapping named "%"', p_mapping_name using errcode = 'P0002';
  end if;
  return jsonb_build_object('mapping_id', v_id, 'mapping', p_mapping_name, 'paused', p_paused);
end
$$;
comment on function notion_sync_api.set_mapping_paused(text, boolean) is
  'Pauses (true) or resumes (false) the caller''s mapping; a paused mapping starts no run. A run '
  'already running is not stopped (cancel it). Authenticated. Raises P0002 (no such mapping), 22023.';
revoke execute on function notion_sync_api.set_mapping_paused(text, boolean) from public;
grant execute on function notion_sync_api.set_mapping_paused(text, boolean) to authenticated;

-- Cancels a running run: status cancelled, lease released, its pending continuation dropped.
create function notion_sync_api.cancel_run(p_run_id uuid)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_run notion_sync.runs;
begin
  select * into v_run from notion_sync.runs r where r.run_id = p_run_id for update;
  if not found then
    raise exception 'run % not found', p_run_id using errcode = 'P0002';
  end if;
  if v_run.status <> 'running' then
    raise exception 'run % is already %', p_run_id, v_run.status using errcode = '55000';
  end if;
  update notion_sync.runs r
  set status = 'cancelled', finished_at = now(), heartbeat_at = now(),
      lease_holder = null, lease_expires_at = now(),
      errors = r.errors || jsonb_build_object('kind', 'cancelled',
                 'message', 'cancelled by a person', 'by', (select auth.uid()))
  where r.run_id = p_run_id
  returning * into v_run;
  -- a continuation queued for this run must not pick it up again
  update notion_sync.jobs j set done_at = now(), last_error = 'run cancelled'
  where j.mapping_id = v_run.mapping_id and j.kind = 'continue_run' and j.done_at is null
    and j.payload ->> 'run_id' = p_run_id::text;
  return jsonb_build_object('run_id', v_run.run_id, 'status', v_run.status,
                            'finished_at', v_run.finished_at, 'lease_expires_at', v_run.lease_expires_at);
end
$$;
comment on function notion_sync_api.cancel_run(uuid) is
  'Cancels the caller''s running run: status cancelled, its lease released at once (the mapping may '
  'start a new run), its queued continuation dropped. Changes it already applied stay (revert them '
  'with revert_run). Authenticated. Raises P0002 (not the caller''s run), 55000 (not running).';
revoke execute on function notion_sync_api.cancel_run(uuid) from public;
grant execute on function notion_sync_api.cancel_run(uuid) to authenticated;

-- Stores or replaces the caller's connection named p_name. The ciphertext is made by the
-- functions (AES-GCM, key only they hold); nothing in the exposed schema ever returns it.
create function notion_sync_api.save_connection(
  p_name text,
  p_token_ciphertext text,
  p_bot_id text,
  p_workspace_id text default null,
  p_workspace_name text default null)
returns uuid
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_id uuid;
begin
  if p_name is null or btrim(p_name) = '' then
    raise exception 'a connection needs a name' using errcode = '22023';
  end if;
  if p_token_ciphertext is null or p_token_ciphertext !~ '^v1\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+$' then
    raise exception 'the token must be encrypted by the functions before it is stored' using errcode = '22023';
  end if;
  insert into notion_sync.connections as c (name, token_ciphertext, bot_id, workspace_id, workspace_name)
  values (p_name, p_token_ciphertext, p_bot_id, p_workspace_id, p_workspace_name)
  on conflict (owner_id, name) do update
    -- parameters, not excluded.*: reading excluded.token_ciphertext would need a select privilege
    -- on the ciphertext, which clients never get
    set token_ciphertext = p_token_ciphertext, bot_id = p_bot_id, workspace_id = p_workspace_id,
        workspace_name = p_workspace_name, updated_at = now()
  returning c.connection_id into v_id;
  return v_id;
end
$$;
comment on function notion_sync_api.save_connection(text, text, text, text, text) is
  'Stores or replaces (by name) the caller''s Notion connection from an AES-GCM ciphertext made by '
  'the functions, with the integration''s bot id and workspace. Authenticated. Raises 22023 (no name, '
  'or a token that is not our ciphertext).';
revoke execute on function notion_sync_api.save_connection(text, text, text, text, text) from public;
grant execute on function notion_sync_api.save_connection(text, text, text, text, text) to authenticated;

-- The caller's connections, without any token material.
create view notion_sync_api.connections with (security_invoker = true) as
select c.connection_id, c.name, c.bot_id, c.workspace_id, c.workspace_name, c.created_at, c.updated_at,
       coalesce((select array_agg(m.name order by m.name) from notion_sync.mappings m
                 where m.connection_id = c.connection_id), '{}'::text[]) as mappings
from notion_sync.connections c;
comment on view notion_sync_api.connections is
  'The caller''s Notion connections (bot, workspace, the mappings using each); never the token or '
  'its ciphertext.';
grant select on notion_sync_api.connections to authenticated;
