-- Relation columns that hold the related table's record keys (DESIGN §5: "key array of the related
-- mapped table, translated through links, else page ids"), both ways.
--
-- A relation field of a mapping's field map may name another mapping of the same owner (or the
-- mapping itself) as "related_mapping": its column then holds the record keys that mapping links to
-- the related Notion pages, in Notion's order, instead of the page ids. Without it the column holds
-- page ids, as before; nothing changes for existing mappings.
--
-- Pending: a related page that the related mapping has not linked (yet) cannot be translated, nor
-- can a record key that has no page yet. Such a field is neither applied nor pushed nor turned
-- into a conflict: reconcile marks it pending (in its summary and diff), leaves the base alone and
-- keeps the record dirty, so a later run decides it once the link exists. A record created for a
-- new page leaves the column empty, without a base (a later run decides it as a first contact),
-- unless the related page was linked in the same run. A page created for a record (and a push a
-- person chose) carries the related pages that exist, and the rest follows once linked (the base is
-- what Notion read back, so the difference is pushed again). A person choosing Notion's value that
-- cannot be read yet is told so (status pending) and nothing changes.

-- the related mappings of a mapping's fields ------------------------------------------------------

-- The fields of a mapping whose column holds a related mapping's record keys (column, property id),
-- with that mapping (null when its name no longer resolves: every value of the field is then
-- pending). plpgsql (not sql): SQL functions that call it would re-plan it at every call.
-- Authenticated (RLS on mappings); raises nothing.
create function notion_sync.related_mappings(p_mapping_id uuid)
returns table (field text, property_id text, related_mapping text, related_mapping_id uuid)
language plpgsql
stable
set search_path = ''
as $$
begin
  return query
  select f ->> 'column', f ->> 'property_id', f ->> 'related_mapping', r.mapping_id
  from notion_sync.mappings m
  cross join lateral jsonb_array_elements(m.field_map) f
  left join notion_sync.mappings r on r.owner_id = m.owner_id and r.name = f ->> 'related_mapping'
  where m.mapping_id = p_mapping_id and f ->> 'related_mapping' is not null;
end
$$;
comment on function notion_sync.related_mappings(uuid) is
  'The relation fields of a mapping that hold a related mapping''s record keys, with that mapping. '
  'Authenticated; raises nothing.';
revoke execute on function notion_sync.related_mappings(uuid) from public;
grant execute on function notion_sync.related_mappings(uuid) to authenticated, service_role;

-- The Notion page ids a mapping links to these record keys (a JSON array), in the same order; the
-- keys without a page (yet) are left out. Authenticated (RLS on links); raises nothing.
create function notion_sync.relation_page_ids(p_related_mapping_id uuid, p_keys jsonb)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
  return (
    select coalesce(jsonb_agg(to_jsonb(l.page_id) order by k.o), '[]'::jsonb)
    from jsonb_array_elements_text(p_keys) with ordinality k(key, o)
    join notion_sync.links l on l.mapping_id = p_related_mapping_id and l.record_key = k.key);
end
$$;
comment on function notion_sync.relation_page_ids(uuid, jsonb) is
  'The Notion page ids a mapping links to some record keys, in order, unlinked keys left out. '
  'Authenticated; raises nothing.';
revoke execute on function notion_sync.relation_page_ids(uuid, jsonb) from public;
grant execute on function notion_sync.relation_page_ids(uuid, jsonb) to authenticated, service_role;

-- Column values of pages (as the mapping's columns would hold them, keyed by page) with each
-- translated relation column's page ids replaced by the related record keys, in order, in one
-- query for all the pages; a column with a page not linked yet is left out and named in pending.
-- Authenticated (RLS on links); raises nothing.
create function notion_sync.translate_relations(p_mapping_id uuid, p_page_ids text[], p_cols jsonb[])
returns table (page_id text, cols jsonb, pending text[])
language plpgsql
stable
set search_path = ''
as $$
begin
  return query
  with n as (
    select u.page_id, u.cols from unnest(p_page_ids, p_cols) as u(page_id, cols)
  ), r as materialized (
    select * from notion_sync.related_mappings(p_mapping_id)
  ), ids as (   -- every related page of every translated column, with its record if linked
    select n.page_id, r.field, e.o, l.record_key
    from n
    join r on jsonb_typeof(n.cols -> r.field) = 'array'
    cross join lateral jsonb_array_elements_text(n.cols -> r.field) with ordinality as e(id, o)
    left join notion_sync.links l
      on l.mapping_id = r.related_mapping_id and l.page_id = notion_sync.notion_id(e.id)
  ), t as (
    select ids.page_id, ids.field,
           case when count(ids.record_key) = count(*)
                then jsonb_agg(to_jsonb(ids.record_key) order by ids.o) end as keys
    from ids group by ids.page_id, ids.field
  ), w as (
    select t.page_id,
           jsonb_object_agg(t.field, t.keys) filter (where t.keys is not null) as keys,
           array_agg(t.field) filter (where t.keys is null) as pending
    from t group by t.page_id
  )
  select n.page_id, (n.cols - coalesce(w.pending, '{}')) || coalesce(w.keys, '{}'::jsonb),
         coalesce(w.pending, '{}')
  from n left join w on w.page_id = n.page_id;
end
$$;
comment on function notion_sync.translate_relations(uuid, text[], jsonb[]) is
  'Pages'' column values with translated relation columns holding record keys; columns whose related '
  'pages are not all linked are left out and named in pending. Authenticated; raises nothing.';
revoke execute on function notion_sync.translate_relations(uuid, text[], jsonb[]) from public;
grant execute on function notion_sync.translate_relations(uuid, text[], jsonb[]) to authenticated, service_role;

-- Notion's values in column space, translated ----------------------------------------------------

alter function notion_sync.notion_column_values(uuid, text[]) rename to notion_column_values_untranslated;
comment on function notion_sync.notion_column_values_untranslated(uuid, text[]) is
  'Notion''s staged values of some pages, cast into the mapping''s columns, relation columns as page '
  'ids (notion_column_values translates them). Authenticated; raises what canonical_to_column raises.';

-- Notion's staged values of some pages as the mapping's columns hold them: relation columns with a
-- related mapping hold its record keys; pending names the columns not translatable yet (left out
-- of cols). Authenticated; raises what canonical_to_column raises.
create function notion_sync.notion_column_values(p_mapping_id uuid, p_page_ids text[])
returns table (page_id text, cols jsonb, pending text[])
language plpgsql
stable
set search_path = ''
as $$
begin
  if not exists (select from notion_sync.related_mappings(p_mapping_id)) then
    return query
    select n.page_id, n.cols, '{}'::text[]
    from notion_sync.notion_column_values_untranslated(p_mapping_id, p_page_ids) n;
  else
    return query
    select t.page_id, t.cols, t.pending
    from (select array_agg(n.page_id) as ids, array_agg(n.cols) as cols
          from notion_sync.notion_column_values_untranslated(p_mapping_id, p_page_ids) n) a
    cross join lateral notion_sync.translate_relations(p_mapping_id, a.ids, a.cols) t;
  end if;
end
$$;
comment on function notion_sync.notion_column_values(uuid, text[]) is
  'Notion''s staged values of some pages, cast into the mapping''s columns, relation columns '
  'translated into related record keys where configured; pending: the columns not translatable yet. '
  'Authenticated; raises what canonical_to_column raises.';
revoke execute on function notion_sync.notion_column_values(uuid, text[]) from public;
grant execute on function notion_sync.notion_column_values(uuid, text[]) to authenticated, service_role;

alter function notion_sync.page_column_values(uuid, jsonb) rename to page_column_values_untranslated;
comment on function notion_sync.page_column_values_untranslated(uuid, jsonb) is
  'The mapped values of one Notion page object, cast into the mapping''s columns, relation columns '
  'as page ids (page_column_values translates them). Authenticated; raises what canonical_to_column raises.';

-- The mapped values of one Notion page object as the mapping's columns hold them (relation columns
-- translated; a column not translatable yet is left out). Authenticated; raises what
-- canonical_to_column raises.
create function notion_sync.page_column_values(p_mapping_id uuid, p_page jsonb)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
  -- (the page id only pairs the values with their translation: any label serves)
  return (select t.cols
          from notion_sync.translate_relations(p_mapping_id, array['page'],
                 array[notion_sync.page_column_values_untranslated(p_mapping_id, p_page)]) t);
end
$$;
comment on function notion_sync.page_column_values(uuid, jsonb) is
  'The mapped values of one Notion page object, cast into the mapping''s columns, relation columns '
  'translated where configured (untranslatable ones left out). Authenticated; raises what '
  'canonical_to_column raises.';
revoke execute on function notion_sync.page_column_values(uuid, jsonb) from public;
grant execute on function notion_sync.page_column_values(uuid, jsonb) to authenticated, service_role;

-- validation ----------------------------------------------------------------------------------------

alter function notion_sync.mapping_problems(notion_sync.mappings) rename to mapping_field_problems;
comment on function notion_sync.mapping_field_problems(notion_sync.mappings) is
  'Every problem of a mapping against the staged data source schema and the target table, each a '
  'sentence naming both sides, apart from related mappings (mapping_problems adds those). '
  'Authenticated (reads the caller''s staged schema); raises nothing.';

-- Everything wrong with a mapping, as sentences naming both sides; empty when it is valid. Adds to
-- mapping_field_problems the checks of fields with a related_mapping. Authenticated; raises nothing.
create function notion_sync.mapping_problems(p_mapping notion_sync.mappings)
returns setof text
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_field jsonb;
  v_prop record;
  v_rel notion_sync.mappings;
  v_col_type regtype;
  v_key_type regtype;
begin
  return query select * from notion_sync.mapping_field_problems(p_mapping);
  for v_field in
    select f from jsonb_array_elements(p_mapping.field_map) f where f ->> 'related_mapping' is not null
  loop
    v_prop := null;
    select p.key as name, p.value as schema into v_prop
    from notion_sync.data_source_schemas s
    cross join lateral jsonb_each(s.properties) p
    where s.owner_id = p_mapping.owner_id and s.data_source_id = p_mapping.data_source_id
      and p.value ->> 'id' = v_field ->> 'property_id';
    if coalesce(v_prop.schema ->> 'type', v_field ->> 'type') is distinct from 'relation' then
      return next format('column %I names related mapping "%s", but Notion property "%s" is not a relation',
                         v_field ->> 'column', v_field ->> 'related_mapping', coalesce(v_prop.name, v_field ->> 'name'));
      continue;
    end if;
    select * into v_rel from notion_sync.mappings r
    where r.owner_id = p_mapping.owner_id and r.name = v_field ->> 'related_mapping';
    if not found and v_field ->> 'related_mapping' = p_mapping.name then
      v_rel := p_mapping;   -- a relation of the data source to itself, in a mapping saved now
    end if;
    if v_rel.mapping_id is null then
      return next format('column %I names related mapping "%s", which does not exist (save it first)',
                         v_field ->> 'column', v_field ->> 'related_mapping');
      continue;
    end if;
    if v_prop.schema -> 'relation' ->> 'data_source_id' is distinct from v_rel.data_source_id
       and v_prop.schema -> 'relation' ->> 'data_source_id' is not null then
      return next format('Notion property "%s" relates to data source %s, but mapping "%s" (for column %I) maps data source %s',
                         v_prop.name, v_prop.schema -> 'relation' ->> 'data_source_id', v_rel.name,
                         v_field ->> 'column', v_rel.data_source_id);
    end if;
    select a.atttypid::regtype into v_col_type from pg_catalog.pg_attribute a
    where a.attrelid = to_regclass(format('%I.%I', p_mapping.target_schema, p_mapping.target_table))
      and a.attname = v_field ->> 'column' and a.attnum > 0 and not a.attisdropped;
    select a.atttypid::regtype into v_key_type from pg_catalog.pg_attribute a
    where a.attrelid = to_regclass(format('%I.%I', v_rel.target_schema, v_rel.target_table))
      and a.attname = v_rel.key_column and a.attnum > 0 and not a.attisdropped;
    if v_col_type = 'uuid[]'::regtype and v_key_type is distinct from 'uuid'::regtype then
      return next format('column %s.%I is uuid[], but the record keys of mapping "%s" (%s.%I) are %s; use text[]',
                         format('%I.%I', p_mapping.target_schema, p_mapping.target_table), v_field ->> 'column',
                         v_rel.name, format('%I.%I', v_rel.target_schema, v_rel.target_table), v_rel.key_column,
                         coalesce(pg_catalog.format_type(v_key_type, null), 'missing'));
    end if;
  end loop;
end
$$;
comment on function notion_sync.mapping_problems(notion_sync.mappings) is
  'Every problem of a mapping against the staged data source schema, the target table and its '
  'related mappings, each a sentence naming both sides. Authenticated; raises nothing.';
revoke execute on function notion_sync.mapping_problems(notion_sync.mappings) from public;
grant execute on function notion_sync.mapping_problems(notion_sync.mappings) to authenticated, service_role;

-- reconcile: pending fields ------------------------------------------------------------------------
-- As in 20261126000700, plus: a field whose Notion value is pending, or whose Supabase value would
-- be pushed with record keys that have no page yet, is decided by nobody (action pending; the
-- summary counts the pages and lists the first 100 fields as pending_fields) and its record stays
-- dirty for the next run; a new page's record is created without its pending columns (no base
-- for them, so a later run decides them as a first contact) and stays dirty too, unless the
-- related page was linked in the same run (a data source relating to itself): then the record
-- takes the keys at the end of the run.
create or replace function notion_sync_api.reconcile(p_run_id uuid, p_options jsonb default '{}'::jsonb)
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
  update rc_fields set action = case
    -- Notion's value cannot be read in column space yet (a related page not linked): no decision
    when pending then 'pending'
    when notion is not distinct from supabase then case when has_base and base is not distinct from notion then 'none' else 'converged' end
    when not has_base then case
      when v_policy = 'prefer_notion' and direction <> 'supabase_to_notion' then 'to_supabase'
      when v_policy = 'prefer_supabase' and direction = 'both' then 'to_notion'
      else 'conflict' end
    when supabase is not distinct from base then
      case when v_auto and direction <> 'supabase_to_notion' then 'to_supabase' else 'conflict' end
    when notion is not distinct from base then
      case when v_auto and direction <> 'notion_to_supabase' then 'to_notion' else 'conflict' end
    when v_policy = 'prefer_notion' and direction <> 'supabase_to_notion' then 'to_supabase'
    when v_policy = 'prefer_supabase' and direction = 'both' then 'to_notion'
    else 'conflict' end;
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
                      and c.page_id = p.page_id and c.status = 'open' and c.kind in ('record_deleted', 'page_missing'));
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
                      and c.page_id = sp.page_id and c.status = 'open' and c.kind in ('match_review', 'ambiguous'));
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

  -- Notion → Supabase, one compare-and-set per record
  for v_rec in
    select f.page_id, f.record_key, jsonb_object_agg(f.field, f.notion) as set_values,
           jsonb_object_agg(f.field, f.supabase) as expected
    from rc_fields f where f.action = 'to_supabase' group by f.page_id, f.record_key
  loop
    if notion_sync.write_record(v_map.mapping_id, v_rec.record_key, v_rec.set_values, v_rec.expected, p_run_id) is null then
      perform notion_sync.open_conflict(v_map.mapping_id, p_run_id, 'changed_during_apply', v_rec.page_id,
        v_rec.record_key, (select jsonb_object_agg(f.field, jsonb_build_object('base', f.base, 'notion', f.notion,
                                                     'supabase', f.supabase))
                           from rc_fields f where f.record_key = v_rec.record_key and f.action = 'to_supabase'));
    end if;
  end loop;
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

  -- records and pages
  for v_rec in select * from rc_records r order by r.action, r.page_id, r.record_key loop
    if v_rec.action = 'insert_record' then
      perform notion_sync.insert_record_for_page(v_map.mapping_id, v_rec.page_id, v_rec.values, p_run_id);
      if cardinality(v_rec.pending) > 0 then
        -- the empty column is not a value both sides agreed on: no base for it, and a later run
        -- decides it (as a first contact) once Notion's value can be read
        update notion_sync.links l set base = l.base - v_rec.pending, dirty_at = now()
        where l.mapping_id = v_map.mapping_id and l.page_id = v_rec.page_id;
      end if;
    elsif v_rec.action = 'create_page' then
      perform notion_sync.queue_create(v_map.mapping_id, p_run_id, v_rec.record_key, v_rec.values);
    elsif v_map.delete_policy = 'unlink' then
      delete from notion_sync.links l where l.mapping_id = v_map.mapping_id and l.page_id = v_rec.page_id;
      update notion_sync.tombstones t set resolved_at = now()
      where t.mapping_id = v_map.mapping_id and t.record_key = v_rec.record_key and t.resolved_at is null;
    elsif v_map.delete_policy = 'trash_other_side' and v_rec.action = 'record_deleted' then
      insert into notion_sync.outbox (owner_id, mapping_id, run_id, op, page_id, record_key, properties)
      values (v_map.owner_id, v_map.mapping_id, p_run_id, 'trash', v_rec.page_id, v_rec.record_key, '{}'::jsonb);
      update notion_sync.tombstones t set resolved_at = now()
      where t.mapping_id = v_map.mapping_id and t.record_key = v_rec.record_key and t.resolved_at is null;
    elsif v_map.delete_policy = 'trash_other_side' and v_rec.action = 'page_trashed' then
      perform notion_sync.delete_record(v_map.mapping_id, v_rec.record_key, p_run_id, null);
    else
      -- hold (the default), and a page merely missing from a scan until it is verified
      perform notion_sync.open_conflict(v_map.mapping_id, p_run_id,
        case when v_rec.action = 'record_deleted' then 'record_deleted' else 'page_missing' end,
        v_rec.page_id, v_rec.record_key, '{}'::jsonb,
        jsonb_build_object('state', case v_rec.action when 'page_trashed' then 'trashed'
                                                      when 'page_missing' then 'unverified' else 'deleted' end,
                           'last_values', (select t.last_values from notion_sync.tombstones t
                                           where t.mapping_id = v_map.mapping_id and t.record_key = v_rec.record_key
                                             and t.resolved_at is null order by t.deleted_at desc limit 1)));
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
                    where (p.notion -> k) is distinct from (p.supabase -> k));

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
comment on function notion_sync_api.reconcile(uuid, jsonb) is
  'Three-way reconcile of what a run staged against the mapping''s table: applies one-sided changes '
  '(compare-and-set, outbox), keeps divergent ones as conflicts, follows the delete policy, holds '
  'a side past the safety valve, leaves pending the relation fields that cannot be translated yet '
  '(a related page or record not linked). Returns the summary (with the diff for a dry run). '
  'Authenticated. '
  'Raises P0002 (no such run), 22023 (bad policy).';
revoke execute on function notion_sync_api.reconcile(uuid, jsonb) from public;
grant execute on function notion_sync_api.reconcile(uuid, jsonb) to authenticated;

-- pushes: record keys back into page ids ------------------------------------------------------------
-- Every Notion write payload is built through column_to_notion against schema_property. The
-- property schema of a field with a related_mapping now carries that mapping, and column_to_notion
-- translates the column's record keys into the related page ids (the keys without a page are left
-- out: reconcile pushes such a field only once all have one, see above).

-- The staged schema of one property of a mapping's data source; for a field with a related mapping,
-- with "related_mapping" and "related_mapping_id" added. Authenticated; raises nothing.
create or replace function notion_sync.schema_property(p_mapping_id uuid, p_property_id text)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select case when r.related_mapping is null then p.schema
              else coalesce(p.schema, '{}'::jsonb) || jsonb_build_object('related_mapping', r.related_mapping,
                                                                         'related_mapping_id', r.related_mapping_id) end
  from (select (select p.value
                from notion_sync.mappings m
                join notion_sync.data_source_schemas s on s.owner_id = m.owner_id and s.data_source_id = m.data_source_id
                cross join lateral jsonb_each(s.properties) p
                where m.mapping_id = p_mapping_id and p.value ->> 'id' = p_property_id) as schema) p
  left join lateral (
    select r.related_mapping, r.related_mapping_id from notion_sync.related_mappings(p_mapping_id) r
    where r.property_id = p_property_id limit 1) r on true
$$;
comment on function notion_sync.schema_property(uuid, text) is
  'The staged schema of one property of a mapping''s data source (with the field''s related mapping, '
  'if any). Authenticated; raises nothing.';

alter function notion_sync.column_to_notion(text, jsonb, jsonb, jsonb) rename to column_value_to_notion;
comment on function notion_sync.column_value_to_notion(text, jsonb, jsonb, jsonb) is
  'Notion write payload of a column value (column_to_notion without translating record keys). Any '
  'caller; raises 0A000 (read_only, notion_hosted_file), P0001 (formatting_would_be_lost), 22023, '
  '22003 (number_precision), 22001 (too_long), 22007.';

-- Notion write payload of a column value: as column_value_to_notion, but a relation column holding
-- a related mapping's record keys (its property schema names the mapping) is sent as the pages
-- linked to those keys. Authenticated (RLS on links); raises what column_value_to_notion raises.
create function notion_sync.column_to_notion(
  p_type text, p_value jsonb, p_previous jsonb default null, p_property_schema jsonb default null)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_property_schema ? 'related_mapping' and p_property_schema ->> 'related_mapping_id' is null then
    raise exception 'invalid_value: the relation column holds record keys of mapping "%", which no longer '
      'exists; save the mapping with an existing related_mapping, or without one', p_property_schema ->> 'related_mapping'
      using errcode = '22023';
  end if;
  if p_property_schema ? 'related_mapping' and jsonb_typeof(p_value) = 'array' then
    return notion_sync.column_value_to_notion(p_type,
      notion_sync.relation_page_ids((p_property_schema ->> 'related_mapping_id')::uuid, p_value),
      p_previous, p_property_schema);
  end if;
  return notion_sync.column_value_to_notion(p_type, p_value, p_previous, p_property_schema);
end
$$;
comment on function notion_sync.column_to_notion(text, jsonb, jsonb, jsonb) is
  'Notion write payload of a column value; a relation column of related record keys is sent as '
  'their linked pages. Authenticated; raises what column_value_to_notion raises, 22023 for a '
  'related mapping that no longer exists.';
revoke execute on function notion_sync.column_to_notion(text, jsonb, jsonb, jsonb) from public;
grant execute on function notion_sync.column_to_notion(text, jsonb, jsonb, jsonb) to authenticated, service_role;

-- resolutions: no Notion value that cannot be read yet ------------------------------------------------
-- resolve_conflict takes Notion's value of a field from what is staged. A relation field whose
-- related page is not linked yet has no value in column space: choosing Notion for it answers
-- status pending (nothing changes; decide again after the related mapping's next run), and a
-- deleted record restored from Notion comes back without it (no base for it, the record dirty).

alter function notion_sync_api.resolve_conflict(uuid, text, jsonb) set schema notion_sync;
alter function notion_sync.resolve_conflict(uuid, text, jsonb) rename to decide_conflict;
comment on function notion_sync.decide_conflict(uuid, text, jsonb) is
  'Resolves one of the caller''s open conflicts (notion_sync_api.resolve_conflict, which checks '
  'first that the Notion values it takes can be read). Authenticated. Raises P0002, 55000, 22023.';

-- Resolves one of the caller's open conflicts (prefer_supabase, prefer_notion, merge, skip); every
-- applied value is logged in changes. Authenticated. Raises P0002, 55000 (not open), 22023 (bad
-- action or choices). Answers status stale, changing nothing, when a side moved on since, and
-- status pending, changing nothing, when a value it would take from Notion cannot be read yet.
create function notion_sync_api.resolve_conflict(p_conflict_id uuid, p_action text, p_choices jsonb default '{}'::jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_c notion_sync.conflicts;
  v_pending text[] := '{}';
  v_waiting text[];
  v_result jsonb;
begin
  select * into v_c from notion_sync.conflicts c where c.conflict_id = p_conflict_id;
  if v_c.page_id is not null and p_action in ('prefer_notion', 'merge')
     and v_c.kind not in ('match_review', 'ambiguous', 'bulk_change', 'page_missing') then
    select n.pending into v_pending
    from notion_sync.notion_column_values(v_c.mapping_id, array[v_c.page_id]) n;
    v_pending := coalesce(v_pending, '{}');
    v_waiting := array(select k from jsonb_object_keys(v_c.fields) k
                       where k = any (v_pending) and (p_action = 'prefer_notion' or p_choices ->> k = 'notion'));
    if cardinality(v_waiting) > 0 then
      return jsonb_build_object('status', 'pending', 'message', format(
        'Notion''s value of %s cannot be read yet: a related page is not linked by its mapping; decide '
        'again after that mapping''s next run', array_to_string(v_waiting, ', ')));
    end if;
  end if;
  v_result := notion_sync.decide_conflict(p_conflict_id, p_action, p_choices);
  if v_c.kind = 'record_deleted' and v_result ? 'restored_record' and cardinality(v_pending) > 0 then
    update notion_sync.links l set base = l.base - v_pending, dirty_at = now()
    where l.mapping_id = v_c.mapping_id and l.page_id = v_c.page_id;
  end if;
  return v_result;
end
$$;
comment on function notion_sync_api.resolve_conflict(uuid, text, jsonb) is
  'Resolves one of the caller''s open conflicts (prefer_supabase, prefer_notion, merge, skip); every '
  'applied value is logged in changes. Authenticated. Raises P0002, 55000 (not open), 22023 (bad action '
  'or choices). Answers status stale when a side moved on since, pending when a Notion value it would '
  'take cannot be read yet (a related page not linked); both change nothing.';
revoke execute on function notion_sync_api.resolve_conflict(uuid, text, jsonb) from public;
grant execute on function notion_sync_api.resolve_conflict(uuid, text, jsonb) to authenticated;

-- a related mapping stays while another mapping relates to it ----------------------------------------

-- Trigger of mappings (before delete, before update of name): refuses to delete or rename a mapping
-- that another mapping of its owner names as a related_mapping, naming both (23503): its links are
-- what that column's keys are translated through. A delete cascading from the owner's is let
-- through. Trigger only.
create function notion_sync.keep_related_mappings()
returns trigger
language plpgsql
set search_path = ''
as $$
declare
  v_user text;
begin
  if tg_op = 'UPDATE' and new.name = old.name then
    return new;
  end if;
  if tg_op = 'DELETE' and pg_catalog.pg_trigger_depth() > 1 then
    return old;   -- deleted along with its owner (a cascade): every mapping of the owner goes
  end if;
  select format('%s (column %s)', m.name, f ->> 'column') into v_user
  from notion_sync.mappings m
  cross join lateral jsonb_array_elements(m.field_map) f
  where m.owner_id = old.owner_id and m.mapping_id <> old.mapping_id and f ->> 'related_mapping' = old.name
  limit 1;
  if v_user is not null then
    raise exception 'mapping "%" is the related mapping of %: its links translate that column''s record keys; '
      'save that mapping without related_mapping (or with another) first', old.name, v_user
      using errcode = '23503';
  end if;
  return case when tg_op = 'DELETE' then old else new end;
end
$$;
comment on function notion_sync.keep_related_mappings() is
  'Trigger of mappings: refuses to delete or rename a mapping another one names as related_mapping. '
  'Trigger only; raises 23503.';
revoke execute on function notion_sync.keep_related_mappings() from public;
create trigger mappings_keep_related
  before delete or update of name on notion_sync.mappings
  for each row execute function notion_sync.keep_related_mappings();
