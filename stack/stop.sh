#!/usr/bin/env bash
# npm stop: end every process the local stack started (both profiles), keeping the dev data.
source "$(dirname "$0")/lib.sh"
for profile in dev test; do
  STACK_DIR=$ROOT/.local/$profile
  stop_all
done
log "stopped"
