-- pg_cron runs the tick every minute. Besides queueing jobs, it fails runs whose invocation died
-- (the lease ran out over an hour ago and nothing will continue them) and deletes jobs finished
-- over a week ago; runs themselves, changes and conflicts are kept.
begin;
select plan(7);

update notion_sync.mappings set paused = true;
delete from notion_sync.jobs;

select is((select array[schedule, command, database] from cron.job where jobname = 'notion-sync-tick'),
  array['* * * * *', 'select notion_sync.tick()', current_database()::text],
  'pg_cron runs the tick every minute, in this database.');

create function pg_temp.running(p_email text, p_expired interval) returns uuid language plpgsql as $$
declare
  v_user uuid := tests.create_user(p_email);
  v_mapping uuid := tests.create_demo_mapping(v_user);
  v_run uuid;
begin
  update notion_sync.mappings set paused = true where mapping_id = v_mapping;  -- no new jobs
  insert into notion_sync.runs (owner_id, mapping_id, kind, mode, started_at, heartbeat_at, lease_expires_at)
  values (v_user, v_mapping, 'retrieve', 'full', now() - p_expired - interval '10 minutes',
          now() - p_expired - interval '5 minutes', now() - p_expired)
  returning run_id into v_run;
  return v_run;
end $$;
select pg_temp.running('dead@example.com', '2 hours') as dead \gset
select pg_temp.running('continued@example.com', '2 hours') as continued \gset
insert into notion_sync.jobs (owner_id, mapping_id, kind)
select owner_id, mapping_id, 'continue_run' from notion_sync.runs where run_id = :'continued';
select pg_temp.running('resting@example.com', '10 minutes') as resting \gset

insert into notion_sync.jobs (owner_id, mapping_id, kind, done_at)
select owner_id, mapping_id, k, now() - a::interval
from notion_sync.runs, (values ('incremental', '8 days'), ('push', '1 day')) v(k, a)
where run_id = :'resting';
insert into notion_sync.jobs (owner_id, mapping_id, kind, created_at, due_at, last_error)
select owner_id, mapping_id, 'incremental', now() - interval '30 days', now() + interval '1 hour', 'Notion answered 502'
from notion_sync.runs where run_id = :'dead';

select is(notion_sync.tick(), '{"failed_runs": 1, "queued": {}, "pruned_jobs": 1, "worker_calls": 0}'::jsonb,
  'The tick answers what it did.');
select results_eq($$ select status, finished_at is not null, errors -> -1 ->> 'kind',
                            errors -> -1 ->> 'message' like 'lease expired: %'
                     from notion_sync.runs where run_id = '$$ || :'dead' || $$' $$,
  $$ values ('failed', true, 'run_error', true) $$,
  'A run whose lease ran out over an hour ago, with no continuation queued, is failed and says its lease expired.');
select is((select status from notion_sync.runs where run_id = :'continued'), 'running',
  'A run whose continue_run job waits stays running.');
select is((select status from notion_sync.runs where run_id = :'resting'), 'running',
  'A run whose lease ran out minutes ago stays running: the next start takes it over.');
select results_eq($$ select kind, done_at is null from notion_sync.jobs order by kind $$,
  $$ values ('continue_run', true), ('incremental', true), ('push', false) $$,
  'A job finished over a week ago is deleted; one finished yesterday and pending ones, however old, stay.');
select is((select count(*)::int from notion_sync.runs where run_id in (:'dead', :'continued', :'resting')), 3,
  'No run is deleted.');

select * from finish();
rollback;
