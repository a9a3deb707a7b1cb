-- Notion webhooks (DESIGN §2, the webhook receiver). An event is a signal (ids, no values): it
-- becomes a job for the mappings it concerns, which the worker runs at the next tick, so an edit in
-- Notion reaches Supabase within a minute or two instead of at the next scheduled retrieve.
--   * The endpoint: connect-notion {action: "webhook", name} makes a random key for a connection
--     and answers the URL <project>/functions/v1/notion-webhook?key=<key>, which a person enters in
--     the integration's webhook settings. Only the key's sha256 is stored; a new key replaces the
--     endpoint (and forgets its verification token).
--   * The handshake: Notion POSTs {verification_token} to the URL once. notion-webhook stores it
--     encrypted by the functions (webhook_token_ciphertext: no client may read it); the owner reads
--     it back through connect-notion and pastes it in Notion, which activates the subscription.
--   * Events: signed (X-Notion-Signature: sha256 HMAC of the raw body keyed by the verification
--     token). notion-webhook checks the signature, then record_webhook_event, as the owner, keeps
--     the event once (Notion retries and may send an event twice) and queues, for each mapping of
--     the connection the event names that runs on its own (unpaused, validated, and past the
--     first retrieve, which a person runs):
--       page.created, page.properties_updated: an incremental retrieve (it reads the pages edited
--         since the last one);
--       page.deleted, page.undeleted, page.moved and data source events (schema changes, trash): a
--         full scan (a query never returns trashed pages, so only a full scan sees a page leave or
--         come back).
--     A page or data source event names the mapping of its data source (data.parent.data_source_id,
--     or the entity); a page moved (the event names only its new parent, and it may have left one
--     of our data sources) and a database event (created, moved, trashed, restored) every mapping
--     of the connection, as the data sources they touch are not known here. Other events (comments, page bodies,
--     which are not synced) are kept and queue nothing. Events are kept for a week (the tick).

-- connections: the webhook endpoint ---------------------------------------------------------------
alter table notion_sync.connections
  add column webhook_key_hash text,
  add column webhook_token_ciphertext text,
  add column webhook_handshake_at timestamptz,
  add column webhook_verified_at timestamptz,
  add constraint connections_webhook_key_hash_unique unique (webhook_key_hash),
  add constraint connections_webhook_key_hash_shape check (webhook_key_hash ~ '^[0-9a-f]{64}$'),
  add constraint connections_webhook_token_shape
    check (webhook_token_ciphertext ~ '^v1\.[A-Za-z0-9+/=]+\.[A-Za-z0-9+/=]+$');
comment on column notion_sync.connections.webhook_key_hash is
  'sha256 (hex) of the key in the connection''s webhook URL; the key itself is never stored.';
comment on column notion_sync.connections.webhook_token_ciphertext is
  'The webhook verification token Notion sent, encrypted by the functions; clients may never read '
  'it (column privileges).';
comment on column notion_sync.connections.webhook_handshake_at is
  'When Notion sent the verification token to the current webhook URL.';
comment on column notion_sync.connections.webhook_verified_at is
  'When the first event with a valid signature arrived: the subscription is active.';
grant select (webhook_handshake_at, webhook_verified_at) on notion_sync.connections to authenticated;

-- webhook events ------------------------------------------------------------------------------------
create table notion_sync.webhook_events (
  owner_id uuid not null default auth.uid() references auth.users (id) on delete cascade,
  connection_id uuid not null references notion_sync.connections (connection_id) on delete cascade,
  event_id text not null,
  type text not null,
  entity_id text,
  data_source_id text,
  event_at timestamptz,
  attempt_number integer,
  queued jsonb not null default '[]'::jsonb,
  received_at timestamptz not null default now(),
  primary key (connection_id, event_id)
);
comment on table notion_sync.webhook_events is
  'Notion webhook events received, once each (by event id), with the jobs each queued '
  '([{mapping, kind}]); kept a week.';
create index webhook_events_owner_idx on notion_sync.webhook_events (owner_id);
create index webhook_events_received_idx on notion_sync.webhook_events (received_at);
alter table notion_sync.webhook_events enable row level security;
create policy webhook_events_select on notion_sync.webhook_events for select to authenticated
  using (owner_id = (select auth.uid()));
create policy webhook_events_insert on notion_sync.webhook_events for insert to authenticated
  with check (owner_id = (select auth.uid()));
create policy webhook_events_update on notion_sync.webhook_events for update to authenticated
  using (owner_id = (select auth.uid())) with check (owner_id = (select auth.uid()));
create policy webhook_events_delete on notion_sync.webhook_events for delete to authenticated
  using (owner_id = (select auth.uid()));
grant select, insert, update, delete on notion_sync.webhook_events to authenticated;
grant all on notion_sync.webhook_events to service_role;

-- set_webhook_key -----------------------------------------------------------------------------------
-- A new webhook endpoint for the caller's connection: the key's hash replaces the old one, and
-- the old verification token is forgotten (Notion verifies a new URL again).
create function notion_sync_api.set_webhook_key(p_connection_name text, p_key_hash text)
returns uuid
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_connection uuid;
begin
  if p_key_hash is null or p_key_hash !~ '^[0-9a-f]{64}$' then
    raise exception 'p_key_hash must be the sha256 of the key, 64 lowercase hex digits'
      using errcode = '22023';
  end if;
  update notion_sync.connections c
  set webhook_key_hash = p_key_hash, webhook_token_ciphertext = null, webhook_handshake_at = null,
      webhook_verified_at = null, updated_at = now()
  where c.name = p_connection_name
  returning c.connection_id into v_connection;
  if v_connection is null then
    raise exception 'no connection named "%"', p_connection_name using errcode = 'P0002';
  end if;
  return v_connection;
end
$$;
comment on function notion_sync_api.set_webhook_key(text, text) is
  'Gives the caller''s connection a new webhook endpoint (the sha256 of its URL key), forgetting the '
  'old one and its verification token. Returns the connection id. Authenticated. Raises 22023 (not '
  'a sha256), P0002 (no such connection).';
revoke execute on function notion_sync_api.set_webhook_key(text, text) from public;
grant execute on function notion_sync_api.set_webhook_key(text, text) to authenticated;
grant update (webhook_key_hash, webhook_token_ciphertext, webhook_handshake_at, webhook_verified_at)
  on notion_sync.connections to authenticated;

-- webhook_endpoint ------------------------------------------------------------------------------------
-- The connection a webhook URL key belongs to, for the receiver (which has no user): its owner and
-- its stored verification token. Service role only.
create function notion_sync.webhook_endpoint(p_key_hash text)
returns table (connection_id uuid, owner_id uuid, token_ciphertext text)
language sql
stable
set search_path = ''
as $$
  select c.connection_id, c.owner_id, c.webhook_token_ciphertext
  from notion_sync.connections c
  where c.webhook_key_hash = p_key_hash
$$;
comment on function notion_sync.webhook_endpoint(text) is
  'The connection, owner and encrypted verification token of a webhook URL key''s sha256 (no row: '
  'no such endpoint). Service role only; raises nothing.';
revoke execute on function notion_sync.webhook_endpoint(text) from public;
grant execute on function notion_sync.webhook_endpoint(text) to service_role;

-- store_webhook_token -------------------------------------------------------------------------------
-- Notion's handshake: the verification token (encrypted by the functions) for the endpoint.
create function notion_sync.store_webhook_token(p_key_hash text, p_token_ciphertext text)
returns uuid
language sql
set search_path = ''
as $$
  update notion_sync.connections c
  set webhook_token_ciphertext = p_token_ciphertext, webhook_handshake_at = now(),
      webhook_verified_at = null
  where c.webhook_key_hash = p_key_hash
  returning c.connection_id
$$;
comment on function notion_sync.store_webhook_token(text, text) is
  'Stores the verification token of Notion''s handshake (ciphertext) for a webhook URL key''s '
  'sha256; returns the connection id, null when no endpoint has that key. Service role only; raises '
  '23514 for text that is not the functions'' ciphertext.';
revoke execute on function notion_sync.store_webhook_token(text, text) from public;
grant execute on function notion_sync.store_webhook_token(text, text) to service_role;

-- webhook_token_ciphertext --------------------------------------------------------------------------
-- security definer: clients have no column privilege on webhook_token_ciphertext; this checks the
-- caller owns the connection (connect-notion decrypts it for its owner, to paste in Notion).
create function notion_sync_api.webhook_token_ciphertext(p_connection_name text)
returns text
language plpgsql
stable
security definer
set search_path = ''
as $$
declare
  v_found boolean;
  v_ciphertext text;
begin
  select true, c.webhook_token_ciphertext into v_found, v_ciphertext
  from notion_sync.connections c
  where c.name = p_connection_name and c.owner_id = (select auth.uid());
  if v_found is null then
    raise exception 'no connection named "%"', p_connection_name using errcode = 'P0002';
  end if;
  return v_ciphertext;
end
$$;
comment on function notion_sync_api.webhook_token_ciphertext(text) is
  'The encrypted webhook verification token of the caller''s connection (null before Notion''s '
  'handshake). Authenticated; raises P0002 (no such connection of the caller). security definer: '
  'the column is unreadable to clients.';
revoke execute on function notion_sync_api.webhook_token_ciphertext(text) from public;
grant execute on function notion_sync_api.webhook_token_ciphertext(text) to authenticated;

-- runs_on_its_own ----------------------------------------------------------------------------------
-- Whether runs of a mapping may start without a person (the schedule, webhooks): it is unpaused and
-- validated, and a person has run its first retrieve, which decides what a first contact imports
-- (createUnmatched) and is not held by the safety valve. A mapping nobody has run yet waits for it.
create function notion_sync.runs_on_its_own(p_mapping_id uuid)
returns boolean
language sql
stable
set search_path = ''
as $$
  select exists (select from notion_sync.mappings m
                 where m.mapping_id = p_mapping_id and not m.paused and m.validated_at is not null)
     and exists (select from notion_sync.runs r
                 where r.mapping_id = p_mapping_id and r.kind = 'retrieve' and r.status = 'completed'
                   and not r.dry_run)
$$;
comment on function notion_sync.runs_on_its_own(uuid) is
  'Whether the schedule and webhooks may start runs of a mapping: unpaused, validated, and with a '
  'completed retrieve (not a dry run). Authenticated (own mappings under RLS), service role; raises '
  'nothing.';
revoke execute on function notion_sync.runs_on_its_own(uuid) from public;
grant execute on function notion_sync.runs_on_its_own(uuid) to authenticated, service_role;

-- record_webhook_event ------------------------------------------------------------------------------
-- Keeps one verified event of the caller's connection and queues the jobs it calls for. Returns
-- {duplicate, queued: [{mapping, kind}]}.
create function notion_sync_api.record_webhook_event(p_connection_id uuid, p_event jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_type text := p_event ->> 'type';
  v_data_source text;
  v_kind text;
  v_queued jsonb;
begin
  if jsonb_typeof(p_event) is distinct from 'object' or coalesce(p_event ->> 'id', '') = ''
     or coalesce(v_type, '') = '' then
    raise exception 'a Notion webhook event needs an id and a type' using errcode = '22023';
  end if;
  if not exists (select from notion_sync.connections c where c.connection_id = p_connection_id) then
    raise exception 'connection % not found', p_connection_id using errcode = 'P0002';
  end if;
  v_data_source := case
    when v_type like 'data_source.%' then notion_sync.notion_id(p_event -> 'entity' ->> 'id')
    else notion_sync.notion_id(p_event -> 'data' -> 'parent' ->> 'data_source_id') end;
  v_kind := case
    when v_type in ('page.created', 'page.properties_updated') then 'incremental'
    when v_type in ('page.deleted', 'page.undeleted', 'page.moved') or v_type like 'data_source.%'
         or v_type like 'database.%' then 'full_scan' end;

  insert into notion_sync.webhook_events (connection_id, event_id, type, entity_id, data_source_id,
                                          event_at, attempt_number)
  values (p_connection_id, p_event ->> 'id', v_type, p_event -> 'entity' ->> 'id', v_data_source,
          (p_event ->> 'timestamp')::timestamptz, (p_event ->> 'attempt_number')::integer)
  on conflict (connection_id, event_id) do nothing;
  if not found then
    return jsonb_build_object('duplicate', true, 'queued', '[]'::jsonb);
  end if;

  with target as (
    select m.mapping_id, m.owner_id, m.name
    from notion_sync.mappings m
    where v_kind is not null and m.connection_id = p_connection_id
      and (v_type like 'database.%' or v_type = 'page.moved'
           or notion_sync.notion_id(m.data_source_id) = v_data_source)
      and notion_sync.runs_on_its_own(m.mapping_id)
  ), queued as (
    insert into notion_sync.jobs (owner_id, mapping_id, kind)
    select t.owner_id, t.mapping_id, v_kind from target t
    on conflict (mapping_id, kind) where done_at is null do nothing
  )
  select coalesce(jsonb_agg(jsonb_build_object('mapping', t.name, 'kind', v_kind) order by t.name),
                  '[]'::jsonb)
  into v_queued from target t;
  update notion_sync.webhook_events e set queued = v_queued
  where e.connection_id = p_connection_id and e.event_id = p_event ->> 'id';
  update notion_sync.connections c set webhook_verified_at = coalesce(c.webhook_verified_at, now())
  where c.connection_id = p_connection_id;
  return jsonb_build_object('duplicate', false, 'queued', v_queued);
end
$$;
comment on function notion_sync_api.record_webhook_event(uuid, jsonb) is
  'Keeps a verified Notion webhook event of the caller''s connection once (by id) and queues an '
  'incremental retrieve (page created, properties updated) or a full scan (page trashed, restored '
  'or moved, data source or database events) for the mappings it names that run on their own '
  '(runs_on_its_own; one pending job '
  'per kind). Returns {duplicate, queued: [{mapping, kind}]} (queued: the mappings due, whether or '
  'not a job of that kind was already waiting). Authenticated. Raises 22023 (no id or type), P0002 '
  '(no such connection of the caller).';
revoke execute on function notion_sync_api.record_webhook_event(uuid, jsonb) from public;
grant execute on function notion_sync_api.record_webhook_event(uuid, jsonb) to authenticated;

-- the connections view: the webhook's state ------------------------------------------------------------
create or replace view notion_sync_api.connections with (security_invoker = true) as
select c.connection_id, c.name, c.bot_id, c.workspace_id, c.workspace_name, c.created_at, c.updated_at,
       coalesce((select array_agg(m.name order by m.name) from notion_sync.mappings m
                 where m.connection_id = c.connection_id), '{}'::text[]) as mappings,
       c.webhook_handshake_at, c.webhook_verified_at
from notion_sync.connections c;
comment on view notion_sync_api.connections is
  'The caller''s Notion connections (bot, workspace, the mappings using each, when Notion verified '
  'the webhook URL and when its first signed event came); never a token or its ciphertext.';
