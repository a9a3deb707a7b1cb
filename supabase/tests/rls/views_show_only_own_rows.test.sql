-- Every exposed view shows a user their own sync objects only; anon reads none of them.
begin;
select plan(25);

select tests.create_user('views-alice@example.com') as alice \gset
select tests.create_user('views-bob@example.com') as bob \gset
select tests.seed_sync_objects(:'alice');
select tests.seed_sync_objects(:'bob');
update notion_sync.outbox set status = 'pending';
-- a question a revert left (a page without its record) for each, for reverted_questions
insert into notion_sync.conflicts (owner_id, mapping_id, run_id, kind, page_id, record_key, status, resolved_at, resolution)
select r.owner_id, r.mapping_id, r.run_id, 'record_deleted', 'reverted-page-' || r.owner_id, 'reverted-rec-' || r.owner_id,
       'dismissed', now(), '{"action": "skip", "by": "revert"}'
from notion_sync.runs r where r.owner_id in (:'alice', :'bob');
-- a question each answered, for decisions
insert into notion_sync.conflicts (owner_id, mapping_id, run_id, kind, page_id, record_key, status, resolved_at, resolved_by, resolution)
select r.owner_id, r.mapping_id, r.run_id, 'field', 'decided-page-' || r.owner_id, 'decided-rec-' || r.owner_id,
       'resolved', now(), r.owner_id, '{"action": "prefer_notion"}'
from notion_sync.runs r where r.owner_id in (:'alice', :'bob');

create function pg_temp.views_for(p_user uuid, p_other uuid)
returns setof text language plpgsql as $$
declare
  v record;
  v_mine integer;
  v_theirs integer;
begin
  for v in select c.relname from pg_class c join pg_namespace n on n.oid = c.relnamespace
           where n.nspname = 'notion_sync_api' and c.relkind = 'v' and c.relname <> 'connections'
           order by 1 loop
    perform tests.authenticate_as(p_user);
    execute format('select count(*) from notion_sync_api.%I', v.relname) into v_mine;
    perform tests.authenticate_as(p_other);
    execute format('select count(*) from notion_sync_api.%I', v.relname) into v_theirs;
    perform tests.clear_authentication();
    return next ok(v_mine > 0, format('A user sees their own rows in notion_sync_api.%s.', v.relname));
    return next ok(v_theirs > 0 and v_mine + v_theirs = (select count(*) from pg_temp.counts c where c.view = v.relname),
      format('Two users'' rows of notion_sync_api.%s add up: neither sees the other''s.', v.relname));
  end loop;
end
$$;

-- what postgres sees per view, restricted to the two users' mappings
create temp table counts as
select 'runs' as view from notion_sync_api.runs r join notion_sync.mappings m on m.name = r.mapping and m.owner_id in (:'alice', :'bob') and m.mapping_id in (select mapping_id from notion_sync.runs where run_id = r.run_id)
union all select 'open_conflicts' from notion_sync_api.open_conflicts c join notion_sync.conflicts x using (conflict_id) where x.owner_id in (:'alice', :'bob')
union all select 'staged_pages' from notion_sync.staged_pages where owner_id in (:'alice', :'bob')
union all select 'recovery' from notion_sync.mappings where owner_id in (:'alice', :'bob')
union all select 'outbox' from notion_sync.outbox where owner_id in (:'alice', :'bob')
union all select 'health' from notion_sync.mappings where owner_id in (:'alice', :'bob')
union all select 'jobs' from notion_sync.jobs where owner_id in (:'alice', :'bob')
union all select 'reverted_questions' from notion_sync.conflicts
  where owner_id in (:'alice', :'bob') and resolution ->> 'by' = 'revert'
union all select 'decisions' from notion_sync.conflicts
  where owner_id in (:'alice', :'bob') and resolved_by is not null and resolution ->> 'action' = 'prefer_notion';
grant select on counts to authenticated;

select * from pg_temp.views_for(:'alice', :'bob');

select tests.authenticate_as_anon();
select throws_ok($$ select 1 from notion_sync_api.open_conflicts $$, '42501', null, 'Anon cannot read the conflicts view.');
select throws_ok($$ select 1 from notion_sync_api.recovery $$, '42501', null, 'Anon cannot read the recovery view.');
select throws_ok($$ select 1 from notion_sync_api.health $$, '42501', null, 'Anon cannot read the health view.');
select throws_ok($$ select 1 from notion_sync_api.outbox $$, '42501', null, 'Anon cannot read the outbox view.');
select throws_ok($$ select 1 from notion_sync_api.jobs $$, '42501', null, 'Anon cannot read the jobs view.');
select throws_ok($$ select 1 from notion_sync_api.reverted_questions $$, '42501', null,
  'Anon cannot read the questions a revert left.');
select throws_ok($$ select 1 from notion_sync_api.decisions $$, '42501', null, 'Anon cannot read the decisions.');

select * from finish();
rollback;
