-- When the pre-push check writes some fields of an update and holds another back as a conflict,
-- the confirmation advances only the written fields' bases: the held field keeps its base, so no
-- later run pushes the Supabase value over the Notion edit the conflict holds.
begin;
select plan(4);

select tests.linked_tasks('partial@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
update notion_sync_demo.tasks set status = 'Done', title = 'One (app)';
select tests.sync_pages('[]');
select outbox_id as o1 from notion_sync_api.claim_outbox('tasks') \gset

-- meanwhile a person changed the status in Notion
select is(notion_sync_api.check_push(:o1, tests.task_page('p1', 'One', 'Doing')) -> 'properties' ? 'title', true,
  'The title is still written.');
select notion_sync_api.confirm_push(:o1, tests.task_page('p1', 'One (app)', 'Doing'));
select results_eq($$ select base ->> 'title', base ->> 'status' from notion_sync.links where page_id = 'p1' $$,
  $$ values ('One (app)'::text, 'Todo'::text) $$,
  'Only the written field''s base advances; the held field keeps its base.');
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One (app)', 'Doing')));
select is_empty($$ select 1 from notion_sync.outbox where status = 'pending' $$,
  'No later run pushes the Supabase status over the Notion edit.');
select is((select fields -> 'status' from notion_sync.conflicts where page_id = 'p1' and status = 'open'),
  '{"base": "Todo", "notion": "Doing", "supabase": "Done"}'::jsonb, 'The conflict still holds both values.');

select * from finish();
rollback;
