#!/usr/bin/env bash
# Rampart's N-1 study and cascade scenarios against the NetworkX reference
# (benches/networkx_reference.py), side by side in one run:
#
# 1. small random registries that exercise every rule (k of n, suppliers outside the
#    registry, buffers, restoration times that coincide with buffer expiries, cycles,
#    several sources): the N-1 of every asset and a few scenarios, compared exactly;
# 2. a generated registry of 100,000 assets: Rust's N-1 of every asset, timed, against
#    Python's N-1 of every EVERY-th asset (in id order), timed, compared asset by asset;
#    and one scenario (the loss of a transmission substation) compared event by event.
#
# Prints a Markdown table; exits non-zero when any result differs.
#
#   benches/compare-networkx.sh
#
# Environment: ASSETS (default 100000), SEED (2557), EVERY (default 25: Python's N-1 of
# all 100,000 assets would take hours, a 4,000-asset sample about 10 minutes), FUZZ
# (random registries, default 200), WORK (a folder for the registry and results;
# default a new temporary one; a registry already exported there is reused).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ASSETS=${ASSETS:-100000}
SEED=${SEED:-2557}
EVERY=${EVERY:-25}
FUZZ=${FUZZ:-200}
WORK=${WORK:-$(mktemp -d /tmp/rampart-networkx.XXXXXX)}
VENV=$ROOT/benches/.venv
PY=$VENV/bin/python
REF=$ROOT/benches/networkx_reference.py
BIN=$ROOT/target/release/rampart
mkdir -p "$WORK"
say() { printf '\n== %s\n' "$*" >&2; }
now() { date +%s.%N; }
minus() { awk "BEGIN { print $1 - $2 }"; }

say "NetworkX in $VENV"
if ! "$PY" -c 'import networkx' 2>/dev/null; then
    if ! python3 -c 'import venv, ensurepip' 2>/dev/null; then
        apt-get update && apt-get install -y python3-venv
    fi
    python3 -m venv "$VENV"
    "$VENV/bin/pip" install --quiet 'networkx>=3,<4'
fi

say "release build"
(cd "$ROOT" && cargo build --release -p rampart)

# Compares N-1 results (asset, person_hours, assets_down): every asset of the second file
# must be in the first, with person-hours within 1e-6 relative and the same assets down.
compare_n1() {
    "$PY" - "$@" <<'EOF'
import csv, sys
rust = {r["asset"]: r for r in csv.DictReader(open(sys.argv[1]))}
bad = 0
for p in csv.DictReader(open(sys.argv[2])):
    r = rust.get(p["asset"])
    ph_p = float(p["person_hours"])
    ph_r = float(r["person_hours"]) if r else float("nan")
    if r is None or abs(ph_r - ph_p) > 1e-6 * max(abs(ph_r), abs(ph_p), 1.0) or int(r["assets_down"]) != int(p["assets_down"]):
        bad += 1
        if bad <= 20:
            got = f"{ph_r} person-hours, {r['assets_down']} down" if r else "absent"
            print(f"MISMATCH {sys.argv[3]} N-1 of {p['asset']}: Rust {got}; Python {ph_p} person-hours, {p['assets_down']} down", file=sys.stderr)
print(bad)
EOF
}

# Compares two timelines (t_h, asset, down, cause). Changes at one instant are
# simultaneous, so they are compared in a fixed order, keeping each asset's own sequence
# at that instant. Where the reference names two causes (cut off in the same instant as
# a dependency failed), the engine may name either.
compare_events() {
    "$PY" - "$@" <<'EOF'
import csv, sys
def timeline(path):
    seen, out = {}, []
    for e in csv.DictReader(open(path)):
        key = (float(e["t_h"]), e["asset"])
        seen[key] = seen.get(key, 0) + 1
        out.append((*key, seen[key], e["down"], e["cause"]))
    return sorted(out)
rust, py = timeline(sys.argv[1]), timeline(sys.argv[2])
bad = 0
for k in range(max(len(rust), len(py))):
    r = rust[k] if k < len(rust) else None
    p = py[k] if k < len(py) else None
    if r is None or p is None or r[:4] != p[:4] or r[4] not in p[4].split("/"):
        bad += 1
        if bad <= 20:
            print(f"MISMATCH {sys.argv[3]} event {k}: Rust {r}; Python {p}", file=sys.stderr)
print(bad)
EOF
}

say "$FUZZ random registries: N-1 of every asset and three scenarios each"
FUZZ_BAD=0
FUZZ_ASSETS=0
FUZZ_EVENTS=0
for ((s = 1; s <= FUZZ; s++)); do
    d=$WORK/random/$s
    "$PY" "$REF" random "$d" --seed "$s"
    files=("$d/assets.csv" "$d/dependencies.csv" "$d/links.csv")
    "$BIN" analyze criticality --files "${files[@]}" --top 100000 --pairs 0 --out /dev/null --csv "$d/rust-n1.csv" 2>/dev/null
    "$PY" "$REF" n1 "$d" --out "$d/python-n1.csv" 2>/dev/null
    FUZZ_BAD=$((FUZZ_BAD + $(compare_n1 "$d/rust-n1.csv" "$d/python-n1.csv" "random registry $s")))
    FUZZ_ASSETS=$((FUZZ_ASSETS + $(($(wc -l <"$d/python-n1.csv") - 1))))
    for a in $(tail -n +2 "$d/assets.csv" | cut -d, -f1 | head -3); do
        "$BIN" analyze scenario --files "${files[@]}" --asset "$a" --out /dev/null --csv "$d/rust-$a.csv" 2>/dev/null
        "$PY" "$REF" scenario "$d" --asset "$a" --out "$d/python-$a.csv" 2>/dev/null
        FUZZ_BAD=$((FUZZ_BAD + $(compare_events "$d/rust-$a.csv" "$d/python-$a.csv" "random registry $s, loss of $a")))
        FUZZ_EVENTS=$((FUZZ_EVENTS + $(($(wc -l <"$d/python-$a.csv") - 1))))
    done
done
echo "random registries: $FUZZ_ASSETS N-1 results and $FUZZ_EVENTS scenario events compared, $FUZZ_BAD differ" >&2

say "registry: $ASSETS assets (seed $SEED) in $WORK"
export RAMPART_DATABASE_URL="sqlite://$WORK/r.db"
CSV=$WORK/csv
if [ ! -s "$CSV/links.csv" ]; then
    rm -f "$WORK"/r.db*
    (cd "$WORK" && "$BIN" generate --assets "$ASSETS" --seed "$SEED")
    mkdir -p "$CSV"
    (cd "$WORK" && "$BIN" export --format csv --out "$CSV")
fi
FILES=("$CSV/assets.csv" "$CSV/dependencies.csv" "$CSV/links.csv")

say "Rust: N-1 of every asset (whole command: reading the CSV files, building the graph, the study, writing the results)"
t0=$(now)
(cd "$WORK" && "$BIN" analyze criticality --files "${FILES[@]}" --top 100000000 --pairs 0 --out "$WORK/rust-n1.json" --csv "$WORK/rust-n1.csv")
RUST_S=$(minus "$(now)" "$t0")
say "Rust: the same on one thread"
t0=$(now)
(cd "$WORK" && RAYON_NUM_THREADS=1 "$BIN" analyze criticality --files "${FILES[@]}" --top 100000000 --pairs 0 --out "$WORK/rust-n1-1.json" --csv "$WORK/rust-n1-1.csv")
RUST1_S=$(minus "$(now)" "$t0")

say "Python + NetworkX: N-1 of every ${EVERY}th asset"
"$PY" "$REF" n1 "$CSV" --every "$EVERY" --out "$WORK/python-n1.csv" --timing "$WORK/python-n1.json"

N1_BAD=$(compare_n1 "$WORK/rust-n1.csv" "$WORK/python-n1.csv" "registry")
THREADS_BAD=$(compare_n1 "$WORK/rust-n1.csv" "$WORK/rust-n1-1.csv" "Rust on 1 thread vs all")

# The scenario: of the transmission substations restored within the 72-hour horizon,
# the one whose loss takes the most assets down.
TSS=$("$PY" - "$CSV/assets.csv" "$WORK/rust-n1.csv" <<'EOF'
import csv, sys
restored = {a["id"] for a in csv.DictReader(open(sys.argv[1])) if a["restoration_hours"] and float(a["restoration_hours"]) <= 72}
rows = [r for r in csv.DictReader(open(sys.argv[2])) if "-TSS-" in r["asset"] and r["asset"] in restored]
print(max(rows, key=lambda r: (int(r["assets_down"]), r["asset"]))["asset"])
EOF
)
say "scenario: loss of $TSS"
(cd "$WORK" && "$BIN" analyze scenario --files "${FILES[@]}" --asset "$TSS" --out "$WORK/rust-scenario.json" --csv "$WORK/rust-scenario.csv")
"$PY" "$REF" scenario "$CSV" --asset "$TSS" --out "$WORK/python-scenario.csv"
SC_BAD=$(compare_events "$WORK/rust-scenario.csv" "$WORK/python-scenario.csv" "scenario")

"$PY" - "$(nproc)" "$WORK" "$RUST_S" "$RUST1_S" "$EVERY" "$TSS" "$N1_BAD" "$THREADS_BAD" "$SC_BAD" "$FUZZ" "$FUZZ_ASSETS" "$FUZZ_EVENTS" "$FUZZ_BAD" <<'EOF'
import csv, datetime, json, os, platform, sys
import networkx as nx
nproc, work, rust_s, rust1_s, every, tss, n1_bad, threads_bad, sc_bad, fuzz, fuzz_assets, fuzz_events, fuzz_bad = sys.argv[1:]
rust_s, rust1_s = float(rust_s), float(rust1_s)
timing = json.load(open(f"{work}/python-n1.json"))
events = list(csv.DictReader(open(f"{work}/rust-scenario.csv")))
ups = sum(e["down"] == "false" for e in events)
cpu = next((l.split(":", 1)[1].strip() for l in open("/proc/cpuinfo") if l.startswith("model name")), "?")
n, sample = timing["assets"], timing["runs"]
per = timing["run_s"] / sample
total = timing["load_s"] + per * n
yes = lambda bad, what: "yes" if bad == "0" else f"**no**: {bad} {what} differ"
rows = [
    ("assets in the registry", f"{n:,}"),
    ("Python + NetworkX: N-1 computed", f"{sample:,} assets (every {every}th in id order) in {timing['run_s']:,.0f} s, after {timing['load_s']:.1f} s reading the files and building the graphs"),
    ("Python: per asset", f"{per * 1000:.1f} ms"),
    (f"Python: N-1 of all {n:,} (extrapolated: reading + {n:,} × per asset)", f"{total:,.0f} s ({total / 3600:.1f} h)"),
    (f"Rust: N-1 of all {n:,}, {nproc} threads (whole command)", f"{rust_s:.2f} s"),
    (f"Rust: N-1 of all {n:,}, 1 thread (whole command)", f"{rust1_s:.2f} s"),
    ("speed-up (Rust all threads / one thread)", f"**{total / rust_s:,.0f}×** / **{total / rust1_s:,.0f}×**"),
    (f"identical N-1 results ({sample:,} assets compared)", yes(n1_bad, "assets")),
    ("Rust identical on 1 thread and on all", yes(threads_bad, "assets")),
    (f"identical scenario: loss of {tss} ({len(events)} changes, {ups} recoveries)", yes(sc_bad, "events")),
    (f"identical on {fuzz} random small registries ({fuzz_assets} N-1 results, {fuzz_events} scenario events)", yes(fuzz_bad, "results")),
    ("machine", f"{nproc} cores ({cpu}), shared with other jobs"),
    ("Python, NetworkX", f"{platform.python_version()}, {nx.__version__}"),
    ("date", datetime.date.today().isoformat()),
]
print("\n| | |\n|---|---|")
for k, v in rows:
    print(f"| {k} | {v} |")
EOF
echo "results in $WORK" >&2
[ "$N1_BAD" = 0 ] && [ "$THREADS_BAD" = 0 ] && [ "$SC_BAD" = 0 ] && [ "$FUZZ_BAD" = 0 ]
