-- A person's decision applies to the question as they saw it, and a bulk question of deletions
-- answered with a side restores that side (below).
--
-- A run that meets an open conflict's pair again merges its new fields and values into that
-- conflict (open_conflict), under the same id. A card on a person's screen could therefore be
-- older than the conflict it decides: "Keep Notion" on a card showing one field applied Notion's
-- value to every field merged since, over Supabase edits the person never saw. The stale check of
-- resolve_conflict compares the conflict with both sides now, which the merge had made equal.
--
-- open_conflicts now gives each conflict a version (a digest of its fields and details), and
-- resolve_seen_conflict decides only the version the caller saw: another version answers `stale`
-- and changes nothing, so the person looks again. The conflict row is locked while it is decided, so
-- two clicks (or two tabs) do not decide it twice at once.

-- The version of a conflict: changes whenever a run merges fields or details into it. Any caller.
create function notion_sync.conflict_version(p_fields jsonb, p_details jsonb)
returns text
language sql
immutable
set search_path = ''
as $$
  select md5(p_fields::text || p_details::text)
$$;
comment on function notion_sync.conflict_version(jsonb, jsonb) is
  'Digest of a conflict''s fields and details: what a person saw of it. Any caller; raises nothing.';
revoke execute on function notion_sync.conflict_version(jsonb, jsonb) from public;
grant execute on function notion_sync.conflict_version(jsonb, jsonb) to authenticated, service_role;

create or replace view notion_sync_api.open_conflicts with (security_invoker = true) as
select c.conflict_id, m.name as mapping, c.kind, c.page_id, c.record_key, f.key as field,
       f.value -> 'base' as base, f.value -> 'notion' as notion, f.value -> 'supabase' as supabase,
       c.details, c.run_id, c.created_at,
       (select notion_sync.page_title(sp.raw) from notion_sync.staged_pages sp
        where sp.mapping_id = c.mapping_id and sp.page_id = c.page_id) as page_title,
       notion_sync.conflict_version(c.fields, c.details) as version
from notion_sync.conflicts c
join notion_sync.mappings m on m.mapping_id = c.mapping_id
left join lateral jsonb_each(c.fields) f on true
where c.status = 'open';
comment on view notion_sync_api.open_conflicts is
  'Open conflicts of the caller, one row per field (base, Notion, Supabase side by side; one row '
  'with null fields for a question without fields), with the page''s title as last staged and the '
  'conflict''s version (pass it to resolve_seen_conflict).';

-- Decides a conflict as resolve_conflict does, if it is still the version the caller saw
-- (open_conflicts.version; null: no check); another version answers {status: 'stale', message}
-- and changes nothing. Authenticated; raises P0002 for a conflict that is not the caller's.
create function notion_sync_api.resolve_seen_conflict(p_conflict_id uuid, p_version text, p_action text,
                                                      p_choices jsonb default '{}'::jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_c notion_sync.conflicts;
begin
  select * into v_c from notion_sync.conflicts c where c.conflict_id = p_conflict_id for update;
  if not found then
    raise exception 'conflict % not found', p_conflict_id using errcode = 'P0002';
  end if;
  if p_version is not null and v_c.status = 'open'
     and notion_sync.conflict_version(v_c.fields, v_c.details) <> p_version then
    return jsonb_build_object('status', 'stale', 'message', format(
      'the question about %s changed since you saw it (a later run added to it); nothing was changed: '
      'look at it again', coalesce('page ' || v_c.page_id, 'record ' || v_c.record_key, 'the mapping')));
  end if;
  return notion_sync_api.resolve_conflict(p_conflict_id, p_action, p_choices);
end
$$;
comment on function notion_sync_api.resolve_seen_conflict(uuid, text, text, jsonb) is
  'resolve_conflict of the version of a conflict the caller saw (open_conflicts.version; null: any): '
  'another version answers {status: stale, message} and changes nothing. Authenticated. Raises P0002.';
revoke execute on function notion_sync_api.resolve_seen_conflict(uuid, text, text, jsonb) from public;
grant execute on function notion_sync_api.resolve_seen_conflict(uuid, text, text, jsonb) to authenticated;

-- A bulk question of held deletions answered with the side to keep restores what that side holds.
--
-- The safety valve holds a mass deletion (a truncated table, pages purged in Notion) in one
-- bulk_change. Its answers "Keep Notion" and "Keep Supabase" only approved value changes in one
-- direction: for held deletions they did nothing, yet closed the question, so a person recovering
-- a truncated table saw the question go and no row come back. Now, for each pair the run holds as
-- missing (read from what is staged and recorded, not from the question's diff, which lists at most
-- 1,000), the side kept is restored where it still holds the pair: "Keep Notion" brings back each
-- deleted record from its page (as "restore the record" does, under its own key, each as the
-- decision of its own record_deleted question), "Keep Supabase" queues each missing page's restore.
-- Nothing is deleted this way: the reconcile that then applies the approved side runs with the
-- delete policy hold, so the deletions the answer did not approve (fewer than held, they may fall
-- under the threshold) are each asked about instead of following the policy, and the answer says
-- how many were left so. A record the table refuses (a check, a trigger, its policy; or a page with
-- no staged values) is not restored: its own question stays open naming why, the others are
-- restored, and the answer counts it (refused).
--
-- Approving one side of a bulk question reconciles the run again; what it still holds (the other
-- side, or the deletions left) was merged into the question being answered, then marked resolved
-- with it, and so went unasked until the next run. It is now asked again at once (asked_again),
-- holding, listing and counting only what is still held: the approved direction's changes are
-- applied by then and are not shown again.
--
-- A bulk question that a later completed full scan did not hold again (one that did would have
-- taken it over) is obsolete: answering it would reconcile the old run against pages staged since.
-- It answers stale, changes nothing, and is closed.

alter function notion_sync_api.resolve_conflict(uuid, text, jsonb) set schema notion_sync;
alter function notion_sync.resolve_conflict(uuid, text, jsonb) rename to resolve_one_conflict;
comment on function notion_sync.resolve_one_conflict(uuid, text, jsonb) is
  'Decides one conflict (notion_sync_api.resolve_conflict without the restores of a bulk question of '
  'deletions). Authenticated. Raises P0002, 55000, 22023.';
revoke execute on function notion_sync.resolve_one_conflict(uuid, text, jsonb) from public;
grant execute on function notion_sync.resolve_one_conflict(uuid, text, jsonb) to authenticated;

-- Decides a conflict (resolve_one_conflict); a bulk_change holding deletions, answered with a side
-- to keep, first restores that side's half of each pair it lists. Authenticated; raises P0002,
-- 55000, 22023.
create function notion_sync_api.resolve_conflict(p_conflict_id uuid, p_action text, p_choices jsonb default '{}'::jsonb)
returns jsonb
language plpgsql
security invoker
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
      )
      select case when p.page_live then 'record_deleted' else 'page_missing' end as action, p.page_id, p.record_key
      from pairs p
      where (p.page_live and p.record_key not in (select record_key from present))
         or (not p.page_live and p.record_key in (select record_key from present))
      order by p.record_key
    loop
      if v_pair.action <> v_kind then
        v_left := v_left + 1;   -- keeping this side here would delete the other's half
      else
        -- the pair's own question, decided at once with the side the person keeps
        v_id := notion_sync.open_conflict(v_c.mapping_id, v_c.run_id, v_kind, v_pair.page_id, v_pair.record_key,
                  '{}'::jsonb, jsonb_build_object('state', case v_kind when 'record_deleted' then 'deleted' else 'missing' end,
                                                  'bulk_change', p_conflict_id));
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
comment on function notion_sync_api.resolve_conflict(uuid, text, jsonb) is
  'Resolves one of the caller''s open conflicts (prefer_supabase, prefer_notion, merge, skip); every '
  'applied value is logged in changes. A bulk change of held deletions answered with a side first '
  'restores that side''s half of each pair it lists (records from Notion, or pages queued for '
  'restore), never deleting; the answer counts them (restored_records or restoring_pages, '
  'deletions_left, and refused: records the table refused, whose own questions stay open). Answers '
  'status stale when a side moved on since, pending when a Notion value it would take cannot be read '
  'yet; both change nothing. Authenticated. Raises P0002, 55000 (not '
  'open), 22023 (bad action or choices).';
revoke execute on function notion_sync_api.resolve_conflict(uuid, text, jsonb) from public;
grant execute on function notion_sync_api.resolve_conflict(uuid, text, jsonb) to authenticated;
