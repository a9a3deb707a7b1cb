-- The shared Notion rate budget and the SQL side of sync-from-supabase (DESIGN §4 "Rate limit",
-- "Push", "Deletes"). Notion limits each integration (about 3 requests/s, burstable, 429 with
-- Retry-After past it); every function instance takes from one budget kept in Postgres, so a
-- second instance (or the scheduler) slows down instead of provoking 429s. The budget is a GCRA
-- token bucket kept on the caller's connection rows: one bucket per bot id (the integration) among
-- the caller's connections, under RLS, so no security definer is needed. The outbox helpers keep
-- every push decision in SQL: which due items to claim (optionally for some records only), how to
-- find a page an earlier create may have made, which found page is ours, and whether a restore
-- un-trashes the original page or creates it again from the record and relinks it.

-- rate budget ---------------------------------------------------------------------------------
alter table notion_sync.connections
  add column rate_per_second double precision not null default 3,
  add column rate_burst integer not null default 10,
  add column rate_next_at timestamptz,
  add column rate_paused_until timestamptz,
  add column rate_requests bigint not null default 0,
  add constraint connections_rate_positive check (rate_per_second > 0 and rate_per_second <= 1000),
  add constraint connections_burst_positive check (rate_burst between 1 and 10000);
comment on column notion_sync.connections.rate_per_second is
  'Sustained Notion requests per second allowed for this integration (Notion: 3, Business 10).';
comment on column notion_sync.connections.rate_burst is
  'How many requests may go at once after a quiet period (the bucket''s depth).';
comment on column notion_sync.connections.rate_next_at is
  'The bucket''s theoretical arrival time (GCRA): requests are spaced 1/rate apart, up to burst early.';
comment on column notion_sync.connections.rate_paused_until is
  'Set from Notion''s Retry-After when it answers 429/529: no instance sends before then.';
grant select (rate_per_second, rate_burst, rate_next_at, rate_paused_until, rate_requests)
  on notion_sync.connections to authenticated;
grant update (rate_per_second, rate_burst, rate_next_at, rate_paused_until, rate_requests)
  on notion_sync.connections to authenticated;

-- The connection row holding the bucket of a connection's integration (its bot id; the lowest
-- connection id among the caller's connections of that bot), locked for update.
create function notion_sync.budget_connection(p_connection_id uuid)
returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_key text;
  v_id uuid;
begin
  select coalesce(c.bot_id, c.connection_id::text) into v_key
  from notion_sync.connections c where c.connection_id = p_connection_id;
  if v_key is null then
    raise exception 'connection % not found', p_connection_id using errcode = 'P0002';
  end if;
  select c.connection_id into v_id from notion_sync.connections c
  where coalesce(c.bot_id, c.connection_id::text) = v_key
  order by c.connection_id
  limit 1
  for update;
  return v_id;
end
$$;
comment on function notion_sync.budget_connection(uuid) is
  'The caller''s connection row that holds the rate bucket of this connection''s bot id, locked. '
  'Authenticated (RLS on connections). Raises P0002 when the connection is not the caller''s.';
revoke execute on function notion_sync.budget_connection(uuid) from public;
grant execute on function notion_sync.budget_connection(uuid) to authenticated, service_role;

-- Takes one request from the integration's budget; returns how many milliseconds the caller must
-- wait before sending it. Atomic (the bucket row is locked), so concurrent instances are spaced
-- 1/rate apart once the burst is spent, and nobody sends before a Retry-After pause ends.
create function notion_sync_api.take_notion_budget(p_connection_id uuid)
returns double precision
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_id uuid := notion_sync.budget_connection(p_connection_id);
  v_now timestamptz := clock_timestamp();
  v_rate double precision;
  v_burst integer;
  v_next timestamptz;
  v_paused timestamptz;
  v_step interval;
  v_tat timestamptz;
  v_send timestamptz;
begin
  -- (only these columns: clients may not read token_ciphertext)
  select c.rate_per_second, c.rate_burst, c.rate_next_at, c.rate_paused_until
  into v_rate, v_burst, v_next, v_paused
  from notion_sync.connections c where c.connection_id = v_id;
  v_step := make_interval(secs => 1.0 / v_rate);
  v_tat := greatest(coalesce(v_next, v_now), v_now, coalesce(v_paused, v_now));
  v_send := greatest(v_now, coalesce(v_paused, v_now), v_tat - v_step * (v_burst - 1));
  update notion_sync.connections c
  set rate_next_at = v_tat + v_step, rate_requests = c.rate_requests + 1
  where c.connection_id = v_id;
  return greatest(0, extract(epoch from v_send - v_now) * 1000)::double precision;
end
$$;
comment on function notion_sync_api.take_notion_budget(uuid) is
  'Reserves one Notion request of the connection''s integration; returns the milliseconds to wait '
  'before sending it. Authenticated. Raises P0002 when the connection is not the caller''s.';
revoke execute on function notion_sync_api.take_notion_budget(uuid) from public;
grant execute on function notion_sync_api.take_notion_budget(uuid) to authenticated;

-- Records Notion's Retry-After (429 / 529): no instance sends for that integration before then.
create function notion_sync_api.pause_notion_budget(p_connection_id uuid, p_seconds double precision)
returns timestamptz
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_id uuid;
  v_until timestamptz;
begin
  if p_seconds is null or p_seconds < 0 then
    raise exception 'p_seconds must be a non-negative number of seconds' using errcode = '22023';
  end if;
  v_id := notion_sync.budget_connection(p_connection_id);
  update notion_sync.connections c
  set rate_paused_until = greatest(coalesce(c.rate_paused_until, '-infinity'),
                                   clock_timestamp() + make_interval(secs => least(p_seconds, 3600)))
  where c.connection_id = v_id
  returning c.rate_paused_until into v_until;
  return v_until;
end
$$;
comment on function notion_sync_api.pause_notion_budget(uuid, double precision) is
  'Pauses the connection''s integration budget for Retry-After seconds (at most an hour; never '
  'shortens a longer pause). Authenticated. Raises P0002, 22023 (negative seconds).';
revoke execute on function notion_sync_api.pause_notion_budget(uuid, double precision) from public;
grant execute on function notion_sync_api.pause_notion_budget(uuid, double precision) to authenticated;

-- Sets the integration's rate (Business and Enterprise plans allow 10 requests/s).
create function notion_sync_api.set_notion_budget(
  p_connection_id uuid, p_rate_per_second double precision, p_burst integer)
returns void
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_bot text;
begin
  select coalesce(c.bot_id, c.connection_id::text) into v_bot
  from notion_sync.connections c where c.connection_id = p_connection_id;
  if v_bot is null then
    raise exception 'connection % not found', p_connection_id using errcode = 'P0002';
  end if;
  if p_rate_per_second is null or p_rate_per_second <= 0 or p_rate_per_second > 1000
     or p_burst is null or p_burst < 1 or p_burst > 10000 then
    raise exception 'the rate must be in (0, 1000] requests/s and the burst in [1, 10000]' using errcode = '22023';
  end if;
  update notion_sync.connections c
  set rate_per_second = p_rate_per_second, rate_burst = p_burst
  where coalesce(c.bot_id, c.connection_id::text) = v_bot;
end
$$;
comment on function notion_sync_api.set_notion_budget(uuid, double precision, integer) is
  'Sets the sustained rate and burst of the connection''s integration budget. Authenticated. '
  'Raises P0002, 22023 (out of range).';
revoke execute on function notion_sync_api.set_notion_budget(uuid, double precision, integer) from public;
grant execute on function notion_sync_api.set_notion_budget(uuid, double precision, integer) to authenticated;

-- outbox: claiming ------------------------------------------------------------------------------

-- Claims due outbox items of a mapping, optionally only those of some records. An item left in
-- flight for 10 minutes belongs to an instance that died (functions live 150 s at most): it is
-- claimed again (a create then looks its page up before creating, as for any later attempt).
create function notion_sync_api.claim_outbox_for(
  p_mapping_name text, p_record_keys text[] default null, p_limit integer default 20)
returns setof notion_sync.outbox
language plpgsql
security invoker
set search_path = ''
as $$
begin
  return query
  update notion_sync.outbox o
  set status = 'in_flight', attempts = o.attempts + 1, updated_at = now()
  where o.outbox_id in (
    select x.outbox_id from notion_sync.outbox x
    join notion_sync.mappings m on m.mapping_id = x.mapping_id
    where m.name = p_mapping_name
      and ((x.status = 'pending' and x.next_attempt_at <= now())
           or (x.status = 'in_flight' and x.updated_at < now() - interval '10 minutes'))
      and (p_record_keys is null or x.record_key = any (p_record_keys))
    order by x.outbox_id
    limit least(greatest(p_limit, 1), 100)
    for update of x skip locked)
  returning o.*;
end
$$;
comment on function notion_sync_api.claim_outbox_for(text, text[], integer) is
  'Claims up to p_limit due Notion writes of the caller''s mapping (only those of p_record_keys when '
  'given), and writes abandoned in flight for 10 minutes. Authenticated; raises nothing.';
revoke execute on function notion_sync_api.claim_outbox_for(text, text[], integer) from public;
grant execute on function notion_sync_api.claim_outbox_for(text, text[], integer) to authenticated;

-- outbox: creates that may already have happened -------------------------------------------------

-- How to find the page an earlier attempt of a create (or a re-create) may have made: a data
-- source query filter on the natural key, else the title, else the creation time.
-- Returns {data_source_id, filter}.
create function notion_sync_api.create_lookup(p_outbox_id bigint)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_item notion_sync.outbox;
  v_map notion_sync.mappings;
  v_field record;
  v_text text;
begin
  select * into v_item from notion_sync.outbox o where o.outbox_id = p_outbox_id;
  if not found then
    raise exception 'outbox item % not found', p_outbox_id using errcode = 'P0002';
  end if;
  select * into v_map from notion_sync.mappings m where m.mapping_id = v_item.mapping_id;
  for v_field in
    select f.field, f.property_id, f.property_type, v_item.fields -> f.field -> 'value' as value
    from notion_sync.mapping_fields(v_item.mapping_id) f
    where v_item.fields ? f.field
      and f.property_type in ('title', 'rich_text', 'url', 'email', 'phone_number', 'number')
      and jsonb_typeof(v_item.fields -> f.field -> 'value') in ('string', 'number', 'array')
    order by (f.property_id = v_map.natural_key ->> 'property_id') desc nulls last,
             (f.property_type = 'title') desc
  loop
    v_text := case jsonb_typeof(v_field.value) when 'array' then notion_sync.rich_text_plain(v_field.value)
                                               else v_field.value #>> '{}' end;
    continue when v_text is null or v_text = '' or length(v_text) > 2000;
    return jsonb_build_object('data_source_id', v_map.data_source_id, 'filter',
      case when v_field.property_type = 'number'
           then jsonb_build_object('property', v_field.property_id, 'number',
                                   jsonb_build_object('equals', v_field.value))
           else jsonb_build_object('property', v_field.property_id, v_field.property_type,
                                   jsonb_build_object('equals', v_text)) end);
  end loop;
  return jsonb_build_object('data_source_id', v_map.data_source_id, 'filter', jsonb_build_object(
    'timestamp', 'created_time', 'created_time', jsonb_build_object(
      'on_or_after', to_char(date_trunc('minute', v_item.created_at at time zone 'UTC') - interval '5 minutes',
                             'YYYY-MM-DD"T"HH24:MI:SS".000Z"'))));
end
$$;
comment on function notion_sync_api.create_lookup(bigint) is
  'The data source and query filter that find a page an earlier attempt of this create may have '
  'made. Authenticated. Raises P0002.';
revoke execute on function notion_sync_api.create_lookup(bigint) from public;
grant execute on function notion_sync_api.create_lookup(bigint) to authenticated;

-- Which of the pages a lookup found is the one this create made: live, in the mapping's data
-- source, linked to no record, created by the integration (when its bot id is known) no earlier
-- than the intent's minute (less a margin for clock skew); the one agreeing on most of the values
-- sent, then the newest. Returns the page or null.
create function notion_sync_api.match_created_page(p_outbox_id bigint, p_pages jsonb)
returns jsonb
language plpgsql
stable
security invoker
set search_path = ''
as $$
declare
  v_item notion_sync.outbox;
  v_map notion_sync.mappings;
  v_bot text;
  v_page jsonb;
begin
  select * into v_item from notion_sync.outbox o where o.outbox_id = p_outbox_id;
  if not found then
    raise exception 'outbox item % not found', p_outbox_id using errcode = 'P0002';
  end if;
  select * into v_map from notion_sync.mappings m where m.mapping_id = v_item.mapping_id;
  select c.bot_id into v_bot from notion_sync.connections c where c.connection_id = v_map.connection_id;
  if jsonb_typeof(p_pages) is distinct from 'array' then
    raise exception 'p_pages must be a JSON array of pages' using errcode = '22023';
  end if;
  select p into v_page
  from jsonb_array_elements(p_pages) p
  where not coalesce((p ->> 'in_trash')::boolean, (p ->> 'archived')::boolean, false)
    and notion_sync.notion_id(p -> 'parent' ->> 'data_source_id') = notion_sync.notion_id(v_map.data_source_id)
    and not exists (select from notion_sync.links l where l.mapping_id = v_item.mapping_id
                      and l.page_id = notion_sync.notion_id(p ->> 'id'))
    and (v_bot is null or notion_sync.notion_id(p -> 'created_by' ->> 'id') = notion_sync.notion_id(v_bot))
    and (p ->> 'created_time')::timestamptz >= date_trunc('minute', v_item.created_at) - interval '5 minutes'
  order by (select count(*) from jsonb_each(v_item.fields) f
            where (notion_sync.page_column_values(v_item.mapping_id, p) -> f.key) is not distinct from (f.value -> 'value')) desc,
           (p ->> 'created_time')::timestamptz desc
  limit 1;
  return v_page;
end
$$;
comment on function notion_sync_api.match_created_page(bigint, jsonb) is
  'The page (of those a create lookup found) that this create made, or null. Authenticated. '
  'Raises P0002, 22023 (not an array).';
revoke execute on function notion_sync_api.match_created_page(bigint, jsonb) from public;
grant execute on function notion_sync_api.match_created_page(bigint, jsonb) to authenticated;

-- outbox: restores --------------------------------------------------------------------------------

-- What a restore does, given the original page as Notion has it now (null when Notion answers 404:
-- purged, or no longer shared): un-trash it; nothing, when it is live again; or create it again
-- from the record (its current values through column_to_notion, every two-way field), which the
-- item then carries like a create (fields, properties) so a lookup can find it after a timeout.
-- Returns {action: untrash|done|recreate|fail, data_source_id, properties, error}.
create function notion_sync_api.plan_restore(p_outbox_id bigint, p_page jsonb)
returns jsonb
language plpgsql
security invoker
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
                      null, notion_sync.schema_property(v_item.mapping_id, f.property_id))), '{}'::jsonb),
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
comment on function notion_sync_api.plan_restore(bigint, jsonb) is
  'Decides how an in-flight restore brings its page back (untrash, done, recreate from the record, '
  'or fail) from the page as Notion has it (null for a 404). Authenticated. Raises P0002, 22023.';
revoke execute on function notion_sync_api.plan_restore(bigint, jsonb) from public;
grant execute on function notion_sync_api.plan_restore(bigint, jsonb) to authenticated;

-- A confirmed restore, from Notion's answer. A page created again replaces the original in the
-- link (same record), its base the values read back, each logged as a Notion change; then
-- confirm_push stages the page and closes the item.
create function notion_sync_api.confirm_restore(p_outbox_id bigint, p_page jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_item notion_sync.outbox;
  v_page_id text := notion_sync.notion_id(p_page ->> 'id');
  v_back jsonb;
begin
  select * into v_item from notion_sync.outbox o where o.outbox_id = p_outbox_id and o.status = 'in_flight';
  if not found then
    raise exception 'outbox item % not found or not in flight', p_outbox_id using errcode = 'P0002';
  end if;
  if v_item.op <> 'restore' then
    raise exception 'outbox item % is a %, not a restore', p_outbox_id, v_item.op using errcode = '22023';
  end if;
  if v_page_id is null then
    raise exception 'p_page is not a Notion page' using errcode = '22023';
  end if;
  if v_page_id is distinct from v_item.page_id then
    v_back := notion_sync.page_column_values(v_item.mapping_id, p_page);
    update notion_sync.links l
    set page_id = v_page_id,
        base = (select coalesce(jsonb_object_agg(k, v_back -> k), '{}'::jsonb) from jsonb_object_keys(v_item.fields) k),
        synced_at = now()
    where l.mapping_id = v_item.mapping_id and l.page_id = v_item.page_id;
    insert into notion_sync.changes (owner_id, mapping_id, run_id, conflict_id, side, page_id, record_key, field,
                                     old_value, new_value)
    select v_item.owner_id, v_item.mapping_id, v_item.run_id, v_item.conflict_id, 'notion', v_page_id,
           v_item.record_key, k, null, v_back -> k
    from jsonb_object_keys(v_item.fields) k;
    update notion_sync.outbox o
    set page_id = v_page_id,
        outcome = coalesce(o.outcome, '{}'::jsonb) || jsonb_build_object('replaced_page_id', v_item.page_id)
    where o.outbox_id = p_outbox_id;
  end if;
  return notion_sync_api.confirm_push(p_outbox_id, p_page);
end
$$;
comment on function notion_sync_api.confirm_restore(bigint, jsonb) is
  'Records a restored page (un-trashed, or created again and relinked) from Notion''s answer. '
  'Authenticated. Raises P0002, 22023.';
revoke execute on function notion_sync_api.confirm_restore(bigint, jsonb) from public;
grant execute on function notion_sync_api.confirm_restore(bigint, jsonb) to authenticated;
