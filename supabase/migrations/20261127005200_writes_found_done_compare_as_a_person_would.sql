-- A write that landed and that Notion stored in its own form is found done, not taken for a Notion
-- edit.
--
-- check_push_fields compared the page as read before a PATCH with the value to send and with the
-- expected base exactly (is not distinct from). When a PATCH's answer is lost, the push reads the
-- page again and checks again; Notion stores some values in another form than the one sent (a
-- checkbox cleared to null is false, a multi-select keeps the first of repeated options, a rich text
-- gets Notion's annotations), so our own write matched neither value and became a field conflict
-- against itself. Both comparisons now use column_values_match, as reconcile does: equal as a
-- person (and Notion) would judge. A value a person would call different (another option, another
-- order, other text or formatting) still differs, so a Notion edit made meanwhile is still a
-- conflict. The base still advances to the value read back (rule 1), and check_push logs a write
-- found done by the same comparison.
--
-- The comparisons sit inside both bodies (no wrapper can reach them): these are the bodies of
-- 20261127003400 (check_push) and 20261127002800 (check_push_fields) with only the comparisons
-- changed. The stale check (Supabase moved on since the plan) stays exact: it compares Supabase
-- with itself.

-- Checks an in-flight item against the page as read just before the PATCH: fields Notion already
-- holds are done (base advanced to what was read), fields still at the expected base are written,
-- others become a field conflict. Authenticated (the push function); raises P0002 when the item is
-- not in flight.
create or replace function notion_sync.check_push_fields(p_outbox_id bigint, p_page jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_item notion_sync.outbox;
  v_now jsonb;
  v_field record;
  v_write jsonb := '{}'::jsonb;
  v_done jsonb := '{}'::jsonb;
  v_conflicts jsonb := '{}'::jsonb;
  v_record jsonb;
  v_stale boolean := false;
begin
  select * into v_item from notion_sync.outbox o where o.outbox_id = p_outbox_id and o.status = 'in_flight';
  if not found then
    raise exception 'outbox item % not found or not in flight', p_outbox_id using errcode = 'P0002';
  end if;
  if v_item.op <> 'update' then
    return jsonb_build_object('decision', 'write', 'properties', v_item.properties);
  end if;
  v_now := notion_sync.page_column_values(v_item.mapping_id, p_page);
  select s.cols into v_record from notion_sync.record_column_values(v_item.mapping_id, array[v_item.record_key]) s;
  for v_field in
    select f.key as field, f.value, mf.property_type
    from jsonb_each(v_item.fields) f
    left join notion_sync.mapping_fields(v_item.mapping_id) mf on mf.field = f.key
  loop
    if v_item.advance_base and (v_record -> v_field.field) is distinct from (v_field.value -> 'value') then
      -- Supabase moved on since the plan: this value is stale; the next reconcile plans again
      v_stale := true;
    elsif notion_sync.column_values_match(v_field.property_type, v_now -> v_field.field, v_field.value -> 'value') then
      -- Notion holds what we send, maybe in its own form (our write landed, or both sides agree)
      v_done := v_done || jsonb_build_object(v_field.field, v_now -> v_field.field);
    elsif notion_sync.column_values_match(v_field.property_type, v_now -> v_field.field, v_field.value -> 'expected') then
      v_write := v_write || jsonb_build_object(v_field.value ->> 'property_id',
                                               v_item.properties -> (v_field.value ->> 'property_id'));
    else
      v_conflicts := v_conflicts || jsonb_build_object(v_field.field, jsonb_build_object(
        'base', v_field.value -> 'expected', 'notion', v_now -> v_field.field, 'supabase', v_field.value -> 'value'));
    end if;
  end loop;
  if v_done <> '{}'::jsonb and v_item.advance_base then
    update notion_sync.links l set base = l.base || v_done, synced_at = now()
    where l.mapping_id = v_item.mapping_id and l.page_id = v_item.page_id;
  end if;
  if v_conflicts <> '{}'::jsonb then
    perform notion_sync.open_conflict(v_item.mapping_id, v_item.run_id, 'field', v_item.page_id,
                                      v_item.record_key, v_conflicts);
  end if;
  if v_stale then
    update notion_sync.links l set dirty_at = now()
    where l.mapping_id = v_item.mapping_id and l.page_id = v_item.page_id;
  end if;
  -- the item keeps only the fields about to be written: its confirmation advances their bases
  -- alone (a field held back as a conflict keeps its base, so no later run pushes over that edit)
  update notion_sync.outbox o
  set outcome = jsonb_build_object('pre_read', v_now),
      fields = (select coalesce(jsonb_object_agg(f.key, f.value), '{}'::jsonb)
                from jsonb_each(o.fields) f where v_write ? (f.value ->> 'property_id')),
      status = case when v_write = '{}'::jsonb then 'done' else o.status end, updated_at = now()
  where o.outbox_id = p_outbox_id;
  return jsonb_build_object(
    'decision', case when v_write <> '{}'::jsonb then 'write' when v_conflicts <> '{}'::jsonb then 'conflict' else 'done' end,
    'properties', v_write);
end
$$;
comment on function notion_sync.check_push_fields(bigint, jsonb) is
  'The field-by-field pre-push check of notion_sync_api.check_push, for an update to a live page of a '
  'linked pair; values compare as a person would (column_values_match). Authenticated. Raises P0002 when '
  'the item is not the caller''s or not in flight.';
revoke execute on function notion_sync.check_push_fields(bigint, jsonb) from public;
grant execute on function notion_sync.check_push_fields(bigint, jsonb) to authenticated;

-- The pre-push check (check_push_once); on a check after an earlier one let a write go, what is
-- found done (as a person would compare) is that write and is logged from the first pre-read.
-- Authenticated (the push function); raises P0002 when the item is not in flight.
create or replace function notion_sync_api.check_push(p_outbox_id bigint, p_page jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_item notion_sync.outbox;
  v_base jsonb;
  v_result jsonb;
  v_now jsonb;
begin
  -- the item as it was before this check (which replaces its pre-read and drops the fields done)
  select * into v_item from notion_sync.outbox o where o.outbox_id = p_outbox_id and o.status = 'in_flight';
  select l.base into v_base from notion_sync.links l
  where l.mapping_id = v_item.mapping_id and l.page_id = v_item.page_id;
  v_result := notion_sync.check_push_once(p_outbox_id, p_page);
  if v_item.op = 'update' and v_item.outcome ? 'pre_read' and v_result ->> 'decision' <> 'cancelled' then
    -- checked before: the write that check allowed may have landed; what is found done is that write
    v_now := notion_sync.page_column_values(v_item.mapping_id, p_page);
    insert into notion_sync.changes (owner_id, mapping_id, run_id, conflict_id, side, page_id, record_key, field,
                                     old_value, new_value, old_base)
    select v_item.owner_id, v_item.mapping_id, v_item.run_id, v_item.conflict_id, 'notion', v_item.page_id,
           v_item.record_key, f.key, v_item.outcome -> 'pre_read' -> f.key, v_now -> f.key, v_base -> f.key
    from jsonb_each(v_item.fields) f
    left join notion_sync.mapping_fields(v_item.mapping_id) mf on mf.field = f.key
    where v_item.advance_base
      and notion_sync.column_values_match(mf.property_type, v_now -> f.key, f.value -> 'value')
      and not notion_sync.column_values_match(mf.property_type, v_item.outcome -> 'pre_read' -> f.key,
                                              f.value -> 'value');
    update notion_sync.outbox o
    set outcome = o.outcome || jsonb_build_object('pre_read', v_item.outcome -> 'pre_read')
    where o.outbox_id = p_outbox_id;
  end if;
  return v_result;
end
$$;
comment on function notion_sync_api.check_push(bigint, jsonb) is
  'The pre-push check of an update against the page as read just before the PATCH: cancelled when the '
  'page is in the trash or the pair is no longer linked, else per field write, done or conflict '
  '(check_push_fields, comparing as a person would). A field found done by a second check of the item '
  '(its write landed though its answer was lost, maybe in Notion''s form) is logged in changes with the '
  'first pre-read, which the item keeps. Returns {decision, properties[, reason]}. Authenticated. Raises '
  'P0002 when the item is not the caller''s or not in flight.';
revoke execute on function notion_sync_api.check_push(bigint, jsonb) from public;
grant execute on function notion_sync_api.check_push(bigint, jsonb) to authenticated;
