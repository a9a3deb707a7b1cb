-- The private schema is closed to anon and to PUBLIC; no function of ours is executable by PUBLIC.
begin;
select plan(5);

select ok(not has_schema_privilege('anon', 'notion_sync', 'usage'), 'Anon has no usage on notion_sync.');
select ok(not has_schema_privilege('anon', 'notion_sync_api', 'usage'), 'Anon has no usage on notion_sync_api.');
select is_empty($$ select nspname from pg_namespace n, aclexplode(n.nspacl) a
                   where n.nspname in ('notion_sync', 'notion_sync_api', 'notion_sync_demo') and a.grantee = 0 $$,
  'PUBLIC has no privilege on our schemas.');
select is_empty($$
  select n.nspname || '.' || p.proname || '(' || pg_get_function_identity_arguments(p.oid) || ')'
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname in ('notion_sync', 'notion_sync_api', 'notion_sync_demo')
    and (p.proacl is null
         or exists (select from aclexplode(p.proacl) a where a.grantee = 0 and a.privilege_type = 'EXECUTE')) $$,
  'No function of ours is executable by PUBLIC.');
select is_empty($$
  select n.nspname || '.' || p.proname
  from pg_proc p join pg_namespace n on n.oid = p.pronamespace
  where n.nspname in ('notion_sync', 'notion_sync_api', 'notion_sync_demo') and p.prosecdef
    and has_function_privilege('anon', p.oid, 'execute') $$,
  'No security definer function of ours is executable by anon.');

select * from finish();
rollback;
