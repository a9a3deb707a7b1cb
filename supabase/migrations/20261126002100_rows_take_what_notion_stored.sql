-- A row takes the value Notion stored when Notion stored another value than the one pushed (fix of
-- an endless push). Notion does not always keep what it is sent: a status set to null takes the
-- data source's default option (the API's rule: "null resets to default"), and other values may be
-- normalized. The base then advanced to Notion's value while the row kept the value sent, so the
-- next run saw a Supabase change and pushed it again, run after run. confirm_push now writes
-- Notion's value into the row for each field where it differs from the value sent (by
-- column_values_match: a date in another notation or a list's repeats are no difference), by
-- compare-and-set on the value sent, so an edit a person made in Supabase meanwhile is kept (and
-- pushed by the next run); the write is logged in changes like any other, and can be undone.
-- Undo pushes (advance_base false) are left to the next reconcile, as before. The old function is
-- now notion_sync.record_confirmed_push, and confirm_push wraps it.

alter function notion_sync_api.confirm_push(bigint, jsonb) set schema notion_sync;
alter function notion_sync.confirm_push(bigint, jsonb) rename to record_confirmed_push;
comment on function notion_sync.record_confirmed_push(bigint, jsonb) is
  'What notion_sync_api.confirm_push records of a confirmed Notion write (base, change log, link, '
  'staged page), before the row takes what Notion stored. Authenticated. Raises P0002.';

create function notion_sync_api.confirm_push(p_outbox_id bigint, p_page jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_back jsonb := notion_sync.record_confirmed_push(p_outbox_id, p_page);
  v_item notion_sync.outbox;
  v_set jsonb;
  v_sent jsonb;
begin
  select * into v_item from notion_sync.outbox o where o.outbox_id = p_outbox_id;
  if v_item.record_key is null or not v_item.advance_base or v_item.op not in ('create', 'update') then
    return v_back;
  end if;
  select jsonb_object_agg(f.field, v_back -> f.field), jsonb_object_agg(f.field, v_item.fields -> f.field -> 'value')
  into v_set, v_sent
  from notion_sync.mapping_fields(v_item.mapping_id) f
  where v_item.fields ? f.field and v_back ? f.field
    and not notion_sync.column_values_match(f.property_type, v_item.fields -> f.field -> 'value', v_back -> f.field);
  if v_set is not null then
    perform notion_sync.write_record(v_item.mapping_id, v_item.record_key, v_set, v_sent, v_item.run_id,
                                     v_item.conflict_id);
  end if;
  return v_back;
end
$$;
comment on function notion_sync_api.confirm_push(bigint, jsonb) is
  'Records a confirmed Notion write from Notion''s answer: base advanced to the read-back values, '
  'the change logged with the pre-read value, a created page linked; where Notion stored another '
  'value than the one sent, the row takes it (compare-and-set on the value sent). Authenticated. '
  'Raises P0002.';
revoke execute on function notion_sync_api.confirm_push(bigint, jsonb) from public;
grant execute on function notion_sync_api.confirm_push(bigint, jsonb) to authenticated;
