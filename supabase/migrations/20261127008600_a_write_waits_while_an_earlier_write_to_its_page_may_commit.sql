-- A write to a page waits while an earlier write to that page may still commit.
--
-- Notion runs a request for up to 60 s, and its gateway may answer 504 while the backend goes on to
-- commit it; our client gives up after at most 30 s. So a PATCH (or a trash, restore or move) whose
-- outcome is unknown may land a minute later. The push reads the page again, re-sends the same
-- values or finds them there, and confirms: the write is done. A person then edits the record and
-- the next push (a minute later on the schedule) sends and confirms the new value; then the first
-- request commits, Notion holds the older value again, and the next retrieve takes it for a Notion
-- edit and applies it to the record: the person's edit was lost (sync_from_supabase_test.ts, "an
-- edit pushed while Notion may still commit an earlier write to its page waits").
--
-- Now the push tells Postgres when a request's outcome was unknown (write_outcome_unknown), which
-- leaves the item's page unsettled until 90 s after that (longer than Notion's 60 s request maximum
-- since the request was sent, as the call follows the answer). While a page is unsettled, no write
-- to it, of any item, op or run, is claimed: those writes stay pending and are claimed once it
-- settles. The push's own re-reads and re-sends of the item whose outcome was unknown go on (they
-- send the same values, which a late commit cannot turn into older ones); a create has no page yet
-- and keeps its own wait (its lookup). The claim still reads about the writes it takes: unsettled
-- pages are looked up through an index of the writes whose page has not settled yet.

alter table notion_sync.outbox add column page_settles_at timestamptz;
comment on column notion_sync.outbox.page_settles_at is
  'Set when a request of this write had an unknown outcome (a timeout, 5xx, reset or unreadable '
  'answer): Notion may apply it until then. Until then no write to page_id is claimed.';

-- the claim's lookup of unsettled pages: a range of the writes whose page has not settled yet (a
-- few), however many met an unknown outcome before
create index outbox_unsettled_page_idx on notion_sync.outbox (page_settles_at, page_id)
  where page_settles_at is not null;

-- Records that a request of the in-flight write p_outbox_id to its page had an unknown outcome:
-- its page is unsettled for 90 s from now (the one place that says how long), so no write to it is
-- claimed before Notion can no longer apply that request. Answers when the page settles.
-- Authenticated (the push calls it as the mapping's owner); raises P0002 for an item that is not
-- the caller's, not in flight, or has no page.
create function notion_sync_api.write_outcome_unknown(p_outbox_id bigint)
returns timestamptz
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_settles_at timestamptz;
begin
  -- 90 s: past Notion's 60 s request maximum, counted from the answer (which follows the sending)
  update notion_sync.outbox o
  set page_settles_at = now() + interval '90 seconds', updated_at = now()
  where o.outbox_id = p_outbox_id and o.status = 'in_flight' and o.page_id is not null
  returning o.page_settles_at into v_settles_at;
  if not found then
    raise exception 'outbox item % not found, not in flight, or without a page', p_outbox_id
      using errcode = 'P0002';
  end if;
  return v_settles_at;
end
$$;
revoke execute on function notion_sync_api.write_outcome_unknown(bigint) from public;
grant execute on function notion_sync_api.write_outcome_unknown(bigint) to authenticated;
comment on function notion_sync_api.write_outcome_unknown(bigint) is
  'Records that a request of the in-flight write p_outbox_id had an unknown outcome: no write to its '
  'page is claimed for 90 s, until Notion can no longer apply it. Answers that time. '
  'Authenticated; raises P0002 for an item not in flight or without a page.';

-- As in 20261127008000, and a write to a page that is still unsettled is not taken (it stays
-- pending, due, and is taken by the first claim after the page settles).
create or replace function notion_sync.due_outbox_ids(p_mapping_id uuid, p_record_keys text[], p_limit integer)
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
    and not exists (select from notion_sync.outbox u
                    where u.page_id = x.page_id and u.page_settles_at > now())
  order by x.outbox_id
  limit least(greatest(p_limit, 1), 100)
  for update of x skip locked
$$;

comment on function notion_sync_api.claim_outbox_for(text, text[], integer) is
  'Claims up to p_limit due Notion writes of the caller''s mapping (only those of p_record_keys when '
  'given), and writes abandoned in flight for 10 minutes; a create whose record was linked to a '
  'page meanwhile, or was deleted before any attempt, is cancelled instead (outcome.cancelled says '
  'why). A write to a page that an earlier write of unknown outcome left unsettled '
  '(write_outcome_unknown) is not claimed before the page settles. Authenticated; raises nothing.';

-- The outbox as a person reads it: page_settles_at says until when a write still to send waits
-- for an earlier write to its page that Notion may still apply (null: it does not wait for one).
create or replace view notion_sync_api.outbox with (security_invoker = true) as
select o.outbox_id,
       m.name as mapping,
       o.op,
       o.page_id,
       o.record_key,
       o.status,
       o.attempts,
       o.next_attempt_at,
       o.properties,
       o.outcome ->> 'last_error' as last_error,
       o.created_at,
       o.updated_at,
       case when o.status in ('pending', 'in_flight') then
         (select max(u.page_settles_at) from notion_sync.outbox u
          where u.page_id = o.page_id and u.page_settles_at > now())
       end as page_settles_at
from notion_sync.outbox o
join notion_sync.mappings m on m.mapping_id = o.mapping_id;
