-- Hot helpers in PL/pgSQL. A SQL function with a SET clause (the catalog rule: every function sets
-- search_path) cannot be inlined, and Postgres plans its query again at every call from a new
-- statement; PL/pgSQL keeps its plans for the session.
--   * mapping_fields: 0.25 ms a call, mostly planning the join with pg_attribute. reconcile calls
--     it twice for each record it inserts for a new page (insert_record_for_page), so a first
--     import of 5,000 pages spent 2.5 s of its 5.4 s of reconcile there (now 3.1 s in all);
--   * is_notion_only_type, which mapping_fields calls for each field (5.5 µs a call);
--   * notion_id (below).
-- Same queries, same results.
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

-- notion_id, called for every page of every batch staged (twice: the digests, then the pages):
-- 6.1 µs a call as SQL, 3.8 µs in PL/pgSQL with Notion's usual form (dashed lowercase) tried first.
-- Same results.
create or replace function notion_sync.notion_id(p_id text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_id ~ '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return p_id;
  elsif p_id ~* '^[0-9a-f]{32}$' then
    return lower(regexp_replace(p_id, '^(.{8})(.{4})(.{4})(.{4})(.{12})$', '\1-\2-\3-\4-\5'));
  elsif p_id ~* '^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' then
    return lower(p_id);
  end if;
  return p_id;
end
$$;
