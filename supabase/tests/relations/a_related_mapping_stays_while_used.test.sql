-- A mapping another mapping names as its related mapping cannot be deleted or renamed (its links
-- translate that mapping's keys); once no field names it, it can; and deleting the owner deletes
-- them all.
begin;
select plan(4);

select tests.relation_setup('rel-keep@example.com') as uid \gset
select notion_sync_api.save_mapping(tests.relation_tasks_mapping()) as tasks \gset

select throws_ok($$ delete from notion_sync.mappings where name = 'projects' $$, '23503',
  'mapping "projects" is the related mapping of tasks (column project_keys): its links translate that column''s record keys; save that mapping without related_mapping (or with another) first',
  'A related mapping in use cannot be deleted.');
select throws_ok($$ update notion_sync.mappings set name = 'initiatives' where name = 'projects' $$, '23503', null,
  'Nor renamed.');
savepoint owner_goes;
select tests.clear_authentication();
select lives_ok(format('delete from auth.users where id = %L', :'uid'),
  'Deleting the owner deletes both mappings.');
rollback to savepoint owner_goes;
select tests.authenticate_as(:'uid');
select notion_sync_api.save_mapping(tests.relation_tasks_mapping() || jsonb_build_object('field_map',
  '[{"property_id":"title","name":"Name","type":"title","column":"title"}]'::jsonb)) as saved \gset
select lives_ok($$ delete from notion_sync.mappings where name = 'projects' $$,
  'Once no field names it, it can be deleted.');

select * from finish();
rollback;
