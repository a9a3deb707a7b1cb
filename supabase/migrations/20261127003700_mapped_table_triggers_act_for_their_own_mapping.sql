-- The triggers attached to mapped tables act for their own mapping only, follow a key update, and
-- keep whole rows on TRUNCATE.
--
-- 1. Any signed-in user could save a mapping onto any table the authenticated role may write,
--    the sync's own tables included, and save_mapping attached the capture and guard triggers to
--    it. A mapping onto notion_sync.runs with a Notion-only property (created_by) on one of its
--    columns made the guard refuse every user's start_run. Now attach_change_capture refuses the
--    schemas of the sync and of the platform (auth, storage, realtime, vault, net, cron,
--    extensions, graphql, supabase_*, pg_*, information_schema): a mapping targets an app's table.
-- 2. A mapping without an owner column took every row of its table as its own, whoever wrote it:
--    on a table that many users write (RLS keeping each to their rows), user A's mapping refused
--    user B's edits of a column A maps to a formula, and recorded B's record keys, and B's deleted
--    rows with their values, in A's record_changes and tombstones. Now a mapping without an owner
--    column acts only on writes of its owner, or of a role that is no signed-in user (the service
--    role, a migration, pg_cron): the writers of a table that has no owners. A table whose rows
--    belong to users needs the owner column, as the README says.
-- 3. An update of a record's key (a natural key corrected, say) left the link on the old key. The
--    next full scan then asked about the old key as a deleted record and made the row, under its
--    new key, a second page. The link (or the pending record change) now follows the row to its
--    new key.
-- 4. The AFTER TRUNCATE trigger cannot read the rows any more, so its tombstones held each link's
--    base: the mapped columns only, as last agreed. "Restore the record" then made a record without
--    its key (a new one, breaking other tables' references to it), without the columns Notion does
--    not hold, and without edits not synced yet, or failed on a NOT NULL column. A BEFORE TRUNCATE
--    trigger now writes each linked record's tombstone with its row as it is (the AFTER trigger
--    still covers linked records it did not see); attach_change_capture attaches it, and this
--    migration attaches it to the tables already mapped.

-- The schemas no mapping may target. Immutable; any caller.
create function notion_sync.is_protected_schema(p_schema text)
returns boolean
language sql
immutable
set search_path = ''
as $$
  select p_schema in ('notion_sync', 'notion_sync_api', 'auth', 'storage', 'realtime', 'vault', 'net', 'cron',
                      'extensions', 'graphql', 'graphql_public', 'pgbouncer', 'pgsodium', 'pgsodium_masks',
                      'information_schema')
      or p_schema like 'pg\_%' or p_schema like 'supabase\_%'
$$;
comment on function notion_sync.is_protected_schema(text) is
  'Whether a schema belongs to the sync or to the platform, so no mapping may target its tables. '
  'Any caller; raises nothing.';
revoke execute on function notion_sync.is_protected_schema(text) from public;
grant execute on function notion_sync.is_protected_schema(text) to authenticated, service_role;

alter function notion_sync.attach_change_capture(uuid) rename to attach_triggers;
revoke execute on function notion_sync.attach_triggers(uuid) from authenticated;
comment on function notion_sync.attach_triggers(uuid) is
  'Attaches change capture and the Notion-only guard to a mapping''s table. Only through '
  'attach_change_capture, which refuses the protected schemas. Raises P0002, 42P01, 42501.';

-- Attaches change capture (with the BEFORE TRUNCATE trigger) and the Notion-only guard to the
-- caller's mapped table, unless it is in a schema of the sync or the platform. security definer: it calls attach_triggers, which only the
-- owner may call (so no caller skips this check). Authenticated (through save_mapping). Raises
-- P0002 (not the caller's mapping), 42501 (a protected schema, or a table users may not write),
-- 42P01.
create function notion_sync.attach_change_capture(p_mapping_id uuid)
returns void
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
begin
  select * into v_map from notion_sync.mappings m
  where m.mapping_id = p_mapping_id and m.owner_id = (select auth.uid());
  if not found then
    raise exception 'mapping % not found', p_mapping_id using errcode = 'P0002';
  end if;
  if notion_sync.is_protected_schema(v_map.target_schema) then
    raise exception 'mapping "%" targets %.%, a table of schema %, which belongs to the sync or to the platform: '
      'map a table of your app', v_map.name, v_map.target_schema, v_map.target_table, v_map.target_schema
      using errcode = '42501';
  end if;
  perform notion_sync.attach_triggers(p_mapping_id);
  execute format('create or replace trigger notion_sync_capture_truncated_rows before truncate on %I.%I '
                 'for each statement execute function notion_sync.capture_truncated_rows()',
                 v_map.target_schema, v_map.target_table);
end
$$;
comment on function notion_sync.attach_change_capture(uuid) is
  'Attaches change capture and the Notion-only guard to the caller''s mapped table, never in a '
  'schema of the sync or the platform. Authenticated (through save_mapping). Raises P0002, 42501, '
  '42P01.';
revoke execute on function notion_sync.attach_change_capture(uuid) from public;
grant execute on function notion_sync.attach_change_capture(uuid) to authenticated;

-- Whether a write concerns a mapping without an owner column: a write by the mapping's owner, or by
-- a role that is no signed-in user (the service role, a migration, pg_cron). A mapping with an owner
-- column is concerned by its owner's rows (tested inline by the triggers). Stable; any caller.
create function notion_sync.written_by_owner(p_owner_id uuid)
returns boolean
language sql
stable
set search_path = ''
as $$
  select coalesce((select auth.uid()) = p_owner_id, true)
$$;
comment on function notion_sync.written_by_owner(uuid) is
  'Whether the current write is by this owner or by no signed-in user (what concerns a mapping '
  'without an owner column). Any caller; raises nothing.';
revoke execute on function notion_sync.written_by_owner(uuid) from public;
grant execute on function notion_sync.written_by_owner(uuid) to authenticated, service_role;

-- capture_row_change for the mapping's own writes, and a key update followed (else as in
-- 20261126000500).
create or replace function notion_sync.capture_row_change()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_row jsonb := case when tg_op = 'DELETE' then to_jsonb(old) else to_jsonb(new) end;
  v_map record;
  v_key text;
  v_old_key text;
begin
  for v_map in
    select m.mapping_id, m.owner_id, m.key_column, m.owner_column
    from notion_sync.mappings m
    where m.target_schema = tg_table_schema and m.target_table = tg_table_name
      -- the owner's row, or a write of the owner (the owner column tested inline: a call per
      -- mapping and row would cost more than the rest of the trigger)
      and case when m.owner_column is not null then (v_row ->> m.owner_column) is not distinct from m.owner_id::text
               else notion_sync.written_by_owner(m.owner_id) end
  loop
    -- our own apply of Notion values, whose base it records in the same transaction
    continue when current_setting('notion_sync.applying', true) = v_map.mapping_id::text;
    v_key := v_row ->> v_map.key_column;
    v_old_key := case when tg_op = 'UPDATE' then to_jsonb(old) ->> v_map.key_column end;
    if v_old_key is distinct from v_key and tg_op = 'UPDATE' then
      -- the same row under a new key: its link, or its pending change, follows it
      update notion_sync.links l set record_key = v_key
      where l.mapping_id = v_map.mapping_id and l.record_key = v_old_key;
      update notion_sync.record_changes rc set record_key = v_key
      where rc.mapping_id = v_map.mapping_id and rc.record_key = v_old_key
        and not exists (select from notion_sync.record_changes x
                        where x.mapping_id = v_map.mapping_id and x.record_key = v_key);
    end if;
    if tg_op = 'DELETE' then
      insert into notion_sync.tombstones (mapping_id, owner_id, record_key, page_id, last_values, cause)
      select v_map.mapping_id, v_map.owner_id, v_key, l.page_id, v_row, 'delete'
      from (select 1) one
      left join notion_sync.links l on l.mapping_id = v_map.mapping_id and l.record_key = v_key;
    else
      update notion_sync.links l set dirty_at = now()
      where l.mapping_id = v_map.mapping_id and l.record_key = v_key;
      if not found then
        insert into notion_sync.record_changes (mapping_id, record_key, owner_id, op)
        values (v_map.mapping_id, v_key, v_map.owner_id, lower(tg_op))
        on conflict (mapping_id, record_key) do update set changed_at = now();
      end if;
    end if;
  end loop;
  return null;
end
$$;

-- capture_truncate: a truncation by another signed-in user leaves no tombstone in a mapping
-- without an owner column (else as in 20261126000500).
create or replace function notion_sync.capture_truncate()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
begin
  insert into notion_sync.tombstones (mapping_id, owner_id, record_key, page_id, last_values, cause)
  select l.mapping_id, l.owner_id, l.record_key, l.page_id, l.base, 'truncate'
  from notion_sync.mappings m
  join notion_sync.links l on l.mapping_id = m.mapping_id
  where m.target_schema = tg_table_schema and m.target_table = tg_table_name
    and (m.owner_column is not null or notion_sync.written_by_owner(m.owner_id))
    and not exists (select from notion_sync.tombstones t
                    where t.mapping_id = l.mapping_id and t.record_key = l.record_key
                      and t.resolved_at is null);
  return null;
end
$$;

-- guard_notion_only_columns for the mapping's own writes (else as in 20261126000500).
create or replace function notion_sync.guard_notion_only_columns()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_new jsonb := to_jsonb(new);
  v_old jsonb := case when tg_op = 'UPDATE' then to_jsonb(old) else '{}'::jsonb end;
  v_field record;
begin
  for v_field in
    select m.mapping_id, m.name as mapping, f ->> 'column' as col, f ->> 'name' as prop, f ->> 'type' as type
    from notion_sync.mappings m
    cross join lateral jsonb_array_elements(m.field_map) f
    where m.target_schema = tg_table_schema and m.target_table = tg_table_name
      and notion_sync.is_notion_only_type(f ->> 'type')
      and case when m.owner_column is not null then (v_new ->> m.owner_column) is not distinct from m.owner_id::text
               else notion_sync.written_by_owner(m.owner_id) end
  loop
    continue when current_setting('notion_sync.applying', true) = v_field.mapping_id::text;
    if (tg_op = 'INSERT' and (v_new -> v_field.col) is not null and v_new -> v_field.col <> 'null'::jsonb)
       or (tg_op = 'UPDATE' and (v_new -> v_field.col) is distinct from (v_old -> v_field.col)) then
      raise exception 'column %.%.% is fed from the Notion property "%" (%) of mapping "%" and cannot be edited in Supabase',
        tg_table_schema, tg_table_name, v_field.col, v_field.prop, v_field.type, v_field.mapping
        using errcode = '42501', hint = 'Edit the value in Notion; the next sync brings it here.';
    end if;
  end loop;
  return new;
end
$$;

-- 4 ---------------------------------------------------------------------------------------------
-- BEFORE TRUNCATE trigger of mapped tables: a tombstone with the whole row for each linked record
-- the mappings concern (their owner's rows; without an owner column, a truncation by the mapping's
-- owner or no signed-in user). security definer, as capture_row_change. Trigger only.
create function notion_sync.capture_truncated_rows()
returns trigger
language plpgsql
security definer
set search_path = ''
as $$
declare
  v_map notion_sync.mappings;
begin
  for v_map in
    select m.* from notion_sync.mappings m
    where m.target_schema = tg_table_schema and m.target_table = tg_table_name
      and (m.owner_column is not null or notion_sync.written_by_owner(m.owner_id))
  loop
    execute format($q$
      insert into notion_sync.tombstones (mapping_id, owner_id, record_key, page_id, last_values, cause)
      select $1, $2, l.record_key, l.page_id, r.row, 'truncate'
      from (select to_jsonb(t) as row from %I.%I t) r
      join notion_sync.links l on l.mapping_id = $1 and l.record_key = r.row ->> %L
      where ($3::text is null or (r.row ->> $3) = $2::text)
        and not exists (select from notion_sync.tombstones x
                        where x.mapping_id = $1 and x.record_key = l.record_key and x.resolved_at is null)$q$,
      tg_table_schema, tg_table_name, v_map.key_column)
    using v_map.mapping_id, v_map.owner_id, v_map.owner_column;
  end loop;
  return null;
end
$$;
comment on function notion_sync.capture_truncated_rows() is
  'BEFORE TRUNCATE trigger of mapped tables: a tombstone with the whole row for each linked record. '
  'Trigger only. security definer for the same reason as capture_row_change.';
revoke execute on function notion_sync.capture_truncated_rows() from public;

-- the tables already mapped
do $$
declare
  v_table regclass;
begin
  for v_table in
    select distinct to_regclass(format('%I.%I', m.target_schema, m.target_table)) from notion_sync.mappings m
  loop
    continue when v_table is null;
    execute format('create or replace trigger notion_sync_capture_truncated_rows before truncate on %s '
                   'for each statement execute function notion_sync.capture_truncated_rows()', v_table);
  end loop;
end
$$;
