-- A create queued for a record that got its page meanwhile is not sent: a second page for that
-- record is what "no duplicate page" forbids.
--
-- A record without a page has a create queued. Before the push sends it, a retrieve may link the
-- record to a page: a page a person made in Notion with the record's title or natural key, or the
-- page an earlier attempt of this very create made after a timeout that the lookup did not find.
-- Matching does not look at the outbox, and the push sent the create anyway: Notion then held two
-- pages of the record, and confirming the second failed on the record's one link, failing the push
-- run after run while each retry's lookup found the second page again. Now claiming the mapping's
-- writes first cancels each create, due or abandoned in flight, whose record is linked to a page,
-- saying so in its outcome; the next reconcile compares the record with that page as with any
-- linked pair.

alter function notion_sync_api.claim_outbox_for(text, text[], integer) rename to claim_due_outbox;
alter function notion_sync_api.claim_due_outbox(text, text[], integer) set schema notion_sync;
comment on function notion_sync.claim_due_outbox(text, text[], integer) is
  'Claims up to p_limit due Notion writes of the caller''s mapping (only those of p_record_keys when '
  'given), and writes abandoned in flight for 10 minutes. Call claim_outbox_for, which cancels '
  'obsolete creates first. Authenticated; raises nothing.';

-- Claims the mapping's due Notion writes (claim_due_outbox), after cancelling each create whose
-- record was linked to a page since it was queued. Authenticated; raises nothing.
create function notion_sync_api.claim_outbox_for(
  p_mapping_name text, p_record_keys text[] default null, p_limit integer default 20)
returns setof notion_sync.outbox
language plpgsql
security invoker
set search_path = ''
as $$
begin
  update notion_sync.outbox o
  set status = 'cancelled', updated_at = now(),
      outcome = coalesce(o.outcome, '{}'::jsonb) || jsonb_build_object('cancelled',
        format('record %s was linked to page %s before the create was sent', o.record_key, l.page_id))
  from notion_sync.mappings m, notion_sync.links l
  where m.name = p_mapping_name and o.mapping_id = m.mapping_id and o.op = 'create'
    and (o.status = 'pending' or (o.status = 'in_flight' and o.updated_at < now() - interval '10 minutes'))
    and (p_record_keys is null or o.record_key = any (p_record_keys))
    and l.mapping_id = o.mapping_id and l.record_key = o.record_key;
  return query select * from notion_sync.claim_due_outbox(p_mapping_name, p_record_keys, p_limit);
end
$$;
comment on function notion_sync_api.claim_outbox_for(text, text[], integer) is
  'Claims up to p_limit due Notion writes of the caller''s mapping (only those of p_record_keys when '
  'given), and writes abandoned in flight for 10 minutes; a create whose record was linked to a '
  'page meanwhile is cancelled instead (outcome.cancelled says why). Authenticated; raises nothing.';
revoke execute on function notion_sync_api.claim_outbox_for(text, text[], integer) from public;
grant execute on function notion_sync_api.claim_outbox_for(text, text[], integer) to authenticated;

-- claim_outbox, the older form without record keys, claims as claim_outbox_for does.
create or replace function notion_sync_api.claim_outbox(p_mapping_name text, p_limit integer default 20)
returns setof notion_sync.outbox
language sql
security invoker
set search_path = ''
as $$
  select * from notion_sync_api.claim_outbox_for(p_mapping_name, null, p_limit)
$$;
comment on function notion_sync_api.claim_outbox(text, integer) is
  'Claims up to p_limit due Notion writes of the caller''s mapping, as claim_outbox_for without '
  'record keys. Authenticated; raises nothing.';
