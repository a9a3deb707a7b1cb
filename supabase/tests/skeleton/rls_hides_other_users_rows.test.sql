-- RLS: a user sees and changes only their own sync objects and demo rows; anon sees nothing;
-- the service role sees everything; the token ciphertext is unreadable to clients.
begin;
select plan(12);

select tests.create_user('alice@example.com') as alice \gset
select tests.create_user('bob@example.com') as bob \gset
select tests.create_demo_mapping(:'alice') as alice_mapping \gset
select tests.create_demo_mapping(:'bob') as bob_mapping \gset
insert into notion_sync_demo.tasks (owner_id, title) values (:'alice', 'Alice task'), (:'bob', 'Bob task');
select connection_id as bob_connection from notion_sync.connections where owner_id = :'bob' \gset

select tests.authenticate_as(:'alice');
select results_eq($$ select title from notion_sync_demo.tasks $$, $$ values ('Alice task') $$,
  'Alice sees only her own demo rows.');
select results_eq($$ select mapping_id from notion_sync.mappings $$, array[:'alice_mapping'::uuid],
  'Alice sees only her own mappings.');
select is_empty(format($$ select 1 from notion_sync.connections where owner_id = %L $$, :'bob'),
  'Alice cannot see Bob''s connection.');
select is_empty(format($$ update notion_sync.mappings set paused = true where mapping_id = %L returning 1 $$,
  :'bob_mapping'), 'Alice cannot update Bob''s mapping.');
select throws_ok(format($$ insert into notion_sync_demo.tasks (owner_id, title) values (%L, 'forged') $$, :'bob'),
  '42501', 'new row violates row-level security policy for table "tasks"',
  'Alice cannot insert a row owned by Bob.');
select throws_ok($$ select token_ciphertext from notion_sync.connections $$, '42501',
  'permission denied for table connections', 'Clients cannot read the token ciphertext.');
select lives_ok($$ select connection_id, name, bot_id from notion_sync.connections $$,
  'Clients can read the other columns of their connections.');
select is(notion_sync.connection_token_ciphertext(
  (select connection_id from notion_sync.connections)), 'v1.test.ciphertext',
  'The functions'' path returns the ciphertext of the caller''s own connection.');
select throws_ok(format($$ select notion_sync.connection_token_ciphertext(%L) $$, :'bob_connection'),
  'P0002', format('connection %s not found', :'bob_connection'),
  'Asking for another user''s connection token raises not found.');

select tests.authenticate_as_anon();
select throws_ok($$ select 1 from notion_sync.mappings $$, '42501', 'permission denied for schema notion_sync',
  'Anon has no usage on the private schema.');

select tests.authenticate_as_service_role();
select is((select count(*)::int from notion_sync.mappings where mapping_id in (:'alice_mapping', :'bob_mapping')), 2,
  'The service role sees every user''s mappings.');
select is((select count(*)::int from notion_sync_demo.tasks where title in ('Alice task', 'Bob task')), 2,
  'The service role sees every user''s demo rows.');

select * from finish();
rollback;
