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
-- a truncated table saw the question go and no row come back. Now, for each pair the question
-- lists (up to its diff's 1,000), the side kept is restored where it still holds the pair: "Keep
-- Notion" brings back each deleted record from its page (as "restore the record" does, under its
-- own key and logged under the run), "Keep Supabase" queues each missing page's restore. Nothing
-- is deleted this way: deleting the other side's half still takes a decision per record or
-- merge {"approve": "missing"}, and the answer says how many were left so. A record the table
-- refuses (a check, a trigger, its policy; or a page with no staged values) is not restored: its
-- own question stays open naming why, the others are restored, and the answer counts it (refused).
--
-- Approving one side of a bulk question reconciles the run again; what it still holds (the other
-- side, or the deletions left) was merged into the question being answered, then marked resolved
-- with it, and so went unasked until the next run. It is now asked again at once (asked_again),
-- holding, listing and counting only what is still held: the approved direction's changes are
-- applied by then and are not shown again.

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
  v_keys text[];
  v_present text[];
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
begin
  select * into v_c from notion_sync.conflicts c where c.conflict_id = p_conflict_id;
  if found and v_c.kind = 'bulk_change' and v_c.status = 'open' and v_kind is not null
     and v_c.details -> 'held' ? 'missing' then
    select array_agg(d ->> 'record_key') into v_keys
    from jsonb_array_elements(v_c.details -> 'diff' -> 'records') d where d ->> 'action' = 'record_deleted';
    select array_agg(s.record_key) into v_present
    from notion_sync.record_column_values(v_c.mapping_id, coalesce(v_keys, '{}')) s;
    for v_pair in
      -- (a page in the trash is a missing page to restore, as its page_missing question says)
      select case d ->> 'action' when 'page_trashed' then 'page_missing' else d ->> 'action' end as action,
             d ->> 'page_id' as page_id, d ->> 'record_key' as record_key
      from jsonb_array_elements(v_c.details -> 'diff' -> 'records') d
      where d ->> 'action' in ('record_deleted', 'page_missing', 'page_trashed')
    loop
      if v_pair.action <> v_kind then
        v_left := v_left + 1;   -- keeping this side here would delete the other's half
      elsif exists (select from notion_sync.links l where l.mapping_id = v_c.mapping_id
                      and l.page_id = v_pair.page_id and l.record_key = v_pair.record_key)
            and (v_kind = 'page_missing' or not v_pair.record_key = any (coalesce(v_present, '{}'))) then
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
  v_result := notion_sync.resolve_one_conflict(p_conflict_id, p_action, p_choices);
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
                        case when v_left > 0 then format('%s deletions were not applied: deleting takes a decision '
                          'per record, or merge {"approve": "missing"}', v_left) end,
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
