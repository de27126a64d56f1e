#!/usr/bin/env bash
# Starts the Rampart demo: http://127.0.0.1:8080 with a generated registry of Europe on
# embedded SQLite (in ./.rampart). Installs what is missing, builds, seeds once, serves.
# Extra arguments go to `rampart demo` (e.g. --assets 1000000 --bind 127.0.0.1:9000).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
. "$ROOT/scripts/lib.sh"
cd "$ROOT"

need_build_tools
# Assessment reports are printed to PDF by headless Chromium.
apt_need chromium command -v "${RAMPART_CHROMIUM:-/usr/bin/chromium}"
apt_install_missing
build_web
log "building rampart (release; the first build takes several minutes on 2 cores)"
cargo build --release -p rampart
exec ./target/release/rampart demo "$@"
