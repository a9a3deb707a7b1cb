-- A person's decision to keep Supabase's value holds until it is pushed: the next run no longer
-- cancels the push it queued and asks the same question again.
--
-- Resolving a field conflict with prefer_supabase (or merge, for the fields given to Supabase)
-- queues a push of Supabase's value that expects Notion's, and leaves the base where it was. A run
-- that came before the push (the tick queues the next incremental and the push together) saw
-- Notion and Supabase both away from that base and different: a conflict again. It cancelled the
-- push and opened a new question about what the person had just answered. Now the base of those
-- fields takes Notion's value, the one the person chose to replace: the next run sees only
-- Supabase changed and plans the same push (the waiting one is kept), while an edit made in Notion
-- after the decision still makes a conflict. undo_resolution puts the base back as before.

alter function notion_sync_api.resolve_conflict(uuid, text, jsonb) set schema notion_sync;
alter function notion_sync.resolve_conflict(uuid, text, jsonb) rename to decide_open_conflict;
comment on function notion_sync.decide_open_conflict(uuid, text, jsonb) is
  'Resolves one of the caller''s open conflicts (see notion_sync_api.resolve_conflict, which calls it '
  'and holds a decision for Supabase until it is pushed). Authenticated. Raises P0002, 55000, 22023.';

-- Resolves one of the caller's open conflicts (decide_open_conflict); the fields it queues for
-- Notion take Notion's value, the one the person chose to replace, as their base. Authenticated.
-- Raises P0002, 55000 (not open), 22023 (bad action or choices).
create function notion_sync_api.resolve_conflict(p_conflict_id uuid, p_action text, p_choices jsonb default '{}'::jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_result jsonb := notion_sync.decide_open_conflict(p_conflict_id, p_action, p_choices);
  v_c notion_sync.conflicts;
begin
  if v_result ->> 'status' = 'resolved' and jsonb_typeof(v_result -> 'queued_for_notion') = 'object' then
    select * into v_c from notion_sync.conflicts c where c.conflict_id = p_conflict_id;
    update notion_sync.links l
    set base = l.base || (select jsonb_object_agg(k, v_c.fields -> k -> 'notion')
                          from jsonb_object_keys(v_result -> 'queued_for_notion') k
                          where v_c.fields ? k)
    where l.mapping_id = v_c.mapping_id and l.page_id = v_c.page_id
      and exists (select from jsonb_object_keys(v_result -> 'queued_for_notion') k where v_c.fields ? k);
  end if;
  return v_result;
end
$$;
comment on function notion_sync_api.resolve_conflict(uuid, text, jsonb) is
  'Resolves one of the caller''s open conflicts (prefer_supabase, prefer_notion, merge, skip); every '
  'applied value is logged in changes; a value queued for Notion holds until pushed (its base is '
  'Notion''s value it replaces). Authenticated. Raises P0002, 55000 (not open), 22023 (bad action '
  'or choices). Answers status stale when a side moved on since, pending when a Notion value it would '
  'take cannot be read yet (a related page not linked); both change nothing. A push_failed conflict '
  'of a record without a page (its create refused) is decided by retry_refused_create, an '
  'apply_failed one (a page whose record the table refused) by retry_refused_insert.';
revoke execute on function notion_sync_api.resolve_conflict(uuid, text, jsonb) from public;
grant execute on function notion_sync_api.resolve_conflict(uuid, text, jsonb) to authenticated;
