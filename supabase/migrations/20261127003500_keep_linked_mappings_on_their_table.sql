-- A mapping that links records to pages keeps its data source, table and key column: saving it
-- with another one is refused with an error that says what to do instead.
--
-- save_mapping updated a mapping by name whatever changed. Pointed at another table or key column,
-- every link named a record key the new table does not have: the next full scan took each linked
-- record for deleted and asked, record by record, whether to trash its page (or, past the safety
-- valve, offered to trash them all at once), while the new table's rows got no pages. Pointed at
-- another data source, every linked page was missing from the next scan and asked about the same
-- way. Now such a change is refused (55000) while the mapping has links, naming the links and both
-- targets: a mapping for another table or data source is saved under another name, and a data
-- source Notion recreated is followed with adopt_data_source, which retires the old links.
--
-- And a mapping names one of its owner's connections: the foreign key let a mapping name another
-- user's connection (RLS does not apply to foreign-key checks), which then could not be deleted by
-- its owner. It is refused with 22023, as any connection that is not the caller's.

alter function notion_sync_api.save_mapping(jsonb) rename to save_valid_mapping;
alter function notion_sync_api.save_valid_mapping(jsonb) set schema notion_sync;
comment on function notion_sync.save_valid_mapping(jsonb) is
  'Validates and saves the caller''s mapping (by name), then attaches change capture. Call '
  'save_mapping, which keeps a linked mapping on its table. Authenticated. Raises 22023 listing '
  'every problem.';

-- Saves the caller's mapping (save_valid_mapping), unless it names another user's connection, or has
-- links and would move to another data source, table or key column. Authenticated. Raises 22023
-- (invalid: every problem named; a connection not the caller's), 55000 (a linked mapping moved).
create function notion_sync_api.save_mapping(p_mapping jsonb)
returns uuid
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_old notion_sync.mappings;
  v_links bigint;
begin
  if p_mapping ->> 'connection_id' is not null and not exists (
       select from notion_sync.connections c
       where c.owner_id = (select auth.uid()) and c.connection_id::text = p_mapping ->> 'connection_id') then
    raise exception 'mapping "%": connection % is not one of yours', p_mapping ->> 'name', p_mapping ->> 'connection_id'
      using errcode = '22023';
  end if;
  select * into v_old from notion_sync.mappings m
  where m.owner_id = (select auth.uid()) and m.name = p_mapping ->> 'name';
  if found and (v_old.data_source_id is distinct from coalesce(p_mapping ->> 'data_source_id', v_old.data_source_id)
                or v_old.target_schema is distinct from coalesce(p_mapping ->> 'target_schema', 'public')
                or v_old.target_table is distinct from coalesce(p_mapping ->> 'target_table', v_old.target_table)
                or v_old.key_column is distinct from coalesce(p_mapping ->> 'key_column', v_old.key_column)) then
    select count(*) into v_links from notion_sync.links l where l.mapping_id = v_old.mapping_id;
    if v_links > 0 then
      raise exception 'mapping "%" links % records of %.% (key %) to pages of data source %, so it cannot move to '
        '%.% (key %) of data source %: its links would name records and pages that are not there, and every one '
        'would be asked about as deleted. Save a mapping of another name for the new target (a data source Notion '
        'recreated is followed with adopt_data_source)',
        v_old.name, v_links, v_old.target_schema, v_old.target_table, v_old.key_column, v_old.data_source_id,
        coalesce(p_mapping ->> 'target_schema', 'public'), coalesce(p_mapping ->> 'target_table', v_old.target_table),
        coalesce(p_mapping ->> 'key_column', v_old.key_column),
        coalesce(p_mapping ->> 'data_source_id', v_old.data_source_id)
        using errcode = '55000';
    end if;
  end if;
  return notion_sync.save_valid_mapping(p_mapping);
end
$$;
comment on function notion_sync_api.save_mapping(jsonb) is
  'Validates and saves the caller''s mapping (by name), then attaches change capture; a mapping with '
  'links keeps its data source, table and key column. Authenticated. Raises 22023 listing every '
  'problem, naming the Notion property and the column; 55000 when a linked mapping would move.';
revoke execute on function notion_sync_api.save_mapping(jsonb) from public;
grant execute on function notion_sync_api.save_mapping(jsonb) to authenticated;
