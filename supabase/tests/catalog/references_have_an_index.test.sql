-- Every reference from one of our tables has an index whose first column is the reference's first
-- column: without one, deleting a referenced row reads the whole referencing table, and deleting a
-- user or a mapping turns quadratic in its rows.
begin;
select plan(2);

select isnt_empty($$ select 1 from pg_constraint c join pg_namespace n on n.oid = c.connamespace
                     where c.contype = 'f' and n.nspname = 'notion_sync' $$,
  'Our tables have references to check.');
select is_empty($$
  select c.conrelid::regclass::text || ' (' || c.conname || ')'
  from pg_constraint c join pg_namespace n on n.oid = c.connamespace
  where c.contype = 'f' and n.nspname = 'notion_sync'
    and not exists (select from pg_index i where i.indrelid = c.conrelid and i.indkey[0] = c.conkey[1]) $$,
  'Every reference from our tables has an index leading with its column.');

select * from finish();
rollback;
