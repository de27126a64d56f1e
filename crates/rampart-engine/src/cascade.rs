//! Failures spreading through dependencies and networks, event by event in continuous
//! time (METHODS.md §1.1).
//!
//! Three states describe an asset at any moment:
//! - *operational*: not damaged, and every service it depends on is supplied — by at
//!   least `k` of its `n` suppliers, or from its buffer for up to `buffer_h` hours after
//!   the count fell below `k`;
//! - *connected*: in every networked sector where it was connected to a source with
//!   every asset working, a path of operational assets and links of that sector still
//!   leads to an operational source (generation, water works, exchange);
//! - *delivering* = operational and connected. Dependents count delivering suppliers.
//!
//! Damaged assets come back after their restoration time. Buffers refill as soon as
//! the service returns (a tank is topped up, a generator refuelled), which makes a
//! second outage start a fresh buffer. Everything that happens at one instant counts
//! together: a buffer starts, runs on or stops on the supplier count the instant ends
//! with.
//!
//! Connectivity is kept incrementally: when assets stop, a search from each working
//! neighbour stops as soon as it meets a source or a part already confirmed, so only
//! the parts actually cut off are walked in full. When assets come back, a search from
//! them reconnects what they join to a served part.

use crate::graph::{Graph, NetworkMask, Node};
use crate::single::SingleFailures;
use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Which rules a study applies.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rules {
    pub dependencies: bool,
    pub connectivity: bool,
    /// Damaged assets come back after their restoration time.
    pub restoration: bool,
}

impl Default for Rules {
    fn default() -> Rules {
        Rules { dependencies: true, connectivity: true, restoration: true }
    }
}

/// An asset put out of action at `at_h` hours. It comes back after `restore_h` hours,
/// or after its registry restoration time when `None`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Damage {
    pub node: Node,
    pub at_h: f64,
    pub restore_h: Option<f64>,
}

impl Damage {
    pub fn now(node: Node) -> Damage {
        Damage { node, at_h: 0.0, restore_h: None }
    }
}

/// Why an asset stopped or came back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
pub enum Cause {
    /// Damaged by the scenario.
    Damage,
    /// Fewer than `k` suppliers of a service, after its buffer ran out.
    Dependency { service: u8 },
    /// Cut off from every source of a networked sector.
    Connectivity { network: u8 },
    /// Delivering again.
    Recovered,
}

impl Cause {
    fn pack(self) -> u16 {
        match self {
            Cause::Recovered => 0,
            Cause::Damage => 1 << 8,
            Cause::Dependency { service } => 2 << 8 | service as u16,
            Cause::Connectivity { network } => 3 << 8 | network as u16,
        }
    }

    fn unpack(v: u16) -> Cause {
        let value = (v & 0xff) as u8;
        match v >> 8 {
            1 => Cause::Damage,
            2 => Cause::Dependency { service: value },
            3 => Cause::Connectivity { network: value },
            _ => Cause::Recovered,
        }
    }
}

/// A change of an asset's delivering state. `root` is the damaged asset at the start
/// of the chain that stopped it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Change {
    pub t: f64,
    pub node: Node,
    pub down: bool,
    pub cause: Cause,
    pub root: Node,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Event {
    Damage(Node),
    Restore(Node),
    BufferOut(u32, u32),
}

/// Time in hours as a totally ordered key (times are finite and non-negative).
fn key(t: f64) -> u64 {
    t.max(0.0).to_bits()
}

/// A reusable workspace for cascades over one graph. Per-asset state is reset lazily
/// (by run stamps), so a run costs what it touches, not the size of the registry —
/// the N-1 study runs one cascade per asset.
pub struct Cascade<'g> {
    g: &'g Graph,
    rules: Rules,
    single: Option<&'g SingleFailures>,
    /// Networks in which an asset changed state during this run.
    net_touched: NetworkMask,
    run: u32,
    node_run: Vec<u32>,
    damaged: Vec<bool>,
    failed_groups: Vec<u16>,
    lost: Vec<NetworkMask>,
    operational: Vec<bool>,
    delivering: Vec<bool>,
    root: Vec<Node>,
    /// The cause of each asset's last stop, packed (see [`Cause::pack`]) so that the
    /// column starts as zeroed memory the system hands out lazily.
    cause: Vec<u16>,
    group_run: Vec<u32>,
    working: Vec<u32>,
    token: Vec<u32>,
    failed: Vec<bool>,
    /// A buffer is running out.
    timer: Vec<bool>,
    group_root: Vec<Node>,
    search: u32,
    seen: Vec<u32>,
    confirmed: Vec<u32>,
    /// Events by time, then kind and subject (so that simultaneous events are taken in
    /// an order that does not depend on how they were found), then arrival.
    heap: BinaryHeap<Reverse<(u64, Event, u64)>>,
    seq: u64,
    dirty: Vec<Node>,
    check: Vec<Node>,
    /// Groups with a buffer whose count changed during the current instant.
    pending: Vec<u32>,
    net_changed: Vec<Node>,
    queue: Vec<Node>,
    visited: Vec<Node>,
    changes: Vec<Change>,
}

impl<'g> Cascade<'g> {
    pub fn new(g: &'g Graph, rules: Rules) -> Cascade<'g> {
        let (n, m) = (g.len(), g.groups());
        Cascade {
            g,
            rules,
            single: None,
            net_touched: 0,
            run: 0,
            node_run: vec![0; n],
            damaged: vec![false; n],
            failed_groups: vec![0; n],
            lost: vec![0; n],
            // Values are set when a run first touches an asset (see `touch`); zeroed
            // memory costs nothing until then.
            operational: vec![false; n],
            delivering: vec![false; n],
            root: vec![0; n],
            cause: vec![0; n],
            group_run: vec![0; m],
            working: vec![0; m],
            token: vec![0; m],
            failed: vec![false; m],
            timer: vec![false; m],
            group_root: vec![0; m],
            search: 0,
            seen: vec![0; n],
            confirmed: vec![0; n],
            heap: BinaryHeap::new(),
            seq: 0,
            dirty: Vec::new(),
            check: Vec::new(),
            pending: Vec::new(),
            net_changed: Vec::new(),
            queue: Vec::new(),
            visited: Vec::new(),
            changes: Vec::new(),
        }
    }

    /// A workspace that takes the first failure in each network from precomputed
    /// dominator trees instead of searching (the N-1 study's case).
    pub fn with_single_failures(g: &'g Graph, rules: Rules, single: &'g SingleFailures) -> Cascade<'g> {
        Cascade { single: Some(single), ..Cascade::new(g, rules) }
    }

    pub fn graph(&self) -> &'g Graph {
        self.g
    }

    fn touch(&mut self, i: Node) {
        let u = i as usize;
        if self.node_run[u] != self.run {
            self.node_run[u] = self.run;
            self.damaged[u] = false;
            self.failed_groups[u] = 0;
            self.lost[u] = 0;
            self.operational[u] = true;
            self.delivering[u] = true;
            self.root[u] = i;
            self.cause[u] = Cause::Recovered.pack();
        }
    }

    fn touch_group(&mut self, grp: u32) {
        let u = grp as usize;
        if self.group_run[u] != self.run {
            self.group_run[u] = self.run;
            self.working[u] = self.g.suppliers.row(grp).len() as u32 + self.g.group_outside[u] as u32;
            self.token[u] = 0;
            self.failed[u] = false;
            self.timer[u] = false;
        }
    }

    fn push(&mut self, t: f64, e: Event) {
        self.seq += 1;
        self.heap.push(Reverse((key(t), e, self.seq)));
    }

    /// Runs a scenario up to `horizon_h` hours and returns every change of delivering
    /// state, in time order.
    pub fn run(&mut self, damage: &[Damage], horizon_h: f64) -> &[Change] {
        self.run = self.run.wrapping_add(1);
        if self.run == 0 {
            self.node_run.fill(0);
            self.group_run.fill(0);
            self.run = 1;
        }
        self.heap.clear();
        self.changes.clear();
        self.net_touched = 0;
        for d in damage {
            if (d.node as usize) < self.g.len() {
                self.push(d.at_h, Event::Damage(d.node));
                if self.rules.restoration {
                    let r = d.restore_h.unwrap_or(self.g.restoration_h[d.node as usize] as f64);
                    if r.is_finite() {
                        self.push(d.at_h + r.max(0.0), Event::Restore(d.node));
                    }
                }
            }
        }
        while let Some(Reverse((k, _, _))) = self.heap.peek().copied() {
            let t = f64::from_bits(k);
            if t > horizon_h {
                break;
            }
            while let Some(Reverse((k2, e, _))) = self.heap.peek().copied() {
                if k2 != k {
                    break;
                }
                self.heap.pop();
                self.apply(e);
            }
            self.settle(t);
        }
        &self.changes
    }

    fn apply(&mut self, e: Event) {
        match e {
            Event::Damage(i) => {
                self.touch(i);
                if !self.damaged[i as usize] {
                    self.damaged[i as usize] = true;
                    self.root[i as usize] = i;
                    self.cause[i as usize] = Cause::Damage.pack();
                    self.dirty.push(i);
                }
            }
            Event::Restore(i) => {
                self.touch(i);
                if self.damaged[i as usize] {
                    self.damaged[i as usize] = false;
                    self.dirty.push(i);
                }
            }
            Event::BufferOut(grp, token) => {
                self.touch_group(grp);
                let u = grp as usize;
                if self.token[u] == token && self.timer[u] && self.working[u] < self.g.group_k[u] as u32 {
                    self.timer[u] = false;
                    self.fail_group(grp);
                }
            }
        }
    }

    fn fail_group(&mut self, grp: u32) {
        let u = grp as usize;
        self.failed[u] = true;
        let owner = self.g.group_owner[u];
        self.touch(owner);
        if self.first_reason(owner) {
            self.root[owner as usize] = self.group_root[u];
            self.cause[owner as usize] = Cause::Dependency { service: self.g.group_service[u] }.pack();
        }
        self.failed_groups[owner as usize] += 1;
        self.dirty.push(owner);
    }

    /// Whether an asset has no reason yet to stop: the first reason found names the
    /// cause (connectivity is settled before dependencies within an instant).
    fn first_reason(&self, i: Node) -> bool {
        let u = i as usize;
        !self.damaged[u] && self.failed_groups[u] == 0 && self.lost[u] == 0
    }

    /// Brings every consequence at time `t` to rest.
    fn settle(&mut self, t: f64) {
        loop {
            loop {
                while let Some(i) = self.dirty.pop() {
                    self.touch(i);
                    let u = i as usize;
                    let op = !self.damaged[u] && self.failed_groups[u] == 0;
                    if op != self.operational[u] {
                        self.operational[u] = op;
                        if self.rules.connectivity && self.g.needs_source[u] != 0 {
                            self.net_changed.push(i);
                        }
                        self.check.push(i);
                    }
                }
                if !self.net_changed.is_empty() {
                    self.reconnect();
                }
                if self.check.is_empty() {
                    break;
                }
                while let Some(i) = self.check.pop() {
                    let u = i as usize;
                    let d = self.operational[u] && self.lost[u] == 0;
                    if d != self.delivering[u] {
                        self.delivering[u] = d;
                        let cause = if d { Cause::Recovered } else { Cause::unpack(self.cause[u]) };
                        self.changes.push(Change { t, node: i, down: !d, cause, root: self.root[u] });
                        if self.rules.dependencies {
                            self.propagate(i, d);
                        }
                    }
                }
                if self.dirty.is_empty() {
                    break;
                }
            }
            self.buffers(t);
            if self.dirty.is_empty() {
                break;
            }
        }
    }

    /// Groups with a buffer whose supplier count changed during the instant: their
    /// buffer starts, keeps running or stops on the count the instant ends with, so a
    /// supplier coming back while another is lost at the same moment does not refill it.
    /// (A dependent whose buffer had run out recovers as soon as enough suppliers are
    /// back, within the instant, like one without a buffer.)
    fn buffers(&mut self, t: f64) {
        let g = self.g;
        while let Some(grp) = self.pending.pop() {
            let u = grp as usize;
            let short = self.working[u] < g.group_k[u] as u32;
            if short && !self.failed[u] && !self.timer[u] {
                self.timer[u] = true;
                self.token[u] += 1;
                let token = self.token[u];
                self.push(t + g.group_buffer_h[u] as f64, Event::BufferOut(grp, token));
            } else if !short {
                if self.timer[u] {
                    self.timer[u] = false;
                    self.token[u] += 1;
                }
                if self.failed[u] {
                    self.unfail_group(grp);
                }
            }
        }
    }

    fn unfail_group(&mut self, grp: u32) {
        let u = grp as usize;
        self.failed[u] = false;
        let owner = self.g.group_owner[u];
        self.touch(owner);
        self.failed_groups[owner as usize] -= 1;
        self.dirty.push(owner);
    }

    fn propagate(&mut self, i: Node, delivering: bool) {
        let g = self.g;
        for &grp in g.supplies.row(i) {
            self.touch_group(grp);
            let u = grp as usize;
            let k = g.group_k[u] as u32;
            if delivering {
                self.working[u] += 1;
            } else {
                self.working[u] -= 1;
                if self.working[u] + 1 == k {
                    self.group_root[u] = self.root[i as usize];
                }
            }
            if delivering && self.working[u] == k && self.failed[u] {
                self.unfail_group(grp);
            } else if !delivering && self.working[u] + 1 == k && g.group_buffer_h[u] <= 0.0 {
                self.fail_group(grp);
            }
            if g.group_buffer_h[u] > 0.0 {
                self.pending.push(grp);
            }
        }
    }

    fn next_search(&mut self) -> u32 {
        self.search = self.search.wrapping_add(1);
        if self.search == 0 {
            self.seen.fill(0);
            self.confirmed.fill(0);
            self.search = 1;
        }
        self.search
    }

    /// Updates which assets are cut off from their networks' sources after the
    /// operational state of `net_changed` flipped.
    fn reconnect(&mut self) {
        let g = self.g;
        let changed = std::mem::take(&mut self.net_changed);
        for bit in 0..8u8 {
            let b: NetworkMask = 1 << bit;
            if !changed.iter().any(|&i| g.needs_source[i as usize] & b != 0) {
                continue;
            }
            if self.first_failure(&changed, bit) {
                continue;
            }
            self.net_touched |= b;
            let round = self.next_search();
            // Assets coming back count as cut off until a search reaches them from a
            // served part, so that searches below never pass through them unchecked.
            for &i in &changed {
                if g.needs_source[i as usize] & b != 0 && self.operational[i as usize] {
                    self.lost[i as usize] |= b;
                }
            }
            // Stopped assets: does each working neighbour still reach a source?
            for &x in &changed {
                if g.needs_source[x as usize] & b == 0 || self.operational[x as usize] {
                    continue;
                }
                let root = self.root[x as usize];
                for l in g.links.row(x) {
                    if l.network != bit {
                        continue;
                    }
                    let y = l.to;
                    self.touch(y);
                    if self.is_served(y, b) && self.confirmed[y as usize] != round {
                        self.search_from(y, b, round, root);
                    }
                }
            }
            // Assets back in service: reconnect what they join to a served part.
            for &x in &changed {
                let u = x as usize;
                if g.needs_source[u] & b == 0 || !self.operational[u] || self.lost[u] & b == 0 {
                    continue;
                }
                let mut joins = g.source[u] & b != 0;
                for l in g.links.row(x) {
                    if !joins && l.network == bit {
                        self.touch(l.to);
                        joins = self.is_served(l.to, b);
                    }
                }
                if joins {
                    self.spread(x, b, bit);
                } else {
                    // It stays cut off; it was counted as connected while stopped.
                    self.check.push(x);
                }
            }
        }
    }

    /// The first change in network `bit` during a run, when it is one asset stopping:
    /// what it cuts off is its dominator subtree. Returns whether it was handled.
    fn first_failure(&mut self, changed: &[Node], bit: u8) -> bool {
        let b: NetworkMask = 1 << bit;
        let Some(single) = self.single else { return false };
        if self.net_touched & b != 0 {
            return false;
        }
        let mut members = changed.iter().filter(|&&i| self.g.needs_source[i as usize] & b != 0);
        let (Some(&x), None) = (members.next(), members.next()) else { return false };
        if self.operational[x as usize] {
            return false;
        }
        let Some(cut) = single.cut_off(bit, x) else { return false };
        self.net_touched |= b;
        let root = self.root[x as usize];
        for &w in &cut[1..] {
            self.touch(w);
            self.cut_off(w, bit, root);
        }
        true
    }

    /// Marks a (touched) asset cut off from the sources of network `bit`.
    fn cut_off(&mut self, x: Node, bit: u8, root: Node) {
        if self.first_reason(x) {
            self.root[x as usize] = root;
            self.cause[x as usize] = Cause::Connectivity { network: bit }.pack();
        }
        self.lost[x as usize] |= 1 << bit;
        self.check.push(x);
    }

    fn is_served(&self, y: Node, b: NetworkMask) -> bool {
        let u = y as usize;
        self.g.needs_source[u] & b != 0 && self.operational[u] && self.lost[u] & b == 0
    }

    /// Searches from `start` through served assets of network `b`; if no source is met,
    /// everything reached is cut off.
    fn search_from(&mut self, start: Node, b: NetworkMask, round: u32, root: Node) {
        let g = self.g;
        let bit = b.trailing_zeros() as u8;
        let id = self.next_search();
        self.queue.clear();
        self.visited.clear();
        self.queue.push(start);
        self.seen[start as usize] = id;
        let mut head = 0;
        let mut found = false;
        while head < self.queue.len() {
            let x = self.queue[head];
            head += 1;
            self.visited.push(x);
            if g.source[x as usize] & b != 0 || self.confirmed[x as usize] == round {
                found = true;
                break;
            }
            for l in g.links.row(x) {
                if l.network != bit {
                    continue;
                }
                let y = l.to;
                if self.seen[y as usize] == id {
                    continue;
                }
                self.touch(y);
                if self.is_served(y, b) {
                    self.seen[y as usize] = id;
                    self.queue.push(y);
                }
            }
        }
        if found {
            for k in 0..self.queue.len() {
                let x = self.queue[k];
                self.confirmed[x as usize] = round;
            }
        } else {
            for k in 0..self.visited.len() {
                let x = self.visited[k];
                self.cut_off(x, bit, root);
            }
        }
    }

    /// Marks as connected everything cut off that `start` reaches.
    fn spread(&mut self, start: Node, b: NetworkMask, bit: u8) {
        let g = self.g;
        self.queue.clear();
        self.queue.push(start);
        self.lost[start as usize] &= !b;
        self.check.push(start);
        let mut head = 0;
        while head < self.queue.len() {
            let x = self.queue[head];
            head += 1;
            for l in g.links.row(x) {
                if l.network != bit {
                    continue;
                }
                let y = l.to;
                self.touch(y);
                let u = y as usize;
                if g.needs_source[u] & b != 0 && self.operational[u] && self.lost[u] & b != 0 {
                    self.lost[u] &= !b;
                    self.check.push(y);
                    self.queue.push(y);
                }
            }
        }
    }
}

/// Networks in which each asset is connected to a source with every asset working.
pub fn baseline_served(g: &Graph) -> Vec<NetworkMask> {
    let n = g.len();
    let mut out = vec![0 as NetworkMask; n];
    let mut queue = Vec::new();
    for bit in 0..8u8 {
        let b: NetworkMask = 1 << bit;
        queue.clear();
        for (i, o) in out.iter_mut().enumerate() {
            if g.source[i] & b != 0 {
                *o |= b;
                queue.push(i as Node);
            }
        }
        let mut head = 0;
        while head < queue.len() {
            let x = queue[head];
            head += 1;
            for l in g.links.row(x) {
                if l.network == bit && out[l.to as usize] & b == 0 {
                    out[l.to as usize] |= b;
                    queue.push(l.to);
                }
            }
        }
    }
    out
}
