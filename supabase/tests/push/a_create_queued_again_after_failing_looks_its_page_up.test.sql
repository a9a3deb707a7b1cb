-- A create queued again for a record whose earlier create failed after several attempts (each
-- perhaps reaching Notion) is claimed as a second attempt, so the push looks the page up before
-- sending, and dated from the earlier intent, so the lookup takes pages made since then. One that
-- failed at its first attempt (Notion refused it) starts afresh.
begin;
select plan(3);

select tests.linked_tasks('again@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Unsure'), (:'uid', 'Refused');
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{"create_unmatched": true}', 'full', true);
-- the first create timed out again and again; the second was refused at once
reset role;
update notion_sync.outbox o set status = 'failed', attempts = case when o.properties::text like '%Unsure%' then 8 else 1 end,
                                created_at = now() - interval '2 hours'
where op = 'create';
select tests.authenticate_as(:'uid');
select created_at as first_intent from notion_sync.outbox where op = 'create' and properties::text like '%Unsure%' \gset

select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{"create_unmatched": true}', 'full', true);
create temp table claimed as select * from notion_sync_api.claim_outbox('tasks', 10);
select is((select attempts from claimed where properties::text like '%Unsure%'), 2,
  'The create of the record whose earlier create may have reached Notion is claimed as a second attempt.');
select is((select created_at from claimed where properties::text like '%Unsure%'), :'first_intent'::timestamptz,
  'Dated from the earlier intent, so the lookup takes the pages made since.');
select is((select attempts from claimed where properties::text like '%Refused%'), 1,
  'A create refused at its first attempt starts afresh.');

select * from finish();
rollback;
