-- A page back from the trash whose record was deleted while the pair was forgotten (its
-- page_missing conflict skipped) does not become a second record: the run asks about it as about
-- any page whose record was deleted, under hold and under trash_other_side alike (which does not
-- trash it again), and unlink forgets it again; a person who restores it gets the record back once.
begin;
select plan(9);

select tests.linked_tasks('went@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'), tests.task_page('p3', 'Three'))) as uid \gset

create function pg_temp.notion(p_trashed text[]) returns jsonb language sql as $$
  select jsonb_agg(tests.task_page(p, t, 'Todo', false, p = any (p_trashed)) order by p)
  from (values ('p1', 'One'), ('p2', 'Two'), ('p3', 'Three')) v(p, t)
$$;

-- every page trashed in Notion; a person skips the three questions; then each record is deleted
select tests.sync_pages(pg_temp.notion('{p1,p2,p3}'), '{}', 'full', true);
select notion_sync_api.resolve_conflict(conflict_id, 'skip') from notion_sync.conflicts where status = 'open';
delete from notion_sync_demo.tasks;

-- p1 taken out of the trash under hold
select tests.sync_pages(pg_temp.notion('{p2,p3}'), '{}', 'full', true) as summary \gset
select is((select count(*)::int from notion_sync_demo.tasks), 0,
  'A page back from the trash whose record was deleted meanwhile is not made a new record.');
select results_eq($$ select kind, page_id, details ->> 'state', details -> 'last_values' ->> 'title'
                     from notion_sync.conflicts where status = 'open' $$,
  $$ values ('record_deleted'::text, 'p1'::text, 'deleted'::text, 'One'::text) $$,
  'It is asked about, as a page whose record was deleted, with the record''s last values.');
select is((select resolution ->> 'state' from notion_sync.conflicts where kind = 'page_missing' and page_id = 'p1'),
  'back', 'Its skipped page_missing question is settled.');

-- p2 taken out of the trash under trash_other_side
update notion_sync.mappings set delete_policy = 'trash_other_side';
select tests.sync_pages(pg_temp.notion('{p3}'), '{}', 'full', true);
select is_empty($$ select 1 from notion_sync.outbox where op = 'trash' $$,
  'Under trash_other_side, the page a person took out of the trash is not trashed again.');
select is((select count(*)::int from notion_sync.conflicts where status = 'open' and kind = 'record_deleted' and page_id = 'p2'), 1,
  'It is asked about instead.');

-- p3 taken out of the trash under unlink
update notion_sync.mappings set delete_policy = 'unlink';
select tests.sync_pages(pg_temp.notion('{}'), '{}', 'full', true);
select is((select status || ':' || (resolution ->> 'by') from notion_sync.conflicts
           where kind = 'record_deleted' and page_id = 'p3'), 'dismissed:delete_policy',
  'Under unlink, the pair is forgotten again, as the policy decides for a deleted record.');
select tests.sync_pages(pg_temp.notion('{}'), '{}', 'full', true);
select is((select count(*)::int from notion_sync_demo.tasks), 0, 'Still no record is made at the next full scan.');

-- a person restores p1's record
select notion_sync_api.resolve_conflict(conflict_id, 'prefer_notion') from notion_sync.conflicts
where status = 'open' and page_id = 'p1';
select is((select title from tests.task_of('p1')), 'One', 'A person who restores it gets the record back.');
select tests.sync_pages(pg_temp.notion('{}'), '{}', 'full', true);
select is((select count(*)::int from notion_sync_demo.tasks where title = 'One'), 1, 'Once.');

select * from finish();
rollback;
