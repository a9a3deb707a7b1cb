-- Each new page of an import gets its own record: its link names the record holding the page's
-- values, its base is the record's values as read back, and each field is logged as a change of
-- the run, page after page in the order the records were inserted.
begin;
select plan(5);

select tests.linked_tasks('pairs@example.com',
  (select jsonb_agg(tests.task_page('p' || g, 'Task ' || g, (array['Todo', 'Doing', 'Done'])[g % 3 + 1], g % 2 = 0))
   from generate_series(1, 300) g)) as uid \gset

select is((select count(*)::int from notion_sync.links l join notion_sync_demo.tasks t on t.task_id::text = l.record_key
           where t.title = 'Task ' || substr(l.page_id, 2)
             and t.status = (array['Todo', 'Doing', 'Done'])[substr(l.page_id, 2)::int % 3 + 1]
             and t.done = (substr(l.page_id, 2)::int % 2 = 0)), 300,
  'Each page is linked to the record holding its values.');
select is_empty($$ select l.page_id from notion_sync.links l
                   join notion_sync_demo.tasks t on t.task_id::text = l.record_key
                   where l.base is distinct from jsonb_build_object('title', t.title, 'status', t.status, 'done', t.done) $$,
  'Each link''s base is its record''s values.');
select is((select count(*)::int from notion_sync.changes c
           join notion_sync_demo.tasks t on t.task_id::text = c.record_key
           where c.side = 'supabase' and c.old_value is null and c.run_id is not null
             and c.new_value = to_jsonb(t) -> c.field), 900,
  'Each field of each record is logged as a change holding its value.');
select is_empty($$ select c.change_id from notion_sync.changes c
                   where not exists (select from notion_sync.links l where l.page_id = c.page_id
                                       and l.record_key = c.record_key) $$,
  'Each change names the page and the record of one link.');
select ok((select bool_and(c.page_id >= c.previous) from (
             select c.page_id, lag(c.page_id, 1, '') over (order by c.change_id) as previous
             from notion_sync.changes c) c),
  'The changes are logged page after page, in the order of the pages.');

select * from finish();
rollback;
