-- Reverting a run that deleted a record (its page was trashed, under trash_other_side) after the
-- record was put back with the same key: the revert goes through instead of failing on the key.
-- The same row counts as restored; a row put back with other values stays, and a question says so.
begin;
select plan(4);

select tests.linked_tasks('revert-putback@example.com', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
update notion_sync.mappings set delete_policy = 'trash_other_side';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')), '{}', 'full', true);
create temp table saved as select * from notion_sync_demo.tasks;
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Todo', false, true),
  tests.task_page('p2', 'Two', 'Todo', false, true)), '{}', 'full', true) ->> 'run_id' as run \gset
select is((select count(*)::int from notion_sync_demo.tasks), 0, 'The run deleted both records of the trashed pages.');

-- both are put back from a backup, one of them edited
insert into notion_sync_demo.tasks select * from saved;
update notion_sync_demo.tasks set status = 'Done' where title = 'Two';

select is(notion_sync_api.revert_run(:'run'), '{"undone": 1, "kept_as_conflicts": 1}'::jsonb,
  'The revert goes through: the same row counts as restored, the other is kept as a question.');
select is((select string_agg(title || ':' || status, ',' order by title) from notion_sync_demo.tasks), 'One:Todo,Two:Done',
  'Both records stay as they were put back.');
select alike((select details ->> 'error' from notion_sync.conflicts where kind = 'changed_during_apply'),
  '%a record with that key is back already%', 'The question says the record is back with other values.');

select * from finish();
rollback;
