-- The Notion rate budget lets a burst go at once, then spaces requests 1/rate apart; a second
-- connection of the same integration (bot id) takes from the same budget.
begin;
select plan(5);

select tests.create_user('budget-ann@example.com') as ann \gset
insert into notion_sync.connections (owner_id, name, token_ciphertext, bot_id)
values (:'ann', 'first', 'v1.test.ciphertext', 'bot-1') returning connection_id as c1 \gset
insert into notion_sync.connections (owner_id, name, token_ciphertext, bot_id)
values (:'ann', 'second', 'v1.test.ciphertext', 'bot-1') returning connection_id as c2 \gset
select tests.authenticate_as(:'ann');
select notion_sync_api.set_notion_budget(:'c1', 2, 3);

create temp table waits (n serial, ms double precision);
insert into waits (ms) select notion_sync_api.take_notion_budget(:'c1');
insert into waits (ms) select notion_sync_api.take_notion_budget(:'c2');
insert into waits (ms) select notion_sync_api.take_notion_budget(:'c1');
insert into waits (ms) select notion_sync_api.take_notion_budget(:'c2');
insert into waits (ms) select notion_sync_api.take_notion_budget(:'c1');

select is((select array_agg(ms order by n) from waits where n <= 3), array[0, 0, 0]::double precision[],
  'A burst of 3 goes at once, whichever connection of the integration takes.');
select ok((select ms between 250 and 500 from waits where n = 4),
  'The fourth request waits about 1/rate (500 ms), though it came through the other connection.');
select ok((select ms between 750 and 1000 from waits where n = 5),
  'The fifth waits about 2/rate: the two connections share one budget.');

select notion_sync_api.pause_notion_budget(:'c2', 30);
select ok(notion_sync_api.take_notion_budget(:'c1') between 29000 and 30000,
  'After a Retry-After of 30 s, no request of the integration goes before it passes.');

select tests.clear_authentication();
select tests.create_user('budget-bob@example.com') as bob \gset
select tests.authenticate_as(:'bob');
select throws_ok(format('select notion_sync_api.take_notion_budget(%L)', :'c1'), 'P0002', null,
  'Another user cannot take from (or see) someone else''s budget.');

select * from finish();
rollback;
