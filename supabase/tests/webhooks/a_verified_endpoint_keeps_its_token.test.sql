-- Notion sends a subscription's verification token once. Until a signed event has verified the
-- endpoint a new handshake replaces the token; after that one is refused and the token kept, so a
-- handshake posted by someone who learned the URL cannot take the endpoint over.
begin;
select plan(5);

select tests.create_user('verified@example.com') as uid \gset
select tests.create_demo_mapping(:'uid');
\set hash 4b2e1d4f5c6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7a8
select tests.authenticate_as(:'uid');
select notion_sync_api.set_webhook_key('demo', :'hash');

select tests.authenticate_as_service_role();
select notion_sync.store_webhook_token(:'hash', 'v1.aXY=.Zmlyc3Q=');
select isnt(notion_sync.store_webhook_token(:'hash', 'v1.aXY=.c2Vjb25k'), null,
  'Before the first signed event, a new handshake is taken.');

select tests.authenticate_as(:'uid');
select notion_sync_api.record_webhook_event(
  (select connection_id from notion_sync_api.connections where name = 'demo'),
  '{"id": "e1", "type": "comment.created", "timestamp": "2026-11-27T10:00:00Z", "entity": {"id": "c1", "type": "comment"}}');
select isnt((select webhook_verified_at from notion_sync_api.connections where name = 'demo'), null,
  'A signed event verifies the endpoint.');

select tests.authenticate_as_service_role();
select throws_ok(format('select notion_sync.store_webhook_token(%L, %L)', :'hash', 'v1.aXY=.dGhpcmQ='), '55000',
  null, 'A handshake to a verified endpoint is refused.');

select tests.authenticate_as(:'uid');
select is(notion_sync_api.webhook_token_ciphertext('demo'), 'v1.aXY=.c2Vjb25k',
  'The verified endpoint keeps the token its events are signed with.');
select notion_sync_api.set_webhook_key('demo', repeat('d', 64));
select tests.authenticate_as_service_role();
select isnt(notion_sync.store_webhook_token(repeat('d', 64), 'v1.aXY=.Zm91cnRo'), null,
  'A new URL takes a handshake again.');

select * from finish();
rollback;
