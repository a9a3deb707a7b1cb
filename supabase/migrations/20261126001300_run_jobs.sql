-- The worker's side of notion_sync.jobs: claim due jobs across users (the service role only;
-- for update skip locked, so concurrent workers never take the same job) and record how each
-- ended. The worker then runs each job as its mapping's owner, through the same path as a user.

-- Claims up to p_limit due jobs with a five-minute lease.
create function notion_sync.claim_jobs(p_limit integer default 5)
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
      where x.done_at is null and x.due_at <= now()
        and (x.lease_expires_at is null or x.lease_expires_at < now())
      order by x.due_at, x.job_id
      limit least(greatest(p_limit, 1), 50)
      for update skip locked)
  returning j.job_id, j.owner_id, m.name, j.kind, j.payload, j.attempts
$$;
comment on function notion_sync.claim_jobs(integer) is
  'Claims due jobs of every user for the worker (lease, attempt counted). Service role only; raises '
  'nothing.';
revoke execute on function notion_sync.claim_jobs(integer) from public;
grant execute on function notion_sync.claim_jobs(integer) to service_role;

-- Ends a claimed job: done, or due again later with the error (backoff, up to an hour).
create function notion_sync.finish_job(p_job_id bigint, p_error text default null)
returns void
language sql
security invoker
set search_path = ''
as $$
  update notion_sync.jobs j
  set done_at = case when p_error is null then coalesce(j.done_at, now()) end,
      last_error = p_error, lease_holder = null, lease_expires_at = null,
      due_at = case when p_error is null then j.due_at
                    else now() + least(interval '1 hour', interval '30 seconds' * power(2, j.attempts)) end
  where j.job_id = p_job_id
$$;
comment on function notion_sync.finish_job(bigint, text) is
  'Marks a claimed job done, or due again with backoff and its error. Service role only.';
revoke execute on function notion_sync.finish_job(bigint, text) from public;
grant execute on function notion_sync.finish_job(bigint, text) to service_role;
