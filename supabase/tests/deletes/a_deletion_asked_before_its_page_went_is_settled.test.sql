-- A record deleted in Supabase is asked about by an incremental run; the next completed full scan
-- finds its page gone from the data source too (moved away). The pair is gone on both sides, which
-- asks nothing: the open record_deleted question is settled, and no page_missing question follows.
begin;
select plan(3);

select tests.linked_tasks('asked-before-gone@example.com', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
delete from notion_sync_demo.tasks where title = 'One';
select tests.sync_pages('[]'::jsonb, '{}', 'incremental');
select is((select count(*)::int from notion_sync.conflicts where status = 'open' and kind = 'record_deleted' and page_id = 'p1'), 1,
  'The deletion is asked about at once.');

-- p1 moved to another data source: a full scan does not see it
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two')), '{}', 'full', true);
select is((select resolution ->> 'state' from notion_sync.conflicts where kind = 'record_deleted' and page_id = 'p1'), 'gone',
  'Once its page is gone from the data source too, the question is settled.');
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two')), '{}', 'full', true);
select is_empty($$ select kind from notion_sync.conflicts where status = 'open' $$,
  'Nothing is asked about the pair gone on both sides.');

select * from finish();
rollback;
