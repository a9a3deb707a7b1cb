-- Recovery at scale: a claim of the outbox reads about the writes it claims.
--
-- A push claims the outbox 10 writes at a time. Before each claim, claim_outbox_for cancelled every
-- waiting create whose record had been linked, or deleted, meanwhile: a join of all the mapping's
-- waiting creates with its links (and open tombstones). The claim itself then walked the outbox in
-- id order past every write already sent. After a mass restore (thousands of creates) or a mass
-- edit (thousands of updates), each claim cost as much as the whole queue, so a push of N writes
-- read the queue N/10 times (bench/recovery_bench.ts: 0.35 ms a create at 1,000, 1.8 ms at 20,000).
-- Now the claim picks the writes it would take first (locked), checks only those creates, and
-- picks again if it cancelled any; an index of the waiting writes in id order per mapping finds
-- them without reading the writes done. A create of a record linked or deleted meanwhile is still
-- never sent: it is cancelled when its turn comes, not before.

-- The mapping's writes still to send, in the order a claim takes them.
create index outbox_waiting_idx on notion_sync.outbox (mapping_id, outbox_id)
  where status in ('pending', 'in_flight');

-- claim_outbox_for claims the ids it checked itself: picking them again by the mapping's name was
-- the same work twice
drop function notion_sync.claim_due_outbox(text, text[], integer);

-- The ids of up to p_limit (at most 100) writes of the mapping a claim takes now, in id order,
-- locked (skipping those another claim holds): pending and due, or abandoned in flight for 10
-- minutes. Authenticated (through claim_outbox_for); raises nothing.
create function notion_sync.due_outbox_ids(p_mapping_id uuid, p_record_keys text[], p_limit integer)
returns setof bigint
language sql
security invoker
set search_path = ''
as $$
  select x.outbox_id from notion_sync.outbox x
  where x.mapping_id = p_mapping_id and x.status in ('pending', 'in_flight')
    and ((x.status = 'pending' and x.next_attempt_at <= now())
         or (x.status = 'in_flight' and x.updated_at < now() - interval '10 minutes'))
    and (p_record_keys is null or x.record_key = any (p_record_keys))
  order by x.outbox_id
  limit least(greatest(p_limit, 1), 100)
  for update of x skip locked
$$;
revoke execute on function notion_sync.due_outbox_ids(uuid, text[], integer) from public;
grant execute on function notion_sync.due_outbox_ids(uuid, text[], integer) to authenticated, service_role;

create or replace function notion_sync_api.claim_outbox_for(
  p_mapping_name text, p_record_keys text[] default null, p_limit integer default 20)
returns setof notion_sync.outbox
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_mapping uuid := (select m.mapping_id from notion_sync.mappings m where m.name = p_mapping_name);
  v_ids bigint[];
  v_keys text[];
  v_linked integer;
  v_deleted integer := 0;
begin
  loop
    -- the writes this claim would take: only their creates are checked (thousands may wait)
    v_ids := array(select notion_sync.due_outbox_ids(v_mapping, p_record_keys, p_limit));
    exit when cardinality(v_ids) = 0;

    -- (each create's link looked up by its record, as a subquery: a join could read every link)
    update notion_sync.outbox o
    set status = 'cancelled', updated_at = now(),
        outcome = coalesce(o.outcome, '{}'::jsonb) || jsonb_build_object('cancelled',
          format('record %s was linked to page %s before the create was sent', o.record_key, c.page_id))
    from (select x.outbox_id,
                 (select l.page_id from notion_sync.links l
                  where l.mapping_id = x.mapping_id and l.record_key = x.record_key) as page_id
          from notion_sync.outbox x
          where x.outbox_id = any (v_ids) and x.op = 'create') c
    where o.outbox_id = c.outbox_id and c.page_id is not null;
    get diagnostics v_linked = row_count;

    -- creates never sent, of records deleted since they were planned: a deleted record has an open
    -- tombstone (capture), so only those records are looked up in the table
    select array_agg(distinct o.record_key) into v_keys
    from notion_sync.outbox o
    where o.outbox_id = any (v_ids) and o.op = 'create' and o.status = 'pending' and o.attempts = 0
      and (select true from notion_sync.tombstones t
           where t.mapping_id = o.mapping_id and t.record_key = o.record_key and t.resolved_at is null
           limit 1);
    if v_keys is not null then
      update notion_sync.outbox o
      set status = 'cancelled', updated_at = now(),
          outcome = coalesce(o.outcome, '{}'::jsonb) || jsonb_build_object('cancelled',
            format('record %s was deleted before the create was sent', o.record_key))
      where o.outbox_id = any (v_ids) and o.op = 'create' and o.status = 'pending' and o.attempts = 0
        and o.record_key = any (v_keys)
        and o.record_key not in (select s.record_key from notion_sync.record_column_values(v_mapping, v_keys) s);
      get diagnostics v_deleted = row_count;
    end if;
    -- nothing cancelled: these are the writes to claim (locked by this transaction meanwhile)
    exit when v_linked + v_deleted = 0;
    v_deleted := 0;
  end loop;
  return query
  update notion_sync.outbox o
  set status = 'in_flight', attempts = o.attempts + 1, updated_at = now()
  where o.outbox_id = any (v_ids)
  returning o.*;
end
$$;
comment on function notion_sync_api.claim_outbox_for(text, text[], integer) is
  'Claims up to p_limit due Notion writes of the caller''s mapping (only those of p_record_keys when '
  'given), and writes abandoned in flight for 10 minutes; a create whose record was linked to a '
  'page meanwhile, or was deleted before any attempt, is cancelled instead (outcome.cancelled says '
  'why). Authenticated; raises nothing.';
