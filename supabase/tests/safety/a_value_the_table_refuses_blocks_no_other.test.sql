-- A Notion value the target table refuses (here a check constraint) blocks no other record: the
-- run completes, the other pages are written; a refused value of a linked record becomes a field
-- conflict naming the table's error, a refused new page an apply_failed conflict. Runs try again
-- without repeating the question; keeping Supabase for a page without record is refused; keeping
-- Notion retries; a page corrected in Notion is inserted and its question settled; a page skipped
-- is left out.
begin;
select plan(12);

alter table notion_sync_demo.tasks add constraint tasks_not_forbidden check (title not like 'Forbidden%');
select tests.linked_tasks('refusing@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p4', 'Four'))) as uid \gset
create temp table notion (p jsonb) on commit drop;
insert into notion values (jsonb_build_array(
  tests.task_page('p1', 'Forbidden one'), tests.task_page('p4', 'Four, renamed'),
  tests.task_page('p2', 'Forbidden two'), tests.task_page('p3', 'Three')));
grant select on notion to authenticated;

select lives_ok($$ select tests.sync_pages((select p from notion), '{"create_unmatched": true}') $$,
  'The run completes.');
select results_eq($$ select title from notion_sync_demo.tasks order by title $$,
  $$ values ('Four, renamed'), ('One'), ('Three') $$,
  'The other pages are written: a linked record updated, a new page''s record inserted.');
select matches((select details ->> 'error' from notion_sync.conflicts where page_id = 'p1' and kind = 'field'),
  'tasks_not_forbidden', 'The refused value of a linked record is a field conflict naming the constraint.');
select is((select fields -> 'title' ->> 'notion' from notion_sync.conflicts where page_id = 'p2' and kind = 'apply_failed'),
  'Forbidden two', 'The refused new page is an apply_failed conflict holding its values.');
select matches((select details ->> 'error' from notion_sync.conflicts where page_id = 'p2'),
  'tasks_not_forbidden', 'It names the constraint.');

select tests.sync_pages((select p from notion), '{"create_unmatched": true}');
select is((select count(*)::int from notion_sync.conflicts where status = 'open'), 2,
  'The next run tries again and asks nothing more.');

select conflict_id as c2 from notion_sync.conflicts where page_id = 'p2' \gset
select throws_ok(format($$ select notion_sync_api.resolve_conflict(%L, 'prefer_supabase') $$, :'c2'), '22023', null,
  'Keeping Supabase for a page without record is refused.');
select is(notion_sync_api.resolve_conflict(:'c2', 'prefer_notion') ->> 'status', 'refused',
  'Keeping Notion tries the insert again, refused while the value is.');

-- corrected in Notion
update notion set p = jsonb_build_array(tests.task_page('p1', 'Forbidden one'), tests.task_page('p4', 'Four, renamed'),
  tests.task_page('p2', 'Two', p_status => 'Doing'), tests.task_page('p3', 'Three'));
select tests.sync_pages((select p from notion), '{"create_unmatched": true}');
select is((select count(*)::int from notion_sync_demo.tasks where title = 'Two'), 1,
  'A page corrected in Notion gets its record.');
select is((select resolution ->> 'action' from notion_sync.conflicts where conflict_id = :'c2'), 'obsolete',
  'And its question is settled.');

-- skipped
update notion set p = p || jsonb_build_array(tests.task_page('p5', 'Forbidden five'));
select tests.sync_pages((select p from notion), '{"create_unmatched": true}');
select notion_sync_api.resolve_conflict((select conflict_id from notion_sync.conflicts where page_id = 'p5'), 'skip');
select tests.sync_pages((select p from notion), '{"create_unmatched": true}');
select is((select count(*)::int from notion_sync.conflicts where page_id = 'p5'), 1,
  'A page a person skipped is not asked about again.');
select is((select status from notion_sync.conflicts where page_id = 'p5'), 'dismissed', 'It stays left out.');

select * from finish();
rollback;
