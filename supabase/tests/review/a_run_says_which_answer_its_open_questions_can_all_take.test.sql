-- The web client offers to answer every open question of a run at once (resolve_conflicts(null,
-- run, action)) only with an answer that fits all of them: the run says how many it would answer
-- and of which kinds, and which answers may be given to all (answer_all). A match question takes
-- neither Keep Notion nor Keep Supabase, and Keep Notion is not given to a missing page no run has
-- read in Notion (it would delete its record on a scan's absence alone).
begin;
select plan(6);

select tests.linked_tasks('answer-all-alice@example.com',
  jsonb_build_array(tests.task_page('p1', 'One'), tests.task_page('p2', 'Two'))) as alice \gset
update notion_sync_demo.tasks set status = 'Done' where title in ('One', 'Two');
select tests.sync_pages(jsonb_build_array(tests.task_page('p1', 'One', 'Doing'), tests.task_page('p2', 'Two', 'Doing')))
  ->> 'run_id' as run \gset
select m.mapping_id as mapping from notion_sync.mappings m where m.name = 'tasks' \gset
-- a held bulk change of the run, which resolve_conflicts leaves alone
insert into notion_sync.conflicts (mapping_id, run_id, kind, details)
values (:'mapping', :'run', 'bulk_change', '{"held": ["notion_to_supabase"]}');

select is((select row(open_questions, open_kinds, answer_all)::text from notion_sync_api.runs where run_id = :'run'),
  '(2,"{""field"": 2}","{prefer_notion,prefer_supabase}")',
  'A run with two field conflicts has two open questions that either side''s answer fits.');

insert into notion_sync.conflicts (mapping_id, run_id, kind, page_id, record_key, details)
values (:'mapping', :'run', 'page_missing', 'p2', (tests.task_of('p2')).task_id::text, '{"state": "unverified"}');
select is((select answer_all from notion_sync_api.runs where run_id = :'run'), '{prefer_supabase}'::text[],
  'A missing page not read in Notion yet leaves only Keep Supabase for all.');

insert into notion_sync.conflicts (mapping_id, run_id, kind, page_id, record_key, details)
values (:'mapping', :'run', 'match_review', 'p5', '5', '{}');
select is((select row(open_questions, answer_all)::text from notion_sync_api.runs where run_id = :'run'),
  '(4,{})', 'A match question leaves no answer for all.');
select throws_ok(format($$ select notion_sync_api.resolve_conflicts(null, %L::uuid, 'prefer_supabase') $$, :'run'),
  '22023', null, 'As resolve_conflicts refuses it.');

delete from notion_sync.conflicts where run_id = :'run' and kind in ('match_review', 'page_missing');
select is((notion_sync_api.resolve_conflicts(null, :'run', 'prefer_notion') ->> 'resolved')::int, 2,
  'Keep Notion for all answers the two questions counted.');
select is((select row(open_questions, open_kinds, answer_all)::text from notion_sync_api.runs where run_id = :'run'),
  '(0,{},{})', 'Then the run has no open question and offers no answer for all.');

select * from finish();
rollback;
