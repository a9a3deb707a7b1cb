-- Once a day pg_cron deletes runs finished over 30 days ago that left nothing behind (no change,
-- question, outbox write, revert, staged edit or waiting job) and that the sync no longer reads by
-- time: the newest completed full scan, the newest completed retrieve with a watermark, the newest
-- applied retrieve, and every run since the oldest of them are kept.
begin;
select plan(7);

select is((select array[schedule, command, database] from cron.job where jobname = 'notion-sync-prune'),
  array['17 3 * * *', 'select notion_sync.prune_runs()', current_database()::text],
  'pg_cron prunes runs once a day, in this database.');

create temp table labelled (label text primary key, run_id uuid);

-- label, mapping (a: scans completed; b: its newest full scan was dry; c: never completed a scan),
-- status, mode, started days ago, dry, checkpoint
create function pg_temp.run(p_label text, p_mapping uuid, p_status text, p_mode text, p_days int,
                            p_dry boolean default false, p_checkpoint jsonb default '{}')
returns void language sql as $$
  with r as (
    insert into notion_sync.runs (owner_id, mapping_id, kind, mode, status, dry_run, checkpoint,
                                  started_at, heartbeat_at, finished_at)
    select m.owner_id, m.mapping_id, 'retrieve', p_mode, p_status, p_dry, p_checkpoint,
           now() - make_interval(days => p_days), now() - make_interval(days => p_days),
           case when p_status <> 'running' then now() - make_interval(days => p_days) end
    from notion_sync.mappings m where m.mapping_id = p_mapping
    returning run_id)
  insert into labelled select p_label, run_id from r
$$;

select tests.create_demo_mapping(tests.create_user('a@example.com')) as a \gset
select tests.create_demo_mapping(tests.create_user('b@example.com')) as b \gset
select tests.create_demo_mapping(tests.create_user('c@example.com')) as c \gset
update notion_sync.mappings set paused = true;

select pg_temp.run('a: an older full scan', :'a', 'completed', 'full', 90, false,
                   '{"scan_completed_at": "x", "watermark": "2026-08-29T00:00:00Z"}');
select pg_temp.run('a: an incremental run that read nothing', :'a', 'completed', 'incremental', 60);
select pg_temp.run('a: a run that failed', :'a', 'failed', 'incremental', 60);
select pg_temp.run('a: a run with a change', :'a', 'completed', 'incremental', 60);
select pg_temp.run('a: a run with a question', :'a', 'completed', 'incremental', 60);
select pg_temp.run('a: a run with an outbox write', :'a', 'completed', 'incremental', 60);
select pg_temp.run('a: a reverted run', :'a', 'completed', 'incremental', 60);
select pg_temp.run('a: the revert', :'a', 'completed', 'incremental', 59);
select pg_temp.run('a: a failed run whose edit waits', :'a', 'failed', 'incremental', 58);
select pg_temp.run('a: a run a job waits on', :'a', 'failed', 'incremental', 57);
select pg_temp.run('a: the newest full scan', :'a', 'completed', 'full', 45, false,
                   '{"scan_completed_at": "x", "watermark": "2026-10-13T00:00:00Z"}');
select pg_temp.run('a: a run since the newest scan', :'a', 'completed', 'incremental', 40);
select pg_temp.run('a: a recent run', :'a', 'completed', 'incremental', 10);
select pg_temp.run('a: a running run', :'a', 'running', 'incremental', 70);

select pg_temp.run('b: an older run', :'b', 'completed', 'incremental', 80);
select pg_temp.run('b: the newest applied retrieve', :'b', 'completed', 'incremental', 70, false,
                   '{"watermark": "2026-09-18T00:00:00Z"}');
select pg_temp.run('b: a run before the dry scan', :'b', 'completed', 'incremental', 55);
select pg_temp.run('b: a dry full scan', :'b', 'completed', 'full', 50, true, '{"scan_completed_at": "x"}');

select pg_temp.run('c: a full scan that failed', :'c', 'failed', 'full', 80);

update notion_sync.runs set parent_run_id = (select run_id from labelled where label = 'a: a reverted run')
where run_id = (select run_id from labelled where label = 'a: the revert');
insert into notion_sync.changes (owner_id, mapping_id, run_id, side, field, record_key)
select r.owner_id, r.mapping_id, r.run_id, 'supabase', 'done', 't1'
from notion_sync.runs r join labelled l using (run_id)
where l.label in ('a: a run with a change', 'a: the revert');
insert into notion_sync.conflicts (owner_id, mapping_id, run_id, kind, page_id, status)
select r.owner_id, r.mapping_id, r.run_id, 'match_review', 'p1', 'open'
from notion_sync.runs r join labelled l using (run_id) where l.label = 'a: a run with a question';
insert into notion_sync.outbox (owner_id, mapping_id, run_id, op, page_id, record_key, status)
select r.owner_id, r.mapping_id, r.run_id, 'update', 'p1', 't1', 'done'
from notion_sync.runs r join labelled l using (run_id) where l.label = 'a: a run with an outbox write';
insert into notion_sync.staged_pages (owner_id, mapping_id, page_id, raw, mapped_values, values_hash,
                                      last_edited_time, changed_in_run)
select r.owner_id, r.mapping_id, 'p1', '{}', '{}', 'h', now(), r.run_id
from notion_sync.runs r join labelled l using (run_id) where l.label = 'a: a failed run whose edit waits';
insert into notion_sync.jobs (owner_id, mapping_id, kind, payload)
select r.owner_id, r.mapping_id, 'continue_run', jsonb_build_object('run_id', r.run_id)
from notion_sync.runs r join labelled l using (run_id) where l.label = 'a: a run a job waits on';

select is(notion_sync.prune_runs(interval '100 days'), 0,
  'Runs finished more recently than the age given are kept.');
select is(notion_sync.prune_runs(), 4, 'prune_runs answers how many runs it deleted.');
select results_eq(
  $$ select l.label from labelled l where l.label like 'a:%'
       and not exists (select from notion_sync.runs r where r.run_id = l.run_id) order by 1 $$,
  $$ values ('a: a run that failed'), ('a: an incremental run that read nothing'), ('a: an older full scan') $$,
  'Runs older than the newest full scan that left nothing are deleted, failed ones too.');
select results_eq(
  $$ select l.label from labelled l where l.label like 'a:%'
       and exists (select from notion_sync.runs r where r.run_id = l.run_id) order by 1 $$,
  $$ values ('a: a failed run whose edit waits'), ('a: a recent run'), ('a: a reverted run'),
            ('a: a run a job waits on'), ('a: a run since the newest scan'), ('a: a run with a change'),
            ('a: a run with a question'), ('a: a run with an outbox write'), ('a: a running run'),
            ('a: the newest full scan'), ('a: the revert') $$,
  'A run that something names, the newest full scan, runs since it, recent and running runs are kept.');
select results_eq(
  $$ select l.label from labelled l where l.label like 'b:%'
       and exists (select from notion_sync.runs r where r.run_id = l.run_id) order by 1 $$,
  $$ values ('b: a dry full scan'), ('b: a run before the dry scan'), ('b: the newest applied retrieve') $$,
  'When the newest full scan was dry, the newest applied retrieve and the runs since it are kept.');
select ok(exists (select from notion_sync.runs r join labelled l using (run_id)
                  where l.label = 'c: a full scan that failed'),
  'A mapping that never completed a full scan keeps its runs.');

select * from finish();
rollback;
