-- A create queued again after an earlier create of the same record failed, having perhaps reached
-- Notion, looks its page up before sending: no second page.
--
-- A create whose outcome stayed unknown through its retries (timeouts, 5xx) ends failed after 8
-- attempts, perhaps with its page made. The next full run queued a new intent for the record, with
-- attempts 0: its first attempt sent the create without a lookup, and a lookup would not have found
-- the page anyway, as match_created_page only takes pages created since the intent's created_at (less
-- five minutes). Now a create queued for a record whose earlier create failed after more than one
-- attempt starts as an item already tried once (its first claim looks the page up first) and dated
-- from that earlier intent, so the lookup takes the pages made since.

alter function notion_sync.queue_create(uuid, uuid, text, jsonb, boolean) rename to queue_create_intent;
comment on function notion_sync.queue_create_intent(uuid, uuid, text, jsonb, boolean) is
  'Queues the create of a page for a record (an intent; at most one pending per record), or opens '
  'the record''s push_failed conflict for values Notion cannot take. Call queue_create, which '
  'carries an earlier failed attempt over. Authenticated; raises nothing about values.';

-- Queues the create of a page for a record (queue_create_intent); when an earlier create of the
-- record failed after more than one attempt, the new one looks its page up first, from the earlier
-- intent's time. Returns the outbox id, or null. Authenticated; raises nothing about values.
create function notion_sync.queue_create(
  p_mapping_id uuid, p_run_id uuid, p_record_key text, p_values jsonb, p_again boolean default false)
returns bigint
language plpgsql
set search_path = ''
as $$
declare
  v_id bigint := notion_sync.queue_create_intent(p_mapping_id, p_run_id, p_record_key, p_values, p_again);
  v_since timestamptz;
begin
  if v_id is not null then
    select min(o.created_at) into v_since from notion_sync.outbox o
    where o.mapping_id = p_mapping_id and o.record_key = p_record_key and o.op = 'create'
      and o.status = 'failed' and o.attempts > 1;
    if v_since is not null then
      update notion_sync.outbox o set attempts = 1, created_at = v_since where o.outbox_id = v_id;
    end if;
  end if;
  return v_id;
end
$$;
comment on function notion_sync.queue_create(uuid, uuid, text, jsonb, boolean) is
  'Queues the create of a page for a record (an intent; at most one pending per record), or, for '
  'values Notion cannot take, opens the record''s push_failed conflict (no page); after a failed '
  'create that may have reached Notion, the new one looks its page up first. Authenticated; raises '
  'nothing about values.';
revoke execute on function notion_sync.queue_create(uuid, uuid, text, jsonb, boolean) from public;
grant execute on function notion_sync.queue_create(uuid, uuid, text, jsonb, boolean) to authenticated, service_role;
