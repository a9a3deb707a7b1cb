-- A record's deletions, closed ones included, are read through an index of the mapping and record
-- key: Keep Notion reads the last values of the record's newest deletion, and its undo reopens the
-- deletion it closed. Only open deletions had such an index, so each of these read every deletion
-- of the owner, and answering a mass deletion cost more per record the more records it held.
begin;
select plan(2);

create function pg_temp.plan_of(p_sql text) returns text
language plpgsql set search_path = '' as $$
declare v_plan text := '';
declare v_line text;
begin
  for v_line in execute 'explain ' || p_sql loop
    v_plan := v_plan || v_line || E'\n';
  end loop;
  return v_plan;
end $$;
grant execute on function pg_temp.plan_of(text) to authenticated;

select tests.linked_tasks('deletions-by-key@example.com',
  (select jsonb_agg(tests.task_page('p' || g, 'T' || g)) from generate_series(1, 1000) g)) as uid \gset
select mapping_id as mapping from notion_sync.mappings where owner_id = :'uid' \gset
select record_key as k from notion_sync.links where page_id = 'p500' \gset
select tests.clear_authentication();
truncate notion_sync_demo.tasks;
update notion_sync.tombstones set resolved_at = now() where record_key <> :'k';
analyze notion_sync.tombstones;
select tests.authenticate_as(:'uid');

select matches(pg_temp.plan_of(format($$ select t.last_values from notion_sync.tombstones t
    where t.mapping_id = %L and t.record_key = %L order by t.deleted_at desc limit 1 $$, :'mapping', :'k')),
  'Index Cond: \(\(mapping_id = [^\n]*\) AND \(record_key = ',
  'The newest deletion of a record is found by its mapping and key.');
select matches(pg_temp.plan_of(format($$ update notion_sync.tombstones t set resolved_at = null
    where t.mapping_id = %L and t.record_key = %L and t.resolved_at = now() $$, :'mapping', :'k')),
  'Index Cond: \(\(mapping_id = [^\n]*\) AND \(record_key = ',
  'A closed deletion of a record is found by its mapping and key.');

select * from finish();
rollback;
