-- Empty values Notion cannot tell apart compare equal in the three-way detection: a checkbox
-- column set to null (Notion: unchecked), an empty text (Notion: no value), an empty list against
-- null, a list holding an element twice (Notion keeps the first). Nothing is pushed for them and no question is asked, run after run, while a real change
-- (checking a box, clearing a checked one) is still pushed.
begin;
select plan(9);

select tests.linked_tasks('empties@example.com', jsonb_build_array(
  tests.task_page('p1', 'One', p_done => false),
  tests.task_page('p2', 'Two', p_status => null, p_done => true))) as uid \gset
create temp table pages on commit drop as
  select jsonb_build_array(tests.task_page('p1', 'One', p_done => false),
                           tests.task_page('p2', 'Two', p_status => null, p_done => true)) as p;

update notion_sync_demo.tasks t set done = null from notion_sync.links l
where l.record_key = t.task_id::text and l.page_id = 'p1';
update notion_sync_demo.tasks t set status = '' from notion_sync.links l
where l.record_key = t.task_id::text and l.page_id = 'p2';
select is((tests.sync_pages((select p from pages)) ->> 'supabase_to_notion')::int, 0,
  'A checkbox set to null and a status set to an empty text push nothing.');
select is((tests.sync_pages((select p from pages)) ->> 'supabase_to_notion')::int, 0,
  'Nor does the next run.');
select is((select count(*)::int from notion_sync.outbox) + (select count(*)::int from notion_sync.conflicts), 0,
  'No push is queued and no question asked.');

update notion_sync_demo.tasks t set done = true from notion_sync.links l
where l.record_key = t.task_id::text and l.page_id = 'p1';
update notion_sync_demo.tasks t set done = null from notion_sync.links l
where l.record_key = t.task_id::text and l.page_id = 'p2';
select tests.sync_pages((select p from pages));
select results_eq($$ select page_id, properties from notion_sync.outbox where status = 'pending' order by page_id $$,
  $$ values ('p1', '{"dn%3A": {"checkbox": true}}'::jsonb), ('p2', '{"dn%3A": {"checkbox": false}}'::jsonb) $$,
  'Checking a box, and clearing a checked one (to null), are still pushed.');

select is(notion_sync.field_action(false, true, '[]', '[]', null, 'relation', 'both', 'manual', true), 'none',
  'An empty list and null are equal, base included.');
select is(notion_sync.field_action(false, false, null, '[]', null, 'relation', 'both', 'manual', true), 'converged',
  'Without a base, an empty list against null is no first-contact question: the base is set.');
select is(notion_sync.field_action(false, true, '["a"]', '["a"]', null, 'multi_select', 'both', 'manual', true), 'to_notion',
  'A list emptied to null in Supabase is a change.');

select is(notion_sync.field_action(false, true, '["a", "b"]', '["a", "b"]', '["a", "b", "a"]', 'multi_select',
  'both', 'manual', true), 'none', 'A list holding an element twice equals the list Notion keeps.');
select is(notion_sync.field_action(false, true, '["a", "b"]', '["a", "b"]', '["b", "a"]', 'relation',
  'both', 'manual', true), 'to_notion', 'A list in another order is a change.');

select * from finish();
rollback;
