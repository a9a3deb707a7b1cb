-- Keep Notion (or Keep Supabase) on a held mass deletion opens each pair's own question and decides
-- it at once. Each question used to be opened by open_conflict, whose look-up of an open question
-- of the pair read every question of the mapping in the open-questions index, including each one
-- this answer had opened and decided before (the transaction still sees them there): the Nth pair
-- read N entries, N²/2 in all (about 500,000 for 1,000 pairs). The pairs' questions are now opened
-- in one statement, and an answer of 1,000 pairs reads a few dozen entries of the questions per
-- pair, whatever the planner's statistics say. Counted in rows and index entries read (the
-- transaction's statistics), not in time.
begin;
select plan(6);

-- rows and index entries of notion_sync.conflicts read so far in this transaction
create function pg_temp.conflict_reads() returns bigint language sql stable set search_path = '' as $$
  select sum(pg_catalog.pg_stat_get_xact_tuples_returned(r.oid))::bigint
  from pg_catalog.pg_class r
  where r.oid = 'notion_sync.conflicts'::pg_catalog.regclass
     or r.oid in (select i.indexrelid from pg_catalog.pg_index i
                  where i.indrelid = 'notion_sync.conflicts'::pg_catalog.regclass)
$$;
create temp table reads (answer text primary key, before bigint, after bigint);

create temp table pages as
  select jsonb_agg(tests.task_page('p' || g, 'T' || g)) as live,
         jsonb_agg(tests.task_page('p' || g, 'T' || g, p_in_trash => true)) as trashed
  from generate_series(1, 1000) g;
grant select on pages to authenticated;

-- Keep Notion: 1,000 records deleted in Supabase, their pages live
select tests.linked_tasks('mass-reads-notion@example.com', (select live from pages)) as notion_user \gset
select tests.sync_pages((select live from pages), '{}', 'full', true);
delete from notion_sync_demo.tasks;
select tests.sync_pages((select live from pages), '{}', 'full', true);
select conflict_id as notion_bulk from notion_sync.conflicts where kind = 'bulk_change' and status = 'open' \gset
reset role;
insert into reads (answer, before) values ('prefer_notion', pg_temp.conflict_reads());
select tests.authenticate_as(:'notion_user');
select is(notion_sync_api.resolve_conflict(:'notion_bulk', 'prefer_notion') ->> 'restored_records', '1000',
  'Keep Notion restores the 1,000 deleted records.');
select is((select count(*)::int from notion_sync.conflicts where kind = 'record_deleted' and status = 'resolved'
             and details ->> 'bulk_change' = :'notion_bulk'), 1000,
  'Each record is restored as the decision of its own question, which names the bulk question.');
reset role;
update reads set after = pg_temp.conflict_reads() where answer = 'prefer_notion';
select cmp_ok((select after - before from reads where answer = 'prefer_notion'), '<', 100000::bigint,
  'Keep Notion for 1,000 pairs reads fewer than 100 questions or index entries per pair, not every question it decided before.');

-- Keep Supabase: 1,000 pages trashed in Notion, their records there
select tests.linked_tasks('mass-reads-supabase@example.com', (select live from pages)) as supabase_user \gset
select tests.sync_pages((select trashed from pages), '{}', 'full', true);
select conflict_id as supabase_bulk from notion_sync.conflicts where kind = 'bulk_change' and status = 'open' \gset
reset role;
insert into reads (answer, before) values ('prefer_supabase', pg_temp.conflict_reads());
select tests.authenticate_as(:'supabase_user');
select is(notion_sync_api.resolve_conflict(:'supabase_bulk', 'prefer_supabase') ->> 'restoring_pages', '1000',
  'Keep Supabase queues the 1,000 trashed pages to be restored.');
select is((select count(*)::int from notion_sync.outbox o
           join notion_sync.conflicts c on c.conflict_id = o.conflict_id
           where o.op = 'restore' and c.kind = 'page_missing' and c.details ->> 'bulk_change' = :'supabase_bulk'), 1000,
  'Each restore is queued by the decision of the page''s own question.');
reset role;
update reads set after = pg_temp.conflict_reads() where answer = 'prefer_supabase';
select cmp_ok((select after - before from reads where answer = 'prefer_supabase'), '<', 100000::bigint,
  'Keep Supabase for 1,000 pairs reads fewer than 100 questions or index entries per pair, not every question it decided before.');

select * from finish();
rollback;
