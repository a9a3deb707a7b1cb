-- Every function of ours pins its search_path, so no caller can redirect the names it uses.
begin;
select plan(2);

select cmp_ok((select count(*)::int from pg_proc p join pg_namespace n on n.oid = p.pronamespace
               where n.nspname in ('notion_sync', 'notion_sync_api')), '>', 10,
  'There are functions of ours to check.');
select is_empty($$
  select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname in ('notion_sync', 'notion_sync_api', 'notion_sync_demo')
    and not exists (select from unnest(coalesce(p.proconfig, '{}')) c where c like 'search_path=%') $$,
  'Every function of ours sets search_path.');

select * from finish();
rollback;
