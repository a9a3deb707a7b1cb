# Shared set-up for the local stack scripts (start, stop, test). Source it; it defines settings
# and functions and starts nothing by itself.
# Two profiles: `dev` (npm start: persistent data, the Supabase CLI's usual ports) and `test`
# (npm test: a fresh cluster on ports 55xxx, so tests never touch a running dev stack).
set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
STACK_PROFILE=${STACK_PROFILE:-dev}
if [ "$STACK_PROFILE" = test ]; then P=55; else P=54; fi
STACK_DIR=${STACK_DIR:-$ROOT/.local/$STACK_PROFILE}
PG_PORT=${PG_PORT:-${P}322}
POOLER_PORT=${POOLER_PORT:-${P}329}
API_PORT=${API_PORT:-${P}321}
WEB_PORT=${WEB_PORT:-${P}323}
NOTION_EMULATOR_PORT=${NOTION_EMULATOR_PORT:-${P}330}
PGBIN=/usr/lib/postgresql/15/bin
export STACK_PROFILE STACK_DIR PG_PORT POOLER_PORT API_PORT WEB_PORT NOTION_EMULATOR_PORT

export PATH="$ROOT/node_modules/.bin:$PATH"
export DENO_DIR=${DENO_DIR:-$ROOT/.deno}
export DENO_NO_UPDATE_CHECK=1 NO_COLOR=1 DO_NOT_TRACK=1 RUST_BACKTRACE=0
# Superuser for set-up only (the shim); everything else uses `postgres`, demoted as on hosted.
export ADMIN_DB_URL="postgresql://supabase_admin@127.0.0.1:$PG_PORT/postgres"
export DB_URL="postgresql://postgres:postgres@127.0.0.1:$PG_PORT/postgres"
export POOLER_DB_URL="postgresql://postgres:postgres@127.0.0.1:$POOLER_PORT/postgres"
export API_URL="http://127.0.0.1:$API_PORT"
export WEB_URL="http://127.0.0.1:$WEB_PORT"
export NOTION_EMULATOR_URL="http://127.0.0.1:$NOTION_EMULATOR_PORT"

log() { printf '\033[1m[stack]\033[0m %s\n' "$*" >&2; }

# Debian packages, only those missing; never postgresql-15 when the server is there (apt would
# upgrade a running server).
ensure_packages() {
  local pkgs=() p
  [ -x $PGBIN/postgres ] || pkgs+=(postgresql-15)
  for p in postgresql-15-cron postgresql-15-pgtap libtap-parser-sourcehandler-pgtap-perl \
    postgresql-15-plpgsql-check pgbouncer chromium curl; do
    dpkg -s "$p" >/dev/null 2>&1 || pkgs+=("$p")
  done
  [ ${#pkgs[@]} -eq 0 ] && return 0
  log "installing Debian packages: ${pkgs[*]}"
  apt-get update -q >/dev/null
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}" >/dev/null
}

# npm devDependencies (deno, supabase CLI, playwright-core, supabase-js) and the Deno module cache.
ensure_js_deps() {
  cd "$ROOT"
  if [ ! -x node_modules/.bin/deno ] || [ ! -x node_modules/.bin/supabase ] ||
    ! cmp -s package-lock.json node_modules/.stack-lock; then
    log "installing npm dependencies"
    npm ci --no-audit --no-fund --loglevel=error >/dev/null
    cp package-lock.json node_modules/.stack-lock
  fi
  deno install --frozen --quiet --entrypoint stack/*.ts supabase/functions/*/index.ts >/dev/null
}

pg_running() { $PGBIN/pg_isready -q -h 127.0.0.1 -p "$PG_PORT"; }

# A private PostgreSQL 15 cluster (pg_cron preloaded) run by the `postgres` OS user.
start_postgres() {
  mkdir -p "$STACK_DIR/pg"
  chown postgres:postgres "$STACK_DIR/pg"
  # a cluster of another checkout on our port would get our migrations and tests
  if pg_running && ! runuser -u postgres -- $PGBIN/pg_ctl -D "$STACK_DIR/pg/data" status >/dev/null 2>&1; then
    log "port $PG_PORT is held by a PostgreSQL that is not $STACK_DIR/pg/data ($(port_holder "$PG_PORT"));"
    log "stop it (npm stop in its checkout) or set PG_PORT"
    return 1
  fi
  if [ ! -s "$STACK_DIR/pg/data/PG_VERSION" ]; then
    log "creating the PostgreSQL 15 cluster in $STACK_DIR/pg/data"
    runuser -u postgres -- $PGBIN/initdb -D "$STACK_DIR/pg/data" -U supabase_admin --auth=trust \
      -E UTF8 --locale=C.UTF-8 >/dev/null
    cat >>"$STACK_DIR/pg/data/postgresql.conf" <<CONF
port = $PG_PORT
listen_addresses = '127.0.0.1'
unix_socket_directories = '$STACK_DIR/pg'
shared_preload_libraries = 'pg_cron'
cron.database_name = 'postgres'
cron.use_background_workers = on
max_worker_processes = 16
max_connections = 200
fsync = off
synchronous_commit = off
full_page_writes = off
CONF
  fi
  if ! pg_running; then
    runuser -u postgres -- $PGBIN/pg_ctl -D "$STACK_DIR/pg/data" -l "$STACK_DIR/pg/server.log" \
      -w -t 60 start >/dev/null
  fi
  PGOPTIONS="-c client_min_messages=warning" psql "$ADMIN_DB_URL" -Xq -v ON_ERROR_STOP=1 \
    -f "$ROOT/stack/shim.sql" >/dev/null
}

# Debian's pgbouncer in transaction mode, as hosted functions reach the database.
start_pooler() {
  local dir="$STACK_DIR/pgbouncer"
  mkdir -p "$dir"
  printf '"postgres" "postgres"\n"authenticator" "postgres"\n' >"$dir/userlist.txt"
  cat >"$dir/pgbouncer.ini" <<INI
[databases]
postgres = host=127.0.0.1 port=$PG_PORT dbname=postgres
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = $POOLER_PORT
unix_socket_dir =
auth_type = md5
auth_file = $dir/userlist.txt
pool_mode = transaction
max_client_conn = 200
default_pool_size = 20
ignore_startup_parameters = extra_float_digits
pidfile = $dir/pgbouncer.pid
logfile = $dir/pgbouncer.log
INI
  chown -R postgres:postgres "$dir"
  if [ -s "$dir/pgbouncer.pid" ] && kill -0 "$(cat "$dir/pgbouncer.pid")" 2>/dev/null; then return 0; fi
  wait_port_free pgbouncer "$POOLER_PORT"
  runuser -u postgres -- pgbouncer -q -d "$dir/pgbouncer.ini"
  wait_for "pgbouncer" bash -c "psql '$POOLER_DB_URL' -Xqtc 'select 1' >/dev/null 2>&1"
}

# Migrations through the Supabase CLI, as `postgres`, the way `supabase db push` does on hosted.
migrate() {
  local out
  if ! out=$(cd "$ROOT" && supabase migration up --db-url "$DB_URL?sslmode=disable" 2>&1); then
    printf '%s\n' "$out" >&2
    return 1
  fi
}

# wait_for NAME CMD...: retry CMD for up to 60 s.
wait_for() {
  local name=$1 i
  shift
  for i in $(seq 1 600); do
    "$@" && return 0
    sleep 0.1
  done
  log "$name did not come up; see the logs in $STACK_DIR"
  return 1
}

# reserve_ports: our ports lie in Linux's ephemeral range (32768-60999), from which outgoing
# connections (psql, pgbouncer, the tests) take their local port: one that took, say, the emulator's
# port makes it fail to listen (AddrInUse) although nothing listens there. Reserved ports are never
# handed out that way. Root only (elsewhere wait_port_free still sees and names such a connection).
reserve_ports() {
  local f=/proc/sys/net/ipv4/ip_local_reserved_ports cur
  [ -w "$f" ] || return 0
  cur=$(cat "$f")
  echo "${cur:+$cur,}$PG_PORT,$POOLER_PORT,$API_PORT,$WEB_PORT,$NOTION_EMULATOR_PORT" >"$f" 2>/dev/null || true
}

# port_holder PORT: who holds PORT, for messages (ss is in iproute2, not on every machine).
port_holder() {
  local who
  who=$(ss -Htanp "sport = :$1" 2>/dev/null | head -1)
  case "$who" in
  LISTEN*) echo "$who" | sed -n 's/.*users:((\(.*\)))/\1/p' | grep . || echo "another process" ;;
  "") echo "another process" ;;
  *) echo "a connection whose local end it is ($(echo "$who" | awk '{print $1, $4, "->", $5}'))" ;;
  esac
}

# port_taken PORT: something listens on PORT or, where ss is, a socket (a connection, one in
# TIME-WAIT too, which keeps a listener off the port for 60 s) has it as its local port.
port_taken() {
  if command -v ss >/dev/null; then
    [ -n "$(ss -Htan "sport = :$1" 2>/dev/null)" ]
  else
    port_listened "$1"
  fi
}
port_listened() { (: </dev/tcp/127.0.0.1/"$1") 2>/dev/null; }

# wait_port_free NAME PORT: NAME is about to listen on PORT. A process of a stack just stopped may
# hold it for a moment and a connection until it ends (at most TIME-WAIT's 60 s); a listener that
# stays (another checkout's stack) is an error that names it after 10 s, rather than a service that
# fails to start while the tests talk to nothing.
wait_port_free() {
  local name=$1 port=$2 i
  for i in $(seq 1 700); do
    port_taken "$port" || return 0
    if [ "$i" -ge 100 ] && port_listened "$port"; then break; fi
    [ "$i" -eq 100 ] && log "waiting for port $port, held by $(port_holder "$port")"
    sleep 0.1
  done
  log "$name cannot listen on port $port: it is held by $(port_holder "$port");"
  log "stop what holds it (npm stop in another checkout) or choose other ports (see the README)"
  return 1
}

# spawn NAME PORT CMD...: start CMD, which listens on PORT (- for none), in its own process group,
# logging to $STACK_DIR/logs/NAME.log.
spawn() {
  local name=$1 port=$2
  shift 2
  mkdir -p "$STACK_DIR/pids" "$STACK_DIR/logs"
  stop_one "$name"
  [ "$port" = - ] || wait_port_free "$name" "$port"
  setsid "$@" >"$STACK_DIR/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$STACK_DIR/pids/$name.pid"
}

# stop_one NAME: end the process group that spawn NAME started.
stop_one() {
  local f="$STACK_DIR/pids/$1.pid" pid i
  [ -f "$f" ] || return 0
  pid=$(cat "$f")
  if kill -0 "$pid" 2>/dev/null; then
    kill -TERM -- "-$pid" 2>/dev/null || true
    for i in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -KILL -- "-$pid" 2>/dev/null || true
  fi
  rm -f "$f"
}

http_up() { curl -s -o /dev/null "$1"; }

stop_all() {
  local f
  if [ -d "$STACK_DIR/pids" ]; then
    for f in "$STACK_DIR"/pids/*.pid; do [ -e "$f" ] && stop_one "$(basename "$f" .pid)"; done
  fi
  if [ -s "$STACK_DIR/pgbouncer/pgbouncer.pid" ]; then
    kill "$(cat "$STACK_DIR/pgbouncer/pgbouncer.pid")" 2>/dev/null || true
    rm -f "$STACK_DIR/pgbouncer/pgbouncer.pid"
  fi
  if [ -s "$STACK_DIR/pg/data/postmaster.pid" ]; then
    runuser -u postgres -- $PGBIN/pg_ctl -D "$STACK_DIR/pg/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
}

# key_of NAME: a field of $STACK_DIR/keys.json (written by the gateway on first start).
key_of() {
  deno eval 'console.log(JSON.parse(Deno.readTextFileSync(Deno.args[0]))[Deno.args[1]])' \
    "$STACK_DIR/keys.json" "$1"
}

# write_functions_env NOTION_URL: the secrets the functions get locally (kept per stack dir:
# the token key and the worker secret are made once) in $STACK_DIR/functions.env.
write_functions_env() {
  mkdir -p "$STACK_DIR"
  [ -s "$STACK_DIR/token_key" ] ||
    deno eval 'console.log(btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32)))))' \
      >"$STACK_DIR/token_key"
  [ -s "$STACK_DIR/worker_secret" ] ||
    deno eval 'console.log([...crypto.getRandomValues(new Uint8Array(24))].map((b) => b.toString(16).padStart(2, "0")).join(""))' \
      >"$STACK_DIR/worker_secret"
  printf 'TOKEN_ENCRYPTION_KEY=%s\nWORKER_SECRET=%s\nNOTION_API_BASE_URL=%s\n' "$(cat "$STACK_DIR/token_key")" \
    "$(cat "$STACK_DIR/worker_secret")" "$1" >"$STACK_DIR/functions.env"
}

# start_scheduler_link: what the scheduler's tick (pg_cron → notion_sync.tick → net.http_post)
# needs to reach the worker locally: the Vault secrets it reads (this stack's API URL and worker
# secret; write_functions_env first) and the sender of the pg_net stand-in.
start_scheduler_link() {
  psql "$DB_URL" -Xq -v ON_ERROR_STOP=1 -v url="$API_URL" -v secret="$(cat "$STACK_DIR/worker_secret")" \
    >/dev/null <<'SQL'
delete from vault.secrets where name in ('notion_sync_project_url', 'notion_sync_worker_secret');
select vault.create_secret(:'url', 'notion_sync_project_url', 'the API URL the tick calls the worker at'),
       vault.create_secret(:'secret', 'notion_sync_worker_secret', 'x-worker-secret of the worker');
SQL
  spawn net-sender - env DB_URL="$DB_URL" deno run -A "$ROOT/stack/net_sender.ts"
}
