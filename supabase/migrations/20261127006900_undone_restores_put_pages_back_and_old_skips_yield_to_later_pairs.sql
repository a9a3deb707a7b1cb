-- Undoing a page's restore puts the page back where the restore found it, whatever the question
-- said, and a skipped trashed page that was paired with another record since is not paired with
-- its old record again.
--
-- 1. A restore that takes a page out of the trash, or moves it back into the data source, logged no
--    change: undo_resolution guessed from the question (state "trashed") and the outbox. "Keep
--    Supabase" on a held mass deletion restores each page as the decision of its own page_missing
--    question, whose state is "missing", so undoing the bulk answer answered {"undone": 0}, left
--    every page out of the trash and reopened the question over live pages. The push now logs what
--    it did to the page (a '*page' change: in the trash or not, and its parent, before and after),
--    under the decision, and undoing the decision undoes that change: the page goes back in the
--    trash, or back under its old parent, when it is still where the restore left it. (revert_run
--    leaves a person's decisions to undo_resolution, as before: it undoes what a run applied.)
-- 2. Undoing "Restore the page" of a page moved out of the data source (state "moved") did nothing:
--    the page stayed in the data source and the next full scan settled the reopened question as
--    "back". The undo now queues a 'move' to the page's old parent (a page or a data source; the
--    API moves nothing elsewhere, and such an undo is kept as a question saying so).
-- 3. A skipped page_missing question (page and record forgotten, the record kept without a page)
--    stayed dismissed after its page was paired with another record (a match by title, a new
--    record made of it). When that pair was forgotten in turn (its deletion skipped), every later
--    full scan saw the page live and read the old skip as "the page is back": it paired the page
--    with its first record again (a first_contact question), or with that record deleted meanwhile,
--    though the person's last answer about the page was to leave it alone. When the page is paired
--    with another record, the old question is now settled ("paired_again"); the record it kept
--    without a page keeps that skip, carried by a dismissed question that names no page.

alter table notion_sync.outbox drop constraint outbox_op_valid;
alter table notion_sync.outbox add constraint outbox_op_valid
  check (op in ('create', 'update', 'trash', 'restore', 'move'));

-- 1. What a restore did to the page, noted when it plans each write and logged when it is confirmed.

alter function notion_sync_api.plan_restore(bigint, jsonb) rename to plan_restore_of_page;
alter function notion_sync_api.plan_restore_of_page(bigint, jsonb) set schema notion_sync;
comment on function notion_sync.plan_restore_of_page(bigint, jsonb) is
  'Plans the next step of a restore. Call notion_sync_api.plan_restore, which also notes where the '
  'page was. Authenticated; raises P0002, 22023.';

-- Plans the next step of a restore (plan_restore_of_page) and, before its first write, notes on the
-- item where the page was (in the trash or not, and its parent), so that the confirmation can log
-- what the restore did. Authenticated (the push); raises P0002, 22023.
create function notion_sync_api.plan_restore(p_outbox_id bigint, p_page jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_plan jsonb := notion_sync.plan_restore_of_page(p_outbox_id, p_page);
begin
  if v_plan ->> 'action' in ('untrash', 'move') then
    -- once: a second write (an un-trash, then a move) sees the page the first one left
    update notion_sync.outbox o
    set outcome = coalesce(o.outcome, '{}'::jsonb) || jsonb_build_object('restored_from', jsonb_build_object(
          'in_trash', coalesce((p_page ->> 'in_trash')::boolean, (p_page ->> 'archived')::boolean, false),
          'parent', p_page -> 'parent'))
    where o.outbox_id = p_outbox_id and not coalesce(o.outcome, '{}'::jsonb) ? 'restored_from';
  end if;
  return v_plan;
end
$$;
comment on function notion_sync_api.plan_restore(bigint, jsonb) is
  'Plans the next step of a restore (untrash, move, done, recreate, fail) and notes where the page '
  'was before its first write. Authenticated; raises P0002, 22023.';
revoke execute on function notion_sync_api.plan_restore(bigint, jsonb) from public;
grant execute on function notion_sync_api.plan_restore(bigint, jsonb) to authenticated;

alter function notion_sync_api.confirm_restore(bigint, jsonb) rename to confirm_restore_of_page;
alter function notion_sync_api.confirm_restore_of_page(bigint, jsonb) set schema notion_sync;
comment on function notion_sync.confirm_restore_of_page(bigint, jsonb) is
  'Confirms a restore. Call notion_sync_api.confirm_restore, which also logs what a restore in '
  'place did. Authenticated; raises P0002, 22023.';

-- Confirms a restore (confirm_restore_of_page); a decision's restore that took the page out of the
-- trash or moved it back in place is logged as a '*page' change of the decision (where the page was,
-- where it is), which undo_resolution undoes. An undo's own restore (advance_base false) is not
-- logged: it puts back what a decision did. Authenticated (the push); raises P0002, 22023.
create function notion_sync_api.confirm_restore(p_outbox_id bigint, p_page jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_item notion_sync.outbox;
  v_back jsonb;
begin
  select * into v_item from notion_sync.outbox o where o.outbox_id = p_outbox_id;
  v_back := notion_sync.confirm_restore_of_page(p_outbox_id, p_page);
  if v_item.advance_base and v_item.outcome ? 'restored_from'
     and notion_sync.notion_id(p_page ->> 'id') is not distinct from v_item.page_id then
    insert into notion_sync.changes (owner_id, mapping_id, run_id, conflict_id, side, page_id, record_key, field,
                                     old_value, new_value)
    values (v_item.owner_id, v_item.mapping_id, v_item.run_id, v_item.conflict_id, 'notion', v_item.page_id,
            v_item.record_key, '*page', v_item.outcome -> 'restored_from',
            jsonb_build_object('in_trash', false, 'parent', p_page -> 'parent'));
  end if;
  return v_back;
end
$$;
comment on function notion_sync_api.confirm_restore(bigint, jsonb) is
  'Confirms a restore with the page Notion answered; a restore in place is logged as a change of the '
  'decision. Authenticated; raises P0002, 22023.';
revoke execute on function notion_sync_api.confirm_restore(bigint, jsonb) from public;
grant execute on function notion_sync_api.confirm_restore(bigint, jsonb) to authenticated;

-- 2. Undoing a logged restore: the page back in the trash, or back under its old parent.

alter function notion_sync.undo_change(bigint) rename to undo_change_leaving_questions;
comment on function notion_sync.undo_change_leaving_questions(bigint) is
  'Undoes one logged change. Call undo_change, which also undoes a restore in place. Authenticated; '
  'raises nothing of its own.';

-- Undoes one logged change; a restore in place (a '*page' change that took the page out of the
-- trash or moved it into the data source) is undone by queuing the page's move back to its old
-- parent and its trash, when the page is still live in the data source as the restore left it (a
-- page trashed or moved since is left as it is; a question says why when the page is not back
-- where it was). Other changes: undo_change_leaving_questions. Authenticated (through revert_run
-- and undo_resolution); raises nothing of its own.
create function notion_sync.undo_change(p_change_id bigint)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_change notion_sync.changes;
  v_ds text;
  v_page jsonb;
  v_parent jsonb;
  v_why text;
begin
  select * into v_change from notion_sync.changes c where c.change_id = p_change_id and c.undone_at is null;
  if not found or v_change.side <> 'notion' or v_change.field <> '*page'
     or coalesce((v_change.new_value ->> 'in_trash')::boolean, true) then
    return notion_sync.undo_change_leaving_questions(p_change_id);
  end if;
  select m.data_source_id into v_ds from notion_sync.mappings m where m.mapping_id = v_change.mapping_id;
  select case when sp.in_trash then null else sp.raw end into v_page from notion_sync.staged_pages sp
  where sp.mapping_id = v_change.mapping_id and sp.page_id = v_change.page_id;
  v_parent := v_change.old_value -> 'parent';
  if v_page is null or not notion_sync.in_data_source(v_page, v_ds) then
    -- trashed or moved since: already as before the restore, or someone else's doing
    if v_page is null and (v_change.old_value ->> 'in_trash')::boolean
       and notion_sync.in_data_source(v_change.old_value, v_ds) then
      update notion_sync.changes c set undone_at = now() where c.change_id = p_change_id;
      return true;
    end if;
    v_why := 'it was trashed or moved since the restore';
  elsif not notion_sync.in_data_source(v_change.old_value, v_ds)
        and coalesce(v_parent ->> 'type', '') not in ('page_id', 'data_source_id') then
    v_why := format('Notion moves a page only under a page or a data source, not back under %s',
                    coalesce(v_parent ->> 'type', 'an unknown parent'));
  end if;
  if v_why is not null then
    perform notion_sync.open_conflict(v_change.mapping_id, v_change.run_id, 'changed_during_apply',
      v_change.page_id, v_change.record_key, '{}'::jsonb,
      jsonb_build_object('undo_of', p_change_id, 'error', format(
        'page %s was not put back where it was before the restore: %s; it was left as it is',
        v_change.page_id, v_why)));
    return false;
  end if;
  -- an undo's items (advance_base false): undo_resolution cancels the pending pushes of the
  -- decision it undoes, not these; the move first, then the trash
  if not notion_sync.in_data_source(v_change.old_value, v_ds)
     and not exists (select from notion_sync.outbox o where o.mapping_id = v_change.mapping_id
                       and o.page_id = v_change.page_id and o.op = 'move' and o.status in ('pending', 'in_flight')) then
    insert into notion_sync.outbox (owner_id, mapping_id, run_id, op, page_id, record_key, properties, conflict_id,
                                    advance_base)
    values (v_change.owner_id, v_change.mapping_id, null, 'move', v_change.page_id, v_change.record_key,
            jsonb_build_object('parent', case v_parent ->> 'type'
              when 'page_id' then jsonb_build_object('type', 'page_id', 'page_id', v_parent ->> 'page_id')
              else jsonb_build_object('type', 'data_source_id', 'data_source_id', v_parent ->> 'data_source_id') end),
            v_change.conflict_id, false);
  end if;
  if (v_change.old_value ->> 'in_trash')::boolean
     and not exists (select from notion_sync.outbox o where o.mapping_id = v_change.mapping_id
                       and o.page_id = v_change.page_id and o.op = 'trash' and o.status in ('pending', 'in_flight')) then
    insert into notion_sync.outbox (owner_id, mapping_id, run_id, op, page_id, record_key, properties, conflict_id,
                                    advance_base)
    values (v_change.owner_id, v_change.mapping_id, null, 'trash', v_change.page_id, v_change.record_key,
            '{}'::jsonb, v_change.conflict_id, false);
  end if;
  update notion_sync.changes c set undone_at = now() where c.change_id = p_change_id;
  return true;
end
$$;
comment on function notion_sync.undo_change(bigint) is
  'Undoes one logged change where the side still holds what it wrote (else a conflict says why); a '
  'restore in place is undone by moving the page back and trashing it again; a pair a reverted run '
  'forgets is left out of later runs by a dismissed question. Authenticated; raises nothing of its own.';
revoke execute on function notion_sync.undo_change(bigint) from public;
grant execute on function notion_sync.undo_change(bigint) to authenticated, service_role;

-- Plans a move an undo queued: done when the page is already under the parent (read just before),
-- else the parent to move it to. Authenticated (the push); raises P0002 (no such move in flight).
create function notion_sync_api.plan_move(p_outbox_id bigint, p_page jsonb)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
declare
  v_item notion_sync.outbox;
  v_to jsonb;
begin
  select * into v_item from notion_sync.outbox o
  where o.outbox_id = p_outbox_id and o.op = 'move' and o.status = 'in_flight';
  if not found then
    raise exception 'outbox item % is not a move in flight', p_outbox_id using errcode = 'P0002';
  end if;
  v_to := v_item.properties -> 'parent';
  if p_page -> 'parent' ->> 'type' = v_to ->> 'type'
     and notion_sync.notion_id(p_page -> 'parent' ->> (v_to ->> 'type'))
         = notion_sync.notion_id(v_to ->> (v_to ->> 'type')) then
    return jsonb_build_object('action', 'done');
  end if;
  return jsonb_build_object('action', 'move', 'parent', v_to);
end
$$;
comment on function notion_sync_api.plan_move(bigint, jsonb) is
  'Plans a move an undo queued: done, or move under its parent. Authenticated; raises P0002.';
revoke execute on function notion_sync_api.plan_move(bigint, jsonb) from public;
grant execute on function notion_sync_api.plan_move(bigint, jsonb) to authenticated;

-- Confirms a move with the page Notion answered: the item is done and the staged page carries its
-- new parent (its values are left as they were staged: another data source's properties do not
-- map). Authenticated (the push); raises P0002 (no such move in flight).
create function notion_sync_api.confirm_move(p_outbox_id bigint, p_page jsonb)
returns void
language plpgsql
set search_path = ''
as $$
declare
  v_item notion_sync.outbox;
begin
  select * into v_item from notion_sync.outbox o
  where o.outbox_id = p_outbox_id and o.op = 'move' and o.status = 'in_flight';
  if not found then
    raise exception 'outbox item % is not a move in flight', p_outbox_id using errcode = 'P0002';
  end if;
  update notion_sync.staged_pages sp
  set raw = jsonb_set(sp.raw, '{parent}', coalesce(p_page -> 'parent', 'null'::jsonb)), staged_at = now()
  where sp.mapping_id = v_item.mapping_id and sp.page_id = v_item.page_id;
  update notion_sync.outbox o
  set status = 'done', updated_at = now(),
      outcome = coalesce(o.outcome, '{}'::jsonb) || jsonb_build_object('moved_to', p_page -> 'parent')
  where o.outbox_id = p_outbox_id;
end
$$;
comment on function notion_sync_api.confirm_move(bigint, jsonb) is
  'Confirms a move an undo queued with the page Notion answered. Authenticated; raises P0002.';
revoke execute on function notion_sync_api.confirm_move(bigint, jsonb) from public;
grant execute on function notion_sync_api.confirm_move(bigint, jsonb) to authenticated;

-- 3. A skipped trashed page paired with another record since is not that skip's any more.

alter function notion_sync.relink_returned(uuid) rename to relink_returned_of_pairs;
comment on function notion_sync.relink_returned_of_pairs(uuid) is
  'Settles the skips whose pair is linked again, then links again what came back. Call '
  'notion_sync.relink_returned, which first settles the skips of pages paired with another record. '
  'Authenticated; raises nothing.';
revoke execute on function notion_sync.relink_returned_of_pairs(uuid) from public;
grant execute on function notion_sync.relink_returned_of_pairs(uuid) to authenticated;

-- Before a run reconciles: settles each skipped page_missing question whose page is now paired with
-- another record ("paired_again"), so that a later run does not read it as that page back for its
-- old record; the record it kept without a page keeps the skip (a dismissed question without a
-- page, while the record has no page). Then relink_returned_of_pairs. Authenticated; raises nothing.
create function notion_sync.relink_returned(p_run_id uuid)
returns integer
language plpgsql
set search_path = ''
as $$
begin
  with settled as (
    update notion_sync.conflicts c
    set status = 'resolved', resolved_at = now(),
        resolution = jsonb_build_object('action', 'obsolete', 'state', 'paired_again', 'run_id', p_run_id,
                                        'paired_with', l.record_key, 'skip', c.resolution)
    from notion_sync.runs r, notion_sync.links l
    where r.run_id = p_run_id and c.mapping_id = r.mapping_id and c.status = 'dismissed'
      and c.kind = 'page_missing' and c.page_id is not null
      and l.mapping_id = c.mapping_id and l.page_id = c.page_id and l.record_key <> c.record_key
    returning c.*
  )
  insert into notion_sync.conflicts (owner_id, mapping_id, run_id, kind, page_id, record_key, fields, details,
                                     status, resolved_at, resolution)
  select distinct on (s.record_key) s.owner_id, s.mapping_id, s.run_id, 'page_missing', null, s.record_key,
         '{}'::jsonb, s.details || jsonb_build_object('page_paired_again', s.page_id),
         'dismissed', now(), jsonb_build_object('action', 'skip', 'by', 'paired_again', 'carried_from', s.conflict_id)
  from settled s
  where not exists (select from notion_sync.links l where l.mapping_id = s.mapping_id and l.record_key = s.record_key)
  order by s.record_key, s.created_at desc;
  return notion_sync.relink_returned_of_pairs(p_run_id);
end
$$;
comment on function notion_sync.relink_returned(uuid) is
  'Before a run reconciles: settles the skipped page_missing questions whose page is paired with '
  'another record (their record keeps the skip), then relink_returned_of_pairs. Authenticated; '
  'raises nothing.';
revoke execute on function notion_sync.relink_returned(uuid) from public;
grant execute on function notion_sync.relink_returned(uuid) to authenticated;
