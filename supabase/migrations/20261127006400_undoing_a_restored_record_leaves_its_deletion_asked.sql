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

alter function notion_sync_api.undo_resolution(uuid) rename to undo_resolution_of_changes;
alter function notion_sync_api.undo_resolution_of_changes(uuid) set schema notion_sync;
comment on function notion_sync.undo_resolution_of_changes(uuid) is
  'Undoes the changes a resolution logged and reopens its question. Call '
  'notion_sync_api.undo_resolution, which also puts a deleted record''s pair and tombstone back and '
  'undoes the decisions of a bulk answer. Authenticated; raises P0002, 55000.';
revoke execute on function notion_sync.undo_resolution_of_changes(uuid) from public;
grant execute on function notion_sync.undo_resolution_of_changes(uuid) to authenticated;

-- Undoes a person's resolution (undo_resolution_of_changes): for a deleted record's question, the
-- pair and the tombstone the decision settled are as they were before it; for a bulk question, each
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
  end if;
  v_one := notion_sync.undo_resolution_of_changes(p_conflict_id);
  if v_c.kind = 'record_deleted' then
    if v_link.page_id is not null then
      insert into notion_sync.links select (v_link).* on conflict do nothing;
    end if;
    update notion_sync.tombstones t set resolved_at = null
    where t.mapping_id = v_c.mapping_id and t.record_key = v_c.record_key and t.resolved_at = v_c.resolved_at;
  end if;
  return jsonb_build_object('undone', v_undone + (v_one ->> 'undone')::integer,
                            'kept_as_conflicts', v_failed + (v_one ->> 'kept_as_conflicts')::integer);
end
$$;
comment on function notion_sync_api.undo_resolution(uuid) is
  'Undoes a person''s resolution: its writes are reverted where nothing changed since (else a '
  'conflict says why), its pending pushes cancelled and its question reopened; a deleted record''s '
  'question leaves the pair and the deletion as before the decision; a bulk answer''s decisions of '
  'each pair are undone with it. Authenticated; raises P0002, 55000.';
revoke execute on function notion_sync_api.undo_resolution(uuid) from public;
grant execute on function notion_sync_api.undo_resolution(uuid) to authenticated;
