-- A create queued for a record that a person deleted before the push sent it is cancelled when the
-- push claims its writes, saying why, so Notion gets no page of a record that no longer exists. A
-- create already attempted is still sent: its first attempt may have made the page.
begin;
select plan(4);

select tests.linked_tasks('deleted-meanwhile@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
insert into notion_sync_demo.tasks (owner_id, title, status) values (:'uid', 'Gone', 'Todo') returning task_id as gone \gset
insert into notion_sync_demo.tasks (owner_id, title, status) values (:'uid', 'Kept', 'Todo') returning task_id as kept \gset
insert into notion_sync_demo.tasks (owner_id, title, status) values (:'uid', 'Tried', 'Todo') returning task_id as tried \gset
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{"create_unmatched": true}', 'full', true);
select is((select count(*)::int from notion_sync.outbox where op = 'create' and status = 'pending'), 3,
  'The three new records have a create queued.');
-- one create was attempted already (its answer lost), then both records are deleted
update notion_sync.outbox set attempts = 1 where record_key = :'tried';
delete from notion_sync_demo.tasks where task_id in (:'gone', :'tried');

select results_eq($$ select record_key from notion_sync_api.claim_outbox_for('tasks') order by record_key $$,
  format($$ select unnest(array[%L, %L]) order by 1 $$, :'kept', :'tried'),
  'The push claims the create of the kept record, and the one already attempted.');
select is((select outcome ->> 'cancelled' from notion_sync.outbox where record_key = :'gone'),
  format('record %s was deleted before the create was sent', :'gone'),
  'The deleted record''s create is cancelled, saying why.');
select is((select status from notion_sync.outbox where record_key = :'gone'), 'cancelled', 'It is not sent later either.');

select * from finish();
rollback;
