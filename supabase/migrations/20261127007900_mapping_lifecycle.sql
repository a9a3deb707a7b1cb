-- A mapping changed after its first sync keeps the promise (no lost edit, no duplicate page):
--
-- 1. One table, one mapping per owner. Two mappings of one owner on one table each took the other's
--    apply of a Notion value for a person's edit, and each full run queued a page in its own data
--    source for every record of the other. Refused (23505), naming both mappings. One data source
--    on two tables stays allowed: each table is a copy of it.
-- 2. A mapping is not moved to another table or key column while anything names the records of its
--    table: links (save_mapping says so already, a direct update did not), Notion writes waiting,
--    undecided deletions, open questions, a running run. Creates waiting for an unlinked mapping were
--    handed out after a move and linked pages to keys the new table does not hold.
-- 3. A mapping deleted keeps its pairs: a mapping saved again onto the same data source, table and
--    key column finds them, with the values both sides last agreed on and any undecided deletion.
--    Without them its first full scans paired only equal titles, then gave every retitled record a
--    second page and every retitled page a second record. A mapping is not deleted while a run of it
--    runs or one of its writes is in flight (a create's page would be nobody's).

-- 1. one mapping of a table per owner

-- Trigger of mappings (before insert, before update of its target or owner): refuses a second
-- mapping of the owner's table. Invoker: the owner sees their own mappings, which is all it compares.
create function notion_sync.refuse_second_mapping_of_a_table()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_other text;
begin
  -- two sessions saving the two mappings at once would each miss the other
  perform pg_catalog.pg_advisory_xact_lock(pg_catalog.hashtextextended(
    format('notion_sync.mapping_table %s %I.%I', new.owner_id, new.target_schema, new.target_table), 0));
  select m.name into v_other from notion_sync.mappings m
  where m.owner_id = new.owner_id and m.target_schema = new.target_schema and m.target_table = new.target_table
    -- the mapping itself: by id, or by name (save_mapping's insert … on conflict fires this
    -- trigger with a fresh id before it turns into an update of the mapping of that name)
    and m.mapping_id <> new.mapping_id and m.name <> new.name
  order by m.name limit 1;
  if found then
    raise exception 'mapping "%" would sync %.%, which mapping "%" already syncs: each would take the other''s '
      'writes for a person''s edits and copy the other''s records into its own data source. Sync a table through '
      'one mapping', new.name, new.target_schema, new.target_table, v_other
      using errcode = '23505';
  end if;
  return new;
end
$$;

comment on function notion_sync.refuse_second_mapping_of_a_table() is
  'Trigger of mappings: refuses (23505) a mapping of a table another mapping of the same owner syncs, naming both.';

revoke execute on function notion_sync.refuse_second_mapping_of_a_table() from public;
grant execute on function notion_sync.refuse_second_mapping_of_a_table() to authenticated, service_role;

create trigger mappings_one_per_table
  before insert or update of owner_id, target_schema, target_table on notion_sync.mappings
  for each row execute function notion_sync.refuse_second_mapping_of_a_table();

-- 2. the target stays while work names its records

-- Trigger of mappings (before update of target_schema, target_table, key_column): refuses to move a
-- mapping while links, outbox writes, deletions, questions or a running run name its records.
-- Invoker: the caller updates their own mapping, so they see its rows. The data source is not
-- checked here: adopt_data_source follows a recreated one with every link in place.
create function notion_sync.keep_target_while_work_names_it()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_links bigint;
  v_writes bigint;
  v_deletions bigint;
  v_questions bigint;
  v_runs bigint;
begin
  if (old.target_schema, old.target_table, old.key_column)
     is not distinct from (new.target_schema, new.target_table, new.key_column) then
    return new;
  end if;
  select count(*) into v_links from notion_sync.links l where l.mapping_id = old.mapping_id;
  select count(*) into v_writes from notion_sync.outbox o
  where o.mapping_id = old.mapping_id and o.status in ('pending', 'in_flight');
  select count(*) into v_deletions from notion_sync.tombstones t
  where t.mapping_id = old.mapping_id and t.resolved_at is null;
  select count(*) into v_questions from notion_sync.conflicts c
  where c.mapping_id = old.mapping_id and c.status = 'open';
  select count(*) into v_runs from notion_sync.runs r
  where r.mapping_id = old.mapping_id and r.status = 'running';
  if v_links + v_writes + v_deletions + v_questions + v_runs > 0 then
    raise exception 'mapping "%" cannot move from %.% (key %) to %.% (key %) while % links, % Notion writes, '
      '% deletions, % questions and % running runs name the records of its table. Let them finish (push the '
      'outbox, answer the questions) or save a mapping of another name for the new table',
      old.name, old.target_schema, old.target_table, old.key_column, new.target_schema, new.target_table,
      new.key_column, v_links, v_writes, v_deletions, v_questions, v_runs
      using errcode = '55000';
  end if;
  return new;
end
$$;

comment on function notion_sync.keep_target_while_work_names_it() is
  'Trigger of mappings: refuses (55000) a new table or key column while links, waiting Notion writes, '
  'undecided deletions, open questions or a running run name the records of the present one.';

revoke execute on function notion_sync.keep_target_while_work_names_it() from public;
grant execute on function notion_sync.keep_target_while_work_names_it() to authenticated, service_role;

create trigger mappings_keep_target_while_work_names_it
  before update of target_schema, target_table, key_column on notion_sync.mappings
  for each row execute function notion_sync.keep_target_while_work_names_it();

-- 3. pairs outlive their mapping

create table notion_sync.retired_links (
  owner_id uuid not null references auth.users (id) on delete cascade,
  data_source_id text not null,
  target_schema text not null,
  target_table text not null,
  key_column text not null,
  page_id text not null,
  record_key text not null,
  base jsonb not null,
  synced_at timestamptz not null,
  -- the record's undecided deletion, if any: {last_values, cause, deleted_at}
  tombstone jsonb,
  mapping_name text not null,
  retired_at timestamptz not null default now(),
  constraint retired_links_pkey primary key (owner_id, data_source_id, target_schema, target_table, key_column, page_id)
);

comment on table notion_sync.retired_links is
  'The pairs (and undecided deletions) of a deleted mapping, handed to the next mapping its owner saves '
  'onto the same data source, table and key column, so that it pairs no record with a second page.';

alter table notion_sync.retired_links enable row level security;
create policy retired_links_select on notion_sync.retired_links for select to authenticated
  using (owner_id = (select auth.uid()));
grant select on notion_sync.retired_links to authenticated;
grant all on notion_sync.retired_links to service_role;

-- Trigger of mappings (before delete): refuses while a run of the mapping runs or one of its Notion
-- writes is in flight, then keeps its links for a mapping saved again. Security definer: the caller
-- may delete the mapping (RLS allowed the delete) but not write retired_links; it copies only the
-- rows of the mapping being deleted, under its owner.
create function notion_sync.retire_links_of_deleted_mapping()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_runs bigint;
  v_writes bigint;
begin
  if (select auth.uid()) is distinct from old.owner_id and (select auth.uid()) is not null then
    return old; -- not reached under RLS; a signed-in user keeps nothing of another's
  end if;
  -- the owner's account is being deleted: everything of theirs goes
  if not exists (select from auth.users u where u.id = old.owner_id) then
    return old;
  end if;
  select count(*) into v_runs from notion_sync.runs r
  where r.mapping_id = old.mapping_id and r.status = 'running';
  select count(*) into v_writes from notion_sync.outbox o
  where o.mapping_id = old.mapping_id and o.status = 'in_flight';
  if v_runs + v_writes > 0 then
    raise exception 'mapping "%" has % running runs and % Notion writes in flight: let them finish (or cancel the '
      'run) before deleting it', old.name, v_runs, v_writes
      using errcode = '55000';
  end if;
  delete from notion_sync.retired_links r
  where r.owner_id = old.owner_id and r.data_source_id = old.data_source_id
    and r.target_schema = old.target_schema and r.target_table = old.target_table
    and r.key_column = old.key_column;
  insert into notion_sync.retired_links (owner_id, data_source_id, target_schema, target_table, key_column,
                                         page_id, record_key, base, synced_at, tombstone, mapping_name)
  select old.owner_id, old.data_source_id, old.target_schema, old.target_table, old.key_column,
         l.page_id, l.record_key, l.base, l.synced_at,
         (select jsonb_build_object('last_values', t.last_values, 'cause', t.cause, 'deleted_at', t.deleted_at)
          from notion_sync.tombstones t
          where t.mapping_id = old.mapping_id and t.record_key = l.record_key and t.resolved_at is null
          order by t.deleted_at desc limit 1),
         old.name
  from notion_sync.links l
  where l.mapping_id = old.mapping_id;
  return old;
end
$$;

comment on function notion_sync.retire_links_of_deleted_mapping() is
  'Trigger of mappings: refuses (55000) to delete a mapping with a running run or a Notion write in flight; '
  'keeps the links of a deleted one, with undecided deletions, in retired_links.';

revoke execute on function notion_sync.retire_links_of_deleted_mapping() from public;
grant execute on function notion_sync.retire_links_of_deleted_mapping() to authenticated, service_role;

create trigger mappings_retire_links
  before delete on notion_sync.mappings
  for each row execute function notion_sync.retire_links_of_deleted_mapping();

-- Trigger of mappings (after insert): gives a new mapping the retired pairs of its owner's deleted
-- mapping of the same data source, table and key column, marked for comparison (edits made while no
-- mapping watched the table were not captured). Security definer: the caller (RLS let them insert
-- the mapping as its owner) may not read retired_links rows into links for another owner; it moves
-- only rows of the new mapping's owner.
create function notion_sync.restore_retired_links()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  if (select auth.uid()) is distinct from new.owner_id and (select auth.uid()) is not null then
    return null; -- not reached under RLS; a signed-in user is handed nothing of another's
  end if;
  -- taken from retired_links once: the pairs, and their undecided deletions
  with taken as (
    delete from notion_sync.retired_links r
    where r.owner_id = new.owner_id and r.data_source_id = new.data_source_id
      and r.target_schema = new.target_schema and r.target_table = new.target_table
      and r.key_column = new.key_column
    returning r.*
  ), linked as (
    insert into notion_sync.links (mapping_id, page_id, owner_id, record_key, base, synced_at, dirty_at)
    select new.mapping_id, t.page_id, t.owner_id, t.record_key, t.base, t.synced_at, now()
    from taken t
    on conflict do nothing
  )
  insert into notion_sync.tombstones (mapping_id, owner_id, record_key, page_id, last_values, cause, deleted_at)
  select new.mapping_id, t.owner_id, t.record_key, t.page_id, t.tombstone -> 'last_values', t.tombstone ->> 'cause',
         (t.tombstone ->> 'deleted_at')::timestamptz
  from taken t
  where t.tombstone is not null;
  return null;
end
$$;

comment on function notion_sync.restore_retired_links() is
  'Trigger of mappings: hands the retired pairs of a deleted mapping (same owner, data source, table and key '
  'column) to a new one, dirty, with their undecided deletions.';

revoke execute on function notion_sync.restore_retired_links() from public;
grant execute on function notion_sync.restore_retired_links() to authenticated, service_role;

create trigger mappings_restore_retired_links
  after insert on notion_sync.mappings
  for each row execute function notion_sync.restore_retired_links();
