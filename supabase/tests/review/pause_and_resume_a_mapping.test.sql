-- A paused mapping starts no run until it is resumed; only its owner may pause it, and a mapping
-- is found by name among the caller's own only.
begin;
select plan(7);

select tests.create_user('pause-alice@example.com') as alice \gset
select tests.create_user('pause-bob@example.com') as bob \gset
select tests.create_demo_mapping(:'alice') as mapping \gset

select tests.authenticate_as(:'bob');
select throws_ok($$ select notion_sync_api.set_mapping_paused('tasks', true) $$,
  'P0002', 'no mapping named "tasks"', 'Another user cannot pause the mapping.');
select throws_ok($$ select notion_sync_api.mapping_id('tasks') $$,
  'P0002', 'no mapping named "tasks"', 'Another user''s mapping is not found by name.');

select tests.authenticate_as(:'alice');
select is(notion_sync_api.mapping_id('tasks'), :'mapping'::uuid, 'The owner finds the mapping by name.');
select is(notion_sync_api.set_mapping_paused('tasks', true) -> 'paused', 'true'::jsonb, 'The owner pauses it.');
select throws_ok($$ select notion_sync_api.start_run('tasks') $$,
  '55000', 'mapping "tasks" is paused', 'A paused mapping starts no run.');
select is(notion_sync_api.set_mapping_paused('tasks', false) -> 'paused', 'false'::jsonb, 'The owner resumes it.');
select lives_ok($$ select notion_sync_api.start_run('tasks') $$, 'A resumed mapping runs again.');

select * from finish();
rollback;
