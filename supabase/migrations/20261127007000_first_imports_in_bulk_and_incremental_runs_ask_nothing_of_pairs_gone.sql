-- Two changes of reconcile_run_of_questions (the body of reconcile_run before 20261127006700 wrapped
-- it), the 20261126002400 body otherwise: a first import inserts its records in bulk, and an
-- incremental run asks nothing about a pair gone on both sides (lifecycle seed 58, further down).
--
-- A first import reconciles every page of the run in one call. reconcile_run inserted the record of
-- each new page with its own calls (insert_page_record, insert_record_for_page, insert_page_values):
-- a dynamic insert planned again for each page, the mapping and its fields read again, then the
-- page's link and its changes inserted one statement each. That was about 0.6 ms of the 0.7 ms
-- each new page cost (bench/first_import_bench.ts), so a data source of some 150,000 pages could
-- not be reconciled within the hosted function's 150 s, and its run was retried after each lease
-- expiry for ever.
--
-- insert_page_records does the same work for all the new pages at once: one insert into the table
-- per set of columns the pages' values name (one, unless relations wait for a related page), one
-- insert of their links, one of their changes, one update of the links of pages with pending
-- relations. Each row holds what the page-by-page inserts put in it, links and changes go in in the
-- same order, records in the pages' order within each set of columns. If the table refuses a
-- record, the whole batch is undone and reconcile_run goes page by page as before, so a refused
-- page still gets its apply_failed question and the others their records.
--
-- For this, reconcile_run_of_questions changes only in its "records for new pages" block, whose
-- first attempt calls insert_page_records instead of looping over insert_page_record.

-- The records of new pages, as insert_page_record makes one (the page's values and the owner
-- column, read back with what the table's defaults and triggers added; the link, whose base is the
-- read-back values; a change per field; pending relation fields left out of the base, the link
-- dirty), with one statement per step for all of them (the table's, one per set of columns named).
-- p_pages: [{page_id, values, pending}] in the order to insert. Returns how many records it
-- inserted. For reconcile_run, as its caller; raises what the table raises, and raise_exception
-- if the table skipped a row (a trigger).
create or replace function notion_sync.insert_page_records(p_mapping_id uuid, p_run_id uuid, p_pages jsonb)
returns integer
language plpgsql
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
  v_fields text[];
  v_group record;
  v_inserted jsonb;
  v_done jsonb := '[]'::jsonb;
  v_pending jsonb;
begin
  select * into v_map from notion_sync.mappings m where m.mapping_id = p_mapping_id;
  if jsonb_array_length(p_pages) = 0 then
    return 0;
  end if;
  v_fields := array(select f.field from notion_sync.mapping_fields(p_mapping_id) f);
  perform set_config('notion_sync.applying', p_mapping_id::text, true);
  -- a column left out of the values takes its default (a pending relation): one insert per set of
  -- columns named, each in the pages' order (links and changes below go in in the pages' order)
  for v_group in
    with p as (
      select e.o, e.page ->> 'page_id' as page_id, e.page -> 'pending' as pending,
             (e.page -> 'values')
             || case when v_map.owner_column is not null
                     then jsonb_build_object(v_map.owner_column, v_map.owner_id) else '{}'::jsonb end as vals
      from jsonb_array_elements(p_pages) with ordinality e(page, o)
    ), c as (
      select p.*, array(select k from jsonb_object_keys(p.vals) k order by k) as cols from p
    )
    select c.cols, jsonb_agg(c.vals order by c.o) as vals,
           jsonb_agg(jsonb_build_object('o', c.o, 'page_id', c.page_id, 'pending', c.pending) order by c.o) as pages
    from c group by c.cols order by min(c.o)
  loop
    -- RETURNING gives the rows in the order the select fed them (one at a time, in vals' order)
    execute format('with ins as (insert into %1$s (%2$s) select %2$s from jsonb_populate_recordset(null::%1$s, $1) '
                   'returning %3$I::text as record_key, to_jsonb(%1$s.*) as vals) '
                   'select coalesce(jsonb_agg(jsonb_build_array(ins.record_key, ins.vals)), ''[]'') from ins',
                   format('%I.%I', v_map.target_schema, v_map.target_table),
                   (select string_agg(format('%I', k), ', ') from unnest(v_group.cols) k), v_map.key_column)
      into v_inserted using v_group.vals;
    if jsonb_array_length(v_inserted) <> jsonb_array_length(v_group.pages) then
      raise exception 'the table kept % of % new records (a trigger skipped some)',
        jsonb_array_length(v_inserted), jsonb_array_length(v_group.pages);
    end if;
    v_done := v_done || (select jsonb_agg(p.page || jsonb_build_object('record_key', i.row -> 0, 'vals', i.row -> 1)
                                          order by n)
                         from jsonb_array_elements(v_group.pages) with ordinality p(page, n)
                         join jsonb_array_elements(v_inserted) with ordinality i(row, n) using (n));
  end loop;
  perform set_config('notion_sync.applying', '', true);

  insert into notion_sync.links (mapping_id, page_id, owner_id, record_key, base)
  select p_mapping_id, d.page_id, v_map.owner_id, d.record_key,
         (select jsonb_object_agg(f, d.vals -> f) from unnest(v_fields) f)
  from jsonb_to_recordset(v_done) d(o bigint, page_id text, record_key text, vals jsonb)
  order by d.o
  on conflict (mapping_id, page_id) do update
    set record_key = excluded.record_key, base = excluded.base, synced_at = now();
  insert into notion_sync.changes (owner_id, mapping_id, run_id, conflict_id, side, page_id, record_key, field,
                                   old_value, new_value)
  select v_map.owner_id, p_mapping_id, p_run_id, null, 'supabase', d.page_id, d.record_key, f.field, null,
         d.vals -> f.field
  from jsonb_to_recordset(v_done) d(o bigint, page_id text, record_key text, vals jsonb)
  cross join unnest(v_fields) with ordinality f(field, n)
  order by d.o, f.n;
  -- (the pages with pending fields first, by page: a join of every link with every page is slow)
  select jsonb_object_agg(d.page_id, d.pending) into v_pending
  from jsonb_to_recordset(v_done) d(page_id text, pending jsonb)
  where jsonb_typeof(d.pending) = 'array' and jsonb_array_length(d.pending) > 0;
  update notion_sync.links l
  set base = l.base - array(select jsonb_array_elements_text(v_pending -> l.page_id)), dirty_at = now()
  where l.mapping_id = p_mapping_id and l.page_id = any (array(select jsonb_object_keys(v_pending)));
  return jsonb_array_length(v_done);
end
$$;
revoke execute on function notion_sync.insert_page_records(uuid, uuid, jsonb) from public;
grant execute on function notion_sync.insert_page_records(uuid, uuid, jsonb) to authenticated, service_role;

-- An incremental run asks nothing about a pair gone on both sides (lifecycle seed 58).
--
-- A pair whose record was deleted and whose page a completed full scan did not see (trashed,
-- purged, moved, unshared) is gone on both sides: the scan asks nothing, settles the deletion and
-- keeps the link, so that a page taken out of the trash later finds its record's question. An
-- incremental run reads only the pages Notion lists as edited, and reconciles the pairs that may
-- need it, among them every pair without a base (a page linked again, its first contact skipped)
-- and every dirty one. For such a pair it saw the record gone and the page as an older run had
-- staged it, live and out of the trash, and asked whether to restore the record or trash the page,
-- a page already in the trash: a question nobody's edit called for, asked again after a person had
-- answered everything. In an incremental run a page it did not see is now gone, for this rule, when
-- the mapping's last completed full scan did not see it either and no run has seen it since; a page
-- the run does see again (taken out of the trash, so edited) is asked about as before. The rule is
-- in the middle of the reconcile (a question opened and then closed would still have been asked),
-- so the body below changes for it in the two places that say "gone on both sides" (which pairs ask
-- nothing, and which deletions are settled).

-- Whether the mapping's last completed full scan missed this page and no run has seen it since.
-- Authenticated (RLS: the caller's runs and pages); raises nothing.
create function notion_sync.missed_by_the_last_full_scan(p_mapping_id uuid, p_page_id text)
returns boolean
language sql
stable
set search_path = ''
as $$
  select exists (
    select
    from (select f.run_id, f.started_at from notion_sync.runs f
          where f.mapping_id = p_mapping_id and f.kind = 'retrieve' and f.mode = 'full'
            and f.status = 'completed' and f.checkpoint ? 'scan_completed_at'
          order by f.started_at desc limit 1) last_scan
    left join notion_sync.staged_pages sp on sp.mapping_id = p_mapping_id and sp.page_id = p_page_id
    left join notion_sync.runs seen on seen.run_id = sp.seen_in_run
    where sp.seen_in_run is distinct from last_scan.run_id
      -- a run that saw the page and started with the scan is older (runs of a mapping take turns:
      -- only runs made in one transaction, as in tests, start at the same instant)
      and (seen.started_at is null or seen.started_at <= last_scan.started_at))
$$;
comment on function notion_sync.missed_by_the_last_full_scan(uuid, text) is
  'Whether the mapping''s last completed full scan did not see this page and no run has seen it since '
  '(an incremental run takes it as missing). Authenticated; raises nothing.';
revoke execute on function notion_sync.missed_by_the_last_full_scan(uuid, text) from public;
grant execute on function notion_sync.missed_by_the_last_full_scan(uuid, text) to authenticated;

create or replace function notion_sync.reconcile_run_of_questions(p_run_id uuid, p_options jsonb default '{}'::jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_run notion_sync.runs;
  v_map notion_sync.mappings;
  v_target text;
  v_policy text;
  v_auto boolean;
  v_create boolean;
  v_dry boolean;
  v_scan_done boolean;
  v_established boolean;
  v_links integer;
  v_threshold integer;
  v_counts jsonb;
  v_held text[] := array[]::text[];
  v_diff jsonb;
  v_rec record;
  v_summary jsonb;
  v_filled jsonb := '[]'::jsonb;
  v_conflict uuid;
begin
  select * into v_run from notion_sync.runs r where r.run_id = p_run_id;
  if not found then
    raise exception 'run % not found', p_run_id using errcode = 'P0002';
  end if;
  select * into v_map from notion_sync.mappings m where m.mapping_id = v_run.mapping_id;
  v_target := format('%I.%I', v_map.target_schema, v_map.target_table);
  v_policy := coalesce(p_options ->> 'policy', v_run.options ->> 'policy', v_map.run_policy);
  if v_policy not in ('manual', 'prefer_supabase', 'prefer_notion') then
    raise exception 'policy must be manual, prefer_supabase or prefer_notion, not %', v_policy using errcode = '22023';
  end if;
  v_auto := coalesce((p_options ->> 'auto_resolve')::boolean, (v_run.options ->> 'auto_resolve')::boolean, v_map.auto_resolve);
  v_create := coalesce((p_options ->> 'create_unmatched')::boolean, (v_run.options ->> 'create_unmatched')::boolean,
                       v_map.create_unmatched);
  v_dry := coalesce((p_options ->> 'dry_run')::boolean, v_run.dry_run);
  v_scan_done := v_run.mode = 'full' and v_run.checkpoint ? 'scan_completed_at';
  v_established := exists (select from notion_sync.runs r
                           where r.mapping_id = v_map.mapping_id and r.run_id <> p_run_id and r.mode = 'full'
                             and r.status = 'completed' and r.checkpoint ? 'scan_completed_at');

  if to_regclass('pg_temp.rc_pairs') is null then
    create temp table rc_pairs (
      page_id text, record_key text, base jsonb, staged boolean, in_trash boolean, seen boolean,
      notion jsonb, supabase jsonb, record_exists boolean, pending text[]
    ) on commit drop;
    create temp table rc_fields (
      page_id text, record_key text, field text, property_type text, direction text, has_base boolean,
      base jsonb, notion jsonb, supabase jsonb, action text, pending boolean
    ) on commit drop;
    create temp table rc_records (
      page_id text, record_key text, action text, values jsonb, pending text[]
    ) on commit drop;
  end if;
  -- (for plpgsql_check / supabase db lint, which cannot see temp tables made at run time)
  perform 'PRAGMA:TABLE: rc_pairs (page_id text, record_key text, base jsonb, staged boolean, in_trash boolean, seen boolean, notion jsonb, supabase jsonb, record_exists boolean, pending text[])';
  perform 'PRAGMA:TABLE: rc_fields (page_id text, record_key text, field text, property_type text, direction text, has_base boolean, base jsonb, notion jsonb, supabase jsonb, action text, pending boolean)';
  perform 'PRAGMA:TABLE: rc_records (page_id text, record_key text, action text, values jsonb, pending text[])';
  truncate rc_pairs, rc_fields, rc_records;

  -- the linked pairs this run concerns
  insert into rc_pairs (page_id, record_key, base, staged, in_trash, seen)
  select l.page_id, l.record_key, l.base, sp.page_id is not null, coalesce(sp.in_trash, false),
         sp.seen_in_run = p_run_id
  from notion_sync.links l
  left join notion_sync.staged_pages sp on sp.mapping_id = l.mapping_id and sp.page_id = l.page_id
  where l.mapping_id = v_map.mapping_id
    and (v_run.mode = 'full' or sp.changed_in_run = p_run_id or l.dirty_at is not null or l.base = '{}'::jsonb
         or exists (select from notion_sync.tombstones t where t.mapping_id = l.mapping_id
                      and t.record_key = l.record_key and t.resolved_at is null));
  update rc_pairs p set notion = n.cols, pending = n.pending
  from notion_sync.notion_column_values(v_map.mapping_id, (select array_agg(page_id) from rc_pairs)) n
  where n.page_id = p.page_id;
  update rc_pairs p set supabase = s.cols, record_exists = true
  from notion_sync.record_column_values(v_map.mapping_id, (select array_agg(record_key) from rc_pairs)) s
  where s.record_key = p.record_key;

  -- per field: the three-way truth table (and first contact without a base)
  insert into rc_fields (page_id, record_key, field, property_type, direction, has_base, base, notion, supabase,
                         pending)
  select p.page_id, p.record_key, f.field, f.property_type, f.direction, p.base ? f.field,
         p.base -> f.field, p.notion -> f.field, p.supabase -> f.field, coalesce(f.field = any (p.pending), false)
  from rc_pairs p cross join notion_sync.mapping_fields(v_map.mapping_id) f
  where p.record_exists and p.staged and not p.in_trash;
  update rc_fields set action = notion_sync.field_action(pending, has_base, base, notion, supabase, property_type,
                                                         direction, v_policy, v_auto);
  -- a relation of record keys is pushed once every key has a page (not a part of it)
  update rc_fields f set action = 'pending'
  from notion_sync.related_mappings(v_map.mapping_id) r
  where f.action = 'to_notion' and f.field = r.field and jsonb_typeof(f.supabase) = 'array'
    and jsonb_array_length(notion_sync.relation_page_ids(r.related_mapping_id, f.supabase))
        < jsonb_array_length(f.supabase);

  -- records: deleted in Supabase, pages trashed in Notion or missing from a completed full scan
  insert into rc_records (page_id, record_key, action)
  select p.page_id, p.record_key,
         case when not coalesce(p.record_exists, false) then 'record_deleted'
              when p.in_trash then 'page_trashed'
              else 'page_missing' end
  from rc_pairs p
  where (not coalesce(p.record_exists, false) or p.in_trash or (v_scan_done and not coalesce(p.seen, false)))
    -- a deletion a person is already deciding on is left to them
    and not exists (select from notion_sync.conflicts c where c.mapping_id = v_map.mapping_id
                      and c.page_id = p.page_id and c.status = 'open' and c.kind in ('record_deleted', 'page_missing'))
    -- gone on both sides (the record deleted, its page trashed or missing): nothing is left to decide;
    -- in an incremental run, missing is what the last completed full scan found, unless a run saw the
    -- page since (one that did not read the page cannot call it live)
    and not (not coalesce(p.record_exists, false)
             and (p.in_trash or (v_scan_done and not coalesce(p.seen, false))
                  or (not v_scan_done and not coalesce(p.seen, false)
                      and notion_sync.missed_by_the_last_full_scan(v_map.mapping_id, p.page_id))))
    -- a deletion already decided, whose trash or restore waits in the outbox, is left to the push
    and not exists (select from notion_sync.outbox o where o.mapping_id = v_map.mapping_id and o.page_id = p.page_id
                      and o.op in ('trash', 'restore') and o.status in ('pending', 'in_flight'));
  -- pages back from the trash whose pair was forgotten (a person skipped their page_missing
  -- conflict, or unlink did): linked again to their record, when it is still there without a page
  -- (the table is read only for the pages this run saw back)
  with back as (
    select c.page_id, c.record_key, c.created_at
    from notion_sync.conflicts c
    join notion_sync.staged_pages sp on sp.mapping_id = c.mapping_id and sp.page_id = c.page_id
    where c.mapping_id = v_map.mapping_id and c.kind = 'page_missing' and c.status = 'dismissed'
      and sp.seen_in_run = p_run_id and not sp.in_trash
      and not exists (select from notion_sync.links l where l.mapping_id = v_map.mapping_id
                        and (l.page_id = c.page_id or l.record_key = c.record_key)))
  insert into rc_records (page_id, record_key, action)
  select distinct on (b.page_id) b.page_id, b.record_key, 'relink'
  from back b
  join notion_sync.record_column_values(v_map.mapping_id, (select array_agg(x.record_key) from back x)) s
    on s.record_key = b.record_key
  order by b.page_id, b.created_at desc;
  -- new pages: after the scan (full runs) or at once (incremental runs of an established mapping)
  insert into rc_records (page_id, action, values, pending)
  select sp.page_id, 'insert_record', n.cols, n.pending
  from notion_sync.staged_pages sp
  join notion_sync.notion_column_values(v_map.mapping_id,
         (select array_agg(s.page_id) from notion_sync.staged_pages s
          where s.mapping_id = v_map.mapping_id and s.seen_in_run = p_run_id and not s.in_trash
            and not exists (select from notion_sync.links l where l.mapping_id = s.mapping_id and l.page_id = s.page_id))) n
    on n.page_id = sp.page_id
  where sp.mapping_id = v_map.mapping_id
    and (v_established or v_create) and (v_run.mode = 'incremental' or v_scan_done)
    and not exists (select from notion_sync.conflicts c where c.mapping_id = v_map.mapping_id
                      and c.page_id = sp.page_id and c.status = 'open' and c.kind in ('match_review', 'ambiguous'))
    and not exists (select from rc_records r where r.page_id = sp.page_id and r.action = 'relink')
    -- a page the table refused, or whose record was deleted, which a person (or the unlink
    -- policy) chose to leave as it is
    and not exists (select from notion_sync.conflicts c where c.mapping_id = v_map.mapping_id
                      and c.page_id = sp.page_id and c.status = 'dismissed'
                      and c.kind in ('apply_failed', 'record_deleted'));
  -- records without a page: only after a completed full scan, on first contact only if asked
  if v_scan_done and (v_established or v_create) then
    execute format($q$
      insert into rc_records (record_key, action, values)
      select t.%2$I::text, 'create_page',
             (select jsonb_object_agg(f.field, to_jsonb(t) -> f.field)
              from notion_sync.mapping_fields($1) f where f.direction = 'both')
      from %1$s t
      where ($2::text is null or (to_jsonb(t) ->> $2) = $3::text)
        and not exists (select from notion_sync.links l where l.mapping_id = $1 and l.record_key = t.%2$I::text)
        -- a record whose page is trashed or missing, which a person (or the unlink policy) chose to
        -- leave as it is
        and not exists (select from notion_sync.conflicts c where c.mapping_id = $1 and c.status = 'dismissed'
                          and c.kind = 'page_missing' and c.record_key = t.%2$I::text)
        and not exists (select from notion_sync.conflicts c where c.mapping_id = $1
                          and c.status = 'open' and c.kind in ('match_review', 'ambiguous')
                          and (c.record_key = t.%2$I::text
                               or exists (select from jsonb_array_elements(c.details -> 'candidates') x
                                          where x ->> 'record_key' = t.%2$I::text)))$q$,
      v_target, v_map.key_column)
    using v_map.mapping_id, v_map.owner_column, v_map.owner_id;
  end if;

  -- the safety valve: too many changes to one side holds that side for one review
  select count(*) into v_links from notion_sync.links l where l.mapping_id = v_map.mapping_id;
  v_threshold := greatest(v_map.bulk_threshold_rows, ceil(v_links * v_map.bulk_threshold_percent / 100.0)::integer);
  -- (an import the caller asked for on first contact, create_unmatched before any completed full
  -- scan, is what the run is for and is not held)
  v_counts := jsonb_build_object(
    'notion_to_supabase', (select count(distinct record_key) from rc_fields where action = 'to_supabase')
                          + (select count(*) from rc_records where action = 'insert_record' and v_established),
    'supabase_to_notion', (select count(distinct record_key) from rc_fields where action = 'to_notion')
                          + (select count(*) from rc_records where action = 'create_page' and v_established),
    'inserts', (select count(*) from rc_records where action = 'insert_record'),
    'creates', (select count(*) from rc_records where action = 'create_page'),
    'missing', (select count(*) from rc_records where action in ('record_deleted', 'page_trashed', 'page_missing')),
    'conflicts', (select count(distinct record_key) from rc_fields where action = 'conflict'),
    'converged', (select count(*) from rc_fields where action = 'converged'),
    'pending', (select count(distinct page_id) from rc_fields where action = 'pending')
               + (select count(*) from rc_records where action = 'insert_record' and cardinality(pending) > 0),
    'pending_fields', coalesce((select jsonb_agg(x.v) from (
        (select jsonb_build_object('page_id', page_id, 'record_key', record_key, 'field', field) as v
         from rc_fields where action = 'pending' order by page_id, field)
        union all
        (select jsonb_build_object('page_id', r.page_id, 'field', f) from rc_records r, unnest(r.pending) f
         where r.action = 'insert_record' order by r.page_id, f)
        limit 100) x), '[]'::jsonb),
    'threshold', v_threshold);
  if (v_counts ->> 'notion_to_supabase')::int > v_threshold and p_options ->> 'approve_bulk' is distinct from 'notion_to_supabase' then
    v_held := array_append(v_held, 'notion_to_supabase');
  end if;
  if (v_counts ->> 'supabase_to_notion')::int > v_threshold and p_options ->> 'approve_bulk' is distinct from 'supabase_to_notion' then
    v_held := array_append(v_held, 'supabase_to_notion');
  end if;
  if (v_counts ->> 'missing')::int > v_threshold and p_options ->> 'approve_bulk' is distinct from 'missing' then
    v_held := array_append(v_held, 'missing');
  end if;
  v_diff := jsonb_build_object(
    'fields', coalesce((select jsonb_agg(jsonb_build_object('page_id', page_id, 'record_key', record_key,
                          'field', field, 'action', action, 'base', base, 'notion', notion, 'supabase', supabase)
                          order by record_key, field)
                        from (select * from rc_fields where action not in ('none') limit 1000) x), '[]'::jsonb),
    'records', coalesce((select jsonb_agg(jsonb_build_object('page_id', page_id, 'record_key', record_key,
                           'action', action)) from (select * from rc_records limit 1000) x), '[]'::jsonb));
  v_summary := v_counts || jsonb_build_object('held', to_jsonb(v_held), 'dry_run', v_dry, 'policy', v_policy);

  if v_dry then
    update notion_sync.runs r set summary = v_summary, heartbeat_at = now() where r.run_id = p_run_id;
    return v_summary || jsonb_build_object('diff', v_diff);
  end if;

  if cardinality(v_held) > 0 then
    perform notion_sync.open_conflict(v_map.mapping_id, p_run_id, 'bulk_change', null, null, '{}'::jsonb,
      jsonb_build_object('held', to_jsonb(v_held), 'counts', v_counts, 'diff', v_diff));
    update rc_fields set action = 'held'
    where (action = 'to_supabase' and 'notion_to_supabase' = any (v_held))
       or (action = 'to_notion' and 'supabase_to_notion' = any (v_held));
    delete from rc_records
    where (action = 'insert_record' and 'notion_to_supabase' = any (v_held) and v_established)
       or (action = 'create_page' and 'supabase_to_notion' = any (v_held) and v_established)
       or (action in ('record_deleted', 'page_trashed', 'page_missing') and 'missing' = any (v_held));
  end if;

  -- Notion → Supabase, one compare-and-set per record: all in one subtransaction; if the table
  -- refuses a value (a constraint, a trigger, its policy), again record by record, and a refused
  -- record becomes a field conflict naming the error (the others are written)
  begin
    for v_rec in
      select f.page_id, f.record_key,
             jsonb_object_agg(f.field, jsonb_build_object('base', f.base, 'notion', f.notion, 'supabase', f.supabase)) as fields
      from rc_fields f where f.action = 'to_supabase' group by f.page_id, f.record_key
    loop
      perform notion_sync.apply_notion_values(v_map.mapping_id, p_run_id, v_rec.page_id, v_rec.record_key, v_rec.fields);
    end loop;
  exception when integrity_constraint_violation or data_exception or raise_exception or insufficient_privilege then
    for v_rec in
      select f.page_id, f.record_key,
             jsonb_object_agg(f.field, jsonb_build_object('base', f.base, 'notion', f.notion, 'supabase', f.supabase)) as fields
      from rc_fields f where f.action = 'to_supabase' group by f.page_id, f.record_key
    loop
      begin
        perform notion_sync.apply_notion_values(v_map.mapping_id, p_run_id, v_rec.page_id, v_rec.record_key, v_rec.fields);
      exception when integrity_constraint_violation or data_exception or raise_exception or insufficient_privilege then
        perform notion_sync.open_conflict(v_map.mapping_id, p_run_id, 'field', v_rec.page_id, v_rec.record_key,
          v_rec.fields, jsonb_build_object('error', 'the table refused Notion''s value: ' || sqlerrm));
        update rc_fields f set action = 'refused' where f.record_key = v_rec.record_key and f.action = 'to_supabase';
      end;
    end loop;
  end;
  -- equal on both sides: the base advances (echoes of our own writes end here, by value)
  update notion_sync.links l
  set base = l.base || c.vals, synced_at = now()
  from (select record_key, jsonb_object_agg(field, notion) as vals from rc_fields
        where action = 'converged' group by record_key) c
  where l.mapping_id = v_map.mapping_id and l.record_key = c.record_key;
  -- Supabase → Notion: this plan replaces the pending pushes of the pairs it evaluated
  update notion_sync.outbox o set status = 'cancelled', updated_at = now()
  where o.mapping_id = v_map.mapping_id and o.op = 'update' and o.status = 'pending' and o.advance_base
    and o.page_id in (select f.page_id from rc_fields f);
  -- the outbox, with the base each field expects in Notion
  for v_rec in
    select f.page_id, f.record_key, jsonb_object_agg(f.field, f.supabase) as vals,
           jsonb_object_agg(f.field, case when f.has_base and f.notion is not distinct from f.base
                                          then f.base else f.notion end) as expected
    from rc_fields f where f.action = 'to_notion' group by f.page_id, f.record_key
  loop
    perform notion_sync.queue_push(v_map.mapping_id, v_rec.page_id, v_rec.record_key, v_rec.vals, v_rec.expected, p_run_id);
  end loop;
  -- divergent values: one conflict per record, both values kept
  for v_rec in
    select f.page_id, f.record_key, bool_and(f.has_base) as has_base,
           jsonb_object_agg(f.field, jsonb_build_object('base', f.base, 'notion', f.notion, 'supabase', f.supabase)) as fields
    from rc_fields f where f.action = 'conflict' group by f.page_id, f.record_key
  loop
    perform notion_sync.open_conflict(v_map.mapping_id, p_run_id,
      case when v_rec.has_base then 'field' else 'first_contact' end, v_rec.page_id, v_rec.record_key, v_rec.fields);
  end loop;

  -- records for new pages: all in one subtransaction; if the table refuses one (a constraint, a
  -- trigger, its policy), again page by page, and a refused page gets an apply_failed conflict
  -- naming the error (the others get their records)
  begin
    perform notion_sync.insert_page_records(v_map.mapping_id, p_run_id,
      (select coalesce(jsonb_agg(jsonb_build_object('page_id', r.page_id, 'values', r.values,
                                                    'pending', to_jsonb(r.pending)) order by r.page_id), '[]'::jsonb)
       from rc_records r where r.action = 'insert_record'));
  exception when integrity_constraint_violation or data_exception or raise_exception or insufficient_privilege then
    for v_rec in select * from rc_records r where r.action = 'insert_record' order by r.page_id loop
      begin
        perform notion_sync.insert_page_record(v_map.mapping_id, v_rec.page_id, v_rec.values, v_rec.pending, p_run_id);
      exception when integrity_constraint_violation or data_exception or raise_exception or insufficient_privilege then
        perform notion_sync.open_conflict(v_map.mapping_id, p_run_id, 'apply_failed', v_rec.page_id, null,
          (select jsonb_object_agg(k, jsonb_build_object('base', null, 'notion', v_rec.values -> k, 'supabase', null))
           from jsonb_object_keys(v_rec.values) k),
          jsonb_build_object('error', 'the table refused the page''s record: ' || sqlerrm));
        update rc_records r set action = 'insert_refused' where r.page_id = v_rec.page_id and r.action = 'insert_record';
      end;
    end loop;
  end;
  -- a page whose record the table refused before and took now: the question is settled
  update notion_sync.conflicts c
  set status = 'resolved', resolved_at = now(), resolution = jsonb_build_object('action', 'obsolete', 'run_id', p_run_id)
  where c.mapping_id = v_map.mapping_id and c.kind = 'apply_failed' and c.status = 'open'
    and c.page_id in (select r.page_id from rc_records r where r.action = 'insert_record');

  -- a record deleted in Supabase whose page is gone from Notion too: its deletion is settled
  update notion_sync.tombstones t set resolved_at = now()
  from rc_pairs p
  where t.mapping_id = v_map.mapping_id and t.record_key = p.record_key and t.resolved_at is null
    and not coalesce(p.record_exists, false)
    and (p.in_trash or (v_scan_done and not coalesce(p.seen, false))
         or (not v_scan_done and not coalesce(p.seen, false)
             and notion_sync.missed_by_the_last_full_scan(v_map.mapping_id, p.page_id)));

  -- the other records and pages
  for v_rec in select * from rc_records r where r.action <> 'insert_record' order by r.action, r.page_id, r.record_key loop
    if v_rec.action = 'insert_refused' then
      null;
    elsif v_rec.action = 'create_page' then
      perform notion_sync.queue_create(v_map.mapping_id, p_run_id, v_rec.record_key, v_rec.values);
    elsif v_rec.action = 'relink' then
      -- no base: the next run compares the two sides as on first contact
      insert into notion_sync.links (mapping_id, page_id, owner_id, record_key, base)
      select v_map.mapping_id, v_rec.page_id, v_map.owner_id, v_rec.record_key, '{}'::jsonb
      where not exists (select from notion_sync.links l where l.mapping_id = v_map.mapping_id
                          and (l.page_id = v_rec.page_id or l.record_key = v_rec.record_key));
      update notion_sync.conflicts c
      set status = 'resolved', resolved_at = now(),
          resolution = jsonb_build_object('action', 'obsolete', 'state', 'back', 'run_id', p_run_id)
      where c.mapping_id = v_map.mapping_id and c.kind = 'page_missing' and c.status = 'dismissed'
        and c.page_id = v_rec.page_id and c.record_key = v_rec.record_key;
    elsif v_map.delete_policy = 'trash_other_side' and v_rec.action = 'record_deleted'
          -- a deletion made in Supabase (captured), not the record the sync itself deleted after
          -- its page was trashed: that page, taken out of the trash again, is a person's question
          and exists (select from notion_sync.tombstones t where t.mapping_id = v_map.mapping_id
                        and t.record_key = v_rec.record_key and t.resolved_at is null) then
      insert into notion_sync.outbox (owner_id, mapping_id, run_id, op, page_id, record_key, properties)
      values (v_map.owner_id, v_map.mapping_id, p_run_id, 'trash', v_rec.page_id, v_rec.record_key, '{}'::jsonb);
      update notion_sync.tombstones t set resolved_at = now()
      where t.mapping_id = v_map.mapping_id and t.record_key = v_rec.record_key and t.resolved_at is null;
    elsif v_map.delete_policy = 'trash_other_side' and v_rec.action = 'page_trashed' then
      perform notion_sync.delete_record(v_map.mapping_id, v_rec.record_key, p_run_id, null);
    else
      -- hold (the default), and a page merely missing from a scan until it is verified; unlink
      -- dismisses the conflict at once, as a person's skip does, and forgets the pair
      v_conflict := notion_sync.open_conflict(v_map.mapping_id, p_run_id,
        case when v_rec.action = 'record_deleted' then 'record_deleted' else 'page_missing' end,
        v_rec.page_id, v_rec.record_key, '{}'::jsonb,
        jsonb_build_object('state', case v_rec.action when 'page_trashed' then 'trashed'
                                                      when 'page_missing' then 'unverified' else 'deleted' end,
                           'last_values', (select t.last_values from notion_sync.tombstones t
                                           where t.mapping_id = v_map.mapping_id and t.record_key = v_rec.record_key
                                             and t.resolved_at is null order by t.deleted_at desc limit 1)));
      if v_map.delete_policy = 'unlink' then
        update notion_sync.conflicts c
        set status = 'dismissed', resolved_at = now(),
            resolution = jsonb_build_object('action', 'skip', 'by', 'delete_policy')
        where c.conflict_id = v_conflict;
        delete from notion_sync.links l where l.mapping_id = v_map.mapping_id and l.page_id = v_rec.page_id;
        update notion_sync.tombstones t set resolved_at = now()
        where t.mapping_id = v_map.mapping_id and t.record_key = v_rec.record_key and t.resolved_at is null;
      end if;
    end if;
  end loop;

  -- pages of this run relating to pages it linked (a data source relating to itself): their records
  -- take the related keys now, compare-and-set against the empty column they were created with
  for v_rec in
    select n.page_id, l.record_key,
           jsonb_object_agg(f, n.cols -> f) as set_values, jsonb_object_agg(f, null) as expected
    from rc_records r
    join notion_sync.notion_column_values(v_map.mapping_id,
           (select array_agg(x.page_id) from rc_records x
            where x.action = 'insert_record' and cardinality(x.pending) > 0)) n on n.page_id = r.page_id
    join notion_sync.links l on l.mapping_id = v_map.mapping_id and l.page_id = r.page_id
    cross join lateral unnest(r.pending) f
    where r.action = 'insert_record' and not f = any (n.pending)
    group by n.page_id, l.record_key
  loop
    if notion_sync.write_record(v_map.mapping_id, v_rec.record_key, v_rec.set_values, v_rec.expected, p_run_id) is not null then
      v_filled := v_filled || (select jsonb_agg(jsonb_build_object('page_id', v_rec.page_id, 'field', k))
                               from jsonb_object_keys(v_rec.set_values) k);
    end if;
  end loop;
  -- what the summary counted pending and was filled so is pending no more
  if v_filled <> '[]'::jsonb then
    v_summary := v_summary || jsonb_build_object(
      'pending', (v_summary ->> 'pending')::integer
                 - (select count(*) from rc_records r where r.action = 'insert_record' and cardinality(r.pending) > 0
                      and not exists (select from unnest(r.pending) f
                                      where not v_filled @> jsonb_build_array(jsonb_build_object('page_id', r.page_id, 'field', f)))),
      'pending_fields', coalesce((select jsonb_agg(e) from jsonb_array_elements(v_summary -> 'pending_fields') e
                                  where not v_filled @> jsonb_build_array(e - 'record_key')), '[]'::jsonb));
  end if;

  -- value conflicts whose fields now agree on both sides are obsolete (a later write settled them)
  update notion_sync.conflicts c
  set status = 'resolved', resolved_at = now(),
      resolution = jsonb_build_object('action', 'obsolete', 'run_id', p_run_id)
  from rc_pairs p
  where c.mapping_id = v_map.mapping_id and c.status = 'open' and c.page_id = p.page_id
    and c.kind in ('field', 'first_contact', 'changed_during_apply', 'push_failed', 'formatting_would_be_lost')
    and c.fields <> '{}'::jsonb and p.notion is not null and p.supabase is not null
    and not exists (select from jsonb_object_keys(c.fields) k
                    left join notion_sync.mapping_fields(v_map.mapping_id) f on f.field = k
                    -- (a field missing from Notion's values cannot be read yet: not settled)
                    where not (p.notion ? k and p.supabase ? k)
                       or not notion_sync.column_values_match(f.property_type, p.notion -> k, p.supabase -> k));

  -- what was looked at is no longer dirty, unless a field of it is pending
  update notion_sync.links l set dirty_at = null
  where l.mapping_id = v_map.mapping_id and l.dirty_at is not null
    and l.record_key in (select record_key from rc_pairs)
    and l.record_key not in (select record_key from rc_fields where action = 'pending');
  update notion_sync.links l set dirty_at = now()
  from (select distinct f.record_key from rc_fields f where f.action = 'pending') p
  where l.mapping_id = v_map.mapping_id and l.record_key = p.record_key and l.dirty_at is null;
  delete from notion_sync.record_changes c
  where c.mapping_id = v_map.mapping_id
    and (c.record_key in (select record_key from notion_sync.links l where l.mapping_id = v_map.mapping_id)
         or c.record_key in (select record_key from rc_records where action = 'create_page'));

  update notion_sync.runs r
  set summary = v_summary,
      inserted = r.inserted + (select count(*) from rc_records where action = 'insert_record'),
      updated = r.updated + (select count(distinct record_key) from rc_fields where action = 'to_supabase'),
      unchanged = r.unchanged + (select count(*) from rc_pairs p where not exists (
                    select from rc_fields f where f.record_key = p.record_key and f.action <> 'none')),
      conflicts = (select count(*) from notion_sync.conflicts c where c.run_id = p_run_id and c.status = 'open'),
      heartbeat_at = now()
  where r.run_id = p_run_id;
  return v_summary;
end
$$;
