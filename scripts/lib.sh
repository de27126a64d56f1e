# Shared by demo.sh and test.sh: install what a fresh Debian machine lacks, build the web app.
# shellcheck shell=bash

log() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

as_root() {
  if [ "$(id -u)" = 0 ]; then "$@"; elif command -v sudo >/dev/null 2>&1; then sudo "$@"; else
    echo "need root to run: $*" >&2; return 1; fi
}

# apt_need PACKAGE TEST...: installs PACKAGE when the test command fails.
APT_MISSING=()
apt_need() {
  local pkg=$1; shift
  "$@" >/dev/null 2>&1 || APT_MISSING+=("$pkg")
}

apt_install_missing() {
  if [ ${#APT_MISSING[@]} -gt 0 ]; then
    log "installing ${APT_MISSING[*]} from Debian's packages"
    as_root apt-get update -qq
    DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq --no-install-recommends "${APT_MISSING[@]}" >/dev/null
  fi
  APT_MISSING=()
}

require_rust() {
  if ! command -v cargo >/dev/null 2>&1; then
    [ -x "$HOME/.cargo/bin/cargo" ] && export PATH="$HOME/.cargo/bin:$PATH"
  fi
  command -v cargo >/dev/null 2>&1 || {
    echo "Rust is not installed: install it with rustup (https://rustup.rs), then run this again." >&2
    exit 1
  }
}

# What building Rampart needs besides Rust: a C compiler (bundled SQLite, ring for TLS), Node and npm (the web app).
need_build_tools() {
  require_rust
  apt_need nodejs command -v node
  apt_need npm command -v npm
  apt_need gcc command -v cc
}

# The web app's files, embedded into the binary at build time.
build_web() {
  log "building the web app (web/dist)"
  (cd "$ROOT/web" && npm ci --no-audit --no-fund --loglevel=error && node build.mjs)
}
