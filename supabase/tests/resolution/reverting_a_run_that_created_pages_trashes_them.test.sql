-- Reverting a run that created a page for a record trashes that page and forgets the pair; it no
-- longer pushes empty values into the page, which the next run then applied to the record.
begin;
select plan(4);

select tests.linked_tasks('revert-create@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
insert into notion_sync_demo.tasks (owner_id, title, status) values (:'uid', 'Fresh', 'Doing') returning task_id as fresh \gset
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{"create_unmatched": true}', 'full', true)
  ->> 'run_id' as run \gset
select outbox_id as item from notion_sync_api.claim_outbox('tasks', 10) where op = 'create' \gset
select notion_sync_api.confirm_push(:item, tests.task_page('p9', 'Fresh', 'Doing'));

select notion_sync_api.revert_run(:'run');
select results_eq($$ select op, page_id, status from notion_sync.outbox where status = 'pending' $$,
  $$ values ('trash'::text, 'p9'::text, 'pending'::text) $$,
  'The created page is queued for the trash, and no empty values are pushed into it.');
select is_empty($$ select 1 from notion_sync.links where page_id = 'p9' $$, 'Its pair is forgotten.');

select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{}', 'full', true);
select is((select row(title, status)::text from notion_sync_demo.tasks where task_id = :'fresh'), row('Fresh', 'Doing')::text,
  'The record keeps its values.');
select is_empty($$ select 1 from notion_sync.conflicts where status = 'open' $$, 'No question is raised about it.');

select * from finish();
rollback;
