#!/usr/bin/env bash
# npm stop: end every process the local stack started (every profile under .local/, and
# $STACK_DIR when set elsewhere), keeping the data.
source "$(dirname "$0")/lib.sh"
dirs=("$ROOT"/.local/*/)
[ -n "${STACK_DIR:-}" ] && dirs+=("$STACK_DIR")
for dir in "${dirs[@]}"; do
  [ -d "$dir" ] || continue
  STACK_DIR=${dir%/}
  stop_all
done
log "stopped"
