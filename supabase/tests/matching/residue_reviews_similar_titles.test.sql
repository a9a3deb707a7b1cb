-- Residue, trigram similarity: pages without an exact title get a match_review conflict listing
-- the records similar at the mapping's threshold (medium from 0.8, low below), never a link.
begin;
select plan(6);

select tests.create_user('similar@example.com') as uid \gset
select tests.create_demo_mapping(:'uid') as mapping \gset
update notion_sync.mappings set match_threshold = 0.65 where mapping_id = :'mapping';
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Review the pull request') returning task_id as pr \gset
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Prepare quarterly budget') returning task_id as budget \gset
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Fix logout bug') returning task_id as logout \gset

select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Review the pull requests'))),
  tests.notion_page('p2', jsonb_build_object('Name', tests.title('Prepare the quarterly budget draft'))),
  tests.notion_page('p3', jsonb_build_object('Name', tests.title('Fix login bug')))));
select notion_sync_api.complete_scan(:'run');

select is(notion_sync_api.match_residue(:'run'),
  '{"pages": 3, "records": 3, "linked": 0, "ambiguous": 0, "review": 2, "unmatched": 1, "dismissed": 0}'::jsonb,
  'Two pages are put up for review; none is linked.');
select is_empty($$ select 1 from notion_sync.links $$, 'Similar titles are never linked.');
select is((select details -> 'candidates' from notion_sync.conflicts where page_id = 'p1' and kind = 'match_review'),
  jsonb_build_array(jsonb_build_object('record_key', :'pr', 'title', 'Review the pull request', 'similarity', 0.875,
                                       'confidence', 'medium', 'tier', 'similar_title')),
  'A similarity of 0.8 or more is medium confidence; the candidate shows its key, title and similarity.');
select is((select details -> 'candidates' -> 0 ->> 'confidence' from notion_sync.conflicts where page_id = 'p2'), 'low',
  'A similarity under 0.8 is low confidence.');
select is((select record_key from notion_sync.conflicts where page_id = 'p2'), :'budget',
  'The conflict''s record is the best candidate.');
select is_empty($$ select 1 from notion_sync.conflicts where page_id = 'p3' $$,
  'A record similar below the mapping''s threshold is not a candidate (0.61 < 0.65).');

select * from finish();
rollback;
