-- A connection's webhook endpoint is known by the sha256 of its URL key; the verification token
-- Notion sends there is stored as the functions' ciphertext, which no client can read but its
-- owner can have back (to paste in Notion). A new URL forgets the old endpoint and its token.
begin;
select plan(11);

select tests.create_user('endpoint@example.com') as uid \gset
select tests.create_user('other-endpoint@example.com') as other \gset
select tests.create_demo_mapping(:'uid');
\set hash 3a1f0c3e4b5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7

select tests.authenticate_as(:'uid');
select throws_ok($$ select notion_sync_api.set_webhook_key('demo', 'my-key') $$, '22023',
  'p_key_hash must be the sha256 of the key, 64 lowercase hex digits', 'Only a key''s sha256 is accepted.');
select throws_ok($$ select notion_sync_api.set_webhook_key('nope', repeat('a', 64)) $$, 'P0002', null,
  'A connection the caller does not have is refused.');
select lives_ok(format('select notion_sync_api.set_webhook_key(%L, %L)', 'demo', :'hash'),
  'The owner gives a connection a webhook endpoint.');
select is(notion_sync_api.webhook_token_ciphertext('demo'), null, 'Before Notion''s handshake there is no token.');

select tests.authenticate_as_service_role();
select isnt(notion_sync.store_webhook_token(:'hash', 'v1.aXY=.dG9rZW4='), null,
  'The handshake''s token is stored for the endpoint with that key.');
select is(notion_sync.store_webhook_token(repeat('b', 64), 'v1.aXY=.dG9rZW4='), null,
  'A key no endpoint has stores nothing.');

select tests.authenticate_as(:'uid');
select is(notion_sync_api.webhook_token_ciphertext('demo'), 'v1.aXY=.dG9rZW4=',
  'The owner can have the token back, to decrypt and paste in Notion.');
select throws_ok($$ select webhook_token_ciphertext from notion_sync.connections $$, '42501', null,
  'A client cannot read the token''s ciphertext.');
select throws_ok(format('select * from notion_sync.webhook_endpoint(%L)', :'hash'), '42501', null,
  'A client cannot look an endpoint up by its key.');

select tests.authenticate_as(:'other');
select throws_ok($$ select notion_sync_api.webhook_token_ciphertext('demo') $$, 'P0002', null,
  'Another user cannot have it.');

select tests.authenticate_as(:'uid');
select notion_sync_api.set_webhook_key('demo', repeat('c', 64));
select is((select row(webhook_handshake_at, webhook_verified_at, notion_sync_api.webhook_token_ciphertext('demo'))::text
           from notion_sync_api.connections where name = 'demo'), '(,,)',
  'A new URL forgets the old endpoint''s token and when it was verified.');

select * from finish();
rollback;
