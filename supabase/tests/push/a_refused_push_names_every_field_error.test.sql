-- A push Notion cannot take on two fields opens one push_failed conflict for the record that holds
-- both fields and names both errors, one line each; a later run failing the same way repeats none.
begin;
select plan(4);

select tests.linked_tasks('refused@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
update notion_sync_demo.tasks set status = 'Nope', title = repeat('x', 200001);
select tests.sync_pages('[]');

select is((select count(*)::int from notion_sync.conflicts where kind = 'push_failed'), 1,
  'One conflict holds the record''s refused fields.');
select is((select array(select jsonb_object_keys(fields) order by 1) from notion_sync.conflicts), array['status', 'title'],
  'It holds both fields.');
select matches((select details ->> 'error' from notion_sync.conflicts),
  '(?s)^(?=.*unknown_status_option)(?=.*too_many_items).*\n.*$',
  'Its error names both problems, one line each.');
select tests.sync_pages('[]');
select is((select array_length(string_to_array(details ->> 'error', E'\n'), 1) from notion_sync.conflicts), 2,
  'A second run failing the same way repeats neither.');

select * from finish();
rollback;
