-- A first import inserts the records of its new pages with one statement, not one per page: page by
-- page, the reconcile of a large data source outlived the hosted function's time limit. (Counted by
-- a statement trigger on the demo table; no timing.)
begin;
select plan(2);

create function tests.count_insert_statements() returns trigger
language plpgsql set search_path = '' as $$
begin
  perform set_config('tests.insert_statements',
    (coalesce(nullif(current_setting('tests.insert_statements', true), ''), '0')::integer + 1)::text, true);
  return null;
end
$$;
create trigger count_insert_statements after insert on notion_sync_demo.tasks
  for each statement execute function tests.count_insert_statements();

select tests.linked_tasks('one-statement@example.com',
  (select jsonb_agg(tests.task_page('p' || g, 'Task ' || g)) from generate_series(1, 250) g)) as uid \gset

select is((select count(*)::int from notion_sync_demo.tasks), 250, 'Each of the 250 new pages has its record.');
select is(current_setting('tests.insert_statements', true), '1', 'The records were inserted with one statement.');

select * from finish();
rollback;
