-- A new page whose record a trigger of the table skips (a before-insert trigger returning null)
-- blocks no other page: the others get their records and links, and the skipped page, left
-- without record or link, is an apply_failed question naming the error.
begin;
select plan(3);

create function tests.skip_rows_titled_skipped() returns trigger
language plpgsql set search_path = '' as $$
begin
  return case when new.title = 'Skipped' then null else new end;
end
$$;
create trigger skip_rows_titled_skipped before insert on notion_sync_demo.tasks
  for each row execute function tests.skip_rows_titled_skipped();

select tests.linked_tasks('skipped@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Skipped'), tests.task_page('p3', 'Three'))) as uid \gset

select results_eq($$ select l.page_id, t.title from notion_sync.links l
                     join notion_sync_demo.tasks t on t.task_id::text = l.record_key order by l.page_id $$,
  $$ values ('p1', 'One'), ('p3', 'Three') $$,
  'The other pages get their records and links.');
select is((select fields -> 'title' ->> 'notion' from notion_sync.conflicts where kind = 'apply_failed' and page_id = 'p2'),
  'Skipped', 'The skipped page is an apply_failed question holding its values.');
select isnt((select details ->> 'error' from notion_sync.conflicts where page_id = 'p2'), null,
  'The question names the error.');

select * from finish();
rollback;
