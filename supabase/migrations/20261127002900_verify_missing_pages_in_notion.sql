-- Pages a completed full scan did not see are verified, as DESIGN says, and a record put back whose
-- page is not in the scan is asked about instead of getting a second page.
--
-- 1. Verification. 20261126001100 gave report_page_state (what the functions found when they
--    retrieved a missing page), but no function retrieved anything: every page a scan missed stayed
--    "unverified" for ever. A page a person trashed in Notion was never known as trashed, so
--    trash_other_side never took its record along (a person was asked instead), and a page a scan
--    merely missed was held as missing until a person answered. Now the retrieve function, after reconciling, retrieves each page of the
--    mapping's open unverified page_missing conflicts (pages_to_verify) and hands what Notion
--    answered to verify_missing_page, which decides the state here, in SQL: in the trash → trashed;
--    under another parent than the mapping's data source → moved; back in it → present (the
--    question is settled); 404 → unshared (Notion answers the same for a page no longer shared with
--    the integration and one deleted for good, and says the former). The delete policy then
--    applies as report_page_state applies it, except that under trash_other_side the record a
--    verified trash deletes is logged as the run's change (the functions verify before the run
--    finishes), so revert_run puts it back (report_page_state logged it without a run). And
--    report_page_state under unlink now dismisses the question of the pair it forgets, as unlink
--    does in a run: it left it open (for a mapping whose policy became unlink while the question
--    waited).
--
-- 2. A record put back from a backup (same key) after its record_deleted conflict was skipped, or
--    dismissed by unlink, whose page is not live any more (a person trashed it after the pair was
--    forgotten), got a second page at the next full scan while the first stayed in the trash. Now,
--    when a completed full scan did not see that page out of the trash, the pair is linked again
--    and asked about (page_missing, record "put back", verified like any missing page), and under
--    trash_other_side a page verified as trashed does not delete the record a person put back after
--    the trash: it is asked about, as 20261126002700 does when the sync itself trashed the page.
--    Under unlink the pair stays forgotten (a dismissed page_missing, so the record gets no second
--    page, as for any record of a trashed page under unlink). The skipped question and the record's
--    deletion are settled (obsolete, state back). When the scan did see the page, 20261126002700
--    links them as before.
--
-- 3. A deletion question still open when its missing half comes back is settled (obsolete, state
--    back) before the run reconciles: a page_missing question whose page the run sees out of the
--    trash (a person restored it in Notion), a record_deleted question whose record is put back.
--    They stayed open, stale, and answering them then deleted a live record ("delete the record"
--    for a page that is back) or made a second record ("restore the record" for one already back).
--
-- 4. Restoring a page that was moved out of the data source moves it back (plan_restore answers
--    move). It answered done for any page not in the trash, so the pair stayed linked to a page
--    elsewhere, the next full scan missed it again and the same question came back, for ever.
--
-- 5. open_conflicts gains page_title (the page's title as last staged): a question about a page in
--    the trash named it only by its id.
--
-- 6. "Restore the record" (record_deleted, prefer_notion) brings the deleted record back whole:
--    its last values (the tombstone's) under Notion's mapped values, with its key. It made a new
--    record of Notion's values alone, under a new key: the columns Notion does not hold were lost,
--    other tables' references to the old key broke, and the record put back later from a backup
--    (found by the lifecycle test, seed 306) was a second record of the page, which got a second
--    page.
--
-- 7. A run that plans the same update as the one waiting in the outbox keeps the waiting one. Every
--    full scan cancelled each waiting update and queued it again: a new row per run, and a write
--    Notion kept refusing (a 503 retried with backoff) started again at attempt 0 with no backoff,
--    so it never became a push_failed question. (Found by the lifecycle test, seed 305, as an
--    outbox that grew at a sync that changed nothing.)

-- in_data_source ------------------------------------------------------------------------------------
create function notion_sync.in_data_source(p_page jsonb, p_data_source_id text)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
begin
  return coalesce(p_page -> 'parent' ->> 'type' = 'data_source_id'
     and notion_sync.notion_id(p_page -> 'parent' ->> 'data_source_id') = notion_sync.notion_id(p_data_source_id), false);
end
$$;
comment on function notion_sync.in_data_source(jsonb, text) is
  'Whether a Notion page object''s parent is this data source (ids in any of Notion''s forms; false '
  'for an object without a parent). Any caller; raises nothing.';
revoke execute on function notion_sync.in_data_source(jsonb, text) from public;
grant execute on function notion_sync.in_data_source(jsonb, text) to authenticated;

-- pages_to_verify -------------------------------------------------------------------------------
create function notion_sync_api.pages_to_verify(p_mapping_name text, p_limit integer default 100)
returns table (page_id text)
language plpgsql
stable
security invoker
set search_path = ''
as $$
begin
  return query
  select c.page_id
  from notion_sync.mappings m
  join notion_sync.conflicts c on c.mapping_id = m.mapping_id
  where m.name = p_mapping_name and c.kind = 'page_missing' and c.status = 'open'
    and c.details ->> 'state' = 'unverified'
    and exists (select from notion_sync.links l where l.mapping_id = c.mapping_id and l.page_id = c.page_id)
  order by c.created_at, c.page_id
  limit greatest(p_limit, 0);
end
$$;
comment on function notion_sync_api.pages_to_verify(text, integer) is
  'The pages of the caller''s mapping a completed full scan missed and nobody has retrieved yet (open '
  'page_missing conflicts in state unverified), oldest first, at most p_limit. Authenticated; an '
  'unknown mapping gives no rows.';
revoke execute on function notion_sync_api.pages_to_verify(text, integer) from public;
grant execute on function notion_sync_api.pages_to_verify(text, integer) to authenticated;

-- report_page_state: unlink dismisses the question it forgets the pair of ------------------------
alter function notion_sync_api.report_page_state(text, text, text, jsonb) set schema notion_sync;
alter function notion_sync.report_page_state(text, text, text, jsonb) rename to record_page_state;
comment on function notion_sync.record_page_state(text, text, text, jsonb) is
  'The body of notion_sync_api.report_page_state before 20261127002900 (under unlink it forgot the '
  'pair but left the question open). Authenticated. Raises P0002, 22023.';

create function notion_sync_api.report_page_state(
  p_mapping_name text, p_page_id text, p_state text, p_page jsonb default null)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_result jsonb := notion_sync.record_page_state(p_mapping_name, p_page_id, p_state, p_page);
begin
  -- the pair is forgotten: its question is dismissed, as unlink dismisses it in a run (the policy
  -- may have become unlink while the question waited)
  if v_result ->> 'applied' = 'unlink' then
    update notion_sync.conflicts c
    set status = 'dismissed', resolved_at = now(),
        resolution = jsonb_build_object('action', 'skip', 'by', 'delete_policy', 'state', p_state)
    from notion_sync.mappings m
    where m.name = p_mapping_name and c.mapping_id = m.mapping_id and c.page_id = p_page_id
      and c.kind = 'page_missing' and c.status = 'open';
  end if;
  return v_result;
end
$$;
comment on function notion_sync_api.report_page_state(text, text, text, jsonb) is
  'Records what the functions found when they retrieved a page a full scan missed (present, trashed, '
  'unshared, moved, gone) and applies the delete policy to it (unlink forgets the pair and dismisses '
  'the question). Authenticated. Raises P0002 (no such mapping or link), 22023 (unknown state).';
revoke execute on function notion_sync_api.report_page_state(text, text, text, jsonb) from public;
grant execute on function notion_sync_api.report_page_state(text, text, text, jsonb) to authenticated;

-- verify_missing_page -----------------------------------------------------------------------------
create function notion_sync_api.verify_missing_page(
  p_mapping_name text, p_page_id text, p_page jsonb, p_run_id uuid default null)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
  v_state text;
  v_conflict uuid;
  v_key text;
begin
  select * into v_map from notion_sync.mappings m where m.name = p_mapping_name;
  if not found then
    raise exception 'no mapping named "%"', p_mapping_name using errcode = 'P0002';
  end if;
  if p_page is not null and (jsonb_typeof(p_page) <> 'object' or p_page ->> 'object' is distinct from 'page'
                             or notion_sync.notion_id(p_page ->> 'id') is distinct from notion_sync.notion_id(p_page_id)) then
    raise exception 'p_page must be the page object Notion answered for page % (or null for a 404), got %',
      p_page_id, left(p_page::text, 200) using errcode = '22023';
  end if;
  v_state := case
    when p_page is null then 'unshared'
    when coalesce((p_page ->> 'in_trash')::boolean, (p_page ->> 'archived')::boolean, false) then 'trashed'
    when notion_sync.in_data_source(p_page, v_map.data_source_id) then 'present'
    else 'moved' end;
  if v_state = 'trashed' and v_map.delete_policy = 'trash_other_side' then
    select l.record_key into v_key from notion_sync.links l
    where l.mapping_id = v_map.mapping_id and l.page_id = p_page_id;
    if not found then
      raise exception 'page % is not linked in mapping "%"', p_page_id, p_mapping_name using errcode = 'P0002';
    end if;
    -- a record put back after the pair was forgotten, whose page was trashed meanwhile: the put
    -- back is the later act, so it is asked about instead of deleted again
    update notion_sync.conflicts c set details = c.details || jsonb_build_object('state', v_state)
    where c.mapping_id = v_map.mapping_id and c.page_id = p_page_id and c.kind = 'page_missing'
      and c.status = 'open' and c.details ->> 'record' = 'put back'
    returning c.conflict_id into v_conflict;
    if v_conflict is not null then
      return jsonb_build_object('state', v_state, 'conflict_id', v_conflict);
    end if;
    -- else the record follows its page, as the run's change (revert_run puts it back)
    perform notion_sync.delete_record(v_map.mapping_id, v_key, p_run_id, null);
    update notion_sync.conflicts c
    set status = 'resolved', resolved_at = now(),
        resolution = jsonb_build_object('action', 'delete_policy', 'state', v_state, 'run_id', p_run_id)
    where c.mapping_id = v_map.mapping_id and c.page_id = p_page_id and c.kind = 'page_missing' and c.status = 'open';
    return jsonb_build_object('state', v_state, 'applied', 'trash_other_side');
  end if;
  -- the other states, and the other policies, as report_page_state records them
  return notion_sync_api.report_page_state(p_mapping_name, p_page_id, v_state, p_page);
end
$$;
comment on function notion_sync_api.verify_missing_page(text, text, jsonb, uuid) is
  'What Notion answered for a page a completed full scan missed (the page object, or null for a '
  '404): decides its state (trashed, moved, present, unshared) and reports it (report_page_state, '
  'which applies the delete policy; a record put back after its page was trashed is asked about '
  'under trash_other_side too). A record the policy deletes is '
  'logged as p_run_id''s change. '
  'Authenticated. Raises P0002 (no such mapping or link), 22023 (not that page''s object).';
revoke execute on function notion_sync_api.verify_missing_page(text, text, jsonb, uuid) from public;
grant execute on function notion_sync_api.verify_missing_page(text, text, jsonb, uuid) to authenticated;

-- relink_returned: records put back whose page the scan did not see ----------------------------------
alter function notion_sync.relink_returned(uuid) rename to relink_returned_seen;
comment on function notion_sync.relink_returned_seen(uuid) is
  'The part of relink_returned for halves whose partner the run saw live: pages back from the trash, '
  'records put back while their page lives (see 20261126002700). Authenticated; raises nothing.';

create function notion_sync.relink_returned(p_run_id uuid)
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_run notion_sync.runs;
  v_map notion_sync.mappings;
  v_back record;
  v_conflict uuid;
  v_asked integer := 0;
begin
  select r.* into v_run from notion_sync.runs r where r.run_id = p_run_id;
  if not found then
    return 0;
  end if;
  select m.* into v_map from notion_sync.mappings m where m.mapping_id = v_run.mapping_id;
  -- a deletion question whose missing half is back is no longer a question: a page this run saw out
  -- of the trash (a person restored it, or moved it back), a record put back with its key; answered
  -- now, it would delete a live record or make a second one (the table is read for those records
  -- only)
  with back as (
    select c.conflict_id, c.kind, c.record_key
    from notion_sync.conflicts c
    left join notion_sync.staged_pages sp on sp.mapping_id = c.mapping_id and sp.page_id = c.page_id
    where c.mapping_id = v_map.mapping_id and c.status = 'open'
      and (c.kind = 'page_missing' and sp.seen_in_run = p_run_id and not sp.in_trash
           -- written since: its link marked dirty by the capture (or, unlinked, record_changes)
           or c.kind = 'record_deleted'
              and (exists (select from notion_sync.links l where l.mapping_id = c.mapping_id
                             and l.record_key = c.record_key and l.dirty_at is not null)
                   or exists (select from notion_sync.record_changes rc
                              where rc.mapping_id = c.mapping_id and rc.record_key = c.record_key)))
  ), settled as (
    update notion_sync.conflicts c
    set status = 'resolved', resolved_at = now(),
        resolution = jsonb_build_object('action', 'obsolete', 'state', 'back', 'run_id', p_run_id)
    from back b
    where c.conflict_id = b.conflict_id
      and (b.kind = 'page_missing'
           or b.record_key in (select s.record_key from notion_sync.record_column_values(v_map.mapping_id,
                                 (select array_agg(x.record_key) from back x where x.kind = 'record_deleted')) s))
    returning c.kind, c.record_key
  )
  update notion_sync.tombstones t set resolved_at = now()
  from settled s
  where s.kind = 'record_deleted' and t.mapping_id = v_map.mapping_id and t.record_key = s.record_key
    and t.resolved_at is null;
  -- only a completed full scan tells that a page is not live
  if v_run.mode <> 'full' or not v_run.checkpoint ? 'scan_completed_at' then
    return notion_sync.relink_returned_seen(p_run_id);
  end if;
  -- the last skipped deletion of each record put back (record_changes holds the keys written since
  -- they were last linked), whose page this scan did not see out of the trash, neither half linked;
  -- the table is read for those records only
  for v_back in
    with back as (
      select distinct on (c.record_key) c.page_id, c.record_key, coalesce(sp.in_trash, false) as in_trash
      from notion_sync.conflicts c
      left join notion_sync.staged_pages sp on sp.mapping_id = c.mapping_id and sp.page_id = c.page_id
      where c.mapping_id = v_map.mapping_id and c.kind = 'record_deleted' and c.status = 'dismissed'
        and exists (select from notion_sync.record_changes rc
                    where rc.mapping_id = c.mapping_id and rc.record_key = c.record_key)
        and not (sp.seen_in_run is not distinct from p_run_id and not sp.in_trash)
        and not exists (select from notion_sync.links l where l.mapping_id = v_map.mapping_id
                          and (l.page_id = c.page_id or l.record_key = c.record_key))
      order by c.record_key, c.created_at desc
    )
    select b.* from back b
    join notion_sync.record_column_values(v_map.mapping_id, (select array_agg(x.record_key) from back x)) s
      on s.record_key = b.record_key
    order by b.record_key
  loop
    -- hold and trash_other_side link the pair again and ask; unlink forgets it again, as it does
    -- for any trashed page
    if v_map.delete_policy <> 'unlink' then
      insert into notion_sync.links (mapping_id, page_id, owner_id, record_key, base)
      values (v_map.mapping_id, v_back.page_id, v_map.owner_id, v_back.record_key, '{}'::jsonb)
      on conflict do nothing;
      continue when not found;  -- the page went to a record put back before it
    end if;
    v_conflict := notion_sync.open_conflict(v_map.mapping_id, p_run_id, 'page_missing', v_back.page_id,
      v_back.record_key, '{}'::jsonb,
      jsonb_build_object('state', case when v_back.in_trash then 'trashed' else 'unverified' end,
                         'record', 'put back'));
    if v_map.delete_policy = 'unlink' then
      update notion_sync.conflicts c
      set status = 'dismissed', resolved_at = now(),
          resolution = jsonb_build_object('action', 'skip', 'by', 'delete_policy')
      where c.conflict_id = v_conflict;
    end if;
    update notion_sync.conflicts c
    set status = 'resolved', resolved_at = now(),
        resolution = jsonb_build_object('action', 'obsolete', 'state', 'back', 'run_id', p_run_id)
    where c.mapping_id = v_map.mapping_id and c.kind = 'record_deleted' and c.status = 'dismissed'
      and c.record_key = v_back.record_key;
    update notion_sync.tombstones t set resolved_at = now()
    where t.mapping_id = v_map.mapping_id and t.record_key = v_back.record_key and t.resolved_at is null;
    v_asked := v_asked + 1;
  end loop;
  return v_asked + notion_sync.relink_returned_seen(p_run_id);
end
$$;
comment on function notion_sync.relink_returned(uuid) is
  'Before a run reconciles: settles the open deletion questions whose missing half is back (a page '
  'the run saw out of the trash, a record put back); relink_returned_seen (pages back from the '
  'trash, records put back while their page lives); and after a completed full scan, each record '
  'put back after a skipped record_deleted conflict whose page the scan did not see out of the '
  'trash: linked again and asked about (page_missing, record "put back", verified like any missing '
  'page), or under unlink left forgotten (a dismissed page_missing), instead of getting a second '
  'page. Returns how many pairs it linked or asked about. Authenticated; raises nothing.';
revoke execute on function notion_sync.relink_returned(uuid) from public;
grant execute on function notion_sync.relink_returned(uuid) to authenticated;

-- open_conflicts: the page's title as last staged, so a question names the page a person knows ---
create or replace view notion_sync_api.open_conflicts with (security_invoker = true) as
select c.conflict_id, m.name as mapping, c.kind, c.page_id, c.record_key, f.key as field,
       f.value -> 'base' as base, f.value -> 'notion' as notion, f.value -> 'supabase' as supabase,
       c.details, c.run_id, c.created_at,
       (select notion_sync.page_title(sp.raw) from notion_sync.staged_pages sp
        where sp.mapping_id = c.mapping_id and sp.page_id = c.page_id) as page_title
from notion_sync.conflicts c
join notion_sync.mappings m on m.mapping_id = c.mapping_id
left join lateral jsonb_each(c.fields) f on true
where c.status = 'open';
comment on view notion_sync_api.open_conflicts is
  'Open conflicts of the caller, one row per field (base, Notion, Supabase side by side; one row '
  'with null fields for a question without fields), with the page''s title as last staged.';

-- plan_restore: a page moved out of the data source is moved back ---------------------------------
alter function notion_sync_api.plan_restore(bigint, jsonb) set schema notion_sync;
alter function notion_sync.plan_restore(bigint, jsonb) rename to plan_restore_in_place;
comment on function notion_sync.plan_restore_in_place(bigint, jsonb) is
  'How notion_sync_api.plan_restore brings a page back, wherever the page is (untrash, done, '
  'recreate, fail). Authenticated. Raises P0002, 22023.';

create function notion_sync_api.plan_restore(p_outbox_id bigint, p_page jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_plan jsonb := notion_sync.plan_restore_in_place(p_outbox_id, p_page);
  v_data_source text;
begin
  if v_plan ->> 'action' = 'done' then
    select m.data_source_id into v_data_source
    from notion_sync.outbox o join notion_sync.mappings m on m.mapping_id = o.mapping_id
    where o.outbox_id = p_outbox_id;
    if not notion_sync.in_data_source(p_page, v_data_source) then
      return jsonb_build_object('action', 'move', 'data_source_id', v_data_source);
    end if;
  end if;
  return v_plan;
end
$$;
comment on function notion_sync_api.plan_restore(bigint, jsonb) is
  'Decides how an in-flight restore brings its page back from the page as Notion has it (null for a '
  '404): untrash, move (back into the mapping''s data source, from wherever it was moved), done, '
  'recreate from the record, or fail. Authenticated. Raises P0002, 22023.';
revoke execute on function notion_sync_api.plan_restore(bigint, jsonb) from public;
grant execute on function notion_sync_api.plan_restore(bigint, jsonb) to authenticated;

-- insert_record_for_page: a deleted record restored comes back whole, with its key ------------------
alter function notion_sync.insert_record_for_page(uuid, text, jsonb, uuid, uuid) rename to insert_page_values;
comment on function notion_sync.insert_page_values(uuid, text, jsonb, uuid, uuid) is
  'Inserts a record of these column values for a Notion page (the table''s defaults for the rest) '
  'and links it. Authenticated (RLS on the table); raises what the insert raises.';

create function notion_sync.insert_record_for_page(
  p_mapping_id uuid, p_page_id text, p_values jsonb, p_run_id uuid, p_conflict_id uuid default null)
returns text
language plpgsql
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
  v_key text;
  v_last jsonb;
begin
  -- a record_deleted question answered "restore the record": its last values under Notion's, so
  -- the key (which other tables may reference) and the columns Notion does not hold come back;
  -- not the columns an insert cannot write (generated, identity always)
  select c.record_key, t.last_values into v_key, v_last
  from notion_sync.conflicts c
  join notion_sync.tombstones t on t.mapping_id = c.mapping_id and t.record_key = c.record_key
  where c.conflict_id = p_conflict_id and c.kind = 'record_deleted'
  order by t.deleted_at desc
  limit 1;
  if v_last is null then
    return notion_sync.insert_page_values(p_mapping_id, p_page_id, p_values, p_run_id, p_conflict_id);
  end if;
  select * into v_map from notion_sync.mappings m where m.mapping_id = p_mapping_id;
  if exists (select from notion_sync.record_column_values(p_mapping_id, array[v_key])) then
    raise exception 'record % is back already (put back since this question was asked); the next run settles the question', v_key
      using errcode = '55000';
  end if;
  select coalesce(jsonb_object_agg(a.attname, v_last -> a.attname), '{}'::jsonb) into v_last
  from pg_catalog.pg_attribute a
  where a.attrelid = format('%I.%I', v_map.target_schema, v_map.target_table)::regclass
    and a.attnum > 0 and not a.attisdropped and a.attgenerated = '' and a.attidentity <> 'a'
    and v_last ? a.attname;
  return notion_sync.insert_page_values(p_mapping_id, p_page_id, v_last || p_values, p_run_id, p_conflict_id);
end
$$;
comment on function notion_sync.insert_record_for_page(uuid, text, jsonb, uuid, uuid) is
  'Creates the record for a Notion page and links it: a new page''s record from its values, or a '
  'deleted record restored (p_conflict_id a record_deleted question) from its last values under '
  'Notion''s, with its key. Authenticated (RLS on the table); raises 55000 when the record is back '
  'already, and what the insert raises.';
revoke execute on function notion_sync.insert_record_for_page(uuid, text, jsonb, uuid, uuid) from public;
grant execute on function notion_sync.insert_record_for_page(uuid, text, jsonb, uuid, uuid) to authenticated, service_role;

-- queue_push: a plan the same as the write waiting keeps that write ----------------------------------
alter function notion_sync.queue_push(uuid, text, text, jsonb, jsonb, uuid, uuid, boolean) rename to queue_push_plan;
comment on function notion_sync.queue_push_plan(uuid, text, text, jsonb, jsonb, uuid, uuid, boolean) is
  'Queues a Notion update of the changed properties of a page with the values it expects there, '
  'cancelling the update waiting for the page; unconvertible values become conflicts. '
  'Authenticated; raises nothing.';

create function notion_sync.queue_push(
  p_mapping_id uuid, p_page_id text, p_record_key text, p_values jsonb, p_expected jsonb,
  p_run_id uuid default null, p_conflict_id uuid default null, p_advance_base boolean default true)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_id bigint := notion_sync.queue_push_plan(p_mapping_id, p_page_id, p_record_key, p_values, p_expected,
                                             p_run_id, p_conflict_id, p_advance_base);
  v_waiting bigint;
begin
  -- the update this plan replaced (in this transaction: by the plan itself, or by the run's
  -- reconcile just before) when it writes the same: kept, with its attempts and its backoff, so a
  -- write Notion keeps refusing reaches push_failed instead of starting over at every run
  select o.outbox_id into v_waiting
  from notion_sync.outbox o
  join notion_sync.outbox n on n.outbox_id = v_id
  where o.mapping_id = n.mapping_id and o.page_id = n.page_id and o.op = 'update' and o.outbox_id <> v_id
    and o.status = 'cancelled' and o.updated_at = now()
    and o.properties = n.properties and o.expected_base = n.expected_base and o.advance_base = n.advance_base
  order by o.outbox_id desc
  limit 1;
  if v_waiting is null then
    return v_id;
  end if;
  delete from notion_sync.outbox o where o.outbox_id = v_id;
  update notion_sync.outbox o set status = 'pending', updated_at = now() where o.outbox_id = v_waiting;
  return v_waiting;
end
$$;
comment on function notion_sync.queue_push(uuid, text, text, jsonb, jsonb, uuid, uuid, boolean) is
  'Queues a Notion update of the changed properties of a page with the values it expects there '
  '(queue_push_plan); when the update it replaces writes the same, keeps that one (its attempts '
  'and backoff) instead. Authenticated; raises nothing.';
revoke execute on function notion_sync.queue_push(uuid, text, text, jsonb, jsonb, uuid, uuid, boolean) from public;
grant execute on function notion_sync.queue_push(uuid, text, text, jsonb, jsonb, uuid, uuid, boolean) to authenticated, service_role;
