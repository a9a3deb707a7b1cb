-- A deletion question still open when its missing half comes back is settled before the next run
-- reconciles, instead of waiting, stale, for an answer that would then delete a live record or make
-- a second one: a page restored from the trash, a record put back with its key.
begin;
select plan(8);

select tests.linked_tasks('back@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
select task_id as two from notion_sync_demo.tasks where title = 'Two' \gset

-- p1 trashed in Notion: asked about
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', p_in_trash => true)));
select is((select status from notion_sync.conflicts where kind = 'page_missing' and page_id = 'p1'), 'open',
  'A page in the trash is asked about.');
-- restored in Notion before anyone answered
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')));
select is((select status || ':' || (resolution ->> 'state') from notion_sync.conflicts where kind = 'page_missing'),
  'resolved:back', 'Its page back out of the trash, the question is settled.');
select is((select count(*)::int from notion_sync_demo.tasks where title = 'One'), 1,
  'The record stays.');
select is((select record_key from notion_sync.links where page_id = 'p1'),
  (select task_id::text from notion_sync_demo.tasks where title = 'One'), 'The pair stays linked.');

-- the record of p2 deleted: asked about; then put back with its key
create temp table saved as select * from notion_sync_demo.tasks where title = 'Two';
delete from notion_sync_demo.tasks where title = 'Two';
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two')), '{}', 'full', true);
select is((select status from notion_sync.conflicts where kind = 'record_deleted'), 'open',
  'A deleted record is asked about.');
insert into notion_sync_demo.tasks select * from saved;
select tests.sync_pages('[]');
select is((select status || ':' || (resolution ->> 'state') from notion_sync.conflicts where kind = 'record_deleted'),
  'resolved:back', 'The record put back, the question is settled.');
select is_empty($$ select 1 from notion_sync.tombstones where resolved_at is null $$,
  'So is its deletion.');
select is((select count(*)::int from notion_sync_demo.tasks where title = 'Two'), 1,
  'And there is one record of the page, not two.');

select * from finish();
rollback;
