-- A status can only be set to one of its options; an unknown one is refused with the allowed ones.
begin;
select plan(5);

create function pg_temp.status_schema() returns jsonb language sql as $$
  select '{"id":"st%3A","name":"Status","type":"status","status":{"options":[
            {"id":"a","name":"Not started","color":"default"},{"id":"b","name":"In progress","color":"blue"},
            {"id":"c","name":"Done","color":"green"}],"groups":[]}}'::jsonb
$$;

select throws_ok($$ select notion_sync.column_to_notion('status', '"Blocked"', null, pg_temp.status_schema()) $$,
  '22023',
  'unknown_status_option: "Blocked" is not an option of the status property "Status"; allowed: "Not started", "In progress", "Done"',
  'An unknown status option is refused, naming the option and the allowed ones.');
select throws_ok($$ select notion_sync.column_to_notion('status', '"done"', null, pg_temp.status_schema()) $$,
  '22023', null, 'Status options are matched exactly, as Notion matches them.');
select is(notion_sync.column_to_notion('status', '"Done"', null, pg_temp.status_schema()),
  '{"status": {"name": "Done"}}'::jsonb, 'A known status option is written by name.');
select is(notion_sync.column_to_notion('status', null, null, pg_temp.status_schema()),
  '{"status": null}'::jsonb, 'A null status resets the property to its default option.');
select is(notion_sync.column_to_notion('select', '"Brand new"', null,
            '{"id":"s","name":"Priority","type":"select","select":{"options":[{"name":"High"}]}}'),
  '{"select": {"name": "Brand new"}}'::jsonb, 'An unknown select option is written, since Notion creates it.');

select * from finish();
rollback;
