-- Cancelling a running run ends it at once and frees its mapping: the lease is released, a new run
-- may start, a queued continuation is dropped; another user's run is "not found".
begin;
select plan(8);

select tests.create_user('cancel-alice@example.com') as alice \gset
select tests.create_user('cancel-bob@example.com') as bob \gset
select tests.create_demo_mapping(:'alice') as mapping \gset

select tests.authenticate_as(:'alice');
select notion_sync_api.start_run('tasks') ->> 'run_id' as run \gset
insert into notion_sync.jobs (owner_id, mapping_id, kind, payload)
values (:'alice', :'mapping', 'continue_run', jsonb_build_object('run_id', :'run'));

select tests.authenticate_as(:'bob');
select throws_ok(format($$ select notion_sync_api.cancel_run(%L) $$, :'run'),
  'P0002', format('run %s not found', :'run'), 'Another user cannot cancel the run.');

select tests.authenticate_as(:'alice');
select is(notion_sync_api.cancel_run(:'run') ->> 'status', 'cancelled', 'The owner cancels the running run.');
select results_eq(format($$ select status, finished_at is not null, lease_expires_at <= now(), lease_holder
                            from notion_sync.runs where run_id = %L $$, :'run'),
  $$ values ('cancelled'::text, true, true, null::text) $$,
  'The run is cancelled, finished, and its lease released.');
select is((select errors -> -1 ->> 'kind' from notion_sync.runs where run_id = :'run'), 'cancelled',
  'The run''s errors say it was cancelled.');
select isnt((select done_at from notion_sync.jobs where payload ->> 'run_id' = :'run'), null,
  'Its queued continuation is dropped.');
select throws_ok(format($$ select notion_sync_api.cancel_run(%L) $$, :'run'),
  '55000', format('run %s is already cancelled', :'run'), 'A cancelled run cannot be cancelled again.');
select lives_ok($$ select notion_sync_api.start_run('tasks') $$, 'The mapping may start a new run at once.');

select tests.authenticate_as_anon();
select throws_ok(format($$ select notion_sync_api.cancel_run(%L) $$, :'run'), '42501', null,
  'Anon cannot cancel a run.');

select * from finish();
rollback;
