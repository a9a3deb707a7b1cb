-- column_class answers the built-in types a mapping uses from their fixed oids, without reading the
-- catalog; each of those answers is the one the catalog gives (column_class_of_catalog), and other
-- types (domains, arrays of them) are still classed through the catalog.
begin;
select plan(3);

create temp table answered_by_oid as
select m[1]::oid::regtype as t
from regexp_matches(pg_get_functiondef('notion_sync.column_class(regtype)'::regprocedure),
                    'when (\d+) then', 'g') m;

select cmp_ok((select count(*)::int from answered_by_oid), '>=', 20,
  'column_class answers the built-in types by oid.');
select is_empty(
  $$ select t::text, notion_sync.column_class(t), notion_sync.column_class_of_catalog(t) from answered_by_oid
     where notion_sync.column_class(t) is distinct from notion_sync.column_class_of_catalog(t) $$,
  'Each class answered by oid is the class the catalog gives.');

create domain pg_temp.short_name as varchar(20);
create domain pg_temp.amount as numeric check (value >= 0);
select is(array[notion_sync.column_class('pg_temp.short_name'::regtype),
                notion_sync.column_class('pg_temp.amount'::regtype),
                notion_sync.column_class('pg_temp.short_name[]'::regtype),
                notion_sync.column_class('point'::regtype)],
  array['text', 'numeric', 'text[]', 'other'],
  'Domains, arrays of them and other types are classed through the catalog.');

select * from finish();
rollback;
