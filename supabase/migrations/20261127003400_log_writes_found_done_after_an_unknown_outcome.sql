-- A PATCH whose answer was lost but which landed is logged in changes like any confirmed write, so
-- revert_run and undo can reach it, and its pre-read stays the one made before the write.
--
-- After a timeout, a 5xx or a reset, the push reads the page again and check_push finds the value
-- there: "done". That check replaced the item's pre-read with the page as it is after our write,
-- and, as no confirmation followed, no change was logged: the Notion value the write replaced (rule
-- 6: "log the pre-read value in changes") was lost, and revert_run could not undo the write. Now
-- check_push, for an item it had already checked (so a write may have been sent), logs each field it
-- finds done whose earlier pre-read held another value, with that pre-read as the old value, and
-- keeps the earlier pre-read in the item's outcome.

alter function notion_sync_api.check_push(bigint, jsonb) set schema notion_sync;
alter function notion_sync.check_push(bigint, jsonb) rename to check_push_once;
comment on function notion_sync.check_push_once(bigint, jsonb) is
  'The pre-push check of notion_sync_api.check_push, without what a second check of the same item '
  'records. Authenticated. Raises P0002 when the item is not the caller''s or not in flight.';

-- The pre-push check (check_push_once); for an update it had checked before, also logs each field
-- found done whose earlier pre-read held another value, and keeps that pre-read. Authenticated.
-- Raises P0002 when the item is not the caller's or not in flight.
create function notion_sync_api.check_push(p_outbox_id bigint, p_page jsonb)
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
    where v_item.advance_base
      and (v_now -> f.key) is not distinct from (f.value -> 'value')
      and (v_item.outcome -> 'pre_read' -> f.key) is distinct from (f.value -> 'value');
    update notion_sync.outbox o
    set outcome = o.outcome || jsonb_build_object('pre_read', v_item.outcome -> 'pre_read')
    where o.outbox_id = p_outbox_id;
  end if;
  return v_result;
end
$$;
comment on function notion_sync_api.check_push(bigint, jsonb) is
  'The pre-push check of an update against the page as read just before the PATCH: cancelled when '
  'the page is in the trash or the pair is no longer linked, else per field write, done or '
  'conflict (check_push_fields). A field found done by a second check of the item (its write '
  'landed though its answer was lost) is logged in changes with the first pre-read, which the item '
  'keeps. Returns {decision, properties[, reason]}. Authenticated. Raises P0002 when the item is '
  'not the caller''s or not in flight.';
revoke execute on function notion_sync_api.check_push(bigint, jsonb) from public;
grant execute on function notion_sync_api.check_push(bigint, jsonb) to authenticated;
