-- Every foreign key from one sync table to another pairs the row's owner_id with its parent's, so a
-- row can only name its own owner's mapping, run, conflict, connection or change, whoever writes it.
begin;
select plan(2);

select is_empty($$
  select format('%s (%s) references %s', c.conrelid::regclass, pg_get_constraintdef(c.oid), c.confrelid::regclass)
  from pg_constraint c
  join pg_class p on p.oid = c.confrelid
  where c.contype = 'f' and c.connamespace = 'notion_sync'::regnamespace
    and p.relnamespace = 'notion_sync'::regnamespace
    and not exists (select from unnest(c.conkey, c.confkey) k(child, parent)
                    join pg_attribute ca on ca.attrelid = c.conrelid and ca.attnum = k.child
                    join pg_attribute pa on pa.attrelid = c.confrelid and pa.attnum = k.parent
                    where ca.attname = 'owner_id' and pa.attname = 'owner_id') $$,
  'Every reference between sync tables includes the owner on both sides.');
select cmp_ok((select count(*)::int from pg_constraint c join pg_class p on p.oid = c.confrelid
               where c.contype = 'f' and c.connamespace = 'notion_sync'::regnamespace
                 and p.relnamespace = 'notion_sync'::regnamespace), '>=', 18,
  'The sync tables reference each other (the check above looks at something).');

select * from finish();
rollback;
