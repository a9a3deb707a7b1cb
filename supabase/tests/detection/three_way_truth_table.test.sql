-- Per field, with a base: unchanged stays; changed in Notion only is applied to Supabase; changed
-- in Supabase only is queued for Notion with the base it expects; changed to the same value on
-- both sides converges; changed differently on both sides is a conflict keeping both values.
begin;
select plan(12);

select tests.linked_tasks('truth@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'), tests.task_page('p3', 'Three'),
  tests.task_page('p4', 'Four'), tests.task_page('p5', 'Five'))) as uid \gset

update notion_sync_demo.tasks set status = 'Done' where title in ('Three', 'Five');
update notion_sync_demo.tasks set status = 'Doing' where title = 'Four';

select tests.sync_pages(jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two', 'Doing'), tests.task_page('p3', 'Three'),
  tests.task_page('p4', 'Four', 'Doing'), tests.task_page('p5', 'Five', 'Doing'))) as summary \gset

select is((tests.task_of('p1')).status, 'Todo', 'A field unchanged on both sides stays as it is.');
select is((select base -> 'status' from notion_sync.links where page_id = 'p1'), '"Todo"'::jsonb,
  'An unchanged field keeps its base.');

select is((tests.task_of('p2')).status, 'Doing', 'A field changed only in Notion is applied to Supabase.');
select is((select base -> 'status' from notion_sync.links where page_id = 'p2'), '"Doing"'::jsonb,
  'The base advances to the value read back after the write.');
select is((select old_value from notion_sync.changes where page_id = 'p2' and field = 'status' and old_value is not null),
  '"Todo"'::jsonb,
  'The applied change is logged with its old value.');

select results_eq($$ select properties, fields -> 'status' ->> 'expected' from notion_sync.outbox where page_id = 'p3' $$,
  $$ values ('{"st%3A": {"status": {"name": "Done"}}}'::jsonb, 'Todo') $$,
  'A field changed only in Supabase is queued for Notion (changed property only) expecting the base.');
select is((select base -> 'status' from notion_sync.links where page_id = 'p3'), '"Todo"'::jsonb,
  'The base does not move before Notion confirms the write.');

select is((select base -> 'status' from notion_sync.links where page_id = 'p4'), '"Doing"'::jsonb,
  'A field changed to the same value on both sides converges: the base advances.');
select is_empty($$ select 1 from notion_sync.outbox where page_id = 'p4' $$,
  'A converged field is not written anywhere.');

select is((tests.task_of('p5')).status, 'Done', 'A divergent field keeps the Supabase value.');
select is((select fields -> 'status' from notion_sync.conflicts where page_id = 'p5' and status = 'open' and kind = 'field'),
  '{"base": "Todo", "notion": "Doing", "supabase": "Done"}'::jsonb,
  'A divergent field becomes a conflict holding the base and both values.');
select is((:'summary'::jsonb ->> 'conflicts')::int, 1, 'The run counts one record in conflict.');

select * from finish();
rollback;
