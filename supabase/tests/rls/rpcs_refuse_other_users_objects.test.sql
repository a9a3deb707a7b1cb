-- Every RPC acts on the caller's own objects only: another user's mapping or run is "not found",
-- and anon may call none of them.
begin;
select plan(11);

select tests.create_user('rpc-alice@example.com') as alice \gset
select tests.create_user('rpc-bob@example.com') as bob \gset
select tests.seed_sync_objects(:'bob') as bob_mapping \gset
select run_id as bob_run from notion_sync.runs where owner_id = :'bob' \gset
update notion_sync.runs set status = 'running' where run_id = :'bob_run';
select tests.create_demo_mapping(:'alice');

select tests.authenticate_as(:'alice');
select throws_ok(format($$ select notion_sync_api.stage_pages(%L, '[]') $$, :'bob_run'),
  'P0002', format('run %s not found', :'bob_run'), 'stage_pages refuses another user''s run.');
select throws_ok(format($$ select notion_sync_api.pages_to_stage(%L, '[]') $$, :'bob_run'),
  'P0002', format('run %s not found', :'bob_run'), 'pages_to_stage refuses another user''s run.');
select throws_ok(format($$ select notion_sync_api.reconcile(%L) $$, :'bob_run'),
  'P0002', format('run %s not found', :'bob_run'), 'reconcile refuses another user''s run.');
select throws_ok(format($$ select notion_sync_api.finish_run(%L, 'completed') $$, :'bob_run'),
  'P0002', format('run %s not found or not running', :'bob_run'), 'finish_run refuses another user''s run.');
select throws_ok(format($$ select notion_sync.attach_change_capture(%L) $$, :'bob_mapping'),
  'P0002', format('mapping %s not found', :'bob_mapping'), 'attach_change_capture refuses another user''s mapping.');
select is((select (notion_sync_api.start_run('tasks') ->> 'mapping_id')::uuid), (select mapping_id from notion_sync.mappings),
  'start_run by name finds the caller''s own mapping, not another user''s of the same name.');
select is((select count(*)::int from notion_sync_api.mapping_rows('tasks')), 0,
  'mapping_rows shows none of another user''s rows of the same table.');

select tests.authenticate_as_anon();
select throws_ok($$ select notion_sync_api.start_run('tasks') $$, '42501', null, 'Anon cannot start a run.');
select throws_ok($$ select notion_sync_api.save_mapping('{}') $$, '42501', null, 'Anon cannot save a mapping.');
select throws_ok($$ select notion_sync_api.stage_schema('{}') $$, '42501', null, 'Anon cannot stage a schema.');
select throws_ok(format($$ select notion_sync.connection_token_ciphertext(%L) $$, gen_random_uuid()),
  '42501', null, 'Anon cannot ask for a token ciphertext.');

select * from finish();
rollback;
