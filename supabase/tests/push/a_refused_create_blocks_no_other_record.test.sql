-- A record Notion cannot take (a status that is not an option) gets no page but a push_failed
-- conflict without a page, naming the error, while the run goes on and the other records get
-- their pages. Each full run tries again; keeping Notion is refused (there is none), keeping
-- Supabase tries the create again at once; once corrected, the create is queued and the conflict
-- settled.
begin;
select plan(11);

select tests.linked_tasks('refused-create@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
insert into notion_sync_demo.tasks (owner_id, title, status) values (:'uid', 'Bad', 'Nope') returning task_id as bad \gset
insert into notion_sync_demo.tasks (owner_id, title, status) values (:'uid', 'Good', 'Done') returning task_id as good \gset
create temp table one on commit drop as select jsonb_build_array(tests.task_page('p1', 'One')) as p;

select lives_ok($$ select tests.sync_pages((select p from one), '{"create_unmatched": true}', 'full', true) $$,
  'A full run with a record Notion cannot take completes.');
select is((select array_agg(record_key::uuid) from notion_sync.outbox where op = 'create'), array[:'good'::uuid],
  'The other record''s page is queued.');
select results_eq($$ select page_id, record_key::uuid, fields, details ->> 'error' from notion_sync.conflicts $$,
  format($$ values (null::text, %L::uuid, '{"status": {"base": null, "notion": null, "supabase": "Nope"}}'::jsonb,
                    'unknown_status_option: "Nope" is not an option of the status property "Status"; allowed: "Todo", "Doing", "Done"') $$,
         :'bad'),
  'The refused record gets a push_failed conflict without a page that names the error.');
select tests.sync_pages((select p from one), '{"create_unmatched": true}', 'full', true);
select is((select count(*)::int from notion_sync.conflicts where status = 'open'), 1,
  'The next full run tries again and refreshes the same conflict.');

select conflict_id as c from notion_sync.conflicts \gset
select throws_ok(format($$ select notion_sync_api.resolve_conflict(%L, 'prefer_notion') $$, :'c'), '22023', null,
  'Keeping Notion''s value is refused: there is no page.');
select is(notion_sync_api.resolve_conflict(:'c', 'prefer_supabase') ->> 'status', 'refused',
  'Keeping Supabase''s uncorrected value is answered refused.');

update notion_sync_demo.tasks set status = 'Doing' where task_id = :'bad';
select is(notion_sync_api.resolve_conflict(:'c', 'prefer_supabase') ->> 'status', 'resolved',
  'Once corrected, keeping Supabase queues the create at once.');
select is((select properties -> 'st%3A' from notion_sync.outbox where record_key = :'bad'), '{"status": {"name": "Doing"}}'::jsonb,
  'With the corrected value.');
select is((select status from notion_sync.conflicts where conflict_id = :'c'), 'resolved', 'The conflict is resolved.');

-- corrected in Supabase only: the next full run queues the create and settles the conflict
insert into notion_sync_demo.tasks (owner_id, title, status) values (:'uid', 'Later', 'Nope') returning task_id as later \gset
select tests.sync_pages((select p from one), '{"create_unmatched": true}', 'full', true);
update notion_sync_demo.tasks set status = 'Todo' where task_id = :'later';
select tests.sync_pages((select p from one), '{"create_unmatched": true}', 'full', true);
select is((select count(*)::int from notion_sync.outbox where record_key = :'later' and op = 'create'), 1,
  'A record corrected in Supabase gets its page at the next full run.');
select is((select resolution ->> 'action' from notion_sync.conflicts where record_key = :'later'), 'obsolete',
  'And its conflict is settled.');

select * from finish();
rollback;
