-- A reverted run stays reverted: the pages it imported stay without a record, and the records it
-- gave a page stay without one, each with a question saying so; questions about the values of a
-- pair that is gone are closed.
--
-- 1. revert_run deleted each record the run had inserted for a new page (while it still held what
--    the run wrote) and forgot its pair, so the next run found the page unlinked, took it for a new
--    one and inserted its record again: a bad import reverted came back at the next scheduled run,
--    unasked. The revert of such an insert now also leaves the page's record_deleted question,
--    dismissed as a person's skip is ("by": "revert"), which keeps the page out of later inserts as
--    a skip does.
-- 2. The revert of a page the run created trashed the page and forgot the pair. Later runs planned
--    the record's page again and counted it in their summary, but queued nothing (the record's
--    create was done once), so the record stayed without a page and without a question, and with a
--    low safety valve every run held these creates in a new bulk question (lifecycle model, h3). The
--    revert now leaves the record's page_missing question, dismissed ("by": "revert"), which keeps
--    the record out of later creates.
-- A person who wants them back answers the question: prefer_notion imports the page again,
-- prefer_supabase takes the trashed page out of the trash (the other answers are as for any such
-- question); a dismissed deletion question is final otherwise.
-- 3. A question about the values of a pair stayed open after the pair was gone (a deletion's
--    question skipped, the unlink policy, a record deleted for its missing page). Answering it with
--    Keep Notion failed on the missing record (23502, reported as the table's refusal), and Keep
--    Supabase pushed the deleted record's values over the page's (lifecycle model, h3). A decision
--    that leaves no pair now closes those questions (resolved, "obsolete"), and one answered after
--    its pair went answers stale and is closed, deciding nothing.

alter function notion_sync.undo_change(bigint) rename to undo_change_of_pair;
comment on function notion_sync.undo_change_of_pair(bigint) is
  'Undoes one logged change where the side still holds what it wrote. Call undo_change, which '
  'keeps a reverted import''s page out of later inserts. Authenticated; raises nothing of its own.';

-- Undoes one logged change (undo_change_of_pair); when a run's change undone forgets a pair (the
-- record it inserted for a new page deleted, or the page it created trashed), the pair's
-- record_deleted or page_missing question is left dismissed ("by": "revert"), keeping the page out
-- of later inserts, or the record out of later creates. Authenticated (through revert_run and
-- undo_resolution); raises nothing of its own.
create function notion_sync.undo_change(p_change_id bigint)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_change notion_sync.changes;
  v_page text;
  v_done boolean;
  v_row jsonb;
  v_kind text;
  v_details jsonb;
begin
  select * into v_change from notion_sync.changes c where c.change_id = p_change_id and c.undone_at is null;
  if v_change.conflict_id is null and v_change.old_value is null and v_change.old_base is null
     and (v_change.side = 'notion' or v_change.field <> '*row') then
    -- a column of a record the run inserted (the undo may delete the record), or perhaps a page the
    -- run created (the undo may trash it): either way the pair may be forgotten
    select l.page_id into v_page from notion_sync.links l
    where l.mapping_id = v_change.mapping_id
      and case v_change.side when 'supabase' then l.record_key = v_change.record_key
                             else l.page_id = v_change.page_id end;
  end if;
  v_done := notion_sync.undo_change_of_pair(p_change_id);
  if v_page is null
     or exists (select from notion_sync.links l where l.mapping_id = v_change.mapping_id and l.page_id = v_page) then
    return v_done;
  end if;
  if v_change.side = 'supabase' then
    -- the record deleted by this undo (once per record: its deletion names this change)
    select d.old_value into v_row from notion_sync.changes d
    where d.undoes = p_change_id and d.field = '*row' order by d.change_id desc limit 1;
    if v_row is not null then
      v_kind := 'record_deleted';
      v_details := jsonb_build_object('state', 'deleted', 'last_values', v_row, 'error', format(
        'the record that run %s made of this page was deleted when the run was reverted; the page is left '
        'without a record: answer prefer_notion to import it again', v_change.run_id));
    end if;
  elsif not exists (select from notion_sync.conflicts c where c.mapping_id = v_change.mapping_id
                      and c.record_key = v_change.record_key and c.kind = 'page_missing'
                      and c.resolution ->> 'by' = 'revert' and c.status = 'dismissed') then
    v_kind := 'page_missing';
    v_details := jsonb_build_object('state', 'trashed', 'error', format(
      'the page that run %s created for this record was trashed when the run was reverted; the record is '
      'left without a page: answer prefer_supabase to take the page out of the trash again', v_change.run_id));
  end if;
  if v_kind is not null then
    insert into notion_sync.conflicts (owner_id, mapping_id, run_id, kind, page_id, record_key, fields, details,
                                       status, resolved_at, resolution)
    values (v_change.owner_id, v_change.mapping_id, v_change.run_id, v_kind, v_page, v_change.record_key,
            '{}'::jsonb, v_details,
            'dismissed', now(), jsonb_build_object('action', 'skip', 'by', 'revert', 'undo_of', p_change_id));
  end if;
  return v_done;
end
$$;
comment on function notion_sync.undo_change(bigint) is
  'Undoes one logged change where the side still holds what it wrote (else a conflict says why); a '
  'pair a reverted run forgets is left out of later runs by a dismissed question. Authenticated; '
  'raises nothing of its own.';
revoke execute on function notion_sync.undo_change(bigint) from public;
grant execute on function notion_sync.undo_change(bigint) to authenticated, service_role;

alter function notion_sync.resolve_one_conflict(uuid, text, jsonb) rename to resolve_open_conflict;
comment on function notion_sync.resolve_open_conflict(uuid, text, jsonb) is
  'Decides one conflict. Call resolve_one_conflict, which also lets a person import again a page a '
  'revert left without a record. Authenticated; raises as decide_conflict.';

-- Closes the open (or dismissed) questions about the values of a page and a record that are no
-- longer a pair: resolved, "obsolete". Authenticated (through resolve_one_conflict); raises nothing.
create function notion_sync.close_questions_of_a_pair_gone(p_mapping_id uuid, p_page_id text, p_record_key text)
returns void
language sql
set search_path = ''
as $$
  update notion_sync.conflicts c
  set status = 'resolved', resolved_at = now(),
      resolution = jsonb_build_object('action', 'obsolete', 'why', 'the page and the record are no longer a pair')
  where c.mapping_id = p_mapping_id and c.status in ('open', 'dismissed')
    and c.kind in ('field', 'first_contact', 'changed_during_apply', 'push_failed', 'formatting_would_be_lost')
    and (c.page_id = p_page_id or c.record_key = p_record_key)
    and not exists (select from notion_sync.links l where l.mapping_id = c.mapping_id
                      and l.page_id = c.page_id and l.record_key = c.record_key)
$$;
comment on function notion_sync.close_questions_of_a_pair_gone(uuid, text, text) is
  'Closes the questions about the values of a page and a record that are no longer a pair '
  '(resolved, obsolete). Authenticated (through resolve_one_conflict); raises nothing.';
revoke execute on function notion_sync.close_questions_of_a_pair_gone(uuid, text, text) from public;
grant execute on function notion_sync.close_questions_of_a_pair_gone(uuid, text, text) to authenticated;

-- Decides one conflict (resolve_open_conflict).
--  * A dismissed question a revert left is opened again first when the person keeps a side (a page
--    without its record: prefer_notion imports it again; a record without its page: prefer_supabase
--    takes the page out of the trash, the pair made again).
--  * A question about the values of a pair that is no longer one (its record deleted, or the pair
--    forgotten, by another decision since) has nothing left to decide: it answers stale and is
--    closed as obsolete. Keep Notion failed on the missing record (23502, reported as the table's
--    refusal), and Keep Supabase pushed the deleted record's values over the page's.
--  * A decision that leaves no pair (a deletion's question skipped, a record deleted for its missing
--    page) closes the pair's open questions about values the same way.
-- Authenticated; raises as decide_conflict.
create function notion_sync.resolve_one_conflict(p_conflict_id uuid, p_action text, p_choices jsonb default '{}')
returns jsonb
language plpgsql
set search_path = ''
as $$
declare
  v_c notion_sync.conflicts;
  v_result jsonb;
begin
  select * into v_c from notion_sync.conflicts c where c.conflict_id = p_conflict_id;
  if p_action in ('prefer_notion', 'prefer_supabase') and v_c.status = 'dismissed'
     and v_c.kind in ('record_deleted', 'page_missing') and v_c.resolution ->> 'by' = 'revert' then
    update notion_sync.conflicts c set status = 'open', resolved_at = null, resolution = null
    where c.conflict_id = p_conflict_id;
    if v_c.kind = 'page_missing' then
      -- the pair the revert forgot, so the page taken out of the trash is the record's again (a
      -- restored record relinks by itself); no base: the next run compares both sides afresh
      insert into notion_sync.links (mapping_id, page_id, owner_id, record_key, base)
      values (v_c.mapping_id, v_c.page_id, v_c.owner_id, v_c.record_key, '{}'::jsonb)
      on conflict do nothing;
    end if;
  end if;
  if p_action <> 'skip' and v_c.status in ('open', 'dismissed') and v_c.page_id is not null
     and v_c.record_key is not null
     and v_c.kind in ('field', 'first_contact', 'changed_during_apply', 'push_failed', 'formatting_would_be_lost')
     and not exists (select from notion_sync.links l where l.mapping_id = v_c.mapping_id
                       and l.page_id = v_c.page_id and l.record_key = v_c.record_key) then
    perform notion_sync.close_questions_of_a_pair_gone(v_c.mapping_id, v_c.page_id, v_c.record_key);
    return jsonb_build_object('status', 'stale', 'message',
      'this page and this record are no longer a pair (one of them was deleted, or the pair forgotten, by '
      'another decision since): there is nothing left to decide here, so the question is closed');
  end if;
  v_result := notion_sync.resolve_open_conflict(p_conflict_id, p_action, p_choices);
  if v_c.kind in ('record_deleted', 'page_missing')
     and not exists (select from notion_sync.links l where l.mapping_id = v_c.mapping_id and l.page_id = v_c.page_id) then
    perform notion_sync.close_questions_of_a_pair_gone(v_c.mapping_id, v_c.page_id, v_c.record_key);
  end if;
  return v_result;
end
$$;
comment on function notion_sync.resolve_one_conflict(uuid, text, jsonb) is
  'Decides one conflict; a question a revert left (a page without its record, a record without its '
  'page) can still be answered with a side kept; a question about the values of a pair that is gone '
  'answers stale and is closed. Authenticated; raises as decide_conflict.';
revoke execute on function notion_sync.resolve_one_conflict(uuid, text, jsonb) from public;
grant execute on function notion_sync.resolve_one_conflict(uuid, text, jsonb) to authenticated;
