-- Old runs that left nothing behind are deleted once a day, so a mapping on the one-minute schedule
-- does not keep half a million runs a year, most of them an incremental retrieve that read nothing.
--
-- A run is kept for ever when anything else still names it: a change (undo and revert-run read
-- them), a question, an outbox write, a run that reverted it, a staged page whose edit it staged
-- (adopt_unapplied_changes hands a failed run's edits to the next run), or a job waiting on it.
-- The runs the sync reads by time are kept too: per mapping, the newest completed full scan
-- (missed_by_the_last_full_scan, first contact), the newest completed retrieve with a watermark
-- (plan_retrieve), the newest completed retrieve that was not dry (runs_on_its_own), and every run
-- started since the oldest of the three (the scheduler's "last retrieve started", and a staged
-- page's seen_in_run compared with the last scan: a run started before that scan reads as older
-- whether it is kept or not). A mapping with no completed full scan keeps all its runs.
-- A pruned run's id may still be a staged page's seen_in_run; nothing joins it but that comparison.

create function notion_sync.prune_runs(p_older_than interval default interval '30 days')
returns integer
language sql
set search_path = ''
as $$
  with kept_since as (
    select m.mapping_id,
           least(scan.started_at, watermark.started_at, applied.started_at) as started_at
    from notion_sync.mappings m
    cross join lateral (
      select f.started_at from notion_sync.runs f
      where f.mapping_id = m.mapping_id and f.kind = 'retrieve' and f.mode = 'full'
        and f.status = 'completed' and f.checkpoint ? 'scan_completed_at'
      order by f.started_at desc limit 1) scan
    left join lateral (
      select w.started_at from notion_sync.runs w
      where w.mapping_id = m.mapping_id and w.kind = 'retrieve' and w.status = 'completed'
        and w.checkpoint ? 'watermark'
      order by w.started_at desc limit 1) watermark on true
    left join lateral (
      select a.started_at from notion_sync.runs a
      where a.mapping_id = m.mapping_id and a.kind = 'retrieve' and a.status = 'completed'
        and not a.dry_run
      order by a.started_at desc limit 1) applied on true
  ), pruned as (
    delete from notion_sync.runs r
    using kept_since k
    where r.mapping_id = k.mapping_id
      and r.started_at < k.started_at
      and r.status <> 'running'
      and coalesce(r.finished_at, r.heartbeat_at) < now() - p_older_than
      and not exists (select from notion_sync.changes c where c.run_id = r.run_id)
      and not exists (select from notion_sync.conflicts c where c.run_id = r.run_id)
      and not exists (select from notion_sync.outbox o where o.run_id = r.run_id)
      and not exists (select from notion_sync.runs child where child.parent_run_id = r.run_id)
      and not exists (select from notion_sync.staged_pages sp where sp.changed_in_run = r.run_id)
      and not exists (select from notion_sync.jobs j
                      where j.mapping_id = r.mapping_id and j.payload ->> 'run_id' = r.run_id::text)
    returning 1
  )
  select count(*)::integer from pruned
$$;

comment on function notion_sync.prune_runs(interval) is
  'Deletes runs finished longer ago than p_older_than (30 days) that left no change, question, outbox '
  'write, revert, staged edit or job, and that the sync no longer reads by time. pg_cron calls it daily '
  '(job notion-sync-prune). Answers how many it deleted.';

revoke execute on function notion_sync.prune_runs(interval) from public;
grant execute on function notion_sync.prune_runs(interval) to service_role;

do $$
begin
  if exists (select from pg_extension where extname = 'pg_cron') then
    perform cron.schedule('notion-sync-prune', '17 3 * * *', 'select notion_sync.prune_runs()');
  else
    raise notice 'pg_cron is not enabled, so old runs are never pruned: enable it, then run '
      'select cron.schedule(''notion-sync-prune'', ''17 3 * * *'', ''select notion_sync.prune_runs()'')';
  end if;
end
$$;
