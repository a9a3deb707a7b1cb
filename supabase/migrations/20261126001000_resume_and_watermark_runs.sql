-- Retrieve runs that survive the hosted time limits: a run checkpoints after every batch, gives
-- its lease back when its invocation runs out of time (a continue_run job is queued), and the next
-- start on the mapping resumes it where it stopped instead of re-reading finished batches. The
-- incremental watermark is decided here too: the last completed retrieve's start, floored to the
-- minute minus an overlap (Notion floors last_edited_time to the minute); a run without one, or
-- after a schema change, reads everything.

-- Start a run on the caller's mapping, or resume the one whose lease ran out.
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
  v_run notion_sync.runs;
begin
  select * into v_map from notion_sync.mappings m where m.name = p_mapping_name;
  if not found then
    raise exception 'no mapping named "%"', p_mapping_name using errcode = 'P0002';
  end if;
  if v_map.paused then
    raise exception 'mapping "%" is paused', p_mapping_name using errcode = '55000';
  end if;
  select * into v_run from notion_sync.runs r
  where r.mapping_id = v_map.mapping_id and r.status = 'running'
  for update;
  if found and v_run.lease_expires_at > now() then
    raise exception 'mapping "%" is busy: run % is still running', p_mapping_name, v_run.run_id
      using errcode = '55006', detail = v_run.run_id::text;
  elsif found and v_run.kind = p_kind then
    -- the previous holder stopped (time budget) or died: take the lease over and go on
    update notion_sync.runs r
    set lease_expires_at = now() + interval '5 minutes', heartbeat_at = now()
    where r.run_id = v_run.run_id
    returning * into v_run;
    update notion_sync.jobs j set done_at = now()
    where j.mapping_id = v_map.mapping_id and j.kind = 'continue_run' and j.done_at is null;
    return jsonb_build_object(
      'run_id', v_run.run_id, 'mapping_id', v_map.mapping_id, 'connection_id', v_map.connection_id,
      'data_source_id', v_map.data_source_id, 'mode', v_run.mode, 'resumed', true,
      'checkpoint', v_run.checkpoint);
  elsif found then
    -- an expired run of another kind is abandoned, not resumed as this one
    update notion_sync.runs r
    set status = 'failed', finished_at = now(),
        errors = r.errors || jsonb_build_object('kind', 'run_error', 'message', 'lease expired')
    where r.run_id = v_run.run_id;
  end if;
  insert into notion_sync.runs (owner_id, mapping_id, kind, mode)
  values (v_map.owner_id, v_map.mapping_id, p_kind, p_mode)
  returning * into v_run;
  return jsonb_build_object(
    'run_id', v_run.run_id, 'mapping_id', v_map.mapping_id, 'connection_id', v_map.connection_id,
    'data_source_id', v_map.data_source_id, 'mode', v_run.mode, 'resumed', false,
    'checkpoint', v_run.checkpoint);
end
$$;
comment on function notion_sync_api.start_run(text, text, text) is
  'Starts a run on the caller''s mapping, or resumes the running one whose lease expired (answer: '
  'resumed, checkpoint). Authenticated. Raises P0002 (no such mapping), 55000 (paused), 55006 '
  '(another run holds a live lease; detail = its run id).';
revoke execute on function notion_sync_api.start_run(text, text, text) from public;
grant execute on function notion_sync_api.start_run(text, text, text) to authenticated;

-- Records progress after a batch and extends the lease.
create function notion_sync_api.save_checkpoint(p_run_id uuid, p_checkpoint jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_checkpoint jsonb;
begin
  update notion_sync.runs r
  set checkpoint = r.checkpoint || p_checkpoint, heartbeat_at = now(),
      lease_expires_at = now() + interval '5 minutes'
  where r.run_id = p_run_id and r.status = 'running'
  returning r.checkpoint into v_checkpoint;
  if not found then
    raise exception 'run % not found or not running', p_run_id using errcode = 'P0002';
  end if;
  return v_checkpoint;
end
$$;
comment on function notion_sync_api.save_checkpoint(uuid, jsonb) is
  'Merges progress into the caller''s running run and extends its lease. Authenticated. Raises P0002.';
revoke execute on function notion_sync_api.save_checkpoint(uuid, jsonb) from public;
grant execute on function notion_sync_api.save_checkpoint(uuid, jsonb) to authenticated;

-- Gives the lease back so the run can be continued at once, and queues the continuation.
create function notion_sync_api.yield_run(p_run_id uuid)
returns void
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_run notion_sync.runs;
begin
  update notion_sync.runs r set lease_expires_at = now(), heartbeat_at = now()
  where r.run_id = p_run_id and r.status = 'running'
  returning * into v_run;
  if not found then
    raise exception 'run % not found or not running', p_run_id using errcode = 'P0002';
  end if;
  insert into notion_sync.jobs (owner_id, mapping_id, kind, payload)
  values (v_run.owner_id, v_run.mapping_id, 'continue_run', jsonb_build_object('run_id', p_run_id))
  on conflict (mapping_id, kind) where done_at is null do nothing;
end
$$;
comment on function notion_sync_api.yield_run(uuid) is
  'Releases the caller''s running run at its time budget and queues a continue_run job; the next '
  'start_run resumes it. Authenticated. Raises P0002.';
revoke execute on function notion_sync_api.yield_run(uuid) from public;
grant execute on function notion_sync_api.yield_run(uuid) to authenticated;

-- What a retrieve reads: everything (full), or pages edited since the watermark (incremental).
-- An incremental run without a previous completed retrieve, or after a schema change, becomes full.
create function notion_sync_api.retrieve_plan(p_run_id uuid, p_schema_changed boolean default false)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_run notion_sync.runs;
  v_watermark timestamptz;
  v_reason text;
begin
  select * into v_run from notion_sync.runs r where r.run_id = p_run_id and r.status = 'running';
  if not found then
    raise exception 'run % not found or not running', p_run_id using errcode = 'P0002';
  end if;
  select (r.checkpoint ->> 'watermark')::timestamptz into v_watermark
  from notion_sync.runs r
  where r.mapping_id = v_run.mapping_id and r.kind = 'retrieve' and r.status = 'completed'
    and r.checkpoint ? 'watermark'
  order by r.started_at desc limit 1;
  if v_run.mode = 'incremental' and (v_watermark is null or p_schema_changed) then
    v_reason := case when p_schema_changed then 'the data source schema changed'
                     else 'no completed retrieve to start from' end;
    update notion_sync.runs r
    set mode = 'full', checkpoint = r.checkpoint || jsonb_build_object('full_because', v_reason)
    where r.run_id = p_run_id
    returning * into v_run;
  end if;
  return jsonb_build_object(
    'mode', v_run.mode,
    -- Notion stores last_edited_time floored to the minute: a second-precision watermark would
    -- miss an edit later in the same minute, so floor it and overlap by two minutes
    'edited_on_or_after', case when v_run.mode = 'incremental'
                               then date_trunc('minute', v_watermark) - interval '2 minutes' end,
    'checkpoint', v_run.checkpoint,
    'full_because', v_reason);
end
$$;
comment on function notion_sync_api.retrieve_plan(uuid, boolean) is
  'Decides what a retrieve run reads (full, or incremental from the floored watermark minus an '
  'overlap); switches to full when there is no watermark or the schema changed. Authenticated. '
  'Raises P0002.';
revoke execute on function notion_sync_api.retrieve_plan(uuid, boolean) from public;
grant execute on function notion_sync_api.retrieve_plan(uuid, boolean) to authenticated;

-- After a retrieve has read everything it planned: the watermark for the next incremental run is
-- this run's start (never later: an edit made during the run is read again next time).
create function notion_sync_api.complete_retrieve(p_run_id uuid)
returns timestamptz
language sql
security invoker
set search_path = ''
as $$
  update notion_sync.runs r
  set checkpoint = r.checkpoint || jsonb_build_object('watermark', r.started_at, 'cursor', null)
  where r.run_id = p_run_id and r.status = 'running'
  returning r.started_at
$$;
comment on function notion_sync_api.complete_retrieve(uuid) is
  'Records the caller''s run start as the next incremental watermark. Authenticated; returns null '
  'when the run is not the caller''s running run.';
revoke execute on function notion_sync_api.complete_retrieve(uuid) from public;
grant execute on function notion_sync_api.complete_retrieve(uuid) to authenticated;
