-- Every reference between our tables has an index on its referencing column, so deleting a user or
-- a mapping is linear in its rows.
--
-- Deleting a row that others reference makes Postgres look for the rows that name it (to set null
-- or to cascade). Six references had no index to look with: changes.undoes and changes.conflict_id,
-- outbox.conflict_id and outbox.run_id, runs.parent_run_id, conflicts.resolved_by. Each deleted
-- change then read the whole changes table for the changes that undo it, so deleting a user (or a
-- mapping) was quadratic in its changes: 1.1 s for 2,000 linked records (6,000 changes), 4.8 s for
-- 4,000, and more than 14 minutes for the 50,000 of a large first import. Partial indexes: most of
-- these columns are null, and a lookup by value never wants the nulls.
-- (supabase/tests/catalog/references_have_an_index.test.sql keeps the rule.)

create index changes_undoes_idx on notion_sync.changes (undoes) where undoes is not null;
create index changes_conflict_idx on notion_sync.changes (conflict_id) where conflict_id is not null;
create index outbox_conflict_idx on notion_sync.outbox (conflict_id) where conflict_id is not null;
create index outbox_run_idx on notion_sync.outbox (run_id) where run_id is not null;
create index runs_parent_run_idx on notion_sync.runs (parent_run_id) where parent_run_id is not null;
create index conflicts_resolved_by_idx on notion_sync.conflicts (resolved_by) where resolved_by is not null;
