-- Policies are one per command and role, for authenticated, with auth.uid() evaluated once.
begin;
select plan(3);

select is_empty($$ select schemaname || '.' || tablename || ' ' || policyname from pg_policies
                   where schemaname in ('notion_sync', 'notion_sync_demo') and cmd = 'ALL' $$,
  'No policy of ours is FOR ALL.');
select is_empty($$ select schemaname || '.' || tablename || ' ' || policyname from pg_policies
                   where schemaname in ('notion_sync', 'notion_sync_demo') and roles <> '{authenticated}' $$,
  'Every policy of ours is for authenticated only.');
select is_empty($$ select schemaname || '.' || tablename || ' ' || policyname from pg_policies
                   where schemaname in ('notion_sync', 'notion_sync_demo')
                     and (coalesce(qual, '') || coalesce(with_check, '')) like '%auth.uid()%'
                     and (coalesce(qual, '') || coalesce(with_check, '')) not like '%SELECT auth.uid()%' $$,
  'Every policy wraps auth.uid() in a subselect, so it is evaluated once per statement.');

select * from finish();
rollback;
