-- A record put back (same key, from a backup) after its record_deleted conflict was skipped, whose
-- page someone trashed meanwhile, gets no second page: the completed full scan that does not see
-- the page links the pair again and asks (page_missing, record "put back"), and under
-- trash_other_side the trash, older than the put back, does not delete the record again. Under
-- unlink the pair stays forgotten, and the record gets no page either.
begin;
select plan(11);

select tests.linked_tasks('putback-trash@example.com', jsonb_build_array(
  tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as uid \gset
select task_id as one from notion_sync_demo.tasks where title = 'One' \gset
create temp table saved as select * from notion_sync_demo.tasks where title = 'One';
delete from notion_sync_demo.tasks where title = 'One';
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two')), '{}', 'full', true);
select notion_sync_api.resolve_conflict(conflict_id, 'skip') from notion_sync.conflicts where status = 'open';

-- p1 trashed in Notion (full scans no longer return it), then the record put back
insert into notion_sync_demo.tasks select * from saved;
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two')));
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two')), '{}', 'full', true);
select is_empty($$ select 1 from notion_sync.outbox where op = 'create' $$,
  'The record put back gets no second page.');
select is((select record_key from notion_sync.links where page_id = 'p1'), :'one'::text,
  'It is linked to its page again.');
select is((select details ->> 'state' || ', ' || (details ->> 'record') from notion_sync.conflicts
           where kind = 'page_missing' and status = 'open'), 'unverified, put back',
  'A person is asked about its page, which is verified like any page a scan missed.');
select is((select status || ':' || (resolution ->> 'state') from notion_sync.conflicts where kind = 'record_deleted'),
  'resolved:back', 'The skipped deletion is settled.');
select is_empty($$ select 1 from notion_sync.tombstones where resolved_at is null $$,
  'So is the record''s tombstone.');
select results_eq($$ select page_id from notion_sync_api.pages_to_verify('tasks') $$, $$ values ('p1'::text) $$,
  'Its page is to be verified.');

update notion_sync.mappings set delete_policy = 'trash_other_side';
select notion_sync_api.verify_missing_page('tasks', 'p1', tests.task_page('p1', 'One', p_in_trash => true));
select is((select count(*)::int from notion_sync_demo.tasks where task_id = :'one'), 1,
  'Under trash_other_side, its page verified as trashed does not delete the record put back.');
select is((select details ->> 'state' from notion_sync.conflicts where kind = 'page_missing' and status = 'open'),
  'trashed', 'The question says the page is in the trash.');
select tests.sync_pages(jsonb_build_array(tests.task_page('p2', 'Two')), '{}', 'full', true);
select is_empty($$ select 1 from notion_sync.outbox where op in ('create', 'trash') $$,
  'The next full scan leaves the question to the person.');

-- under unlink: the same, the pair left forgotten (another user)
select tests.clear_authentication();
select tests.linked_tasks('putback-unlink@example.com', jsonb_build_array(tests.task_page('q1', 'Uno'))) as uid2 \gset
update notion_sync.mappings set delete_policy = 'unlink' where name = 'tasks';
create temp table saved2 as select * from notion_sync_demo.tasks where title = 'Uno';
delete from notion_sync_demo.tasks where title = 'Uno';
select tests.sync_pages(jsonb_build_array(tests.task_page('q1', 'Uno')), '{}', 'full', true);
insert into notion_sync_demo.tasks select * from saved2;
select tests.sync_pages('[]', '{}', 'full', true);
select is_empty($$ select 1 from notion_sync.outbox where op = 'create' $$,
  'Under unlink, the record put back gets no second page either.');
select is((select status || ', ' || (details ->> 'record') from notion_sync.conflicts where kind = 'page_missing'),
  'dismissed, put back', 'The pair stays forgotten, a dismissed question saying why.');

select * from finish();
rollback;
