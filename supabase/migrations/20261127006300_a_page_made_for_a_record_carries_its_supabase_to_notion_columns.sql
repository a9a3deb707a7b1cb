-- A page made for a record carries the record's supabase_to_notion columns, not only those mapped
-- both ways.
--
-- The reconcile gathered a new record's values for its page from the fields mapped both ways, so a
-- column mapped supabase_to_notion (a value computed in Supabase, shown in Notion) was missing from
-- the page Notion created, until a later run pushed it as an edit. queue_create_intent now adds
-- them from the record, read in the same transaction, when the mapping has any that the values
-- lack.

alter function notion_sync.queue_create_intent(uuid, uuid, text, jsonb, boolean) rename to queue_create_intent_of_values;
comment on function notion_sync.queue_create_intent_of_values(uuid, uuid, text, jsonb, boolean) is
  'Queues the create of a record''s page with the values given. Call queue_create_intent, which adds '
  'the record''s supabase_to_notion columns. Authenticated (through the sync''s functions).';

-- Queues the create of a record's page (queue_create_intent_of_values) with the values given and the
-- record's supabase_to_notion columns they lack. Authenticated (through queue_create); raises
-- nothing of its own.
create function notion_sync.queue_create_intent(p_mapping_id uuid, p_run_id uuid, p_record_key text, p_values jsonb,
                                                p_again boolean default false)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_values jsonb := p_values;
begin
  if exists (select from notion_sync.mapping_fields(p_mapping_id) f
             where f.direction = 'supabase_to_notion' and not coalesce(p_values ? f.field, false)) then
    v_values := coalesce((select jsonb_object_agg(f.field, r.cols -> f.field)
                          from notion_sync.record_column_values(p_mapping_id, array[p_record_key]) r
                          cross join notion_sync.mapping_fields(p_mapping_id) f
                          where f.direction = 'supabase_to_notion' and r.cols ? f.field), '{}'::jsonb)
                || coalesce(p_values, '{}'::jsonb);
  end if;
  return notion_sync.queue_create_intent_of_values(p_mapping_id, p_run_id, p_record_key, v_values, p_again);
end
$$;
comment on function notion_sync.queue_create_intent(uuid, uuid, text, jsonb, boolean) is
  'Queues the create of a record''s page with the values given and the record''s supabase_to_notion '
  'columns. Authenticated (through queue_create); raises nothing of its own.';
revoke execute on function notion_sync.queue_create_intent(uuid, uuid, text, jsonb, boolean) from public;
grant execute on function notion_sync.queue_create_intent(uuid, uuid, text, jsonb, boolean) to authenticated, service_role;
