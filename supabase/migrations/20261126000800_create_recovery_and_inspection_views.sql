-- Recovery detection (the seed's hook logic, in SQL) and the views a person or the web client
-- reads: runs with progress, open conflicts side by side per field, staged pages with their match,
-- recovery status with a recommendation in words, the outbox, and a health view. All views are
-- security_invoker: a user sees their own mappings only.

-- Rows of the mapping's table the caller can see (the owner's rows when there is an owner column).
create function notion_sync.mapping_record_count(p_mapping_id uuid)
returns bigint
language plpgsql
stable
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
  v_count bigint;
begin
  select * into v_map from notion_sync.mappings m where m.mapping_id = p_mapping_id;
  if not found or to_regclass(format('%I.%I', v_map.target_schema, v_map.target_table)) is null then
    return null;
  end if;
  execute format('select count(*) from %I.%I t where $1::text is null or (to_jsonb(t) ->> $1) = $2::text',
                 v_map.target_schema, v_map.target_table)
    into v_count using v_map.owner_column, v_map.owner_id;
  return v_count;
end
$$;
comment on function notion_sync.mapping_record_count(uuid) is
  'Number of the mapping owner''s rows in its table, as the caller sees them. Authenticated; raises nothing.';
revoke execute on function notion_sync.mapping_record_count(uuid) from public;
grant execute on function notion_sync.mapping_record_count(uuid) to authenticated, service_role;

-- Counts on both sides of a mapping and what a person should do about them.
create function notion_sync.recovery_facts(p_mapping_id uuid)
returns table (
  records bigint, pages bigint, trashed_pages bigint, linked bigint, deleted_records bigint,
  missing_pages bigint, failed_runs_24h bigint, last_full_scan_at timestamptz,
  recommendation text, reason text)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_name text;
  v_table text;
begin
  select m.name, format('%s.%s', m.target_schema, m.target_table) into v_name, v_table
  from notion_sync.mappings m where m.mapping_id = p_mapping_id;
  records := notion_sync.mapping_record_count(p_mapping_id);
  select count(*) filter (where not sp.in_trash), count(*) filter (where sp.in_trash)
  into pages, trashed_pages from notion_sync.staged_pages sp where sp.mapping_id = p_mapping_id;
  select count(*) into linked from notion_sync.links l where l.mapping_id = p_mapping_id;
  select count(distinct t.record_key) into deleted_records from notion_sync.tombstones t
  where t.mapping_id = p_mapping_id and t.resolved_at is null;
  -- missing: pages a completed full scan did not see (trashed ones are counted as trashed)
  select count(*) into missing_pages from notion_sync.conflicts c
  where c.mapping_id = p_mapping_id and c.kind = 'page_missing' and c.status = 'open'
    and not exists (select from notion_sync.staged_pages sp
                    where sp.mapping_id = c.mapping_id and sp.page_id = c.page_id and sp.in_trash);
  select count(*) into failed_runs_24h from notion_sync.runs r
  where r.mapping_id = p_mapping_id and r.status = 'failed' and r.started_at > now() - interval '24 hours';
  select max(r.finished_at) into last_full_scan_at from notion_sync.runs r
  where r.mapping_id = p_mapping_id and r.mode = 'full' and r.status = 'completed' and r.checkpoint ? 'scan_completed_at';

  if records = 0 and pages > 0 then
    recommendation := 'restore_supabase_from_notion';
    reason := format('%s has 0 rows; Notion has %s pages', v_name, pages);
  elsif linked > 0 and deleted_records >= greatest(1, ceil(linked * 0.1)) then
    recommendation := 'restore_supabase_from_notion';
    reason := format('%s of %s linked records of %s were deleted in Supabase', deleted_records, linked, v_name);
  elsif pages = 0 and trashed_pages = 0 and records > 0 and last_full_scan_at is not null then
    recommendation := 'restore_notion_from_supabase';
    reason := format('Notion has 0 pages; %s has %s rows', v_name, records);
  elsif linked > 0 and (trashed_pages + missing_pages) >= greatest(1, ceil(linked * 0.1)) then
    recommendation := 'restore_notion_from_supabase';
    reason := format('%s of %s linked pages of %s are trashed or missing in Notion',
                     trashed_pages + missing_pages, linked, v_name);
  else
    recommendation := 'none';
    reason := format('%s: %s rows, %s pages, %s linked', v_name, coalesce(records, 0), pages, linked);
  end if;
  return next;
end
$$;
comment on function notion_sync.recovery_facts(uuid) is
  'Counts on both sides of a mapping and a recovery recommendation with its reason in words. '
  'Authenticated; raises nothing.';
revoke execute on function notion_sync.recovery_facts(uuid) from public;
grant execute on function notion_sync.recovery_facts(uuid) to authenticated, service_role;

create view notion_sync_api.recovery with (security_invoker = true) as
select m.mapping_id, m.name as mapping, f.*
from notion_sync.mappings m
cross join lateral notion_sync.recovery_facts(m.mapping_id) f;
comment on view notion_sync_api.recovery is
  'Per mapping: rows, pages, trashed, linked, deleted, missing, recent failures, and a recommendation '
  '(restore_supabase_from_notion, restore_notion_from_supabase, none) with the reason.';
grant select on notion_sync_api.recovery to authenticated;

-- runs, with progress
create or replace view notion_sync_api.runs with (security_invoker = true) as
select r.run_id, m.name as mapping, r.kind, r.mode, r.status, r.retrieved, r.inserted, r.updated,
       r.unchanged, r.conflicts, r.errors, r.started_at, r.finished_at,
       r.dry_run, r.summary, r.checkpoint, r.heartbeat_at, r.lease_expires_at,
       coalesce(r.finished_at, now()) - r.started_at as elapsed
from notion_sync.runs r
join notion_sync.mappings m on m.mapping_id = r.mapping_id;

-- open conflicts, one row per field (base, Notion and Supabase side by side)
create view notion_sync_api.open_conflicts with (security_invoker = true) as
select c.conflict_id, m.name as mapping, c.kind, c.page_id, c.record_key, f.key as field,
       f.value -> 'base' as base, f.value -> 'notion' as notion, f.value -> 'supabase' as supabase,
       c.details, c.run_id, c.created_at
from notion_sync.conflicts c
join notion_sync.mappings m on m.mapping_id = c.mapping_id
left join lateral jsonb_each(c.fields) f on true
where c.status = 'open';
grant select on notion_sync_api.open_conflicts to authenticated;

-- staged pages with their match
create view notion_sync_api.staged_pages with (security_invoker = true) as
select m.name as mapping, sp.page_id,
       (select string_agg(t ->> 'plain_text', '') from jsonb_each(sp.raw -> 'properties') p,
               jsonb_array_elements(p.value -> 'title') t where p.value ->> 'type' = 'title') as title,
       sp.last_edited_time, sp.in_trash, l.record_key,
       case when l.record_key is not null then 'linked'
            when exists (select from notion_sync.conflicts c where c.mapping_id = sp.mapping_id
                           and c.page_id = sp.page_id and c.status = 'open'
                           and c.kind in ('match_review', 'ambiguous')) then 'in_review'
            else 'unmatched' end as match,
       sp.seen_in_run, sp.changed_in_run, sp.staged_at
from notion_sync.staged_pages sp
join notion_sync.mappings m on m.mapping_id = sp.mapping_id
left join notion_sync.links l on l.mapping_id = sp.mapping_id and l.page_id = sp.page_id;
grant select on notion_sync_api.staged_pages to authenticated;

-- the outbox
create view notion_sync_api.outbox with (security_invoker = true) as
select o.outbox_id, m.name as mapping, o.op, o.page_id, o.record_key, o.status, o.attempts,
       o.next_attempt_at, o.properties, o.outcome ->> 'last_error' as last_error, o.created_at, o.updated_at
from notion_sync.outbox o
join notion_sync.mappings m on m.mapping_id = o.mapping_id;
grant select on notion_sync_api.outbox to authenticated;

-- health per mapping
create view notion_sync_api.health with (security_invoker = true) as
select m.mapping_id, m.name as mapping, m.paused,
       s.last_success_at, now() - s.last_success_at as lag,
       (select count(*) from notion_sync.runs r where r.mapping_id = m.mapping_id and r.status = 'failed'
          and r.started_at > coalesce(s.last_success_at, '-infinity')) as failure_streak,
       (select count(*) from notion_sync.outbox o where o.mapping_id = m.mapping_id
          and o.status in ('pending', 'in_flight')) as outbox_depth,
       (select now() - min(o.created_at) from notion_sync.outbox o where o.mapping_id = m.mapping_id
          and o.status in ('pending', 'in_flight')) as oldest_outbox_age,
       (select count(*) from notion_sync.conflicts c where c.mapping_id = m.mapping_id and c.status = 'open') as open_conflicts,
       (select e ->> 'message' from notion_sync.runs r, jsonb_array_elements(r.errors) e
        where r.mapping_id = m.mapping_id and r.status = 'failed' order by r.started_at desc limit 1) as last_error
from notion_sync.mappings m
cross join lateral (select max(r.finished_at) as last_success_at from notion_sync.runs r
                    where r.mapping_id = m.mapping_id and r.status = 'completed') s;
grant select on notion_sync_api.health to authenticated;
