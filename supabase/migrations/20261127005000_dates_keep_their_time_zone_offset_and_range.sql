-- A date edited in Supabase keeps what Notion holds beyond the column: its time of day, its time zone
-- or offset, and its range end. A date-time written with an offset lands in a date column on the day
-- written. Lists compare in the form Notion stores them.
--
-- * A date column holds only the start day of a Notion date. When a person moved it to another day,
--   column_value_to_notion sent Notion an all-day date: the time, the time zone and the range end of
--   the page were lost. Now the date keeps its time of day where it was written, and its end; an
--   end that would come before the new start moves with it, so the range keeps its length
--   (date_to_notion). Notion answers date-times with an offset and time_zone null, so the zone a
--   person picked in Notion is not known here: the time of day is kept in the offset (09:00+01:00
--   moved past the change to summer time stays 09:00+01:00, which is 10:00 in Paris). Only a date
--   that carries a time_zone keeps its clock time in that zone. The same holds for a range moved in
--   a timestamptz or text column.
-- * A date-time with an offset and no time zone ("2026-03-01T23:00:00-05:00") is an instant in
--   canonical form, and a date column took its UTC day (2026-03-02). The canonical form now keeps
--   the offset beside the instant ({start, end, time_zone, offset}, offset only when it is not UTC
--   and there is no time zone); a date column takes the day in that offset, and a date pushed back
--   is written in that offset, so Notion reads it back on the same day and no push follows. Values
--   still compare by their instant (canonical_key ignores the offset).
-- * A text column edited from Notion's date-time to a date alone on the same day was sent the
--   previous date-time unchanged (the rule meant for date columns, which cannot hold a time), so
--   confirm_push rewrote the person's text with Notion's date-time: the edit was lost. A text column
--   can hold a time, so a date alone there is now an all-day date, and a date-time a person types
--   there is written in the offset it states (none: UTC); a date-time the sync writes there from
--   Notion is a UTC instant ("…Z"), not in Notion's offset. column_to_notion learns the column's
--   class from the property schema it is given (schema_property adds the column_class of the field
--   pushed, for a property mapped to several columns).
-- * column_match_key compared people and relation ids as written, and multi_select lists with their
--   empty names, so a row an app wrote with undashed ids or an empty option name differed from
--   Notion's same value: a Notion write of that value and a rewrite of the row, again each time the
--   app writes its form. Ids now take Notion's dashed lowercase form and empty names are dropped
--   before comparing, as column_to_notion does when it sends them.
-- Pages staged with such a date before this migration are converted again at their next staging
-- (their digest is cleared, as decide_conflict does), so a full scan brings their date columns to
-- the day written, as a logged change that can be undone.

-- The offset of an ISO 8601 date-time ("+05:30", "-05:00"), none when it is UTC, has no offset or
-- is a date alone. Immutable; any caller; raises nothing.
create function notion_sync.date_offset(p_value text)
returns text
language plpgsql
immutable
set search_path = ''
as $$
declare
  -- staging calls it for every date-time: Notion's own form (…+01:00, …Z) is read from the end,
  -- the regular expression (25 µs a call) only for other forms
  v_tail text := right(p_value, 6);
  m text[];
begin
  if length(p_value) <= 10 or right(p_value, 1) in ('Z', 'z') then
    return null;
  elsif v_tail ~ '^[+-][0-9]{2}:[0-9]{2}$' and position('T' in upper(p_value)) > 0 then
    return case when substr(v_tail, 2) = '00:00' then null else v_tail end;
  end if;
  m := regexp_match(p_value, '[tT ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?\s*([+-])(\d{2}):?(\d{2})?$');
  if m is null or (m[2] = '00' and coalesce(m[3], '00') = '00') then
    return null;
  end if;
  return m[1] || m[2] || ':' || coalesce(m[3], '00');
end
$$;
comment on function notion_sync.date_offset(text) is
  'The offset (+HH:MM) of an ISO 8601 date-time, null when UTC or none. Any caller; raises nothing.';
revoke execute on function notion_sync.date_offset(text) from public;
grant execute on function notion_sync.date_offset(text) to authenticated, service_role;

-- A Notion date ({start, end, time_zone} or a date text) in canonical form (notion_date), with the
-- offset its start was written in when it has no time zone. Immutable; any caller; raises 22007,
-- 22008, 22023.
create function notion_sync.notion_date_with_offset(p_date jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_date jsonb := notion_sync.notion_date(p_date);
  v_offset text;
begin
  if v_date is null or v_date ->> 'time_zone' is not null or v_date ->> 'start' ~ '^\d{4}-\d{2}-\d{2}$' then
    return v_date;
  end if;
  if jsonb_typeof(p_date) = 'string' then
    v_offset := notion_sync.date_offset(p_date #>> '{}');
  else
    -- as Notion writes it, or a canonical value carrying its offset
    v_offset := coalesce(notion_sync.date_offset(p_date ->> 'start'),
                         case when p_date ->> 'start' ~* 'z$' then notion_sync.date_offset('T00:00' || (p_date ->> 'offset')) end);
  end if;
  return case when v_offset is null then v_date else v_date || jsonb_build_object('offset', v_offset) end;
end
$$;
comment on function notion_sync.notion_date_with_offset(jsonb) is
  'Canonical date (notion_date) with the offset of a date-time written without time zone. Any '
  'caller; raises 22007, 22008, 22023.';
revoke execute on function notion_sync.notion_date_with_offset(jsonb) from public;
grant execute on function notion_sync.notion_date_with_offset(jsonb) to authenticated, service_role;

-- The local time of a canonical instant in a date's time zone, else its offset, else UTC; and back.
-- Immutable; any caller; raises 22007, 22023.
create function notion_sync.date_local(p_instant text, p_time_zone text, p_offset text)
returns timestamp
language sql
immutable
set search_path = ''
as $$
  select case when p_time_zone is not null then p_instant::timestamptz at time zone p_time_zone
              when p_offset is not null then p_instant::timestamptz at time zone p_offset::interval
              else p_instant::timestamptz at time zone 'UTC' end
$$;
comment on function notion_sync.date_local(text, text, text) is
  'Local time of a canonical instant in a time zone, else an offset, else UTC. Any caller; raises '
  '22007, 22023.';
revoke execute on function notion_sync.date_local(text, text, text) from public;
grant execute on function notion_sync.date_local(text, text, text) to authenticated, service_role;

create function notion_sync.date_instant(p_local timestamp, p_time_zone text, p_offset text)
returns text
language sql
immutable
set search_path = ''
as $$
  select to_char(case when p_time_zone is not null then p_local at time zone p_time_zone
                      when p_offset is not null then p_local at time zone p_offset::interval
                      else p_local at time zone 'UTC' end at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
comment on function notion_sync.date_instant(timestamp, text, text) is
  'Canonical UTC instant of a local time in a time zone, else an offset, else UTC. Any caller; '
  'raises 22023.';
revoke execute on function notion_sync.date_instant(timestamp, text, text) from public;
grant execute on function notion_sync.date_instant(timestamp, text, text) to authenticated, service_role;

-- canonical values keep the offset ---------------------------------------------------------------
alter function notion_sync.notion_to_canonical(jsonb) rename to notion_to_canonical_in_utc;
comment on function notion_sync.notion_to_canonical_in_utc(jsonb) is
  'Canonical value of a Notion property value, date-times as UTC instants. Call notion_to_canonical, '
  'which keeps the offset of a date. Any caller; raises 22007, 22008, 22023.';

-- The canonical value of a Notion property value (notion_to_canonical_in_utc); a date or a formula's
-- date written with an offset and no time zone keeps that offset. Immutable; any caller; raises
-- 22007, 22008, 22023.
create function notion_sync.notion_to_canonical(p_property jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_result jsonb := notion_sync.notion_to_canonical_in_utc(p_property);
  v_date jsonb;
  v_offset text;
begin
  if v_result is null or jsonb_typeof(v_result) <> 'object' or v_result ->> 'time_zone' is not null
     or v_result ->> 'start' ~ '^\d{4}-\d{2}-\d{2}$' then
    return v_result;
  end if;
  v_date := case when p_property ->> 'type' = 'date' then p_property -> 'date'
                 when p_property ->> 'type' = 'formula' and p_property -> 'formula' ->> 'type' = 'date'
                 then p_property -> 'formula' -> 'date' end;
  v_offset := case when jsonb_typeof(v_date) = 'object' then notion_sync.date_offset(v_date ->> 'start') end;
  return case when v_offset is null then v_result else v_result || jsonb_build_object('offset', v_offset) end;
end
$$;
comment on function notion_sync.notion_to_canonical(jsonb) is
  'Canonical value of a Notion property value: rich text kept whole, dates as YYYY-MM-DD or UTC '
  'instants (with the offset a date-time was written in when it has no time zone). Any caller; '
  'raises 22007, 22008, 22023.';
revoke execute on function notion_sync.notion_to_canonical(jsonb) from public;
grant execute on function notion_sync.notion_to_canonical(jsonb) to authenticated, service_role;

-- a date column takes the day written ------------------------------------------------------------
alter function notion_sync.canonical_to_column(text, jsonb, regtype) rename to canonical_to_column_in_utc;
comment on function notion_sync.canonical_to_column_in_utc(text, jsonb, regtype) is
  'Column value of a canonical value. Call canonical_to_column, which gives a date column the day '
  'of a date-time in its offset. Any caller; raises 42804, 22023.';

-- The column value of a canonical value (canonical_to_column_in_utc); a date column takes the day
-- of a date-time in the offset it was written in. Stable; any caller; raises 42804, 22023.
create function notion_sync.canonical_to_column(p_type text, p_canonical jsonb, p_column_type regtype)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_type in ('date', 'formula') and jsonb_typeof(p_canonical) = 'object' and p_canonical ? 'offset'
     and p_canonical ->> 'time_zone' is null and p_canonical ->> 'start' !~ '^\d{4}-\d{2}-\d{2}$'
     and notion_sync.column_class(p_column_type) = 'date' then
    return to_jsonb(to_char(notion_sync.date_local(p_canonical ->> 'start', null, p_canonical ->> 'offset'), 'YYYY-MM-DD'));
  end if;
  return notion_sync.canonical_to_column_in_utc(p_type, p_canonical, p_column_type);
end
$$;
comment on function notion_sync.canonical_to_column(text, jsonb, regtype) is
  'Column value of a canonical value (a date column takes the day of a date-time where it was '
  'written). Any caller; raises 42804, 22023.';
revoke execute on function notion_sync.canonical_to_column(text, jsonb, regtype) from public;
grant execute on function notion_sync.canonical_to_column(text, jsonb, regtype) to authenticated, service_role;

-- a date with an offset is written in that offset -------------------------------------------------
alter function notion_sync.date_payload(jsonb) rename to date_payload_in_zone;
comment on function notion_sync.date_payload_in_zone(jsonb) is
  'A canonical date as Notion takes it, by its time zone. Call date_payload, which also writes a '
  'date in its offset. Any caller; raises 22007.';

-- A canonical date as Notion takes it: {start, end, time_zone}, local times without offset when it
-- has a time zone (date_payload_in_zone), date-times in their offset when it has one. Immutable; any
-- caller; raises 22007.
create function notion_sync.date_payload(p_date jsonb)
returns jsonb
language sql
immutable
set search_path = ''
as $$
  select case when p_date ->> 'offset' is not null and p_date ->> 'time_zone' is null
                   and p_date ->> 'start' !~ '^\d{4}-\d{2}-\d{2}$'
              then jsonb_build_object(
                'start', to_char(notion_sync.date_local(p_date ->> 'start', null, p_date ->> 'offset'),
                                 'YYYY-MM-DD"T"HH24:MI:SS.MS') || (p_date ->> 'offset'),
                'end', case when p_date ->> 'end' ~ '^\d{4}-\d{2}-\d{2}$' then p_date -> 'end'
                            else to_jsonb(to_char(notion_sync.date_local(p_date ->> 'end', null, p_date ->> 'offset'),
                                                  'YYYY-MM-DD"T"HH24:MI:SS.MS') || (p_date ->> 'offset')) end,
                'time_zone', null)
              else notion_sync.date_payload_in_zone(p_date - 'offset') end
$$;
comment on function notion_sync.date_payload(jsonb) is
  'A canonical date as Notion takes it (local times without offset when it has a time_zone, '
  'date-times in their offset when it has one). Any caller; raises 22007 for an unreadable date.';
revoke execute on function notion_sync.date_payload(jsonb) from public;
grant execute on function notion_sync.date_payload(jsonb) to authenticated, service_role;

-- the property schema names the column's class ----------------------------------------------------
alter function notion_sync.schema_property(uuid, text) rename to data_source_property;
comment on function notion_sync.data_source_property(uuid, text) is
  'The data source schema of a mapped property, with its related mapping. Call schema_property, '
  'which adds the column''s class. Authenticated; raises nothing.';

-- The schema of a mapped property as column_to_notion takes it (data_source_property), with the
-- class of its column (column_class: a date column holds no time): of the field p_field, for a
-- property mapped to several columns (a date to a date column and to a text column: each is written
-- to Notion by its own rule); without p_field, of one of its columns. Authenticated; raises nothing.
create function notion_sync.schema_property(p_mapping_id uuid, p_property_id text, p_field text default null)
returns jsonb
language sql
stable
set search_path = ''
as $$
  select case when c.column_class is null then p.schema
              else coalesce(p.schema, '{}'::jsonb) || jsonb_build_object('column_class', c.column_class) end
  from (select notion_sync.data_source_property(p_mapping_id, p_property_id) as schema) p
  left join lateral (
    select notion_sync.column_class(f.column_type) as column_class
    from notion_sync.mapping_fields(p_mapping_id) f
    where f.property_id = p_property_id and (p_field is null or f.field = p_field)
    limit 1) c on true
$$;
comment on function notion_sync.schema_property(uuid, text, text) is
  'The data source schema of a mapped property, with its related mapping and the class of its '
  'column (of the field given, when the property is mapped to several). Authenticated; raises nothing.';
revoke execute on function notion_sync.schema_property(uuid, text, text) from public;
grant execute on function notion_sync.schema_property(uuid, text, text) to authenticated, service_role;

-- The payloads of a push, a create and a restore are built field by field: each asks for the schema
-- of the field's own column (a date mapped to a date column and to a text column took the class of
-- whichever the mapping listed first, so a day moved in the date column was sent as a date alone and
-- lost Notion's time of day). Their bodies are the current ones (as queue_push, queue_create and
-- plan_restore before their renames) with only the field passed to schema_property; a wrapper cannot
-- pass it, the call sits inside their loops.
create or replace function notion_sync.queue_push_plan(p_mapping_id uuid, p_page_id text, p_record_key text,
  p_values jsonb, p_expected jsonb, p_run_id uuid default null, p_conflict_id uuid default null,
  p_advance_base boolean default true)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_field record;
  v_props jsonb := '{}'::jsonb;
  v_fields jsonb := '{}'::jsonb;
  v_canonical jsonb;
  v_id bigint;
begin
  select sp.mapped_values into v_canonical from notion_sync.staged_pages sp
  where sp.mapping_id = p_mapping_id and sp.page_id = p_page_id;
  for v_field in
    select f.* from notion_sync.mapping_fields(p_mapping_id) f where p_values ? f.field
  loop
    begin
      v_props := v_props || jsonb_build_object(v_field.property_id, notion_sync.column_to_notion(
        v_field.property_type, p_values -> v_field.field, v_canonical -> v_field.field,
        notion_sync.schema_property(p_mapping_id, v_field.property_id, v_field.field)));
      v_fields := v_fields || jsonb_build_object(v_field.field, jsonb_build_object(
        'value', p_values -> v_field.field, 'expected', p_expected -> v_field.field,
        'property_id', v_field.property_id));
    exception when others then
      perform notion_sync.open_conflict(p_mapping_id, p_run_id,
        case when sqlerrm like 'formatting_would_be_lost:%' then 'formatting_would_be_lost' else 'push_failed' end,
        p_page_id, p_record_key,
        jsonb_build_object(v_field.field, jsonb_build_object(
          'base', p_expected -> v_field.field, 'notion', p_expected -> v_field.field,
          'supabase', p_values -> v_field.field)),
        jsonb_build_object('error', sqlerrm));
    end;
  end loop;
  if v_props = '{}'::jsonb then
    return null;
  end if;
  -- one pending update per page: the newest plan covers every field still to push
  update notion_sync.outbox o set status = 'cancelled', updated_at = now()
  where o.mapping_id = p_mapping_id and o.page_id = p_page_id and o.op = 'update' and o.status = 'pending'
    and o.advance_base = p_advance_base;
  insert into notion_sync.outbox (owner_id, mapping_id, run_id, op, page_id, record_key, properties,
                                  expected_base, fields, conflict_id, advance_base)
  select m.owner_id, p_mapping_id, p_run_id, 'update', p_page_id, p_record_key, v_props,
         p_expected, v_fields, p_conflict_id, p_advance_base
  from notion_sync.mappings m where m.mapping_id = p_mapping_id
  returning outbox_id into v_id;
  return v_id;
end
$$;

create or replace function notion_sync.queue_create_intent(p_mapping_id uuid, p_run_id uuid, p_record_key text,
  p_values jsonb, p_again boolean default false)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_field record;
  v_props jsonb := '{}'::jsonb;
  v_fields jsonb := '{}'::jsonb;
  v_refused jsonb := '{}'::jsonb;
  v_errors text[] := '{}';
  v_id bigint;
begin
  if exists (select from notion_sync.outbox o where o.mapping_id = p_mapping_id
               and o.record_key = p_record_key and o.op = 'create'
               and (o.status in ('pending', 'in_flight') or (o.status = 'done' and not p_again))) then
    return null;
  end if;
  for v_field in select f.* from notion_sync.mapping_fields(p_mapping_id) f where p_values ? f.field loop
    begin
      v_props := v_props || jsonb_build_object(v_field.property_id, notion_sync.column_to_notion(
        v_field.property_type, p_values -> v_field.field, null,
        notion_sync.schema_property(p_mapping_id, v_field.property_id, v_field.field)));
      v_fields := v_fields || jsonb_build_object(v_field.field, jsonb_build_object(
        'value', p_values -> v_field.field, 'property_id', v_field.property_id));
    exception when others then
      v_refused := v_refused || jsonb_build_object(v_field.field, jsonb_build_object(
        'base', null, 'notion', null, 'supabase', p_values -> v_field.field));
      v_errors := v_errors || sqlerrm;
    end;
  end loop;
  if v_refused <> '{}'::jsonb then
    perform notion_sync.open_conflict(p_mapping_id, p_run_id, 'push_failed', null, p_record_key, v_refused,
      jsonb_build_object('op', 'create', 'error', array_to_string(v_errors, E'\n')));
    return null;
  end if;
  if v_fields = '{}'::jsonb then
    return null;
  end if;
  update notion_sync.conflicts c
  set status = 'resolved', resolved_at = now(),
      resolution = jsonb_build_object('action', 'obsolete', 'run_id', p_run_id)
  where c.mapping_id = p_mapping_id and c.record_key = p_record_key and c.page_id is null
    and c.kind = 'push_failed' and c.status in ('open', 'dismissed');
  insert into notion_sync.outbox (owner_id, mapping_id, run_id, op, record_key, properties, fields)
  select m.owner_id, p_mapping_id, p_run_id, 'create', p_record_key, v_props, v_fields
  from notion_sync.mappings m where m.mapping_id = p_mapping_id
  returning outbox_id into v_id;
  return v_id;
end
$$;

create or replace function notion_sync.plan_restore_in_place(p_outbox_id bigint, p_page jsonb)
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_item notion_sync.outbox;
  v_map notion_sync.mappings;
  v_record jsonb;
  v_props jsonb;
  v_fields jsonb;
begin
  select * into v_item from notion_sync.outbox o where o.outbox_id = p_outbox_id and o.status = 'in_flight';
  if not found then
    raise exception 'outbox item % not found or not in flight', p_outbox_id using errcode = 'P0002';
  end if;
  if v_item.op <> 'restore' then
    raise exception 'outbox item % is a %, not a restore', p_outbox_id, v_item.op using errcode = '22023';
  end if;
  select * into v_map from notion_sync.mappings m where m.mapping_id = v_item.mapping_id;
  if p_page is not null and jsonb_typeof(p_page) = 'object' then
    if coalesce((p_page ->> 'in_trash')::boolean, (p_page ->> 'archived')::boolean, false) then
      return jsonb_build_object('action', 'untrash');
    end if;
    return jsonb_build_object('action', 'done');
  end if;
  select s.cols into v_record
  from notion_sync.record_column_values(v_item.mapping_id, array[v_item.record_key]) s;
  if v_record is null then
    return jsonb_build_object('action', 'fail', 'error',
      format('the page is gone from Notion and record %s is gone from Supabase: nothing to restore from',
             v_item.record_key));
  end if;
  begin
    select coalesce(jsonb_object_agg(f.property_id, notion_sync.column_to_notion(f.property_type, v_record -> f.field,
                      null, notion_sync.schema_property(v_item.mapping_id, f.property_id, f.field))),
                    '{}'::jsonb),
           coalesce(jsonb_object_agg(f.field, jsonb_build_object('value', v_record -> f.field,
                      'property_id', f.property_id)), '{}'::jsonb)
    into v_props, v_fields
    from notion_sync.mapping_fields(v_item.mapping_id) f
    where f.direction = 'both' and v_record ? f.field;
  exception when others then
    return jsonb_build_object('action', 'fail', 'error', sqlerrm);
  end;
  update notion_sync.outbox o set properties = v_props, fields = v_fields, updated_at = now()
  where o.outbox_id = p_outbox_id;
  return jsonb_build_object('action', 'recreate', 'data_source_id', v_map.data_source_id, 'properties', v_props);
end
$$;

-- a date edited in a column keeps Notion's time, zone and range ----------------------------------
-- The canonical date to write when a column's start (p_start: a date or a UTC instant) replaces a
-- previous date (canonical, or null):
--   * a day alone for a date-time, from a column that holds no time (any but a text column, whose
--     class may also be unknown): the same day leaves the date as it is; another day keeps the time
--     of day in the date's zone or offset;
--   * UTC midnight for a date alone, from a timestamp or timestamptz column: the date as it is;
--   * otherwise the start as given, with the previous zone or offset for a date-time, and a date
--     alone from a text column is an all-day date.
-- A range keeps its end, in the start's form, unless the end would come before the new start: then
-- it moves by as much as the start (the range keeps its length). Immutable; any caller; raises 22007,
-- 22008, 22023.
create function notion_sync.date_moved(p_previous jsonb, p_start text, p_column_class text default null)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_prev jsonb := notion_sync.notion_date_with_offset(nullif(p_previous, 'null'::jsonb));
  v_zone text := v_prev ->> 'time_zone';
  v_offset text := v_prev ->> 'offset';
  v_timed boolean := p_start !~ '^\d{4}-\d{2}-\d{2}$';
  v_prev_timed boolean := v_prev ->> 'start' !~ '^\d{4}-\d{2}-\d{2}$';
  v_prev_local timestamp;
  v_prev_day date;
  v_start text := p_start;
  v_end text := v_prev ->> 'end';
begin
  if v_prev is null then
    return jsonb_build_object('start', p_start, 'end', null, 'time_zone', null);
  end if;
  if v_prev_timed then
    v_prev_local := notion_sync.date_local(v_prev ->> 'start', v_zone, v_offset);
    v_prev_day := v_prev_local::date;
  else
    v_prev_day := (v_prev ->> 'start')::date;
  end if;

  if not v_timed and v_prev_timed and coalesce(p_column_class, '') <> 'text' then
    -- the column holds only the day: the time of day, the zone and the range go with it
    if p_start::date = v_prev_day then
      return v_prev;
    end if;
    v_start := notion_sync.date_instant(p_start::date + v_prev_local::time, v_zone, v_offset);
    if v_end ~ '^\d{4}-\d{2}-\d{2}$' and v_end::date < p_start::date then
      v_end := to_char(v_end::date + (p_start::date - v_prev_day), 'YYYY-MM-DD');
    elsif v_end !~ '^\d{4}-\d{2}-\d{2}$' and v_end::timestamptz < v_start::timestamptz then
      v_end := notion_sync.date_instant(notion_sync.date_local(v_end, v_zone, v_offset)
                                        + make_interval(days => p_start::date - v_prev_day), v_zone, v_offset);
    end if;
    return jsonb_build_object('start', v_start, 'end', v_end, 'time_zone', v_zone)
           || case when v_offset is not null then jsonb_build_object('offset', v_offset) else '{}'::jsonb end;
  end if;
  if v_timed and not v_prev_timed and coalesce(p_column_class, '') <> 'text'
     and p_start = (v_prev ->> 'start') || 'T00:00:00.000Z' then
    return v_prev;   -- a timestamp(tz) column holding the previous date at UTC midnight
  end if;

  if v_end is not null then
    if not v_timed and v_end !~ '^\d{4}-\d{2}-\d{2}$' then
      -- an all-day start: the end's day, where it was written
      v_end := to_char(notion_sync.date_local(v_end, v_zone, v_offset), 'YYYY-MM-DD');
    end if;
    if not v_timed and v_end::date < p_start::date then
      v_end := to_char(v_end::date + (p_start::date - v_prev_day), 'YYYY-MM-DD');
    elsif v_timed and v_end !~ '^\d{4}-\d{2}-\d{2}$' and v_end::timestamptz < p_start::timestamptz then
      v_end := case when v_prev_timed then to_char((v_end::timestamptz + (p_start::timestamptz - (v_prev ->> 'start')::timestamptz))
                       at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') end;
    elsif v_timed and v_end ~ '^\d{4}-\d{2}-\d{2}$' and not v_end >= p_start then
      v_end := null;   -- a time given to an all-day range ending before it (as before)
    end if;
  end if;
  return jsonb_build_object('start', p_start, 'end', v_end,
                            'time_zone', case when v_timed and v_prev_timed then v_zone end)
         || case when v_timed and v_prev_timed and v_offset is not null
                 then jsonb_build_object('offset', v_offset) else '{}'::jsonb end;
end
$$;
comment on function notion_sync.date_moved(jsonb, text, text) is
  'The canonical date to write when a column''s start replaces a previous date: time of day, zone '
  'or offset and range end kept (see its comment). Any caller; raises 22007, 22008, 22023.';
revoke execute on function notion_sync.date_moved(jsonb, text, text) from public;
grant execute on function notion_sync.date_moved(jsonb, text, text) to authenticated, service_role;

-- The Notion payload ({"date": ...}) of a date column's value (date, timestamp or text as jsonb, or
-- a {start, end, time_zone} object), given the page's previous date (canonical, or the raw property
-- value) and the column's class; a date-time in a text column is written in the offset it states.
-- Immutable; any caller; raises 22007, 22008, 22023.
create function notion_sync.date_to_notion(p_value jsonb, p_previous jsonb default null, p_column_class text default null)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
declare
  v_value jsonb := nullif(p_value, 'null'::jsonb);
  v_prev jsonb := nullif(p_previous, 'null'::jsonb);
  v_date jsonb;
begin
  if jsonb_typeof(v_prev) = 'object' and v_prev ->> 'type' = 'date' and v_prev ? 'date' then
    v_prev := notion_sync.notion_to_canonical(v_prev);
  end if;
  if v_value is null or v_value = '""'::jsonb then
    return '{"date": null}'::jsonb;
  elsif jsonb_typeof(v_value) = 'object' then
    v_date := notion_sync.notion_date_with_offset(v_value);
  elsif jsonb_typeof(v_value) = 'string' then
    v_date := notion_sync.date_moved(v_prev, notion_sync.notion_instant(v_value #>> '{}'), p_column_class);
    if p_column_class = 'text' and v_date ->> 'time_zone' is null and v_date ->> 'start' !~ '^\d{4}-\d{2}-\d{2}$' then
      -- a text says its own offset (none: UTC)
      v_date := v_date - 'offset' || coalesce(jsonb_build_object('offset', notion_sync.date_offset(v_value #>> '{}')), '{}'::jsonb);
    end if;
  else
    raise exception 'invalid_value: a date value must come from a date, a timestamp, text or a {start, end, time_zone} object, got %',
      left(v_value::text, 200) using errcode = '22023';
  end if;
  return jsonb_build_object('date', case when v_date is not null then notion_sync.date_payload(v_date) end);
end
$$;
comment on function notion_sync.date_to_notion(jsonb, jsonb, text) is
  'Notion payload of a date column''s value, keeping the previous date''s time, zone or offset and '
  'range (date_moved). Any caller; raises 22007, 22008, 22023.';
revoke execute on function notion_sync.date_to_notion(jsonb, jsonb, text) from public;
grant execute on function notion_sync.date_to_notion(jsonb, jsonb, text) to authenticated, service_role;

alter function notion_sync.column_value_to_notion(text, jsonb, jsonb, jsonb) rename to column_value_to_notion_undated;
comment on function notion_sync.column_value_to_notion_undated(text, jsonb, jsonb, jsonb) is
  'Notion payload of a column value. Call column_value_to_notion, which writes dates with '
  'date_to_notion. Any caller; raises 0A000, 22001, 22003, 22007, 22023.';

-- The Notion payload of a column value: dates by date_to_notion (the column's class read from the
-- property schema), the other types by column_value_to_notion_undated. Stable; any caller; raises
-- 0A000, 22001, 22003, 22007, 22023.
create function notion_sync.column_value_to_notion(
  p_type text, p_value jsonb, p_previous jsonb default null, p_property_schema jsonb default null)
returns jsonb
language plpgsql
stable
set search_path = ''
as $$
begin
  if p_type = 'date' then
    return notion_sync.date_to_notion(p_value, p_previous, p_property_schema ->> 'column_class');
  end if;
  return notion_sync.column_value_to_notion_undated(p_type, p_value, p_previous, p_property_schema);
end
$$;
comment on function notion_sync.column_value_to_notion(text, jsonb, jsonb, jsonb) is
  'Notion payload of a column value (dates keep the previous time, zone and range). Any caller; '
  'raises 0A000, 22001, 22003, 22007, 22023.';
revoke execute on function notion_sync.column_value_to_notion(text, jsonb, jsonb, jsonb) from public;
grant execute on function notion_sync.column_value_to_notion(text, jsonb, jsonb, jsonb) to authenticated, service_role;

-- lists compare as Notion stores them --------------------------------------------------------------
alter function notion_sync.column_match_key(text, jsonb) rename to column_match_key_as_listed;
comment on function notion_sync.column_match_key_as_listed(text, jsonb) is
  'Comparison key of a mapped column value, list elements as written. Call column_match_key, which '
  'puts them in Notion''s form first. Any caller; raises nothing.';

-- The comparison key of a mapped column value (column_match_key_as_listed), after putting list
-- elements in the form Notion stores them, as column_to_notion sends them: people and relation ids
-- dashed and lowercase, empty elements and empty option names dropped. Immutable; any caller;
-- raises nothing.
create function notion_sync.column_match_key(p_property_type text, p_value jsonb)
returns jsonb
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_property_type in ('multi_select', 'people', 'relation') and jsonb_typeof(p_value) = 'array' then
    return notion_sync.column_match_key_as_listed(p_property_type, coalesce((
      select jsonb_agg(x.v order by x.ordinality)
      from (select e.ordinality,
                   case when p_property_type = 'multi_select' then
                          case when jsonb_typeof(e.value) = 'object' then to_jsonb(nullif(e.value ->> 'name', ''))
                               when jsonb_typeof(e.value) = 'string' then to_jsonb(nullif(e.value #>> '{}', ''))
                               else nullif(e.value, 'null'::jsonb) end
                        when jsonb_typeof(e.value) = 'object' then
                          to_jsonb(notion_sync.notion_id(nullif(e.value ->> 'id', '')))
                        when jsonb_typeof(e.value) = 'string' then
                          to_jsonb(notion_sync.notion_id(nullif(e.value #>> '{}', '')))
                        else nullif(e.value, 'null'::jsonb) end as v
            from jsonb_array_elements(p_value) with ordinality e) x
      where x.v is not null), '[]'::jsonb));
  end if;
  return notion_sync.column_match_key_as_listed(p_property_type, p_value);
end
$$;
comment on function notion_sync.column_match_key(text, jsonb) is
  'Comparison key of a mapped column value: canonical_key''s, empty values as null, lists in order '
  'without repeats, ids dashed and lowercase, empty option names dropped; an unreadable value as it '
  'is. Any caller; raises nothing.';
revoke execute on function notion_sync.column_match_key(text, jsonb) from public;
grant execute on function notion_sync.column_match_key(text, jsonb) to authenticated, service_role;

-- pages staged with a date-time written with an offset: converted again at their next staging
update notion_sync.staged_pages sp set properties_hash = null
where sp.properties_hash is not null
  and sp.raw::text ~ '"start": "\d{4}-\d{2}-\d{2}T[0-9:.]+[+-]\d{2}:?\d{2}"';
