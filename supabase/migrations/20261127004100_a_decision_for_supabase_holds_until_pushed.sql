-- A person's decision to keep Supabase's value holds until it is pushed: the next run no longer
-- cancels the push it queued and asks the same question again.
--
-- Resolving a field conflict with prefer_supabase (or merge, for the fields given to Supabase)
-- queues a push of Supabase's value that expects Notion's, and leaves the base where it was (rule
-- 1: it advances when the write is confirmed). A run that came before the push (the tick queues the
-- next incremental and the push together) saw Notion and Supabase both away from that base and
-- different: a conflict again. It cancelled the push and opened a new question about what the
-- person had just answered. Now, while such a push waits, reconcile compares those fields with the
-- Notion value the decision replaces, as if it were their base: unchanged since the decision, the
-- run plans the same push (the waiting one is kept); edited in Notion since, it is a conflict, as
-- before. The base itself is put back after the reconcile, so it stays a value both sides held.

alter function notion_sync_api.reconcile(uuid, jsonb) set schema notion_sync;
alter function notion_sync.reconcile(uuid, jsonb) rename to reconcile_pairs;
comment on function notion_sync.reconcile_pairs(uuid, jsonb) is
  'Reconcile of a run (statistics, changes no run applied, pages back, then reconcile_run). Call '
  'notion_sync_api.reconcile, which holds the decisions whose push waits. Authenticated. Raises '
  'P0002, 22023.';

-- Reconciles a run (reconcile_pairs), comparing each field a decision queued for Notion, while its
-- push waits, with the Notion value the decision replaces. Authenticated. Raises P0002 (no such
-- run), 22023 (bad policy).
create function notion_sync_api.reconcile(p_run_id uuid, p_options jsonb default '{}'::jsonb)
returns jsonb
language plpgsql
security invoker
set search_path = ''
as $$
declare
  v_mapping uuid;
  v_held jsonb;
  v_result jsonb;
begin
  select r.mapping_id into v_mapping from notion_sync.runs r where r.run_id = p_run_id;
  -- the fields of decisions whose push waits: their base, and the Notion value they replace
  select jsonb_agg(jsonb_build_object('page_id', l.page_id, 'field', f.key, 'base', l.base -> f.key,
                                      'decided', f.value -> 'expected'))
  into v_held
  from notion_sync.outbox o
  cross join jsonb_each(o.fields) f
  join notion_sync.links l on l.mapping_id = o.mapping_id and l.page_id = o.page_id and l.base ? f.key
  where o.mapping_id = v_mapping and o.op = 'update' and o.status in ('pending', 'in_flight')
    and o.conflict_id is not null and o.advance_base;
  update notion_sync.links l set base = l.base || jsonb_build_object(h.field, h.decided)
  from jsonb_to_recordset(coalesce(v_held, '[]')) as h(page_id text, field text, base jsonb, decided jsonb)
  where l.mapping_id = v_mapping and l.page_id = h.page_id;
  v_result := notion_sync.reconcile_pairs(p_run_id, p_options);
  -- the base goes back where the reconcile left it as it was set above
  update notion_sync.links l set base = l.base || jsonb_build_object(h.field, h.base)
  from jsonb_to_recordset(coalesce(v_held, '[]')) as h(page_id text, field text, base jsonb, decided jsonb)
  where l.mapping_id = v_mapping and l.page_id = h.page_id and (l.base -> h.field) is not distinct from h.decided;
  return v_result;
end
$$;
comment on function notion_sync_api.reconcile(uuid, jsonb) is
  'Three-way reconcile of what a run staged against the mapping''s table: applies one-sided changes '
  '(compare-and-set, outbox), keeps divergent ones as conflicts, follows the delete policy, holds '
  'a side past the safety valve, leaves pending the relation fields that cannot be translated yet. '
  'A full run first refreshes statistics; every run takes the changes staged by runs that did not '
  'apply them; a run that applies links again pairs whose half came back; a field whose decided '
  'push waits is compared with the Notion value the decision replaces. Returns the summary (with the '
  'diff for a dry run). Authenticated. Raises P0002 (no such run), 22023 (bad policy).';
revoke execute on function notion_sync_api.reconcile(uuid, jsonb) from public;
grant execute on function notion_sync_api.reconcile(uuid, jsonb) to authenticated;
