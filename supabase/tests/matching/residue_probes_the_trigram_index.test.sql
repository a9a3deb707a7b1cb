-- Similarity matching probes the trigram index on staged_pages once per record title, inside one
-- statement, even for pages staged moments ago (no statistics yet) and for a caller under RLS.
begin;
select plan(3);

select tests.create_user('probe@example.com') as uid \gset
select tests.create_demo_mapping(:'uid');
insert into notion_sync_demo.tasks (owner_id, title)
select :'uid', format('Task number %s about topic %s', g, g % 7) from generate_series(1, 40) g;

select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', (
  select jsonb_agg(tests.notion_page('p' || g, jsonb_build_object('Name',
           tests.title(format('Task number %s about topics %s', g, g % 7)))))
  from generate_series(1, 60) g));
select notion_sync_api.complete_scan(:'run');

select pg_stat_get_xact_numscans('notion_sync.staged_pages_title_norm_trgm_idx'::regclass) as before \gset
select notion_sync_api.match_residue(:'run') as result \gset
select pg_stat_get_xact_numscans('notion_sync.staged_pages_title_norm_trgm_idx'::regclass) as after \gset

select is((:'result'::jsonb ->> 'records')::int, 40, 'All forty records are in the residue.');
select is((:after - :before)::int, 40, 'The trigram index is probed once per record title.');
select is((select details -> 'candidates' -> 0 ->> 'title' from notion_sync.conflicts where page_id = 'p12'),
  'Task number 12 about topic 5', 'The probes find the closest record of each page.');

select * from finish();
rollback;
