-- A record put back after both halves of its pair were gone is asked about under trash_other_side,
-- not deleted again for a trash older than the put back.
--
-- When a record is deleted in Supabase and its page trashed in Notion, the next full run leaves the
-- pair alone (gone on both sides) and settles the record's tombstone. If a person then puts the
-- record back from a backup (same key), the next full scan does not see the page (it is in the
-- trash), verifies it as trashed, and trash_other_side deleted the record again: a restore undone
-- with nobody asked. The lifecycle property test found it (seed 911). The cases the earlier fixes
-- cover (a skipped deletion, the sync's own trash) asked; this one did not. Now a record written
-- since its deletion was settled, whose page a completed full scan did not see live, is asked about
-- (page_missing, record "put back"), which verification leaves to the person under trash_other_side.
-- A record a person restored from its page (restore the record) and edited since is not taken for
-- one put back, and a pair whose trash or restore a person chose waits for the push is not asked
-- about again.

alter function notion_sync.relink_returned(uuid) rename to relink_returned_after_questions;
comment on function notion_sync.relink_returned_after_questions(uuid) is
  'Before a run reconciles: settles deletion questions whose half is back and relinks records put back '
  'after a skipped deletion (see 20261127002900). Call relink_returned, which also asks about records '
  'put back after both halves went. Authenticated; raises nothing.';

-- Before a run reconciles: relink_returned_after_questions, then, under trash_other_side and on a
-- completed full scan, asks about each record put back after its deletion was settled whose page
-- the scan did not see live. Returns how many were relinked or asked about. Authenticated; raises
-- nothing.
create function notion_sync.relink_returned(p_run_id uuid)
returns integer
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_run notion_sync.runs;
  v_map notion_sync.mappings;
  v_asked integer := notion_sync.relink_returned_after_questions(p_run_id);
begin
  select r.* into v_run from notion_sync.runs r where r.run_id = p_run_id;
  select m.* into v_map from notion_sync.mappings m where m.mapping_id = v_run.mapping_id;
  if not found or v_map.delete_policy <> 'trash_other_side' or v_run.mode <> 'full'
     or not v_run.checkpoint ? 'scan_completed_at' then
    return v_asked;
  end if;
  with back as (
    select l.page_id, l.record_key, coalesce(sp.in_trash, false) as in_trash
    from notion_sync.links l
    left join notion_sync.staged_pages sp on sp.mapping_id = l.mapping_id and sp.page_id = l.page_id
    where l.mapping_id = v_map.mapping_id and l.dirty_at is not null
      -- written (put back) since its deletion was settled, and not restored by a person's decision
      -- (restore the record) since: that record is the sync's own
      and exists (select from notion_sync.tombstones t
                  where t.mapping_id = l.mapping_id and t.record_key = l.record_key
                    and t.resolved_at is not null and t.resolved_at <= l.dirty_at
                    and not exists (select from notion_sync.conflicts c
                                    where c.mapping_id = l.mapping_id and c.record_key = l.record_key
                                      and c.kind = 'record_deleted' and c.status = 'resolved'
                                      and c.resolution ->> 'action' = 'prefer_notion'
                                      and c.resolved_at >= t.resolved_at))
      -- and its page not seen live by this scan
      and not (sp.seen_in_run is not distinct from p_run_id and not sp.in_trash)
      and not exists (select from notion_sync.conflicts c where c.mapping_id = l.mapping_id
                        and c.page_id = l.page_id and c.status = 'open'
                        and c.kind in ('record_deleted', 'page_missing'))
      -- nor a trash or restore a person chose, waiting for the push
      and not exists (select from notion_sync.outbox o where o.mapping_id = l.mapping_id
                        and o.page_id = l.page_id and o.op in ('trash', 'restore')
                        and o.status in ('pending', 'in_flight'))
  )
  select v_asked + count(notion_sync.open_conflict(v_map.mapping_id, p_run_id, 'page_missing', b.page_id,
           b.record_key, '{}'::jsonb,
           jsonb_build_object('state', case when b.in_trash then 'trashed' else 'unverified' end,
                              'record', 'put back')))::integer
  into v_asked
  from back b
  join notion_sync.record_column_values(v_map.mapping_id, (select array_agg(x.record_key) from back x)) s
    on s.record_key = b.record_key;
  return v_asked;
end
$$;
comment on function notion_sync.relink_returned(uuid) is
  'Before a run reconciles: links again and asks about what came back (relink_returned_after_questions), '
  'and under trash_other_side asks about each record put back after both halves of its pair went, '
  'whose page a completed full scan did not see live. Authenticated; raises nothing.';
revoke execute on function notion_sync.relink_returned(uuid) from public;
grant execute on function notion_sync.relink_returned(uuid) to authenticated;
