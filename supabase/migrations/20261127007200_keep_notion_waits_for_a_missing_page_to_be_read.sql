-- Keep Notion on a page a full scan only missed waits until a run has read that page in Notion.
--
-- A completed full scan that does not see a linked page opens a page_missing question in state
-- "unverified": Notion's queries leave out the trash, and a page can also be unshared or moved, so
-- absence alone says nothing about what happened to it. The retrieve function then reads each such
-- page (pages_to_verify, verify_missing_page) and the question says what it found. Keep Notion
-- (prefer_notion) on a page_missing question deletes the record. The web client never offered it
-- while the question was unverified, and notion_sync_api.runs.answer_all left it out while such a
-- question was open, but SQL itself accepted it: resolve_conflict, resolve_conflicts (a list, or
-- every open question of a run, which the review handler's resolve {runId} calls) and
-- resolve_seen_conflict deleted the record on a scan's absence alone. Decisions live here, so the
-- refusal does too:
--
-- * resolve_conflict refuses prefer_notion on an unverified page_missing question with 55000 (the
--   "not now" of its neighbours: a question already decided, a page without staged values; the
--   functions answer it 409 not_ready), naming the page and saying that a run reads it first.
--   Keep Supabase (restore the page) and skip stay open to a person at once: neither deletes.
-- * resolve_conflicts with prefer_notion refuses as a whole, before it decides anything, when one of
--   the questions it would answer is such a question, naming those pages. It does not answer the
--   others and leave those open: "Keep Notion for all N questions" is one decision a person
--   confirmed with its counts, and answering part of it would make the answer differ from what was
--   confirmed, as a match question already makes the whole call fail (22023). answer_all keeps
--   leaving prefer_notion out while such a question is open, which is the same rule read ahead.
--
-- A bulk_change is not concerned. Its Keep Notion restores deleted records and never deletes: the
-- pairs whose page is missing are left (deletions_left) and the run's reconcile, with the delete
-- policy hold, asks about each as an unverified page_missing question. Accepting the deletions
-- (merge {"approve": "missing"}) lets the delete policy apply, and even trash_other_side deletes a
-- record only for a page staged in the trash; a page merely missed is asked about as unverified.

alter function notion_sync_api.resolve_conflict(uuid, text, jsonb) set schema notion_sync;
alter function notion_sync.resolve_conflict(uuid, text, jsonb) rename to resolve_conflict_once_verified;
comment on function notion_sync.resolve_conflict_once_verified(uuid, text, jsonb) is
  'notion_sync_api.resolve_conflict without its refusal of Keep Notion on a page not read in Notion '
  'yet: call notion_sync_api.resolve_conflict. Authenticated. Raises P0002, 55000, 22023.';
revoke execute on function notion_sync.resolve_conflict_once_verified(uuid, text, jsonb) from public;
grant execute on function notion_sync.resolve_conflict_once_verified(uuid, text, jsonb) to authenticated;

-- The pages of these questions that prefer_notion would delete the record of on a scan's absence
-- alone: open page_missing questions still unverified. Authenticated (RLS: the caller's); raises
-- nothing.
create function notion_sync.pages_not_read_yet(p_conflict_ids uuid[])
returns text[]
language sql
stable
set search_path = ''
as $$
  select coalesce(array_agg(c.page_id order by c.created_at, c.page_id), '{}')
  from notion_sync.conflicts c
  where c.conflict_id = any (p_conflict_ids)
    and c.kind = 'page_missing' and c.status = 'open'
    and c.details ->> 'state' = 'unverified'
$$;
comment on function notion_sync.pages_not_read_yet(uuid[]) is
  'The pages of these conflicts that are open page_missing questions still unverified (a full scan '
  'missed them, no run has read them in Notion): Keep Notion waits for them. Authenticated; raises '
  'nothing.';
revoke execute on function notion_sync.pages_not_read_yet(uuid[]) from public;
grant execute on function notion_sync.pages_not_read_yet(uuid[]) to authenticated;

-- Decides one conflict (resolve_conflict_once_verified), refusing Keep Notion on a page_missing
-- question no run has verified yet. Authenticated; raises P0002, 55000, 22023.
create function notion_sync_api.resolve_conflict(p_conflict_id uuid, p_action text, p_choices jsonb default '{}'::jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_pages text[];
begin
  if p_action = 'prefer_notion' then
    v_pages := notion_sync.pages_not_read_yet(array[p_conflict_id]);
    if cardinality(v_pages) > 0 then
      raise exception 'page % was only missed by a full scan and has not been read in Notion yet, so '
        'Keep Notion would delete its record on an absence alone: a run verifies the page first '
        '(the next retrieve reads it and says whether it is trashed, moved or unshared)', v_pages[1]
        using errcode = '55000',
              hint = 'Run a retrieve, then decide again; Keep Supabase (restore the page) or skip can be '
                     'chosen now.';
    end if;
  end if;
  return notion_sync.resolve_conflict_once_verified(p_conflict_id, p_action, p_choices);
end
$$;
comment on function notion_sync_api.resolve_conflict(uuid, text, jsonb) is
  'Resolves one of the caller''s open conflicts (prefer_supabase, prefer_notion, merge, skip); every '
  'applied value is logged in changes. A bulk change of held deletions answered with a side first '
  'restores that side''s half of each pair it lists (records from Notion, or pages queued for '
  'restore), never deleting; the answer counts them (restored_records or restoring_pages, '
  'deletions_left, and refused: records the table refused, whose own questions stay open). Answers '
  'status stale when a side moved on since, pending when a Notion value it would take cannot be read '
  'yet; both change nothing. Authenticated. Raises P0002, 55000 (not open, or prefer_notion on a '
  'page_missing question no run has read the page of yet), 22023 (bad action or choices).';
revoke execute on function notion_sync_api.resolve_conflict(uuid, text, jsonb) from public;
grant execute on function notion_sync_api.resolve_conflict(uuid, text, jsonb) to authenticated;

alter function notion_sync_api.resolve_conflicts(uuid[], uuid, text) set schema notion_sync;
alter function notion_sync.resolve_conflicts(uuid[], uuid, text) rename to resolve_conflicts_in_turn;
comment on function notion_sync.resolve_conflicts_in_turn(uuid[], uuid, text) is
  'notion_sync_api.resolve_conflicts without its refusal, as a whole, of Keep Notion while a page is '
  'not read in Notion yet: call notion_sync_api.resolve_conflicts. Authenticated. Raises 22023, and '
  'as resolve_conflict.';
revoke execute on function notion_sync.resolve_conflicts_in_turn(uuid[], uuid, text) from public;
grant execute on function notion_sync.resolve_conflicts_in_turn(uuid[], uuid, text) to authenticated;

-- Resolves a list of conflicts, or every open one of a run, with one action
-- (resolve_conflicts_in_turn); Keep Notion is refused as a whole, before anything is decided, while
-- one of them is a page_missing question no run has verified. Authenticated; raises 22023, 55000.
create function notion_sync_api.resolve_conflicts(
  p_conflict_ids uuid[] default null, p_run_id uuid default null, p_action text default 'skip')
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_pages text[];
begin
  if p_action = 'prefer_notion' then
    -- the questions resolve_conflicts_in_turn answers: open, not a bulk change
    v_pages := notion_sync.pages_not_read_yet(array(
      select c.conflict_id from notion_sync.conflicts c
      where c.status = 'open' and c.kind <> 'bulk_change'
        and (c.conflict_id = any (p_conflict_ids) or c.run_id = p_run_id)));
    if cardinality(v_pages) > 0 then
      raise exception 'Keep Notion for these questions would delete records on an absence alone: % of '
        'them concern a page only missed by a full scan and not read in Notion yet (%); nothing was '
        'decided: a run verifies those pages first',
        cardinality(v_pages), array_to_string(v_pages[1:5], ', ') || case when cardinality(v_pages) > 5 then ', …' else '' end
        using errcode = '55000',
              hint = 'Run a retrieve, then answer again; or answer with prefer_supabase, or each question on its own.';
    end if;
  end if;
  return notion_sync.resolve_conflicts_in_turn(p_conflict_ids, p_run_id, p_action);
end
$$;
comment on function notion_sync_api.resolve_conflicts(uuid[], uuid, text) is
  'Resolves a list of the caller''s conflicts, or every open one of a run (bulk_change reviews are '
  'left for a person), with one action; returns counts per outcome. prefer_notion is refused as a '
  'whole (55000, nothing decided) while one of them is a page_missing question whose page no run has '
  'read in Notion yet (runs.answer_all leaves it out then). Authenticated. Raises 22023, 55000.';
revoke execute on function notion_sync_api.resolve_conflicts(uuid[], uuid, text) from public;
grant execute on function notion_sync_api.resolve_conflicts(uuid[], uuid, text) to authenticated;
