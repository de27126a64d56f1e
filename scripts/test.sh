#!/usr/bin/env bash
# Runs every Rampart test: unit tests, the storage story on SQLite and PostgreSQL, the
# API tests against real servers, and the browser tests in headless Chromium.
# Installs what a fresh Debian machine lacks, starts a throwaway PostgreSQL cluster and
# removes it afterwards.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
cd "$ROOT"

need_build_tools
apt_need curl command -v curl
apt_need python3 command -v python3
apt_need chromium test -x /usr/bin/chromium
apt_need libxml2-utils command -v xmllint
apt_need postgresql sh -c 'ls /usr/lib/postgresql/*/bin/initdb'
apt_install_missing

WORK=$(mktemp -d /tmp/rampart-test.XXXXXX)
chmod 755 "$WORK"  # the PostgreSQL server runs as the postgres user
SERVER_PID=
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  "$ROOT/scripts/pg-throwaway.sh" stop "$WORK/pg" || true
  rm -rf "$WORK"
}
trap cleanup EXIT

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }

build_web

log "starting a throwaway PostgreSQL cluster"
export RAMPART_TEST_POSTGRES
RAMPART_TEST_POSTGRES=$("$ROOT/scripts/pg-throwaway.sh" start "$WORK/pg" "$(free_port)")

log "unit, storage and API tests"
if cargo nextest --version >/dev/null 2>&1; then
  cargo nextest run --workspace --no-fail-fast
else
  cargo test --workspace --no-fail-fast
fi

log "browser tests (headless Chromium)"
cargo build -p rampart
BIN="$ROOT/target/debug/rampart"
export RAMPART_DATA_DIR="$WORK/data" RAMPART_LOG=warn
"$BIN" generate --assets 10000 --seed 7 >/dev/null
"$BIN" user add browser.admin --role admin --org eu-coordination --password-stdin <<<"browser-test-password" >/dev/null
for authority in de-authority fr-authority; do
  "$BIN" org sharing "$authority" --contact-point true --precursor-contact-point true >/dev/null
done
# The alerts test's people: two issuers of the EU body, an operator in France whose site
# the drawn area covers, and an operator in Germany it does not concern.
"$BIN" org add browser-op-fr --name "Browser test operator (FR)" --kind operator --country FR >/dev/null
"$BIN" org add browser-op-de --name "Browser test operator (DE)" --kind operator --country DE >/dev/null
echo '{"type":"FeatureCollection","features":[{"type":"Feature","id":"BROWSER-FR-1","geometry":{"type":"Point","coordinates":[2.2945,48.8584]},"properties":{"name":"Browser test substation","sector":"energy","country":"FR","operator_id":"browser-op-fr"}}]}' >"$WORK/browser-site.geojson"
"$BIN" import "$WORK/browser-site.geojson" >/dev/null
while read -r name role org; do
  "$BIN" user add "$name" --role "$role" --org "$org" --password-stdin <<<"browser-test-password" >/dev/null
done <<'USERS'
browser.author analyst eu-coordination
browser.approver assessor eu-coordination
browser.operator operator browser-op-fr
browser.stranger operator browser-op-de
USERS
# The library test: a community of the German and French authorities, a user of each, and one outside it.
"$BIN" community add lib-authorities --name "Library test authorities" --member de-authority,fr-authority >/dev/null
for u in lib.de:de-authority lib.fr:fr-authority lib.eu:eu-coordination; do
  "$BIN" user add "${u%%:*}" --role analyst --org "${u#*:}" --password-stdin <<<"browser-test-password" >/dev/null
done
PORT=$(free_port)
"$BIN" serve --bind "127.0.0.1:$PORT" >"$WORK/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/health" >/dev/null 2>&1 && break; sleep 0.2; done
curl -fs "http://127.0.0.1:$PORT/health" >/dev/null || { cat "$WORK/server.log" >&2; exit 1; }
# An asset with dependencies, found through the API.
TOKEN=$(curl -fs -c "$WORK/cookies" -H 'content-type: application/json' \
  -d '{"username":"browser.admin","password":"browser-test-password"}' "http://127.0.0.1:$PORT/api/v1/auth/login" >/dev/null && echo ok)
ASSET=$(curl -fs -b "$WORK/cookies" "http://127.0.0.1:$PORT/api/v1/dependencies?limit=1" \
  | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s).items[0].dependent_id))')
[ -n "$TOKEN" ] && [ -n "$ASSET" ]
(cd tests/browser && npm ci --no-audit --no-fund --loglevel=error \
  && RAMPART_URL="http://127.0.0.1:$PORT" RAMPART_USER=browser.admin RAMPART_PASSWORD=browser-test-password \
     RAMPART_ASSET_ID="$ASSET" RAMPART_BIN="$BIN" node --test)
log "all tests passed"
