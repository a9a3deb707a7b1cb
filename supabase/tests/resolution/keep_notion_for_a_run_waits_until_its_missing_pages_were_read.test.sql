-- Keep Notion for every open question of a run (resolve_conflicts(null, run, 'prefer_notion'), the
-- review handler's resolve {runId}) is refused as a whole while one of them is a page_missing
-- question no run has read the page of in Notion: it would delete that record on a scan's absence
-- alone. Nothing is decided (not the other questions either: the person confirmed one answer for
-- all of them), the error names the page, and answer_all leaves Keep Notion out by the same rule.
begin;
select plan(7);

select tests.linked_tasks('keep-notion-run@example.com',
  jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'), tests.task_page('p3', 'Three'))) as uid \gset
delete from notion_sync_demo.tasks where title = 'One';
-- a completed full scan that sees p1 and p3: p1's record deleted, p2 missed
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p3', 'Three')), '{}', 'full', true)
  ->> 'run_id' as run \gset
select is((select jsonb_object_agg(kind, details ->> 'state') from notion_sync.conflicts where run_id = :'run' and status = 'open'),
  '{"page_missing": "unverified", "record_deleted": "deleted"}'::jsonb,
  'The run asks about a deleted record and a page it only missed.');
select is((select answer_all from notion_sync_api.runs where run_id = :'run'), '{prefer_supabase}'::text[],
  'Its answer for all leaves Keep Notion out.');

select throws_ok(format($$ select notion_sync_api.resolve_conflicts(null, %L::uuid, 'prefer_notion') $$, :'run'), '55000',
  'Keep Notion for these questions would delete records on an absence alone: 1 of them concern a page only '
  'missed by a full scan and not read in Notion yet (p2); nothing was decided: a run verifies those pages first',
  'Keep Notion for the whole run is refused, naming the page not read yet.');
select throws_ok(format($$ select notion_sync_api.resolve_conflicts(array(select conflict_id from notion_sync.conflicts
                                                                          where run_id = %L), null, 'prefer_notion') $$, :'run'),
  '55000', null, 'A list of the same questions is refused the same way.');
select is((select count(*)::int from notion_sync.conflicts where run_id = :'run' and status = 'open'), 2,
  'Nothing was decided: both questions are open.');
select is((select count(*)::int from notion_sync_demo.tasks), 2,
  'No record was deleted, and the deleted one was not restored.');

-- the retrieve function reads p2: it is in the trash; then Keep Notion fits all
select notion_sync_api.report_page_state('tasks', 'p2', 'trashed');
select is(notion_sync_api.resolve_conflicts(null, :'run', 'prefer_notion'), '{"resolved": 2}'::jsonb,
  'Once the page was read, Keep Notion for the run answers both questions.');

select * from finish();
rollback;
