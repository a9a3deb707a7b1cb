-- A date is read only from a calendar date, never from Postgres's special words or an era.
--
-- notion_instant (every date the sync reads from Notion or from a column) cast its text with
-- Postgres's date input, which also takes 'today', 'tomorrow', 'yesterday', 'now', 'epoch',
-- 'infinity' and 'allballs', and years 'BC'. A text column holding "today" was read as a different
-- date every day, so the record was pushed to Notion again daily (the function is immutable, so
-- plans may even cache one day's answer); '0044-03-15 BC' came out as year 44 AD. Such text is now
-- refused as not a date (22007), as other non-dates are, so it never reaches Notion as a date.

alter function notion_sync.notion_instant(text, text) rename to read_instant;
comment on function notion_sync.read_instant(text, text) is
  'Canonical date or UTC instant of a date text, by Postgres''s date input. Call notion_instant, '
  'which refuses the special words and eras. Any caller; raises 22007, 22008, 22023.';

-- An ISO 8601 date or date-time in canonical form (read_instant), refusing Postgres's special date
-- words and eras. Immutable; any caller; raises 22007 (not a date), 22008, 22023 (unknown time zone).
create function notion_sync.notion_instant(p_value text, p_time_zone text default null)
returns text
language plpgsql
immutable
set search_path = ''
as $$
begin
  if p_value ~* '(today|tomorrow|yesterday|now|epoch|infinity|allballs|\m(bc|ad)\M)' then
    raise exception 'invalid_value: "%" is not a calendar date', p_value using errcode = '22007';
  end if;
  return notion_sync.read_instant(p_value, p_time_zone);
end
$$;
comment on function notion_sync.notion_instant(text, text) is
  'Canonical date (YYYY-MM-DD) or UTC instant of an ISO 8601 string, never of Postgres''s special '
  'date words or an era. Any caller; raises 22007, 22008, 22023.';
revoke execute on function notion_sync.notion_instant(text, text) from public;
grant execute on function notion_sync.notion_instant(text, text) to authenticated, service_role;
