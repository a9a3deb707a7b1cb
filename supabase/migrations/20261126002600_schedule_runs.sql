-- The schedule (DESIGN §4): a pg_cron tick, once a minute, that keeps every mapping in sync
-- without anyone calling a function.
--   * due work becomes jobs: a full scan when the mapping's last full retrieve started more than
--     full_scan_interval ago (or never), else an incremental retrieve when its last retrieve
--     started more than incremental_interval ago, and a push when its outbox holds a write whose
--     next attempt is due. Only for a mapping that runs on its own (unpaused, validated, and with a
--     first retrieve behind it: a person runs that one, as it decides what a first contact
--     imports), not while a run holds a live lease on it, nor when a job of that kind is already
--     waiting (one pending job per kind);
--   * a run whose lease ran out more than an hour ago and that nothing will continue (no pending
--     continue_run job) is failed, so a dead invocation shows as failed instead of running;
--   * finished jobs and webhook events older than a week are deleted. Runs, changes and conflicts
--     are kept: they are the trail that undo and revert-run read;
--   * the jobs of a paused mapping wait (claim_jobs leaves them) and run once it is resumed;
--   * when jobs are due, the worker function is called through net.http_post (pg_net) with the
--     project URL and the worker secret read from Vault (secrets notion_sync_project_url and
--     notion_sync_worker_secret). When it cannot be (pg_net not enabled, a secret missing), each
--     due job's last_error says why, which its owner reads in notion_sync_api.jobs.
-- The tick runs as the role that scheduled it (postgres, the owner of these tables).

-- enqueue_due_jobs --------------------------------------------------------------------------------
-- Queues the due retrieve and push jobs of every mapping; returns how many of each kind.
create function notion_sync.enqueue_due_jobs()
returns table (kind text, queued integer)
language sql
set search_path = ''
as $$
  with candidate as (
    select m.mapping_id, m.owner_id,
           (select max(r.started_at) from notion_sync.runs r
            where r.mapping_id = m.mapping_id and r.kind = 'retrieve' and r.mode = 'full')
             <= now() - m.full_scan_interval is not false as full_due,
           (select max(r.started_at) from notion_sync.runs r
            where r.mapping_id = m.mapping_id and r.kind = 'retrieve')
             <= now() - m.incremental_interval is not false as incremental_due,
           exists (select from notion_sync.jobs j
                   where j.mapping_id = m.mapping_id and j.done_at is null
                     and j.kind in ('full_scan', 'incremental', 'continue_run')) as retrieve_waiting,
           exists (select from notion_sync.outbox o
                   where o.mapping_id = m.mapping_id and o.status = 'pending'
                     and o.next_attempt_at <= now())
             and not exists (select from notion_sync.jobs j
                             where j.mapping_id = m.mapping_id and j.done_at is null
                               and j.kind = 'push') as push_due
    from notion_sync.mappings m
    where notion_sync.runs_on_its_own(m.mapping_id)
      and not exists (select from notion_sync.runs r
                      where r.mapping_id = m.mapping_id and r.status = 'running'
                        and r.lease_expires_at > now())
  ), due as (
    select c.mapping_id, c.owner_id,
           case when c.full_due then 'full_scan' else 'incremental' end as kind
    from candidate c
    where not c.retrieve_waiting and (c.full_due or c.incremental_due)
    union all
    select c.mapping_id, c.owner_id, 'push' from candidate c where c.push_due
  ), queued as (
    insert into notion_sync.jobs (owner_id, mapping_id, kind)
    select d.owner_id, d.mapping_id, d.kind from due d
    on conflict (mapping_id, kind) where done_at is null do nothing
    returning kind
  )
  select q.kind, count(*)::integer from queued q group by q.kind order by q.kind
$$;
comment on function notion_sync.enqueue_due_jobs() is
  'Queues the due full_scan, incremental and push jobs of every mapping that runs on its own '
  '(runs_on_its_own) without a live run (cadences from the mapping; one pending job per kind). '
  'Returns counts per kind. The tick''s; service role only; raises nothing.';
revoke execute on function notion_sync.enqueue_due_jobs() from public;
grant execute on function notion_sync.enqueue_due_jobs() to service_role;

-- fail_dead_runs ----------------------------------------------------------------------------------
-- Runs whose lease ran out over an hour ago, with no continuation queued, are failed.
create function notion_sync.fail_dead_runs()
returns integer
language sql
set search_path = ''
as $$
  with dead as (
    update notion_sync.runs r
    set status = 'failed', finished_at = now(), lease_holder = null,
        errors = r.errors || jsonb_build_object(
          'kind', 'run_error',
          'message', 'lease expired: the invocation running it stopped without handing it on '
                     '(no heartbeat since ' || r.heartbeat_at::text || ')')
    where r.status = 'running' and r.lease_expires_at < now() - interval '1 hour'
      and not exists (select from notion_sync.jobs j
                      where j.mapping_id = r.mapping_id and j.kind = 'continue_run'
                        and j.done_at is null)
    returning 1
  )
  select count(*)::integer from dead
$$;
comment on function notion_sync.fail_dead_runs() is
  'Fails running runs whose lease expired over an hour ago and that no continue_run job will '
  'resume. Returns how many. The tick''s; service role only; raises nothing.';
revoke execute on function notion_sync.fail_dead_runs() from public;
grant execute on function notion_sync.fail_dead_runs() to service_role;

-- call_worker -------------------------------------------------------------------------------------
-- Asks the worker function to run the due jobs: one request per due job, up to ten a tick, each
-- for one job (the invocations run side by side, each within its own time limit, and claim
-- different jobs). Returns the number of requests; 0 when no job is due or the worker cannot be
-- called, and then every due job's last_error says why.
create function notion_sync.call_worker()
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_due bigint[];
  v_url text;
  v_secret text;
  v_why text;
begin
  -- what claim_jobs would take: due, not held by a worker, of an unpaused mapping
  select coalesce(array_agg(j.job_id), '{}') into v_due from notion_sync.jobs j
  join notion_sync.mappings m on m.mapping_id = j.mapping_id and not m.paused
  where j.done_at is null and j.due_at <= now()
    and (j.lease_expires_at is null or j.lease_expires_at < now());
  if cardinality(v_due) = 0 then
    return 0;
  end if;
  if to_regprocedure('net.http_post(text, jsonb, jsonb, jsonb, integer)') is null then
    v_why := 'the scheduler cannot call the worker: pg_net is not enabled (create extension pg_net)';
  elsif to_regclass('vault.decrypted_secrets') is null then
    v_why := 'the scheduler cannot call the worker: Vault is not available';
  else
    select max(s.decrypted_secret) filter (where s.name = 'notion_sync_project_url'),
           max(s.decrypted_secret) filter (where s.name = 'notion_sync_worker_secret')
    into v_url, v_secret
    from vault.decrypted_secrets s
    where s.name in ('notion_sync_project_url', 'notion_sync_worker_secret');
    if coalesce(btrim(v_url), '') = '' or coalesce(v_secret, '') = '' then
      v_why := 'the scheduler cannot call the worker: store the Vault secrets '
               'notion_sync_project_url and notion_sync_worker_secret';
    end if;
  end if;
  if v_why is not null then
    update notion_sync.jobs j set last_error = v_why
    where j.job_id = any (v_due) and j.last_error is distinct from v_why;
    return 0;
  end if;
  for v_i in 1 .. least(cardinality(v_due), 10) loop
    perform net.http_post(
      url := rtrim(btrim(v_url), '/') || '/functions/v1/worker',
      body := jsonb_build_object('limit', 1),
      params := '{}'::jsonb,
      headers := jsonb_build_object('content-type', 'application/json', 'x-worker-secret', v_secret),
      timeout_milliseconds := 150000);
  end loop;
  return least(cardinality(v_due), 10);
end
$$;
comment on function notion_sync.call_worker() is
  'Calls the worker function through net.http_post (URL and secret from Vault), once per due job '
  'and at most ten times; returns the number of calls, 0 when nothing is due or it cannot call '
  '(then each due job''s last_error says why). The tick''s; service role only; raises nothing.';
revoke execute on function notion_sync.call_worker() from public;
grant execute on function notion_sync.call_worker() to service_role;

-- claim_jobs: not the jobs of a paused mapping ------------------------------------------------------
-- (they wait, and run once it is resumed; before, the worker took them and failed them again and
-- again on start_run's "paused")
create or replace function notion_sync.claim_jobs(p_limit integer default 5)
returns table (job_id bigint, owner_id uuid, mapping_name text, kind text, payload jsonb, attempts integer)
language sql
security invoker
set search_path = ''
as $$
  update notion_sync.jobs j
  set lease_holder = 'worker', lease_expires_at = now() + interval '5 minutes', attempts = j.attempts + 1
  from notion_sync.mappings m
  where m.mapping_id = j.mapping_id
    and j.job_id in (
      select x.job_id from notion_sync.jobs x
      join notion_sync.mappings xm on xm.mapping_id = x.mapping_id and not xm.paused
      where x.done_at is null and x.due_at <= now()
        and (x.lease_expires_at is null or x.lease_expires_at < now())
      order by x.due_at, x.job_id
      limit least(greatest(p_limit, 1), 50)
      for update of x skip locked)
  returning j.job_id, j.owner_id, m.name, j.kind, j.payload, j.attempts
$$;
comment on function notion_sync.claim_jobs(integer) is
  'Claims due jobs of every user''s unpaused mappings for the worker (lease, attempt counted). '
  'Service role only; raises nothing.';

-- tick ---------------------------------------------------------------------------------------------
create function notion_sync.tick()
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_failed integer;
  v_queued jsonb;
  v_pruned integer;
begin
  v_failed := notion_sync.fail_dead_runs();
  select coalesce(jsonb_object_agg(q.kind, q.queued), '{}'::jsonb) into v_queued
  from notion_sync.enqueue_due_jobs() q;
  delete from notion_sync.jobs j where j.done_at < now() - interval '7 days';
  get diagnostics v_pruned = row_count;
  delete from notion_sync.webhook_events e where e.received_at < now() - interval '7 days';
  return jsonb_build_object('failed_runs', v_failed, 'queued', v_queued, 'pruned_jobs', v_pruned,
                            'worker_calls', notion_sync.call_worker());
end
$$;
comment on function notion_sync.tick() is
  'The scheduler''s minute: fails dead runs, queues due jobs, deletes jobs finished and webhook '
  'events received over a week ago, calls the worker when jobs are due. Run by pg_cron (job notion-sync-tick); service role '
  'only; raises nothing.';
revoke execute on function notion_sync.tick() from public;
grant execute on function notion_sync.tick() to service_role;

-- what the scheduler does for the caller -------------------------------------------------------------
create view notion_sync_api.jobs with (security_invoker = true) as
select j.job_id, m.name as mapping, j.kind, j.due_at, j.attempts, j.last_error,
       j.lease_expires_at, j.done_at, j.created_at
from notion_sync.jobs j
join notion_sync.mappings m on m.mapping_id = j.mapping_id;
comment on view notion_sync_api.jobs is
  'The caller''s scheduled work: pending jobs (done_at null; last_error says why the last attempt '
  'failed or why the worker could not be called) and those finished within the week.';
grant select on notion_sync_api.jobs to authenticated;

-- the tick itself ----------------------------------------------------------------------------------
do $$
begin
  if exists (select from pg_extension where extname = 'pg_cron') then
    perform cron.schedule('notion-sync-tick', '* * * * *', 'select notion_sync.tick()');
  else
    raise notice 'pg_cron is not enabled, so nothing syncs on schedule: enable it, then run '
      'select cron.schedule(''notion-sync-tick'', ''* * * * *'', ''select notion_sync.tick()'')';
  end if;
end
$$;
