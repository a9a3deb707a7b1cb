-- Normalized titles only for the pages residue matching compares (issue #4: staging cost). Only
-- match_residue reads title_norm (exact titles, then the trigram index), and only for the pages
-- of a completed full scan that have no link. Staging computed it for every new or edited page
-- and entered it into the trigram index: 3-4 ms of a first staging's 22 for 100 pages (the title's
-- jsonpath and normalization, about 2.3 ms; the index entries, about 1.5 ms), paid again at each
-- edit of a page that is linked and never matched by title again.
--   * stage_pages no longer writes title_norm (redefined below: the 20261126001500 body without
--     it);
--   * a write of a page's properties clears its title_norm (a trigger, for every writer of raw),
--     so a normalized title is never stale; a write that leaves the properties as they were
--     (a trash flag, a last edit time) keeps it;
--   * match_residue first fills title_norm for the pages it is about to compare (the run's pages
--     without a link and not in trash that lack it, when records without a link are left to
--     compare them with), in one statement, then matches as before: the old function is now
--     notion_sync.match_residue_titles, and match_residue wraps it.

-- title_norm: cleared when the properties change, filled by match_residue -------------------------
drop trigger staged_pages_set_title_norm on notion_sync.staged_pages;
drop trigger staged_pages_reset_title_norm on notion_sync.staged_pages;
drop function notion_sync.set_title_norm();

-- BEFORE UPDATE OF raw row trigger of staged_pages (only for a row with a normalized title whose
-- writer left it as it was and changed the properties): the normalized title may be stale.
create function notion_sync.clear_title_norm()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  new.title_norm := null;
  return new;
end
$$;
comment on function notion_sync.clear_title_norm() is
  'BEFORE UPDATE OF raw row trigger of staged_pages: clears title_norm when the properties '
  'changed and the writer kept title_norm (match_residue fills it again). Trigger only.';
revoke execute on function notion_sync.clear_title_norm() from public;
create trigger staged_pages_clear_title_norm
  before update of raw on notion_sync.staged_pages
  for each row when (old.title_norm is not null
                     and new.title_norm is not distinct from old.title_norm
                     and new.raw -> 'properties' is distinct from old.raw -> 'properties')
  execute function notion_sync.clear_title_norm();

comment on column notion_sync.staged_pages.title_norm is
  'The page''s title normalized for matching (normalize_title of its raw title), trigram-indexed. '
  'Null until match_residue fills it for a page it compares (a page of a completed full scan '
  'without a link); cleared when the page''s properties are written again.';

-- Pages of the run's mapping that residue matching will compare and that have no normalized title
-- yet get one, in one statement (about 30 µs a page), unless no record is left to compare them
-- with. The caller's rows only (RLS). Authenticated; raises 42P01 / 42703 as match_records does
-- (a missing table or configured column); an unknown run fills nothing.
create function notion_sync.fill_residue_titles(p_run_id uuid)
returns integer
language plpgsql
security invoker
set search_path = ''
set work_mem = '64MB'
as $$
declare
  v_mapping_id uuid := (select r.mapping_id from notion_sync.runs r where r.run_id = p_run_id);
  v_filled integer;
begin
  -- nothing to compare them with (a first import into an empty table): no titles
  if v_mapping_id is null
     or not exists (select from notion_sync.match_records(v_mapping_id, 'residue')) then
    return 0;
  end if;
  -- `not in` (a hashed subplan, work_mem raised so it fits), as in the residue's own queries: links
  -- may be minutes old and without statistics
  update notion_sync.staged_pages sp
  set title_norm = notion_sync.normalize_title(notion_sync.page_title(sp.raw))
  where sp.mapping_id = v_mapping_id and sp.seen_in_run = p_run_id and not sp.in_trash
    and sp.title_norm is null
    and sp.page_id not in (select l.page_id from notion_sync.links l where l.mapping_id = v_mapping_id);
  get diagnostics v_filled = row_count;
  return v_filled;
end
$$;
comment on function notion_sync.fill_residue_titles(uuid) is
  'Sets title_norm for the run''s staged pages without a link, not in trash, that lack it, when '
  'the mapping has residue records; returns how many. Authenticated; raises 42P01, 42703.';
revoke execute on function notion_sync.fill_residue_titles(uuid) from public;
grant execute on function notion_sync.fill_residue_titles(uuid) to authenticated;

-- match_residue: fill the titles, then match ------------------------------------------------------
alter function notion_sync_api.match_residue(uuid) set schema notion_sync;
alter function notion_sync.match_residue(uuid) rename to match_residue_titles;
comment on function notion_sync.match_residue_titles(uuid) is
  'The matching of notion_sync_api.match_residue, on the normalized titles staged_pages holds '
  '(match_residue fills them first). Authenticated; raises P0002 (no such run), 55000 (no '
  'completed full scan).';

create function notion_sync_api.match_residue(p_run_id uuid)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
begin
  perform notion_sync.fill_residue_titles(p_run_id);
  return notion_sync.match_residue_titles(p_run_id);
end
$$;
comment on function notion_sync_api.match_residue(uuid) is
  'Residue matching after a completed full scan: exact normalized title (unique → link, else '
  'ambiguous), then trigram similarity → match_review (medium ≥ 0.8, low below). Returns counts. '
  'Authenticated. Raises P0002 (no such run), 55000 (no completed full scan).';
revoke execute on function notion_sync_api.match_residue(uuid) from public;
grant execute on function notion_sync_api.match_residue(uuid) to authenticated;

-- stage_pages without title_norm -------------------------------------------------------------------
create or replace function notion_sync_api.stage_pages(p_run_id uuid, p_pages jsonb, p_properties_md5 text[] default null)
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
    mapping_id, page_id, owner_id, raw, properties_hash, mapped_values, values_hash,
    last_edited_time, in_trash, seen_in_run, changed_in_run)
  select v_map.mapping_id, i.page_id, v_map.owner_id, i.raw, i.properties_hash, i.mapped_values, md5(i.mapped_values::text || i.in_trash::text), i.last_edited_time,
         i.in_trash, p_run_id, p_run_id
  from incoming i
  on conflict (mapping_id, page_id) do update
    set seen_in_run = excluded.seen_in_run,
        raw = excluded.raw,
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
