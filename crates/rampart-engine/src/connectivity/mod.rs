//! Source connectivity (METHODS.md §1.1): which nodes a working source still reaches,
//! what a single failure cuts off, and the OpenQuake connectivity-loss metrics.
//!
//! Single-failure effects are computed for every node at once in (near-)linear time —
//! never one search per node:
//! - directed graphs: the dominator tree from a (virtual) source ([`dominators`],
//!   [`dominators_from_sources`]); a node's dominator subtree is exactly what loses
//!   every path to a source when it alone fails;
//! - undirected graphs: articulation points and biconnected components
//!   ([`biconnected`]), the block-cut tree, and per node the weight cut off from
//!   every source ([`Biconnected::cut_off_weight`]).
//!
//! Graphs are [`Csr`] adjacencies on dense `u32` nodes: row `v` lists the heads of the
//! arcs leaving `v`. An undirected graph lists each edge in both rows
//! ([`crate::csr::undirected`]).

mod biconnected;
mod dominators;
mod metrics;

pub use biconnected::{biconnected, BlockCutTree, Biconnected};
pub use dominators::{dominators, dominators_from_sources, with_super_source, Dominators};
pub use metrics::{
    connectivity_loss, efficiency, losses, source_reach, ConnectivityLoss, Network, SourceReach,
};

use crate::csr::Csr;
use std::collections::VecDeque;

/// Nodes reached from a working source through working nodes only (multi-source BFS).
///
/// A node is served when it works and a path of working nodes leads to it from a
/// working source (the path follows the arcs of `graph`, so for a directed graph from
/// source to node). Cost: O(n + m).
///
/// ```
/// use rampart_engine::{connectivity, csr};
/// // A feeder 0 – 1 – 2 with a source at 0; node 1 fails.
/// let feeder = csr::undirected(3, &[(0, 1), (1, 2)]);
/// let served = connectivity::served(&feeder, &[true, false, true], &[true, false, false]);
/// assert_eq!(served, vec![true, false, false]);
/// // The same answer for every node at once: what each single failure cuts off.
/// let cut = connectivity::biconnected(&feeder).cut_off_nodes(&[true, false, false]);
/// assert_eq!(cut, vec![3, 2, 1]);
/// ```
pub fn served(graph: &Csr<u32>, working: &[bool], sources: &[bool]) -> Vec<bool> {
    let n = graph.rows();
    assert_eq!(working.len(), n, "one working flag per node");
    assert_eq!(sources.len(), n, "one source flag per node");
    let mut seen = vec![false; n];
    let mut queue = VecDeque::new();
    for v in 0..n {
        if sources[v] && working[v] {
            seen[v] = true;
            queue.push_back(v as u32);
        }
    }
    while let Some(v) = queue.pop_front() {
        for &w in graph.row(v) {
            let w_index = w as usize;
            if working[w_index] && !seen[w_index] {
                seen[w_index] = true;
                queue.push_back(w);
            }
        }
    }
    seen
}

/// The transpose of a directed adjacency: row `v` lists the tails of the arcs into `v`.
pub(crate) fn transpose(graph: &Csr<u32>) -> Csr<u32> {
    let n = graph.rows();
    let mut start = vec![0u32; n + 1];
    for &w in graph.items() {
        start[w as usize + 1] += 1;
    }
    for r in 0..n {
        start[r + 1] += start[r];
    }
    let mut fill = start.clone();
    let mut items = vec![0u32; graph.len()];
    for v in 0..n as u32 {
        for &w in graph.row(v) {
            let at = &mut fill[w as usize];
            items[*at as usize] = v;
            *at += 1;
        }
    }
    Csr::from_parts(start, items)
}
