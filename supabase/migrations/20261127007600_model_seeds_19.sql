-- A revert's (or an undo's) push that waits in the outbox is settled by the next run that reads
-- its page, so a Notion edit made after that read is never overwritten by it.
--
-- Undoing a change made in Notion queues a push of the old value, expecting Notion to still hold
-- the value the change wrote; the pre-push check writes only then. Such a push (advance_base
-- false) is not re-planned by a reconcile, as the sync's own pushes are. When a person edited the
-- page meanwhile (to the old value, or to a third one), a run read that edit, and the person then
-- set the page back to the value the change wrote before the push went out, the pre-push check
-- found the expected value and wrote: the person's last edit was overwritten (the no-lost-edit
-- model test, seed 113). Now a run that read the page decides such a push as the pre-push check
-- would have then: a field Notion already holds is done, a field Notion moved off is a conflict
-- keeping both values (what the check opens), the other fields wait as before.

alter function notion_sync.reconcile_run(uuid, jsonb) rename to reconcile_run_leaving_undo_pushes;
comment on function notion_sync.reconcile_run_leaving_undo_pushes(uuid, jsonb) is
  'The reconcile of a run without settling the undo pushes waiting for the pages it read. Call '
  'reconcile_run. Authenticated; raises what reconcile_run_of_questions raises.';

-- The pending undo pushes (advance_base false) of the pages this run read live and whose pair is
-- linked, decided per field against what the run read: held already → done; moved off the value
-- the undo expects → a field conflict keeping both; else left to wait. Returns how many pushes
-- changed. Authenticated (RLS keeps it to the caller's rows); raises nothing.
create function notion_sync.settle_undo_pushes_seen(p_run_id uuid)
returns integer
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_item record;
  v_field record;
  v_keep jsonb;
  v_done boolean;
  v_conflicts jsonb;
  v_settled integer := 0;
begin
  for v_item in
    select o.outbox_id, o.mapping_id, o.run_id, o.page_id, o.record_key, o.fields, n.cols
    from notion_sync.runs r
    join notion_sync.outbox o on o.mapping_id = r.mapping_id and o.op = 'update' and o.status = 'pending'
                             and not o.advance_base
    join notion_sync.staged_pages sp on sp.mapping_id = o.mapping_id and sp.page_id = o.page_id
                                    and sp.seen_in_run = p_run_id and not sp.in_trash
    join notion_sync.links l on l.mapping_id = o.mapping_id and l.page_id = o.page_id
                            and l.record_key = o.record_key
    cross join lateral notion_sync.notion_column_values(o.mapping_id, array[o.page_id]) n
    where r.run_id = p_run_id
    order by o.outbox_id
  loop
    v_keep := '{}'::jsonb;
    v_done := false;
    v_conflicts := '{}'::jsonb;
    for v_field in
      select f.key as field, f.value, mf.property_type
      from jsonb_each(v_item.fields) f
      left join notion_sync.mapping_fields(v_item.mapping_id) mf on mf.field = f.key
    loop
      if notion_sync.column_values_match(v_field.property_type, v_item.cols -> v_field.field,
                                         v_field.value -> 'value') then
        v_done := true;
      elsif notion_sync.column_values_match(v_field.property_type, v_item.cols -> v_field.field,
                                            v_field.value -> 'expected') then
        v_keep := v_keep || jsonb_build_object(v_field.field, v_field.value);
      else
        v_conflicts := v_conflicts || jsonb_build_object(v_field.field, jsonb_build_object(
          'base', v_field.value -> 'expected', 'notion', v_item.cols -> v_field.field,
          'supabase', v_field.value -> 'value'));
      end if;
    end loop;
    continue when not v_done and v_conflicts = '{}'::jsonb;
    if v_conflicts <> '{}'::jsonb then
      perform notion_sync.open_conflict(v_item.mapping_id, v_item.run_id, 'field', v_item.page_id,
                                        v_item.record_key, v_conflicts);
    end if;
    update notion_sync.outbox o
    set fields = v_keep,
        properties = (select coalesce(jsonb_object_agg(p.key, p.value), '{}'::jsonb)
                      from jsonb_each(o.properties) p
                      where p.key in (select k.value ->> 'property_id' from jsonb_each(v_keep) k)),
        status = case when v_keep = '{}'::jsonb then 'done' else o.status end,
        outcome = case when v_keep = '{}'::jsonb
                       then jsonb_build_object('settled_by_run', p_run_id, 'read', v_item.cols)
                       else o.outcome end,
        updated_at = now()
    where o.outbox_id = v_item.outbox_id;
    v_settled := v_settled + 1;
  end loop;
  return v_settled;
end
$$;
revoke execute on function notion_sync.settle_undo_pushes_seen(uuid) from public;
grant execute on function notion_sync.settle_undo_pushes_seen(uuid) to authenticated;

-- A run's reconcile (reconcile_run_leaving_undo_pushes), then, unless it is dry, the undo pushes
-- waiting for the pages it read settled (settle_undo_pushes_seen). Authenticated; raises what the
-- reconcile raises.
create function notion_sync.reconcile_run(p_run_id uuid, p_options jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_summary jsonb := notion_sync.reconcile_run_leaving_undo_pushes(p_run_id, p_options);
begin
  if not coalesce((p_options ->> 'dry_run')::boolean,
                  (select r.dry_run from notion_sync.runs r where r.run_id = p_run_id), false) then
    perform notion_sync.settle_undo_pushes_seen(p_run_id);
  end if;
  return v_summary;
end
$$;
revoke execute on function notion_sync.reconcile_run(uuid, jsonb) from public;
grant execute on function notion_sync.reconcile_run(uuid, jsonb) to authenticated;

-- A page that the pre-push check read as changed since it was staged, and to which nothing is then
-- written, is staged as read: a Notion edit back to the staged values is then seen.
--
-- A retrieve skips a page whose values are those staged. The pre-push check reads the page just
-- before a PATCH; when it finds the write done already (the person typed the same value in Notion
-- meanwhile) or asks about a Notion edit, nothing is confirmed and the staged copy kept the values
-- of the run's read. A person who then set the page back to those values made an edit that no
-- incremental run saw (its values were the staged ones), so Supabase kept the other value until the
-- next full scan (the no-lost-edit model test, seed 118). A confirmed write already stages the page
-- it reads back, for the same reason.

alter function notion_sync.check_push_fields(bigint, jsonb) rename to check_push_fields_unstaged;
comment on function notion_sync.check_push_fields_unstaged(bigint, jsonb) is
  'The pre-push check of an outbox item, leaving the staged page as it was. Call check_push_fields. '
  'Authenticated; raises P0002 for an item not in flight.';

-- The pre-push check of an outbox item (check_push_fields_unstaged); when it writes nothing (done,
-- or a conflict) and the page it read holds other mapped values than the staged copy, the page is
-- staged as read, with an empty values hash so that the next retrieve compares it again (as
-- confirm_push stages what it reads back). Authenticated; raises P0002 for an item not in flight.
create function notion_sync.check_push_fields(p_outbox_id bigint, p_page jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_item notion_sync.outbox;
  v_result jsonb;
begin
  select * into v_item from notion_sync.outbox o where o.outbox_id = p_outbox_id and o.status = 'in_flight';
  v_result := notion_sync.check_push_fields_unstaged(p_outbox_id, p_page);
  if v_item.op = 'update' and v_result ->> 'decision' in ('done', 'conflict') and p_page ? 'properties'
     and not coalesce((p_page ->> 'in_trash')::boolean, (p_page ->> 'archived')::boolean, false) then
    update notion_sync.staged_pages s
    set raw = p_page, properties_hash = md5((p_page -> 'properties')::text),
        mapped_values = notion_sync.mapped_canonical(m.field_map, p_page -> 'properties'), values_hash = '',
        last_edited_time = coalesce((p_page ->> 'last_edited_time')::timestamptz, s.last_edited_time),
        staged_at = now()
    from notion_sync.mappings m
    where m.mapping_id = v_item.mapping_id and s.mapping_id = v_item.mapping_id and s.page_id = v_item.page_id
      and s.mapped_values is distinct from notion_sync.mapped_canonical(m.field_map, p_page -> 'properties');
  end if;
  return v_result;
end
$$;
revoke execute on function notion_sync.check_push_fields(bigint, jsonb) from public;
grant execute on function notion_sync.check_push_fields(bigint, jsonb) to authenticated;

-- Undoing an answer puts back the base the answer found, not the one its question shows.
--
-- Undoing an answer to a value question set each field's base to the base the question showed. A
-- question the pre-push check or a failed push asked shows as base the value the push expected in
-- Notion, which is Notion's value when a run that chose Supabase's side planned it, not a value
-- both sides held. Undoing Keep Supabase on such a question (its push still waiting, so nothing
-- written) made Notion's value the base: the next run took Supabase's value for an edit and pushed
-- it over Notion's, the answer the person had just undone (the no-lost-edit model test, seed 125).
-- An undo now puts back, per field, the base the answer's write found (logged with the write as
-- old_base), and leaves the base of a field the answer wrote nothing to: it moved no base there.
--
-- The question an undo opens again may have a newer one of the same kind about the same pair: the
-- push of Keep Supabase failed too, which asked again (push_failed), and the undo opened the first
-- question beside it. Two open questions of one kind about one pair broke every later run of the
-- mapping ("query returned more than one row" where a run adds fields to the open question; seed
-- 129). The newer question's fields and details now join the one opened again, as a run's would,
-- and it is closed (obsolete, merged_into).

alter function notion_sync.undo_resolution_of_changes(uuid) rename to undo_resolution_of_changes_and_bases;
comment on function notion_sync.undo_resolution_of_changes_and_bases(uuid) is
  'Undoes a resolution''s changes and sets every field''s base to the question''s. Call '
  'undo_resolution_of_changes. Authenticated; raises P0002 (not found), 55000 (not resolved).';

-- Undoes a resolution's changes (undo_resolution_of_changes_and_bases); each field of a value
-- question gets back the base the resolution's write of it found, or keeps its base when the
-- resolution wrote nothing to it; an open value question of the same kind about the same pair is
-- merged into the question opened again.
-- Authenticated; raises P0002 (not found), 55000 (not resolved).
create function notion_sync.undo_resolution_of_changes(p_conflict_id uuid)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_c notion_sync.conflicts;
  v_base jsonb;
  v_result jsonb;
  v_found jsonb;
  v_written text[];
  v_other record;
  v_fields jsonb := '{}'::jsonb;
  v_details jsonb := '{}'::jsonb;
begin
  select * into v_c from notion_sync.conflicts c where c.conflict_id = p_conflict_id;
  select l.base into v_base from notion_sync.links l
  where l.mapping_id = v_c.mapping_id and l.page_id = v_c.page_id;
  -- per field the answer wrote (its first change not undone yet), the base that write found
  select coalesce(jsonb_object_agg(x.field, x.old_base) filter (where x.old_base is not null), '{}'::jsonb),
         coalesce(array_agg(x.field), '{}')
  into v_found, v_written
  from (select distinct on (ch.field) ch.field, ch.old_base from notion_sync.changes ch
        where ch.conflict_id = p_conflict_id and ch.undone_at is null order by ch.field, ch.change_id) x;
  v_result := notion_sync.undo_resolution_of_changes_and_bases(p_conflict_id);
  if v_c.kind in ('field', 'changed_during_apply', 'push_failed', 'formatting_would_be_lost') then
    -- a field the answer wrote: the base its write found; one it did not write: the base as it is
    update notion_sync.links l
    set base = l.base || (select coalesce(jsonb_object_agg(f.key, case when v_found ? f.key then v_found -> f.key
                                                                        else v_base -> f.key end), '{}'::jsonb)
                          from jsonb_each(v_c.fields) f
                          where v_found ? f.key or (v_base ? f.key and f.key <> all (v_written)))
    where l.mapping_id = v_c.mapping_id and l.page_id = v_c.page_id;
  end if;
  if v_c.kind in ('field', 'first_contact', 'changed_during_apply', 'push_failed', 'formatting_would_be_lost') then
    for v_other in
      update notion_sync.conflicts o
      set status = 'resolved', resolved_at = now(),
          resolution = jsonb_build_object('action', 'obsolete', 'merged_into', p_conflict_id)
      where o.mapping_id = v_c.mapping_id and o.kind = v_c.kind and o.status = 'open'
        and o.page_id is not distinct from v_c.page_id and o.record_key is not distinct from v_c.record_key
        and o.conflict_id <> p_conflict_id
      returning o.fields, o.details, o.created_at
    loop
      v_fields := v_fields || v_other.fields;
      v_details := v_details || v_other.details;
    end loop;
    update notion_sync.conflicts c set fields = c.fields || v_fields, details = c.details || v_details
    where c.conflict_id = p_conflict_id and (v_fields <> '{}'::jsonb or v_details <> '{}'::jsonb);
  end if;
  return v_result;
end
$$;
revoke execute on function notion_sync.undo_resolution_of_changes(uuid) from public;
grant execute on function notion_sync.undo_resolution_of_changes(uuid) to authenticated;

-- A pair whose decided push a run cancelled (both sides came to agree before it went out) is looked
-- at again by the next run, whose base then catches up.
--
-- While the push of Keep Supabase waits, a run compares the pair against the value decided (so
-- that only a Notion edit made after the decision asks again), then puts the base back where it set
-- it. When the person made both sides agree meanwhile (Supabase edited to Notion's value), the run
-- found them converged, cancelled the push and advanced the base, and the base went back anyway:
-- the pair, no longer dirty and unchanged in Notion, kept a base neither side held any more until a
-- full scan (the relations model test, seed 60).

alter function notion_sync.reconcile_holding_decisions(uuid, jsonb) rename to reconcile_holding_decisions_once;
comment on function notion_sync.reconcile_holding_decisions_once(uuid, jsonb) is
  'A run''s reconcile against the values decided whose push waits. Call reconcile_holding_decisions. '
  'Authenticated; raises what reconcile_pairs raises.';

-- A run's reconcile against the values decided whose push waits (reconcile_holding_decisions_once);
-- the pairs whose decided push it cancelled are marked for the next run. Authenticated; raises what
-- reconcile_pairs raises.
create function notion_sync.reconcile_holding_decisions(p_run_id uuid, p_options jsonb default '{}'::jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_held bigint[];
  v_result jsonb;
begin
  select array_agg(o.outbox_id) into v_held
  from notion_sync.runs r
  join notion_sync.outbox o on o.mapping_id = r.mapping_id and o.op = 'update'
                           and o.status in ('pending', 'in_flight') and o.conflict_id is not null and o.advance_base
  where r.run_id = p_run_id;
  v_result := notion_sync.reconcile_holding_decisions_once(p_run_id, p_options);
  update notion_sync.links l set dirty_at = now()
  from notion_sync.outbox o
  where o.outbox_id = any (coalesce(v_held, '{}')) and o.status = 'cancelled'
    and l.mapping_id = o.mapping_id and l.page_id = o.page_id;
  return v_result;
end
$$;
revoke execute on function notion_sync.reconcile_holding_decisions(uuid, jsonb) from public;
grant execute on function notion_sync.reconcile_holding_decisions(uuid, jsonb) to authenticated;
