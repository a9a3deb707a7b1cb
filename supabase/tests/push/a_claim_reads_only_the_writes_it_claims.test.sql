-- A push claims the outbox 10 writes at a time. With thousands of creates queued after a mass
-- restore, each claim read every create still waiting (to cancel those whose record was linked
-- meanwhile) and walked past every write already sent (to find the next due ones in order): each
-- claim cost as much as the whole queue, and a push of N creates N² reads. A claim now reads about
-- the writes it claims, however many wait or went before. Counted in rows read (the transaction's
-- table statistics), not in time.
begin;
select plan(3);

select tests.linked_tasks('claim-reads@example.com', '[]') as uid \gset
update notion_sync.mappings set bulk_threshold_rows = 100000000, bulk_threshold_percent = 100;
insert into notion_sync_demo.tasks (owner_id, title) select :'uid', 'Task ' || g from generate_series(1, 2000) g;
select tests.sync_pages('[]', '{"create_unmatched": true}', 'full', true);
-- the first half pushed: each create sent and its record linked to the page Notion made
reset role;
update notion_sync.outbox o set status = 'done'
where o.outbox_id in (select x.outbox_id from notion_sync.outbox x order by x.outbox_id limit 1000);
insert into notion_sync.links (mapping_id, page_id, owner_id, record_key, base)
select o.mapping_id, 'page-' || o.outbox_id, o.owner_id, o.record_key, '{}'::jsonb
from notion_sync.outbox o where o.status = 'done';
analyze notion_sync.outbox;
analyze notion_sync.links;

create temp table reads_before as
select sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::int as n
from pg_stat_xact_user_tables where schemaname = 'notion_sync' and relname in ('outbox', 'links');
grant select on reads_before to authenticated;
select tests.authenticate_as(:'uid');

select is((select count(*)::int from notion_sync_api.claim_outbox_for('tasks', null, 10)), 10,
  'The claim takes 10 of the 1,000 creates still waiting.');
reset role;
select cmp_ok((select sum(coalesce(seq_tup_read, 0) + coalesce(idx_tup_fetch, 0))::int
               from pg_stat_xact_user_tables where schemaname = 'notion_sync' and relname in ('outbox', 'links'))
              - (select n from reads_before), '<', 100,
  'Claiming 10 writes reads fewer than 100 rows of the outbox and the links, not the 2,000 writes and 1,000 links.');
select is((select count(*)::int from notion_sync.outbox where status = 'in_flight'), 10,
  'Only the claimed writes are in flight.');

select * from finish();
rollback;
