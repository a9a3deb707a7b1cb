-- A create queued for a record that a retrieve linked to a page before the push sent it (here a
-- page a person made in Notion with the record's title) is cancelled when the push claims its
-- writes, saying why, instead of making the record a second page; other writes are claimed.
begin;
select plan(4);

select tests.linked_tasks('linked-meanwhile@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
insert into notion_sync_demo.tasks (owner_id, title, status) values (:'uid', 'Fresh', 'Todo') returning task_id as fresh \gset
insert into notion_sync_demo.tasks (owner_id, title, status) values (:'uid', 'Other', 'Todo') returning task_id as other \gset
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{"create_unmatched": true}', 'full', true);
select is((select count(*)::int from notion_sync.outbox where op = 'create' and status = 'pending'), 2,
  'Both new records have a create queued.');

-- before the push, a full scan finds a page titled like one of them and links it
select (notion_sync_api.start_run('tasks', 'retrieve', 'full') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Fresh')));
update notion_sync.runs set checkpoint = checkpoint || jsonb_build_object('scan_completed_at', now()) where run_id = :'run';
select notion_sync_api.match_residue(:'run');
select notion_sync_api.reconcile(:'run');
select notion_sync_api.finish_run(:'run', 'completed');
select is((select record_key::uuid from notion_sync.links where page_id = 'p2'), :'fresh'::uuid,
  'The scan linked the person''s page to the record.');

select results_eq($$ select op, record_key from notion_sync_api.claim_outbox_for('tasks') $$,
  format($$ values ('create'::text, %L::text) $$, :'other'),
  'The push claims the other record''s create only.');
select is((select outcome ->> 'cancelled' from notion_sync.outbox where record_key = :'fresh'),
  format('record %s was linked to page p2 before the create was sent', :'fresh'),
  'The linked record''s create is cancelled, saying why.');

select * from finish();
rollback;
