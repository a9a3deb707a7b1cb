-- Matching respects natural keys and a person's "skip".
--
-- 1. Natural keys are compared as the column holds them. match_batch compared a page's natural
--    key as Notion's text ("TASK-12" for a unique ID, "2026-11-26T10:00:00.000+02:00" for a date)
--    with the record's column as Postgres writes it (12; "2026-11-26T08:00:00+00:00"), so a unique
--    ID mapped to an integer column, or a date to a timestamptz column, never matched: the page
--    became a second record, or was linked by a title guess. A page's value is now converted into
--    the column's type first (canonical_to_column, as reconcile writes it), then compared as the
--    record's value is (match_records: normalize_key of its JSON text). The record side is
--    unchanged, so no per-row work is added to the scan of the table.
-- 2. Residue matching no longer pairs a page and a record whose natural keys differ. Both had a
--    value and they were not equal, so they are different things; an exact title linked them
--    anyway (the next reconcile then asked about, or overwrote, one with the other) and a similar
--    title put them up for review. A side without a natural-key value is still matched by title.
--    A page's key is converted once per step, for the pages paired with a record that has a key,
--    not once per pair: the conversion runs in a subtransaction (about 0.14 ms), and 300 pages and
--    300 records of alike titles (90,000 candidate pairs) took 12.5 s per pair, 1.1 s per page.
-- 3. A match question a person skipped is not asked again. Skip on a match_review or ambiguous
--    question means "not this record" (merge with a record_key is the answer that links): its
--    pairs are remembered through the dismissed conflict, and matching leaves them out. So the
--    next full scan no longer asks the same question again, holding the page and the record
--    (reconcile holds what an open question names) run after run; they are unmatched, and
--    follow the rules for unmatched pages and records (a new record, a new page). A record that
--    was not among the candidates the person saw still makes a new question. A skip at a
--    title stage does not outweigh a natural key that matches later (stronger evidence than what
--    the person was shown); a skip at the natural-key stage also holds for titles.
--    Before this migration Skip on these questions meant "ask again later" (the web client offered
--    a plain Skip), so the skips already given are not read as "not this record": this migration
--    marks them (resolution "meant": "ask again") and matching ignores the marked ones; their
--    pages are asked about again at the next full scan, as before, instead of each becoming a
--    second record and a second page.
--
-- match_batch and match_residue_titles are redefined whole: the comparisons changed sit inside
-- their single statements and cannot be reached by a wrapper. Their bodies are the current ones
-- (20261126000600, 20261126001700) with only these changes.

-- The natural key of a page's value (its staged canonical value of a property of this type),
-- written as match_records writes a record's: the value converted into the column's type, as
-- reconcile would write it, then normalize_key of its JSON text. Null when the value is empty or
-- the column cannot hold it (such a page matches no record by its key). Stable (the text of a
-- timestamptz follows the session's time zone, on both sides alike); any caller; raises nothing.
create function notion_sync.page_natural_key(p_value jsonb, p_property_type text, p_column_type regtype)
returns text
language plpgsql
stable
set search_path = ''
as $$
declare
  v_value jsonb;
  v_class text;
begin
  if p_value is null or p_value = 'null'::jsonb or p_column_type is null then
    return null;
  end if;
  begin
    v_value := notion_sync.canonical_to_column(p_property_type, p_value, p_column_type);
    if v_value is null or v_value = 'null'::jsonb then
      return null;
    end if;
    v_class := notion_sync.column_class(p_column_type);
    -- through the column's own type, so the text is the one to_jsonb gives a record's value
    v_value := case v_class
      when 'timestamptz' then to_jsonb((v_value #>> '{}')::timestamptz)
      when 'timestamp' then to_jsonb((v_value #>> '{}')::timestamp)
      when 'date' then to_jsonb((v_value #>> '{}')::date)
      when 'uuid' then to_jsonb((v_value #>> '{}')::uuid)
      when 'float' then case when p_column_type = 'real'::regtype then to_jsonb((v_value #>> '{}')::real)
                             else to_jsonb((v_value #>> '{}')::double precision) end
      else v_value
    end;
  exception when data_exception or datatype_mismatch then
    return null;
  end;
  return notion_sync.normalize_key(notion_sync.match_text(v_value));
end
$$;
comment on function notion_sync.page_natural_key(jsonb, text, regtype) is
  'Natural key of a page''s canonical value, converted into the column''s type and written as '
  'match_records writes a record''s. Null when empty or the column cannot hold it. Any caller; raises nothing.';
revoke execute on function notion_sync.page_natural_key(jsonb, text, regtype) from public;
grant execute on function notion_sync.page_natural_key(jsonb, text, regtype) to authenticated, service_role;

-- The match questions skipped so far were skipped when Skip meant "ask again later": marked, so
-- that skipped_matches does not take them for "not this record" (which would make the page a new
-- record and the record a new page, where the person only put the question off).
update notion_sync.conflicts c
set resolution = c.resolution || '{"meant": "ask again"}'::jsonb
where c.status = 'dismissed' and c.kind in ('match_review', 'ambiguous') and (c.resolution ->> 'action') = 'skip';

-- Skipped match questions are looked up by mapping and page at every batch: a small index of them.
create index conflicts_skipped_matches_idx on notion_sync.conflicts (mapping_id, page_id)
  where status = 'dismissed' and kind in ('match_review', 'ambiguous') and (resolution ->> 'action') = 'skip'
    and (resolution ->> 'meant') is null;

-- The (page, record) pairs of a mapping's match questions a person skipped: the records each page
-- is not. For 'batch' (natural key and stored page id) only the questions asked at that stage; for
-- 'residue' (titles) all of them. Skips marked "meant": "ask again" (given before Skip meant "not
-- this record") are left out: they only put the question off. Under RLS: the caller's own
-- conflicts. Authenticated; raises nothing.
create function notion_sync.skipped_matches(p_mapping_id uuid, p_stage text)
returns table (page_id text, record_key text)
language sql
stable
rows 10
set search_path = ''
as $$
  select c.page_id, e.value ->> 'record_key'
  from notion_sync.conflicts c
  cross join lateral jsonb_array_elements(case when jsonb_typeof(c.details -> 'candidates') = 'array'
                                               then c.details -> 'candidates' else '[]'::jsonb end) e
  where c.mapping_id = p_mapping_id and c.status = 'dismissed' and c.kind in ('match_review', 'ambiguous')
    and (c.resolution ->> 'action') = 'skip' and (c.resolution ->> 'meant') is null and c.page_id is not null
    and (p_stage = 'residue' or c.details ->> 'stage' = 'batch')
$$;
comment on function notion_sync.skipped_matches(uuid, text) is
  'The page/record pairs of the match questions a person skipped (batch: natural-key stage only; '
  'residue: all), skips marked "meant": "ask again" left out. Authenticated.';
revoke execute on function notion_sync.skipped_matches(uuid, text) from public;
grant execute on function notion_sync.skipped_matches(uuid, text) to authenticated;

-- Tier 0 matching: a page's natural key in its column's type (page_natural_key), skipped pairs left out.
create or replace function notion_sync_api.match_batch(p_run_id uuid, p_page_ids text[] default null)
returns jsonb
language plpgsql
set search_path = ''
set work_mem = '64MB'
as $$
declare
  v_run notion_sync.runs;
  v_map notion_sync.mappings;
  v_nk_prop text;
  v_nk_type text;
  v_nk_column_type regtype;
  v_page_keys text[];
  v_natural_keys text[];
  v_nk_by_page jsonb;
  v_result jsonb;
begin
  select * into v_run from notion_sync.runs r where r.run_id = p_run_id;
  if not found then
    raise exception 'run % not found', p_run_id using errcode = 'P0002';
  end if;
  select * into v_map from notion_sync.mappings m where m.mapping_id = v_run.mapping_id;
  v_nk_prop := v_map.natural_key ->> 'property_id';
  -- the natural key's property type and column type: a page's value is compared as the column
  -- would hold it (null when the key is not a mapped field: then as text, as before)
  if v_nk_prop is not null then
    select f.property_type, f.column_type into v_nk_type, v_nk_column_type
    from notion_sync.mapping_fields(v_map.mapping_id) f
    where f.property_id = v_nk_prop and f.field = v_map.natural_key ->> 'column';
  end if;

  -- what the batch's pages could be matched by, to read only those records (natural keys by page,
  -- computed once)
  select array_agg(notion_sync.page_key(sp.page_id)) filter (where v_map.page_id_column is not null),
         jsonb_object_agg(sp.page_id,
                          case when v_nk_column_type is not null
                               then notion_sync.page_natural_key(sp.mapped_values -> (v_map.natural_key ->> 'column'),
                                                                 v_nk_type, v_nk_column_type)
                               else notion_sync.normalize_key(
                                      notion_sync.property_text(notion_sync.page_property(sp.raw, v_nk_prop)))
                          end)
           filter (where v_nk_prop is not null and not sp.in_trash)
  into v_page_keys, v_nk_by_page
  from notion_sync.staged_pages sp
  where sp.mapping_id = v_map.mapping_id and sp.seen_in_run = p_run_id
    and (p_page_ids is null or sp.page_id = any (p_page_ids))
    and sp.page_id not in (select l.page_id from notion_sync.links l
                           where l.mapping_id = v_map.mapping_id and (p_page_ids is null or l.page_id = any (p_page_ids)));
  v_natural_keys := case when v_nk_by_page is not null
                         then array(select e.value from jsonb_each_text(v_nk_by_page) e) end;

  with batch as (
    select sp.page_id, sp.in_trash, notion_sync.page_key(sp.page_id) as page_key,
           notion_sync.page_title(sp.raw) as title,
           v_nk_by_page ->> sp.page_id as natural_key
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
  skipped as (  -- the records a person said a page is not, when asked at this tier
    select s.page_id, s.record_key from notion_sync.skipped_matches(v_map.mapping_id, 'batch') s
  ),
  candidates as (
    select c.* from (
      select b.page_id, r.record_key, r.title as record_title, r.linked_page_id, 1 as rank, 'stored_page_id' as tier
      from batch b join records r on r.page_key = b.page_key
      union all
      select b.page_id, r.record_key, r.title, r.linked_page_id, 2, 'natural_key'
      from batch b join records r on r.natural_key_norm = b.natural_key
    ) c
    where not exists (select from skipped s where s.page_id = c.page_id and s.record_key = c.record_key)
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


-- Residue matching: pairs whose natural keys differ, and skipped pairs, left out of both steps.
create or replace function notion_sync.match_residue_titles(p_run_id uuid)
returns jsonb
language plpgsql
set search_path = ''
set work_mem = '64MB'
as $$
declare
  v_run notion_sync.runs;
  v_map notion_sync.mappings;
  v_keys text[];
  v_titles text[];
  v_norms text[];
  v_nks text[];
  v_nk_column text;
  v_nk_type text;
  v_nk_column_type regtype;
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
  -- the natural key, compared as in match_batch: a page and a record that both have one, and
  -- different ones, are different things, however alike their titles
  if v_map.natural_key is not null then
    select f.field, f.property_type, f.column_type into v_nk_column, v_nk_type, v_nk_column_type
    from notion_sync.mapping_fields(v_map.mapping_id) f
    where f.property_id = v_map.natural_key ->> 'property_id' and f.field = v_map.natural_key ->> 'column';
  end if;

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
         coalesce(array_agg(r.title_norm order by r.record_key), '{}'),
         coalesce(array_agg(r.natural_key_norm order by r.record_key), '{}')
  into v_keys, v_titles, v_norms, v_nks
  from notion_sync.match_records(v_map.mapping_id, 'residue') r
  where r.record_key not in (select h.record_key from held h where h.record_key is not null);

  -- 1. exact normalized title
  with pages as (
    select sp.page_id, sp.title_norm, notion_sync.page_title(sp.raw) as title,
           sp.mapped_values -> v_nk_column as natural_key_value
    from notion_sync.staged_pages sp
    where sp.mapping_id = v_map.mapping_id and sp.seen_in_run = p_run_id and not sp.in_trash
      and sp.page_id not in (select l.page_id from notion_sync.links l where l.mapping_id = v_map.mapping_id)
      and sp.page_id not in (select c.page_id from notion_sync.conflicts c
                             where c.mapping_id = v_map.mapping_id and c.status = 'open' and c.page_id is not null
                               and c.kind = 'ambiguous' and c.details ->> 'stage' = 'batch')
  ),
  records as (
    select u.record_key, u.title, u.title_norm, u.natural_key
    from unnest(v_keys, v_titles, v_norms, v_nks) as u(record_key, title, title_norm, natural_key)
  ),
  skipped as (  -- the records a person said a page is not
    select s.page_id, s.record_key from notion_sync.skipped_matches(v_map.mapping_id, 'residue') s
  ),
  titled as materialized (  -- the pages and records of the same title, skipped pairs left out
    select p.page_id, p.natural_key_value, r.record_key, r.title as record_title, r.natural_key
    from pages p join records r on r.title_norm = p.title_norm
    where not exists (select from skipped s where s.page_id = p.page_id and s.record_key = r.record_key)
  ),
  page_keys as materialized (  -- each page's natural key once (page_natural_key costs a subtransaction),
                               -- for the pages paired with a record that has one
    select k.page_id, notion_sync.page_natural_key(k.natural_key_value, v_nk_type, v_nk_column_type) as natural_key
    from (select distinct on (t.page_id) t.page_id, t.natural_key_value from titled t
          where t.natural_key is not null and v_nk_column_type is not null order by t.page_id) k
  ),
  pairs as (  -- different things when both have a natural key and the keys differ
    select t.page_id, t.record_key, t.record_title
    from titled t left join page_keys k on k.page_id = t.page_id
    where t.natural_key is null or k.natural_key is null or k.natural_key = t.natural_key
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
         coalesce(array_agg(u.title_norm order by u.record_key), '{}'),
         coalesce(array_agg(u.natural_key order by u.record_key), '{}')
  into v_keys, v_titles, v_norms, v_nks
  from unnest(v_keys, v_titles, v_norms, v_nks) as u(record_key, title, title_norm, natural_key)
  where u.record_key not in (select l.record_key from notion_sync.links l where l.mapping_id = v_map.mapping_id);

  with pages as (
    select sp.page_id, notion_sync.page_title(sp.raw) as title, sp.mapped_values -> v_nk_column as natural_key_value
    from notion_sync.staged_pages sp
    where sp.mapping_id = v_map.mapping_id and sp.seen_in_run = p_run_id and not sp.in_trash
      and sp.page_id not in (select l.page_id from notion_sync.links l where l.mapping_id = v_map.mapping_id)
      and sp.page_id not in (select c.page_id from notion_sync.conflicts c  -- held by step 1 or tier 0
                             where c.mapping_id = v_map.mapping_id and c.status = 'open' and c.page_id is not null
                               and c.kind = 'ambiguous')
  ),
  records as (
    select u.record_key, u.title, u.natural_key from unnest(v_keys, v_titles, v_nks) as u(record_key, title, natural_key)
  ),
  skipped as (
    select s.page_id, s.record_key from notion_sync.skipped_matches(v_map.mapping_id, 'residue') s
  ),
  candidates as materialized (
    select tc.page_id, tc.record_key, r.title as record_title, tc.similarity, p.natural_key_value, r.natural_key
    from notion_sync.title_candidates(p_run_id, v_keys, v_norms) tc
    join pages p on p.page_id = tc.page_id
    join records r on r.record_key = tc.record_key
    where not exists (select from skipped s where s.page_id = tc.page_id and s.record_key = tc.record_key)
  ),
  page_keys as materialized (  -- as in step 1: once per page, not per candidate (a group of alike
                               -- titles makes pages × records candidates)
    select k.page_id, notion_sync.page_natural_key(k.natural_key_value, v_nk_type, v_nk_column_type) as natural_key
    from (select distinct on (c.page_id) c.page_id, c.natural_key_value from candidates c
          where c.natural_key is not null and v_nk_column_type is not null order by c.page_id) k
  ),
  similar_pairs as (
    select c.page_id, c.record_key, c.record_title, c.similarity,
           row_number() over (partition by c.page_id order by c.similarity desc, c.record_key) as n,
           count(*) over (partition by c.page_id) as n_records
    from candidates c left join page_keys k on k.page_id = c.page_id
    where c.natural_key is null or k.natural_key is null or k.natural_key = c.natural_key
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

