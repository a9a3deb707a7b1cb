-- A person's decision applies to the question as they saw it.
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
