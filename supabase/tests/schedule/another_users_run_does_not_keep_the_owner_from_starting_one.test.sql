-- One running run per mapping is the owner's: a user who knows another user's mapping id cannot file
-- a running run of their own under it, which the owner could not see and which would refuse every
-- run the owner starts (and keep the tick from scheduling any).
begin;
select plan(3);

select tests.create_user('lease-alice@example.com') as alice \gset
select tests.create_demo_mapping(:'alice') as alice_mapping \gset
select tests.create_user('lease-bob@example.com') as bob \gset

select tests.authenticate_as(:'bob');
select is(tests.sqlstate_of(format(
  $$ insert into notion_sync.runs (owner_id, mapping_id, status, lease_expires_at)
     values (%L, %L, 'running', now() + interval '1 day') $$, :'bob', :'alice_mapping')), '23503',
  'A running run of one user under another user''s mapping is refused.');

select tests.authenticate_as(:'alice');
select lives_ok($$ select notion_sync_api.start_run('tasks', 'retrieve', 'full') $$,
  'The mapping''s owner starts a run.');
select tests.clear_authentication();
select results_eq(format($$ select owner_id from notion_sync.runs where mapping_id = %L and status = 'running' $$,
                         :'alice_mapping'),
  format($$ values (%L::uuid) $$, :'alice'), 'The running run of the mapping is its owner''s.');

select * from finish();
rollback;
