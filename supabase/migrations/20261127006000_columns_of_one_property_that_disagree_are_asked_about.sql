-- Two columns mapped to one Notion property and edited to different values are asked about, not
-- pushed one over the other.
--
-- A property may be mapped to two columns (a date kept as a date and as text, say). When a person
-- edited both between two runs to values that are not the same to Notion, the push plan wrote the
-- property once per column, so the last column listed won: Notion got that value and the next run
-- brought it back over the other column, whose edit was lost without a question. Now the columns
-- of one property that would write different values (compared as Notion values, so a day and the
-- same instant written as text agree) are left out of the push and held in a field question with
-- each column's value; the rest of the record's changes are pushed as before. A person keeps one
-- column (Supabase for it, Notion for the other), or Notion's value. Choosing Supabase for both is
-- refused (22023), since Notion can hold only one of them: the question stays open.

alter function notion_sync.queue_push_plan(uuid, text, text, jsonb, jsonb, uuid, uuid, boolean)
  rename to queue_push_plan_per_column;
comment on function notion_sync.queue_push_plan_per_column(uuid, text, text, jsonb, jsonb, uuid, uuid, boolean) is
  'The push plan of a record''s changed columns, each written by its own rule. Call queue_push_plan, '
  'which first holds the columns of one property that disagree. Authenticated (through the sync''s '
  'functions); raises nothing of its own.';

create function notion_sync.queue_push_plan(p_mapping_id uuid, p_page_id text, p_record_key text, p_values jsonb,
                                            p_expected jsonb, p_run_id uuid default null,
                                            p_conflict_id uuid default null, p_advance_base boolean default true)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_canonical jsonb;
  v_read boolean := false;
  v_field record;
  v_written jsonb := '{}'::jsonb;   -- field -> the Notion value its column would write
  v_group record;
begin
  -- only the changed columns that share their property with another changed column are compared
  for v_field in
    select f.* from (select f.*, count(*) over (partition by f.property_id) as columns
                     from notion_sync.mapping_fields(p_mapping_id) f where p_values ? f.field) f
    where f.columns > 1
  loop
    if not v_read then
      select sp.mapped_values into v_canonical from notion_sync.staged_pages sp
      where sp.mapping_id = p_mapping_id and sp.page_id = p_page_id;
      v_read := true;
    end if;
    begin
      v_written := v_written || jsonb_build_object(v_field.field, notion_sync.notion_to_canonical(
        jsonb_build_object('type', v_field.property_type) || notion_sync.column_to_notion(
          v_field.property_type, p_values -> v_field.field, v_canonical -> v_field.field,
          notion_sync.schema_property(p_mapping_id, v_field.property_id, v_field.field))));
    exception when others then
      null;   -- a value Notion cannot take: queue_push_plan_per_column asks about it by itself
    end;
  end loop;
  if v_written <> '{}'::jsonb then
    for v_group in
      select f.property_id, array_agg(f.field order by f.field) as fields
      from notion_sync.mapping_fields(p_mapping_id) f
      where v_written ? f.field
      group by f.property_id
      having count(distinct coalesce(notion_sync.canonical_key(f.property_type, v_written -> f.field),
                                     'null'::jsonb)) > 1
    loop
      if p_conflict_id is not null then
        -- a person's decision: Notion can hold one of the values only
        raise exception 'columns_disagree: the columns % hold different values of one Notion property, '
          'which can hold only one: keep Supabase for one of them (Notion for the other)',
          array_to_string(v_group.fields, ' and ') using errcode = '22023';
      end if;
      perform notion_sync.open_conflict(p_mapping_id, p_run_id, 'field', p_page_id, p_record_key,
        (select jsonb_object_agg(x, jsonb_build_object('base', p_expected -> x, 'notion', p_expected -> x,
                                                       'supabase', p_values -> x))
         from unnest(v_group.fields) x),
        jsonb_build_object('error', format('the columns %s hold different values of one Notion property, which '
          'can hold only one: keep Supabase for one of them (Notion for the other), or Notion''s value',
          array_to_string(v_group.fields, ' and '))));
      p_values := p_values - v_group.fields;
    end loop;
  end if;
  return notion_sync.queue_push_plan_per_column(p_mapping_id, p_page_id, p_record_key, p_values, p_expected,
                                                p_run_id, p_conflict_id, p_advance_base);
end
$$;
comment on function notion_sync.queue_push_plan(uuid, text, text, jsonb, jsonb, uuid, uuid, boolean) is
  'Queues the push of a record''s changed columns (queue_push_plan_per_column), except the columns of '
  'one property whose values differ as Notion values: those are held in a field question. '
  'Authenticated (through the sync''s functions); raises 22023 when a person''s decision '
  '(p_conflict_id) pushes such columns.';
revoke execute on function notion_sync.queue_push_plan(uuid, text, text, jsonb, jsonb, uuid, uuid, boolean) from public;
grant execute on function notion_sync.queue_push_plan(uuid, text, text, jsonb, jsonb, uuid, uuid, boolean) to authenticated, service_role;
