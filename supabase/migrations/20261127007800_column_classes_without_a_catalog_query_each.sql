-- Converting a value to its column no longer costs two catalog queries.
--
-- canonical_to_column (every Notion value written to a record: a first import, every edit applied)
-- asked column_class for the column's kind, then column_type_accepts, which asked column_class
-- again. column_class reads pg_type (a query each call, about 9 µs here) and column_type_accepts
-- was a SQL function that Postgres cannot inline (it sets search_path): about 19 µs a call. Of the
-- ~31 µs a value took, 28 were these. Now:
--   * column_class answers the built-in types a mapping uses (text, varchar, numbers, booleans,
--     dates, timestamps, uuid, json, their arrays) from the type's oid, which is fixed for built-in
--     types; domains, citext and anything else still read the catalog (column_class_of_catalog,
--     the former body; supabase/tests/conversion/column_classes_agree_with_the_catalog.test.sql
--     checks that both agree on every oid answered here).
--   * the types a column kind accepts are one PL/pgSQL expression, class_accepts, which
--     column_type_accepts calls with the column's class.

alter function notion_sync.column_class(regtype) rename to column_class_of_catalog;

create function notion_sync.column_class(p_column_type regtype)
returns text
language plpgsql
stable
set search_path = ''
as $$
begin
  return case p_column_type::oid
    when 25 then 'text' when 1043 then 'text' when 1042 then 'text' when 19 then 'text'
    when 114 then 'json' when 3802 then 'json'
    when 1700 then 'numeric'
    when 700 then 'float' when 701 then 'float'
    when 21 then 'integer' when 23 then 'integer' when 20 then 'integer'
    when 16 then 'boolean'
    when 1082 then 'date'
    when 1184 then 'timestamptz'
    when 1114 then 'timestamp'
    when 2950 then 'uuid'
    when 1009 then 'text[]' when 1015 then 'text[]' when 1014 then 'text[]'
    when 2951 then 'uuid[]'
    else notion_sync.column_class_of_catalog(p_column_type)
  end;
end
$$;
comment on function notion_sync.column_class(regtype) is
  'The kind of column a type is (text, json, numeric, float, integer, boolean, date, timestamptz, '
  'timestamp, uuid, text[], uuid[], other), through domains; built-in types by their fixed oid.';
revoke execute on function notion_sync.column_class(regtype) from public;
grant execute on function notion_sync.column_class(regtype) to authenticated, service_role;

create function notion_sync.class_accepts(p_type text, p_class text)
returns boolean
language plpgsql
immutable
set search_path = ''
as $$
begin
  return case p_class
    when 'json' then p_type in ('title', 'rich_text', 'number', 'select', 'status', 'multi_select',
      'date', 'checkbox', 'url', 'email', 'phone_number', 'people', 'relation', 'files', 'formula',
      'rollup', 'created_time', 'last_edited_time', 'created_by', 'last_edited_by', 'unique_id',
      'place', 'verification')
    when 'text' then p_type in ('title', 'rich_text', 'number', 'select', 'status', 'date',
      'checkbox', 'url', 'email', 'phone_number', 'formula', 'rollup', 'created_time',
      'last_edited_time', 'created_by', 'last_edited_by', 'unique_id')
    when 'numeric' then p_type in ('number', 'formula', 'rollup', 'unique_id')
    when 'float' then p_type in ('number', 'formula', 'rollup', 'unique_id')
    when 'integer' then p_type in ('number', 'formula', 'rollup', 'unique_id')
    when 'boolean' then p_type in ('checkbox', 'formula')
    when 'date' then p_type in ('date', 'formula', 'rollup', 'created_time', 'last_edited_time')
    when 'timestamptz' then p_type in ('date', 'formula', 'rollup', 'created_time', 'last_edited_time')
    when 'timestamp' then p_type in ('date', 'formula', 'rollup', 'created_time', 'last_edited_time')
    when 'uuid' then p_type in ('created_by', 'last_edited_by')
    when 'text[]' then p_type in ('multi_select', 'people', 'relation', 'rollup')
    when 'uuid[]' then p_type in ('people', 'relation')
    else false
  end;
end
$$;
comment on function notion_sync.class_accepts(text, text) is
  'Whether a column of this kind (column_class) can hold a Notion property of this type.';
revoke execute on function notion_sync.class_accepts(text, text) from public;
grant execute on function notion_sync.class_accepts(text, text) to authenticated, service_role;

create or replace function notion_sync.column_type_accepts(p_type text, p_column_type regtype)
returns boolean
language plpgsql
stable
set search_path = ''
as $$
begin
  return notion_sync.class_accepts(p_type, notion_sync.column_class(p_column_type));
end
$$;
