-- A record Notion cannot take blocks no other (fix). Creating pages for records without one
-- (a full run, or createUnmatched) converted each record's values with column_to_notion inside
-- reconcile, and one value Notion refuses (a status that is not an option, a number it cannot
-- hold, an option name with a comma) raised out of reconcile: the whole run failed, at every run,
-- and no other change of the mapping was applied until that row was corrected. Now:
--   * queue_create converts field by field (as queue_push does); a record with a refused value
--     gets no create but a push_failed conflict without a page, holding the refused fields'
--     Supabase values and one line of error each; the other records are created. Each full run
--     tries again (refreshing the same conflict), and the run that can queue the create settles
--     the conflict (resolved, obsolete);
--   * resolve_conflict on such a conflict: skip dismisses it (the record is then left without a
--     page, as a dismissed conflict is not raised again for the same values); prefer_supabase
--     tries the create again at once with the record as it now is (queued, or answered refused
--     with the errors); prefer_notion and merge are refused (22023): there is no Notion value.
-- The same for the apply_failed conflict of a page whose record the table refused (20261126002000):
-- prefer_notion tries the insert again, prefer_supabase and merge are refused, skip leaves the page
-- out.

-- Records the intent to create a page for a record (before any request, so a retry after a lost
-- answer looks the page up instead of creating a second one): the create payload of the given
-- column values, one pending create per record; a record whose page was created once is not
-- created again unless p_again (its data source was recreated). A value Notion cannot take opens
-- or refreshes the record's push_failed conflict instead (no page) and queues nothing; a queued
-- create settles that conflict. Returns the outbox id, or null. Authenticated; raises nothing
-- about values.
create or replace function notion_sync.queue_create(
  p_mapping_id uuid, p_run_id uuid, p_record_key text, p_values jsonb, p_again boolean default false)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_field record;
  v_props jsonb := '{}'::jsonb;
  v_fields jsonb := '{}'::jsonb;
  v_refused jsonb := '{}'::jsonb;
  v_errors text[] := '{}';
  v_id bigint;
begin
  if exists (select from notion_sync.outbox o where o.mapping_id = p_mapping_id
               and o.record_key = p_record_key and o.op = 'create'
               and (o.status in ('pending', 'in_flight') or (o.status = 'done' and not p_again))) then
    return null;
  end if;
  for v_field in select f.* from notion_sync.mapping_fields(p_mapping_id) f where p_values ? f.field loop
    begin
      v_props := v_props || jsonb_build_object(v_field.property_id, notion_sync.column_to_notion(
        v_field.property_type, p_values -> v_field.field, null,
        notion_sync.schema_property(p_mapping_id, v_field.property_id)));
      v_fields := v_fields || jsonb_build_object(v_field.field, jsonb_build_object(
        'value', p_values -> v_field.field, 'property_id', v_field.property_id));
    exception when others then
      v_refused := v_refused || jsonb_build_object(v_field.field, jsonb_build_object(
        'base', null, 'notion', null, 'supabase', p_values -> v_field.field));
      v_errors := v_errors || sqlerrm;
    end;
  end loop;
  if v_refused <> '{}'::jsonb then
    perform notion_sync.open_conflict(p_mapping_id, p_run_id, 'push_failed', null, p_record_key, v_refused,
      jsonb_build_object('op', 'create', 'error', array_to_string(v_errors, E'\n')));
    return null;
  end if;
  if v_fields = '{}'::jsonb then
    return null;
  end if;
  update notion_sync.conflicts c
  set status = 'resolved', resolved_at = now(),
      resolution = jsonb_build_object('action', 'obsolete', 'run_id', p_run_id)
  where c.mapping_id = p_mapping_id and c.record_key = p_record_key and c.page_id is null
    and c.kind = 'push_failed' and c.status in ('open', 'dismissed');
  insert into notion_sync.outbox (owner_id, mapping_id, run_id, op, record_key, properties, fields)
  select m.owner_id, p_mapping_id, p_run_id, 'create', p_record_key, v_props, v_fields
  from notion_sync.mappings m where m.mapping_id = p_mapping_id
  returning outbox_id into v_id;
  return v_id;
end
$$;
comment on function notion_sync.queue_create(uuid, uuid, text, jsonb, boolean) is
  'Queues the create of a page for a record (an intent; at most one pending per record), or, for '
  'values Notion cannot take, opens the record''s push_failed conflict (no page). Authenticated; '
  'raises nothing about values.';

-- Decides a push_failed conflict of a record whose create Notion refused (no page): prefer_supabase
-- tries the create again with the record as it now is; prefer_notion and merge have no Notion
-- value to take. Returns {status: resolved, queued_create} or {status: refused, message}.
-- Authenticated; raises P0002 (record gone), 55000 (already resolved), 22023 (prefer_notion, merge).
create function notion_sync.retry_refused_create(p_conflict notion_sync.conflicts, p_action text)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_values jsonb;
  v_id bigint;
begin
  if p_conflict.status = 'resolved' then
    raise exception 'conflict % is already resolved', p_conflict.conflict_id using errcode = '55000';
  end if;
  if p_action <> 'prefer_supabase' then
    raise exception 'record % has no Notion page yet (Notion refused to create it), so there is no Notion value to keep: correct the record in Supabase and choose prefer_supabase, or skip',
      p_conflict.record_key using errcode = '22023';
  end if;
  select jsonb_object_agg(f.field, s.cols -> f.field) into v_values
  from notion_sync.record_column_values(p_conflict.mapping_id, array[p_conflict.record_key]) s
  cross join notion_sync.mapping_fields(p_conflict.mapping_id) f
  where f.direction = 'both';
  if v_values is null then
    raise exception 'record % no longer exists', p_conflict.record_key using errcode = 'P0002';
  end if;
  v_id := notion_sync.queue_create(p_conflict.mapping_id, p_conflict.run_id, p_conflict.record_key, v_values);
  if v_id is null and not exists (select from notion_sync.outbox o where o.mapping_id = p_conflict.mapping_id
                                    and o.record_key = p_conflict.record_key and o.op = 'create'
                                    and o.status in ('pending', 'in_flight', 'done')) then
    return jsonb_build_object('status', 'refused', 'message',
      'Notion still cannot take this record: ' || coalesce(
        (select c.details ->> 'error' from notion_sync.conflicts c where c.conflict_id = p_conflict.conflict_id), ''));
  end if;
  update notion_sync.conflicts c
  set status = 'resolved', resolved_at = now(), resolved_by = (select auth.uid()),
      resolution = jsonb_build_object('action', p_action, 'result', jsonb_build_object('queued_create', v_id))
  where c.conflict_id = p_conflict.conflict_id;
  return jsonb_build_object('status', 'resolved', 'queued_create', v_id);
end
$$;
comment on function notion_sync.retry_refused_create(notion_sync.conflicts, text) is
  'Decides a push_failed conflict of a record Notion refused to create: prefer_supabase tries the '
  'create again. Authenticated; raises P0002, 55000, 22023.';
revoke execute on function notion_sync.retry_refused_create(notion_sync.conflicts, text) from public;
grant execute on function notion_sync.retry_refused_create(notion_sync.conflicts, text) to authenticated;

-- Decides an apply_failed conflict (a new page whose record the table refused): prefer_notion
-- tries the insert again from the page as staged; prefer_supabase and merge have no record to take
-- a value from. Returns {status: resolved, inserted_record} or {status: refused, message}.
-- Authenticated; raises 55000 (already resolved, or nothing staged), 22023 (prefer_supabase,
-- merge).
create function notion_sync.retry_refused_insert(p_conflict notion_sync.conflicts, p_action text)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_values jsonb;
  v_pending text[];
  v_key text;
begin
  if p_conflict.status = 'resolved' then
    raise exception 'conflict % is already resolved', p_conflict.conflict_id using errcode = '55000';
  end if;
  if p_action <> 'prefer_notion' then
    raise exception 'page % has no record (the table refused it), so there is no Supabase value to keep: correct the page or the table and choose prefer_notion, or skip to leave the page out',
      p_conflict.page_id using errcode = '22023';
  end if;
  select l.record_key into v_key from notion_sync.links l
  where l.mapping_id = p_conflict.mapping_id and l.page_id = p_conflict.page_id;
  if v_key is null then
    select n.cols, n.pending into v_values, v_pending
    from notion_sync.notion_column_values(p_conflict.mapping_id, array[p_conflict.page_id]) n;
    if v_values is null then
      raise exception 'page % has no staged values to insert from; retrieve it first', p_conflict.page_id
        using errcode = '55000';
    end if;
    begin
      v_key := notion_sync.insert_page_record(p_conflict.mapping_id, p_conflict.page_id, v_values,
                                              coalesce(v_pending, '{}'), p_conflict.run_id);
    exception when integrity_constraint_violation or data_exception or raise_exception or insufficient_privilege then
      return jsonb_build_object('status', 'refused', 'message', 'the table still refuses the page''s record: ' || sqlerrm);
    end;
  end if;
  update notion_sync.conflicts c
  set status = 'resolved', resolved_at = now(), resolved_by = (select auth.uid()),
      resolution = jsonb_build_object('action', p_action, 'result', jsonb_build_object('inserted_record', v_key))
  where c.conflict_id = p_conflict.conflict_id;
  return jsonb_build_object('status', 'resolved', 'inserted_record', v_key);
end
$$;
comment on function notion_sync.retry_refused_insert(notion_sync.conflicts, text) is
  'Decides an apply_failed conflict: prefer_notion tries the page''s insert again. Authenticated; '
  'raises 55000, 22023.';
revoke execute on function notion_sync.retry_refused_insert(notion_sync.conflicts, text) from public;
grant execute on function notion_sync.retry_refused_insert(notion_sync.conflicts, text) to authenticated;

-- resolve_conflict: the 20261126001600 wrapper, deciding those conflicts first ---------------------
create or replace function notion_sync_api.resolve_conflict(p_conflict_id uuid, p_action text, p_choices jsonb default '{}'::jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_c notion_sync.conflicts;
  v_pending text[] := '{}';
  v_waiting text[];
  v_result jsonb;
begin
  select * into v_c from notion_sync.conflicts c where c.conflict_id = p_conflict_id;
  -- a record whose page Notion refused to create has no Notion side to decide with
  if v_c.kind = 'push_failed' and v_c.page_id is null and v_c.record_key is not null and p_action <> 'skip' then
    return notion_sync.retry_refused_create(v_c, p_action);
  end if;
  -- a page whose record the table refused has no Supabase side to decide with
  if v_c.kind = 'apply_failed' and p_action <> 'skip' then
    return notion_sync.retry_refused_insert(v_c, p_action);
  end if;
  if v_c.page_id is not null and p_action in ('prefer_notion', 'merge')
     and v_c.kind not in ('match_review', 'ambiguous', 'bulk_change', 'page_missing') then
    select n.pending into v_pending
    from notion_sync.notion_column_values(v_c.mapping_id, array[v_c.page_id]) n;
    v_pending := coalesce(v_pending, '{}');
    v_waiting := array(select k from jsonb_object_keys(v_c.fields) k
                       where k = any (v_pending) and (p_action = 'prefer_notion' or p_choices ->> k = 'notion'));
    if cardinality(v_waiting) > 0 then
      return jsonb_build_object('status', 'pending', 'message', format(
        'Notion''s value of %s cannot be read yet: a related page is not linked by its mapping; decide '
        'again after that mapping''s next run', array_to_string(v_waiting, ', ')));
    end if;
  end if;
  v_result := notion_sync.decide_conflict(p_conflict_id, p_action, p_choices);
  if v_c.kind = 'record_deleted' and v_result ? 'restored_record' and cardinality(v_pending) > 0 then
    update notion_sync.links l set base = l.base - v_pending, dirty_at = now()
    where l.mapping_id = v_c.mapping_id and l.page_id = v_c.page_id;
  end if;
  return v_result;
end
$$;
comment on function notion_sync_api.resolve_conflict(uuid, text, jsonb) is
  'Resolves one of the caller''s open conflicts (prefer_supabase, prefer_notion, merge, skip); every '
  'applied value is logged in changes. Authenticated. Raises P0002, 55000 (not open), 22023 (bad action '
  'or choices). Answers status stale when a side moved on since, pending when a Notion value it would '
  'take cannot be read yet (a related page not linked); both change nothing. A push_failed conflict '
  'of a record without a page (its create refused) is decided by retry_refused_create, an '
  'apply_failed one (a page whose record the table refused) by retry_refused_insert.';
revoke execute on function notion_sync_api.resolve_conflict(uuid, text, jsonb) from public;
grant execute on function notion_sync_api.resolve_conflict(uuid, text, jsonb) to authenticated;
