-- Two columns mapped to one Notion property and edited to values that differ as Notion values are
-- held in a field question with both values, not pushed one over the other (the last column listed
-- won, and the next run wrote its value over the other column's edit). Columns that agree as Notion
-- values are pushed; the record's other changes are pushed either way. A person keeps one column;
-- keeping Supabase for both is refused, as Notion can hold only one value.
begin;
select plan(7);

select tests.date_in_two_columns('date-columns-disagree@example.com');

-- Call: the day and the text name different dates, and the title changed; Visit: the same instant
update public.dated_rows set day = '2026-03-04', at_text = '2026-03-09', title = 'Call back' where title = 'Call';
update public.dated_rows set day = '2026-03-06', at_text = '2026-03-07T04:00:00.000Z' where title = 'Visit';
select tests.sync_mapping('dated', '[]');
select is((select properties from notion_sync.outbox where status = 'pending' and op = 'update' and page_id = 'n1'),
  '{"title": {"title": [{"text": {"link": null, "content": "Call back"}, "type": "text", "annotations": {"bold": false, "code": false, "color": "default", "italic": false, "underline": false, "strikethrough": false}}]}}'::jsonb,
  'The title is pushed, the date is not.');
select is((select details ->> 'error' from notion_sync.conflicts where page_id = 'n1' and status = 'open' and kind = 'field'),
  'the columns at_text and day hold different values of one Notion property, which can hold only one: keep Supabase for one of them (Notion for the other), or Notion''s value',
  'A field question says why.');
select is((select fields from notion_sync.conflicts where page_id = 'n1' and status = 'open') #>> '{at_text,supabase}', '2026-03-09',
  'It keeps the text column''s value.');
select is((select fields from notion_sync.conflicts where page_id = 'n1' and status = 'open') #>> '{day,supabase}', '2026-03-04',
  'And the date column''s.');
select is((select properties -> 'wh%3A' -> 'date' ->> 'start' from notion_sync.outbox
           where status = 'pending' and op = 'update' and page_id = 'n2'),
  '2026-03-06T23:00:00.000-05:00', 'Columns that name the same instant are pushed, with no question.');

select conflict_id as q from notion_sync.conflicts where page_id = 'n1' and status = 'open' \gset
select throws_ok(format($$ select notion_sync_api.resolve_conflict(%L, 'prefer_supabase') $$, :'q'), '22023',
  'columns_disagree: the columns at_text and day hold different values of one Notion property, which can hold only one: keep Supabase for one of them (Notion for the other)',
  'Keeping Supabase for both columns is refused.');
select notion_sync_api.resolve_conflict(:'q', 'merge', '{"day": "supabase", "at_text": "notion"}');
select is((select properties -> 'wh%3A' -> 'date' ->> 'start' from notion_sync.outbox
           where status = 'pending' and op = 'update' and page_id = 'n1' and conflict_id = :'q'),
  '2026-03-04T23:00:00.000-05:00', 'Keeping the date column pushes its day, at Notion''s time.');

select * from finish();
rollback;
