-- The tick's first half: each mapping that runs on its own (unpaused, validated, its first
-- retrieve run by a person) and has no live run gets the retrieve its cadence makes due (a full scan when the last one is older than full_scan_interval, else an
-- incremental one when the last retrieve is older than incremental_interval) and a push when a
-- write in its outbox is due; never a second pending job of a kind.
begin;
select plan(10);

-- only this file's mappings and jobs count
update notion_sync.mappings set paused = true;
delete from notion_sync.jobs;

create function pg_temp.mapping(p_email text, p_runs jsonb default '[]') returns uuid language plpgsql as $$
declare
  v_user uuid := tests.create_user(p_email);
  v_mapping uuid := tests.create_demo_mapping(v_user);
  v_run jsonb;
begin
  update notion_sync.mappings set validated_at = now() where mapping_id = v_mapping;
  -- each run: {mode, ago (an interval), status}
  for v_run in select * from jsonb_array_elements(p_runs) loop
    insert into notion_sync.runs (owner_id, mapping_id, kind, mode, status, started_at, finished_at)
    values (v_user, v_mapping, 'retrieve', v_run ->> 'mode', coalesce(v_run ->> 'status', 'completed'),
            now() - (v_run ->> 'ago')::interval,
            case when coalesce(v_run ->> 'status', 'completed') <> 'running'
                 then now() - (v_run ->> 'ago')::interval + interval '10 seconds' end);
  end loop;
  return v_mapping;
end $$;
create function pg_temp.jobs_of(p_email text) returns text[] language sql as $$
  select coalesce(array_agg(j.kind order by j.kind), '{}')
  from notion_sync.jobs j join auth.users u on u.id = j.owner_id
  where u.email = p_email and j.done_at is null
$$;

select pg_temp.mapping('never@example.com');
select pg_temp.mapping('dry@example.com', '[{"mode":"full","ago":"2 days"}]');
update notion_sync.runs set dry_run = true
where owner_id = (select id from auth.users where email = 'dry@example.com');
select pg_temp.mapping('first-failed@example.com', '[{"mode":"full","ago":"2 days","status":"failed"}]');
select pg_temp.mapping('stale@example.com', '[{"mode":"full","ago":"2 hours"}]');
select pg_temp.mapping('fresh@example.com', '[{"mode":"full","ago":"2 hours"},{"mode":"incremental","ago":"1 minute"}]');
select pg_temp.mapping('old-scan@example.com', '[{"mode":"full","ago":"2 days"},{"mode":"incremental","ago":"10 minutes"}]');
select pg_temp.mapping('hourly@example.com', '[{"mode":"full","ago":"2 hours"},{"mode":"incremental","ago":"30 minutes"}]');
update notion_sync.mappings set incremental_interval = '1 hour'
where owner_id = (select id from auth.users where email = 'hourly@example.com');
select pg_temp.mapping('failed@example.com', '[{"mode":"full","ago":"2 hours"},{"mode":"incremental","ago":"1 minute","status":"failed"}]');
select pg_temp.mapping('paused@example.com', '[{"mode":"full","ago":"2 days"}]');
update notion_sync.mappings set paused = true
where owner_id = (select id from auth.users where email = 'paused@example.com');
select pg_temp.mapping('unchecked@example.com', '[{"mode":"full","ago":"2 days"}]');
update notion_sync.mappings set validated_at = null
where owner_id = (select id from auth.users where email = 'unchecked@example.com');
select pg_temp.mapping('busy@example.com', '[{"mode":"full","ago":"3 days"},{"mode":"full","ago":"2 days","status":"running"}]');
select pg_temp.mapping('continuing@example.com', '[{"mode":"full","ago":"2 hours"}]') as continuing \gset
insert into notion_sync.jobs (owner_id, mapping_id, kind)
select owner_id, mapping_id, 'continue_run' from notion_sync.mappings where mapping_id = :'continuing';
select pg_temp.mapping('push@example.com', '[{"mode":"full","ago":"2 hours"},{"mode":"incremental","ago":"1 minute"}]') as push \gset
select pg_temp.mapping('push-later@example.com', '[{"mode":"full","ago":"2 hours"},{"mode":"incremental","ago":"1 minute"}]') as push_later \gset
insert into notion_sync.outbox (owner_id, mapping_id, op, page_id, next_attempt_at)
select owner_id, mapping_id, 'update', 'p1',
       case when mapping_id = :'push' then now() else now() + interval '1 minute' end
from notion_sync.mappings where mapping_id in (:'push', :'push_later');

select results_eq($$ select kind, queued from notion_sync.enqueue_due_jobs() $$,
  $$ values ('full_scan', 1), ('incremental', 1), ('push', 1) $$,
  'It answers how many jobs of each kind it queued.');
select is(pg_temp.jobs_of('never@example.com') || pg_temp.jobs_of('dry@example.com')
          || pg_temp.jobs_of('first-failed@example.com'), '{}',
  'A mapping whose first retrieve no person has run to completion (only a dry run, or a failed one) gets nothing: that run decides what a first contact imports.');
select is(pg_temp.jobs_of('stale@example.com'), '{incremental}',
  'A mapping last retrieved longer ago than its incremental interval gets an incremental retrieve.');
select is(pg_temp.jobs_of('old-scan@example.com'), '{full_scan}',
  'A mapping whose last full scan is older than its full-scan interval gets a full scan, not an incremental retrieve.');
select is(pg_temp.jobs_of('fresh@example.com') || pg_temp.jobs_of('hourly@example.com')
          || pg_temp.jobs_of('failed@example.com'), '{}',
  'A mapping retrieved within its interval, whatever the interval and however that run ended, gets nothing.');
select is(pg_temp.jobs_of('paused@example.com') || pg_temp.jobs_of('unchecked@example.com')
          || pg_temp.jobs_of('busy@example.com'), '{}',
  'A paused mapping, a mapping never validated and a mapping with a live run get nothing.');
select is(pg_temp.jobs_of('continuing@example.com'), '{continue_run}',
  'A mapping whose run waits to be continued gets no new retrieve.');
select is(pg_temp.jobs_of('push@example.com'), '{push}',
  'A mapping with a write due in its outbox gets a push.');
select is(pg_temp.jobs_of('push-later@example.com'), '{}',
  'A mapping whose writes are not due yet gets no push.');

select is_empty($$ select * from notion_sync.enqueue_due_jobs() $$,
  'Called again at once, it queues nothing: a mapping never has two pending jobs of a kind.');

select * from finish();
rollback;
