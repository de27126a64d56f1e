//! Load-redistribution cascades (METHODS.md §1.1, optional rule): A. E. Motter and
//! Y.-C. Lai, "Cascade-based attacks on complex networks", Phys. Rev. E 66, 065102(R)
//! (2002).
//!
//! A node's load is its betweenness — the number of shortest paths between other nodes
//! through it — computed with U. Brandes, "A faster algorithm for betweenness
//! centrality", J. Math. Sociology 25(2):163–177 (2001): unweighted, O(n·m), in
//! parallel over sources with rayon. Its capacity is `(1 + α)·` its load in the intact
//! network. After the initial removal, loads are recomputed on the remaining network
//! and every node whose load exceeds its capacity fails at once; repeat until none does.
//! The damage is `G = N'/N`, the largest connected component after over before.
//!
//! Conventions: undirected graphs (a symmetric [`Csr`]); loads count ordered pairs
//! `(s, t)`, `s ≠ t`, endpoints excluded — twice the usual undirected betweenness, which
//! changes nothing since capacities scale with it. A load exceeds a capacity only by
//! more than a relative 1e-9, so summation order never fails a node.

use crate::csr::Csr;
use rayon::prelude::*;

/// Brandes betweenness over the `alive` nodes (others are absent), ordered pairs.
pub fn betweenness(graph: &Csr<u32>, alive: &[bool]) -> Vec<f64> {
    let n = graph.rows();
    assert_eq!(alive.len(), n, "one alive flag per node");
    (0..n as u32)
        .into_par_iter()
        .filter(|&s| alive[s as usize])
        .fold(
            || (vec![0.0f64; n], Brandes::new(n)),
            |(mut load, mut scratch), s| {
                scratch.accumulate(graph, alive, s, &mut load);
                (load, scratch)
            },
        )
        .map(|(load, _)| load)
        .reduce(
            || vec![0.0; n],
            |mut a, b| {
                a.iter_mut().zip(b).for_each(|(x, y)| *x += y);
                a
            },
        )
}

struct Brandes {
    distance: Vec<i64>,
    sigma: Vec<f64>,
    delta: Vec<f64>,
    order: Vec<u32>,
}

impl Brandes {
    fn new(n: usize) -> Brandes {
        Brandes { distance: vec![-1; n], sigma: vec![0.0; n], delta: vec![0.0; n], order: Vec::new() }
    }

    /// Add source `s`'s pair dependencies to `load`.
    fn accumulate(&mut self, graph: &Csr<u32>, alive: &[bool], s: u32, load: &mut [f64]) {
        self.order.clear();
        self.distance[s as usize] = 0;
        self.sigma[s as usize] = 1.0;
        self.order.push(s);
        let mut head = 0;
        while head < self.order.len() {
            let v = self.order[head];
            head += 1;
            let next = self.distance[v as usize] + 1;
            for &w in graph.row(v) {
                let w_index = w as usize;
                if !alive[w_index] {
                    continue;
                }
                if self.distance[w_index] < 0 {
                    self.distance[w_index] = next;
                    self.order.push(w);
                }
                if self.distance[w_index] == next {
                    self.sigma[w_index] += self.sigma[v as usize];
                }
            }
        }
        for &w in self.order.iter().rev() {
            let w_index = w as usize;
            let share = (1.0 + self.delta[w_index]) / self.sigma[w_index];
            let previous = self.distance[w_index] - 1;
            for &v in graph.row(w) {
                if alive[v as usize] && self.distance[v as usize] == previous {
                    self.delta[v as usize] += self.sigma[v as usize] * share;
                }
            }
            if w != s {
                load[w_index] += self.delta[w_index];
            }
        }
        for &v in &self.order {
            self.distance[v as usize] = -1;
            self.sigma[v as usize] = 0.0;
            self.delta[v as usize] = 0.0;
        }
    }
}

/// The result of a load-redistribution cascade.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Nodes still working at the end.
    pub alive: Vec<bool>,
    /// Nodes that failed by overload, per step (the initial removal is not a step).
    pub failed_per_step: Vec<Vec<u32>>,
    /// Largest connected component before the attack (N) and after the cascade (N').
    pub largest_before: usize,
    pub largest_after: usize,
    /// `G = N'/N` (0 for an empty graph).
    pub g: f64,
}

impl Outcome {
    pub fn steps(&self) -> usize {
        self.failed_per_step.len()
    }
}

/// Remove `initial`, then fail overloaded nodes until none is. Each step costs one
/// betweenness computation, O(n·m).
pub fn cascade(graph: &Csr<u32>, initial: &[u32], alpha: f64) -> Outcome {
    let n = graph.rows();
    let mut alive = vec![true; n];
    let initial_load = betweenness(graph, &alive);
    let capacity: Vec<f64> = initial_load.iter().map(|&l| (1.0 + alpha) * l).collect();
    let largest_before = largest_component(graph, &alive);
    for &v in initial {
        alive[v as usize] = false;
    }
    let mut failed_per_step = Vec::new();
    loop {
        let load = betweenness(graph, &alive);
        let overloaded: Vec<u32> = (0..n as u32)
            .filter(|&v| {
                let v = v as usize;
                alive[v] && load[v] > capacity[v] + 1e-9 * capacity[v].max(1.0)
            })
            .collect();
        if overloaded.is_empty() {
            break;
        }
        for &v in &overloaded {
            alive[v as usize] = false;
        }
        failed_per_step.push(overloaded);
    }
    let largest_after = largest_component(graph, &alive);
    Outcome {
        g: if largest_before == 0 { 0.0 } else { largest_after as f64 / largest_before as f64 },
        alive,
        failed_per_step,
        largest_before,
        largest_after,
    }
}

/// Size of the largest connected component of the `alive` nodes.
pub fn largest_component(graph: &Csr<u32>, alive: &[bool]) -> usize {
    let n = graph.rows();
    let mut seen = vec![false; n];
    let mut queue = Vec::new();
    let mut largest = 0;
    for start in 0..n {
        if !alive[start] || seen[start] {
            continue;
        }
        seen[start] = true;
        queue.clear();
        queue.push(start as u32);
        let mut head = 0;
        while head < queue.len() {
            let v = queue[head];
            head += 1;
            for &w in graph.row(v) {
                if alive[w as usize] && !seen[w as usize] {
                    seen[w as usize] = true;
                    queue.push(w);
                }
            }
        }
        largest = largest.max(queue.len());
    }
    largest
}
