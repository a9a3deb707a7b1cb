-- Undo and revert-run undo what was done, and only that.
--
-- 1. Undoing the insert of a record (revert_run of a run that made records of new pages, or undoing
--    a resolution that restored a deleted record) deleted the record without comparing it with what
--    the insert wrote: a person's edit made since, or a later run's, went with it. Now the record is
--    deleted only while its mapped columns still hold what the insert wrote (the row is locked
--    for the check); otherwise it stays, and a changed_during_apply question names the edit (details
--    .error, details.undo_of), as for the other undos a side moved on from. The delete is logged
--    with the insert it undoes (changes.undoes) and, like every undo write, without a run (an undo is
--    not a run's: reverting the run again must not undo it).
-- 2. revert_run undid every change logged under the run, and a person's resolution is logged under
--    the conflict's run_id (refreshed to the last run that saw the conflict): reverting that run
--    also undid the person's decision. A run logs no change with a conflict (only decisions and their
--    pushes carry one), so revert_run now leaves changes with a conflict_id to undo_resolution.
-- 3. A page trashed by a push (a run's trash_other_side, or a decision "keep Supabase" for a deleted
--    record) was not logged, so reverting the run (or undoing the decision) left it in the trash.
--    confirm_push now logs a trash as a change of the page (side notion, field '*page', in_trash
--    false → true) when the item has a run and the page was not in the trash as last retrieved
--    (a page already there was not trashed by us). The trashes queued by undos (no run) are not
--    logged: an undo is not undone again. undo_change undoes such a change by queueing the page's
--    restore (un-trash, move back); the push's plan_restore does nothing for a page no longer in the
--    trash. The record deleted in Supabase is not brought back: that was a person's delete, and the
--    page back without it is asked about at the next run.

-- The body of 20261127004000, under another name: undo_change checks inserts and trashes first.
alter function notion_sync.undo_change(bigint) rename to undo_page_or_field_change;
comment on function notion_sync.undo_page_or_field_change(bigint) is
  'Undoes one logged change (a created page by trashing it, a field through undo_logged_change). Call '
  'undo_change, which checks an inserted record and un-trashes a trashed page. Authenticated; returns '
  'false (and opens a conflict) when that side changed since.';

-- Undoes one logged change: a trashed page is queued for its restore; an inserted record is deleted
-- only while it holds what the insert wrote (else it stays and a question names the edit); the rest
-- as undo_page_or_field_change. Authenticated (undo_resolution, revert_run); returns false (and opens
-- a conflict) when the changed side moved on since.
create function notion_sync.undo_change(p_change_id bigint)
returns boolean
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_change notion_sync.changes;
  v_map notion_sync.mappings;
  v_inserted jsonb;
  v_row jsonb;
  v_edits text;
begin
  select * into v_change from notion_sync.changes c where c.change_id = p_change_id and c.undone_at is null;
  if found and v_change.side = 'notion' and v_change.field = '*page' then
    -- a page the sync trashed comes out of the trash (once, when no restore waits already)
    if not exists (select from notion_sync.outbox o
                   where o.mapping_id = v_change.mapping_id and o.page_id = v_change.page_id
                     and o.op = 'restore' and o.status in ('pending', 'in_flight')) then
      -- an undo's item (advance_base false, as undo pushes are): undo_resolution cancels the
      -- pending pushes of the decision it undoes, not this one
      insert into notion_sync.outbox (owner_id, mapping_id, run_id, op, page_id, record_key, properties, conflict_id,
                                      advance_base)
      values (v_change.owner_id, v_change.mapping_id, null, 'restore', v_change.page_id, v_change.record_key,
              '{}'::jsonb, v_change.conflict_id, false);
    end if;
    update notion_sync.changes c set undone_at = now() where c.change_id = p_change_id;
    return true;
  end if;
  if found and v_change.side = 'supabase' and v_change.field = '*row' and v_change.old_value is not null then
    -- a deleted record comes back, unless a record with its key is back already (put back from a
    -- backup since): its insert would fail and abort the whole revert. The same row is the undo
    -- done; another row stays as it is, and a question says so.
    select * into v_map from notion_sync.mappings m where m.mapping_id = v_change.mapping_id;
    execute format('select to_jsonb(t) from %I.%I t where t.%I = $1::%s',
                   v_map.target_schema, v_map.target_table, v_map.key_column, notion_sync.key_type(v_map))
      into v_row using v_change.record_key;
    if v_row = v_change.old_value then
      update notion_sync.changes c set undone_at = now() where c.change_id = p_change_id;
      return true;
    elsif v_row is not null then
      perform notion_sync.open_conflict(v_change.mapping_id, v_change.run_id, 'changed_during_apply',
        v_change.page_id, v_change.record_key, '{}'::jsonb,
        jsonb_build_object('undo_of', p_change_id, 'error', format(
          'record %s was not restored: a record with that key is back already, with other values; it was left as it is',
          v_change.record_key)));
      return false;
    end if;
  end if;
  if found and v_change.side = 'supabase' and v_change.field <> '*row'
     and v_change.old_value is null and v_change.old_base is null then
    -- a record inserted (logged from nothing, one change per column): what that insert wrote
    select jsonb_object_agg(c.field, c.new_value) into v_inserted
    from notion_sync.changes c
    where c.mapping_id = v_change.mapping_id and c.record_key = v_change.record_key and c.side = 'supabase'
      and c.field <> '*row' and c.old_value is null and c.old_base is null
      and c.created_at = v_change.created_at and c.run_id is not distinct from v_change.run_id;
    select * into v_map from notion_sync.mappings m where m.mapping_id = v_change.mapping_id;
    -- locked, so no edit lands between this check and the delete
    execute format('select to_jsonb(t) from %I.%I t where t.%I = $1::%s for update',
                   v_map.target_schema, v_map.target_table, v_map.key_column, notion_sync.key_type(v_map))
      into v_row using v_change.record_key;
    if v_row is not null then
      select string_agg(format('%s: %s → %s', f.key, f.value, coalesce(v_row -> f.key, 'null'::jsonb)), ', '
                        order by f.key)
      into v_edits
      from jsonb_each(v_inserted) f
      where (v_row -> f.key) is distinct from f.value;
      if v_edits is not null then
        perform notion_sync.open_conflict(v_change.mapping_id, v_change.run_id, 'changed_during_apply',
          v_change.page_id, v_change.record_key, '{}'::jsonb,
          jsonb_build_object('undo_of', p_change_id, 'error', format(
            'record %s was not deleted: it was edited after it was inserted (%s); delete it yourself if it should go',
            v_change.record_key, v_edits)));
        return false;
      end if;
      -- deleted here (as delete_record does, and its pair forgotten) so that its log says which
      -- insert it undoes; the undo below then finds it deleted and marks the change undone
      perform set_config('notion_sync.applying', v_map.mapping_id::text, true);
      execute format('delete from %I.%I t where t.%I = $1::%s',
                     v_map.target_schema, v_map.target_table, v_map.key_column, notion_sync.key_type(v_map))
        using v_change.record_key;
      perform set_config('notion_sync.applying', '', true);
      insert into notion_sync.changes (owner_id, mapping_id, run_id, conflict_id, side, page_id, record_key,
                                       field, old_value, new_value, undoes)
      select v_map.owner_id, v_map.mapping_id, null, v_change.conflict_id, 'supabase',
             (select l.page_id from notion_sync.links l
              where l.mapping_id = v_map.mapping_id and l.record_key = v_change.record_key),
             v_change.record_key, '*row', v_row, null, p_change_id;
      delete from notion_sync.links l where l.mapping_id = v_map.mapping_id and l.record_key = v_change.record_key;
    end if;
  end if;
  return notion_sync.undo_page_or_field_change(p_change_id);
end
$$;
comment on function notion_sync.undo_change(bigint) is
  'Undoes one logged change with the changed value as its expected base: a trashed page is restored, an '
  'inserted record deleted only while it holds what the insert wrote, a created page trashed. '
  'Authenticated; returns false (and opens a conflict) when that side changed since.';
revoke execute on function notion_sync.undo_change(bigint) from public;
grant execute on function notion_sync.undo_change(bigint) to authenticated, service_role;

-- Reverts a run: undoes every change the run applied (not a person's resolution logged under it),
-- newest first, through the base rules. Authenticated; raises P0002 for an unknown run.
create or replace function notion_sync_api.revert_run(p_run_id uuid)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_change bigint;
  v_undone integer := 0;
  v_failed integer := 0;
begin
  if not exists (select from notion_sync.runs r where r.run_id = p_run_id) then
    raise exception 'run % not found', p_run_id using errcode = 'P0002';
  end if;
  for v_change in
    select c.change_id from notion_sync.changes c
    where c.run_id = p_run_id and c.undone_at is null
      -- a decision is a person's (undo_resolution undoes it), though logged under the conflict's run
      and c.conflict_id is null
    order by c.change_id desc
  loop
    if notion_sync.undo_change(v_change) then v_undone := v_undone + 1; else v_failed := v_failed + 1; end if;
  end loop;
  return jsonb_build_object('undone', v_undone, 'kept_as_conflicts', v_failed);
end
$$;
comment on function notion_sync_api.revert_run(uuid) is
  'Undoes every change a run of the caller applied (newest first), not the resolutions logged under it; '
  'a side that moved on since becomes a conflict. Authenticated. Raises P0002.';
revoke execute on function notion_sync_api.revert_run(uuid) from public;
grant execute on function notion_sync_api.revert_run(uuid) to authenticated;

-- The body of 20261126002100 (and before), under another name: confirm_push logs a trash first.
alter function notion_sync_api.confirm_push(bigint, jsonb) set schema notion_sync;
alter function notion_sync.confirm_push(bigint, jsonb) rename to confirm_push_unlogged_trash;
comment on function notion_sync.confirm_push_unlogged_trash(bigint, jsonb) is
  'notion_sync_api.confirm_push without the log of a trash. Authenticated. Raises P0002.';
revoke execute on function notion_sync.confirm_push_unlogged_trash(bigint, jsonb) from public;
grant execute on function notion_sync.confirm_push_unlogged_trash(bigint, jsonb) to authenticated;

-- Records a confirmed Notion write (confirm_push_unlogged_trash); a page a run or a decision trashed,
-- not in the trash when last retrieved, is logged as a change of the page so that revert_run and
-- undo_resolution can take it out again. Authenticated (the push function); raises P0002.
create function notion_sync_api.confirm_push(p_outbox_id bigint, p_page jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_item notion_sync.outbox;
  v_was_in_trash boolean;
  v_back jsonb;
begin
  select * into v_item from notion_sync.outbox o where o.outbox_id = p_outbox_id;
  if v_item.op = 'trash' then
    select sp.in_trash into v_was_in_trash from notion_sync.staged_pages sp
    where sp.mapping_id = v_item.mapping_id and sp.page_id = v_item.page_id;
  end if;
  v_back := notion_sync.confirm_push_unlogged_trash(p_outbox_id, p_page);
  if v_item.op = 'trash' and v_item.status = 'in_flight' and v_item.run_id is not null
     and not coalesce(v_was_in_trash, false)
     and coalesce((p_page ->> 'in_trash')::boolean, (p_page ->> 'archived')::boolean, false) then
    insert into notion_sync.changes (owner_id, mapping_id, run_id, conflict_id, side, page_id, record_key, field,
                                     old_value, new_value)
    values (v_item.owner_id, v_item.mapping_id, v_item.run_id, v_item.conflict_id, 'notion', v_item.page_id,
            v_item.record_key, '*page', '{"in_trash": false}'::jsonb, '{"in_trash": true}'::jsonb);
  end if;
  return v_back;
end
$$;
comment on function notion_sync_api.confirm_push(bigint, jsonb) is
  'Records a confirmed Notion write from Notion''s answer: base advanced to the read-back values, the '
  'change logged with the pre-read value, a created page linked, a page trashed by a run or a decision '
  'logged (field *page) so it can be restored; where Notion stored another value than the one sent, the '
  'row takes it (compare-and-set on the value sent). Authenticated. Raises P0002.';
revoke execute on function notion_sync_api.confirm_push(bigint, jsonb) from public;
grant execute on function notion_sync_api.confirm_push(bigint, jsonb) to authenticated;
