-- The questions a revert leaves (a page without the record the run imported, a record without the
-- page the run created) are dismissed, so only SQL showed them. notion_sync_api.reverted_questions
-- lists them under the reverted run with the answer that brings the page or the record back, and
-- a question answered so leaves the list.
begin;
select plan(6);

select tests.linked_tasks('reverted-questions@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
-- a run that imports page p2 and creates a page for the record Fresh
insert into notion_sync_demo.tasks (owner_id, title, status) values (:'uid', 'Fresh', 'Doing') returning task_id as fresh \gset
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')),
  '{"create_unmatched": true}', 'full', true) ->> 'run_id' as run \gset
select outbox_id as item from notion_sync_api.claim_outbox('tasks', 10) where op = 'create' \gset
select notion_sync_api.confirm_push(:item, tests.task_page('p9', 'Fresh', 'Doing'));

select is_empty($$ select 1 from notion_sync_api.reverted_questions $$, 'Before the revert nothing is listed.');
select notion_sync_api.revert_run(:'run');

select results_eq($$ select kind, coalesce(page_id, '-'), bring_back from notion_sync_api.reverted_questions
                     where run_id = '$$ || :'run' || $$' order by kind $$,
  $$ values ('page_missing'::text, 'p9'::text, 'prefer_supabase'::text),
            ('record_deleted', 'p2', 'prefer_notion') $$,
  'Both questions the revert left are listed under the run, each with the answer that brings its side back.');
select is((select mapping from notion_sync_api.reverted_questions where page_id = 'p2'), 'tasks',
  'Each names its mapping.');

select conflict_id as q from notion_sync_api.reverted_questions where page_id = 'p2' \gset
select is(notion_sync_api.resolve_conflict(:'q', 'prefer_notion') ->> 'status', 'resolved',
  'Its answer imports the page again.');
select is((select count(*)::int from notion_sync_api.reverted_questions), 1,
  'The question answered leaves the list; the other stays.');

select tests.clear_authentication();
select tests.create_user('reverted-questions-bob@example.com') as bob \gset
select tests.authenticate_as(:'bob');
select is_empty($$ select 1 from notion_sync_api.reverted_questions $$, 'Another user sees none of them.');

select * from finish();
rollback;
