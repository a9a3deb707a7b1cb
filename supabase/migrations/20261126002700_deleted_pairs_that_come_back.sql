-- A page back from the trash whose record was deleted meanwhile is asked about, not made a new
-- record (found by the records-and-pages lifecycle test, seed 7). A person skipped the page's
-- page_missing conflict (or the unlink policy did): the pair was forgotten, the record kept. Then
-- the record was deleted in Supabase, and later the page taken out of the trash in Notion. The
-- page, linked to nothing, was taken for new and got a second record, which brought back a row
-- someone had deleted, without asking anybody. (When the record is still there, 20261126002400
-- links the page to it again.)
--
-- Now, before a run reconciles, such a page is linked again to the key of its deleted record
-- (without a base), and its skipped page_missing conflict is settled (obsolete, state back). The
-- run then sees what it sees for any linked page whose record was deleted, and the delete policy
-- decides: hold asks (record_deleted, with the record's last values), unlink forgets the pair again
-- (a dismissed record_deleted, which keeps the page out of the inserts). trash_other_side asks too:
-- the deletion is settled here so the policy does not trash a page a person just took out of the
-- trash (as for a page back after the sync deleted its record). Not in a dry run.
--
-- The same from the other side: a record deleted in Supabase whose record_deleted conflict a person
-- skipped (the pair forgotten, the page kept), then put back with the same key (from a backup, say),
-- got a second page at the next full scan while its page was still there. Now the record is linked
-- again to its page when the run sees that page out of the trash and neither is linked (without a
-- base: the run compares them as on first contact), its conflict settled (obsolete, state back)
-- and its deletion too. And under trash_other_side, a record put back whose page the sync itself
-- trashed (the policy's mirror of its deletion, or a person's choice) was deleted again at once
-- for that trash; it is asked about now (page_missing, state trashed), as hold does.

-- relink_returned -------------------------------------------------------------------------------
create function notion_sync.relink_returned(p_run_id uuid)
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
  v_relinked integer;
begin
  select m.* into v_map
  from notion_sync.runs r join notion_sync.mappings m on m.mapping_id = r.mapping_id
  where r.run_id = p_run_id;
  if not found then
    return 0;
  end if;
  -- a pair forgotten after a person skipped its deletion (or unlink did) whose missing half came
  -- back, linked again without a base: a page this run saw out of the trash whose record was
  -- deleted meanwhile (page_missing), or a record put back with the same key while its page is live
  -- (record_deleted; record_changes holds the keys inserted since they were last linked). The table
  -- is read once, for those records only.
  with back as (
    select distinct on (c.kind, case c.kind when 'page_missing' then c.page_id else c.record_key end)
           c.kind, c.page_id, c.record_key
    from notion_sync.conflicts c
    join notion_sync.staged_pages sp on sp.mapping_id = c.mapping_id and sp.page_id = c.page_id
    where c.mapping_id = v_map.mapping_id and c.status = 'dismissed'
      and (c.kind = 'page_missing'
           or c.kind = 'record_deleted'
              and exists (select from notion_sync.record_changes rc
                          where rc.mapping_id = c.mapping_id and rc.record_key = c.record_key))
      and sp.seen_in_run = p_run_id and not sp.in_trash
      and not exists (select from notion_sync.links l where l.mapping_id = v_map.mapping_id
                        and (l.page_id = c.page_id or l.record_key = c.record_key))
    order by c.kind, case c.kind when 'page_missing' then c.page_id else c.record_key end,
             c.created_at desc
  ), relink as (
    -- the page's record still gone, or the record back
    select b.kind, b.page_id, b.record_key
    from back b
    left join notion_sync.record_column_values(v_map.mapping_id, (select array_agg(x.record_key) from back x)) s
      on s.record_key = b.record_key
    where (s.record_key is not null) = (b.kind = 'record_deleted')
  ), linked as (
    -- pages first, then records; two halves claiming one partner: the first by key wins
    insert into notion_sync.links (mapping_id, page_id, owner_id, record_key, base)
    select v_map.mapping_id, r.page_id, v_map.owner_id, r.record_key, '{}'::jsonb
    from relink r
    order by r.kind, r.record_key, r.page_id
    on conflict do nothing
    returning page_id, record_key
  ), settled as (
    update notion_sync.conflicts c
    set status = 'resolved', resolved_at = now(),
        resolution = jsonb_build_object('action', 'obsolete', 'state', 'back', 'run_id', p_run_id)
    from linked k join relink r using (page_id, record_key)
    where c.mapping_id = v_map.mapping_id and c.kind = r.kind and c.status = 'dismissed'
      and c.page_id = k.page_id and c.record_key = k.record_key
  ), undeleted as (
    -- a record back is no longer deleted; a page back under trash_other_side would be trashed
    -- again for its record's deletion: it is asked about, as hold does
    update notion_sync.tombstones t set resolved_at = now()
    from linked k join relink r using (page_id, record_key)
    where (r.kind = 'record_deleted' or v_map.delete_policy = 'trash_other_side')
      and t.mapping_id = v_map.mapping_id and t.record_key = k.record_key and t.resolved_at is null
  )
  select count(*)::integer into v_relinked from linked;

  -- under trash_other_side, a record put back whose page the sync itself trashed (the mirror of its
  -- deletion) is asked about, as hold does, instead of being deleted again for that trash (the
  -- capture marks the link dirty; the table is read for those records only)
  if v_map.delete_policy = 'trash_other_side' then
    with back as (
      select l.page_id, l.record_key
      from notion_sync.links l
      join notion_sync.staged_pages sp on sp.mapping_id = l.mapping_id and sp.page_id = l.page_id
      where l.mapping_id = v_map.mapping_id and l.dirty_at is not null and sp.in_trash
        and exists (select from notion_sync.outbox o where o.mapping_id = l.mapping_id
                      and o.page_id = l.page_id and o.op = 'trash' and o.status = 'done')
        and not exists (select from notion_sync.conflicts c where c.mapping_id = l.mapping_id
                          and c.page_id = l.page_id and c.status = 'open'
                          and c.kind in ('record_deleted', 'page_missing'))
    )
    select v_relinked + count(notion_sync.open_conflict(v_map.mapping_id, p_run_id, 'page_missing', b.page_id,
             b.record_key, '{}'::jsonb, jsonb_build_object('state', 'trashed', 'record', 'put back')))::integer
    into v_relinked
    from back b
    join notion_sync.record_column_values(v_map.mapping_id, (select array_agg(x.record_key) from back x)) s
      on s.record_key = b.record_key;
  end if;
  return v_relinked;
end
$$;
comment on function notion_sync.relink_returned(uuid) is
  'Before a run reconciles: links each page it saw back from the trash, forgotten after a skipped '
  'page_missing conflict, to the key of its record when that record was deleted meanwhile (so the '
  'delete policy decides, trash_other_side asking as hold does), and each record put back after a '
  'skipped record_deleted conflict to its page when the run saw it live; settles those conflicts; '
  'under trash_other_side, asks about a record put back whose page the sync trashed (page_missing) '
  'instead of letting the policy delete it again. Returns how many pairs it linked or asked about. '
  'Authenticated; raises nothing.';
revoke execute on function notion_sync.relink_returned(uuid) from public;
grant execute on function notion_sync.relink_returned(uuid) to authenticated;

-- reconcile: statistics, pages back, then reconcile ------------------------------------------------
create or replace function notion_sync_api.reconcile(p_run_id uuid, p_options jsonb default '{}'::jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
begin
  -- a run of another user is "not found" by reconcile_run, as before
  if exists (select from notion_sync.runs r where r.run_id = p_run_id) then
    perform notion_sync.refresh_run_statistics(p_run_id);
    if not coalesce((p_options ->> 'dry_run')::boolean,
                    (select r.dry_run from notion_sync.runs r where r.run_id = p_run_id)) then
      perform notion_sync.relink_returned(p_run_id);
    end if;
  end if;
  return notion_sync.reconcile_run(p_run_id, p_options);
end
$$;
comment on function notion_sync_api.reconcile(uuid, jsonb) is
  'Three-way reconcile of what a run staged against the mapping''s table: applies one-sided changes '
  '(compare-and-set, outbox), keeps divergent ones as conflicts, follows the delete policy, holds '
  'a side past the safety valve, leaves pending the relation fields that cannot be translated yet '
  '(a related page or record not linked). A full run first refreshes statistics the planner lacks '
  'for the mapping (refresh_run_statistics); a run that applies first links again the pairs a '
  'skipped deletion forgot whose page or record came back (relink_returned). Returns the summary '
  '(with the diff for a dry run). Authenticated. Raises P0002 (no such run), 22023 (bad policy).';
