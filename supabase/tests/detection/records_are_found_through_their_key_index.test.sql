-- A record is found by its key through the key column's index: applying Notion's edits, reading a
-- run's records and deleting a record read the rows they name, never the whole table (the key was
-- compared as text, which no index answers: a scan of every row for each record applied). Keys of
-- other types than uuid (a bigint identity here) are found the same way.
begin;
select plan(9);

-- sequential and index scans of a table in this transaction so far
create function pg_temp.scans(p_table regclass) returns table (seq bigint, idx bigint)
language sql security definer set search_path = '' as $$
  select s.seq_scan, coalesce(s.idx_scan, 0) from pg_catalog.pg_stat_xact_user_tables s where s.relid = p_table
$$;
grant execute on function pg_temp.scans(regclass) to authenticated;

select tests.linked_tasks('keys@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'), tests.task_page('p3', 'Three'))) as uid \gset
-- the user's table holds 5,000 more rows, from before the mapping (no captured change), and the
-- planner knows it
reset role;
insert into notion_sync_demo.tasks (owner_id, title) select :'uid', 'Older ' || g from generate_series(1, 5000) g;
delete from notion_sync.record_changes where record_key in (select task_id::text from notion_sync_demo.tasks where title like 'Older %');
analyze notion_sync_demo.tasks;
select seq as seq0, idx as idx0 from pg_temp.scans('notion_sync_demo.tasks') \gset
select tests.authenticate_as(:'uid');

select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Doing'), tests.task_page('p2', 'Two', 'Done')));
select is((select seq from pg_temp.scans('notion_sync_demo.tasks')), :'seq0'::bigint,
  'Applying them read no record by a scan of the table.');
select cmp_ok((select idx from pg_temp.scans('notion_sync_demo.tasks')), '>=', :'idx0'::bigint + 2,
  'Each applied record was found through the key''s index.');
select results_eq($$ select title, status from notion_sync_demo.tasks where title not like 'Older %' order by title $$,
  $$ values ('One'::text, 'Doing'::text), ('Three', 'Todo'), ('Two', 'Done') $$,
  'Notion''s edits are applied to their records.');
select seq as seq2 from pg_temp.scans('notion_sync_demo.tasks') \gset

select is((select count(*)::int from notion_sync.record_column_values(
             (select mapping_id from notion_sync.mappings), (select array_agg(record_key) from notion_sync.links))), 3,
  'A run''s records are read by their keys.');
select is(notion_sync.delete_record((select mapping_id from notion_sync.mappings),
            (select record_key from notion_sync.links where page_id = 'p3'), null, null), true,
  'A record a person chose to delete is deleted.');
select is((select seq from pg_temp.scans('notion_sync_demo.tasks')), :'seq2'::bigint,
  'Reading and deleting them scanned no table either.');

-- a table keyed by a bigint identity
reset role;
select tests.owner_only_table('numbered', 'n bigint generated always as identity primary key, title text');
select tests.create_user('keys-other@example.com') as other \gset
insert into public.numbered (owner_id, title) select :'other', 'Other ' || g from generate_series(1, 5000) g;
insert into public.numbered (owner_id, title) values (:'uid', 'Mine');
analyze public.numbered;
select tests.authenticate_as(:'uid');
select notion_sync_api.save_mapping(jsonb_build_object('name', 'numbered', 'connection_id', m.connection_id,
  'data_source_id', 'ds-tasks', 'target_table', 'numbered', 'key_column', 'n', 'owner_column', 'owner_id',
  'field_map', '[{"property_id": "title", "name": "Name", "type": "title", "column": "title"}]'::jsonb))
from notion_sync.mappings m where m.name = 'tasks';
select n::text as mine, (select mapping_id from notion_sync.mappings where name = 'numbered') as numbered
from public.numbered where title = 'Mine' \gset
select seq as seq1 from pg_temp.scans('public.numbered') \gset
select is(notion_sync.write_record(:'numbered', :'mine', '{"title": "Renamed"}', '{"title": "Mine"}')
          ->> 'title', 'Renamed',
  'A record keyed by a number is written by its key.');
select is((select seq from pg_temp.scans('public.numbered')), :'seq1'::bigint,
  'It is found through the index as well.');
select is(notion_sync.write_record(:'numbered', :'mine', '{"title": "Again"}', '{"title": "Mine"}'),
          null, 'A write that expects a value the record no longer holds still misses.');

select * from finish();
rollback;
