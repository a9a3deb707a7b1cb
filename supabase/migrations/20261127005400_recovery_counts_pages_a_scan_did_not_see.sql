-- The recovery view counts what a restore could bring back: pages a full scan did not see, and
-- records deleted after they reached Notion.
--
-- recovery_facts counted as Notion's pages every staged page not in the trash, and as missing only
-- the pages with an open page_missing question. When a full scan misses many pages at once (a
-- bulk delete or purge in Notion, a page tree unshared from the integration), the safety valve
-- holds them in one bulk_change instead of a question per page: the view then said "40 pages" and
-- recommended nothing, for 30 pages gone. Now the pages an open bulk_change holds as missing are
-- missing too, and no missing page is counted among Notion's pages.
--
-- deleted_records counted every unresolved tombstone, also those of rows inserted and deleted
-- between two runs (an app's temporary rows), which never had a page: three such rows next to ten
-- linked records made the view recommend restoring Supabase from Notion ("3 of 10 linked records
-- were deleted"), which could bring none of them back. Now only records that had a page count.
--
-- The body is 20261126000800's with these counts changed.

create or replace function notion_sync.recovery_facts(p_mapping_id uuid)
returns table (records bigint, pages bigint, trashed_pages bigint, linked bigint, deleted_records bigint,
               missing_pages bigint, failed_runs_24h bigint, last_full_scan_at timestamptz,
               recommendation text, reason text)
language plpgsql
stable
set search_path = ''
as $$
declare
  v_name text;
begin
  select m.name into v_name from notion_sync.mappings m where m.mapping_id = p_mapping_id;
  records := notion_sync.mapping_record_count(p_mapping_id);
  select max(r.finished_at) into last_full_scan_at from notion_sync.runs r
  where r.mapping_id = p_mapping_id and r.mode = 'full' and r.status = 'completed' and r.checkpoint ? 'scan_completed_at';
  select count(*) filter (where not sp.in_trash), count(*) filter (where sp.in_trash)
  into pages, trashed_pages from notion_sync.staged_pages sp where sp.mapping_id = p_mapping_id;
  select count(*) into linked from notion_sync.links l where l.mapping_id = p_mapping_id;
  -- deleted records that had a page (linked when deleted, or since: a create answered after the
  -- delete); a row inserted and deleted between two runs never reached Notion, which cannot restore it
  select count(distinct t.record_key) into deleted_records from notion_sync.tombstones t
  where t.mapping_id = p_mapping_id and t.resolved_at is null
    and (t.page_id is not null
         or exists (select from notion_sync.links l where l.mapping_id = t.mapping_id and l.record_key = t.record_key));
  -- pages a completed full scan did not see: asked about (page_missing) or held by the safety valve
  -- (the records of an open bulk_change's held "missing", up to its diff's 1,000); trashed ones are
  -- counted as trashed
  select count(*) into missing_pages
  from (select distinct m.page_id
        from (select c.page_id from notion_sync.conflicts c
              where c.mapping_id = p_mapping_id and c.kind = 'page_missing' and c.status = 'open'
              union all
              select d ->> 'page_id' from notion_sync.conflicts c
              cross join lateral jsonb_array_elements(c.details -> 'diff' -> 'records') d
              where c.mapping_id = p_mapping_id and c.kind = 'bulk_change' and c.status = 'open'
                and c.details -> 'held' ? 'missing' and d ->> 'action' = 'page_missing') m
        where not exists (select from notion_sync.staged_pages sp
                          where sp.mapping_id = p_mapping_id and sp.page_id = m.page_id and sp.in_trash)) x;
  -- a missing page is not one of Notion's pages (its staged row still says live)
  pages := greatest(pages - missing_pages, 0);
  select count(*) into failed_runs_24h from notion_sync.runs r
  where r.mapping_id = p_mapping_id and r.status = 'failed' and r.started_at > now() - interval '24 hours';

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
  'Counts on both sides of a mapping (pages a full scan did not see, asked about or held, are missing; '
  'deleted records are those that had a page) '
  'and a recovery recommendation with its reason in words. Authenticated; raises nothing.';
revoke execute on function notion_sync.recovery_facts(uuid) from public;
grant execute on function notion_sync.recovery_facts(uuid) to authenticated, service_role;
