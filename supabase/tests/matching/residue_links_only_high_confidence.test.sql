-- Only high confidence auto-links: in a mixed residue, every link made is an exact unique title;
-- a similarity of 1.0 without equal titles (the same words reordered) is still only a review.
begin;
select plan(4);

select tests.create_user('mixed@example.com') as uid \gset
select tests.create_demo_mapping(:'uid');
insert into notion_sync_demo.tasks (owner_id, title) values
  (:'uid', 'Plan sprint'), (:'uid', 'Email the landlord'), (:'uid', 'Book flights to Lisbon'),
  (:'uid', 'Renew passport'), (:'uid', 'Water the plants');

select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Sprint plan'))),
  tests.notion_page('p2', jsonb_build_object('Name', tests.title('Email the landlord'))),
  tests.notion_page('p3', jsonb_build_object('Name', tests.title('Book flight to Lisbon'))),
  tests.notion_page('p4', jsonb_build_object('Name', tests.title('Renew passport'))),
  tests.notion_page('p5', jsonb_build_object('Name', tests.title('Call grandma')))));
select notion_sync_api.complete_scan(:'run');
select notion_sync_api.match_residue(:'run');

select results_eq(
  $$ select l.page_id, t.title from notion_sync.links l join notion_sync_demo.tasks t on t.task_id::text = l.record_key
     order by l.page_id $$,
  $$ values ('p2', 'Email the landlord'), ('p4', 'Renew passport') $$,
  'Exactly the pages with an exact unique title are linked.');
select is((select details -> 'candidates' -> 0 -> 'similarity' from notion_sync.conflicts where page_id = 'p1'), '1.000'::jsonb,
  'The same words in another order are fully similar by trigrams ...');
select results_eq(
  $$ select page_id, kind, details -> 'candidates' -> 0 ->> 'confidence' from notion_sync.conflicts order by page_id $$,
  $$ values ('p1', 'match_review', 'medium'), ('p3', 'match_review', 'medium') $$,
  '... yet they, like every near title, only become a match_review of medium or low confidence.');
select is_empty($$ select 1 from notion_sync.links where page_id in ('p1', 'p3', 'p5') $$,
  'Reviewed and unrelated pages stay unlinked.');

select * from finish();
rollback;
