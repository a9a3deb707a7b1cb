-- A skipped deletion whose pair is linked again is settled, so a later skip of that pair is final.
--
-- A deletion question a person skipped forgets its pair, and relink_returned links the pair again
-- when its missing half comes back, reading the skip as "the pair is forgotten". But the pair can
-- also be linked again by a match (the page out of the trash, or moved back, matched to its record
-- by title before the reconcile), which left the skip dismissed as if the pair were still
-- forgotten. When the record was then deleted and a person skipped that deletion as well, the next
-- run took the old skip for the newer one: it linked the page to the deleted record again, marked
-- the old question back, and asked a new record_deleted question without the record's last values.
-- A skipped deletion whose pair is linked again is now settled ("back") before anything is linked
-- again, whichever way the pair came back. (Found by the lifecycle model, h4.)

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
