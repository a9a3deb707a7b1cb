-- Found by the records-and-pages lifecycle model (h4).
--
-- 1. A record the sync deleted itself (a person chose "delete the record" for a trashed page, or
--    trash_other_side followed the page) leaves no tombstone, so "Restore the record" on the
--    question asked when the page comes back makes the record again under a new key, and the
--    page's pair follows that new key. Undoing the restore deletes the new record and, as the undo
--    of an insert, forgets its pair; undo_resolution put back only a pair under the question's own
--    key, so here none was left. The reopened question then stood over a page without a pair: the
--    next retrieve took the page for a new one and made it a record unasked, and a person who
--    answered "trash the page" instead saw a new record made as soon as someone took the page out
--    of the trash. The pair the restore made is now put back under the question's key, as it was
--    before the decision.
--    Likewise "Restore the page" on a trashed page's question takes the page out of the trash in
--    place, which logs no change to undo: undoing the decision reopened the question ({"undone": 0})
--    and left the page restored, so the question stood over a live page. Answered "skip" there, it
--    forgot a pair that was whole, which the next runs linked again without a base and asked about
--    as a first contact. Undoing it now puts the page back in the trash (as undoing "trash the page"
--    takes it out), when the page is still out of the trash as the restore left it.
-- 2. A deletion question a person skipped forgets its pair, and relink_returned links the pair
--    again when its missing half comes back, reading the skip as "the pair is forgotten". But the
--    pair can also be linked again by a match (the page out of the trash, or moved back, matched to
--    its record by title before the reconcile), which left the skip dismissed as if the pair were
--    still forgotten. When the record was then deleted and a person skipped that deletion as well,
--    the next run took the old skip for the newer one: it linked the page to the deleted record
--    again, marked the old question back, and asked a new record_deleted question without the
--    record's last values, so a skip was not final. A skipped deletion whose pair is linked again
--    is now settled ("back") before anything is linked again, whichever way the pair came back.

alter function notion_sync_api.undo_resolution(uuid) rename to undo_resolution_keeping_its_key;
alter function notion_sync_api.undo_resolution_keeping_its_key(uuid) set schema notion_sync;
comment on function notion_sync.undo_resolution_keeping_its_key(uuid) is
  'Undoes a person''s resolution (see notion_sync_api.undo_resolution, which also keeps the pair of '
  'a record restored under a new key). Authenticated; raises P0002, 55000.';
revoke execute on function notion_sync.undo_resolution_keeping_its_key(uuid) from public;
grant execute on function notion_sync.undo_resolution_keeping_its_key(uuid) to authenticated;

-- Undoes a person's resolution (undo_resolution_keeping_its_key); for a deleted record's question
-- whose restore made the record under a new key, the page is paired again with the deleted record,
-- as before the decision; for a trashed page's question whose restore took the page out of the
-- trash, the page is queued to go back in the trash. Authenticated; raises P0002, 55000.
create function notion_sync_api.undo_resolution(p_conflict_id uuid)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_c notion_sync.conflicts;
  v_link notion_sync.links;
  v_restore notion_sync.outbox;
  v_result jsonb;
begin
  select * into v_c from notion_sync.conflicts c where c.conflict_id = p_conflict_id and c.status = 'resolved';
  if v_c.kind = 'record_deleted' and v_c.resolution ->> 'action' = 'prefer_notion' then
    -- the page's pair now names the record this decision inserted under another key
    select * into v_link from notion_sync.links l
    where l.mapping_id = v_c.mapping_id and l.page_id = v_c.page_id and l.record_key <> v_c.record_key
      and exists (select from notion_sync.changes ch
                  where ch.conflict_id = p_conflict_id and ch.record_key = l.record_key and ch.side = 'supabase'
                    and ch.field <> '*row' and ch.old_value is null and ch.undone_at is null);
  elsif v_c.kind = 'page_missing' and v_c.resolution ->> 'action' = 'prefer_supabase'
        and v_c.details ->> 'state' = 'trashed' then
    -- the page taken out of the trash in place (a page made again instead is undone by its log)
    select * into v_restore from notion_sync.outbox o
    where o.conflict_id = p_conflict_id and o.op = 'restore' and o.status = 'done'
      and not coalesce(o.outcome, '{}'::jsonb) ? 'replaced_page_id'
    order by o.outbox_id desc limit 1;
  end if;
  v_result := notion_sync.undo_resolution_keeping_its_key(p_conflict_id);
  if v_restore.outbox_id is not null
     and exists (select from notion_sync.staged_pages sp where sp.mapping_id = v_restore.mapping_id
                   and sp.page_id = v_restore.page_id and not sp.in_trash)
     and not exists (select from notion_sync.outbox o where o.mapping_id = v_restore.mapping_id
                       and o.page_id = v_restore.page_id and o.op = 'trash' and o.status in ('pending', 'in_flight')) then
    -- an undo's item (advance_base false): a later undo of a new answer does not cancel it
    insert into notion_sync.outbox (owner_id, mapping_id, run_id, op, page_id, record_key, properties, conflict_id,
                                    advance_base)
    values (v_restore.owner_id, v_restore.mapping_id, null, 'trash', v_restore.page_id, v_restore.record_key,
            '{}'::jsonb, p_conflict_id, false);
    v_result := v_result || jsonb_build_object('undone', (v_result ->> 'undone')::integer + 1);
  end if;
  if v_link.page_id is not null then
    -- (unless the undo kept the new record, edited since: its pair stays, and a question says why)
    v_link.record_key := v_c.record_key;
    insert into notion_sync.links select (v_link).* on conflict do nothing;
  end if;
  return v_result;
end
$$;
comment on function notion_sync_api.undo_resolution(uuid) is
  'Undoes a person''s resolution: its writes are reverted where nothing changed since (else a '
  'conflict says why), its pending pushes cancelled and its question reopened; a deleted record''s '
  'question leaves the pair and the deletion as before the decision; a bulk answer''s decisions of '
  'each pair are undone with it. Authenticated; raises P0002, 55000.';
revoke execute on function notion_sync_api.undo_resolution(uuid) from public;
grant execute on function notion_sync_api.undo_resolution(uuid) to authenticated;

alter function notion_sync.relink_returned(uuid) rename to relink_returned_of_skips;
comment on function notion_sync.relink_returned_of_skips(uuid) is
  'Links again and asks about what came back (see notion_sync.relink_returned, which first settles '
  'the skips whose pair is linked again). Authenticated; raises nothing.';
revoke execute on function notion_sync.relink_returned_of_skips(uuid) from public;
grant execute on function notion_sync.relink_returned_of_skips(uuid) to authenticated;

-- Before a run reconciles: settles each skipped deletion question whose very pair is linked again
-- (the match found it, or a later answer relinked it), so that only a skip whose pair is still
-- forgotten is read as one; then relink_returned_of_skips.
create function notion_sync.relink_returned(p_run_id uuid)
returns integer
language plpgsql
set search_path = ''
as $$
begin
  update notion_sync.conflicts c
  set status = 'resolved', resolved_at = now(),
      resolution = jsonb_build_object('action', 'obsolete', 'state', 'back', 'run_id', p_run_id)
  from notion_sync.runs r
  where r.run_id = p_run_id and c.mapping_id = r.mapping_id and c.status = 'dismissed'
    and c.kind in ('record_deleted', 'page_missing')
    and exists (select from notion_sync.links l where l.mapping_id = c.mapping_id
                  and l.page_id = c.page_id and l.record_key = c.record_key);
  return notion_sync.relink_returned_of_skips(p_run_id);
end
$$;
comment on function notion_sync.relink_returned(uuid) is
  'Before a run reconciles: settles the skipped deletion questions whose pair is linked again, then '
  'links again and asks about what came back (relink_returned_of_skips). Authenticated; raises nothing.';
revoke execute on function notion_sync.relink_returned(uuid) from public;
grant execute on function notion_sync.relink_returned(uuid) to authenticated;
