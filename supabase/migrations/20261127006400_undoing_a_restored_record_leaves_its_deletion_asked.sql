-- Undoing the restore of a deleted record leaves its deletion as it was before the decision (the
-- pair kept, the deletion asked about), and undoing a bulk answer undoes every restore it made.
--
-- 1. "Restore the record" on a record_deleted question re-inserts the record under its own key and
--    settles its tombstone. Undoing that decision deleted the record again and reopened the
--    question, but as the undo of an insert it also forgot the pair, and the tombstone stayed
--    settled. The next retrieve then took the page for a new one and made it a second record;
--    answering the reopened question restored the first as well (two records of one page, one of
--    them unlinked, which the next full scan would give a second page). The undo now keeps the pair
--    and reopens the tombstone the decision settled; keeping Supabase's side (the page trashed)
--    reopens it too.
-- 2. "Keep Notion" (or "Keep Supabase") on a held mass deletion restores each pair as the decision
--    of its own record_deleted or page_missing question (details.bulk_change names the bulk one).
--    Undoing the bulk answer undid only the changes logged under the bulk question itself, which
--    are none: it answered {"undone": 0}, left the 40 records it had restored in place, and reopened
--    the question as if they were still deleted. It now undoes each of those decisions (as in 1)
--    and withdraws their questions (resolved, "withdrawn": an open question of its own keeps the
--    bulk answer from restoring a pair), then reopens the bulk question: the state is the one the
--    person answered, and answering it again restores the pairs again. A bulk change a person
--    approved (merge) was applied by its run: undoing it is refused (55000), naming revert_run,
--    rather than reopening the question over what the run did.
-- 3. Found by the lifecycle model (h4). A record the sync deleted itself (a person chose "delete
--    the record" for a trashed page, or trash_other_side followed the page) leaves no tombstone, so
--    "Restore the record" on the question asked when the page comes back makes the record under a
--    new key, and the pair follows that key. Undoing it deleted the new record and forgot that pair,
--    leaving none: the next retrieve made the page a record unasked. The page is now paired again
--    with the question's record, as before the decision. Likewise "Restore the page" on a trashed
--    page's question takes the page out of the trash in place, which logs no change: undoing it
--    reopened the question over a live page ({"undone": 0}), whose skip then forgot a pair that was
--    whole. Undoing it now puts the page back in the trash, when it is still out as the restore
--    left it.

alter function notion_sync_api.undo_resolution(uuid) rename to undo_resolution_of_changes;
alter function notion_sync_api.undo_resolution_of_changes(uuid) set schema notion_sync;
comment on function notion_sync.undo_resolution_of_changes(uuid) is
  'Undoes the changes a resolution logged and reopens its question. Call '
  'notion_sync_api.undo_resolution, which also puts a deleted record''s pair and tombstone back and '
  'undoes the decisions of a bulk answer. Authenticated; raises P0002, 55000.';
revoke execute on function notion_sync.undo_resolution_of_changes(uuid) from public;
grant execute on function notion_sync.undo_resolution_of_changes(uuid) to authenticated;

-- Undoes a person's resolution (undo_resolution_of_changes): for a deleted record's question, the
-- pair and the tombstone the decision settled are as they were before it (a record restored under a
-- new key: the page paired with the deleted record again); a page "Restore the page" took out of the
-- trash goes back in it; for a bulk question, each
-- pair's decision the answer made is undone first (this function, once per pair) and its question
-- withdrawn. Authenticated; raises P0002 (no such conflict of the caller's), 55000 (not resolved, or
-- an approved bulk change: revert_run undoes that).
create function notion_sync_api.undo_resolution(p_conflict_id uuid)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_c notion_sync.conflicts;
  v_link notion_sync.links;
  v_moved notion_sync.links;
  v_restore notion_sync.outbox;
  v_pair uuid;
  v_one jsonb;
  v_undone integer := 0;
  v_failed integer := 0;
begin
  select * into v_c from notion_sync.conflicts c where c.conflict_id = p_conflict_id and c.status = 'resolved'
  for update;
  if v_c.kind = 'bulk_change' and v_c.resolution ->> 'action' = 'merge' then
    -- approved: its run's reconcile applied the changes, logged under the run
    raise exception 'conflict % approved a bulk change, which its run applied: revert_run(''%'') undoes what the run did',
      p_conflict_id, v_c.run_id using errcode = '55000';
  elsif v_c.kind = 'bulk_change' then
    for v_pair in
      select c.conflict_id from notion_sync.conflicts c
      where c.mapping_id = v_c.mapping_id and c.status = 'resolved'
        and c.kind in ('record_deleted', 'page_missing') and c.details ->> 'bulk_change' = p_conflict_id::text
      order by c.conflict_id
    loop
      v_one := notion_sync_api.undo_resolution(v_pair);
      v_undone := v_undone + (v_one ->> 'undone')::integer;
      v_failed := v_failed + (v_one ->> 'kept_as_conflicts')::integer;
      update notion_sync.conflicts c
      set status = 'resolved', resolved_at = now(),
          resolution = jsonb_build_object('action', 'withdrawn', 'bulk_change', p_conflict_id)
      where c.conflict_id = v_pair and c.status = 'open';
    end loop;
  elsif v_c.kind = 'record_deleted' then
    select * into v_link from notion_sync.links l
    where l.mapping_id = v_c.mapping_id and l.page_id = v_c.page_id and l.record_key = v_c.record_key;
    if v_c.resolution ->> 'action' = 'prefer_notion' then
      -- the page's pair now names the record this decision inserted under another key (a record
      -- the sync deleted itself leaves no tombstone, so its restore takes a new key)
      select * into v_moved from notion_sync.links l
      where l.mapping_id = v_c.mapping_id and l.page_id = v_c.page_id and l.record_key <> v_c.record_key
        and exists (select from notion_sync.changes ch
                    where ch.conflict_id = p_conflict_id and ch.record_key = l.record_key and ch.side = 'supabase'
                      and ch.field <> '*row' and ch.old_value is null and ch.undone_at is null);
    end if;
  elsif v_c.kind = 'page_missing' and v_c.resolution ->> 'action' = 'prefer_supabase'
        and v_c.details ->> 'state' = 'trashed' then
    -- the page taken out of the trash in place, which logs no change (a page made again instead is
    -- undone by its log)
    select * into v_restore from notion_sync.outbox o
    where o.conflict_id = p_conflict_id and o.op = 'restore' and o.status = 'done'
      and not coalesce(o.outcome, '{}'::jsonb) ? 'replaced_page_id'
    order by o.outbox_id desc limit 1;
  end if;
  v_one := notion_sync.undo_resolution_of_changes(p_conflict_id);
  if v_c.kind = 'record_deleted' then
    if v_link.page_id is not null then
      insert into notion_sync.links select (v_link).* on conflict do nothing;
    end if;
    if v_moved.page_id is not null then
      -- paired again with the deleted record, as before the decision (unless the undo kept the new
      -- record, edited since: its pair stays, and a question says why)
      v_moved.record_key := v_c.record_key;
      insert into notion_sync.links select (v_moved).* on conflict do nothing;
    end if;
    update notion_sync.tombstones t set resolved_at = null
    where t.mapping_id = v_c.mapping_id and t.record_key = v_c.record_key and t.resolved_at = v_c.resolved_at;
  end if;
  if v_restore.outbox_id is not null
     and exists (select from notion_sync.staged_pages sp where sp.mapping_id = v_restore.mapping_id
                   and sp.page_id = v_restore.page_id and not sp.in_trash)
     and not exists (select from notion_sync.outbox o where o.mapping_id = v_restore.mapping_id
                       and o.page_id = v_restore.page_id and o.op = 'trash' and o.status in ('pending', 'in_flight')) then
    -- back in the trash, as the restore left it out (an undo's item, advance_base false: a later
    -- undo of a new answer does not cancel it)
    insert into notion_sync.outbox (owner_id, mapping_id, run_id, op, page_id, record_key, properties, conflict_id,
                                    advance_base)
    values (v_restore.owner_id, v_restore.mapping_id, null, 'trash', v_restore.page_id, v_restore.record_key,
            '{}'::jsonb, p_conflict_id, false);
    v_undone := v_undone + 1;
  end if;
  return jsonb_build_object('undone', v_undone + (v_one ->> 'undone')::integer,
                            'kept_as_conflicts', v_failed + (v_one ->> 'kept_as_conflicts')::integer);
end
$$;
comment on function notion_sync_api.undo_resolution(uuid) is
  'Undoes a person''s resolution: its writes are reverted where nothing changed since (else a '
  'conflict says why), its pending pushes cancelled and its question reopened; a deleted record''s '
  'question leaves the pair and the deletion as before the decision; a page taken out of the trash '
  'goes back in it; a bulk answer''s decisions of each pair are undone with it. Authenticated; raises '
  'P0002, 55000 (not resolved, or an approved bulk change: revert_run undoes that).';
revoke execute on function notion_sync_api.undo_resolution(uuid) from public;
grant execute on function notion_sync_api.undo_resolution(uuid) to authenticated;
