//! Cascades of failures in interdependent networks (METHODS.md §1.1, percolation rule):
//! S. V. Buldyrev, R. Parshani, G. Paul, H. E. Stanley, S. Havlin, "Catastrophic
//! cascade of failures in interdependent networks", Nature 464:1025–1028 (2010), for two
//! networks with one-to-one mutual dependency; J. Gao, S. V. Buldyrev, S. Havlin,
//! H. E. Stanley, "Networks formed from interdependent networks", Nature Physics 8:40–48
//! (2012), arXiv:1108.5515, for n networks.
//!
//! The rule: in each network only the largest connected cluster of working nodes
//! functions; a node whose supplier (in another network, or the same) has failed fails
//! too. Networks are fragmented in list order, each step followed by the dependency
//! failures it causes, round after round until a whole round changes nothing.
//!
//! Conventions: a node with several suppliers fails when any one fails; among clusters
//! of equal largest size the one holding the lowest node number is kept. The outcome
//! of the largest-cluster rule is *not* monotone in the set of removed nodes on small
//! graphs (removing more can make a different cluster the largest); on large random
//! graphs the fluctuation vanishes.

use crate::csr::Csr;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

/// A node of one network in a system of networks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NodeRef {
    pub network: usize,
    pub node: u32,
}

/// `dependent` works only while `supplier` works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Dependency {
    pub dependent: NodeRef,
    pub supplier: NodeRef,
}

/// The one-to-one mutual dependency of Buldyrev et al.: node `i` of network `a` and node
/// `i` of network `b` depend on each other, for `i < n`.
pub fn one_to_one(a: usize, b: usize, n: usize) -> Vec<Dependency> {
    let mut dependencies = Vec::with_capacity(2 * n);
    for i in 0..n as u32 {
        let (x, y) = (NodeRef { network: a, node: i }, NodeRef { network: b, node: i });
        dependencies.push(Dependency { dependent: x, supplier: y });
        dependencies.push(Dependency { dependent: y, supplier: x });
    }
    dependencies
}

/// The final state of a cascade.
#[derive(Debug, Clone, PartialEq)]
pub struct Outcome {
    /// Per network, per node: still functional at the end.
    pub functional: Vec<Vec<bool>>,
    /// Per network, the fraction of its nodes still functional (P∞ of that network).
    pub fraction: Vec<f64>,
    /// Functional nodes over all nodes of all networks.
    pub total_fraction: f64,
    /// Steps (one network's fragmentation plus the dependency failures it caused) that
    /// removed at least one node — the "number of iterations" of the cascade.
    pub steps: u32,
}

/// Run the cascade from `working` (per network, per node). O(steps · (n + m)).
pub fn cascade(networks: &[&Csr<u32>], dependencies: &[Dependency], mut working: Vec<Vec<bool>>) -> Outcome {
    assert_eq!(networks.len(), working.len(), "one working mask per network");
    for (graph, mask) in networks.iter().zip(&working) {
        assert_eq!(graph.rows(), mask.len(), "one working flag per node");
    }
    // Dependencies as a CSR from supplier to dependents, on global node numbers.
    let mut offset = vec![0usize; networks.len() + 1];
    for (i, graph) in networks.iter().enumerate() {
        offset[i + 1] = offset[i] + graph.rows();
    }
    let global = |r: NodeRef| (offset[r.network] + r.node as usize) as u32;
    let pairs: Vec<(u32, u32)> =
        dependencies.iter().map(|d| (global(d.supplier), global(d.dependent))).collect();
    let dependents = Csr::from_pairs(offset[networks.len()], &pairs);
    let locate = |g: u32| {
        let network = offset.partition_point(|&o| o <= g as usize) - 1;
        (network, (g as usize - offset[network]) as u32)
    };

    let mut failed: Vec<u32> = Vec::new();
    for (i, mask) in working.iter().enumerate() {
        failed.extend((0..mask.len()).filter(|&v| !mask[v]).map(|v| (offset[i] + v) as u32));
    }
    propagate(&dependents, &mut working, &mut failed, &locate);

    let mut scratch = Clusters::default();
    let mut steps = 0u32;
    let mut quiet = 0usize;
    let mut network = 0usize;
    while quiet < networks.len() {
        let mut removed = scratch.keep_largest(networks[network], &mut working[network]);
        let lost = removed.len();
        for v in removed.drain(..) {
            failed.push((offset[network] + v as usize) as u32);
        }
        let cascaded = propagate(&dependents, &mut working, &mut failed, &locate);
        if lost + cascaded > 0 {
            steps += 1;
            quiet = 0;
        } else {
            quiet += 1;
        }
        scratch.removed = removed;
        network = (network + 1) % networks.len();
    }

    let fraction: Vec<f64> = working
        .iter()
        .map(|mask| if mask.is_empty() { 0.0 } else { count(mask) as f64 / mask.len() as f64 })
        .collect();
    let total: usize = working.iter().map(Vec::len).sum();
    let alive: usize = working.iter().map(|m| count(m)).sum();
    Outcome {
        total_fraction: if total == 0 { 0.0 } else { alive as f64 / total as f64 },
        functional: working,
        fraction,
        steps,
    }
}

fn count(mask: &[bool]) -> usize {
    mask.iter().filter(|&&w| w).count()
}

/// Fail every working dependent of a failed node, transitively. Returns how many failed.
fn propagate(
    dependents: &Csr<u32>,
    working: &mut [Vec<bool>],
    failed: &mut Vec<u32>,
    locate: &impl Fn(u32) -> (usize, u32),
) -> usize {
    let mut newly = 0;
    while let Some(g) = failed.pop() {
        for &d in dependents.row(g) {
            let (network, node) = locate(d);
            if working[network][node as usize] {
                working[network][node as usize] = false;
                failed.push(d);
                newly += 1;
            }
        }
    }
    newly
}

#[derive(Default)]
struct Clusters {
    label: Vec<u32>,
    queue: Vec<u32>,
    removed: Vec<u32>,
}

impl Clusters {
    /// Keep only the largest cluster of working nodes; returns the nodes it turned off.
    fn keep_largest(&mut self, graph: &Csr<u32>, working: &mut [bool]) -> Vec<u32> {
        const UNSEEN: u32 = u32::MAX;
        let n = graph.rows();
        self.label.clear();
        self.label.resize(n, UNSEEN);
        let (mut best_label, mut best_size, mut next_label) = (UNSEEN, 0usize, 0u32);
        for start in 0..n {
            if !working[start] || self.label[start] != UNSEEN {
                continue;
            }
            self.label[start] = next_label;
            self.queue.clear();
            self.queue.push(start as u32);
            let mut head = 0;
            while head < self.queue.len() {
                let v = self.queue[head];
                head += 1;
                for &w in graph.row(v) {
                    if working[w as usize] && self.label[w as usize] == UNSEEN {
                        self.label[w as usize] = next_label;
                        self.queue.push(w);
                    }
                }
            }
            if self.queue.len() > best_size {
                best_size = self.queue.len();
                best_label = next_label;
            }
            next_label += 1;
        }
        let mut removed = std::mem::take(&mut self.removed);
        removed.clear();
        for (v, works) in working.iter_mut().enumerate() {
            if *works && self.label[v] != best_label {
                *works = false;
                removed.push(v as u32);
            }
        }
        removed
    }
}

/// Keep a random fraction `p` of `n` nodes (exactly `round(p·n)`), removing the rest.
/// Nodes are removed in the order of a seeded ChaCha8 permutation, so for one seed a
/// smaller `p` removes a superset of the nodes a larger `p` removes.
pub fn random_attack(n: usize, p: f64, seed: u64) -> Vec<bool> {
    let mut order: Vec<u32> = (0..n as u32).collect();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    for i in (1..n).rev() {
        let j = rng.gen_range(0..=i);
        order.swap(i, j);
    }
    let removed = ((1.0 - p.clamp(0.0, 1.0)) * n as f64).round() as usize;
    let mut working = vec![true; n];
    for &v in &order[..removed.min(n)] {
        working[v as usize] = false;
    }
    working
}

/// An Erdős–Rényi G(n, p) graph with `p = mean_degree / (n − 1)`, as a symmetric
/// [`Csr`], drawn with the geometric skipping of V. Batagelj and U. Brandes, "Efficient
/// generation of large random networks", Phys. Rev. E 71, 036113 (2005): O(n + m).
pub fn erdos_renyi(n: usize, mean_degree: f64, seed: u64) -> Csr<u32> {
    let mut edges = Vec::new();
    if n >= 2 {
        let p = (mean_degree / (n - 1) as f64).clamp(0.0, 1.0);
        let mut rng = ChaCha8Rng::seed_from_u64(seed);
        if p >= 1.0 {
            for v in 1..n as u32 {
                edges.extend((0..v).map(|w| (v, w)));
            }
        } else if p > 0.0 {
            let log_q = (1.0 - p).ln();
            let (mut v, mut w) = (1usize, -1i64);
            while v < n {
                let r: f64 = rng.gen();
                w += 1 + ((1.0 - r).ln() / log_q).floor() as i64;
                while w >= v as i64 && v < n {
                    w -= v as i64;
                    v += 1;
                }
                if v < n {
                    edges.push((v as u32, w as u32));
                }
            }
        }
    }
    crate::csr::undirected(n, &edges)
}

/// One point of a sweep: P∞ of network 0 averaged over seeds.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepPoint {
    pub p: f64,
    /// P∞ of network 0 per seed, in seed order.
    pub fractions: Vec<f64>,
    pub mean_fraction: f64,
    pub mean_steps: f64,
}

/// For each `p` and seed, attack network `attacked` with [`random_attack`] and run the
/// [`cascade`]; other networks start fully working. Runs in parallel.
pub fn sweep(
    networks: &[&Csr<u32>],
    dependencies: &[Dependency],
    attacked: usize,
    ps: &[f64],
    seeds: &[u64],
) -> Vec<SweepPoint> {
    sweep_with(ps, seeds, |p, seed| {
        let working = networks
            .iter()
            .enumerate()
            .map(|(i, g)| if i == attacked { random_attack(g.rows(), p, seed) } else { vec![true; g.rows()] })
            .collect();
        cascade(networks, dependencies, working)
    })
}

/// Buldyrev et al.'s experiment: for each seed, two fresh Erdős–Rényi graphs of `n`
/// nodes and mean degree `k`, coupled one-to-one, network 0 attacked to keep `p`.
pub fn coupled_erdos_renyi_sweep(n: usize, k: f64, ps: &[f64], seeds: &[u64]) -> Vec<SweepPoint> {
    let dependencies = one_to_one(0, 1, n);
    let graphs: Vec<(Csr<u32>, Csr<u32>)> = seeds
        .par_iter()
        .map(|&s| (erdos_renyi(n, k, s.wrapping_mul(3)), erdos_renyi(n, k, s.wrapping_mul(3).wrapping_add(1))))
        .collect();
    let index_of = |seed: u64| seeds.iter().position(|&s| s == seed).unwrap_or(0);
    sweep_with(ps, seeds, |p, seed| {
        let (a, b) = &graphs[index_of(seed)];
        let working = vec![random_attack(n, p, seed.wrapping_mul(3).wrapping_add(2)), vec![true; n]];
        cascade(&[a, b], &dependencies, working)
    })
}

fn sweep_with(ps: &[f64], seeds: &[u64], run: impl Fn(f64, u64) -> Outcome + Sync) -> Vec<SweepPoint> {
    let jobs: Vec<(usize, usize)> =
        (0..ps.len()).flat_map(|i| (0..seeds.len()).map(move |j| (i, j))).collect();
    let outcomes: Vec<Outcome> = jobs.par_iter().map(|&(i, j)| run(ps[i], seeds[j])).collect();
    ps.iter()
        .enumerate()
        .map(|(i, &p)| {
            let runs = &outcomes[i * seeds.len()..(i + 1) * seeds.len()];
            let fractions: Vec<f64> = runs.iter().map(|o| o.fraction.first().copied().unwrap_or(0.0)).collect();
            let count = seeds.len().max(1) as f64;
            SweepPoint {
                p,
                mean_fraction: fractions.iter().sum::<f64>() / count,
                mean_steps: runs.iter().map(|o| f64::from(o.steps)).sum::<f64>() / count,
                fractions,
            }
        })
        .collect()
}

/// The theory for two Erdős–Rényi networks of equal mean degree `k` coupled one-to-one
/// (Buldyrev et al. 2010): P∞ = x solving `x = p·(1 − e^{−k·x})²`, the largest root, or 0
/// below the threshold `p_c = 2.4554/k`. Solved by fixed-point iteration from x = p.
pub fn coupled_erdos_renyi_theory(k: f64, p: f64) -> f64 {
    let mut x = p;
    for _ in 0..10_000 {
        let next = p * (1.0 - (-k * x).exp()).powi(2);
        if (next - x).abs() < 1e-14 {
            return next;
        }
        x = next;
    }
    if x < 1e-6 {
        0.0
    } else {
        x
    }
}
