//! Connectivity-loss metrics as the OpenQuake engine defines them for infrastructure
//! connectivity analysis (`openquake/risklib/connectivity.py`, "supply/demand" case;
//! Poudel, Rao et al., URBASIS-EU), for a baseline network and a damaged state of it:
//!
//! - efficiency `Eff_i = Σ_{j≠i} (1/d_ij) / (N − 1)` (unreachable pairs add 0; N is the
//!   node count of the *baseline* graph in both states, as in OpenQuake), and the
//!   efficiency loss `EL = 1 − Σ_i Eff_i / Σ_i Eff0_i`;
//! - per demand node `NS` = number of working sources with a path to it, partial
//!   connectivity loss `PCL = mean_i (1 − NS_i / NS0_i)`;
//! - weighted: `WS_i = NS_i · Σ_s 1/d(s, i)` and `WCL = mean_i (1 − WS_i / WS0_i)`;
//! - complete connectivity loss `CCL = 1 − (#demand nodes reached by some source) /
//!   (#demand nodes reached at baseline)`.
//!
//! Conventions kept from OpenQuake: distances of zero (a source that is itself the
//! demand node, or zero-length edges) add nothing to `Σ 1/d` but do count in `NS`;
//! demand nodes whose baseline `NS0` (or `WS0`) is zero are left out of the PCL (WCL)
//! mean, as pandas' `mean` skips the NaN of 0/0; a failed node has `Eff = 0`, `NS = 0`.
//!
//! Cost: efficiency needs every pair — one BFS (unit lengths) or Dijkstra (lengths)
//! per working node, O(n·(n + m)) or O(n·m log n), run in parallel with rayon. It is
//! meant for networks of up to some tens of thousands of nodes; the source terms need
//! one search per source, O(S·(n + m)).

use crate::csr::Csr;
use rayon::prelude::*;
use std::cmp::Ordering;
use std::collections::{BinaryHeap, VecDeque};

/// One state of a network: its adjacency, optional arc lengths and which nodes exist.
#[derive(Debug, Clone, Copy)]
pub struct Network<'a> {
    pub adjacency: &'a Csr<u32>,
    /// Length of each arc, aligned with `adjacency.items()`; `None` means unit lengths
    /// (breadth-first search). Lengths must be finite and non-negative.
    pub lengths: Option<&'a [f64]>,
    /// Nodes that work in this state; `None` means all of them.
    pub working: Option<&'a [bool]>,
}

impl<'a> Network<'a> {
    /// Every node working, unit lengths.
    pub fn new(adjacency: &'a Csr<u32>) -> Network<'a> {
        Network { adjacency, lengths: None, working: None }
    }

    pub fn with_lengths(self, lengths: &'a [f64]) -> Network<'a> {
        assert_eq!(lengths.len(), self.adjacency.len(), "one length per arc");
        Network { lengths: Some(lengths), ..self }
    }

    pub fn with_working(self, working: &'a [bool]) -> Network<'a> {
        assert_eq!(working.len(), self.adjacency.rows(), "one working flag per node");
        Network { working: Some(working), ..self }
    }

    fn works(&self, v: usize) -> bool {
        self.working.is_none_or(|w| w[v])
    }

    /// Shortest distances from `source` over working nodes; `f64::INFINITY` when
    /// unreachable. `scratch` is reused between calls.
    fn distances(&self, source: u32, scratch: &mut Search) {
        let n = self.adjacency.rows();
        scratch.distance.clear();
        scratch.distance.resize(n, f64::INFINITY);
        if !self.works(source as usize) {
            return;
        }
        scratch.distance[source as usize] = 0.0;
        match self.lengths {
            None => {
                scratch.queue.clear();
                scratch.queue.push_back(source);
                while let Some(v) = scratch.queue.pop_front() {
                    let next = scratch.distance[v as usize] + 1.0;
                    for &w in self.adjacency.row(v) {
                        if self.works(w as usize) && scratch.distance[w as usize].is_infinite() {
                            scratch.distance[w as usize] = next;
                            scratch.queue.push_back(w);
                        }
                    }
                }
            }
            Some(lengths) => {
                scratch.heap.clear();
                scratch.heap.push(Entry(0.0, source));
                let items = self.adjacency.items();
                while let Some(Entry(d, v)) = scratch.heap.pop() {
                    if d > scratch.distance[v as usize] {
                        continue;
                    }
                    for arc in self.adjacency.range(v) {
                        let w = items[arc];
                        if !self.works(w as usize) {
                            continue;
                        }
                        let candidate = d + lengths[arc];
                        if candidate < scratch.distance[w as usize] {
                            scratch.distance[w as usize] = candidate;
                            scratch.heap.push(Entry(candidate, w));
                        }
                    }
                }
            }
        }
    }
}

#[derive(Default)]
struct Search {
    distance: Vec<f64>,
    queue: VecDeque<u32>,
    heap: BinaryHeap<Entry>,
}

/// A heap entry ordered by smallest distance first.
#[derive(PartialEq)]
struct Entry(f64, u32);

impl Eq for Entry {}

impl Ord for Entry {
    fn cmp(&self, other: &Self) -> Ordering {
        other.0.total_cmp(&self.0).then_with(|| other.1.cmp(&self.1))
    }
}

impl PartialOrd for Entry {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Per node `Eff_i = Σ_{j≠i, d_ij>0} (1/d_ij) / (N − 1)` with N = all nodes of the
/// adjacency; 0 for failed nodes. One search per working node, in parallel.
pub fn efficiency(network: &Network) -> Vec<f64> {
    let n = network.adjacency.rows();
    if n < 2 {
        return vec![0.0; n];
    }
    (0..n as u32)
        .into_par_iter()
        .map_init(Search::default, |scratch, v| {
            if !network.works(v as usize) {
                return 0.0;
            }
            network.distances(v, scratch);
            let inverse_sum: f64 =
                scratch.distance.iter().filter(|d| d.is_finite() && **d > 0.0).map(|d| 1.0 / d).sum();
            inverse_sum / (n - 1) as f64
        })
        .collect()
}

/// What the working sources give each node: `NS` (how many reach it) and `Σ_s 1/d(s,i)`.
#[derive(Debug, Clone, PartialEq)]
pub struct SourceReach {
    pub sources_reaching: Vec<u32>,
    pub inverse_distance_sum: Vec<f64>,
}

impl SourceReach {
    /// `WS_i = NS_i · Σ_s 1/d(s,i)`.
    pub fn weighted(&self, v: usize) -> f64 {
        f64::from(self.sources_reaching[v]) * self.inverse_distance_sum[v]
    }
}

/// One search per working source (in parallel), accumulated per node.
pub fn source_reach(network: &Network, sources: &[bool]) -> SourceReach {
    let n = network.adjacency.rows();
    assert_eq!(sources.len(), n, "one source flag per node");
    let working_sources: Vec<u32> =
        (0..n as u32).filter(|&s| sources[s as usize] && network.works(s as usize)).collect();
    let empty = || (vec![0u32; n], vec![0.0f64; n]);
    let (sources_reaching, inverse_distance_sum) = working_sources
        .par_iter()
        .fold(
            || (empty(), Search::default()),
            |((mut count, mut inverse), mut scratch), &s| {
                network.distances(s, &mut scratch);
                for (v, &d) in scratch.distance.iter().enumerate() {
                    if d.is_finite() {
                        count[v] += 1;
                        if d > 0.0 {
                            inverse[v] += 1.0 / d;
                        }
                    }
                }
                ((count, inverse), scratch)
            },
        )
        .map(|(totals, _)| totals)
        .reduce(empty, |(mut c1, mut i1), (c2, i2)| {
            c1.iter_mut().zip(c2).for_each(|(a, b)| *a += b);
            i1.iter_mut().zip(i2).for_each(|(a, b)| *a += b);
            (c1, i1)
        });
    SourceReach { sources_reaching, inverse_distance_sum }
}

/// The four OpenQuake metrics for one damaged state, plus per-node detail.
#[derive(Debug, Clone, PartialEq)]
pub struct ConnectivityLoss {
    /// `EL = 1 − ΣEff/ΣEff0`; `None` when the baseline efficiency is zero.
    pub efficiency_loss: Option<f64>,
    /// Mean PCL over demand nodes with `NS0 > 0`; `None` when there are none.
    pub partial: Option<f64>,
    /// Mean WCL over demand nodes with `WS0 > 0`; `None` when there are none.
    pub weighted: Option<f64>,
    /// `CCL`; `None` when no demand node is reached at baseline.
    pub complete: Option<f64>,
    /// Per node `(Eff0 − Eff)/Eff0`, 0 where `Eff0 = 0` (as OpenQuake fills NaN).
    pub node_efficiency_loss: Vec<f64>,
}

/// Compare a damaged state with the baseline. Both states share node numbering.
/// Computes baseline and damaged terms; when many damaged states share one baseline,
/// compute the baseline terms once and call [`losses`].
pub fn connectivity_loss(
    baseline: &Network,
    damaged: &Network,
    sources: &[bool],
    demand: &[bool],
) -> ConnectivityLoss {
    assert_eq!(baseline.adjacency.rows(), damaged.adjacency.rows(), "same nodes in both states");
    losses(
        &efficiency(baseline),
        &efficiency(damaged),
        &source_reach(baseline, sources),
        &source_reach(damaged, sources),
        demand,
    )
}

/// The metrics from precomputed efficiencies and source reach of both states.
pub fn losses(
    baseline_efficiency: &[f64],
    damaged_efficiency: &[f64],
    baseline_reach: &SourceReach,
    damaged_reach: &SourceReach,
    demand: &[bool],
) -> ConnectivityLoss {
    let total0: f64 = baseline_efficiency.iter().sum();
    let total: f64 = damaged_efficiency.iter().sum();
    let efficiency_loss = (total0 > 0.0).then(|| 1.0 - total / total0);
    let node_efficiency_loss = baseline_efficiency
        .iter()
        .zip(damaged_efficiency)
        .map(|(&e0, &e)| if e0 > 0.0 { (e0 - e) / e0 } else { 0.0 })
        .collect();

    let mut partial = Mean::default();
    let mut weighted = Mean::default();
    let (mut served0, mut served) = (0u64, 0u64);
    for v in (0..demand.len()).filter(|&v| demand[v]) {
        let ns0 = baseline_reach.sources_reaching[v];
        let ns = damaged_reach.sources_reaching[v];
        if ns0 > 0 {
            partial.add(1.0 - f64::from(ns) / f64::from(ns0));
        }
        served0 += u64::from(ns0 > 0);
        served += u64::from(ns > 0);
        let ws0 = baseline_reach.weighted(v);
        if ws0 > 0.0 {
            weighted.add(1.0 - damaged_reach.weighted(v) / ws0);
        }
    }
    ConnectivityLoss {
        efficiency_loss,
        partial: partial.value(),
        weighted: weighted.value(),
        complete: (served0 > 0).then(|| 1.0 - served as f64 / served0 as f64),
        node_efficiency_loss,
    }
}

#[derive(Default)]
struct Mean {
    sum: f64,
    count: u64,
}

impl Mean {
    fn add(&mut self, x: f64) {
        self.sum += x;
        self.count += 1;
    }

    fn value(&self) -> Option<f64> {
        (self.count > 0).then(|| self.sum / self.count as f64)
    }
}
