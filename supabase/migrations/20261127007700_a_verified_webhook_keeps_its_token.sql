-- A webhook endpoint that Notion has verified keeps its verification token.
--
-- Notion sends the token once, when a subscription is created, and a subscription's URL cannot
-- change once it is verified. store_webhook_token took a new token at any time, so anyone who
-- learned the URL (a log, a proxy) could post a handshake of their own: the real subscription's
-- events then failed their signature check (the sync stopped hearing from Notion until the next
-- scheduled retrieve), and events signed with the new token were taken. Once a signed event has
-- arrived (webhook_verified_at), a handshake is refused with 55000 (notion-webhook answers 409) and
-- the token is kept; a person who subscribes again makes a new URL first (connect-notion
-- {"action": "webhook", "newUrl": true}), which forgets the token. Before the first event a new
-- token still replaces the old one: Notion's settings may resend it until the subscription works.

create or replace function notion_sync.store_webhook_token(p_key_hash text, p_token_ciphertext text)
returns uuid
language plpgsql
set search_path = ''
as $$
declare
  v_connection uuid;
  v_verified timestamptz;
begin
  select c.connection_id, c.webhook_verified_at into v_connection, v_verified
  from notion_sync.connections c where c.webhook_key_hash = p_key_hash
  for update;
  if v_verified is not null then
    raise exception 'This webhook endpoint was verified at % and keeps its verification token. To '
      'subscribe again, make a new URL (connect-notion {"action": "webhook", "newUrl": true}) and give '
      'that one to Notion.', v_verified
      using errcode = '55000';
  end if;
  update notion_sync.connections c
  set webhook_token_ciphertext = p_token_ciphertext, webhook_handshake_at = now()
  where c.connection_id = v_connection;
  return v_connection;
end
$$;
comment on function notion_sync.store_webhook_token(text, text) is
  'Stores the verification token of Notion''s handshake (ciphertext) for a webhook URL key''s '
  'sha256; returns the connection id, null when no endpoint has that key. Refuses (55000) once a '
  'signed event has verified the endpoint. Service role only; raises 23514 for text that is not the '
  'functions'' ciphertext.';
