-- The RLS matrix on every table of ours: the owner reads their rows, another user can neither
-- read, update nor delete them, anon is shut out, the service role sees everyone's.
begin;
-- 14 tables in notion_sync and 1 in notion_sync_demo, 6 checks each, plus 2 guards.
select plan(92);

select tests.create_user('matrix-alice@example.com') as alice \gset
select tests.create_user('matrix-bob@example.com') as bob \gset
select tests.seed_sync_objects(:'alice');
select tests.seed_sync_objects(:'bob');

create function pg_temp.matrix(p_alice uuid, p_bob uuid)
returns setof text language plpgsql as $$
declare
  t record;
  v_n integer;
  v_col text;
begin
  for t in
    select n.nspname as s, c.relname as r, format('%I.%I', n.nspname, c.relname) as q
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname in ('notion_sync', 'notion_sync_demo') and c.relkind = 'r'
    order by 1, 2
  loop
    perform tests.authenticate_as(p_alice);
    execute format('select count(*) from %s where owner_id = $1', t.q) into v_n using p_alice;
    return next ok(v_n > 0, format('The owner reads her own rows of %s.', t.q));
    execute format('select count(*) from %s where owner_id = $1', t.q) into v_n using p_bob;
    return next is(v_n, 0, format('Another user reads none of the owner''s rows of %s.', t.q));

    select a.attname into v_col from pg_attribute a
    where a.attrelid = t.q::regclass and a.attnum > 0 and not a.attisdropped
      and has_column_privilege('authenticated', a.attrelid, a.attname, 'UPDATE') and a.attidentity = ''
    order by a.attnum limit 1;
    if v_col is null then
      return next throws_ok(format('update %s set owner_id = owner_id where owner_id = %L', t.q, p_bob),
        '42501', null, format('Clients cannot update %s at all.', t.q));
    else
      execute format('with u as (update %s set %I = %I where owner_id = $1 returning 1) select count(*) from u',
                     t.q, v_col, v_col) into v_n using p_bob;
      return next is(v_n, 0, format('Another user updates none of the owner''s rows of %s.', t.q));
    end if;
    if has_table_privilege('authenticated', t.q, 'DELETE') then
      execute format('with d as (delete from %s where owner_id = $1 returning 1) select count(*) from d', t.q)
        into v_n using p_bob;
      return next is(v_n, 0, format('Another user deletes none of the owner''s rows of %s.', t.q));
    else
      return next throws_ok(format('delete from %s where owner_id = %L', t.q, p_bob),
        '42501', null, format('Clients cannot delete from %s at all.', t.q));
    end if;

    perform tests.authenticate_as_anon();
    return next throws_ok(format('select 1 from %s', t.q), '42501', null, format('Anon cannot read %s.', t.q));

    perform tests.authenticate_as_service_role();
    execute format('select count(*) from %s where owner_id in ($1, $2)', t.q) into v_n using p_alice, p_bob;
    return next ok(v_n >= 2, format('The service role reads every user''s rows of %s.', t.q));
    perform tests.clear_authentication();
  end loop;
end
$$;

select * from pg_temp.matrix(:'alice', :'bob');

select tests.authenticate_as(:'alice');
select throws_ok(format($$ insert into notion_sync.mappings (owner_id, connection_id, name, data_source_id, target_table, key_column)
                          select %L, connection_id, 'forged', 'ds', 'tasks', 'task_id' from notion_sync.connections $$, :'bob'),
  '42501', 'new row violates row-level security policy for table "mappings"',
  'A user cannot create a sync object owned by someone else.');
select results_eq($$ select count(*)::int from notion_sync_api.runs $$, $$ values (1) $$,
  'The runs view shows the caller''s runs only.');

select * from finish();
rollback;
