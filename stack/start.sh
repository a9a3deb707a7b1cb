#!/usr/bin/env bash
# npm start: set up and start the local stack (PostgreSQL 15 + pg_cron, pgbouncer, the Supabase
# shim, migrations, the functions gateway, the Notion emulator unless NOTION_TOKEN is set, the web
# client), run the demo sync, and print URLs and keys. Idempotent; `npm stop` ends it all.
source "$(dirname "$0")/lib.sh"

ensure_packages
ensure_js_deps
reserve_ports
start_postgres
migrate
start_pooler

if [ -n "${NOTION_TOKEN:-}" ]; then
  NOTION_API_BASE_URL=${NOTION_API_BASE_URL:-https://api.notion.com}
  stop_one notion-emulator
else
  NOTION_API_BASE_URL=$NOTION_EMULATOR_URL
  spawn notion-emulator "$NOTION_EMULATOR_PORT" \
    deno run -A "$ROOT/notion-emulator/main.ts" --port "$NOTION_EMULATOR_PORT" --seed demo \
    --state "$STACK_DIR/notion-emulator-state.json"
  wait_for "the Notion emulator" http_up "$NOTION_EMULATOR_URL/_emulator/workspace"
fi
export NOTION_API_BASE_URL
write_functions_env "$NOTION_API_BASE_URL"

spawn gateway "$API_PORT" env API_PORT="$API_PORT" STACK_DIR="$STACK_DIR" POOLER_DB_URL="$POOLER_DB_URL" \
  AUTH_DB_URL="postgresql://supabase_auth_admin:postgres@127.0.0.1:$PG_PORT/postgres" \
  deno run -A "$ROOT/stack/gateway.ts"
wait_for "the functions gateway" http_up "$API_URL/health"
start_scheduler_link

ANON_KEY=$(key_of anonKey)
SERVICE_KEY=$(key_of serviceRoleKey)
DEMO_EMAIL=${DEMO_EMAIL:-demo@example.com}
DEMO_PASSWORD=${DEMO_PASSWORD:-demo-password}
spawn web "$WEB_PORT" env WEB_PORT="$WEB_PORT" API_URL="$API_URL" SUPABASE_ANON_KEY="$ANON_KEY" \
  DEMO_EMAIL="$DEMO_EMAIL" DEMO_PASSWORD="$DEMO_PASSWORD" deno run -A "$ROOT/stack/web_server.ts"
wait_for "the web client" http_up "$WEB_URL/"

log "running the demo sync"
DEMO_EMAIL=$DEMO_EMAIL DEMO_PASSWORD=$DEMO_PASSWORD deno run -A "$ROOT/stack/demo.ts"

cat <<EOF2

Local stack is running (profile $STACK_PROFILE, data in $STACK_DIR).

         API URL: $API_URL
   Functions URL: $API_URL/functions/v1/<name>
        JWKS URL: $API_URL/auth/v1/.well-known/jwks.json
          DB URL: $DB_URL
      Pooler URL: $POOLER_DB_URL   (transaction mode; what the functions use)
      Web client: $WEB_URL
   Notion API at: $NOTION_API_BASE_URL
       Scheduler: pg_cron runs notion_sync.tick() every minute (job notion-sync-tick), which
                  calls the worker through the pg_net stand-in (stack/net_sender.ts)
        anon key: $ANON_KEY
service_role key: $SERVICE_KEY
            Logs: $STACK_DIR/logs/

Stop everything with: npm stop
EOF2
