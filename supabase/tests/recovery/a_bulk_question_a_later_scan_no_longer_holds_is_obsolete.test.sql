-- A run holds 30 missing pages in a bulk question; a later full scan sees them all again and holds
-- nothing. Answering the old question changes nothing (it would reconcile the old run against
-- pages staged since): it answers stale and is closed as obsolete.
begin;
select plan(3);

select tests.linked_tasks('obsolete-bulk@example.com',
  (select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g)) as uid \gset
select tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g), '{}', 'full', true);
select tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 10) g), '{}', 'full', true)
  ->> 'run_id' as r1 \gset
select conflict_id as bulk from notion_sync.conflicts where kind = 'bulk_change' and status = 'open' \gset
update notion_sync.runs set started_at = started_at - interval '1 minute' where run_id = :'r1';
select tests.sync_pages((select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 40) g), '{}', 'full', true);

select is(notion_sync_api.resolve_conflict(:'bulk', 'prefer_supabase') ->> 'status', 'stale',
  'Answering the question of the older run answers stale.');
select is_empty($$ select 1 from notion_sync.outbox where op = 'restore' $$, 'No restore is queued.');
select is((select resolution ->> 'action' from notion_sync.conflicts where conflict_id = :'bulk'), 'obsolete',
  'The question is closed as obsolete.');

select * from finish();
rollback;
