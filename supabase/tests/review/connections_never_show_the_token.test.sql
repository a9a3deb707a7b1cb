-- Connections are stored from the functions' ciphertext and replaced by name; what a client can
-- read (the connections view) carries no token material, and another user's connections are
-- invisible.
begin;
select plan(8);

select tests.create_user('conn-alice@example.com') as alice \gset
select tests.create_user('conn-bob@example.com') as bob \gset

select tests.authenticate_as(:'alice');
select notion_sync_api.save_connection('work', 'v1.aXY=.Y2lwaGVy', 'bot-1', 'ws-1', 'Acme') as conn \gset
select results_eq($$ select name, bot_id, workspace_id, workspace_name from notion_sync_api.connections $$,
  $$ values ('work'::text, 'bot-1'::text, 'ws-1'::text, 'Acme'::text) $$,
  'The owner sees the connection with its bot and workspace.');
select is(notion_sync_api.save_connection('work', 'v1.aXY=.b3RoZXI=', 'bot-2', 'ws-1', 'Acme'), :'conn'::uuid,
  'Saving again by name replaces the connection in place.');
select is((select bot_id from notion_sync_api.connections), 'bot-2', 'The replacement names the new bot.');
select throws_ok($$ select notion_sync_api.save_connection('raw', 'secret_plain_token', 'bot-1') $$,
  '22023', 'the token must be encrypted by the functions before it is stored',
  'A plain token is refused: only the functions'' ciphertext is stored.');
select is_empty($$ select from information_schema.columns where table_schema = 'notion_sync_api'
                   and table_name = 'connections' and column_name ~ 'token|cipher' $$,
  'The connections view has no token column.');
select throws_ok($$ select token_ciphertext from notion_sync.connections $$, '42501', null,
  'A client cannot read the ciphertext.');

select tests.clear_authentication();
select is((select token_ciphertext from notion_sync.connections where connection_id = :'conn'), 'v1.aXY=.b3RoZXI=',
  'The replacement''s ciphertext is stored.');

select tests.authenticate_as(:'bob');
select is_empty($$ select from notion_sync_api.connections $$, 'Another user sees none of them.');

select * from finish();
rollback;
