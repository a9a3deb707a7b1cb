-- Reverting a run that created a page for a record trashes the page and forgets the pair. Later
-- runs planned the record's page again and counted it, but queued nothing (its create was done
-- once): the record stayed without a page for good, no question said why, and every run counted a
-- create that never happens (with a low safety valve, each run held these phantom creates in a
-- bulk_change again). Now a dismissed page_missing question says why and keeps the record out of
-- later creates; answering it prefer_supabase takes the page out of the trash, the record's again.
begin;
select plan(5);

select tests.linked_tasks('revert-create-again@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
insert into notion_sync_demo.tasks (owner_id, title, status) values (:'uid', 'Fresh', 'Doing') returning task_id as fresh \gset
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{"create_unmatched": true}', 'full', true)
  ->> 'run_id' as run \gset
select outbox_id as item from notion_sync_api.claim_outbox('tasks', 10) where op = 'create' \gset
select notion_sync_api.confirm_push(:item, tests.task_page('p9', 'Fresh', 'Doing'));

select notion_sync_api.revert_run(:'run');
select outbox_id as trash from notion_sync_api.claim_outbox('tasks', 10) where op = 'trash' \gset
select notion_sync_api.confirm_push(:trash, tests.task_page('p9', 'Fresh', 'Doing') || '{"in_trash": true}');

-- the next full scan (p9 in the trash is not in the query)
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{}', 'full', true)
  ->> 'run_id' as later \gset
select ok(exists (select from notion_sync.outbox o where o.op = 'create' and o.record_key = :'fresh'::text
                    and o.status = 'pending')
          or exists (select from notion_sync.conflicts c where c.record_key = :'fresh'::text
                       and c.status in ('open', 'dismissed')),
  'The record left without a page gets a new one, or a question says why.');
select is((select (summary ->> 'creates')::int from notion_sync.runs where run_id = :'later'),
          (select count(*)::int from notion_sync.outbox where run_id = :'later' and op = 'create'),
  'Every create the run counts is queued.');

select conflict_id as q from notion_sync.conflicts where kind = 'page_missing' and record_key = :'fresh'::text \gset
select is(notion_sync_api.resolve_conflict(:'q', 'prefer_supabase') ->> 'queued_for_notion', 'restore',
  'Answering its question prefer_supabase queues the page''s restore.');
select outbox_id as restore from notion_sync_api.claim_outbox('tasks', 10) where op = 'restore' \gset
select notion_sync_api.confirm_push(:restore, tests.task_page('p9', 'Fresh', 'Doing'));
select is((select record_key from notion_sync.links where page_id = 'p9'), :'fresh'::text,
  'The page out of the trash is the record''s again.');
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p9', 'Fresh', 'Doing')), '{}', 'full', true);
select is((select count(*)::int from notion_sync_demo.tasks), 2, 'The next run makes no second record of it.');

select * from finish();
rollback;
