-- A deletion decided is not asked again: a pair gone on both sides (the record deleted, the page
-- trashed) is left alone, whoever deleted what; a trash or restore a person chose is left to the
-- push while it waits in the outbox; trash_other_side queues one trash per page, not one per run.
-- A page that comes back from the trash is decided again, not put back in it.
begin;
select plan(10);

select tests.linked_tasks('decided@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'), tests.task_page('p3', 'Three'),
  tests.task_page('p4', 'Four'), tests.task_page('p5', 'Five'))) as uid \gset

-- under hold: One deleted in Supabase, p2 trashed in Notion; a person trashes p1 and deletes Two
delete from notion_sync_demo.tasks where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two', 'Todo', false, true),
  tests.task_page('p3', 'Three'), tests.task_page('p4', 'Four'), tests.task_page('p5', 'Five')), '{}', 'full', true);
select notion_sync_api.resolve_conflict(conflict_id,
         case kind when 'record_deleted' then 'prefer_supabase' else 'prefer_notion' end)
from notion_sync.conflicts where status = 'open';

-- a full run before the push: p1's trash waits in the outbox, p2 and its record are both gone
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two', 'Todo', false, true),
  tests.task_page('p3', 'Three'), tests.task_page('p4', 'Four'), tests.task_page('p5', 'Five')), '{}', 'full', true);
select is_empty($$ select 1 from notion_sync.conflicts where status = 'open' $$,
  'A full run while the chosen trash waits, and after a record was deleted for its trashed page, asks nothing.');

-- the trash is pushed; the next full run sees both pages in the trash
select notion_sync_api.claim_outbox('tasks', 10) is not null;
select notion_sync_api.confirm_push(outbox_id, tests.task_page('p1', 'One', 'Todo', false, true)) is not null
from notion_sync.outbox where op = 'trash';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Todo', false, true),
  tests.task_page('p2', 'Two', 'Todo', false, true), tests.task_page('p3', 'Three'), tests.task_page('p4', 'Four'),
  tests.task_page('p5', 'Five')), '{}', 'full', true) as summary \gset
select is_empty($$ select 1 from notion_sync.conflicts where status = 'open' $$,
  'Once both sides are gone, the next full run asks nothing.');
select is((:'summary'::jsonb ->> 'missing')::int, 0, 'It counts nothing as missing.');
select is((select count(*)::int from notion_sync.outbox), 1, 'It queues no second trash.');

-- deleted on both sides independently: Four in Supabase, p4 in Notion
delete from notion_sync_demo.tasks where title = 'Four';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Todo', false, true),
  tests.task_page('p2', 'Two', 'Todo', false, true), tests.task_page('p3', 'Three'),
  tests.task_page('p4', 'Four', 'Todo', false, true), tests.task_page('p5', 'Five')), '{}', 'full', true);
select is_empty($$ select 1 from notion_sync.conflicts where status = 'open' $$,
  'A record deleted in Supabase whose page was trashed in Notion asks nothing.');
select is_empty($$ select 1 from notion_sync.tombstones where resolved_at is null $$,
  'Its deletion is settled.');

-- under trash_other_side: Three deleted; two full runs before the push
update notion_sync.mappings set delete_policy = 'trash_other_side';
delete from notion_sync_demo.tasks where title = 'Three';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Todo', false, true),
  tests.task_page('p2', 'Two', 'Todo', false, true), tests.task_page('p3', 'Three'),
  tests.task_page('p4', 'Four', 'Todo', false, true), tests.task_page('p5', 'Five')), '{}', 'full', true)
from generate_series(1, 2);
select is((select count(*)::int from notion_sync.outbox where op = 'trash' and page_id = 'p3'), 1,
  'Under trash_other_side, a deleted record''s page is queued for the trash once, not once per run.');
select is((select count(*)::int from notion_sync.outbox where op = 'trash' and page_id in ('p2', 'p4')), 0,
  'Pages already in the trash are not queued for it.');

-- under trash_other_side, p5 trashed in Notion takes its record along; a person then takes p5 out
-- of the trash: the sync does not put it back, it asks
select tests.sync_pages(jsonb_build_array(tests.task_page('p5', 'Five', 'Todo', false, true)), '{}', 'incremental');
select tests.sync_pages(jsonb_build_array(tests.task_page('p5', 'Five')), '{}', 'incremental');
select results_eq(
  $$ select (select count(*)::int from notion_sync.outbox where page_id = 'p5'),
            (select count(*)::int from notion_sync.conflicts where page_id = 'p5' and status = 'open' and kind = 'record_deleted') $$,
  $$ values (0, 1) $$,
  'Under trash_other_side, a page taken out of the trash after the sync deleted its record is asked about, not trashed again.');

-- p1 is taken out of the trash in Notion while its record is deleted: asked again (under hold)
update notion_sync.mappings set delete_policy = 'hold';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'),
  tests.task_page('p2', 'Two', 'Todo', false, true), tests.task_page('p4', 'Four', 'Todo', false, true),
  tests.task_page('p5', 'Five')), '{}', 'incremental');
select results_eq($$ select page_id, kind from notion_sync.conflicts where status = 'open' and page_id <> 'p5' $$,
  $$ values ('p1'::text, 'record_deleted'::text) $$,
  'A page taken out of the trash while its record is deleted is decided again.');

select * from finish();
rollback;
