-- A row of ours names only its owner's mapping, run, conflict, connection or change: a user who
-- knows another user's ids cannot file rows of their own under them, by insert or by update, nor can
-- definer code or the service role; their own rows under their own objects are accepted as before.
begin;
select plan(21);

select tests.create_user('parents-alice@example.com') as alice \gset
select tests.create_user('parents-bob@example.com') as bob \gset
select tests.seed_sync_objects(:'alice') as alice_mapping \gset
select tests.seed_sync_objects(:'bob') as bob_mapping \gset
select connection_id as alice_connection from notion_sync.mappings where mapping_id = :'alice_mapping' \gset
select connection_id as bob_connection from notion_sync.mappings where mapping_id = :'bob_mapping' \gset
select run_id as alice_run from notion_sync.runs where owner_id = :'alice' \gset
select run_id as bob_run from notion_sync.runs where owner_id = :'bob' \gset
select conflict_id as alice_conflict from notion_sync.conflicts where owner_id = :'alice' \gset
select change_id as alice_change from notion_sync.changes where owner_id = :'alice' \gset

select tests.authenticate_as(:'bob');

-- under another user's mapping
select throws_ok(format($$ insert into notion_sync.runs (owner_id, mapping_id, status, lease_expires_at)
                          values (%L, %L, 'running', now() + interval '1 day') $$, :'bob', :'alice_mapping'),
  '23503', 'insert or update on table "runs" violates foreign key constraint "runs_mapping_owner_fkey"',
  'A user cannot start a run of their own under another user''s mapping.');
select throws_ok(format($$ insert into notion_sync.staged_pages (mapping_id, page_id, owner_id, raw, mapped_values,
                                                                 values_hash, last_edited_time)
                          values (%L, 'page-x', %L, '{}', '{}', 'h', now()) $$, :'alice_mapping', :'bob'),
  '23503', 'insert or update on table "staged_pages" violates foreign key constraint "staged_pages_mapping_owner_fkey"',
  'A user cannot stage a page under another user''s mapping.');
select throws_ok(format($$ insert into notion_sync.links (mapping_id, page_id, owner_id, record_key)
                          values (%L, 'page-x', %L, 'rec-x') $$, :'alice_mapping', :'bob'),
  '23503', 'insert or update on table "links" violates foreign key constraint "links_mapping_owner_fkey"',
  'A user cannot link a page under another user''s mapping.');
select throws_ok(format($$ insert into notion_sync.record_changes (mapping_id, record_key, owner_id, op)
                          values (%L, 'rec-x', %L, 'insert') $$, :'alice_mapping', :'bob'),
  '23503', 'insert or update on table "record_changes" violates foreign key constraint "record_changes_mapping_owner_fkey"',
  'A user cannot record a pending change under another user''s mapping.');
select throws_ok(format($$ insert into notion_sync.tombstones (mapping_id, owner_id, record_key, last_values, cause)
                          values (%L, %L, 'rec-x', '{}', 'delete') $$, :'alice_mapping', :'bob'),
  '23503', 'insert or update on table "tombstones" violates foreign key constraint "tombstones_mapping_owner_fkey"',
  'A user cannot leave a tombstone under another user''s mapping.');
select throws_ok(format($$ insert into notion_sync.conflicts (owner_id, mapping_id, kind, page_id)
                          values (%L, %L, 'field', 'page-x') $$, :'bob', :'alice_mapping'),
  '23503', 'insert or update on table "conflicts" violates foreign key constraint "conflicts_mapping_owner_fkey"',
  'A user cannot open a question under another user''s mapping.');
select throws_ok(format($$ insert into notion_sync.outbox (owner_id, mapping_id, op, page_id)
                          values (%L, %L, 'update', 'page-x') $$, :'bob', :'alice_mapping'),
  '23503', 'insert or update on table "outbox" violates foreign key constraint "outbox_mapping_owner_fkey"',
  'A user cannot queue a Notion write under another user''s mapping.');
select throws_ok(format($$ insert into notion_sync.changes (owner_id, mapping_id, side, field)
                          values (%L, %L, 'supabase', 'title') $$, :'bob', :'alice_mapping'),
  '23503', 'insert or update on table "changes" violates foreign key constraint "changes_mapping_owner_fkey"',
  'A user cannot log a change under another user''s mapping.');
select throws_ok(format($$ insert into notion_sync.jobs (owner_id, mapping_id, kind)
                          values (%L, %L, 'full_scan') $$, :'bob', :'alice_mapping'),
  '23503', 'insert or update on table "jobs" violates foreign key constraint "jobs_mapping_owner_fkey"',
  'A user cannot queue a job under another user''s mapping.');
select throws_ok(format($$ update notion_sync.staged_pages set mapping_id = %L where owner_id = %L $$, :'alice_mapping', :'bob'),
  '23503', 'insert or update on table "staged_pages" violates foreign key constraint "staged_pages_mapping_owner_fkey"',
  'A user cannot move a row of their own under another user''s mapping.');

-- under another user's run, question or change
select throws_ok(format($$ insert into notion_sync.runs (owner_id, mapping_id, status, parent_run_id)
                          values (%L, %L, 'completed', %L) $$, :'bob', :'bob_mapping', :'alice_run'),
  '23503', 'insert or update on table "runs" violates foreign key constraint "runs_parent_run_owner_fkey"',
  'A user cannot continue another user''s run.');
select throws_ok(format($$ insert into notion_sync.conflicts (owner_id, mapping_id, run_id, kind, page_id)
                          values (%L, %L, %L, 'field', 'page-x') $$, :'bob', :'bob_mapping', :'alice_run'),
  '23503', 'insert or update on table "conflicts" violates foreign key constraint "conflicts_run_owner_fkey"',
  'A user cannot file a question under another user''s run.');
select throws_ok(format($$ insert into notion_sync.outbox (owner_id, mapping_id, run_id, op, page_id)
                          values (%L, %L, %L, 'update', 'page-x') $$, :'bob', :'bob_mapping', :'alice_run'),
  '23503', 'insert or update on table "outbox" violates foreign key constraint "outbox_run_owner_fkey"',
  'A user cannot queue a Notion write under another user''s run.');
select throws_ok(format($$ insert into notion_sync.changes (owner_id, mapping_id, run_id, side, field)
                          values (%L, %L, %L, 'supabase', 'title') $$, :'bob', :'bob_mapping', :'alice_run'),
  '23503', 'insert or update on table "changes" violates foreign key constraint "changes_run_owner_fkey"',
  'A user cannot log a change under another user''s run, where reverting that run would undo it.');
select throws_ok(format($$ insert into notion_sync.outbox (owner_id, mapping_id, conflict_id, op, page_id)
                          values (%L, %L, %L, 'update', 'page-x') $$, :'bob', :'bob_mapping', :'alice_conflict'),
  '23503', 'insert or update on table "outbox" violates foreign key constraint "outbox_conflict_owner_fkey"',
  'A user cannot queue a Notion write under another user''s question.');
select throws_ok(format($$ insert into notion_sync.changes (owner_id, mapping_id, conflict_id, side, field)
                          values (%L, %L, %L, 'supabase', 'title') $$, :'bob', :'bob_mapping', :'alice_conflict'),
  '23503', 'insert or update on table "changes" violates foreign key constraint "changes_conflict_owner_fkey"',
  'A user cannot log a change under another user''s question.');
select throws_ok(format($$ insert into notion_sync.changes (owner_id, mapping_id, undoes, side, field)
                          values (%L, %L, %L, 'supabase', 'title') $$, :'bob', :'bob_mapping', :'alice_change'),
  '23503', 'insert or update on table "changes" violates foreign key constraint "changes_undoes_owner_fkey"',
  'A user cannot log a change as the undo of another user''s change.');

-- under another user's connection
select throws_ok(format($$ insert into notion_sync.mappings (owner_id, connection_id, name, data_source_id,
                                                             target_schema, target_table, key_column)
                          values (%L, %L, 'borrowed', 'ds-tasks', 'notion_sync_demo', 'borrowed', 'task_id') $$,
                        :'bob', :'alice_connection'),
  '23503', 'insert or update on table "mappings" violates foreign key constraint "mappings_connection_owner_fkey"',
  'A user cannot map a data source through another user''s Notion connection.');
select throws_ok(format($$ insert into notion_sync.webhook_events (owner_id, connection_id, event_id, type)
                          values (%L, %L, 'event-x', 'page.created') $$, :'bob', :'alice_connection'),
  '23503', 'insert or update on table "webhook_events" violates foreign key constraint "webhook_events_connection_owner_fkey"',
  'A user cannot take up an event id of another user''s connection.');

-- definer code and the service role are held to the same rule
select tests.authenticate_as_service_role();
select throws_ok(format($$ insert into notion_sync.record_changes (mapping_id, record_key, owner_id, op)
                          values (%L, 'rec-y', %L, 'insert') $$, :'alice_mapping', :'bob'),
  '23503', 'insert or update on table "record_changes" violates foreign key constraint "record_changes_mapping_owner_fkey"',
  'The service role cannot file a row of one user under another user''s mapping either.');

-- a user's own rows under their own objects are accepted
select tests.authenticate_as(:'bob');
select lives_ok(format($$
  with r as (insert into notion_sync.runs (owner_id, mapping_id, status, parent_run_id)
             values (%1$L, %2$L, 'completed', %3$L) returning run_id),
       q as (insert into notion_sync.conflicts (owner_id, mapping_id, run_id, kind, page_id)
             select %1$L, %2$L, r.run_id, 'field', 'page-z' from r returning conflict_id, run_id)
  insert into notion_sync.changes (owner_id, mapping_id, run_id, conflict_id, side, field)
  select %1$L, %2$L, q.run_id, q.conflict_id, 'supabase', 'title' from q $$, :'bob', :'bob_mapping', :'bob_run'),
  'A user files rows under their own mapping, run and question as before.');

select * from finish();
rollback;
