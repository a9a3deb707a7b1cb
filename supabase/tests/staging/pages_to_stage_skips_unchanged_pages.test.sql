-- A batch's digests mark the pages staged unchanged as seen, and name the rest to be sent in full.
begin;
select plan(6);

select tests.create_user('digests@example.com') as uid \gset
select tests.create_demo_mapping(:'uid') as mapping \gset
select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run1 \gset
select notion_sync_api.stage_pages(:'run1', jsonb_build_array(
  tests.task_page('p1', 'Write the spec'), tests.task_page('p2', 'Ship it'),
  tests.task_page('p3', 'Old task')));
select notion_sync_api.finish_run(:'run1', 'completed');

-- The digest of a page: the md5 of the JSON text of its properties (stage_pages, given no digests,
-- hashes their jsonb text).
create function pg_temp.digest(p_page jsonb, p_md5_of jsonb default null)
returns jsonb language sql as $$
  select jsonb_build_object('id', p_page -> 'id', 'last_edited_time', p_page -> 'last_edited_time',
    'in_trash', p_page -> 'in_trash',
    'properties_md5', md5((coalesce(p_md5_of, p_page) -> 'properties')::text))
$$;

select (notion_sync_api.start_run('tasks') ->> 'run_id') as run2 \gset
select is(notion_sync_api.pages_to_stage(:'run2', jsonb_build_array(
    pg_temp.digest(tests.task_page('p1', 'Write the spec')),
    pg_temp.digest(tests.task_page('p2', 'Ship it today')),
    pg_temp.digest(tests.task_page('p3', 'Old task', p_in_trash => true),
                   tests.task_page('p3', 'Old task')),
    pg_temp.digest(tests.task_page('p4', 'New task')))),
  array['p2', 'p3', 'p4'],
  'Edited, trashed and new pages are asked for in full, in batch order; the unchanged one is not.');
select is((select seen_in_run from notion_sync.staged_pages where page_id = 'p1'), :'run2'::uuid,
  'The unchanged page is marked seen by the run.');
select is((select changed_in_run from notion_sync.staged_pages where page_id = 'p1'), :'run1'::uuid,
  'The unchanged page keeps the run that last changed it.');
select is((select seen_in_run from notion_sync.staged_pages where page_id = 'p2'), :'run1'::uuid,
  'A page asked for in full is not marked seen before it is staged.');

select notion_sync_api.stage_pages(:'run2', jsonb_build_array(tests.task_page('p2', 'Ship it today'),
  tests.task_page('p3', 'Old task', p_in_trash => true), tests.task_page('p4', 'New task')));
select is((select retrieved from notion_sync.runs where run_id = :'run2'), 4,
  'The run counts every page retrieved, whether sent by digest or in full.');
select is((select array_agg(page_id order by page_id) from notion_sync.staged_pages
           where changed_in_run = :'run2'), array['p2', 'p3', 'p4'],
  'The pages sent in full are staged as changed.');

select * from finish();
rollback;
