-- Undoing the creation of a page (revert_run of a run that created pages, or undoing a resolution
-- that created one again) trashes the page and forgets the pair, instead of emptying the page and
-- then, through the next run, the record.
--
-- A create is logged as one change per field, from nothing (no pre-read, no base) to the value
-- Notion stored. undo_change undid each like an update: it queued a push of an empty value into
-- every property of the page. The next run then saw Notion's values go from the base to empty while
-- the record still held the base, and applied the empty values to the record: reverting a run that
-- created pages erased the records they were made from. Now the changes a create logged (same
-- transaction as the create's confirmation) are undone by queueing the page for Notion's trash, once
-- per page, and forgetting the link, so the record is left as it is and no question is raised about
-- a page the person chose to remove; a later run that creates pages for unlinked records makes it one
-- again.
--
-- And undoing several Notion fields of one page (revert_run of a run that pushed two fields to it)
-- queued one push per field, each cancelling the one before (a page has one pending update of a
-- kind): only the last field went back, though every change was marked undone. The undo pushes of
-- a page are now merged into one.

alter function notion_sync.undo_change(bigint) rename to undo_logged_change;
comment on function notion_sync.undo_logged_change(bigint) is
  'Undoes one logged change with the changed value as its expected base. Call undo_change, which '
  'undoes a created page by trashing it. Authenticated; returns false (and opens a conflict) when '
  'that side changed since.';

-- Undoes one logged change (undo_logged_change); a change logged by the creation of a page is
-- undone by trashing that page and forgetting its pair, once per page, and the undo pushes of one
-- page are merged into one. Authenticated; returns false (and opens a conflict) when the changed
-- side moved on since.
create function notion_sync.undo_change(p_change_id bigint)
returns boolean
language plpgsql
set search_path = ''
as $$
declare
  v_change notion_sync.changes;
  v_link notion_sync.links;
  v_prev notion_sync.outbox;
  v_ok boolean;
begin
  select * into v_change from notion_sync.changes c where c.change_id = p_change_id and c.undone_at is null;
  if found and v_change.side = 'notion' and v_change.old_value is null and v_change.old_base is null
     and exists (select from notion_sync.outbox o
                 where o.mapping_id = v_change.mapping_id and o.page_id = v_change.page_id
                   and o.op in ('create', 'restore') and o.status = 'done' and o.updated_at = v_change.created_at) then
    delete from notion_sync.links l
    where l.mapping_id = v_change.mapping_id and l.page_id = v_change.page_id
    returning * into v_link;
    if v_link.page_id is not null then
      insert into notion_sync.outbox (owner_id, mapping_id, run_id, op, page_id, record_key, properties, conflict_id)
      values (v_change.owner_id, v_change.mapping_id, null, 'trash', v_change.page_id, v_change.record_key, '{}'::jsonb,
              v_change.conflict_id);
    end if;
    update notion_sync.changes c set undone_at = now() where c.change_id = p_change_id;
    return true;
  end if;
  if v_change.side = 'notion' then
    -- the undo push of another field of the page, which the new one would cancel
    select * into v_prev from notion_sync.outbox o
    where o.mapping_id = v_change.mapping_id and o.page_id = v_change.page_id and o.op = 'update'
      and o.status = 'pending' and not o.advance_base
    order by o.outbox_id desc limit 1;
  end if;
  v_ok := notion_sync.undo_logged_change(p_change_id);
  if v_prev.outbox_id is not null
     and (select o.status from notion_sync.outbox o where o.outbox_id = v_prev.outbox_id) = 'cancelled' then
    update notion_sync.outbox o
    set fields = v_prev.fields || o.fields, properties = v_prev.properties || o.properties
    where o.mapping_id = v_prev.mapping_id and o.page_id = v_prev.page_id and o.op = 'update'
      and o.status = 'pending' and not o.advance_base and o.outbox_id > v_prev.outbox_id;
  end if;
  return v_ok;
end
$$;
comment on function notion_sync.undo_change(bigint) is
  'Undoes one logged change with the changed value as its expected base; a page the sync created is '
  'trashed (once) and its pair forgotten; undo pushes of one page are merged. Authenticated; returns '
  'false (and opens a conflict) when that side changed since.';
revoke execute on function notion_sync.undo_change(bigint) from public;
grant execute on function notion_sync.undo_change(bigint) to authenticated, service_role;
