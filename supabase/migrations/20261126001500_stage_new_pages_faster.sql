-- Staging new pages faster (issue #4). Unchanged pages already cost a few milliseconds a batch
-- (20261126001400); a batch of new or edited pages cost 20-60 ms of SQL. Where it went, and what
-- changes:
--   * the trigram index on title_norm, written entry by entry (fastupdate off): 10-20 ms. It now
--     collects new entries in its pending list, which is merged in bulk (about ten times cheaper a
--     title) when it fills, by vacuum, or, before any probe, by title_candidates itself, so a probe
--     never reads an unmerged list (the reason fastupdate was off);
--   * reading the batch's JSON four times (json input, json_array_elements, json_to_record, then
--     the jsonb cast): stage_pages takes jsonb again, parsed once. The properties hash the
--     retrieve function compares (the md5 of the JSON text it sent) comes along as
--     p_properties_md5; without it Postgres hashes the properties' jsonb text;
--   * finding each mapped property by a scan of all of the page's properties (copying every value,
--     long texts included): it is looked up by its name first, by id only when it was renamed;
--   * the row trigger that set title_norm from the raw page (2-3 ms a batch: row by row, the same
--     expression costs about twice what it costs inside the insert's query):
--     stage_pages now sets title_norm itself, and the trigger runs only for a writer that leaves
--     it null (insert) or unchanged (update of raw);
--   * page_title, the same scan of every property: a jsonpath query now.

-- the trigram index: a pending list, merged before it is probed --------------------------------
alter index notion_sync.staged_pages_title_norm_trgm_idx set (fastupdate = on);

alter function notion_sync.title_candidates(uuid, text[], text[]) rename to probe_title_index;
comment on function notion_sync.probe_title_index(uuid, text[], text[]) is
  'Pages of the caller''s run similar in title to the given records, by the trigram index as it '
  'is (call title_candidates, which merges the index''s pending list first). Authenticated; '
  'raises P0002 (not the caller''s run), 22023.';

-- Merges the trigram index's pending list (new titles, entered in bulk; a probe would otherwise
-- read all of it once per record), then probes it. security definer: only the index's owner may
-- merge it. Authenticated; raises what probe_title_index raises.
create function notion_sync.title_candidates(p_run_id uuid, p_record_keys text[], p_title_norms text[])
returns table (page_id text, record_key text, similarity real)
language plpgsql
security definer
set search_path = ''
as $$
begin
  perform pg_catalog.gin_clean_pending_list('notion_sync.staged_pages_title_norm_trgm_idx'::pg_catalog.regclass);
  return query select * from notion_sync.probe_title_index(p_run_id, p_record_keys, p_title_norms);
end
$$;
comment on function notion_sync.title_candidates(uuid, text[], text[]) is
  'Pages of the caller''s run similar in title to the given records (trigram index, the '
  'mapping''s match_threshold), after merging the index''s pending list. Authenticated; raises '
  'P0002 (not the caller''s run), 22023. security definer: merging needs the index''s owner.';
revoke execute on function notion_sync.title_candidates(uuid, text[], text[]) from public;
grant execute on function notion_sync.title_candidates(uuid, text[], text[]) to authenticated;

-- page_title and mapped_canonical without a scan of every property -----------------------------
create or replace function notion_sync.page_title(p_raw jsonb)
returns text
language sql
immutable
parallel safe
set search_path = ''
as $$
  select string_agg(coalesce(t ->> 'plain_text', t -> 'text' ->> 'content'), '')
  from pg_catalog.jsonb_path_query(
    p_raw, 'strict $.properties.* ? (@.type == "title").title[*] ? (@.type() == "object")', '{}', true) t
$$;

create or replace function notion_sync.mapped_canonical(p_field_map jsonb, p_properties jsonb)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select coalesce(jsonb_object_agg(f ->> 'column', notion_sync.notion_to_canonical(
           case when p_properties -> (f ->> 'name') ->> 'id' = f ->> 'property_id'
                then p_properties -> (f ->> 'name')
                else (select e.value from jsonb_each(p_properties) e
                      where e.value ->> 'id' = f ->> 'property_id' limit 1) end)), '{}'::jsonb)
  from jsonb_array_elements(p_field_map) f
$$;

-- title_norm: set by the writer of raw, else by the trigger ---------------------------------------
drop trigger staged_pages_set_title_norm on notion_sync.staged_pages;
create trigger staged_pages_set_title_norm
  before insert on notion_sync.staged_pages
  for each row when (new.title_norm is null)
  execute function notion_sync.set_title_norm();
create trigger staged_pages_reset_title_norm
  before update of raw on notion_sync.staged_pages
  for each row when (new.title_norm is not distinct from old.title_norm)
  execute function notion_sync.set_title_norm();
comment on function notion_sync.set_title_norm() is
  'Row trigger of staged_pages: sets title_norm from raw on an insert that leaves it null and an '
  'update of raw that leaves it unchanged. Trigger only.';
comment on column notion_sync.staged_pages.title_norm is
  'The page''s title normalized for matching (normalize_title of its raw title): written with raw '
  'by stage_pages, else set by a trigger when a writer of raw leaves it null or unchanged; '
  'trigram-indexed.';

-- stage_pages: jsonb, parsed once ----------------------------------------------------------------
drop function notion_sync_api.stage_pages(uuid, json);
create function notion_sync_api.stage_pages(p_run_id uuid, p_pages jsonb, p_properties_md5 text[] default null)
returns integer
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_digests notion_sync.page_digest[];
  v_rest text[];
  v_map notion_sync.mappings;
  v_twice text;
begin
  if jsonb_typeof(p_pages) is distinct from 'array' or jsonb_array_length(p_pages) > 100 then
    raise exception 'p_pages must be a JSON array of at most 100 pages' using errcode = '22023';
  end if;
  if p_properties_md5 is not null and cardinality(p_properties_md5) <> jsonb_array_length(p_pages)
     or exists (select from unnest(p_properties_md5) h where h is null or h !~ '^[0-9a-f]{32}$') then
    raise exception 'p_properties_md5 must hold one md5 (32 lowercase hex digits) per page, in the '
      'order of p_pages: the md5 of the JSON text of the page''s properties' using errcode = '22023';
  end if;
  select array_agg(row(notion_sync.notion_id(e.value ->> 'id'),
                       case when jsonb_typeof(e.value -> 'properties') = 'object'
                            then coalesce(p_properties_md5[e.ordinality], md5((e.value -> 'properties')::text)) end,
                       (e.value ->> 'last_edited_time')::timestamptz,
                       coalesce((e.value ->> 'in_trash')::boolean, (e.value ->> 'archived')::boolean, false)
                  )::notion_sync.page_digest order by e.ordinality)
  into v_digests
  from jsonb_array_elements(p_pages) with ordinality e;
  select d.page_id into v_twice from unnest(v_digests) d group by d.page_id having count(*) > 1 limit 1;
  if v_twice is not null then
    raise exception 'p_pages holds page % more than once', v_twice using errcode = '22023';
  end if;
  v_rest := notion_sync.stage_unchanged(p_run_id, coalesce(v_digests, '{}'));
  if cardinality(v_rest) = 0 then
    return coalesce(cardinality(v_digests), 0);
  end if;
  select m.* into v_map
  from notion_sync.runs r join notion_sync.mappings m on m.mapping_id = r.mapping_id
  where r.run_id = p_run_id;

  -- materialized: each page is converted once (an inlined CTE repeats the expression at every use
  -- of its column)
  with incoming as materialized (
    -- values are converted only when the page's properties changed since they were staged
    select d.page_id, p.raw, d.properties_hash, d.last_edited_time, d.in_trash,
           case when old.properties_hash = d.properties_hash then old.mapped_values
                else notion_sync.mapped_canonical(v_map.field_map, p.raw -> 'properties')
           end as mapped_values
    from unnest(v_digests) with ordinality d
    cross join lateral (select p_pages -> (d.ordinality::integer - 1) as raw) p
    left join lateral (  -- a primary-key probe per page, as in stage_unchanged
      select o.properties_hash, o.mapped_values from notion_sync.staged_pages o
      where o.mapping_id = v_map.mapping_id and o.page_id = d.page_id
      limit 1) old on true
    where d.page_id = any (v_rest)
  )
  insert into notion_sync.staged_pages as s (
    mapping_id, page_id, owner_id, raw, title_norm, properties_hash, mapped_values, values_hash,
    last_edited_time, in_trash, seen_in_run, changed_in_run)
  select v_map.mapping_id, i.page_id, v_map.owner_id, i.raw, notion_sync.normalize_title(notion_sync.page_title(i.raw)),
         i.properties_hash, i.mapped_values, md5(i.mapped_values::text || i.in_trash::text), i.last_edited_time,
         i.in_trash, p_run_id, p_run_id
  from incoming i
  on conflict (mapping_id, page_id) do update
    set seen_in_run = excluded.seen_in_run,
        raw = excluded.raw,
        title_norm = excluded.title_norm,
        properties_hash = excluded.properties_hash,
        mapped_values = excluded.mapped_values,
        last_edited_time = excluded.last_edited_time,
        in_trash = excluded.in_trash,
        changed_in_run = case when s.values_hash = excluded.values_hash
                              then s.changed_in_run else excluded.changed_in_run end,
        values_hash = excluded.values_hash,
        staged_at = case when s.values_hash = excluded.values_hash then s.staged_at else now() end;

  update notion_sync.runs r set retrieved = r.retrieved + cardinality(v_rest) where r.run_id = p_run_id;
  return cardinality(v_digests);
end
$$;
comment on function notion_sync_api.stage_pages(uuid, jsonb, text[]) is
  'Stages up to 100 Notion pages for a running run of the caller: one row per page with the raw '
  'page, canonical values keyed by column and their hash (a new hash marks the page changed); a '
  'page whose properties hash, trash flag and last edit time are as staged is only marked seen. '
  'p_properties_md5: the md5 of each page''s properties as the caller sent them (what '
  'pages_to_stage compares); when null, the md5 of their jsonb text. Returns the number of pages. '
  'Authenticated. Raises P0002 (no such run), 55000 (run not running), 22023 (not an array of at '
  'most 100 pages, a page twice, a page without id, last_edited_time or properties object, or '
  'p_properties_md5 not one md5 per page).';
revoke execute on function notion_sync_api.stage_pages(uuid, jsonb, text[]) from public;
grant execute on function notion_sync_api.stage_pages(uuid, jsonb, text[]) to authenticated;
