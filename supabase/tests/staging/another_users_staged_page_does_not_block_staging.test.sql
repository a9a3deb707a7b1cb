-- A staged page of a mapping is its owner's: a user who knows another user's mapping id and a page
-- id cannot stage the page under that mapping first, which the owner could not see and which made
-- the owner's staging of the page fail (their upsert met a row their policies do not let them update).
begin;
select plan(3);

select tests.create_user('stage-alice@example.com') as alice \gset
select tests.create_demo_mapping(:'alice') as alice_mapping \gset
select tests.create_user('stage-bob@example.com') as bob \gset

select tests.authenticate_as(:'bob');
select is(tests.sqlstate_of(format(
  $$ insert into notion_sync.staged_pages (mapping_id, page_id, owner_id, raw, mapped_values, values_hash,
                                           last_edited_time)
     values (%L, 'p1', %L, '{}', '{}', 'h', now()) $$, :'alice_mapping', :'bob')), '23503',
  'A staged page of one user under another user''s mapping is refused.');

select tests.authenticate_as(:'alice');
select notion_sync_api.stage_schema(tests.demo_data_source());
select lives_ok($$ select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One')), '{"create_unmatched": true}') $$,
  'The mapping''s owner stages and applies the page.');
select is((tests.task_of('p1')).title, 'One', 'The page''s record is in the owner''s table.');

select * from finish();
rollback;
