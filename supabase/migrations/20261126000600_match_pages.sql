-- Matching Notion pages to Supabase records (DESIGN §4 "Match"), set-based, in SQL a user can read.
--
-- Why: a page that is linked to the wrong record overwrites someone's data, and a page linked to
-- none becomes a duplicate. So matching only links what is certain and asks a person about the
-- rest, and it never loops over records one by one (thousands of pages meet thousands of rows).
--
-- Two stages:
--   match_batch(run)   tier 0, after each staged batch, for the batch's pages that have no link:
--                      a record whose stored page id column holds the page id, else a record whose
--                      natural-key column equals the page's natural-key property. Both `high`:
--                      a unique pair is linked (base '{}': first contact, no agreed value yet).
--   match_residue(run) only after the run's full scan completed (complete_scan), only on the
--                      residue (pages and records still without a link): exact normalized title
--                      (NFC, case- and space-folded) unique on both sides → `high` → linked; then
--                      trigram similarity through a GIN index → `match_review` conflicts, never
--                      linked: similarity ≥ 0.8 is `medium`, below (down to the mapping's
--                      match_threshold) `low`.
-- A page with two candidate records, or a record claimed by two pages (or already linked to
-- another page), is an `ambiguous` conflict instead. Conflicts are one per page: at most one open
-- match_review/ambiguous conflict per (mapping, page) — a re-run refreshes it, never duplicates
-- it, and dismisses it when the page gets linked or has no candidate left in the same stage.
--
-- The trigram index lives on staged_pages (a table we own): a stored generated column title_norm.
-- RLS keeps a non-leakproof operator such as pg_trgm's `%` from being used as an index condition
-- (it must run after the policy), so the one query that probes the index runs in a small
-- security definer function that checks the run is the caller's and filters on the caller's
-- owner_id itself; everything else is security invoker and RLS decides.

-- mappings: where a record keeps its page id ---------------------------------------------------
alter table notion_sync.mappings
  add column page_id_column text,
  add constraint mappings_page_id_column_not_blank
    check (page_id_column is null or btrim(page_id_column) <> '');
comment on column notion_sync.mappings.page_id_column is
  'Optional column of the target table storing the Notion page id of each record (dashed or not); '
  'the strongest match.';

-- normalization helpers --------------------------------------------------------------------------

-- A title as compared for matching: Unicode NFC, lower case, every run of white space (Unicode
-- spaces included) one space, trimmed; null when nothing is left. Any caller; raises nothing.
create function notion_sync.normalize_title(p_title text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select nullif(btrim(regexp_replace(lower(normalize(p_title, nfc)),
                                     '[\s\u00a0\u1680\u2000-\u200b\u2028\u2029\u202f\u205f\u3000\ufeff]+',
                                     ' ', 'g')), '')
$$;
comment on function notion_sync.normalize_title(text) is
  'A title normalized for matching (NFC, case- and space-folded); null when blank. Any caller; raises nothing.';
revoke execute on function notion_sync.normalize_title(text) from public;
grant execute on function notion_sync.normalize_title(text) to authenticated, service_role;

-- A natural-key value as compared for matching: a number by its value (12 = 12.0 = 1.2e1),
-- anything else as a normalized title. Any caller; raises nothing.
create function notion_sync.normalize_key(p_value text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case
    when btrim(p_value) ~ '^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)([eE][+-]?[0-9]{1,4})?$'
      then pg_catalog.trim_scale(btrim(p_value)::numeric)::text
    else notion_sync.normalize_title(p_value)
  end
$$;
comment on function notion_sync.normalize_key(text) is
  'A natural-key value normalized for matching (numbers by value). Any caller; raises nothing.';
revoke execute on function notion_sync.normalize_key(text) from public;
grant execute on function notion_sync.normalize_key(text) to authenticated, service_role;

-- A Notion page id as compared for matching: undashed, lower case. Any caller; raises nothing.
create function notion_sync.page_key(p_page_id text)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select nullif(lower(replace(btrim(p_page_id), '-', '')), '')
$$;
comment on function notion_sync.page_key(text) is
  'A Notion page id undashed and lower-cased, for matching. Any caller; raises nothing.';
revoke execute on function notion_sync.page_key(text) from public;
grant execute on function notion_sync.page_key(text) to authenticated, service_role;

-- The text of a JSON value as a person reads it: a string as is, a number or boolean as written,
-- a rich-text array as its plain text, a list joined with ', ', a date or option object by its
-- start or name. Used on both sides (column values through to_jsonb). Any caller; raises nothing.
create function notion_sync.match_text(p_value jsonb)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case jsonb_typeof(p_value)
    when 'string' then p_value #>> '{}'
    when 'number' then p_value::text
    when 'boolean' then p_value::text
    when 'object' then coalesce(p_value ->> 'start', p_value ->> 'name', p_value ->> 'plain_text')
    when 'array' then (
      select case when bool_and(jsonb_typeof(e.value) = 'object' and e.value ? 'plain_text')
                  then string_agg(e.value ->> 'plain_text', '' order by e.ordinality)
                  else string_agg(notion_sync.match_text(e.value), ', ' order by e.ordinality) end
      from jsonb_array_elements(p_value) with ordinality e)
  end
$$;
comment on function notion_sync.match_text(jsonb) is
  'Plain text of a JSON value (rich text, option, date, scalar) for matching. Any caller; raises nothing.';
revoke execute on function notion_sync.match_text(jsonb) from public;
grant execute on function notion_sync.match_text(jsonb) to authenticated, service_role;

-- The plain text of one Notion property object of a page: title / rich_text text, number, select
-- or status name, url / email / phone, unique_id 'PREFIX-N', a formula's result, a date's start,
-- a checkbox. Null for other types and for no value. Any caller; raises nothing.
create function notion_sync.property_text(p_property jsonb)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select case p_property ->> 'type'
    when 'unique_id' then case when jsonb_typeof(p_property -> 'unique_id' -> 'number') = 'number' then
      concat(nullif(p_property -> 'unique_id' ->> 'prefix', '') || '-', p_property -> 'unique_id' ->> 'number') end
    when 'formula' then notion_sync.match_text(p_property -> 'formula' -> (p_property -> 'formula' ->> 'type'))
    when 'title' then notion_sync.match_text(p_property -> 'title')
    when 'rich_text' then notion_sync.match_text(p_property -> 'rich_text')
    when 'number' then notion_sync.match_text(p_property -> 'number')
    when 'select' then notion_sync.match_text(p_property -> 'select')
    when 'status' then notion_sync.match_text(p_property -> 'status')
    when 'url' then notion_sync.match_text(p_property -> 'url')
    when 'email' then notion_sync.match_text(p_property -> 'email')
    when 'phone_number' then notion_sync.match_text(p_property -> 'phone_number')
    when 'date' then notion_sync.match_text(p_property -> 'date')
    when 'checkbox' then notion_sync.match_text(p_property -> 'checkbox')
  end
$$;
comment on function notion_sync.property_text(jsonb) is
  'Plain text of a Notion property object, for matching. Any caller; raises nothing.';
revoke execute on function notion_sync.property_text(jsonb) from public;
grant execute on function notion_sync.property_text(jsonb) to authenticated, service_role;

-- The property object with this id in a raw Notion page, or null. Any caller; raises nothing.
create function notion_sync.page_property(p_raw jsonb, p_property_id text)
returns jsonb
language sql
immutable
parallel safe
set search_path = ''
as $$
  select p.value
  from jsonb_each(case when jsonb_typeof(p_raw -> 'properties') = 'object'
                       then p_raw -> 'properties' else '{}'::jsonb end) p
  where jsonb_typeof(p.value) = 'object' and p.value ->> 'id' = p_property_id
  limit 1
$$;
comment on function notion_sync.page_property(jsonb, text) is
  'The property object of a raw Notion page with this property id. Any caller; raises nothing.';
revoke execute on function notion_sync.page_property(jsonb, text) from public;
grant execute on function notion_sync.page_property(jsonb, text) to authenticated, service_role;

-- The plain text of a raw Notion page's title property (a page has exactly one), or null.
-- Any caller; raises nothing (it feeds a generated column, so it never fails on odd input).
create function notion_sync.page_title(p_raw jsonb)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select string_agg(coalesce(t.value ->> 'plain_text', t.value -> 'text' ->> 'content'), '' order by t.ordinality)
  from jsonb_each(case when jsonb_typeof(p_raw -> 'properties') = 'object'
                       then p_raw -> 'properties' else '{}'::jsonb end) p
  cross join lateral jsonb_array_elements(case when jsonb_typeof(p.value -> 'title') = 'array'
                                               then p.value -> 'title' else '[]'::jsonb end) with ordinality t
  where p.value ->> 'type' = 'title' and jsonb_typeof(t.value) = 'object'
$$;
comment on function notion_sync.page_title(jsonb) is
  'Plain text of the title of a raw Notion page. Any caller; raises nothing.';
revoke execute on function notion_sync.page_title(jsonb) from public;
grant execute on function notion_sync.page_title(jsonb) to authenticated, service_role;

-- staged_pages: the normalized title, trigram-indexed ------------------------------------------
alter table notion_sync.staged_pages
  add column title_norm text
    generated always as (notion_sync.normalize_title(notion_sync.page_title(raw))) stored;
comment on column notion_sync.staged_pages.title_norm is
  'The page''s title normalized for matching (normalize_title of its raw title); trigram-indexed.';
-- fastupdate off: pages are matched moments after they are staged, and a GIN pending list (which
-- every probe scans in full until vacuum merges it) would make each probe read every new page.
create index staged_pages_title_norm_trgm_idx on notion_sync.staged_pages
  using gin (title_norm extensions.gin_trgm_ops) with (fastupdate = off);

-- conflicts: one open matching question per page -------------------------------------------------
create unique index conflicts_one_open_match_per_page on notion_sync.conflicts (mapping_id, page_id)
  where status = 'open' and kind in ('match_review', 'ambiguous');

-- records of a mapping's table --------------------------------------------------------------------

-- The mapping owner's records of the target table, as the caller may read them under RLS, with
-- what matching compares: the title (the column of the field map's title entry) and its
-- normalized form, the normalized natural key and stored page id, and the page the record is
-- already linked to. p_purpose 'batch': only records whose stored page id is in p_page_keys or
-- whose natural key is in p_natural_keys; 'residue': only records without a link that have a
-- title. One query over the table, no loop. Authenticated; raises P0002 (no such mapping), 42703
-- (a configured column is missing), 22023 (unknown purpose).
create function notion_sync.match_records(
  p_mapping_id uuid,
  p_purpose text,
  p_page_keys text[] default null,
  p_natural_keys text[] default null
)
returns table (record_key text, title text, title_norm text, natural_key_norm text, page_key text,
               linked_page_id text)
language plpgsql
stable
security invoker
rows 5000
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
  v_title_col text;
  v_table regclass;
  v_col text;
  v_title_expr text := 'null::text';
  v_key_expr text := 'null::text';
  v_page_expr text := 'null::text';
  v_filter text;
begin
  select * into v_map from notion_sync.mappings m where m.mapping_id = p_mapping_id;
  if not found then
    raise exception 'mapping % not found', p_mapping_id using errcode = 'P0002';
  end if;
  if p_purpose is null or p_purpose not in ('batch', 'residue') then
    raise exception 'p_purpose must be batch or residue' using errcode = '22023';
  end if;
  v_table := to_regclass(format('%I.%I', v_map.target_schema, v_map.target_table));
  if v_table is null then
    raise exception 'table %.% of mapping "%" does not exist', v_map.target_schema, v_map.target_table, v_map.name
      using errcode = '42P01';
  end if;
  select f ->> 'column' into v_title_col
  from jsonb_array_elements(v_map.field_map) with ordinality f(f, n)
  where f ->> 'type' = 'title' order by n limit 1;
  foreach v_col in array array_remove(array[v_map.key_column, v_map.owner_column, v_title_col,
                                             v_map.natural_key ->> 'column', v_map.page_id_column], null) loop
    if not exists (select from pg_catalog.pg_attribute a
                   where a.attrelid = v_table and a.attname = v_col and a.attnum > 0 and not a.attisdropped) then
      raise exception 'column %.%.% of mapping "%" does not exist', v_map.target_schema, v_map.target_table,
        v_col, v_map.name using errcode = '42703';
    end if;
  end loop;

  if v_title_col is not null then
    v_title_expr := format('notion_sync.match_text(to_jsonb(t.%I))', v_title_col);
  end if;
  if v_map.natural_key ->> 'column' is not null then
    v_key_expr := format('notion_sync.normalize_key(notion_sync.match_text(to_jsonb(t.%I)))',
                         v_map.natural_key ->> 'column');
  end if;
  if v_map.page_id_column is not null then
    v_page_expr := format('notion_sync.page_key(to_jsonb(t.%I) #>> ''{}'')', v_map.page_id_column);
  end if;
  v_filter := case p_purpose
    when 'batch' then '(r.page_key = any ($3) or r.natural_key_norm = any ($4))'
    else 'r.linked_page_id is null and r.title_norm is not null'
  end;

  return query execute format(
    'select r.record_key, r.title, r.title_norm, r.natural_key_norm, r.page_key, r.linked_page_id '
    'from (select t.%1$I::text as record_key, %2$s as title, notion_sync.normalize_title(%2$s) as title_norm, '
    '             %3$s as natural_key_norm, %4$s as page_key, '
    '             (select l.page_id from notion_sync.links l '
    '              where l.mapping_id = $1 and l.record_key = t.%1$I::text) as linked_page_id '
    '      from %5$I.%6$I t '
    '      where %7$s) r '
    'where %8$s',
    v_map.key_column, v_title_expr, v_key_expr, v_page_expr, v_map.target_schema, v_map.target_table,
    case when v_map.owner_column is null then 'true' else format('t.%I = $2', v_map.owner_column) end,
    v_filter)
    using v_map.mapping_id, v_map.owner_id, coalesce(p_page_keys, '{}'), coalesce(p_natural_keys, '{}');
end
$$;
comment on function notion_sync.match_records(uuid, text, text[], text[]) is
  'The mapping owner''s records with what matching compares, under RLS, in one query. Authenticated; '
  'raises P0002, 42P01, 42703 (missing configured column), 22023.';
revoke execute on function notion_sync.match_records(uuid, text, text[], text[]) from public;
grant execute on function notion_sync.match_records(uuid, text, text[], text[]) to authenticated;

-- trigram candidates --------------------------------------------------------------------------------

-- Pairs (page, record) whose normalized titles are similar at the mapping's match_threshold,
-- probing the trigram index on staged_pages once per record title inside one join. Pages: staged
-- by the caller for this run's mapping, seen by the run, not in trash (the caller keeps those
-- without a link). security definer: under RLS the planner may not use an index for pg_trgm's `%` (a
-- non-leakproof operator runs after the policy), so this reads staged_pages as its owner and
-- applies the policy's condition (owner_id = the caller) itself, after checking that the run is
-- the caller's. The threshold is set for this function only (its SET clause restores it), as is
-- enable_seqscan = off (see the query).
-- Authenticated; raises P0002 (not the caller's run), 22023 (arrays of different lengths).
create function notion_sync.title_candidates(p_run_id uuid, p_record_keys text[], p_title_norms text[])
returns table (page_id text, record_key text, similarity real)
language plpgsql
security definer
set search_path = ''
set pg_trgm.similarity_threshold = '0.3'
set enable_seqscan = off
as $$
declare
  v_uid uuid := (select auth.uid());
  v_mapping_id uuid;
  v_threshold numeric;
begin
  select r.mapping_id, m.match_threshold into v_mapping_id, v_threshold
  from notion_sync.runs r
  join notion_sync.mappings m on m.mapping_id = r.mapping_id and m.owner_id = r.owner_id
  where r.run_id = p_run_id and r.owner_id = v_uid;
  if not found then
    raise exception 'run % not found', p_run_id using errcode = 'P0002';
  end if;
  if cardinality(p_record_keys) is distinct from cardinality(p_title_norms) then
    raise exception 'p_record_keys and p_title_norms must have the same length' using errcode = '22023';
  end if;
  perform set_config('pg_trgm.similarity_threshold', v_threshold::text, true);

  return query
  with records as materialized (
    select u.record_key, u.title_norm
    from unnest(p_record_keys, p_title_norms) as u(record_key, title_norm)
    where u.title_norm is not null
  )
  select sp.page_id, r.record_key, extensions.similarity(sp.title_norm, r.title_norm)
  from records r
  -- One trigram index probe per record title, inside this one join. The lateral subquery holds
  -- only the `%` condition (`offset 0` keeps the other conditions out of it) and this function
  -- runs with enable_seqscan off: pages are staged moments before this runs, without statistics,
  -- and the planner would otherwise scan them all (or all of the owner's, by another index) and
  -- compute the similarity of every page for every record.
  cross join lateral (
    select s.page_id, s.title_norm, s.mapping_id, s.owner_id, s.seen_in_run, s.in_trash
    from notion_sync.staged_pages s
    where s.title_norm operator(extensions.%) r.title_norm
    offset 0
  ) sp
  where sp.mapping_id = v_mapping_id and sp.owner_id = v_uid and sp.seen_in_run = p_run_id
    and not sp.in_trash;
end
$$;
comment on function notion_sync.title_candidates(uuid, text[], text[]) is
  'Pages of the caller''s run similar in title to the given records (trigram index, the '
  'mapping''s match_threshold). Authenticated; raises P0002 (not the caller''s run), 22023. '
  'security definer so the trigram index can be used under RLS; it filters on the caller itself.';
revoke execute on function notion_sync.title_candidates(uuid, text[], text[]) from public;
grant execute on function notion_sync.title_candidates(uuid, text[], text[]) to authenticated;

-- tier 0, per batch -------------------------------------------------------------------------------

-- Matches the pages staged in this run that have no link (only those of p_page_ids when given,
-- e.g. the batch just staged, so each call costs a batch): an existing link is kept; a record
-- whose page_id_column holds the page id (trashed pages included: it is the page's identity),
-- else a record whose natural-key column equals the page's natural-key property (live pages).
-- A page counts only its strongest tier. A unique pair → a link (base '{}'). A page with several
-- candidate records, or whose record is claimed by another page of the batch or already linked to
-- another page → one open `ambiguous` conflict per page, no link. Its record_key is the first
-- candidate; details: {stage: 'batch', reason: several_records | record_claimed_by_several_pages |
-- record_linked_to_another_page, title, candidate_count, candidates: the first 10, each
-- {record_key, title, tier, confidence: 'high', linked_page_id, claimed_by: the first 10 pages}}.
-- Returns {pages, already_linked, linked, by_page_id, by_natural_key, ambiguous, unmatched,
-- dismissed}. Authenticated; raises P0002 (no such run of the caller).
create function notion_sync_api.match_batch(p_run_id uuid, p_page_ids text[] default null)
returns jsonb
language plpgsql
security invoker
set search_path = ''
set work_mem = '64MB'
as $$
declare
  v_run notion_sync.runs;
  v_map notion_sync.mappings;
  v_nk_prop text;
  v_page_keys text[];
  v_natural_keys text[];
  v_result jsonb;
begin
  select * into v_run from notion_sync.runs r where r.run_id = p_run_id;
  if not found then
    raise exception 'run % not found', p_run_id using errcode = 'P0002';
  end if;
  select * into v_map from notion_sync.mappings m where m.mapping_id = v_run.mapping_id;
  v_nk_prop := v_map.natural_key ->> 'property_id';

  -- what the batch's pages could be matched by, to read only those records
  select array_agg(notion_sync.page_key(sp.page_id)) filter (where v_map.page_id_column is not null),
         array_agg(notion_sync.normalize_key(notion_sync.property_text(notion_sync.page_property(sp.raw, v_nk_prop))))
           filter (where v_nk_prop is not null and not sp.in_trash)
  into v_page_keys, v_natural_keys
  from notion_sync.staged_pages sp
  where sp.mapping_id = v_map.mapping_id and sp.seen_in_run = p_run_id
    and (p_page_ids is null or sp.page_id = any (p_page_ids))
    and sp.page_id not in (select l.page_id from notion_sync.links l
                           where l.mapping_id = v_map.mapping_id and (p_page_ids is null or l.page_id = any (p_page_ids)));

  with batch as (
    select sp.page_id, sp.in_trash, notion_sync.page_key(sp.page_id) as page_key,
           notion_sync.page_title(sp.raw) as title,
           case when v_nk_prop is not null and not sp.in_trash then notion_sync.normalize_key(
             notion_sync.property_text(notion_sync.page_property(sp.raw, v_nk_prop))) end as natural_key
    from notion_sync.staged_pages sp
    where sp.mapping_id = v_map.mapping_id and sp.seen_in_run = p_run_id
      and (p_page_ids is null or sp.page_id = any (p_page_ids))
      and sp.page_id not in (select l.page_id from notion_sync.links l
                             where l.mapping_id = v_map.mapping_id and (p_page_ids is null or l.page_id = any (p_page_ids)))
  ),
  records as materialized (
    select * from notion_sync.match_records(v_map.mapping_id, 'batch', v_page_keys, v_natural_keys)
    where v_page_keys is not null or v_natural_keys is not null
  ),
  candidates as (
    select b.page_id, r.record_key, r.title as record_title, r.linked_page_id, 1 as rank, 'stored_page_id' as tier
    from batch b join records r on r.page_key = b.page_key
    union all
    select b.page_id, r.record_key, r.title, r.linked_page_id, 2, 'natural_key'
    from batch b join records r on r.natural_key_norm = b.natural_key
  ),
  strongest as (  -- a page counts only its strongest tier
    select c.* from (select c.*, min(c.rank) over (partition by c.page_id) as best from candidates c) c
    where c.rank = c.best
  ),
  claims as (  -- the pages claiming each record (the first 10 shown)
    select s.record_key, count(*) as n_pages, (array_agg(s.page_id order by s.page_id))[1:10] as pages
    from strongest s group by s.record_key
  ),
  counted as (
    select s.*, cl.n_pages, cl.pages as claimed_by,
           count(*) over (partition by s.page_id) as n_records,
           row_number() over (partition by s.page_id order by s.record_key) as n
    from strongest s join claims cl on cl.record_key = s.record_key
  ),
  verdicts as (
    select c.page_id, min(c.tier) as tier, min(c.record_key) as record_key, count(*) as n_records,
           bool_and(c.n_records = 1 and c.n_pages = 1 and c.linked_page_id is null) as unique_match,
           case when count(*) > 1 then 'several_records'
                when bool_or(c.linked_page_id is not null) then 'record_linked_to_another_page'
                else 'record_claimed_by_several_pages' end as reason,
           jsonb_agg(jsonb_build_object('record_key', c.record_key, 'title', c.record_title, 'tier', c.tier,
                                        'confidence', 'high', 'linked_page_id', c.linked_page_id,
                                        'claimed_by', to_jsonb(c.claimed_by)) order by c.record_key)
             filter (where c.n <= 10) as candidates
    from counted c
    group by c.page_id
  ),
  linked as (
    insert into notion_sync.links (mapping_id, page_id, owner_id, record_key, base)
    select v_map.mapping_id, v.page_id, v_run.owner_id, v.record_key, '{}'::jsonb
    from verdicts v where v.unique_match
    returning page_id
  ),
  flagged as (
    insert into notion_sync.conflicts as c (owner_id, mapping_id, run_id, kind, page_id, record_key, details)
    select v_run.owner_id, v_map.mapping_id, p_run_id, 'ambiguous', v.page_id,
           v.record_key,
           jsonb_build_object('stage', 'batch', 'reason', v.reason, 'title', b.title,
                              'candidate_count', v.n_records, 'candidates', v.candidates)
    from verdicts v join batch b on b.page_id = v.page_id
    where not v.unique_match
    on conflict (mapping_id, page_id) where status = 'open' and kind in ('match_review', 'ambiguous')
    do update set kind = excluded.kind, run_id = excluded.run_id, record_key = excluded.record_key,
                  details = excluded.details
      where (c.kind, c.record_key, c.details) is distinct from (excluded.kind, excluded.record_key, excluded.details)
  ),
  seen as (
    select sp.page_id from notion_sync.staged_pages sp
    where sp.mapping_id = v_map.mapping_id and sp.seen_in_run = p_run_id
      and (p_page_ids is null or sp.page_id = any (p_page_ids))
  ),
  dismissed as (  -- a page now linked, or a batch question whose candidates are gone
    update notion_sync.conflicts c
    set status = 'dismissed', resolved_at = now(),
        resolution = jsonb_build_object('by', 'match', 'reason',
          case when c.page_id in (select v.page_id from verdicts v where v.unique_match) then 'linked'
               else 'no_candidates' end)
    where c.mapping_id = v_map.mapping_id and c.status = 'open' and c.kind in ('match_review', 'ambiguous')
      and (c.page_id in (select v.page_id from verdicts v where v.unique_match)
           or (c.details ->> 'stage' = 'batch'
               and c.page_id in (select b.page_id from batch b)
               and c.page_id not in (select v.page_id from verdicts v)))
    returning c.conflict_id
  )
  select jsonb_build_object(
    'pages', (select count(*) from seen),
    'already_linked', (select count(*) from seen) - (select count(*) from batch),
    'linked', (select count(*) from linked),
    'by_page_id', (select count(*) from verdicts v where v.unique_match and v.tier = 'stored_page_id'),
    'by_natural_key', (select count(*) from verdicts v where v.unique_match and v.tier = 'natural_key'),
    'ambiguous', (select count(*) from verdicts v where not v.unique_match),
    'unmatched', (select count(*) from batch b where b.page_id not in (select v.page_id from verdicts v)),
    'dismissed', (select count(*) from dismissed))
  into v_result;

  update notion_sync.runs r set heartbeat_at = now() where r.run_id = p_run_id and r.status = 'running';
  return v_result;
end
$$;
comment on function notion_sync_api.match_batch(uuid, text[]) is
  'Tier 0 matching of the unlinked pages a run staged: stored page id, then natural key; unique '
  'pairs linked, others one ambiguous conflict per page. Returns counts. Authenticated. Raises '
  'P0002 (no such run), 42703 (a configured column is missing).';
revoke execute on function notion_sync_api.match_batch(uuid, text[]) from public;
grant execute on function notion_sync_api.match_batch(uuid, text[]) to authenticated;

-- the end of a full scan ---------------------------------------------------------------------------

-- Records that the caller's running full run has read every page of the data source
-- (checkpoint.scan_completed_at; kept when already set). Residue matching, and declaring pages
-- missing, wait for it. Returns {run_id, scan_completed_at, pages_seen}. Authenticated; raises
-- P0002 (no such run of the caller), 55000 (not running, or not a full run).
create function notion_sync_api.complete_scan(p_run_id uuid)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_run notion_sync.runs;
begin
  select * into v_run from notion_sync.runs r where r.run_id = p_run_id;
  if not found then
    raise exception 'run % not found', p_run_id using errcode = 'P0002';
  end if;
  if v_run.status <> 'running' then
    raise exception 'run % is %, not running', p_run_id, v_run.status using errcode = '55000';
  end if;
  if v_run.mode <> 'full' then
    raise exception 'run % is an % run; only a full run completes a scan', p_run_id, v_run.mode
      using errcode = '55000';
  end if;
  update notion_sync.runs r
  set checkpoint = r.checkpoint || jsonb_build_object(
        'scan_completed_at', coalesce(r.checkpoint -> 'scan_completed_at', to_jsonb(now()))),
      heartbeat_at = now()
  where r.run_id = p_run_id
  returning * into v_run;
  return jsonb_build_object(
    'run_id', p_run_id,
    'scan_completed_at', v_run.checkpoint -> 'scan_completed_at',
    'pages_seen', (select count(*) from notion_sync.staged_pages sp
                   where sp.mapping_id = v_run.mapping_id and sp.seen_in_run = p_run_id));
end
$$;
comment on function notion_sync_api.complete_scan(uuid) is
  'Marks the caller''s running full run as having scanned every page. Authenticated. Raises P0002 '
  '(no such run), 55000 (not running, or not a full run).';
revoke execute on function notion_sync_api.complete_scan(uuid) from public;
grant execute on function notion_sync_api.complete_scan(uuid) to authenticated;

-- the residue, after a completed full scan -------------------------------------------------------------

-- Matches what is still unmatched after the run's completed full scan. Residue pages: staged for
-- the mapping, seen by this run, not in trash, without a link, and not held by an open tier-0
-- (batch) ambiguity; residue records: the mapping owner's records without a link that have a title
-- and are not a candidate of an open tier-0 ambiguity. Then:
--   1. exact normalized title, one page and one record → `high` → a link (base '{}');
--      several records for a page, or several pages for a record → `ambiguous` per page (details
--      as in match_batch, with stage 'residue' and tier 'exact_title');
--   2. pages with no exact candidate: trigram similarity ≥ the mapping's match_threshold through
--      the index → one `match_review` conflict per page, never a link; record_key = the best
--      candidate; details: {stage: 'residue', title, threshold, candidate_count, candidates: the
--      best 5, each {record_key, title, similarity (3 decimals), confidence: `medium` when
--      similarity ≥ 0.8, else `low`, tier: 'similar_title'}}.
-- A re-run refreshes the open conflict of a page instead of adding one, and dismisses the residue
-- questions of pages that got linked or have no candidate left.
-- Returns {pages, records, linked, ambiguous, review, unmatched, dismissed}. Authenticated;
-- raises P0002 (no such run of the caller), 55000 (not a full run, or its scan has not completed).
-- Plans: anti-joins are written `not in (subquery)` so they run as hashed subplans (work_mem is
-- raised for this function so the hash always fits): pages and links are often minutes old and
-- without statistics, and a planner that believes them tiny picks nested loops that compare every
-- page with every link.
create function notion_sync_api.match_residue(p_run_id uuid)
returns jsonb
language plpgsql
security invoker
set search_path = ''
set work_mem = '64MB'
as $$
declare
  v_run notion_sync.runs;
  v_map notion_sync.mappings;
  v_keys text[];
  v_titles text[];
  v_norms text[];
  v_records integer;
  v_exact jsonb;
  v_similar jsonb;
begin
  select * into v_run from notion_sync.runs r where r.run_id = p_run_id;
  if not found then
    raise exception 'run % not found', p_run_id using errcode = 'P0002';
  end if;
  if v_run.mode <> 'full' then
    raise exception 'run % is an % run; residue matching needs a completed full scan', p_run_id, v_run.mode
      using errcode = '55000';
  end if;
  if v_run.checkpoint ->> 'scan_completed_at' is null then
    raise exception 'run % has not completed its full scan; residue matching needs a completed full scan', p_run_id
      using errcode = '55000', hint = 'Call notion_sync_api.complete_scan after the last page was staged.';
  end if;
  select * into v_map from notion_sync.mappings m where m.mapping_id = v_run.mapping_id;

  -- residue records, once (records a tier-0 ambiguity names are held for that question)
  with held as (
    select distinct e.value ->> 'record_key' as record_key
    from notion_sync.conflicts c
    cross join lateral jsonb_array_elements(c.details -> 'candidates') e
    where c.mapping_id = v_map.mapping_id and c.status = 'open' and c.kind = 'ambiguous'
      and c.details ->> 'stage' = 'batch'
  )
  select coalesce(array_agg(r.record_key order by r.record_key), '{}'),
         coalesce(array_agg(r.title order by r.record_key), '{}'),
         coalesce(array_agg(r.title_norm order by r.record_key), '{}')
  into v_keys, v_titles, v_norms
  from notion_sync.match_records(v_map.mapping_id, 'residue') r
  where r.record_key not in (select h.record_key from held h where h.record_key is not null);

  -- 1. exact normalized title
  with pages as (
    select sp.page_id, sp.title_norm, notion_sync.page_title(sp.raw) as title
    from notion_sync.staged_pages sp
    where sp.mapping_id = v_map.mapping_id and sp.seen_in_run = p_run_id and not sp.in_trash
      and sp.page_id not in (select l.page_id from notion_sync.links l where l.mapping_id = v_map.mapping_id)
      and sp.page_id not in (select c.page_id from notion_sync.conflicts c
                             where c.mapping_id = v_map.mapping_id and c.status = 'open' and c.page_id is not null
                               and c.kind = 'ambiguous' and c.details ->> 'stage' = 'batch')
  ),
  records as (
    select u.record_key, u.title, u.title_norm from unnest(v_keys, v_titles, v_norms) as u(record_key, title, title_norm)
  ),
  pairs as (
    select p.page_id, r.record_key, r.title as record_title
    from pages p join records r on r.title_norm = p.title_norm
  ),
  claims as (  -- the pages claiming each record (the first 10 shown)
    select e.record_key, count(*) as n_pages, (array_agg(e.page_id order by e.page_id))[1:10] as pages
    from pairs e group by e.record_key
  ),
  exact as (
    select e.*, cl.n_pages, cl.pages as claimed_by,
           count(*) over (partition by e.page_id) as n_records,
           row_number() over (partition by e.page_id order by e.record_key) as n
    from pairs e join claims cl on cl.record_key = e.record_key
  ),
  verdicts as (
    select e.page_id, min(e.record_key) as record_key, count(*) as n_records,
           bool_and(e.n_records = 1 and e.n_pages = 1) as unique_match,
           case when count(*) > 1 then 'several_records' else 'record_claimed_by_several_pages' end as reason,
           jsonb_agg(jsonb_build_object('record_key', e.record_key, 'title', e.record_title, 'tier', 'exact_title',
                                        'confidence', 'high', 'claimed_by', to_jsonb(e.claimed_by))
                     order by e.record_key) filter (where e.n <= 10) as candidates
    from exact e
    group by e.page_id
  ),
  linked as (
    insert into notion_sync.links (mapping_id, page_id, owner_id, record_key, base)
    select v_map.mapping_id, v.page_id, v_run.owner_id, v.record_key, '{}'::jsonb
    from verdicts v where v.unique_match
    returning page_id
  ),
  flagged as (
    insert into notion_sync.conflicts as c (owner_id, mapping_id, run_id, kind, page_id, record_key, details)
    select v_run.owner_id, v_map.mapping_id, p_run_id, 'ambiguous', v.page_id,
           v.record_key,
           jsonb_build_object('stage', 'residue', 'reason', v.reason, 'title', p.title,
                              'candidate_count', v.n_records, 'candidates', v.candidates)
    from verdicts v join pages p on p.page_id = v.page_id
    where not v.unique_match
    on conflict (mapping_id, page_id) where status = 'open' and kind in ('match_review', 'ambiguous')
    do update set kind = excluded.kind, run_id = excluded.run_id, record_key = excluded.record_key,
                  details = excluded.details
      where (c.kind, c.record_key, c.details) is distinct from (excluded.kind, excluded.record_key, excluded.details)
  ),
  dismissed as (  -- a page now linked, or a residue ambiguity whose exact candidates are gone
    update notion_sync.conflicts c
    set status = 'dismissed', resolved_at = now(),
        resolution = jsonb_build_object('by', 'match', 'reason',
          case when c.page_id in (select v.page_id from verdicts v where v.unique_match) then 'linked'
               else 'no_candidates' end)
    where c.mapping_id = v_map.mapping_id and c.status = 'open' and c.kind in ('match_review', 'ambiguous')
      and (c.page_id in (select v.page_id from verdicts v where v.unique_match)
           or (c.kind = 'ambiguous' and c.details ->> 'stage' = 'residue'
               and c.page_id in (select p.page_id from pages p)
               and c.page_id not in (select v.page_id from verdicts v)))
    returning c.conflict_id
  )
  select jsonb_build_object(
    'pages', (select count(*) from pages),
    'linked', (select count(*) from linked),
    'ambiguous', (select count(*) from verdicts v where not v.unique_match),
    'dismissed', (select count(*) from dismissed))
  into v_exact;

  -- 2. trigram similarity, for the pages without an exact candidate → review, never a link;
  -- candidates: the residue records step 1 did not link
  v_records := cardinality(v_keys);
  select coalesce(array_agg(u.record_key order by u.record_key), '{}'),
         coalesce(array_agg(u.title order by u.record_key), '{}'),
         coalesce(array_agg(u.title_norm order by u.record_key), '{}')
  into v_keys, v_titles, v_norms
  from unnest(v_keys, v_titles, v_norms) as u(record_key, title, title_norm)
  where u.record_key not in (select l.record_key from notion_sync.links l where l.mapping_id = v_map.mapping_id);

  with pages as (
    select sp.page_id, notion_sync.page_title(sp.raw) as title
    from notion_sync.staged_pages sp
    where sp.mapping_id = v_map.mapping_id and sp.seen_in_run = p_run_id and not sp.in_trash
      and sp.page_id not in (select l.page_id from notion_sync.links l where l.mapping_id = v_map.mapping_id)
      and sp.page_id not in (select c.page_id from notion_sync.conflicts c  -- held by step 1 or tier 0
                             where c.mapping_id = v_map.mapping_id and c.status = 'open' and c.page_id is not null
                               and c.kind = 'ambiguous')
  ),
  records as (
    select u.record_key, u.title from unnest(v_keys, v_titles) as u(record_key, title)
  ),
  similar_pairs as (
    select tc.page_id, tc.record_key, r.title as record_title, tc.similarity,
           row_number() over (partition by tc.page_id order by tc.similarity desc, tc.record_key) as n,
           count(*) over (partition by tc.page_id) as n_records
    from notion_sync.title_candidates(p_run_id, v_keys, v_norms) tc
    join pages p on p.page_id = tc.page_id
    join records r on r.record_key = tc.record_key
  ),
  reviews as (
    select s.page_id, (array_agg(s.record_key order by s.similarity desc, s.record_key))[1] as record_key,
           max(s.n_records) as n_records,
           jsonb_agg(jsonb_build_object('record_key', s.record_key, 'title', s.record_title,
                                        'similarity', round(s.similarity::numeric, 3),
                                        'confidence', case when s.similarity >= 0.8 then 'medium' else 'low' end,
                                        'tier', 'similar_title')
                     order by s.similarity desc, s.record_key) as candidates
    from similar_pairs s
    where s.n <= 5
    group by s.page_id
  ),
  flagged as (
    insert into notion_sync.conflicts as c (owner_id, mapping_id, run_id, kind, page_id, record_key, details)
    select v_run.owner_id, v_map.mapping_id, p_run_id, 'match_review', rv.page_id,
           rv.record_key,
           jsonb_build_object('stage', 'residue', 'title', p.title, 'threshold', v_map.match_threshold,
                              'candidate_count', rv.n_records, 'candidates', rv.candidates)
    from reviews rv join pages p on p.page_id = rv.page_id
    on conflict (mapping_id, page_id) where status = 'open' and kind in ('match_review', 'ambiguous')
    do update set kind = excluded.kind, run_id = excluded.run_id, record_key = excluded.record_key,
                  details = excluded.details
      where (c.kind, c.record_key, c.details) is distinct from (excluded.kind, excluded.record_key, excluded.details)
  ),
  dismissed as (  -- residue questions whose candidates are gone
    update notion_sync.conflicts c
    set status = 'dismissed', resolved_at = now(), resolution = '{"by": "match", "reason": "no_candidates"}'::jsonb
    where c.mapping_id = v_map.mapping_id and c.status = 'open' and c.kind = 'match_review'
      and c.details ->> 'stage' = 'residue'
      and c.page_id in (select p.page_id from pages p)
      and c.page_id not in (select rv.page_id from reviews rv)
    returning c.conflict_id
  )
  select jsonb_build_object(
    'review', (select count(*) from reviews),
    'unmatched', (select count(*) from pages p where p.page_id not in (select rv.page_id from reviews rv)),
    'dismissed', (select count(*) from dismissed))
  into v_similar;

  update notion_sync.runs r set heartbeat_at = now() where r.run_id = p_run_id and r.status = 'running';
  return jsonb_build_object(
    'pages', (v_exact ->> 'pages')::int,
    'records', v_records,
    'linked', (v_exact ->> 'linked')::int,
    'ambiguous', (v_exact ->> 'ambiguous')::int,
    'review', (v_similar ->> 'review')::int,
    'unmatched', (v_similar ->> 'unmatched')::int,
    'dismissed', (v_exact ->> 'dismissed')::int + (v_similar ->> 'dismissed')::int);
end
$$;
comment on function notion_sync_api.match_residue(uuid) is
  'Residue matching after a completed full scan: exact normalized title (unique → link, else '
  'ambiguous), then trigram similarity → match_review (medium ≥ 0.8, low below). Returns counts. '
  'Authenticated. Raises P0002 (no such run), 55000 (no completed full scan).';
revoke execute on function notion_sync_api.match_residue(uuid) from public;
grant execute on function notion_sync_api.match_residue(uuid) to authenticated;
