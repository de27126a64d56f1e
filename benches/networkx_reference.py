#!/usr/bin/env python3
"""Reference implementation of Rampart's dependency-rule cascade and N-1 study, in
Python with NetworkX: the way a researcher would write it, kept to check the engine
(`crates/rampart-engine`) against and to time it.

It reads the CSV files that `rampart export --format csv` writes (assets.csv,
dependencies.csv, links.csv; see docs/formats.md) and follows the engine's rules:

- Dependencies are grouped per (dependent, service). A group needs k of its n
  suppliers (k = the largest k of its rows, n = the largest n, buffer = the shortest);
  suppliers named in n but absent from the registry count as always working.
- An asset is *operational* when it is not damaged and every group has at least k
  delivering suppliers, or lost them less than `buffer` hours ago. Buffers refill
  as soon as the count is back at k.
- In each networked sector (one nx.Graph per network), an asset that was connected to
  a source with everything working must stay connected: a path of operational assets
  of that network to an operational source (the `source` attribute). Connectivity is
  recomputed with NetworkX (`node_connected_component` on a view without the stopped
  assets) whenever an asset of that network stops or comes back.
- *Delivering* = operational and connected. Damaged assets come back after their
  restoration time (none: never). Events at the same time are applied together, then
  their consequences are brought to rest in steps (stop/start, connectivity,
  delivering, dependents), as the engine does. Dependents see the changes of one step
  together: a group whose count goes from k to k-1 and back within one step (one
  supplier returns as another is lost) keeps its buffer running.
- Person-hours = people served x hours down within the horizon, only for assets at the
  end of a chain of their class (an asset that supplies no asset of its own class).
  assets_down = assets ever down.

The engine stores restoration and buffer hours as 32-bit floats; so does this script,
so that event times agree to the bit.

Usage:
  networkx_reference.py n1 CSV_DIR --out n1.csv [--every K] [--horizon 72]
  networkx_reference.py scenario CSV_DIR --asset ID --out events.csv [--horizon 72]
  networkx_reference.py random CSV_DIR --seed S   (writes a small test registry)
"""

import argparse
import csv
import heapq
import json
import math
import struct
import sys
import time
from collections import defaultdict

import networkx as nx

NETWORKS = ("grid", "gas", "water", "heat", "rail", "road", "telecom")
U32_MAX = 2**32 - 1


def f32(x):
    """The value as the engine holds it (a 32-bit float)."""
    if math.isinf(x):
        return x
    return struct.unpack("f", struct.pack("f", x))[0]


def opt_float(cell):
    return float(cell) if cell not in (None, "") else None


class Registry:
    """Assets, dependency groups and one nx.Graph per networked sector."""

    def __init__(self, csv_dir):
        self.ids = []
        self.index = {}
        self.people = []
        self.restoration_h = []
        self.klass = []
        self.country = []
        declared_sources = []
        with open(f"{csv_dir}/assets.csv", newline="", encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                i = len(self.ids)
                self.ids.append(row["id"])
                self.index[row["id"]] = i
                self.people.append(min(int(row["people_served"] or 0), U32_MAX))
                r = opt_float(row.get("restoration_hours"))
                self.restoration_h.append(f32(r) if r is not None else math.inf)
                kind = row.get("kind") or ("public_space" if row.get("category") else "infrastructure")
                self.klass.append(row.get("subsector") or row.get("sector") or row.get("category") or kind)
                self.country.append(row["country"])
                attrs = json.loads(row["attributes"]) if row.get("attributes") else {}
                for col, cell in row.items():
                    if col and col.startswith("attr.") and cell not in (None, ""):
                        attrs[col[5:]] = cell
                src = attrs.get("source")
                src = src if isinstance(src, list) else [src]
                declared_sources.append({s for s in src if s in NETWORKS})
        n = len(self.ids)

        # Dependency groups per (dependent, service).
        rows = defaultdict(dict)  # (dependent, service) -> {supplier: (k, n, buffer)}
        with open(f"{csv_dir}/dependencies.csv", newline="", encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                s, d = self.index[row["supplier_id"]], self.index[row["dependent_id"]]
                k = int(row["k"]) if row.get("k") else 1
                dn = int(row["n"]) if row.get("n") else k
                b = f32(float(row["buffer_hours"])) if row.get("buffer_hours") else 0.0
                rows[(d, row["service"])].setdefault(s, (k, dn, b))
        self.group_owner, self.group_k, self.group_outside, self.group_buffer, self.group_suppliers = [], [], [], [], []
        self.groups_of = [[] for _ in range(n)]
        self.supplies = [[] for _ in range(n)]
        for (d, service), sup in sorted(rows.items()):
            g = len(self.group_owner)
            k = max([1] + [x[0] for x in sup.values()])
            declared = max([1] + [x[1] for x in sup.values()])
            self.group_owner.append(d)
            self.group_k.append(k)
            self.group_outside.append(max(declared - len(sup), 0))
            self.group_buffer.append(min(x[2] for x in sup.values()))
            self.group_suppliers.append(sorted(sup))
            self.groups_of[d].append(g)
            for s in sup:
                self.supplies[s].append(g)

        # Networks: one undirected graph each.
        self.nets = {b: nx.Graph() for b in NETWORKS}
        with open(f"{csv_dir}/links.csv", newline="", encoding="utf-8-sig") as f:
            for row in csv.DictReader(f):
                self.nets[row["network"]].add_edge(self.index[row["from_id"]], self.index[row["to_id"]])
        self.sources = {b: {i for i in G if b in declared_sources[i]} for b, G in self.nets.items()}
        # Assets connected to a source with every asset working must stay connected.
        self.needs = {}
        for b, G in self.nets.items():
            served = set()
            for s in self.sources[b]:
                if s not in served:
                    served |= nx.node_connected_component(G, s)
            self.needs[b] = served
        self.needs_of = [[] for _ in range(n)]
        for b in NETWORKS:
            for i in self.needs[b]:
                self.needs_of[i].append(b)

        # People count only at the end of each chain of their class.
        self.counts_people = [not any(self.klass[self.group_owner[g]] == self.klass[i] for g in self.supplies[i]) for i in range(n)]

    def __len__(self):
        return len(self.ids)


DAMAGE, RESTORE, BUFFER_OUT = 0, 1, 2


class Cascade:
    """One run of the event-driven cascade. State lives in sets and dicts keyed by the
    assets and groups the run touches."""

    def __init__(self, reg):
        self.reg = reg
        self.damaged = set()
        self.stopped = set()  # not operational
        self.failed = set()  # groups whose buffer ran out while short of suppliers
        self.lost = {b: set() for b in NETWORKS}  # operational, but cut off from every source
        self.down = set()  # not delivering
        self.working = {}  # group -> delivering suppliers (+ those outside the registry)
        self.generation = defaultdict(int)  # group -> bumps when its count crosses k
        self.heap = []
        self.seq = 0
        self.dirty = set()
        self.changes = []  # (t, node, down, cause)

    def push(self, t, kind, payload):
        self.seq += 1
        heapq.heappush(self.heap, (t, self.seq, kind, payload))

    def run(self, damage, horizon_h):
        """damage: [(node, at_h, restore_h or None)]. Returns the changes of delivering state."""
        for node, at_h, restore_h in damage:
            self.push(at_h, DAMAGE, node)
            r = restore_h if restore_h is not None else self.reg.restoration_h[node]
            if math.isfinite(r):
                self.push(at_h + max(r, 0.0), RESTORE, node)
        while self.heap and self.heap[0][0] <= horizon_h:
            t = self.heap[0][0]
            while self.heap and self.heap[0][0] == t:
                _, _, kind, payload = heapq.heappop(self.heap)
                self.apply(kind, payload)
            self.settle(t)
        return self.changes

    def count(self, g):
        if g not in self.working:
            self.working[g] = len(self.reg.group_suppliers[g]) + self.reg.group_outside[g]
        return self.working[g]

    def apply(self, kind, payload):
        if kind == DAMAGE:
            if payload not in self.damaged:
                self.damaged.add(payload)
                self.dirty.add(payload)
        elif kind == RESTORE:
            if payload in self.damaged:
                self.damaged.discard(payload)
                self.dirty.add(payload)
        else:
            g, generation = payload
            if self.generation[g] == generation and g not in self.failed and self.count(g) < self.reg.group_k[g]:
                self.fail_group(g)

    def fail_group(self, g):
        self.failed.add(g)
        self.dirty.add(self.reg.group_owner[g])

    def cut_off(self, b):
        """Operational assets of network b that no longer reach an operational source."""
        G = self.reg.nets[b]
        working = nx.restricted_view(G, self.stopped.intersection(G), [])
        reached = set()
        for s in self.reg.sources[b]:
            if s not in self.stopped and s not in reached:
                reached |= nx.node_connected_component(working, s)
        return self.reg.needs[b] - reached - self.stopped

    def settle(self, t):
        reg = self.reg
        while True:
            # Which assets stop or start.
            flipped = []
            for i in self.dirty:
                op = i not in self.damaged and not any(g in self.failed for g in reg.groups_of[i])
                if op and i in self.stopped:
                    self.stopped.discard(i)
                    flipped.append(i)
                elif not op and i not in self.stopped:
                    self.stopped.add(i)
                    flipped.append(i)
            self.dirty.clear()
            check = set(flipped)
            # Which assets are cut off from their networks' sources.
            for b in {b for i in flipped for b in reg.needs_of[i]}:
                now = self.cut_off(b)
                check |= now ^ self.lost[b]
                self.lost[b] = now
            if not check:
                break
            # Which assets stop or start delivering, and what that does to their dependents.
            first = len(self.changes)
            for i in sorted(check):
                delivering = i not in self.stopped and not any(i in self.lost[b] for b in reg.needs_of[i])
                if delivering == (i in self.down):
                    if delivering:
                        self.down.discard(i)
                        cause = "recovered"
                    else:
                        self.down.add(i)
                        cause = "damage" if i in self.damaged else "dependency" if i in self.stopped else "connectivity"
                    self.changes.append((t, i, not delivering, cause))
            self.propagate(self.changes[first:], t)
            # An asset cut off in the same instant as a group of its suppliers failed has
            # both causes; the engine names whichever it met first.
            for k in range(first, len(self.changes)):
                t_k, i, down, cause = self.changes[k]
                if cause == "connectivity" and any(g in self.failed for g in reg.groups_of[i]):
                    self.changes[k] = (t_k, i, down, "connectivity/dependency")
            if not self.dirty:
                break

    def propagate(self, changes, t):
        """Dependents see the changes of one step together: a group is short of
        suppliers when its count falls below k, and supplied again when it is back at k."""
        reg = self.reg
        delta = defaultdict(int)
        for _, i, down, _ in changes:
            for g in reg.supplies[i]:
                delta[g] += -1 if down else 1
        for g, d in delta.items():
            k = reg.group_k[g]
            before = self.count(g)
            after = self.working[g] = before + d
            if before < k <= after:
                self.generation[g] += 1  # a pending buffer expiry no longer applies
                if g in self.failed:
                    self.failed.discard(g)
                    self.dirty.add(reg.group_owner[g])
            elif after < k <= before:
                self.generation[g] += 1  # a fresh, full buffer
                if reg.group_buffer[g] <= 0:
                    self.fail_group(g)
                else:
                    self.push(t + reg.group_buffer[g], BUFFER_OUT, (g, self.generation[g]))


def outages(changes, horizon_h):
    """Hours each asset was down within the horizon, in the order assets first went down."""
    since, total = {}, {}
    for t, node, down, _ in changes:
        if down:
            since[node] = t
            total.setdefault(node, 0.0)
        elif node in since:
            total[node] += min(t, horizon_h) - since.pop(node)
    for node, t0 in since.items():
        total[node] += max(horizon_h - t0, 0.0)
    return total


def summarise(reg, changes, horizon_h):
    hours = outages(changes, horizon_h)
    person_hours = sum(reg.people[i] * h for i, h in hours.items() if reg.counts_people[i])
    return person_hours, len(hours)


def write_random(out_dir, seed):
    """A small registry that exercises every rule: k of n with suppliers outside the
    registry, buffers and restoration times that coincide, dependency cycles, several
    networks with several sources, assets without restoration time."""
    import os
    import random

    rng = random.Random(seed)
    os.makedirs(out_dir, exist_ok=True)
    n = rng.randint(6, 28)
    classes = [("energy", "electricity"), ("digital", ""), ("health", ""), ("drinking_water", "")]
    ids = [f"A{i}" for i in range(n)]
    with open(f"{out_dir}/assets.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "name", "sector", "subsector", "country", "lon", "lat", "people_served", "restoration_hours", "attributes"])
        for i, a in enumerate(ids):
            sector, subsector = rng.choice(classes)
            restore = rng.choice(["", "1", "2", "3", "4", "5", "6", "0.5", "2.5"])
            src = rng.choice([None, None, None, "grid", "water", ["grid", "water"]])
            attrs = json.dumps({"source": src}) if src else ""
            w.writerow([a, a, sector, subsector, rng.choice(["DE", "FR"]), 10, 50, rng.choice(["", 0, 7, 100, 1234]), restore, attrs])
    with open(f"{out_dir}/dependencies.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["supplier_id", "dependent_id", "service", "k", "n", "buffer_hours"])
        seen = set()
        for _ in range(rng.randint(n // 2, 2 * n)):
            s, d = rng.sample(range(n), 2)
            service = rng.choice(["electricity", "telecom", "water"])
            if (s, d, service) in seen:
                continue
            seen.add((s, d, service))
            k = rng.choice([1, 1, 1, 2, 3])
            w.writerow([ids[s], ids[d], service, k, k + rng.choice([0, 0, 1, 2]), rng.choice([0, 0, 0.5, 1, 2, 3, 4])])
    with open(f"{out_dir}/links.csv", "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["network", "from_id", "to_id"])
        seen = set()
        for _ in range(rng.randint(0, 2 * n)):
            a, b = rng.sample(range(n), 2)
            net = rng.choice(["grid", "grid", "water"])
            if (net, a, b) not in seen:
                seen.add((net, a, b))
                w.writerow([net, ids[a], ids[b]])


def main():
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("mode", choices=["n1", "scenario", "random"])
    p.add_argument("csv_dir")
    p.add_argument("--out", help="the CSV file to write (n1, scenario)")
    p.add_argument("--horizon", type=float, default=72.0)
    p.add_argument("--every", type=int, default=1, help="N-1 of every K-th asset in file order (a fixed sample)")
    p.add_argument("--asset", action="append", default=[], help="scenario: an asset damaged at hour 0 (repeatable)")
    p.add_argument("--timing", help="write the load and run times here as JSON")
    p.add_argument("--seed", type=int, default=0, help="random: the seed of the registry written to CSV_DIR")
    a = p.parse_args()
    if a.mode == "random":
        write_random(a.csv_dir, a.seed)
        return
    if not a.out:
        p.error("--out is required")

    start = time.perf_counter()
    reg = Registry(a.csv_dir)
    load_s = time.perf_counter() - start
    print(f"python: {len(reg)} assets, {len(reg.group_owner)} dependency groups, loaded in {load_s:.1f} s", file=sys.stderr)

    start = time.perf_counter()
    if a.mode == "n1":
        nodes = list(range(0, len(reg), a.every))
        with open(a.out, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["asset", "person_hours", "assets_down"])
            for k, node in enumerate(nodes):
                changes = Cascade(reg).run([(node, 0.0, None)], a.horizon)
                person_hours, assets_down = summarise(reg, changes, a.horizon)
                w.writerow([reg.ids[node], repr(person_hours), assets_down])
                if (k + 1) % 500 == 0:
                    el = time.perf_counter() - start
                    print(f"python: {k + 1}/{len(nodes)} assets, {el:.0f} s", file=sys.stderr)
        count = len(nodes)
    else:
        damage = [(reg.index[x], 0.0, None) for x in a.asset]
        changes = Cascade(reg).run(damage, a.horizon)
        root = a.asset[0] if len(a.asset) == 1 else ""
        with open(a.out, "w", newline="") as f:
            w = csv.writer(f)
            w.writerow(["t_h", "asset", "country", "down", "cause", "root"])
            for t, node, down, cause in changes:
                w.writerow([repr(t), reg.ids[node], reg.country[node], "true" if down else "false", cause, root])
        count = 1
    run_s = time.perf_counter() - start
    print(f"python: {count} cascades in {run_s:.1f} s", file=sys.stderr)
    if a.timing:
        with open(a.timing, "w") as f:
            json.dump({"assets": len(reg), "load_s": load_s, "runs": count, "run_s": run_s}, f)


if __name__ == "__main__":
    main()
