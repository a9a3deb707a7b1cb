-- Pages a completed full scan did not see are only "unverified" until the functions retrieve
-- them: trashed, unshared (404 to this integration), moved to another data source, or gone
-- (purged). report_page_state records what was found, and the delete policy then applies to a
-- trashed page as it does when a scan stages it trashed; the other states stay with a person.

create function notion_sync_api.report_page_state(
  p_mapping_name text, p_page_id text, p_state text, p_page jsonb default null)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
  v_link notion_sync.links;
  v_conflict uuid;
begin
  if p_state not in ('present', 'trashed', 'unshared', 'moved', 'gone') then
    raise exception 'state must be present, trashed, unshared, moved or gone, not %', p_state using errcode = '22023';
  end if;
  select * into v_map from notion_sync.mappings m where m.name = p_mapping_name;
  if not found then
    raise exception 'no mapping named "%"', p_mapping_name using errcode = 'P0002';
  end if;
  select * into v_link from notion_sync.links l where l.mapping_id = v_map.mapping_id and l.page_id = p_page_id;
  if not found then
    raise exception 'page % is not linked in mapping "%"', p_page_id, p_mapping_name using errcode = 'P0002';
  end if;
  if p_state = 'present' then
    -- found after all (a scan can miss a page that moved back, or was shared again)
    update notion_sync.conflicts c
    set status = 'resolved', resolved_at = now(), resolution = jsonb_build_object('action', 'obsolete', 'state', 'present')
    where c.mapping_id = v_map.mapping_id and c.page_id = p_page_id and c.kind = 'page_missing' and c.status = 'open';
    return jsonb_build_object('state', 'present');
  end if;
  if p_state = 'trashed' and v_map.delete_policy = 'trash_other_side' then
    perform notion_sync.delete_record(v_map.mapping_id, v_link.record_key, null, null);
    update notion_sync.conflicts c
    set status = 'resolved', resolved_at = now(), resolution = jsonb_build_object('action', 'delete_policy', 'state', p_state)
    where c.mapping_id = v_map.mapping_id and c.page_id = p_page_id and c.kind = 'page_missing' and c.status = 'open';
    return jsonb_build_object('state', p_state, 'applied', 'trash_other_side');
  end if;
  if v_map.delete_policy = 'unlink' then
    delete from notion_sync.links l where l.mapping_id = v_map.mapping_id and l.page_id = p_page_id;
    return jsonb_build_object('state', p_state, 'applied', 'unlink');
  end if;
  v_conflict := notion_sync.open_conflict(v_map.mapping_id, null, 'page_missing', p_page_id, v_link.record_key,
    '{}'::jsonb, jsonb_build_object('state', p_state,
      'moved_to', case when p_state = 'moved' then p_page -> 'parent' end));
  return jsonb_build_object('state', p_state, 'conflict_id', v_conflict);
end
$$;
comment on function notion_sync_api.report_page_state(text, text, text, jsonb) is
  'Records what the functions found when they retrieved a page a full scan missed (present, trashed, '
  'unshared, moved, gone) and applies the delete policy to a trashed one. Authenticated. Raises '
  'P0002 (no such mapping or link), 22023 (unknown state).';
revoke execute on function notion_sync_api.report_page_state(text, text, text, jsonb) from public;
grant execute on function notion_sync_api.report_page_state(text, text, text, jsonb) to authenticated;
