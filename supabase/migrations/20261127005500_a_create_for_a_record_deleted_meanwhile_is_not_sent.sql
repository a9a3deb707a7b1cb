-- A create queued for a record that was deleted before the push sent it is not sent.
--
-- A full run plans a page for each record without one. If a person deleted such a record before
-- the push (a row added by mistake, removed a minute later), the push created its page anyway:
-- Notion got a page of a record that no longer exists, and the next run asked the person whether
-- to delete it (record_deleted), or trashed it under trash_other_side. Now claiming the mapping's
-- writes also cancels each create never sent (no attempt yet) whose record is gone, saying so in
-- its outcome. A create already attempted is still sent: its first attempt may have made the page,
-- and its lookup links that page, which the next run then asks about as before.
-- Only creates whose record has an open tombstone are looked up in the table, so claiming stays
-- as cheap with thousands of creates waiting as with none.
-- The body of 20261127003300 with that statement added.

-- The open tombstones of a record: how claiming finds the creates whose record may be gone (and
-- how a run finds a record's deletion), without reading every open tombstone of the mapping.
create index tombstones_open_record_idx on notion_sync.tombstones (mapping_id, record_key) where resolved_at is null;

create or replace function notion_sync_api.claim_outbox_for(
  p_mapping_name text, p_record_keys text[] default null, p_limit integer default 20)
returns setof notion_sync.outbox
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_mapping uuid;
  v_keys text[];
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

  -- creates never sent, of records deleted since they were planned: a deleted record has an open
  -- tombstone (capture), so only those records are looked up in the table, not every pending create
  -- (a push claims 20 at a time; thousands may wait)
  select m.mapping_id, array_agg(distinct o.record_key) into v_mapping, v_keys
  from notion_sync.mappings m
  join notion_sync.tombstones t on t.mapping_id = m.mapping_id and t.resolved_at is null
  join notion_sync.outbox o on o.mapping_id = t.mapping_id and o.record_key = t.record_key
  where m.name = p_mapping_name and o.op = 'create' and o.status = 'pending' and o.attempts = 0
    and (p_record_keys is null or o.record_key = any (p_record_keys))
  group by m.mapping_id;
  if v_keys is not null then
    update notion_sync.outbox o
    set status = 'cancelled', updated_at = now(),
        outcome = coalesce(o.outcome, '{}'::jsonb) || jsonb_build_object('cancelled',
          format('record %s was deleted before the create was sent', o.record_key))
    where o.mapping_id = v_mapping and o.op = 'create' and o.status = 'pending' and o.attempts = 0
      and o.record_key = any (v_keys)
      and o.record_key not in (select s.record_key from notion_sync.record_column_values(v_mapping, v_keys) s);
  end if;
  return query select * from notion_sync.claim_due_outbox(p_mapping_name, p_record_keys, p_limit);
end
$$;
comment on function notion_sync_api.claim_outbox_for(text, text[], integer) is
  'Claims up to p_limit due Notion writes of the caller''s mapping (only those of p_record_keys when '
  'given), and writes abandoned in flight for 10 minutes; a create whose record was linked to a '
  'page meanwhile, or was deleted before any attempt, is cancelled instead (outcome.cancelled says '
  'why). Authenticated; raises nothing.';
