-- Notion ids compare in one form, dashed lowercase (how the API returns them): the undashed form
-- of URLs and either case come to it; anything else (a test's "p1") is kept as it is.
begin;
select plan(5);

select is(notion_sync.notion_id('2A8B3C4D5E6F40718293A4B5C6D7E8F9'), '2a8b3c4d-5e6f-4071-8293-a4b5c6d7e8f9',
  'An undashed id, in any case, is dashed and lowercased.');
select is(notion_sync.notion_id('2A8B3C4D-5E6F-4071-8293-A4B5C6D7E8F9'), '2a8b3c4d-5e6f-4071-8293-a4b5c6d7e8f9',
  'A dashed uppercase id is lowercased.');
select is(notion_sync.notion_id('2a8b3c4d-5e6f-4071-8293-a4b5c6d7e8f9'), '2a8b3c4d-5e6f-4071-8293-a4b5c6d7e8f9',
  'An id in the API''s form is unchanged.');
select is(notion_sync.notion_id('P1'), 'P1', 'Anything that is not a Notion id is kept as it is.');
select is(notion_sync.notion_id(null), null, 'Null stays null.');

select * from finish();
rollback;
