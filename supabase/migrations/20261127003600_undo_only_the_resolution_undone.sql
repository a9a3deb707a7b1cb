-- Undoing a resolution undoes that resolution only, and undoing a first-contact resolution leaves
-- the pair without a base again.
--
-- 1. undo_resolution undid every change logged under the conflict that was not undone, and the
--    undo's own writes are logged under the conflict too. So after resolve, undo, resolve again,
--    the second undo undid the second resolution and then the first undo as well: the value the
--    person had kept (say Supabase's) was overwritten by the other side's, and the base reset made
--    the next run take the pair for converged and close the question. Now it leaves out the writes
--    of earlier undos: a change that mirrors (same side and field, old and new values swapped) an
--    earlier change of the conflict that was undone.
-- 2. A first_contact conflict has no base; resolving it sets one. The undo put the value back but
--    kept that base, so the next run saw one side "unchanged" and pushed the other over it without
--    asking, and closed the reopened question. Now the undo removes the fields' base again, and the
--    next run asks as at first contact.

create or replace function notion_sync_api.undo_resolution(p_conflict_id uuid)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_c notion_sync.conflicts;
  v_change bigint;
  v_undone integer := 0;
  v_failed integer := 0;
begin
  select * into v_c from notion_sync.conflicts c where c.conflict_id = p_conflict_id for update;
  if not found then
    raise exception 'conflict % not found', p_conflict_id using errcode = 'P0002';
  end if;
  if v_c.status <> 'resolved' then
    raise exception 'conflict % is %, there is no resolution to undo', p_conflict_id, v_c.status using errcode = '55000';
  end if;
  for v_change in
    select c.change_id from notion_sync.changes c
    where c.conflict_id = p_conflict_id and c.undone_at is null
      -- not the write of an earlier undo (it mirrors a change of the conflict that it undid)
      and not exists (select from notion_sync.changes u
                      where u.conflict_id = p_conflict_id and u.change_id < c.change_id and u.undone_at is not null
                        and u.side = c.side and u.field = c.field and u.record_key is not distinct from c.record_key
                        and u.new_value is not distinct from c.old_value and u.old_value is not distinct from c.new_value)
    order by c.change_id desc
  loop
    if notion_sync.undo_change(v_change) then v_undone := v_undone + 1; else v_failed := v_failed + 1; end if;
  end loop;
  update notion_sync.outbox o set status = 'cancelled', updated_at = now()
  where o.conflict_id = p_conflict_id and o.status = 'pending' and o.advance_base;
  if v_c.kind in ('field', 'changed_during_apply', 'push_failed', 'formatting_would_be_lost') then
    update notion_sync.links l
    set base = l.base || (select jsonb_object_agg(f.key, f.value -> 'base') from jsonb_each(v_c.fields) f)
    where l.mapping_id = v_c.mapping_id and l.page_id = v_c.page_id;
  elsif v_c.kind = 'first_contact' then
    -- no base, as when the question was raised
    update notion_sync.links l
    set base = l.base - array(select jsonb_object_keys(v_c.fields))
    where l.mapping_id = v_c.mapping_id and l.page_id = v_c.page_id;
  elsif v_c.kind in ('match_review', 'ambiguous') then
    delete from notion_sync.links l
    where l.mapping_id = v_c.mapping_id and l.page_id = v_c.page_id and l.record_key = v_c.resolution -> 'choices' ->> 'record_key';
  end if;
  update notion_sync.conflicts c set status = 'open', resolution = null, resolved_by = null, resolved_at = null
  where c.conflict_id = p_conflict_id;
  return jsonb_build_object('undone', v_undone, 'kept_as_conflicts', v_failed);
end
$$;
comment on function notion_sync_api.undo_resolution(uuid) is
  'Undoes the caller''s resolution of a conflict (not the writes of earlier undos) and reopens '
  'it; the fields'' base goes back to what it was when it was raised (none for a first contact). '
  'Authenticated. Raises P0002, 55000.';
