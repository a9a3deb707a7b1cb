-- Every view of ours runs with the caller's rights, so RLS of the tables beneath applies.
begin;
select plan(2);

select isnt_empty($$ select 1 from pg_class c join pg_namespace n on n.oid = c.relnamespace
                     where n.nspname = 'notion_sync_api' and c.relkind = 'v' $$,
  'The exposed schema has views to check.');
select is_empty($$
  select n.nspname || '.' || c.relname
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where n.nspname in ('notion_sync', 'notion_sync_api', 'notion_sync_demo') and c.relkind in ('v', 'm')
    and not coalesce(c.reloptions @> array['security_invoker=true'], false) $$,
  'Every view of ours is security_invoker.');

select * from finish();
rollback;
