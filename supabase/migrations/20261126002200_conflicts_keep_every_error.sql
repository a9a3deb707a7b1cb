-- A conflict refreshed with another field keeps every field's error. open_conflict merges a new
-- field into the record's open conflict of the same kind (one per kind and record), and merged the
-- details too, so a push that failed on two fields (a status Notion does not have, a number it
-- cannot hold) showed both fields with the error of the last one only. The errors now add up,
-- one line each (an error already there is not repeated). The 20261126000700 body otherwise.
create or replace function notion_sync.open_conflict(
  p_mapping_id uuid, p_run_id uuid, p_kind text, p_page_id text, p_record_key text,
  p_fields jsonb default '{}'::jsonb, p_details jsonb default '{}'::jsonb)
returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_id uuid;
begin
  if exists (select from notion_sync.conflicts c
             where c.mapping_id = p_mapping_id and c.kind = p_kind and c.status = 'dismissed'
               and c.page_id is not distinct from p_page_id and c.record_key is not distinct from p_record_key
               and c.fields = p_fields and p_fields <> '{}'::jsonb) then
    return null;
  end if;
  update notion_sync.conflicts c
  set fields = c.fields || p_fields,
      details = c.details || p_details
                || case when c.details ->> 'error' <> p_details ->> 'error'
                             and strpos(c.details ->> 'error', p_details ->> 'error') = 0
                        then jsonb_build_object('error', (c.details ->> 'error') || E'\n' || (p_details ->> 'error'))
                        else '{}'::jsonb end,
      run_id = coalesce(p_run_id, c.run_id)
  where c.mapping_id = p_mapping_id and c.kind = p_kind and c.status = 'open'
    and c.page_id is not distinct from p_page_id and c.record_key is not distinct from p_record_key
  returning c.conflict_id into v_id;
  if v_id is null then
    insert into notion_sync.conflicts (owner_id, mapping_id, run_id, kind, page_id, record_key, fields, details)
    select m.owner_id, p_mapping_id, p_run_id, p_kind, p_page_id, p_record_key, p_fields, p_details
    from notion_sync.mappings m where m.mapping_id = p_mapping_id
    returning conflict_id into v_id;
  end if;
  return v_id;
end
$$;
