-- Every writable property type survives both conversions: Notion JSON → canonical → column →
-- Notion write payload → (stored as Notion would store it) → canonical, equal to where it began.
begin;
select plan(26);

-- What Notion gives back after a write: response shapes (ids, colors, plain_text, href), text
-- split into different segments, date-times with an offset, Notion-hosted file URLs re-signed.
create function pg_temp.notion_stores(p_type text, p_payload jsonb)
returns jsonb language sql as $$
  select jsonb_build_object('id', 'prop', 'type', p_type, p_type, case
    when p_type in ('title', 'rich_text') then coalesce((
      select jsonb_agg(s.item order by s.ord, s.half)
      from (select e.ordinality as ord, h.half,
                   case e.value ->> 'type'
                     when 'text' then jsonb_build_object(
                       'type', 'text',
                       'text', jsonb_build_object('content', h.content, 'link', e.value -> 'text' -> 'link'),
                       'annotations', e.value -> 'annotations', 'plain_text', h.content,
                       'href', e.value -> 'text' -> 'link' -> 'url')
                     when 'equation' then e.value || jsonb_build_object(
                       'plain_text', e.value -> 'equation' -> 'expression', 'href', null)
                     else e.value || jsonb_build_object('plain_text', '@Ann', 'href', null)
                   end as item
            from jsonb_array_elements(p_payload -> p_type) with ordinality e
            cross join lateral (
              select 1 as half, left(e.value -> 'text' ->> 'content', length(e.value -> 'text' ->> 'content') / 2) as content
              where e.value ->> 'type' = 'text' and length(e.value -> 'text' ->> 'content') > 1
              union all
              select 2, substr(e.value -> 'text' ->> 'content', length(e.value -> 'text' ->> 'content') / 2 + 1)
              where e.value ->> 'type' = 'text' and length(e.value -> 'text' ->> 'content') > 1
              union all
              select 1, e.value -> 'text' ->> 'content'
              where e.value ->> 'type' <> 'text' or length(e.value -> 'text' ->> 'content') <= 1) h) s),
      '[]'::jsonb)
    when p_type in ('select', 'status') then case when jsonb_typeof(p_payload -> p_type) = 'object'
      then (p_payload -> p_type) || '{"id": "opt1", "color": "green"}' else 'null'::jsonb end
    when p_type = 'multi_select' then coalesce((
      select jsonb_agg(e.value || '{"id": "opt", "color": "blue"}') from jsonb_array_elements(p_payload -> p_type) e),
      '[]'::jsonb)
    when p_type = 'date' then case when jsonb_typeof(p_payload -> 'date') = 'object' then
      jsonb_build_object('start', replace(p_payload -> 'date' ->> 'start', 'Z', '+00:00'),
                         'end', replace(p_payload -> 'date' ->> 'end', 'Z', '+00:00'),
                         'time_zone', p_payload -> 'date' -> 'time_zone') else 'null'::jsonb end
    when p_type = 'people' then coalesce((
      select jsonb_agg(jsonb_build_object('object', 'user', 'id', e.value ->> 'id', 'name', 'Someone',
                                          'type', 'person'))
      from jsonb_array_elements(p_payload -> p_type) e), '[]'::jsonb)
    when p_type = 'files' then coalesce((
      select jsonb_agg(case when e.value ->> 'type' = 'file' then jsonb_build_object(
               'name', e.value ->> 'name', 'type', 'file',
               'file', jsonb_build_object('url', split_part(e.value -> 'file' ->> 'url', '?', 1) || '?X-Amz-Signature=resigned',
                                          'expiry_time', '2026-11-26T12:00:00.000Z'))
             else e.value end)
      from jsonb_array_elements(p_payload -> p_type) e), '[]'::jsonb)
    else p_payload -> p_type
  end)
  || case when p_type = 'relation' then '{"has_more": false}'::jsonb else '{}'::jsonb end
$$;

create temporary table cases (n integer, description text, property jsonb, column_type regtype,
                              property_schema jsonb) on commit drop;
insert into cases values
  (1, 'A title through a text column', '{"id":"title","type":"title","title":[{"type":"text","text":{"content":"Write the spec","link":null},"annotations":{"bold":false,"italic":false,"strikethrough":false,"underline":false,"code":false,"color":"default"},"plain_text":"Write the spec","href":null}]}', 'text', null),
  (2, 'A formatted title through a jsonb column', '{"id":"title","type":"title","title":[{"type":"text","text":{"content":"Ship ","link":null},"annotations":{"bold":true,"italic":false,"strikethrough":false,"underline":false,"code":false,"color":"red"},"plain_text":"Ship ","href":null},{"type":"text","text":{"content":"it","link":null},"annotations":{"bold":false,"italic":true,"strikethrough":false,"underline":false,"code":false,"color":"default"},"plain_text":"it","href":null}]}', 'jsonb', null),
  (3, 'Rich text with a link, a mention and an equation through a text column', '{"id":"rt","type":"rich_text","rich_text":[{"type":"text","text":{"content":"See ","link":null},"annotations":{"bold":false,"italic":false,"strikethrough":false,"underline":false,"code":false,"color":"default"},"plain_text":"See ","href":null},{"type":"text","text":{"content":"the docs","link":{"url":"https://example.com/docs"}},"annotations":{"bold":true,"italic":false,"strikethrough":false,"underline":false,"code":false,"color":"default"},"plain_text":"the docs","href":"https://example.com/docs"},{"type":"text","text":{"content":" with ","link":null},"annotations":{"bold":false,"italic":false,"strikethrough":false,"underline":false,"code":false,"color":"default"},"plain_text":" with ","href":null},{"type":"mention","mention":{"type":"user","user":{"object":"user","id":"7775f3a3-edcd-8181-8d59-e30a27148c69","name":"Ann"}},"annotations":{"bold":false,"italic":false,"strikethrough":false,"underline":false,"code":false,"color":"default"},"plain_text":"@Ann","href":null},{"type":"text","text":{"content":": ","link":null},"annotations":{"bold":false,"italic":false,"strikethrough":false,"underline":false,"code":false,"color":"default"},"plain_text":": ","href":null},{"type":"equation","equation":{"expression":"e=mc^2"},"annotations":{"bold":false,"italic":false,"strikethrough":false,"underline":false,"code":false,"color":"default"},"plain_text":"e=mc^2","href":null}]}', 'text', null),
  (4, 'The same rich text through a jsonb column', null, 'jsonb', null),
  (5, 'A decimal number through a numeric column', '{"id":"n","type":"number","number":42.5}', 'numeric', null),
  (6, 'A whole number through an integer column', '{"id":"n","type":"number","number":3}', 'integer', null),
  (7, 'A number through a double precision column', '{"id":"n","type":"number","number":2.25}', 'double precision', null),
  (8, 'A select option through a text column', '{"id":"s","type":"select","select":{"id":"a1","name":"High","color":"red"}}', 'text', null),
  (9, 'A status option through a text column', '{"id":"st","type":"status","status":{"id":"b2","name":"In progress","color":"blue"}}', 'text', '{"id":"st","name":"Status","type":"status","status":{"options":[{"id":"b1","name":"Not started"},{"id":"b2","name":"In progress"},{"id":"b3","name":"Done"}]}}'),
  (10, 'Multi-select options through a text[] column', '{"id":"ms","type":"multi_select","multi_select":[{"id":"x","name":"backend","color":"blue"},{"id":"y","name":"urgent","color":"red"}]}', 'text[]', null),
  (11, 'A date-only value through a date column', '{"id":"d","type":"date","date":{"start":"2026-12-24","end":null,"time_zone":null}}', 'date', null),
  (12, 'A date-time with an offset through a timestamptz column', '{"id":"d","type":"date","date":{"start":"2026-12-24T18:30:00.000+01:00","end":null,"time_zone":null}}', 'timestamptz', null),
  (13, 'A date-time range in a time zone through a jsonb column', '{"id":"d","type":"date","date":{"start":"2026-12-24T18:30:00.000","end":"2026-12-24T20:00:00.000","time_zone":"Europe/Paris"}}', 'jsonb', null),
  (14, 'A checkbox through a boolean column', '{"id":"c","type":"checkbox","checkbox":true}', 'boolean', null),
  (15, 'A URL through a text column', '{"id":"u","type":"url","url":"https://example.com/a?b=1"}', 'text', null),
  (16, 'An email through a text column', '{"id":"e","type":"email","email":"ann@example.com"}', 'text', null),
  (17, 'A phone number through a text column', '{"id":"p","type":"phone_number","phone_number":"+33 1 23 45 67 89"}', 'text', null),
  (18, 'People through a uuid[] column', '{"id":"pp","type":"people","people":[{"object":"user","id":"7775f3a3-edcd-8181-8d59-e30a27148c69"},{"object":"user","id":"393abc1e-edcd-8181-8d59-e30a27148c69"}]}', 'uuid[]', null),
  (19, 'A relation through a text[] column', '{"id":"r","type":"relation","relation":[{"id":"393abc1e-edcd-80f3-813b-e205934558c6"}],"has_more":false}', 'text[]', null),
  (20, 'External and Notion-hosted files through a jsonb column', '{"id":"f","type":"files","files":[{"name":"spec.pdf","type":"file","file":{"url":"https://prod-files-secure.s3.us-west-2.amazonaws.com/ws/spec.pdf?X-Amz-Signature=first","expiry_time":"2026-11-26T11:00:00.000Z"}},{"name":"site","type":"external","external":{"url":"https://example.com/logo.png"}}]}', 'jsonb', null),
  (21, 'An empty title through a text column', '{"id":"title","type":"title","title":[]}', 'text', null),
  (22, 'An empty URL through a text column', '{"id":"u","type":"url","url":null}', 'text', null),
  (23, 'An empty select through a text column', '{"id":"s","type":"select","select":null}', 'text', null),
  (24, 'An empty multi-select through a text[] column', '{"id":"ms","type":"multi_select","multi_select":[]}', 'text[]', null),
  (25, 'An empty date through a date column', '{"id":"d","type":"date","date":null}', 'date', null),
  (26, 'A date-only value through a timestamptz column', '{"id":"d","type":"date","date":{"start":"2026-12-24","end":null,"time_zone":null}}', 'timestamptz', null);
update cases set property = (select c.property from cases c where c.n = 3) where n = 4;

-- the column value cast through the column type, as jsonb_populate_record would store it
create function pg_temp.through_column(p_value jsonb, p_column_type regtype)
returns jsonb language plpgsql as $$
declare
  v_out jsonb;
begin
  if p_column_type in ('json'::regtype, 'jsonb'::regtype) then
    return p_value;
  elsif jsonb_typeof(p_value) = 'array' then
    execute format('select to_jsonb(array(select jsonb_array_elements_text($1))::%s)', p_column_type)
      into v_out using p_value;
  else
    execute format('select to_jsonb(($1 #>> ''{}'')::%s)', p_column_type) into v_out using p_value;
  end if;
  return v_out;
end
$$;

select ok(notion_sync.values_equal(c.property ->> 'type', x.canonical,
            notion_sync.notion_to_canonical(pg_temp.notion_stores(c.property ->> 'type',
              notion_sync.column_to_notion(c.property ->> 'type',
                pg_temp.through_column(notion_sync.canonical_to_column(c.property ->> 'type', x.canonical, c.column_type),
                                       c.column_type),
                c.property, c.property_schema)))),
          c.description || ' comes back equal.')
from cases c
cross join lateral (select notion_sync.notion_to_canonical(c.property) as canonical) x
order by c.n;

select * from finish();
rollback;
