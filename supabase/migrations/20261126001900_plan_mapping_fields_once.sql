-- mapping_fields, planned once per session rather than once per call (first import speed). As a
-- SQL function with a SET clause it cannot be inlined, and Postgres plans a non-inlined SQL
-- function's query again at every call: 0.25 ms a call, of which the join with pg_attribute's
-- catalog is most. reconcile calls it twice for each record it inserts for a new page
-- (insert_record_for_page), so a first import of 5,000 pages spent 2.5 s of its 5.3 s there.
-- PL/pgSQL keeps the plan of its query for the session. Same query, same result.
create or replace function notion_sync.mapping_fields(p_mapping_id uuid)
returns table (field text, property_id text, property_type text, direction text, column_type regtype)
language plpgsql
stable
set search_path = ''
as $$
begin
  return query
  select f ->> 'column', f ->> 'property_id', f ->> 'type',
         coalesce(f ->> 'direction',
                  case when notion_sync.is_notion_only_type(f ->> 'type') then 'notion_to_supabase' else 'both' end),
         a.atttypid::regtype
  from notion_sync.mappings m
  cross join lateral jsonb_array_elements(m.field_map) f
  join pg_catalog.pg_attribute a
    on a.attrelid = to_regclass(format('%I.%I', m.target_schema, m.target_table))
   and a.attname = f ->> 'column' and a.attnum > 0 and not a.attisdropped
  where m.mapping_id = p_mapping_id;
end
$$;

-- The same for is_notion_only_type, which mapping_fields calls for each field (5.5 µs a call).
create or replace function notion_sync.is_notion_only_type(p_type text)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
begin
  return p_type in ('formula', 'rollup', 'created_time', 'created_by', 'last_edited_time',
                    'last_edited_by', 'unique_id', 'button', 'verification');
end
$$;
