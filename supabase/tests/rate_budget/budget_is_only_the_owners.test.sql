-- Only the owner of a connection may pause or retune its integration's budget.
begin;
select plan(3);

select tests.create_user('budget-cy@example.com') as cy \gset
select tests.create_user('budget-dee@example.com') as dee \gset
insert into notion_sync.connections (owner_id, name, token_ciphertext, bot_id)
values (:'cy', 'mine', 'v1.test.ciphertext', 'bot-cy') returning connection_id as c \gset

select tests.authenticate_as(:'dee');
select throws_ok(format('select notion_sync_api.pause_notion_budget(%L, 600)', :'c'), 'P0002', null,
  'Another user cannot pause someone else''s budget.');
select throws_ok(format('select notion_sync_api.set_notion_budget(%L, 0.01, 1)', :'c'), 'P0002', null,
  'Another user cannot slow someone else''s budget down.');

select tests.authenticate_as(:'cy');
select throws_ok(format('select notion_sync_api.set_notion_budget(%L, 0, 1)', :'c'), '22023', null,
  'A rate of zero is refused.');

select * from finish();
rollback;
