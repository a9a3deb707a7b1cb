-- A row of ours belongs to the owner of the mapping, run, conflict, connection or change it names.
--
-- The policies check only a row's own owner_id, and the foreign keys only that its parent exists:
-- a user who learnt another user's mapping id could insert rows of their own under that mapping
-- (a running run, a staged page, a pending change, a job, ...). Definer code and the service role
-- then acted on them in the other user's context, and the keys shared by mapping (one running run,
-- one staged page, one pending change per record, one pending job per kind) let such a row block
-- the owner's own writes, which the owner cannot even see. Each reference between our tables now
-- carries owner_id, so the database refuses a row whose owner is not its parent's owner, whoever
-- writes it (23503). Each key keeps its ON DELETE behaviour; a nullable parent (a run, a conflict,
-- an undone change) sets only its own column to null, never the owner.
--
-- A database holding such rows stops here, naming the table, rather than deleting anybody's rows:
-- a person decides what they were.

do $$
declare
  v_ref record;
  v_count bigint;
begin
  -- every reference made owner-checked below: child table, its column, parent table, parent key
  for v_ref in
    select * from (values
      ('mappings', 'connection_id', 'connections', 'connection_id'),
      ('webhook_events', 'connection_id', 'connections', 'connection_id'),
      ('runs', 'mapping_id', 'mappings', 'mapping_id'),
      ('staged_pages', 'mapping_id', 'mappings', 'mapping_id'),
      ('links', 'mapping_id', 'mappings', 'mapping_id'),
      ('record_changes', 'mapping_id', 'mappings', 'mapping_id'),
      ('tombstones', 'mapping_id', 'mappings', 'mapping_id'),
      ('conflicts', 'mapping_id', 'mappings', 'mapping_id'),
      ('outbox', 'mapping_id', 'mappings', 'mapping_id'),
      ('changes', 'mapping_id', 'mappings', 'mapping_id'),
      ('jobs', 'mapping_id', 'mappings', 'mapping_id'),
      ('runs', 'parent_run_id', 'runs', 'run_id'),
      ('conflicts', 'run_id', 'runs', 'run_id'),
      ('outbox', 'run_id', 'runs', 'run_id'),
      ('changes', 'run_id', 'runs', 'run_id'),
      ('outbox', 'conflict_id', 'conflicts', 'conflict_id'),
      ('changes', 'conflict_id', 'conflicts', 'conflict_id'),
      ('changes', 'undoes', 'changes', 'change_id')
    ) r(child, child_column, parent, parent_column)
  loop
    execute format('select count(*) from notion_sync.%I c join notion_sync.%I p on p.%I = c.%I '
                   'where p.owner_id <> c.owner_id',
                   v_ref.child, v_ref.parent, v_ref.parent_column, v_ref.child_column)
      into v_count;
    if v_count > 0 then
      raise exception 'notion_sync.% has % row(s) whose owner is not the owner of the % row their % names',
        v_ref.child, v_count, v_ref.parent, v_ref.child_column
        using errcode = '23503',
              hint = format('Find them with: select c.* from notion_sync.%I c join notion_sync.%I p '
                            'on p.%I = c.%I where p.owner_id <> c.owner_id; move or delete them, then '
                            'apply this migration again.',
                            v_ref.child, v_ref.parent, v_ref.parent_column, v_ref.child_column);
    end if;
  end loop;
end
$$;

-- the parents' keys with their owner, for the composite keys below
alter table notion_sync.connections add constraint connections_owner_unique unique (connection_id, owner_id);
alter table notion_sync.mappings add constraint mappings_owner_unique unique (mapping_id, owner_id);
alter table notion_sync.runs add constraint runs_owner_unique unique (run_id, owner_id);
alter table notion_sync.conflicts add constraint conflicts_owner_unique unique (conflict_id, owner_id);
alter table notion_sync.changes add constraint changes_owner_unique unique (change_id, owner_id);

alter table notion_sync.mappings
  drop constraint mappings_connection_id_fkey,
  add constraint mappings_connection_owner_fkey foreign key (connection_id, owner_id)
    references notion_sync.connections (connection_id, owner_id) on delete restrict;
alter table notion_sync.webhook_events
  drop constraint webhook_events_connection_id_fkey,
  add constraint webhook_events_connection_owner_fkey foreign key (connection_id, owner_id)
    references notion_sync.connections (connection_id, owner_id) on delete cascade;

alter table notion_sync.runs
  drop constraint runs_mapping_id_fkey,
  add constraint runs_mapping_owner_fkey foreign key (mapping_id, owner_id)
    references notion_sync.mappings (mapping_id, owner_id) on delete cascade,
  drop constraint runs_parent_run_id_fkey,
  add constraint runs_parent_run_owner_fkey foreign key (parent_run_id, owner_id)
    references notion_sync.runs (run_id, owner_id) on delete set null (parent_run_id);
alter table notion_sync.staged_pages
  drop constraint staged_pages_mapping_id_fkey,
  add constraint staged_pages_mapping_owner_fkey foreign key (mapping_id, owner_id)
    references notion_sync.mappings (mapping_id, owner_id) on delete cascade;
alter table notion_sync.links
  drop constraint links_mapping_id_fkey,
  add constraint links_mapping_owner_fkey foreign key (mapping_id, owner_id)
    references notion_sync.mappings (mapping_id, owner_id) on delete cascade;
alter table notion_sync.record_changes
  drop constraint record_changes_mapping_id_fkey,
  add constraint record_changes_mapping_owner_fkey foreign key (mapping_id, owner_id)
    references notion_sync.mappings (mapping_id, owner_id) on delete cascade;
alter table notion_sync.tombstones
  drop constraint tombstones_mapping_id_fkey,
  add constraint tombstones_mapping_owner_fkey foreign key (mapping_id, owner_id)
    references notion_sync.mappings (mapping_id, owner_id) on delete cascade;
alter table notion_sync.conflicts
  drop constraint conflicts_mapping_id_fkey,
  add constraint conflicts_mapping_owner_fkey foreign key (mapping_id, owner_id)
    references notion_sync.mappings (mapping_id, owner_id) on delete cascade,
  drop constraint conflicts_run_id_fkey,
  add constraint conflicts_run_owner_fkey foreign key (run_id, owner_id)
    references notion_sync.runs (run_id, owner_id) on delete set null (run_id);
alter table notion_sync.outbox
  drop constraint outbox_mapping_id_fkey,
  add constraint outbox_mapping_owner_fkey foreign key (mapping_id, owner_id)
    references notion_sync.mappings (mapping_id, owner_id) on delete cascade,
  drop constraint outbox_run_id_fkey,
  add constraint outbox_run_owner_fkey foreign key (run_id, owner_id)
    references notion_sync.runs (run_id, owner_id) on delete set null (run_id),
  drop constraint outbox_conflict_id_fkey,
  add constraint outbox_conflict_owner_fkey foreign key (conflict_id, owner_id)
    references notion_sync.conflicts (conflict_id, owner_id) on delete set null (conflict_id);
alter table notion_sync.changes
  drop constraint changes_mapping_id_fkey,
  add constraint changes_mapping_owner_fkey foreign key (mapping_id, owner_id)
    references notion_sync.mappings (mapping_id, owner_id) on delete cascade,
  drop constraint changes_run_id_fkey,
  add constraint changes_run_owner_fkey foreign key (run_id, owner_id)
    references notion_sync.runs (run_id, owner_id) on delete set null (run_id),
  drop constraint changes_conflict_id_fkey,
  add constraint changes_conflict_owner_fkey foreign key (conflict_id, owner_id)
    references notion_sync.conflicts (conflict_id, owner_id) on delete set null (conflict_id),
  drop constraint changes_undoes_fkey,
  add constraint changes_undoes_owner_fkey foreign key (undoes, owner_id)
    references notion_sync.changes (change_id, owner_id) on delete set null (undoes);
alter table notion_sync.jobs
  drop constraint jobs_mapping_id_fkey,
  add constraint jobs_mapping_owner_fkey foreign key (mapping_id, owner_id)
    references notion_sync.mappings (mapping_id, owner_id) on delete cascade;
