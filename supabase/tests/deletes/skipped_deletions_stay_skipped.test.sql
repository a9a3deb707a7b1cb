-- A deletion a person skipped, or the unlink policy forgot, stays as it is at the next full scans:
-- the page of a deleted record is not made a record again, the record of a trashed page gets no
-- second page, and the unlink policy leaves the conflict it decided, dismissed. A page taken out of
-- the trash later finds its record again, whatever their titles.
begin;
select plan(11);

select tests.linked_tasks('skipped@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'), tests.task_page('p3', 'Three'),
  tests.task_page('p4', 'Four'), tests.task_page('p5', 'Five'))) as uid \gset

-- under hold: One deleted in Supabase, p2 trashed in Notion; a person skips both conflicts
delete from notion_sync_demo.tasks where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two', 'Todo', false, true),
  tests.task_page('p3', 'Three'), tests.task_page('p4', 'Four'), tests.task_page('p5', 'Five')), '{}', 'full', true);
select notion_sync_api.resolve_conflict(conflict_id, 'skip') from notion_sync.conflicts where status = 'open';

-- two more full scans of the same Notion
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two', 'Todo', false, true),
  tests.task_page('p3', 'Three'), tests.task_page('p4', 'Four'), tests.task_page('p5', 'Five')), '{}', 'full', true)
  as summary \gset
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two', 'Todo', false, true),
  tests.task_page('p3', 'Three'), tests.task_page('p4', 'Four'), tests.task_page('p5', 'Five')), '{}', 'full', true);
select is((select count(*)::int from notion_sync_demo.tasks where title = 'One'), 0,
  'The page of a deleted record whose conflict was skipped is not made a record again.');
select is_empty($$ select 1 from notion_sync.outbox where op = 'create' $$,
  'The record of a trashed page whose conflict was skipped gets no second page.');
select is((:'summary'::jsonb ->> 'inserts')::int + (:'summary'::jsonb ->> 'creates')::int, 0,
  'The next full scan plans no insert and no create.');
select is_empty($$ select 1 from notion_sync.conflicts where status = 'open' $$,
  'Nothing is asked again.');

-- under unlink: Three deleted in Supabase, p4 trashed in Notion
update notion_sync.mappings set delete_policy = 'unlink';
delete from notion_sync_demo.tasks where title = 'Three';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two', 'Todo', false, true),
  tests.task_page('p3', 'Three'), tests.task_page('p4', 'Four', 'Todo', false, true), tests.task_page('p5', 'Five')),
  '{}', 'full', true);
select results_eq(
  $$ select page_id, kind, status, resolution ->> 'by' from notion_sync.conflicts
     where page_id in ('p3', 'p4') order by page_id $$,
  $$ values ('p3'::text, 'record_deleted'::text, 'dismissed'::text, 'delete_policy'::text),
            ('p4', 'page_missing', 'dismissed', 'delete_policy') $$,
  'The unlink policy leaves the conflicts it decided, dismissed as a skip by the delete policy.');
select is((select details -> 'last_values' ->> 'title' from notion_sync.conflicts where page_id = 'p3'), 'Three',
  'The dismissed conflict keeps the deleted record''s last values.');
select is_empty($$ select 1 from notion_sync.links where page_id in ('p3', 'p4') $$,
  'Both pairs are forgotten.');

select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two', 'Todo', false, true),
  tests.task_page('p3', 'Three'), tests.task_page('p4', 'Four', 'Todo', false, true), tests.task_page('p5', 'Five')),
  '{}', 'full', true);
select is((select count(*)::int from notion_sync_demo.tasks where title in ('Three', 'Four')), 1,
  'Under unlink too, the deleted record stays deleted and the record of the trashed page stays.');
select is_empty($$ select 1 from notion_sync.outbox where op = 'create' $$,
  'Under unlink too, no second page is created.');

-- p2's record is renamed, then p2 is taken out of the trash in Notion: a full run, with residue
-- matching after its scan (which cannot pair them by title any more)
update notion_sync_demo.tasks set title = 'Two, renamed' where title = 'Two';
select notion_sync_api.start_run('tasks', 'retrieve', 'full') ->> 'run_id' as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'),
  tests.task_page('p3', 'Three'), tests.task_page('p4', 'Four', 'Todo', false, true), tests.task_page('p5', 'Five')));
update notion_sync.runs set checkpoint = checkpoint || jsonb_build_object('scan_completed_at', now())
where run_id = :'run';
select notion_sync_api.match_residue(:'run');
select notion_sync_api.reconcile(:'run');
select notion_sync_api.finish_run(:'run', 'completed');
select is((select t.title from notion_sync_demo.tasks t join notion_sync.links l on l.record_key = t.task_id::text
           where l.page_id = 'p2'), 'Two, renamed',
  'A skipped page taken out of the trash is linked to its record again, not made a second record.');
select is((select l.base from notion_sync.links l where l.page_id = 'p2'), '{}'::jsonb,
  'It is linked without a base: the next run compares the two sides as on first contact.');

select * from finish();
rollback;
