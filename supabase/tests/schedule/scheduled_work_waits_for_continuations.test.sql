-- A run that yielded at its time budget keeps its mapping until its continuation: a push does not
-- abandon it (start_run answers busy, naming it) and the tick queues none meanwhile. Writes left in
-- flight for 10 minutes make a push due. A job that failed 40 times still backs off an hour.
begin;
select plan(7);

update notion_sync.mappings set paused = true;
delete from notion_sync.jobs;
select tests.linked_tasks('waits@example.com', jsonb_build_array(tests.task_page('p1', 'One'))) as uid \gset
update notion_sync.mappings set validated_at = now(), run_policy = 'manual', paused = false
where owner_id = :'uid';
update notion_sync.runs set started_at = now() - interval '1 minute' where owner_id = :'uid';

select (notion_sync_api.start_run('tasks', 'retrieve', 'full') ->> 'run_id') as run \gset
select notion_sync_api.yield_run(:'run');
select throws_ok($$ select notion_sync_api.start_run('tasks', 'push') $$, '55006',
  format('mapping "tasks" is busy: run %s waits for its continuation', :'run'),
  'A push does not take the mapping from a run waiting for its continuation.');
select is((select status from notion_sync.runs where run_id = :'run'), 'running', 'The run is not abandoned.');

-- an edit to push, while the continuation waits
update notion_sync_demo.tasks set status = 'Done' where owner_id = :'uid';
select notion_sync.queue_push(m.mapping_id, 'p1', l.record_key, '{"status": "Done"}', '{"status": "Todo"}')
from notion_sync.mappings m join notion_sync.links l using (mapping_id) where m.owner_id = :'uid';
reset role;
select notion_sync.enqueue_due_jobs();
select is((select array_agg(kind order by kind) from notion_sync.jobs where owner_id = :'uid' and done_at is null),
  array['continue_run'], 'The tick queues no push while the continuation waits.');

select tests.authenticate_as(:'uid');
select is((notion_sync_api.start_run('tasks', 'retrieve') ->> 'run_id'), :'run', 'The continuation resumes the run.');
select notion_sync_api.finish_run(:'run', 'completed');

-- the write was claimed by a push that died
update notion_sync.outbox set status = 'in_flight', updated_at = now() - interval '11 minutes' where owner_id = :'uid';
reset role;
select notion_sync.enqueue_due_jobs();
select is((select count(*)::int from notion_sync.jobs where owner_id = :'uid' and kind = 'push' and done_at is null), 1,
  'A write left in flight for 10 minutes makes a push due.');

-- a job that keeps failing
update notion_sync.jobs set attempts = 40 where owner_id = :'uid' and kind = 'push';
select lives_ok(format($$ select notion_sync.finish_job(%s, 'Notion answered 502') $$,
                       (select job_id from notion_sync.jobs where owner_id = :'uid' and kind = 'push')),
  'A job that failed 40 times is finished with its error.');
select cmp_ok((select due_at from notion_sync.jobs where owner_id = :'uid' and kind = 'push'), '<=', now() + interval '1 hour',
  'It is due again within the hour.');

select * from finish();
rollback;
