//! The OpenQuake connectivity-loss metrics (EL, PCL, WCL, CCL) of a scenario's networks
//! at its worst moment.
//!
//! For each networked sector with sources in which an asset went down, the metrics
//! compare the baseline with the moment most assets were down. The network is taken as
//! the connected parts (with everything working) that hold an asset that went down —
//! the rest of the network is untouched and would only dilute the figures. Assets out
//! of action are removed from the damaged state; assets merely cut off from their
//! sources stay in it (they work, they are just not reached), as OpenQuake removes only
//! damaged nodes. Link lengths (km) weigh distances.
//!
//! EL needs every pair of nodes and PCL/WCL a search per source: when that work would
//! exceed a budget, the network reports CCL only and says why.

use crate::cascade::{Cause, Change};
use crate::connectivity::{self, Network};
use crate::csr::Csr;
use crate::graph::{network_bit, Graph, Node};
use rampart_core::Network as Sector;
use serde_json::{json, Value};
use std::collections::{HashMap, HashSet};

/// Node × (nodes + arcs) operations allowed for the all-pairs and per-source searches.
const BUDGET: f64 = 2e7;

/// The moment most assets were down, and the assets out of action then (down for any
/// reason but being cut off from a network's sources).
fn worst_moment(changes: &[Change]) -> (f64, HashSet<Node>) {
    let (mut down, mut peak, mut at) = (0i64, 0i64, 0.0);
    let mut i = 0;
    while i < changes.len() {
        let t = changes[i].t;
        while i < changes.len() && changes[i].t == t {
            down += if changes[i].down { 1 } else { -1 };
            i += 1;
        }
        if down > peak {
            (peak, at) = (down, t);
        }
    }
    let mut out: HashMap<Node, bool> = HashMap::new();
    for c in changes.iter().take_while(|c| c.t <= at) {
        out.insert(c.node, c.down && !matches!(c.cause, Cause::Connectivity { .. }));
    }
    (at, out.into_iter().filter(|(_, d)| *d).map(|(n, _)| n).collect())
}

pub fn connectivity_losses(g: &Graph, changes: &[Change]) -> Value {
    let (at, broken) = worst_moment(changes);
    let touched: HashSet<Node> = changes.iter().map(|c| c.node).collect();
    let mut out = Vec::new();
    for (bit, sector) in Sector::ALL.iter().enumerate() {
        let b = network_bit(*sector);
        if !touched.iter().any(|&n| g.member[n as usize] & b != 0) || !g.source.iter().any(|s| s & b != 0) {
            continue;
        }
        // The baseline parts holding a touched asset.
        const NONE: u32 = u32::MAX;
        let mut local = vec![NONE; g.len()];
        let mut nodes: Vec<Node> = Vec::new();
        let mut starts: Vec<Node> = touched.iter().copied().filter(|&n| g.member[n as usize] & b != 0).collect();
        starts.sort_unstable();
        for start in starts {
            if local[start as usize] != NONE {
                continue;
            }
            local[start as usize] = nodes.len() as u32;
            nodes.push(start);
            let mut head = nodes.len() - 1;
            while head < nodes.len() {
                let x = nodes[head];
                head += 1;
                for l in g.links.row(x).iter().filter(|l| l.network as usize == bit) {
                    if local[l.to as usize] == NONE {
                        local[l.to as usize] = nodes.len() as u32;
                        nodes.push(l.to);
                    }
                }
            }
        }
        let mut arcs: Vec<(u32, (u32, f64))> = Vec::new();
        for (k, &x) in nodes.iter().enumerate() {
            for l in g.links.row(x).iter().filter(|l| l.network as usize == bit) {
                arcs.push((k as u32, (local[l.to as usize], l.length_km.max(0.0) as f64)));
            }
        }
        let with_len = Csr::from_pairs(nodes.len(), &arcs);
        let adjacency = Csr::from_parts(with_len.offsets().to_vec(), with_len.items().iter().map(|a| a.0).collect());
        let lengths: Vec<f64> = with_len.items().iter().map(|a| a.1).collect();
        let sources: Vec<bool> = nodes.iter().map(|&n| g.source[n as usize] & b != 0).collect();
        let demand: Vec<bool> = sources.iter().map(|s| !s).collect();
        let working: Vec<bool> = nodes.iter().map(|n| !broken.contains(n)).collect();
        let size = nodes.len() as f64 + adjacency.len() as f64;
        let n_sources = sources.iter().filter(|s| **s).count();
        let baseline = Network::new(&adjacency).with_lengths(&lengths);
        let damaged = baseline.with_working(&working);
        let mut row = json!({
            "network": sector.key(), "at_h": at, "assets": nodes.len(), "sources": n_sources,
            "out_of_action": working.iter().filter(|w| !**w).count(),
        });
        let served = |w: &[bool]| connectivity::served(&adjacency, w, &sources).iter().zip(&demand).filter(|(s, d)| **s && **d).count();
        let (served0, served1) = (served(&vec![true; nodes.len()]), served(&working));
        row["complete_connectivity_loss"] = if served0 > 0 { json!(1.0 - served1 as f64 / served0 as f64) } else { Value::Null };
        if n_sources as f64 * size <= BUDGET {
            let (r0, r1) = (connectivity::source_reach(&baseline, &sources), connectivity::source_reach(&damaged, &sources));
            let (e0, e1) = if nodes.len() as f64 * size <= BUDGET {
                (connectivity::efficiency(&baseline), connectivity::efficiency(&damaged))
            } else {
                row["note"] = json!(format!("efficiency loss left out: {} assets need all pairs", nodes.len()));
                (vec![], vec![])
            };
            let m = connectivity::losses(&e0, &e1, &r0, &r1, &demand);
            row["efficiency_loss"] = json!(m.efficiency_loss);
            row["partial_connectivity_loss"] = json!(m.partial);
            row["weighted_connectivity_loss"] = json!(m.weighted);
        } else {
            row["note"] = json!(format!("EL, PCL and WCL left out: {} sources × {} assets exceed the search budget", n_sources, nodes.len()));
        }
        out.push(row);
    }
    Value::Array(out)
}
