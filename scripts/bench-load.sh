#!/usr/bin/env bash
# List-page latency under concurrent clients, measured with wrk (a real HTTP load tool).
#   scripts/bench-load.sh [CLIENTS] [SECONDS]
# Uses the database configured as for `rampart serve` (RAMPART_DATABASE_URL or
# RAMPART_DATA_DIR); fill it first, e.g. `rampart generate --assets 1000000`.
# Starts a release server on a free loopback port, logs in a benchmark user, and loads
# GET /api/v1/assets?limit=50 pages (all of Europe, then Germany) with an API token.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
cd "$ROOT"
CLIENTS=${1:-64}
SECONDS_=${2:-30}
apt_need wrk command -v wrk
apt_need curl command -v curl
apt_install_missing
cargo build --release -p rampart
BIN=./target/release/rampart
export RAMPART_LOG=warn
PW="bench-password-$(date +%s)"
"$BIN" user add "bench.$$" --role admin --org eu-coordination --password-stdin <<<"$PW" >/dev/null
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
"$BIN" serve --bind "127.0.0.1:$PORT" >/tmp/rampart-bench-server.log 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; "$BIN" user disable "bench.$$" >/dev/null 2>&1 || true' EXIT
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.2; done
JAR=$(mktemp)
CSRF=$(curl -fs -c "$JAR" -H 'content-type: application/json' -d "{\"username\":\"bench.$$\",\"password\":\"$PW\"}" \
  "http://127.0.0.1:$PORT/api/v1/auth/login" | python3 -c 'import json,sys; print(json.load(sys.stdin)["csrf_token"])')
TOKEN=$(curl -fs -b "$JAR" -H 'content-type: application/json' -H "X-CSRF-Token: $CSRF" -d '{"name":"load benchmark","expires_in_days":1}' \
  "http://127.0.0.1:$PORT/api/v1/tokens" | python3 -c 'import json,sys; print(json.load(sys.stdin)["token"])')
for query in "limit=50" "limit=50&country=DE" "limit=50&sector=energy&country=FR"; do
  echo "### GET /api/v1/assets?$query — $CLIENTS clients, ${SECONDS_}s"
  wrk -t2 -c"$CLIENTS" -d"${SECONDS_}s" --latency -H "Authorization: Bearer $TOKEN" "http://127.0.0.1:$PORT/api/v1/assets?$query"
done
