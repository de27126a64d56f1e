//! Finding the vehicle approaches into a perimeter and the highest speed each
//! vehicle class can reach on them.
//!
//! The road network is projected onto a local plane (equirectangular about the
//! perimeter's centre: metres east and north, good to a fraction of a per cent over
//! a city). Each road segment becomes one directed edge per direction of travel
//! (both unless one-way streets are respected). An edge that starts outside the
//! perimeter and crosses its outer ring is an **entry**; the edges wholly outside
//! are the run-up network.
//!
//! For one vehicle class (acceleration a, top speed v_top), the highest squared
//! speed S(e) at the end of each run-up edge e = (u → v) satisfies
//!
//! ```text
//! T(e) = max(0, max over edges p = (w → u) of min(S(p), bend(p, e)²))   speed² entering e
//! S(e) = min(limit(e)², v_top², T(e) + 2·a·len(e))                      run-up along e
//! ```
//!
//! where bend(p, e) = √(μ g r) (banked: √(g r (μ+e)/(1−μe))) with r the radius of
//! the circle through the turn's vertex and the points on either leg at most
//! `bend_window_m` away (three-point circle). Starting from rest on any edge, the
//! values only grow and are bounded by v_top², so a label-correcting pass (a work
//! queue of edges whose value rose) reaches the fixed point; predecessor links give
//! the run-up path. The speed at an entry point at fraction t of its edge is
//! min(limit², v_top², T(e) + 2·a·t·len(e)).

use super::dynamics::{bend_speed, circumradius, kinetic_energy};
use super::network::{Oneway, Perimeter, RoadNetwork};
use super::vehicle::VehicleClass;
use std::collections::VecDeque;

/// Mean Earth radius (IUGG), m, and the length of a degree of latitude on it.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;
pub const METRES_PER_DEGREE: f64 = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;

const NONE: u32 = u32::MAX;

/// Local plane about an origin: metres east and north.
#[derive(Debug, Clone, Copy)]
pub struct Plane {
    lon0: f64,
    lat0: f64,
    cos0: f64,
}

impl Plane {
    pub fn new(lon0: f64, lat0: f64) -> Plane {
        Plane { lon0, lat0, cos0: lat0.to_radians().cos() }
    }

    pub fn project(&self, lon: f64, lat: f64) -> (f64, f64) {
        ((lon - self.lon0) * self.cos0 * METRES_PER_DEGREE, (lat - self.lat0) * METRES_PER_DEGREE)
    }

    pub fn unproject(&self, x: f64, y: f64) -> (f64, f64) {
        (self.lon0 + x / (self.cos0 * METRES_PER_DEGREE), self.lat0 + y / METRES_PER_DEGREE)
    }
}

/// How bends and limits cap speed.
#[derive(Debug, Clone, Copy)]
pub struct Rules {
    pub mu: f64,
    pub bend_window_m: f64,
    pub legal_limits: bool,
    pub respect_oneway: bool,
    /// Segments farther than this from the perimeter's box (both ends) are left out, m.
    pub margin_m: f64,
}

/// The directed run-up graph and the entries into the perimeter.
pub struct Graph {
    pub plane: Plane,
    pos: Vec<(f64, f64)>,
    from: Vec<u32>,
    to: Vec<u32>,
    len: Vec<f64>,
    /// Speed limit², (m/s)²; infinite where none applies.
    limit2: Vec<f64>,
    bank: Vec<Option<f64>>,
    pub road: Vec<u32>,
    /// Run-up edges out of each node (CSR), wholly outside the perimeter.
    out_start: Vec<u32>,
    out: Vec<u32>,
    /// Run-up edges into each node (CSR).
    in_start: Vec<u32>,
    inc: Vec<u32>,
    pub entries: Vec<Entry>,
    rules: Rules,
}

/// A directed segment that enters the perimeter.
#[derive(Debug, Clone)]
pub struct Entry {
    pub edge: u32,
    /// Fraction of the edge at which it crosses the outer ring.
    pub t: f64,
    /// The crossing, in the plane.
    pub at: (f64, f64),
    /// Index of the perimeter segment crossed.
    pub perimeter_edge: usize,
    /// Angle between the direction of travel and the perimeter line, 0–90°.
    pub angle_deg: f64,
}

fn inside(ring: &[(f64, f64)], p: (f64, f64)) -> bool {
    // Even–odd rule.
    let mut c = false;
    let n = ring.len();
    let mut j = n - 1;
    for i in 0..n {
        let (a, b) = (ring[i], ring[j]);
        if (a.1 > p.1) != (b.1 > p.1) && p.0 < (b.0 - a.0) * (p.1 - a.1) / (b.1 - a.1) + a.0 {
            c = !c;
        }
        j = i;
    }
    c
}

/// Where segment p→q crosses segment a→b, as the fraction along p→q.
fn crossing(p: (f64, f64), q: (f64, f64), a: (f64, f64), b: (f64, f64)) -> Option<f64> {
    let r = (q.0 - p.0, q.1 - p.1);
    let s = (b.0 - a.0, b.1 - a.1);
    let denom = r.0 * s.1 - r.1 * s.0;
    if denom.abs() < 1e-12 {
        return None;
    }
    let w = (a.0 - p.0, a.1 - p.1);
    let t = (w.0 * s.1 - w.1 * s.0) / denom;
    let u = (w.0 * r.1 - w.1 * r.0) / denom;
    ((0.0..=1.0).contains(&t) && (0.0..=1.0).contains(&u)).then_some(t)
}

fn csr(n: usize, keys: impl Iterator<Item = (u32, u32)> + Clone) -> (Vec<u32>, Vec<u32>) {
    let mut start = vec![0u32; n + 1];
    for (k, _) in keys.clone() {
        start[k as usize + 1] += 1;
    }
    for i in 0..n {
        start[i + 1] += start[i];
    }
    let mut fill = start.clone();
    let mut items = vec![0u32; start[n] as usize];
    for (k, v) in keys {
        items[fill[k as usize] as usize] = v;
        fill[k as usize] += 1;
    }
    (start, items)
}

impl Graph {
    pub fn build(perimeter: &Perimeter, roads: &RoadNetwork, rules: Rules) -> Graph {
        use geo::Centroid;
        let c = perimeter.polygon.centroid().map(|p| (p.x(), p.y())).unwrap_or((0.0, 0.0));
        let plane = Plane::new(c.0, c.1);
        let ring: Vec<(f64, f64)> = perimeter.polygon.exterior().0.iter().map(|p| plane.project(p.x, p.y)).collect();
        let closed = &ring[..ring.len().saturating_sub(1).max(1)];
        let (mut rmin, mut rmax) = ((f64::MAX, f64::MAX), (f64::MIN, f64::MIN));
        for p in &ring {
            rmin = (rmin.0.min(p.0), rmin.1.min(p.1));
            rmax = (rmax.0.max(p.0), rmax.1.max(p.1));
        }
        let pos: Vec<(f64, f64)> = roads.nodes.iter().map(|&(lon, lat)| plane.project(lon, lat)).collect();
        let is_in: Vec<bool> = pos.iter().map(|&p| p.0 >= rmin.0 && p.0 <= rmax.0 && p.1 >= rmin.1 && p.1 <= rmax.1 && inside(closed, p)).collect();

        let (mut from, mut to, mut len, mut limit2, mut bank, mut road) = (vec![], vec![], vec![], vec![], vec![], vec![]);
        for (ri, r) in roads.roads.iter().enumerate() {
            let limit = match r.maxspeed_kmh {
                Some(k) if rules.legal_limits && k > 0.0 => (k / 3.6) * (k / 3.6),
                _ => f64::INFINITY,
            };
            for w in r.nodes.windows(2) {
                let (a, b) = (w[0], w[1]);
                let (pa, pb) = (pos[a as usize], pos[b as usize]);
                let far = |p: (f64, f64)| {
                    p.0 < rmin.0 - rules.margin_m || p.0 > rmax.0 + rules.margin_m || p.1 < rmin.1 - rules.margin_m || p.1 > rmax.1 + rules.margin_m
                };
                if far(pa) && far(pb) {
                    continue;
                }
                let l = (pb.0 - pa.0).hypot(pb.1 - pa.1);
                if l <= 1e-6 {
                    continue;
                }
                let mut add = |x: u32, y: u32| {
                    from.push(x);
                    to.push(y);
                    len.push(l);
                    limit2.push(limit);
                    bank.push(r.bank);
                    road.push(ri as u32);
                };
                if !rules.respect_oneway || r.oneway != Oneway::Backward {
                    add(a, b);
                }
                if !rules.respect_oneway || r.oneway != Oneway::Forward {
                    add(b, a);
                }
            }
        }

        // Classify edges: entries (start outside, cross the ring), run-up (wholly outside).
        let mut entries = Vec::new();
        let mut runup = vec![false; from.len()];
        for e in 0..from.len() {
            let (u, v) = (from[e] as usize, to[e] as usize);
            if is_in[u] {
                continue;
            }
            let (p, q) = (pos[u], pos[v]);
            let near = p.0.max(q.0) >= rmin.0 && p.0.min(q.0) <= rmax.0 && p.1.max(q.1) >= rmin.1 && p.1.min(q.1) <= rmax.1;
            let mut first: Option<(f64, usize)> = None;
            if near {
                for i in 0..ring.len() - 1 {
                    if let Some(t) = crossing(p, q, ring[i], ring[i + 1]) {
                        if first.is_none_or(|(ft, _)| t < ft) {
                            first = Some((t, i));
                        }
                    }
                }
            }
            match first {
                Some((t, i)) => {
                    let d = (q.0 - p.0, q.1 - p.1);
                    let s = (ring[i + 1].0 - ring[i].0, ring[i + 1].1 - ring[i].1);
                    let cos = (d.0 * s.0 + d.1 * s.1).abs() / (d.0.hypot(d.1) * s.0.hypot(s.1)).max(1e-12);
                    let angle_deg = cos.min(1.0).acos().to_degrees();
                    entries.push(Entry { edge: e as u32, t, at: (p.0 + t * d.0, p.1 + t * d.1), perimeter_edge: i, angle_deg });
                }
                None => runup[e] = !is_in[v],
            }
        }
        let n = pos.len();
        let run_edges = (0..from.len()).filter(|&e| runup[e]);
        let (out_start, out) = csr(n, run_edges.clone().map(|e| (from[e], e as u32)));
        let (in_start, inc) = csr(n, run_edges.map(|e| (to[e], e as u32)));
        Graph { plane, pos, from, to, len, limit2, bank, road, out_start, out, in_start, inc, entries, rules }
    }

    pub fn edges(&self) -> usize {
        self.from.len()
    }

    /// The node position in the plane.
    pub fn pos(&self, node: u32) -> (f64, f64) {
        self.pos[node as usize]
    }

    pub fn from_node(&self, e: u32) -> u32 {
        self.from[e as usize]
    }

    pub fn len(&self, e: u32) -> f64 {
        self.len[e as usize]
    }

    /// Squared bend cap for turning from edge `a` (into node u) onto edge `b` (out of u).
    fn bend2(&self, a: u32, b: u32) -> f64 {
        let (a, b) = (a as usize, b as usize);
        let u = self.pos[self.to[a] as usize];
        let w = self.pos[self.from[a] as usize];
        let v = self.pos[self.to[b] as usize];
        let window = self.rules.bend_window_m;
        let toward = |p: (f64, f64), l: f64| {
            let f = (window / l).min(1.0);
            (u.0 + (p.0 - u.0) * f, u.1 + (p.1 - u.1) * f)
        };
        let r = circumradius(toward(w, self.len[a]), u, toward(v, self.len[b]));
        let cap = bend_speed(self.rules.mu, r, self.bank[b].or(self.bank[a]));
        cap * cap
    }
}

/// The fixed point for one vehicle class: per edge the squared speed entering it
/// (after the bend) and at its end, and the edge it came from.
pub struct Speeds {
    pub enter2: Vec<f64>,
    pub end2: Vec<f64>,
    pub pred: Vec<u32>,
}

pub fn solve(g: &Graph, v: &VehicleClass) -> Speeds {
    let m = g.from.len();
    let two_a = 2.0 * v.accel;
    let top2 = (v.top_speed_kmh / 3.6).powi(2);
    let mut enter2 = vec![0.0f64; m];
    let mut end2: Vec<f64> = (0..m).map(|e| (two_a * g.len[e]).min(g.limit2[e]).min(top2)).collect();
    let mut pred = vec![NONE; m];
    let mut queued = vec![false; m];
    let mut queue: VecDeque<u32> = VecDeque::new();
    for node in 0..g.pos.len() {
        for &e in &g.out[g.out_start[node] as usize..g.out_start[node + 1] as usize] {
            queue.push_back(e);
            queued[e as usize] = true;
        }
    }
    while let Some(e) = queue.pop_front() {
        let ei = e as usize;
        queued[ei] = false;
        let v = g.to[ei] as usize;
        let back = g.from[ei];
        for &f in &g.out[g.out_start[v] as usize..g.out_start[v + 1] as usize] {
            let fi = f as usize;
            if g.to[fi] == back {
                continue; // a U-turn: the three-point circle has no room, speed ~0
            }
            let into = end2[ei].min(g.limit2[fi]);
            if into <= enter2[fi] + 1e-9 {
                continue;
            }
            let into = into.min(g.bend2(e, f));
            if into > enter2[fi] + 1e-9 {
                enter2[fi] = into;
                pred[fi] = e;
                let end = (into + two_a * g.len[fi]).min(g.limit2[fi]).min(top2);
                if end > end2[fi] + 1e-9 {
                    end2[fi] = end;
                    if !queued[fi] {
                        queued[fi] = true;
                        queue.push_back(f);
                    }
                }
            }
        }
    }
    Speeds { enter2, end2, pred }
}

/// The best run-up to one entry for one class.
#[derive(Debug, Clone)]
pub struct RunUp {
    pub speed: f64,
    /// Run-up edges in driving order (the entry edge last).
    pub edges: Vec<u32>,
    /// Squared speed entering the entry edge.
    pub enter2: f64,
}

pub fn best_run_up(g: &Graph, s: &Speeds, v: &VehicleClass, entry: &Entry) -> RunUp {
    let e = entry.edge as usize;
    let u = g.from[e] as usize;
    let top2 = (v.top_speed_kmh / 3.6).powi(2);
    // The best edge into the entry edge's start, through its bend.
    let mut best = (0.0f64, NONE);
    for &p in &g.inc[g.in_start[u] as usize..g.in_start[u + 1] as usize] {
        let pi = p as usize;
        if g.from[pi] == g.to[e] {
            continue;
        }
        let into = s.end2[pi].min(g.limit2[e]);
        if into <= best.0 {
            continue;
        }
        let into = into.min(g.bend2(p, entry.edge));
        if into > best.0 {
            best = (into, p);
        }
    }
    let speed2 = (best.0 + 2.0 * v.accel * entry.t * g.len[e]).min(g.limit2[e]).min(top2);
    let mut edges = vec![entry.edge];
    let mut cur = best.1;
    // Predecessor links reach back to where the vehicle starts from rest; the length
    // guard only protects against a malformed chain.
    while cur != NONE && edges.len() < 100_000 {
        edges.push(cur);
        cur = s.pred[cur as usize];
    }
    edges.reverse();
    RunUp { speed: speed2.sqrt(), edges, enter2: best.0 }
}

/// Kinetic energy in kJ of a class at a speed in m/s.
pub fn energy_kj(v: &VehicleClass, speed: f64) -> f64 {
    kinetic_energy(v.mass_kg, speed) / 1e3
}

/// The speed profile along a run-up: (distance from its start m, speed m/s) at its
/// start, either side of each bend, and at the entry point.
pub fn profile(g: &Graph, s: &Speeds, run: &RunUp, entry: &Entry) -> Vec<(f64, f64)> {
    let mut out = Vec::with_capacity(run.edges.len() * 2 + 1);
    let mut d = 0.0;
    let n = run.edges.len();
    for (i, &e) in run.edges.iter().enumerate() {
        let ei = e as usize;
        let enter = if i + 1 == n { run.enter2 } else { s.enter2[ei] };
        if i > 0 {
            let prev_end = s.end2[run.edges[i - 1] as usize];
            if (prev_end.sqrt() - enter.sqrt()).abs() > 1e-6 {
                out.push((d, prev_end.sqrt()));
            }
        }
        out.push((d, enter.sqrt()));
        if i + 1 == n {
            d += entry.t * g.len[ei];
            out.push((d, run.speed));
        } else {
            d += g.len[ei];
        }
    }
    out
}
