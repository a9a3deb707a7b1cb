-- A record deleted in Supabase whose record_deleted conflict a person skipped, then put back with
-- the same key (from a backup), finds its page again instead of getting a second one: linked
-- again at the first run that sees the page (an incremental run creates no page meanwhile), its
-- question settled, compared with the page as on first contact.
begin;
select plan(7);

select tests.linked_tasks('putback@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
select task_id as one from notion_sync_demo.tasks where title = 'One' \gset
create temp table saved as select * from notion_sync_demo.tasks where title = 'One';
delete from notion_sync_demo.tasks where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')), '{}', 'full', true);
select notion_sync_api.resolve_conflict(conflict_id, 'skip') from notion_sync.conflicts where status = 'open';

-- put back from a backup; an incremental run that does not see p1, then a full scan
insert into notion_sync_demo.tasks select * from saved;
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two')));
select is_empty($$ select 1 from notion_sync.outbox where op = 'create' $$,
  'An incremental run that does not see its page creates no page for the record put back.');
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')), '{}', 'full', true)
  as summary \gset
select is_empty($$ select 1 from notion_sync.outbox where op = 'create' $$,
  'The full scan gives it no second page.');
select is((select record_key from notion_sync.links where page_id = 'p1'), :'one'::text,
  'It is linked to its page again.');
select is((select status || ':' || (resolution ->> 'state') from notion_sync.conflicts where kind = 'record_deleted'),
  'resolved:back', 'The skipped question is settled.');
select is_empty($$ select 1 from notion_sync.tombstones where resolved_at is null $$,
  'Its deletion is settled too.');
select is_empty($$ select 1 from notion_sync.conflicts where status = 'open' $$,
  'Equal on both sides, it asks nothing.');
select is((select base ->> 'title' from notion_sync.links where page_id = 'p1'), 'One',
  'The pair has its base again.');

select * from finish();
rollback;
