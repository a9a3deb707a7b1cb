-- A row inserted and deleted between two runs leaves no work for every later run.
--
-- Capture records an insert as a pending record change and a delete as a tombstone. A run takes a
-- record change off the list only when the record gets a link or a planned page, which a deleted
-- row never does: its change stayed for ever, and every run looked its record up again. An app
-- that adds and removes temporary rows (thousands a day) made each run slower, without end. Now a
-- tombstone of a record without a page removes that record's pending change; the tombstone keeps
-- its last values. Only its owner's change goes, of a mapping they own: a tombstone a user
-- inserts naming another user's mapping removes nothing of theirs.

-- After a tombstone of a record that has no page: forget the record's pending change. Trigger
-- (security definer, as the capture that inserts the tombstone); raises nothing.
create function notion_sync.forget_change_of_deleted_row()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  -- definer bypasses the policies, and a user may insert a tombstone of their own naming any
  -- mapping: only a change of the tombstone's owner, of a mapping they own, is forgotten
  delete from notion_sync.record_changes rc
  where rc.mapping_id = new.mapping_id and rc.record_key = new.record_key and rc.owner_id = new.owner_id
    and exists (select from notion_sync.mappings m where m.mapping_id = new.mapping_id and m.owner_id = new.owner_id)
    and not exists (select from notion_sync.links l where l.mapping_id = new.mapping_id and l.record_key = new.record_key);
  return null;
end
$$;
comment on function notion_sync.forget_change_of_deleted_row() is
  'Trigger after a tombstone of a record without a page: its pending record change goes (a deleted '
  'row gives a run nothing to do), if the tombstone''s owner owns the mapping and the change. Raises nothing.';
revoke execute on function notion_sync.forget_change_of_deleted_row() from public;

create trigger tombstones_forget_change_of_deleted_row
after insert on notion_sync.tombstones
for each row when (new.page_id is null)
execute function notion_sync.forget_change_of_deleted_row();
