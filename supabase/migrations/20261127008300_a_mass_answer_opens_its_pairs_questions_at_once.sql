-- The answer to a held mass deletion opens its pairs' questions in one statement, not pair by pair.
--
-- Keep Notion (or Keep Supabase) on a bulk question of deletions opens each pair's own question and
-- decides it at once. open_conflict opened it, after looking for an open question of the pair to
-- refresh (`page_id is not distinct from … and record_key is not distinct from …`, which no index
-- serves): that look-up read every entry of conflicts_open_idx for the mapping, and each question
-- the answer had opened and decided before left one there, which nothing can clean up while the
-- transaction runs. The Nth pair read N entries, 1,000 pairs about 530,000 (pg_stat_xact counts);
-- Keep Notion cost 2.7, 3.0, 5.3 ms a record at 1,000, 5,000, 10,000 (bench/recovery_bench.ts),
-- the look-up 1.05 ms and 580 buffers of it a pair at 10,000 (pg_stat_statements).
--
-- An index for that look-up works only when the planner takes it. Its statistics do not know the
-- questions opened in this transaction, so it may take the mapping for one with an open question
-- or none; then an index on (mapping_id, kind, page_id, record_key) and conflicts_open_idx cost
-- the same (6.03 each in a test) and either may be chosen (both were, in repeated runs of one
-- experiment). A key of the pair computed by a function, which only its own index could serve, is
-- no index condition under row security (the function is not leakproof, and only a superuser can
-- declare one). A unique index of open questions per pair with `insert … on conflict` needs no
-- planner, but two open questions of a pair can exist: an undo reopens an answered question while
-- a newer one is open and only then merges them
-- (undoing_an_answer_whose_push_failed_leaves_one_question), so building the index could fail on
-- existing data and that undo would raise.
--
-- Here the look-up never found anything: the pairs the answer takes leave out every page with an
-- open question of a deletion (record_deleted or page_missing), the only questions it could have
-- refreshed (and its check of dismissed questions concerns questions with values). So the statement
-- that picks the pairs now also opens their questions, one new question each, as open_conflict did
-- (same owner, run, kind, page, record, details), and each is decided in turn as before. Nothing
-- reads the mapping's questions once per pair; open_conflict and its other callers are unchanged.
-- (The one difference is a race: a deletion question of one of these pairs that another
-- transaction commits while the answer runs was refreshed and decided if it came before the
-- pair's turn; it is now left open, as it already was when it came after.)

-- Decides a conflict whose pages were verified; a bulk_change holding deletions, answered with a
-- side to keep, first opens and decides each pair's own question. The 20261127005300 body
-- (resolve_verified_conflict since 20261127008100), the pairs' questions opened in one statement.
-- Authenticated; raises P0002, 55000, 22023.
create or replace function notion_sync.resolve_verified_conflict(p_conflict_id uuid, p_action text,
                                                                 p_choices jsonb default '{}'::jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_c notion_sync.conflicts;
  v_kind text := case p_action when 'prefer_notion' then 'record_deleted' when 'prefer_supabase' then 'page_missing' end;
  v_pair record;
  v_id uuid;
  v_restored integer := 0;
  v_left integer := 0;
  v_refused integer := 0;
  v_result jsonb;
  -- the direction a bulk question's answer approves, and what its diff calls those changes
  v_approved text := case p_action when 'prefer_notion' then 'notion_to_supabase'
                                   when 'prefer_supabase' then 'supabase_to_notion'
                                   when 'merge' then p_choices ->> 'approve' end;
  v_done text[];
  v_still_held jsonb;
  v_policy text;
begin
  select * into v_c from notion_sync.conflicts c where c.conflict_id = p_conflict_id;
  if found and v_c.kind = 'bulk_change' and v_c.status = 'open' and exists (
       select from notion_sync.runs r, notion_sync.runs q
       where q.run_id = v_c.run_id and r.mapping_id = v_c.mapping_id and r.kind = 'retrieve'
         and r.mode = 'full' and r.status = 'completed' and r.checkpoint ? 'scan_completed_at'
         and r.started_at > q.started_at) then
    -- a later full scan held nothing of it (one that held would have taken the question over):
    -- deciding it would reconcile an old run against pages staged since
    update notion_sync.conflicts c
    set status = 'resolved', resolved_at = now(), resolved_by = (select auth.uid()),
        resolution = jsonb_build_object('action', 'obsolete', 'state', 'superseded')
    where c.conflict_id = p_conflict_id;
    return jsonb_build_object('status', 'stale', 'message',
      'a later full scan no longer holds this change; nothing was changed: look at the questions again');
  end if;
  if found and v_c.kind = 'bulk_change' and v_c.status = 'open' and v_kind is not null
     and v_c.details -> 'held' ? 'missing' then
    -- the pairs the run holds as missing, from what is staged and recorded now (the question's diff
    -- lists at most 1,000): records deleted (an open tombstone) whose page the scan saw live, and
    -- pages the scan did not see live whose record is there; neither with a question or a write
    -- of its own waiting
    for v_pair in
      with pairs as (
        -- the candidates: a page the scan did not see live, or a record with an open tombstone
        select l.page_id, l.record_key,
               (sp.seen_in_run is not distinct from v_c.run_id and not sp.in_trash) as page_live
        from notion_sync.links l
        left join notion_sync.staged_pages sp on sp.mapping_id = l.mapping_id and sp.page_id = l.page_id
        where l.mapping_id = v_c.mapping_id
          and (not (sp.seen_in_run is not distinct from v_c.run_id and not sp.in_trash)
               or exists (select from notion_sync.tombstones t where t.mapping_id = l.mapping_id
                            and t.record_key = l.record_key and t.resolved_at is null))
          and not exists (select from notion_sync.conflicts c where c.mapping_id = l.mapping_id
                            and c.page_id = l.page_id and c.status = 'open'
                            and c.kind in ('record_deleted', 'page_missing'))
          and not exists (select from notion_sync.outbox o where o.mapping_id = l.mapping_id
                            and o.page_id = l.page_id and o.op in ('trash', 'restore')
                            and o.status in ('pending', 'in_flight'))
      ), present as (
        -- the table is read for the candidates only
        select s.record_key from notion_sync.record_column_values(v_c.mapping_id,
          (select array_agg(p.record_key) from pairs p)) s
      ), held as (
        select case when p.page_live then 'record_deleted' else 'page_missing' end as action, p.page_id, p.record_key
        from pairs p
        where (p.page_live and p.record_key not in (select record_key from present))
           or (not p.page_live and p.record_key in (select record_key from present))
      ), asked as (
        -- each pair whose side the person keeps gets its own question, all of them here, in the
        -- statement that picks the pairs: pairs leaves out every page with an open question of a
        -- deletion, so there is none to refresh (open_conflict, called pair by pair, always opened
        -- a new one, after reading every question this answer had opened and decided before)
        insert into notion_sync.conflicts (owner_id, mapping_id, run_id, kind, page_id, record_key, fields,
                                           details)
        select v_c.owner_id, v_c.mapping_id, v_c.run_id, h.action, h.page_id, h.record_key, '{}'::jsonb,
               jsonb_build_object('state', case v_kind when 'record_deleted' then 'deleted' else 'missing' end,
                                  'bulk_change', p_conflict_id)
        from held h
        where h.action = v_kind
        returning conflict_id, page_id
      )
      select h.action, h.page_id, h.record_key, a.conflict_id
      from held h left join asked a on a.page_id = h.page_id
      order by h.record_key
    loop
      if v_pair.action <> v_kind then
        v_left := v_left + 1;   -- keeping this side here would delete the other's half
      else
        -- the pair's own question, decided at once with the side the person keeps
        v_id := v_pair.conflict_id;
        -- a record the table refuses (a check, a trigger, its policy) or a page without staged
        -- values must not undo the other restores: its question stays open, saying why
        begin
          perform notion_sync.resolve_one_conflict(v_id, p_action, '{}'::jsonb);
          v_restored := v_restored + 1;
        exception when integrity_constraint_violation or data_exception or raise_exception
                       or insufficient_privilege or sqlstate '55000' then
          update notion_sync.conflicts c
          set details = c.details || jsonb_build_object('error', 'the record could not be restored: ' || sqlerrm)
          where c.conflict_id = v_id;
          v_refused := v_refused + 1;
        end;
      end if;
    end loop;
  end if;
  if v_c.kind = 'bulk_change' and v_c.details -> 'held' ? 'missing' and v_approved is distinct from 'missing'
     and p_action <> 'skip' then
    -- the run is reconciled again to apply the approved side; the deletions this answer did not
    -- approve must not follow the mapping's delete policy there (fewer than held, they may fall
    -- under the threshold): for that reconcile the policy is hold, so each is asked about
    select m.delete_policy into v_policy from notion_sync.mappings m
    where m.mapping_id = v_c.mapping_id and m.delete_policy <> 'hold';
    update notion_sync.mappings m set delete_policy = 'hold' where m.mapping_id = v_c.mapping_id and v_policy is not null;
  end if;
  v_result := notion_sync.resolve_one_conflict(p_conflict_id, p_action, p_choices);
  update notion_sync.mappings m set delete_policy = v_policy where m.mapping_id = v_c.mapping_id and v_policy is not null;
  v_still_held := coalesce(v_result -> 'held', '[]'::jsonb) - coalesce(v_approved, '');
  if v_c.kind = 'bulk_change' and v_result ->> 'status' = 'resolved' and jsonb_array_length(v_still_held) > 0 then
    -- the run, reconciled again with one side approved, still holds another: it was merged into
    -- this question, now resolved, so it is asked anew (else unasked until the next run). The
    -- approved direction's changes are applied by now: the new question lists and counts only
    -- what is still held, so a person is not shown (and does not approve) them twice.
    v_done := case v_approved when 'notion_to_supabase' then array['to_supabase', 'insert_record']
                              when 'supabase_to_notion' then array['to_notion', 'create_page']
                              when 'missing' then array['record_deleted', 'page_trashed', 'page_missing']
                              else '{}'::text[] end;
    insert into notion_sync.conflicts (owner_id, mapping_id, run_id, kind, details)
    select c.owner_id, c.mapping_id, c.run_id, c.kind,
           c.details || jsonb_build_object(
             'held', v_still_held,
             'counts', coalesce(c.details -> 'counts', '{}'::jsonb) || case v_approved
               when 'notion_to_supabase' then '{"notion_to_supabase": 0, "inserts": 0}'::jsonb
               when 'supabase_to_notion' then '{"supabase_to_notion": 0, "creates": 0}'::jsonb
               when 'missing' then '{"missing": 0}'::jsonb else '{}'::jsonb end,
             'diff', jsonb_build_object(
               'fields', coalesce((select jsonb_agg(d) from jsonb_array_elements(c.details -> 'diff' -> 'fields') d
                                   where not (d ->> 'action') = any (v_done)), '[]'::jsonb),
               'records', coalesce((select jsonb_agg(d) from jsonb_array_elements(c.details -> 'diff' -> 'records') d
                                    where not (d ->> 'action') = any (v_done)), '[]'::jsonb)))
    from notion_sync.conflicts c
    where c.conflict_id = p_conflict_id
    returning conflict_id into v_id;
    v_result := v_result || jsonb_build_object('asked_again', v_id);
  end if;
  return v_result
         || case when v_restored + v_left + v_refused = 0 then '{}'::jsonb
                 else jsonb_build_object(
                   case v_kind when 'record_deleted' then 'restored_records' else 'restoring_pages' end, v_restored,
                   'deletions_left', v_left)
                   || case when v_refused > 0 then jsonb_build_object('refused', v_refused) else '{}'::jsonb end
                   || case when v_left + v_refused > 0 then jsonb_build_object('message', concat_ws('; ',
                        case when v_left > 0 then format('%s deletions were not applied: each is asked about on its '
                          'own (or approve them all with merge {"approve": "missing"})', v_left) end,
                        case when v_refused > 0 then format('%s records could not be restored: their own questions '
                          'stay open, each saying why', v_refused) end)) else '{}'::jsonb end end;
end
$$;
