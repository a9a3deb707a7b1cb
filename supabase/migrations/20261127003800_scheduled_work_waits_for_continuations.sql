-- Scheduled work no longer breaks a run that waits for its continuation, leaves abandoned writes
-- unsent, or stops backing off.
--
-- 1. A run that yields at its time budget gives its lease back at once and queues a continue_run
--    job. The tick saw no live run and queued a push, and start_run('push') abandoned the yielded
--    retrieve as a dead run: a long full scan started over, again and again, and a dry run's
--    continuation started a new, real run. Now start_run refuses another kind of run (55006, busy,
--    naming the run) while a yielded run's continuation waits, and the tick queues no push then.
-- 2. The tick queued a push only for pending writes. Writes left in flight (a push killed at the
--    hosted time limit, a 401, a database error mid-batch), which claim_outbox_for takes back after
--    10 minutes, waited for a person's push; now they make a push due too.
-- 3. finish_job's backoff, 30 s doubled per attempt, overflowed the interval type at attempt 39:
--    the job then kept its lease and was retried every five minutes with its old error. The
--    doubling now stops at the hour it is capped to.

-- 3 -----------------------------------------------------------------------------------------------
create or replace function notion_sync.finish_job(p_job_id bigint, p_error text default null)
returns void
language sql
security invoker
set search_path = ''
as $$
  update notion_sync.jobs j
  set done_at = case when p_error is null then coalesce(j.done_at, now()) end,
      last_error = p_error, lease_holder = null, lease_expires_at = null,
      due_at = case when p_error is null then j.due_at
                    else now() + least(interval '1 hour', interval '30 seconds' * power(2, least(j.attempts, 7))) end
  where j.job_id = p_job_id
$$;

-- 1 -----------------------------------------------------------------------------------------------
alter function notion_sync_api.start_run(text, text, text) rename to begin_run;
alter function notion_sync_api.begin_run(text, text, text) set schema notion_sync;
comment on function notion_sync.begin_run(text, text, text) is
  'Starts a run on the caller''s mapping, or resumes the running one whose lease expired. Call '
  'start_run, which keeps a run waiting for its continuation. Authenticated. Raises P0002, 55000, '
  '55006.';

-- Starts a run (begin_run), unless a run of another kind waits for its continuation (it yielded at
-- its time budget). Authenticated. Raises P0002 (no such mapping), 55000 (paused), 55006 (another
-- run holds the mapping, or waits for its continuation; detail = its run id).
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
  v_waiting uuid;
begin
  select r.run_id into v_waiting
  from notion_sync.runs r join notion_sync.mappings m on m.mapping_id = r.mapping_id
  where m.name = p_mapping_name and r.status = 'running' and r.kind <> p_kind
    and exists (select from notion_sync.jobs j
                where j.mapping_id = r.mapping_id and j.kind = 'continue_run' and j.done_at is null
                  and j.payload ->> 'run_id' = r.run_id::text);
  if v_waiting is not null then
    raise exception 'mapping "%" is busy: run % waits for its continuation', p_mapping_name, v_waiting
      using errcode = '55006', detail = v_waiting::text;
  end if;
  return notion_sync.begin_run(p_mapping_name, p_kind, p_mode);
end
$$;
comment on function notion_sync_api.start_run(text, text, text) is
  'Starts a run on the caller''s mapping, or resumes the running one whose lease expired (answer: '
  'resumed, checkpoint). Authenticated. Raises P0002 (no such mapping), 55000 (paused), 55006 '
  '(another run holds a live lease, or of another kind waits for its continuation; detail = its '
  'run id).';
revoke execute on function notion_sync_api.start_run(text, text, text) from public;
grant execute on function notion_sync_api.start_run(text, text, text) to authenticated;

-- 1 and 2: enqueue_due_jobs (else as in 20261126002600) ----------------------------------------
create or replace function notion_sync.enqueue_due_jobs()
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
                   where o.mapping_id = m.mapping_id
                     and ((o.status = 'pending' and o.next_attempt_at <= now())
                          or (o.status = 'in_flight' and o.updated_at < now() - interval '10 minutes')))
             and not exists (select from notion_sync.jobs j
                             where j.mapping_id = m.mapping_id and j.done_at is null
                               and j.kind in ('push', 'continue_run')) as push_due
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
  '(runs_on_its_own) without a live run (cadences from the mapping; one pending job per kind; no '
  'push while a continuation waits; writes abandoned in flight for 10 minutes make a push due). '
  'Returns counts per kind. The tick''s; service role only; raises nothing.';
