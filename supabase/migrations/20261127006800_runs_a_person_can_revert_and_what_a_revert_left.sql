-- What a person needs to revert a run and bring back what a revert left, without SQL.
--
-- The web client could neither list runs nor revert one, and the questions a revert leaves
-- (a page whose imported record was deleted, a record whose created page was trashed: dismissed,
-- "by": "revert", see 20261127006500) were seen only in SQL, so the page or record a person wants
-- back could not be brought back from the screen. Two things are decided here, not in the client:
--
-- 1. notion_sync_api.runs says, per run, how many of its changes a revert would undo (to_revert:
--    what revert_run walks, a person's decisions excluded), how many a revert already undid
--    (reverted), and whether the run may be reverted now (revertible: it is not running, it left
--    something to undo, and it was not reverted already, as a second revert would only try again
--    the changes a later edit kept as conflicts, asking about them twice).
-- 2. notion_sync_api.reverted_questions lists each question a revert left whose pair is still
--    apart (a pair linked again since has nothing to bring back), under the run that was reverted,
--    with the one answer that brings the page or the record back (bring_back): prefer_notion
--    imports a page again as a record, prefer_supabase takes a trashed page out of the trash.
--    A question answered leaves the list (resolve_one_conflict opens it again, then decides it).

-- columns appended: the view keeps its columns and their order, so callers reading it stay right
create or replace view notion_sync_api.runs with (security_invoker = true) as
select r.run_id, m.name as mapping, r.kind, r.mode, r.status, r.retrieved, r.inserted, r.updated,
       r.unchanged, r.conflicts, r.errors, r.started_at, r.finished_at,
       r.dry_run, r.summary, r.checkpoint, r.heartbeat_at, r.lease_expires_at,
       coalesce(r.finished_at, now()) - r.started_at as elapsed,
       coalesce(c.to_revert, 0) as to_revert,
       coalesce(c.reverted, 0) as reverted,
       (r.status <> 'running' and coalesce(c.to_revert, 0) > 0 and coalesce(c.reverted, 0) = 0) as revertible
from notion_sync.runs r
join notion_sync.mappings m on m.mapping_id = r.mapping_id
left join lateral (
  -- the changes revert_run walks: the run's own, not a person's decisions logged under it
  select (count(*) filter (where ch.undone_at is null))::int as to_revert,
         (count(*) filter (where ch.undone_at is not null))::int as reverted
  from notion_sync.changes ch
  where ch.run_id = r.run_id and ch.conflict_id is null
) c on true;
comment on view notion_sync_api.runs is
  'Runs with their counts and progress; to_revert: the changes revert_run would undo, reverted: '
  'those a revert undid, revertible: whether a person may revert the run now.';

create view notion_sync_api.reverted_questions with (security_invoker = true) as
select c.conflict_id, m.name as mapping, c.run_id, c.kind, c.page_id, c.record_key,
       (select notion_sync.page_title(sp.raw) from notion_sync.staged_pages sp
        where sp.mapping_id = c.mapping_id and sp.page_id = c.page_id) as page_title,
       c.details, c.resolved_at as reverted_at,
       -- the answer that brings back what the revert took (resolve_one_conflict opens it again)
       case c.kind when 'record_deleted' then 'prefer_notion' else 'prefer_supabase' end as bring_back
from notion_sync.conflicts c
join notion_sync.mappings m on m.mapping_id = c.mapping_id
where c.status = 'dismissed' and c.kind in ('record_deleted', 'page_missing')
  and c.resolution ->> 'by' = 'revert'
  -- still apart: the page has no record (record_deleted), the record no page (page_missing)
  and not exists (select from notion_sync.links l where l.mapping_id = c.mapping_id
                    and case c.kind when 'record_deleted' then l.page_id = c.page_id
                                    else l.record_key = c.record_key end);
comment on view notion_sync_api.reverted_questions is
  'The questions a run''s revert left (a page without its imported record, a record without its '
  'created page) whose pair is still apart, by run, with the answer that brings it back (bring_back).';
revoke all on notion_sync_api.reverted_questions from public;
grant select on notion_sync_api.reverted_questions to authenticated;
