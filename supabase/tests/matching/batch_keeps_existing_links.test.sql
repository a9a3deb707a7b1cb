-- Tier 0 keeps an existing link: a linked page is neither re-matched nor questioned, even when
-- another record would match it now.
begin;
select plan(5);

select tests.create_user('keeper@example.com') as uid \gset
select tests.create_demo_mapping(:'uid') as mapping \gset
-- the title is also the natural key here, so record "Draft" would match page p1 on tier 0
update notion_sync.mappings set natural_key = '{"property_id": "title", "column": "title"}'
where mapping_id = :'mapping';
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Draft') returning task_id as draft \gset
insert into notion_sync_demo.tasks (owner_id, title) values (:'uid', 'Renamed in Supabase') returning task_id as linked \gset
insert into notion_sync.links (mapping_id, page_id, owner_id, record_key, base)
values (:'mapping', 'p1', :'uid', :'linked', '{"title": "Draft"}');

select tests.authenticate_as(:'uid');
select (notion_sync_api.start_run('tasks') ->> 'run_id') as run \gset
select notion_sync_api.stage_pages(:'run', jsonb_build_array(
  tests.notion_page('p1', jsonb_build_object('Name', tests.title('Draft')))));

select is(notion_sync_api.match_batch(:'run') - 'dismissed',
  '{"pages": 1, "already_linked": 1, "linked": 0, "by_page_id": 0, "by_natural_key": 0, "ambiguous": 0, "unmatched": 0}'::jsonb,
  'A page that is already linked is counted as such and not matched again.');
select is((select record_key from notion_sync.links where page_id = 'p1'), :'linked',
  'The existing link is kept, although another record has the page''s natural key.');
select is((select base from notion_sync.links where page_id = 'p1'), '{"title": "Draft"}'::jsonb,
  'The existing link keeps its base.');
select is_empty($$ select 1 from notion_sync.conflicts $$, 'Keeping a link raises no question.');

select notion_sync_api.complete_scan(:'run');
select notion_sync_api.match_residue(:'run');
select is((select count(*)::int from notion_sync.links where record_key = :'draft'), 0,
  'Residue matching does not touch a linked page either.');

select * from finish();
rollback;
