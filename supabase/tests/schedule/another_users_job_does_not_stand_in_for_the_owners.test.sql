-- A pending job of a mapping is its owner's: a user who knows another user's mapping id cannot queue
-- a job of their own under it, which took the owner's place (one pending job per kind) so that the
-- tick queued none for the owner, and which the worker claimed as the other user's.
begin;
select plan(3);

select tests.create_user('job-alice@example.com') as alice \gset
select tests.create_demo_mapping(:'alice') as alice_mapping \gset
update notion_sync.mappings set validated_at = now() where mapping_id = :'alice_mapping';
insert into notion_sync.runs (owner_id, mapping_id, kind, mode, status, started_at, finished_at)
values (:'alice', :'alice_mapping', 'retrieve', 'full', 'completed', now() - interval '2 days',
        now() - interval '2 days');
select tests.create_user('job-bob@example.com') as bob \gset

select tests.authenticate_as(:'bob');
select is(tests.sqlstate_of(format(
  $$ insert into notion_sync.jobs (owner_id, mapping_id, kind) values (%L, %L, 'full_scan') $$,
  :'bob', :'alice_mapping')), '23503', 'A job of one user under another user''s mapping is refused.');
select tests.clear_authentication();

select notion_sync.enqueue_due_jobs();
select results_eq(format($$ select owner_id, kind from notion_sync.jobs where mapping_id = %L and done_at is null $$,
                         :'alice_mapping'),
  format($$ values (%L::uuid, 'full_scan') $$, :'alice'), 'The tick queues the owner''s due full scan.');
select results_eq(format($$ select c.owner_id from notion_sync.claim_jobs(50) c where c.mapping_name = 'tasks' $$),
  format($$ values (%L::uuid) $$, :'alice'), 'The worker claims the mapping''s job as its owner''s.');

select * from finish();
rollback;
