-- Every table of ours has row level security, private ones included, with one owner per row.
begin;
select plan(3);

select is_empty($$
  select n.nspname || '.' || c.relname
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname in ('notion_sync', 'notion_sync_api', 'notion_sync_demo') and c.relkind in ('r', 'p')
    and not c.relrowsecurity $$,
  'Row level security is enabled on every table of ours.');
select is_empty($$
  select n.nspname || '.' || c.relname
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname in ('notion_sync', 'notion_sync_demo') and c.relkind = 'r'
    and not exists (select from pg_attribute a where a.attrelid = c.oid and a.attname = 'owner_id'
                    and a.attnotnull and a.atttypid = 'uuid'::regtype) $$,
  'Every table of ours has a non-null owner_id.');
select is_empty($$
  select n.nspname || '.' || c.relname
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname = 'notion_sync_api' and c.relkind = 'r' $$,
  'The exposed schema holds no tables.');

select * from finish();
rollback;
