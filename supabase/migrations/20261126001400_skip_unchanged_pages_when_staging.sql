-- Staging in a few milliseconds (issue #4). A full scan re-reads every page, and most come back
-- unchanged, so their properties need not be sent, parsed, converted or rewritten: the retrieve
-- function first sends each page's digest (the md5 of the JSON text of its properties, exactly as
-- it will send them), `pages_to_stage` marks the unchanged pages seen by the run and names the
-- others, and only those are staged in full. stage_pages now takes `json`, not `jsonb`, so the
-- hash it stores is the md5 of the very text the function hashed (jsonb would re-serialize it).
-- Two rewrites the unchanged path must not pay for go too: title_norm stops being a generated
-- column (Postgres recomputes those on every update, even one that only marks a page seen, by
-- decompressing and walking the raw page) and is set by a trigger when raw is written; and raw is
-- compressed with lz4 where the server has it (several times faster than pglz to write).
-- Changing a mapping's field map forgets the staged properties hashes, so the next staging of each
-- page converts it again with the new map instead of keeping values staged under the old one.

alter table notion_sync.staged_pages alter column title_norm drop expression;
comment on column notion_sync.staged_pages.title_norm is
  'The page''s title normalized for matching (normalize_title of its raw title, set whenever raw is '
  'written); trigram-indexed.';
comment on column notion_sync.staged_pages.properties_hash is
  'md5 of the JSON text of the page''s properties as last staged (null: convert again). A page whose '
  'hash, trash flag and last edit time are unchanged is only marked seen.';

-- Marking a page seen must be an update in place (HOT), or it writes every index again, the
-- trigram index included. A raw page compresses to 1-3 KB, which Postgres keeps inside the row up
-- to 2 KB, so two or three rows filled a heap page: past 1 KB a row's raw page now goes to the
-- TOAST table. And a batch marks all the rows of a heap page in one transaction, while their old
-- versions still count: half of each page is left free for them (pruned again on the next visit).
alter table notion_sync.staged_pages set (toast_tuple_target = 1024, fillfactor = 50);
do $$
begin
  alter table notion_sync.staged_pages alter column raw set compression lz4;
exception when feature_not_supported then
  raise notice 'this server has no lz4: raw pages stay pglz-compressed';
end
$$;

-- BEFORE INSERT / UPDATE OF raw trigger of staged_pages: title_norm from the raw page.
create function notion_sync.set_title_norm()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  new.title_norm := notion_sync.normalize_title(notion_sync.page_title(new.raw));
  return new;
end
$$;
comment on function notion_sync.set_title_norm() is
  'BEFORE INSERT / UPDATE OF raw row trigger of staged_pages: sets title_norm. Trigger only.';
revoke execute on function notion_sync.set_title_norm() from public;
create trigger staged_pages_set_title_norm
  before insert or update of raw on notion_sync.staged_pages
  for each row execute function notion_sync.set_title_norm();

-- AFTER UPDATE OF field_map trigger of mappings: staged values were converted with the old map.
create function notion_sync.forget_staged_hashes()
returns trigger
language plpgsql
security invoker
set search_path = ''
as $$
begin
  update notion_sync.staged_pages sp set properties_hash = null
  where sp.mapping_id = new.mapping_id and sp.properties_hash is not null;
  return null;
end
$$;
comment on function notion_sync.forget_staged_hashes() is
  'AFTER UPDATE OF field_map row trigger of mappings: the next staging converts every page again. '
  'Trigger only.';
revoke execute on function notion_sync.forget_staged_hashes() from public;
create trigger mappings_forget_staged_hashes
  after update of field_map on notion_sync.mappings
  for each row when (old.field_map is distinct from new.field_map)
  execute function notion_sync.forget_staged_hashes();

-- What staging compares: a page's id, the md5 of its properties' JSON text, its trash flag (in_trash,
-- or the older archived) and its last edit time.
create type notion_sync.page_digest as (
  page_id text,
  properties_hash text,
  last_edited_time timestamptz,
  in_trash boolean
);
comment on type notion_sync.page_digest is
  'A page as staging compares it: id, md5 of its properties'' JSON text, trash flag, last edit time.';

-- Marks the pages of a batch whose digest is what is staged as seen by the run (and counts them as
-- retrieved); returns the ids of the others, in batch order, which must be staged in full.
-- As the caller (RLS: only the caller's run and pages).
create function notion_sync.stage_unchanged(p_run_id uuid, p_digests notion_sync.page_digest[])
returns text[]
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_run notion_sync.runs;
  v_seen text[];
begin
  select * into v_run from notion_sync.runs r where r.run_id = p_run_id;
  if not found then
    raise exception 'run % not found', p_run_id using errcode = 'P0002';
  end if;
  if v_run.status <> 'running' then
    raise exception 'run % is %, not running', p_run_id, v_run.status using errcode = '55000';
  end if;
  if cardinality(p_digests) > 100 then
    raise exception 'p_pages must be a JSON array of at most 100 pages' using errcode = '22023';
  end if;
  if exists (select from unnest(p_digests) d
             where d.page_id is null or d.properties_hash is null or d.last_edited_time is null) then
    raise exception 'every page needs an id, a last_edited_time and its properties'
      using errcode = '22023';
  end if;

  -- the pages are found one primary-key probe each (lateral, so the planner cannot swap it for a
  -- scan of every staged page of the mapping, which the statistics of a mapping staged moments ago
  -- make it choose), then updated by row id
  with hit as (
    select h.tid
    from unnest(p_digests) d
    cross join lateral (
      select s.ctid as tid from notion_sync.staged_pages s
      where s.mapping_id = v_run.mapping_id and s.page_id = d.page_id
        and s.properties_hash = d.properties_hash and s.in_trash = d.in_trash
        and s.last_edited_time = d.last_edited_time
      limit 1) h
  ), seen as (
    update notion_sync.staged_pages s set seen_in_run = p_run_id
    from hit where s.ctid = hit.tid
    returning s.page_id
  )
  select coalesce(array_agg(page_id), '{}') into v_seen from seen;

  update notion_sync.runs r
  set retrieved = r.retrieved + cardinality(v_seen), heartbeat_at = now(),
      lease_expires_at = greatest(r.lease_expires_at, now() + interval '5 minutes')
  where r.run_id = p_run_id;
  return array(select d.page_id from unnest(p_digests) with ordinality d
               where d.page_id <> all (v_seen) order by d.ordinality);
end
$$;
comment on function notion_sync.stage_unchanged(uuid, notion_sync.page_digest[]) is
  'Marks a batch''s unchanged pages seen by the run and returns the ids of the others. Authenticated '
  '(through pages_to_stage and stage_pages). Raises P0002 (no such run), 55000 (run not running), '
  '22023 (over 100 pages, or a page without id, last_edited_time or properties).';
revoke execute on function notion_sync.stage_unchanged(uuid, notion_sync.page_digest[]) from public;
grant execute on function notion_sync.stage_unchanged(uuid, notion_sync.page_digest[]) to authenticated;

-- The first half of staging a batch: the caller sends each page's digest, not the page.
create function notion_sync_api.pages_to_stage(p_run_id uuid, p_pages jsonb)
returns text[]
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_ids text[];
  v_digests notion_sync.page_digest[];
  v_rest text[];
begin
  if jsonb_typeof(p_pages) is distinct from 'array' then
    raise exception 'p_pages must be a JSON array of at most 100 pages' using errcode = '22023';
  end if;
  if exists (select from jsonb_array_elements(p_pages) p
             where jsonb_typeof(p) <> 'object' or p ->> 'properties_md5' !~ '^[0-9a-f]{32}$') then
    raise exception 'every page digest needs properties_md5: the md5 (32 lowercase hex digits) of '
      'the JSON text of the page''s properties' using errcode = '22023';
  end if;
  select array_agg(x.id order by x.n),
         array_agg(row(notion_sync.notion_id(x.id), x.properties_md5, x.last_edited_time,
                       coalesce(x.in_trash, x.archived, false))::notion_sync.page_digest order by x.n)
  into v_ids, v_digests
  from rows from (jsonb_to_recordset(p_pages) as (id text, properties_md5 text, last_edited_time timestamptz,
                                                  in_trash boolean, archived boolean))
       with ordinality as x(id, properties_md5, last_edited_time, in_trash, archived, n);
  v_rest := notion_sync.stage_unchanged(p_run_id, coalesce(v_digests, '{}'));
  -- the ids as the caller sent them
  return array(select v_ids[d.ordinality] from unnest(v_digests) with ordinality d
               where d.page_id = any (v_rest) order by d.ordinality);
end
$$;
comment on function notion_sync_api.pages_to_stage(uuid, jsonb) is
  'Takes [{id, last_edited_time, in_trash, properties_md5}] for a batch of the caller''s running run: '
  'marks the pages staged unchanged as seen and returns the ids to send to stage_pages. '
  'Authenticated. Raises P0002, 55000, 22023 (not an array of at most 100 digests).';
revoke execute on function notion_sync_api.pages_to_stage(uuid, jsonb) from public;
grant execute on function notion_sync_api.pages_to_stage(uuid, jsonb) to authenticated;

drop function notion_sync_api.stage_pages(uuid, jsonb);
create function notion_sync_api.stage_pages(p_run_id uuid, p_pages json)
returns integer
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_digests notion_sync.page_digest[];
  v_raw json[];
  v_rest text[];
  v_map notion_sync.mappings;
begin
  if json_typeof(p_pages) is distinct from 'array' or json_array_length(p_pages) > 100 then
    raise exception 'p_pages must be a JSON array of at most 100 pages' using errcode = '22023';
  end if;
  select array_agg(row(notion_sync.notion_id(x.id), md5(x.properties::text), x.last_edited_time,
                       coalesce(x.in_trash, x.archived, false))::notion_sync.page_digest order by e.ordinality),
         array_agg(e.value order by e.ordinality)
  into v_digests, v_raw
  from json_array_elements(p_pages) with ordinality e
  cross join lateral json_to_record(e.value) as x(id text, properties json, last_edited_time timestamptz,
                                                  in_trash boolean, archived boolean);
  v_rest := notion_sync.stage_unchanged(p_run_id, coalesce(v_digests, '{}'));
  if cardinality(v_rest) = 0 then
    return coalesce(cardinality(v_digests), 0);
  end if;
  select m.* into v_map
  from notion_sync.runs r join notion_sync.mappings m on m.mapping_id = r.mapping_id
  where r.run_id = p_run_id;

  -- materialized: each page is parsed and converted once (an inlined CTE repeats the expression
  -- at every use of its column)
  with arriving as materialized (
    select d.page_id, v_raw[d.ordinality]::jsonb as raw, d.properties_hash, d.last_edited_time, d.in_trash
    from unnest(v_digests) with ordinality d
    where d.page_id = any (v_rest)
  ), incoming as materialized (
    -- values are converted only when the page's properties changed since they were staged
    select a.*, case when old.properties_hash = a.properties_hash then old.mapped_values
                     else notion_sync.mapped_canonical(v_map.field_map, a.raw -> 'properties') end as mapped_values
    from arriving a
    left join lateral (  -- a primary-key probe per page, as in stage_unchanged
      select o.properties_hash, o.mapped_values from notion_sync.staged_pages o
      where o.mapping_id = v_map.mapping_id and o.page_id = a.page_id
      limit 1) old on true
  )
  insert into notion_sync.staged_pages as s (
    mapping_id, page_id, owner_id, raw, properties_hash, mapped_values, values_hash, last_edited_time,
    in_trash, seen_in_run, changed_in_run)
  select v_map.mapping_id, i.page_id, v_map.owner_id, i.raw, i.properties_hash, i.mapped_values,
         md5(i.mapped_values::text || i.in_trash::text), i.last_edited_time, i.in_trash, p_run_id, p_run_id
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
comment on function notion_sync_api.stage_pages(uuid, json) is
  'Stages up to 100 Notion pages for a running run of the caller: one row per page with the raw '
  'page, canonical values keyed by column and their hash (a new hash marks the page changed); a '
  'page whose properties, trash flag and last edit time are as staged is only marked seen. Returns '
  'the number of pages. Authenticated. Raises P0002 (no such run), 55000 (run not running), 22023 '
  '(not an array of at most 100 pages, or a page without id, last_edited_time or properties).';
revoke execute on function notion_sync_api.stage_pages(uuid, json) from public;
grant execute on function notion_sync_api.stage_pages(uuid, json) to authenticated;
