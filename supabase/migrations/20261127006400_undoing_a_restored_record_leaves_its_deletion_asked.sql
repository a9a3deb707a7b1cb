-- Undoing the restore of a deleted record leaves its deletion as it was before the decision: the
-- pair kept and the deletion still asked about.
--
-- "Restore the record" on a record_deleted question re-inserts the record under its own key and
-- settles its tombstone. Undoing that decision deleted the record again and reopened the question,
-- but as the undo of an insert it also forgot the pair, and the tombstone stayed settled. The next
-- retrieve then took the page for a new one and made it a second record; answering the reopened
-- question restored the first as well (two records of one page, one of them unlinked, which the
-- next full scan would give a second page). The undo now keeps the pair and reopens the tombstone
-- the decision settled, so the page waits for the question, as it did before the decision; keeping
-- Supabase's side, which trashed the page, reopens it too.

alter function notion_sync_api.undo_resolution(uuid) rename to undo_resolution_of_changes;
alter function notion_sync_api.undo_resolution_of_changes(uuid) set schema notion_sync;
comment on function notion_sync.undo_resolution_of_changes(uuid) is
  'Undoes the changes a resolution logged and reopens its question. Call '
  'notion_sync_api.undo_resolution, which also puts a deleted record''s pair and tombstone back. '
  'Authenticated; raises P0002, 55000.';
revoke execute on function notion_sync.undo_resolution_of_changes(uuid) from public;
grant execute on function notion_sync.undo_resolution_of_changes(uuid) to authenticated;

-- Undoes a person's resolution (undo_resolution_of_changes); for a deleted record's question, the
-- pair and the tombstone the decision settled are as they were before it. Authenticated; raises
-- P0002 (no such conflict of the caller's), 55000 (not resolved).
create function notion_sync_api.undo_resolution(p_conflict_id uuid)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_c notion_sync.conflicts;
  v_link notion_sync.links;
  v_result jsonb;
begin
  select * into v_c from notion_sync.conflicts c where c.conflict_id = p_conflict_id and c.status = 'resolved';
  if v_c.kind = 'record_deleted' then
    select * into v_link from notion_sync.links l
    where l.mapping_id = v_c.mapping_id and l.page_id = v_c.page_id and l.record_key = v_c.record_key;
  end if;
  v_result := notion_sync.undo_resolution_of_changes(p_conflict_id);
  if v_c.kind = 'record_deleted' then
    if v_link.page_id is not null then
      insert into notion_sync.links select (v_link).* on conflict do nothing;
    end if;
    update notion_sync.tombstones t set resolved_at = null
    where t.mapping_id = v_c.mapping_id and t.record_key = v_c.record_key and t.resolved_at = v_c.resolved_at;
  end if;
  return v_result;
end
$$;
comment on function notion_sync_api.undo_resolution(uuid) is
  'Undoes a person''s resolution: its writes are reverted where nothing changed since (else a '
  'conflict says why), its pending pushes cancelled and its question reopened; a deleted record''s '
  'question leaves the pair and the deletion as before the decision. Authenticated; raises P0002, 55000.';
revoke execute on function notion_sync_api.undo_resolution(uuid) from public;
grant execute on function notion_sync_api.undo_resolution(uuid) to authenticated;
