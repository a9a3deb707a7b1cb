-- What the web client needs to list a person's decisions after a reload and to answer every open
-- question of a run at once, decided here rather than in the client.
--
-- 1. Undo was offered only for the decisions taken in the current page session (the client kept
--    them in memory): after a reload, undoing an answer needed SQL. notion_sync_api.decisions lists
--    the questions a person answered, with what was decided (answer, choices, result) and when,
--    and says whether undo_resolution can undo each (undoable). The sync's own settlements are
--    not decisions and are left out: a question closed because it no longer applies (obsolete),
--    one a bulk answer's undo withdrew (withdrawn), and those answered by a rule rather than a
--    person ("by": the delete policy, the matcher, a revert, a pair linked again). The per-pair
--    questions a bulk answer decided (details.bulk_change) are left out too: the bulk answer is the
--    person's decision, and undoing it undoes them all. undoable is false for a skip (dismissed:
--    final, there is no resolution to undo) and for an approved bulk change (merge), which
--    undo_resolution refuses with 55000 because its run applied it (revert_run undoes that).
-- 2. The review handler answers every open question of a run (resolve {runId}, which is
--    resolve_conflicts(null, run, action)), but a client could not tell which answers that would
--    take without failing: a match question has no Keep Notion or Keep Supabase (22023, and the
--    whole call rolls back), and Keep Notion on a page a full scan only missed ("unverified",
--    never read in Notion) would delete its record on an absence alone, which the client never
--    offers for one question. notion_sync_api.runs now says per run how many open questions
--    resolve {runId} answers (open_questions: not the bulk change, which it leaves alone), how
--    many of each kind (open_kinds, for the confirmation's words), and which answers may be given
--    to all of them at once (answer_all).

-- columns appended: the view keeps its columns and their order, so callers reading it stay right
create or replace view notion_sync_api.runs with (security_invoker = true) as
select r.run_id, m.name as mapping, r.kind, r.mode, r.status, r.retrieved, r.inserted, r.updated,
       r.unchanged, r.conflicts, r.errors, r.started_at, r.finished_at,
       r.dry_run, r.summary, r.checkpoint, r.heartbeat_at, r.lease_expires_at,
       coalesce(r.finished_at, now()) - r.started_at as elapsed,
       coalesce(c.to_revert, 0) as to_revert,
       coalesce(c.reverted, 0) as reverted,
       (r.status <> 'running' and coalesce(c.to_revert, 0) > 0 and coalesce(c.reverted, 0) = 0) as revertible,
       coalesce(q.open_questions, 0) as open_questions,
       coalesce(q.open_kinds, '{}'::jsonb) as open_kinds,
       case
         when coalesce(q.open_questions, 0) = 0 then '{}'::text[]
         -- a match question is answered only by a link or "not the same item", one at a time
         when q.matches > 0 then '{}'::text[]
         -- Keep Notion deletes the record of a missing page: only once each page was read in Notion
         when q.unverified > 0 then array['prefer_supabase']
         else array['prefer_notion', 'prefer_supabase']
       end as answer_all
from notion_sync.runs r
join notion_sync.mappings m on m.mapping_id = r.mapping_id
left join lateral (
  -- the changes revert_run walks: the run's own, not a person's decisions logged under it
  select (count(*) filter (where ch.undone_at is null))::int as to_revert,
         (count(*) filter (where ch.undone_at is not null))::int as reverted
  from notion_sync.changes ch
  where ch.run_id = r.run_id and ch.conflict_id is null
) c on true
left join lateral (
  -- the questions resolve_conflicts(null, run, action) answers: open, not the bulk change
  select sum(k.n)::int as open_questions,
         jsonb_object_agg(k.kind, k.n) as open_kinds,
         coalesce(sum(k.n) filter (where k.kind in ('match_review', 'ambiguous')), 0) as matches,
         coalesce(sum(k.unverified), 0) as unverified
  from (
    select oc.kind, count(*)::int as n,
           count(*) filter (where oc.kind = 'page_missing' and oc.details ->> 'state' = 'unverified')::int as unverified
    from notion_sync.conflicts oc
    where oc.run_id = r.run_id and oc.status = 'open' and oc.kind <> 'bulk_change'
    group by oc.kind
  ) k
) q on true;
comment on view notion_sync_api.runs is
  'Runs with their counts and progress; to_revert: the changes revert_run would undo, reverted: '
  'those a revert undid, revertible: whether a person may revert the run now; open_questions and '
  'open_kinds: the open questions resolve_conflicts(null, run, action) answers, answer_all: the '
  'actions it may be given for all of them at once.';

create view notion_sync_api.decisions with (security_invoker = true) as
select c.conflict_id, m.name as mapping, c.run_id, c.kind, c.page_id, c.record_key,
       (select notion_sync.page_title(sp.raw) from notion_sync.staged_pages sp
        where sp.mapping_id = c.mapping_id and sp.page_id = c.page_id) as page_title,
       c.status, c.resolution ->> 'action' as answer, c.resolution -> 'choices' as choices,
       c.resolution -> 'result' as result, c.resolved_at as decided_at,
       -- what undo_resolution undoes: a resolution (a skip is final), but not an approved bulk
       -- change, which its run applied
       (c.status = 'resolved' and not (c.kind = 'bulk_change' and c.resolution ->> 'action' = 'merge')) as undoable
from notion_sync.conflicts c
join notion_sync.mappings m on m.mapping_id = c.mapping_id
where c.status in ('resolved', 'dismissed')
  and c.resolved_by is not null
  and c.resolution ->> 'action' in ('prefer_notion', 'prefer_supabase', 'merge', 'skip')
  -- answered by a rule (delete policy, matcher, revert, a pair linked again), not by a person
  and not c.resolution ? 'by'
  -- a pair's part of a bulk answer: the bulk answer is listed, and its undo undoes them all
  and not c.details ? 'bulk_change';
comment on view notion_sync_api.decisions is
  'The questions a person answered (not those the sync settled itself, nor the pairs of a bulk '
  'answer), with the answer, its choices and result, when, and whether undo_resolution can undo it.';
revoke all on notion_sync_api.decisions from public;
grant select on notion_sync_api.decisions to authenticated;
