-- A Supabase edit is not pushed to a page in Notion's trash, nor to a page whose pair was forgotten
-- (found by the records-and-pages lifecycle test, seed 13). A record edited while its page was
-- being trashed got an update planned from the page's last staged values (a full scan does not
-- return trashed pages, so the run had only those); the push sent it, Notion refused to edit a
-- page in the trash, and a push_failed conflict asked the person, next to the question about the
-- trashed page itself. A person who answered both (retry the push, skip the trash question) was
-- asked again at once: the retried update went to the page of a pair the skip had just forgotten.
--
-- Now the pre-push check cancels such an update before anything is sent: when the page read just
-- before the PATCH is in the trash, or the page and the record are no longer linked. Nothing is
-- lost: the record keeps its value and the base stays as it was, so when the page comes back (a
-- person restores it) the next run plans the update again; a record deleted for its page, or a
-- forgotten pair, has nothing to push. check_push answers {decision: "cancelled", reason}.

alter function notion_sync_api.check_push(bigint, jsonb) set schema notion_sync;
alter function notion_sync.check_push(bigint, jsonb) rename to check_push_fields;
comment on function notion_sync.check_push_fields(bigint, jsonb) is
  'The field-by-field pre-push check of notion_sync_api.check_push, for an update to a live page of '
  'a linked pair. Authenticated. Raises P0002 when the item is not the caller''s or not in flight.';

create function notion_sync_api.check_push(p_outbox_id bigint, p_page jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_item notion_sync.outbox;
  v_reason text;
begin
  select * into v_item from notion_sync.outbox o where o.outbox_id = p_outbox_id and o.status = 'in_flight';
  if found and v_item.op = 'update' then
    v_reason := case
      when coalesce((p_page ->> 'in_trash')::boolean, (p_page ->> 'archived')::boolean, false)
        then 'the page is in the trash'
      when not exists (select from notion_sync.links l where l.mapping_id = v_item.mapping_id
                         and l.page_id = v_item.page_id and l.record_key = v_item.record_key)
        then 'the page and the record are no longer linked' end;
  end if;
  if v_reason is null then
    return notion_sync.check_push_fields(p_outbox_id, p_page);
  end if;
  update notion_sync.outbox o
  set status = 'cancelled', outcome = jsonb_build_object('cancelled', v_reason), updated_at = now()
  where o.outbox_id = p_outbox_id;
  -- the next run plans again what the pair still needs once the page's fate is decided
  update notion_sync.links l set dirty_at = now()
  where l.mapping_id = v_item.mapping_id and l.page_id = v_item.page_id;
  return jsonb_build_object('decision', 'cancelled', 'reason', v_reason, 'properties', '{}'::jsonb);
end
$$;
comment on function notion_sync_api.check_push(bigint, jsonb) is
  'The pre-push check of an update against the page as read just before the PATCH: cancelled when '
  'the page is in the trash or the pair is no longer linked, else per field write, done or '
  'conflict (check_push_fields). Returns {decision, properties[, reason]}. Authenticated. Raises '
  'P0002 when the item is not the caller''s or not in flight.';
revoke execute on function notion_sync_api.check_push(bigint, jsonb) from public;
grant execute on function notion_sync_api.check_push(bigint, jsonb) to authenticated;
