#!/usr/bin/env bash
# npm test: set up a fresh test stack (its own cluster and ports, so a running dev stack is left
# alone), run every suite — pgTAP, static checks, Deno tests (emulator, functions over HTTP, the
# browser test) — tear it down, and print `N passed, M failed` as the last line.
STACK_PROFILE=test
source "$(dirname "$0")/lib.sh"
set +e

passed=0
failed=0
count() { passed=$((passed + $1)); failed=$((failed + $2)); log "$3: $1 passed, $2 failed"; }

# check NAME CMD...: one static check, counted as one test.
check() {
  local name=$1
  shift
  if "$@" >"$STACK_DIR/logs/check-$name.log" 2>&1; then count 1 0 "$name"
  else cat "$STACK_DIR/logs/check-$name.log" >&2; count 0 1 "$name"; fi
}

setup() {
  set -e
  ensure_packages
  ensure_js_deps
  reserve_ports
  stop_all
  rm -rf "$STACK_DIR"
  mkdir -p "$STACK_DIR/logs"
  start_postgres
  migrate
  psql "$DB_URL" -Xq -v ON_ERROR_STOP=1 -f "$ROOT/stack/test_helpers.sql" >/dev/null
  # the scheduler's tick would start runs of every test's mappings at each minute: tests call
  # its pieces themselves (supabase/tests/schedule, scheduled_work_test.ts)
  psql "$DB_URL" -Xq -v ON_ERROR_STOP=1 -c \
    "select cron.alter_job(jobid, active := false) from cron.job where jobname = 'notion-sync-tick'" >/dev/null
  start_pooler
  write_functions_env "$NOTION_EMULATOR_URL"
  spawn notion-emulator "$NOTION_EMULATOR_PORT" \
    deno run -A "$ROOT/notion-emulator/main.ts" --port "$NOTION_EMULATOR_PORT" --seed demo
  spawn gateway "$API_PORT" env API_PORT="$API_PORT" STACK_DIR="$STACK_DIR" POOLER_DB_URL="$POOLER_DB_URL" \
    AUTH_DB_URL="postgresql://supabase_auth_admin:postgres@127.0.0.1:$PG_PORT/postgres" \
    deno run -A "$ROOT/stack/gateway.ts"
  wait_for "the Notion emulator" http_up "$NOTION_EMULATOR_URL/_emulator/workspace"
  wait_for "the functions gateway" http_up "$API_URL/health"
  start_scheduler_link
  spawn web "$WEB_PORT" env WEB_PORT="$WEB_PORT" API_URL="$API_URL" SUPABASE_ANON_KEY="$(key_of anonKey)" \
    deno run -A "$ROOT/stack/web_server.ts"
  wait_for "the web client" http_up "$WEB_URL/"
  set +e
}

if ! (setup); then
  log "setting up the test stack failed"
  stop_all
  echo "0 passed, 1 failed"
  exit 1
fi
[ -n "${STACK_KEEP:-}" ] || trap stop_all EXIT

# pgTAP: every supabase/tests/**/*.test.sql, as postgres (like `supabase test db`).
out=$(pg_prove --ext .sql -r -d "$DB_URL" "$ROOT/supabase/tests" 2>&1)
rc=$?
printf '%s\n' "$out" | tail -n 30 >&2
total=$(printf '%s\n' "$out" | sed -n 's/^Files=[0-9]*, Tests=\([0-9]*\),.*/\1/p' | tail -1)
bad=$(printf '%s\n' "$out" | sed -n 's/.*Failed \([0-9]*\)\/[0-9]* subtests.*/\1/p' | awk '{s+=$1} END {print s+0}')
broken=$(printf '%s\n' "$out" | grep -c "Parse errors\|Dubious\|No subtests run")
total=${total:-0}
bad=$((bad + broken))
if [ "$rc" -ne 0 ] && [ "$bad" -eq 0 ]; then bad=1; fi
if [ "$total" -eq 0 ]; then bad=$((bad + 1)); log "pgTAP ran no test"; fi
count $((total - bad > 0 ? total - bad : 0)) "$bad" "pgTAP"

# Static checks.
cd "$ROOT"
check deno-fmt deno fmt --check
check deno-lint deno lint
check deno-check deno check stack/*.ts supabase/functions/*/index.ts notion-emulator/main.ts ops/*.ts
check db-lint supabase db lint --db-url "$DB_URL?sslmode=disable" -s notion_sync,notion_sync_api \
  --level error --fail-on error

# Deno tests: the emulator, the functions over HTTP against this stack, the browser test.
out=$(deno test -A --quiet 2>&1)
rc=$?
printf '%s\n' "$out" | tail -n 40 >&2
line=$(printf '%s\n' "$out" | grep -E '^(ok|FAILED) \| [0-9]+ passed' | tail -1)
p=$(printf '%s\n' "$line" | sed -n 's/.*| \([0-9]*\) passed.*/\1/p')
f=$(printf '%s\n' "$line" | sed -n 's/.*| \([0-9]*\) failed.*/\1/p')
p=${p:-0}
f=${f:-0}
if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then f=1; fi
if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then f=1; log "deno test ran no test"; fi
count "$p" "$f" "Deno tests"

if [ -n "${STACK_KEEP:-}" ]; then log "STACK_KEEP is set: the test stack is left running (npm stop ends it)"
else stop_all; fi
trap - EXIT
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ]
