-- Matching acts on the caller's own runs only: another user's run is "not found" for every
-- matching function (the trigram helper included, though it reads past RLS), and anon may call none.
begin;
select plan(7);

select tests.create_user('match-alice@example.com') as alice \gset
select tests.create_user('match-bob@example.com') as bob \gset
select tests.create_demo_mapping(:'alice');
select tests.create_demo_mapping(:'bob');
insert into notion_sync_demo.tasks (owner_id, title) values (:'bob', 'Bob''s plan');

select tests.authenticate_as(:'bob');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as bob_run \gset
select notion_sync_api.stage_pages(:'bob_run', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Bob''s plans')))));
select notion_sync_api.complete_scan(:'bob_run');
select notion_sync.fill_residue_titles(:'bob_run');  -- what match_residue does before it probes

select tests.authenticate_as(:'alice');
select throws_ok(format($$ select notion_sync_api.match_batch(%L) $$, :'bob_run'),
  'P0002', format('run %s not found', :'bob_run'), 'match_batch refuses another user''s run.');
select throws_ok(format($$ select notion_sync_api.complete_scan(%L) $$, :'bob_run'),
  'P0002', format('run %s not found', :'bob_run'), 'complete_scan refuses another user''s run.');
select throws_ok(format($$ select notion_sync_api.match_residue(%L) $$, :'bob_run'),
  'P0002', format('run %s not found', :'bob_run'), 'match_residue refuses another user''s run.');
select throws_ok(format($$ select * from notion_sync.title_candidates(%L, array['k'], array['bob''s plan']) $$, :'bob_run'),
  'P0002', format('run %s not found', :'bob_run'), 'The trigram helper refuses another user''s run.');

select tests.authenticate_as(:'bob');
select is((select count(*)::int from notion_sync.title_candidates(:'bob_run', array['k'], array['bob''s plan'])), 1,
  'The owner of the run gets the trigram candidates of its pages.');

select tests.authenticate_as_anon();
select throws_ok(format($$ select notion_sync_api.match_residue(%L) $$, :'bob_run'), '42501', null,
  'Anon cannot match.');
select throws_ok(format($$ select * from notion_sync.title_candidates(%L, '{}', '{}') $$, :'bob_run'), '42501', null,
  'Anon cannot call the trigram helper.');

select * from finish();
rollback;
