-- Notion-hosted file URLs, re-signed on every read, compare equal; such files are never uploaded from Supabase.
begin;
select plan(8);

create function pg_temp.hosted(p_signature text, p_path text default 'ws/spec.pdf') returns jsonb language sql as $$
  select jsonb_build_object('id', 'f', 'type', 'files', 'files', jsonb_build_array(
    jsonb_build_object('name', 'spec.pdf', 'type', 'file', 'file', jsonb_build_object(
      'url', 'https://prod-files-secure.s3.us-west-2.amazonaws.com/' || p_path || '?X-Amz-Signature=' || p_signature,
      'expiry_time', '2026-11-26T11:00:00.000Z'))))
$$;

select is(notion_sync.notion_to_canonical(pg_temp.hosted('first')),
  '[{"name": "spec.pdf", "type": "file", "url": "https://prod-files-secure.s3.us-west-2.amazonaws.com/ws/spec.pdf"}]'::jsonb,
  'A Notion-hosted file is kept without its query string and expiry time.');
select ok(notion_sync.values_equal('files', notion_sync.notion_to_canonical(pg_temp.hosted('first')),
                                            notion_sync.notion_to_canonical(pg_temp.hosted('second'))),
  'The same hosted file read twice, with two signatures, is equal.');
select ok(notion_sync.values_equal('files', pg_temp.hosted('first') -> 'files', pg_temp.hosted('second') -> 'files'),
  'Raw hosted file lists with different signatures are equal too.');
select ok(not notion_sync.values_equal('files', notion_sync.notion_to_canonical(pg_temp.hosted('first')),
                                                notion_sync.notion_to_canonical(pg_temp.hosted('first', 'ws/other.pdf'))),
  'A different hosted file is not equal.');
select ok(not notion_sync.values_equal('files', '[{"name":"a","type":"external","url":"https://example.com/a?v=1"}]',
                                                '[{"name":"a","type":"external","url":"https://example.com/a?v=2"}]'),
  'An external URL keeps its query string, which may matter.');
select is(notion_sync.column_to_notion('files', notion_sync.notion_to_canonical(pg_temp.hosted('first'))
                                               || '[{"name":"logo","type":"external","url":"https://example.com/logo.png"}]',
                                       pg_temp.hosted('second')),
  '{"files": [{"name": "spec.pdf", "type": "file", "file": {"url": "https://prod-files-secure.s3.us-west-2.amazonaws.com/ws/spec.pdf?X-Amz-Signature=second"}},
              {"name": "logo", "type": "external", "external": {"url": "https://example.com/logo.png"}}]}'::jsonb,
  'Adding an external file keeps the hosted file already there, with its current signed URL.');
select throws_ok($$ select notion_sync.column_to_notion('files', notion_sync.notion_to_canonical(pg_temp.hosted('first', 'ws/other.pdf')),
                                                        pg_temp.hosted('second')) $$,
  '0A000',
  'notion_hosted_file: "spec.pdf" is a file hosted by Notion that this property does not hold; Notion-hosted files are read-only, add an external URL instead',
  'A hosted file the property does not hold is refused as read-only.');
select is(notion_sync.column_to_notion('files', '[]', pg_temp.hosted('first')), '{"files": []}'::jsonb,
  'Removing every file is written as an empty list.');

select * from finish();
rollback;
