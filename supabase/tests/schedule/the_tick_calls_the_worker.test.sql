-- The tick's second half: when jobs are due it calls the worker function through net.http_post,
-- at the project URL and with the worker secret it reads from Vault, once per due job and at most
-- ten times a minute; when it cannot, each due job says why.
begin;
select plan(10);

-- only this file's jobs, requests and secrets count
update notion_sync.mappings set paused = true;
delete from notion_sync.jobs;
delete from net.http_request_queue;
delete from vault.secrets where name in ('notion_sync_project_url', 'notion_sync_worker_secret');

select tests.create_demo_mapping(tests.create_user('scheduled@example.com')) as mapping \gset
create function pg_temp.queue(p_kind text, p_due interval default '0', p_leased boolean default false)
returns void language sql as $$
  insert into notion_sync.jobs (owner_id, mapping_id, kind, due_at, lease_expires_at)
  select m.owner_id, m.mapping_id, p_kind, now() + p_due,
         case when p_leased then now() + interval '5 minutes' end
  from notion_sync.mappings m join auth.users u on u.id = m.owner_id
  where u.email = 'scheduled@example.com'
$$;

select is(notion_sync.call_worker(), 0, 'With no job due, the worker is not called.');

select pg_temp.queue('incremental');
select pg_temp.queue('push');
select pg_temp.queue('full_scan', '1 hour');
select is(notion_sync.call_worker(), 0, 'Without the Vault secrets, the worker is not called.');
select results_eq($$ select kind, last_error from notion_sync.jobs order by kind $$,
  $$ values ('full_scan', null),
            ('incremental', 'the scheduler cannot call the worker: store the Vault secrets notion_sync_project_url and notion_sync_worker_secret'),
            ('push', 'the scheduler cannot call the worker: store the Vault secrets notion_sync_project_url and notion_sync_worker_secret') $$,
  'Each due job says which secrets are missing; a job not due yet says nothing.');

select vault.create_secret('https://abc.supabase.co/', 'notion_sync_project_url');
select vault.create_secret('s3cret-s3cret-s3cret-s3cret-s3cret', 'notion_sync_worker_secret');
select is(notion_sync.call_worker(), 2, 'With the secrets stored, the worker is called once per due job.');
select results_eq($$ select method, url, headers, convert_from(body, 'UTF8')::jsonb, timeout_milliseconds
                     from net.http_request_queue order by id $$,
  $$ select 'POST', 'https://abc.supabase.co/functions/v1/worker',
            '{"content-type": "application/json", "x-worker-secret": "s3cret-s3cret-s3cret-s3cret-s3cret"}'::jsonb,
            '{"limit": 1}'::jsonb, 150000
     from generate_series(1, 2) $$,
  'Each call is a POST to the project''s worker function with the worker secret, for one job, allowed the hosted 150 s.');

delete from net.http_request_queue;
delete from notion_sync.jobs;
-- twelve more users' mappings with a job each: the worker serves every user
insert into notion_sync.jobs (owner_id, mapping_id, kind)
select owner_id, tests.create_demo_mapping(owner_id), 'incremental'
from (select tests.create_user(format('busy-%s@example.com', i)) as owner_id from generate_series(1, 12) i) u;
select pg_temp.queue('incremental', '0', true);
select is(notion_sync.call_worker(), 10, 'A tick calls the worker at most ten times.');
update notion_sync.jobs set lease_expires_at = now() + interval '5 minutes'
where job_id in (select job_id from notion_sync.jobs where lease_expires_at is null limit 5);
select is(notion_sync.call_worker(), 7, 'Jobs a worker already holds are not counted.');

-- a paused mapping's jobs wait
delete from notion_sync.jobs;
select pg_temp.queue('incremental');
update notion_sync.mappings set paused = true where name = 'tasks';
select is(notion_sync.call_worker(), 0, 'The jobs of a paused mapping do not call the worker.');
select tests.authenticate_as_service_role();
select is_empty($$ select * from notion_sync.claim_jobs(50) $$, 'Nor does the worker take them: they wait for the mapping to be resumed.');
select tests.clear_authentication();

select tests.authenticate_as((select id from auth.users where email = 'scheduled@example.com'));
select throws_ok('select notion_sync.tick()', '42501', null, 'A signed-in user cannot run the tick.');

select * from finish();
rollback;
