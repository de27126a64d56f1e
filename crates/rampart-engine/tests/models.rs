//! The models of METHODS.md §1.1 checked against hand-worked examples, published
//! results and brute-force oracles.

use proptest::prelude::*;
use rampart_engine::connectivity::{self, Network};
use rampart_engine::csr::{undirected, Csr};
use rampart_engine::iim::{self, Iim, IimError, InterdependencyMatrix};
use rampart_engine::{motter_lai, percolation};

fn close(a: f64, b: f64, tolerance: f64) -> bool {
    (a - b).abs() <= tolerance
}

fn all(n: usize) -> Vec<bool> {
    vec![true; n]
}

fn mask(n: usize, on: &[u32]) -> Vec<bool> {
    let mut m = vec![false; n];
    for &v in on {
        m[v as usize] = true;
    }
    m
}

/// Oracle: per node, how many served nodes stop being served when it alone fails
/// (itself included), by one search per node.
fn brute_force_loss(graph: &Csr<u32>, sources: &[bool], weight: &[f64]) -> Vec<f64> {
    let n = graph.rows();
    let before = connectivity::served(graph, &all(n), sources);
    (0..n)
        .map(|v| {
            let mut working = all(n);
            working[v] = false;
            let after = connectivity::served(graph, &working, sources);
            (0..n).filter(|&u| before[u] && !after[u]).map(|u| weight[u]).sum()
        })
        .collect()
}

fn number_of_components(graph: &Csr<u32>, alive: &[bool]) -> usize {
    let n = graph.rows();
    let mut seen = vec![false; n];
    let mut count = 0;
    for s in 0..n {
        if alive[s] && !seen[s] {
            count += 1;
            let mut stack = vec![s as u32];
            seen[s] = true;
            while let Some(v) = stack.pop() {
                for &w in graph.row(v) {
                    if alive[w as usize] && !seen[w as usize] {
                        seen[w as usize] = true;
                        stack.push(w);
                    }
                }
            }
        }
    }
    count
}

/// Node count, arcs or edges, source flags, node weights.
type SmallGraph = (usize, Vec<(u32, u32)>, Vec<bool>, Vec<f64>);

fn small_graph() -> impl Strategy<Value = SmallGraph> {
    (1usize..14).prop_flat_map(|n| {
        (
            Just(n),
            prop::collection::vec((0..n as u32, 0..n as u32), 0..3 * n),
            prop::collection::vec(prop::bool::weighted(0.25), n),
            prop::collection::vec(0.0f64..10.0, n),
        )
    })
}

// ---------------------------------------------------------------- connectivity

#[test]
fn served_follows_arcs_through_working_nodes() {
    // 0 → 1 → 2 → 3, 4 → 3; source 0.
    let g = Csr::from_pairs(5, &[(0, 1), (1, 2), (2, 3), (4, 3)]);
    let sources = mask(5, &[0]);
    assert_eq!(connectivity::served(&g, &all(5), &sources), vec![true, true, true, true, false]);
    let working = vec![true, true, false, true, true];
    assert_eq!(connectivity::served(&g, &working, &sources), vec![true, true, false, false, false]);
    // A failed source serves nobody.
    assert_eq!(connectivity::served(&g, &[false, true, true, true, true], &sources), vec![false; 5]);
}

#[test]
fn dominators_from_two_sources() {
    // Sources 0 and 1 both feed 2; 2 feeds 3 and 4; 4 feeds 5. Only 2 and 4 matter.
    let g = Csr::from_pairs(6, &[(0, 2), (1, 2), (2, 3), (2, 4), (4, 5)]);
    let dom = connectivity::dominators_from_sources(&g, &mask(6, &[0, 1]));
    assert_eq!(dom.subtree_sizes(), vec![1, 1, 4, 1, 2, 1]);
    assert_eq!((dom.idom(2), dom.idom(5), dom.idom(0)), (None, Some(4), None));
    let people = [0.0, 0.0, 10.0, 100.0, 20.0, 5.0];
    assert_eq!(dom.subtree_weights(&people), vec![0.0, 0.0, 135.0, 100.0, 25.0, 5.0]);
}

#[test]
fn long_chains_do_not_overflow_the_stack() {
    let n = 300_000u32;
    let arcs: Vec<(u32, u32)> = (0..n - 1).map(|v| (v, v + 1)).collect();
    let directed = Csr::from_pairs(n as usize, &arcs);
    let sizes = connectivity::dominators(&directed, 0).subtree_sizes();
    assert_eq!((sizes[0], sizes[1], sizes[n as usize - 1]), (n as u64, n as u64 - 1, 1));
    let path = undirected(n as usize, &arcs);
    let b = connectivity::biconnected(&path);
    assert_eq!(b.articulation_points().len(), n as usize - 2);
    assert_eq!(b.blocks().rows(), n as usize - 1);
    let cut = b.cut_off_nodes(&mask(n as usize, &[0]));
    assert_eq!((cut[0], cut[1], cut[n as usize - 1]), (n as u64, n as u64 - 1, 1));
}

proptest! {
    #[test]
    fn dominator_subtrees_match_removal_by_brute_force((n, arcs, sources, weight) in small_graph()) {
        let g = Csr::from_pairs(n, &arcs);
        let dom = connectivity::dominators_from_sources(&g, &sources);
        let ones = vec![1.0; n];
        let expected = brute_force_loss(&g, &sources, &ones);
        let sizes: Vec<f64> = dom.subtree_sizes().into_iter().map(|s| s as f64).collect();
        prop_assert_eq!(sizes, expected);
        let weighted = dom.subtree_weights(&weight);
        let expected = brute_force_loss(&g, &sources, &weight);
        for v in 0..n {
            prop_assert!(close(weighted[v], expected[v], 1e-9));
        }
    }

    #[test]
    fn cut_off_weight_matches_removal_by_brute_force((n, edges, sources, weight) in small_graph()) {
        let g = undirected(n, &edges);
        let b = connectivity::biconnected(&g);
        let expected = brute_force_loss(&g, &sources, &weight);
        let got = b.cut_off_weight(&sources, &weight);
        for v in 0..n {
            prop_assert!(close(got[v], expected[v], 1e-9), "node {}: {} vs {}", v, got[v], expected[v]);
        }
    }

    #[test]
    fn articulation_points_and_blocks_match_definitions((n, edges, _s, _w) in small_graph()) {
        let g = undirected(n, &edges);
        let b = connectivity::biconnected(&g);
        let whole = number_of_components(&g, &all(n));
        for v in 0..n {
            let mut alive = all(n);
            alive[v] = false;
            // Removing an articulation point leaves more components among the others.
            let isolated = g.row(v as u32).iter().all(|&w| w as usize == v);
            let expected = number_of_components(&g, &alive) > whole - usize::from(isolated);
            prop_assert_eq!(b.is_articulation(v as u32), expected, "node {}", v);
        }
        // Every non-loop edge lies in exactly one block, counted once per parallel copy class.
        for &(u, v) in &edges {
            if u == v { continue; }
            let holding = (0..b.blocks().rows() as u32)
                .filter(|&k| b.blocks().row(k).contains(&u) && b.blocks().row(k).contains(&v))
                .count();
            prop_assert_eq!(holding, 1, "edge {}-{}", u, v);
        }
        // The block-cut tree is a forest: edges = nodes − components.
        let tree = b.block_cut_tree();
        let tree_nodes = tree.tree.rows();
        let tree_components = number_of_components(&tree.tree, &all(tree_nodes));
        prop_assert_eq!(tree.tree.len() / 2, tree_nodes - tree_components);
    }

    #[test]
    fn served_set_shrinks_with_the_working_set(
        (n, arcs, sources, _w) in small_graph(),
        failures in prop::collection::vec(any::<prop::sample::Index>(), 0..6),
    ) {
        let g = Csr::from_pairs(n, &arcs);
        let mut working = all(n);
        let mut previous = connectivity::served(&g, &working, &sources);
        for f in failures {
            working[f.index(n)] = false;
            let now = connectivity::served(&g, &working, &sources);
            for v in 0..n {
                prop_assert!(!now[v] || previous[v]);
            }
            previous = now;
        }
    }
}

/// Lengths aligned with the adjacency items of `undirected(n, edges)`.
fn lengths_for(g: &Csr<u32>, edges: &[(u32, u32)], length: &[f64]) -> Vec<f64> {
    let mut out = Vec::with_capacity(g.len());
    for v in 0..g.rows() as u32 {
        for &w in g.row(v) {
            let i = edges.iter().position(|&(a, b)| (a, b) == (v, w) || (a, b) == (w, v)).unwrap_or(0);
            out.push(length[i]);
        }
    }
    out
}

#[test]
fn openquake_metrics_on_a_path_worked_by_hand() {
    // 0 — 1 — 2 — 3, sources 0 and 3, demand nodes 1 and 2, unit lengths, N = 4.
    // Baseline: NS0 = 2 for both; Σ1/d = 1 + 1/2 so WS0 = 3 for both.
    // Eff0 = (1 + 1/2 + 1/3)/3 = 11/18 at the ends, (1 + 1 + 1/2)/3 = 15/18 inside: Σ = 52/18.
    let g = undirected(4, &[(0, 1), (1, 2), (2, 3)]);
    let sources = mask(4, &[0, 3]);
    let demand = mask(4, &[1, 2]);
    let baseline = Network::new(&g);
    let eff0 = connectivity::efficiency(&baseline);
    assert!(close(eff0[0], 11.0 / 18.0, 1e-12) && close(eff0[1], 15.0 / 18.0, 1e-12));

    // Source 3 fails. NS = 1, 1. WS(1) = 1·1 = 1, WS(2) = 1·(1/2). Eff with N = 4 still:
    // (1 + 1/2)/3, (1 + 1)/3, (1 + 1/2)/3, 0 → Σ = 30/18.
    // PCL = mean(1/2, 1/2) = 1/2; WCL = mean(1 − 1/3, 1 − 1/6) = 3/4; CCL = 0;
    // EL = 1 − 30/52 = 11/26.
    let working = vec![true, true, true, false];
    let damaged = Network::new(&g).with_working(&working);
    let loss = connectivity::connectivity_loss(&baseline, &damaged, &sources, &demand);
    assert!(close(loss.partial.unwrap_or(f64::NAN), 0.5, 1e-12));
    assert!(close(loss.weighted.unwrap_or(f64::NAN), 0.75, 1e-12));
    assert!(close(loss.complete.unwrap_or(f64::NAN), 0.0, 1e-12));
    assert!(close(loss.efficiency_loss.unwrap_or(f64::NAN), 11.0 / 26.0, 1e-12));
    assert!(close(loss.node_efficiency_loss[3], 1.0, 1e-12));

    // Node 1 fails instead: demand 1 loses everything, demand 2 keeps source 3 at d = 1.
    // PCL = mean(1, 1/2) = 3/4; WCL = mean(1, 1 − 1/3) = 5/6; CCL = 1 − 1/2 = 1/2.
    let working = vec![true, false, true, true];
    let damaged = Network::new(&g).with_working(&working);
    let loss = connectivity::connectivity_loss(&baseline, &damaged, &sources, &demand);
    assert!(close(loss.partial.unwrap_or(f64::NAN), 0.75, 1e-12));
    assert!(close(loss.weighted.unwrap_or(f64::NAN), 5.0 / 6.0, 1e-12));
    assert!(close(loss.complete.unwrap_or(f64::NAN), 0.5, 1e-12));
}

#[test]
fn openquake_metrics_with_lengths_use_dijkstra() {
    // 0 —2— 1 —1— 2 —1— 3, plus a long chord 0 —5— 3. Distances from 0: 0, 2, 3, 4.
    let edges = [(0, 1), (1, 2), (2, 3), (0, 3)];
    let g = undirected(4, &edges);
    let lengths = lengths_for(&g, &edges, &[2.0, 1.0, 1.0, 5.0]);
    let network = Network::new(&g).with_lengths(&lengths);
    let eff = connectivity::efficiency(&network);
    assert!(close(eff[0], (1.0 / 2.0 + 1.0 / 3.0 + 1.0 / 4.0) / 3.0, 1e-12));
    let reach = connectivity::source_reach(&network, &mask(4, &[0]));
    assert_eq!(reach.sources_reaching, vec![1, 1, 1, 1]);
    assert!(close(reach.inverse_distance_sum[3], 0.25, 1e-12));
    // Cut edge 2–3 by removing its arcs: 3 is now reached by the chord at 5.
    let cut = undirected(4, &[(0, 1), (1, 2), (0, 3)]);
    let cut_lengths = lengths_for(&cut, &[(0, 1), (1, 2), (0, 3)], &[2.0, 1.0, 5.0]);
    let damaged = Network::new(&cut).with_lengths(&cut_lengths);
    let loss = connectivity::connectivity_loss(&network, &damaged, &mask(4, &[0]), &mask(4, &[3]));
    // WS0 = 1·(1/4), WS = 1·(1/5): WCL = 1 − 4/5; PCL = 0.
    assert!(close(loss.weighted.unwrap_or(f64::NAN), 0.2, 1e-12));
    assert!(close(loss.partial.unwrap_or(f64::NAN), 0.0, 1e-12));
}

// ---------------------------------------------------------------- percolation

#[test]
fn coupled_erdos_renyi_collapse_at_the_published_threshold() {
    // Buldyrev et al. (2010): two ER networks with ⟨k⟩ = 4 coupled one-to-one collapse
    // at p_c = 2.4554/⟨k⟩ ≈ 0.614 — a first-order transition.
    let points = percolation::coupled_erdos_renyi_sweep(20_000, 4.0, &[0.58, 0.66], &[1, 2, 3]);
    let (below, above) = (&points[0], &points[1]);
    assert!(below.mean_fraction < 0.05, "P∞ at p = 0.58: {:?}", below.fractions);
    assert!(above.mean_fraction > 0.3, "P∞ at p = 0.66: {:?}", above.fractions);
    // Theory at p = 0.66: x = p(1 − e^{−4x})².
    let theory = percolation::coupled_erdos_renyi_theory(4.0, 0.66);
    assert!(close(above.mean_fraction, theory, 0.05), "{} vs theory {}", above.mean_fraction, theory);
    assert_eq!(percolation::coupled_erdos_renyi_theory(4.0, 0.58), 0.0);
}

#[test]
fn coupled_erdos_renyi_without_attack_matches_the_self_consistent_equation() {
    // p = 1: x = (1 − e^{−4x})² gives P∞ = 0.95696.
    let theory = percolation::coupled_erdos_renyi_theory(4.0, 1.0);
    assert!(close(theory, 0.95696, 1e-5));
    let points = percolation::coupled_erdos_renyi_sweep(20_000, 4.0, &[1.0], &[7, 8]);
    assert!(close(points[0].mean_fraction, theory, 0.01), "{:?}", points[0].fractions);
}

#[test]
fn erdos_renyi_has_the_requested_mean_degree_and_is_seeded() {
    let g = percolation::erdos_renyi(50_000, 4.0, 11);
    let mean = g.len() as f64 / g.rows() as f64;
    assert!(close(mean, 4.0, 0.05), "mean degree {mean}");
    assert_eq!(g, percolation::erdos_renyi(50_000, 4.0, 11));
    assert_ne!(g, percolation::erdos_renyi(50_000, 4.0, 12));
}

#[test]
fn gao_chain_of_three_networks() {
    // Three identical paths 0-1-2-3-4, B depends on A and C on B node by node (a chain
    // without feedback). Removing node 2 of A splits A; the largest piece is {0, 1}
    // (ties go to the lowest node), so 3 and 4 fail in A, then in B and C.
    let path = undirected(5, &[(0, 1), (1, 2), (2, 3), (3, 4)]);
    let link = |from: usize, to: usize| -> Vec<percolation::Dependency> {
        (0..5)
            .map(|i| percolation::Dependency {
                dependent: percolation::NodeRef { network: to, node: i },
                supplier: percolation::NodeRef { network: from, node: i },
            })
            .collect()
    };
    let mut dependencies = link(0, 1);
    dependencies.extend(link(1, 2));
    let working = vec![vec![true, true, false, true, true], all(5), all(5)];
    let outcome = percolation::cascade(&[&path, &path, &path], &dependencies, working);
    for network in 0..3 {
        assert_eq!(outcome.functional[network], vec![true, true, false, false, false]);
    }
    assert!(close(outcome.total_fraction, 0.4, 1e-12));
    assert_eq!(outcome.steps, 1);
}

#[test]
fn the_largest_cluster_rule_is_not_monotone_in_removals() {
    // A: a 4-path 0-1-2-3 and a 3-path 4-5-6. B: only 4-5-6 connected.
    // Nothing removed: A keeps {0..3}, B then has four isolated nodes → one survives.
    // Removing 0 and 1 makes {4, 5, 6} the largest in A, connected in B too → 3 survive.
    let a = undirected(7, &[(0, 1), (1, 2), (2, 3), (4, 5), (5, 6)]);
    let b = undirected(7, &[(4, 5), (5, 6)]);
    let deps = percolation::one_to_one(0, 1, 7);
    let run = |working_a: Vec<bool>| percolation::cascade(&[&a, &b], &deps, vec![working_a, all(7)]);
    let fewer = run(all(7));
    let more = run(vec![false, false, true, true, true, true, true]);
    assert_eq!(fewer.functional[0].iter().filter(|&&w| w).count(), 1);
    assert_eq!(more.functional[0].iter().filter(|&&w| w).count(), 3);
}

/// Node count, edges of A, edges of B, working flags of A.
type TwoNetworks = (usize, Vec<(u32, u32)>, Vec<(u32, u32)>, Vec<bool>);

fn two_networks() -> impl Strategy<Value = TwoNetworks> {
    (1usize..16).prop_flat_map(|n| {
        (
            Just(n),
            prop::collection::vec((0..n as u32, 0..n as u32), 0..3 * n),
            prop::collection::vec((0..n as u32, 0..n as u32), 0..3 * n),
            prop::collection::vec(prop::bool::weighted(0.8), n),
        )
    })
}

proptest! {
    #[test]
    fn a_cascade_ends_in_a_mutually_connected_fixed_point((n, ea, eb, working) in two_networks()) {
        let (a, b) = (undirected(n, &ea), undirected(n, &eb));
        let deps = percolation::one_to_one(0, 1, n);
        let outcome = percolation::cascade(&[&a, &b], &deps, vec![working.clone(), all(n)]);
        for (v, &was_working) in working.iter().enumerate() {
            // Survivors were working, and each survives with its partner.
            prop_assert!(!outcome.functional[0][v] || was_working);
            prop_assert_eq!(outcome.functional[0][v], outcome.functional[1][v]);
        }
        // Each network's survivors form one cluster.
        for (g, alive) in [(&a, &outcome.functional[0]), (&b, &outcome.functional[1])] {
            prop_assert!(number_of_components(g, alive) <= 1);
        }
        prop_assert!(close(outcome.fraction[0], outcome.fraction[1], 1e-12));
    }

    #[test]
    fn one_network_giant_cluster_never_grows_as_the_attack_deepens(
        (n, edges, _s, _w) in small_graph(), seed in any::<u64>(),
    ) {
        // Without dependencies the model is plain percolation, which is monotone.
        let g = undirected(n, &edges);
        let mut previous = usize::MAX;
        for step in 0..=10 {
            let p = 1.0 - step as f64 / 10.0;
            let working = percolation::random_attack(n, p, seed);
            let outcome = percolation::cascade(&[&g], &[], vec![working]);
            let size = outcome.functional[0].iter().filter(|&&w| w).count();
            prop_assert!(size <= previous);
            previous = size;
        }
    }

    #[test]
    fn for_one_seed_a_smaller_p_removes_a_superset(n in 0usize..200, seed in any::<u64>()) {
        let mut previous = all(n);
        for step in 0..=20 {
            let working = percolation::random_attack(n, 1.0 - step as f64 / 20.0, seed);
            for v in 0..n {
                prop_assert!(!working[v] || previous[v]);
            }
            previous = working;
        }
    }
}

// ---------------------------------------------------------------- Motter–Lai

#[test]
fn betweenness_of_a_path_and_a_star_by_hand() {
    // Path 0-1-2-3-4, ordered pairs: node 1 lies on (0,2),(0,3),(0,4) both ways = 6;
    // node 2 on (0,3),(0,4),(1,3),(1,4) both ways = 8.
    let path = undirected(5, &[(0, 1), (1, 2), (2, 3), (3, 4)]);
    assert_eq!(motter_lai::betweenness(&path, &all(5)), vec![0.0, 6.0, 8.0, 6.0, 0.0]);
    // Star: the centre carries all 4·3 ordered leaf pairs.
    let star = undirected(5, &[(0, 1), (0, 2), (0, 3), (0, 4)]);
    assert_eq!(motter_lai::betweenness(&star, &all(5)), vec![12.0, 0.0, 0.0, 0.0, 0.0]);
    // Square 0-1-2-3-0: the opposite pair 1, 3 has two shortest paths, via 0 and via 2,
    // so (1,3) and (3,1) each give node 0 one half → 1.
    let square = undirected(4, &[(0, 1), (1, 2), (2, 3), (3, 0)]);
    assert_eq!(motter_lai::betweenness(&square, &all(4)), vec![1.0; 4]);
}

#[test]
fn cascade_on_a_six_cycle_by_hand() {
    // In the cycle C6 every node carries load 4: each ordered pair at distance 2 (12 of
    // them) puts 1 on its middle node, each at distance 3 (6) puts 1/2 on four nodes:
    // (12 + 12)/6 = 4. Removing node 0 leaves the path 1-2-3-4-5 with loads
    // 0, 6, 8, 6, 0.
    let cycle = undirected(6, &[(0, 1), (1, 2), (2, 3), (3, 4), (4, 5), (5, 0)]);
    assert_eq!(motter_lai::betweenness(&cycle, &all(6)), vec![4.0; 6]);
    // α = 0.4: capacity 5.6, nodes 2, 3, 4 fail together; 1 and 5 are left alone.
    let o = motter_lai::cascade(&cycle, &[0], 0.4);
    assert_eq!((o.failed_per_step.clone(), o.largest_after), (vec![vec![2, 3, 4]], 1));
    assert!(close(o.g, 1.0 / 6.0, 1e-12));
    // α = 0.6: capacity 6.4, only node 3 fails; {1, 2} and {4, 5} carry no load.
    let o = motter_lai::cascade(&cycle, &[0], 0.6);
    assert_eq!((o.failed_per_step.clone(), o.largest_after), (vec![vec![3]], 2));
    // α = 1: capacity 8 holds the load of 8 exactly; no overload.
    let o = motter_lai::cascade(&cycle, &[0], 1.0);
    assert_eq!((o.steps(), o.largest_after), (0, 5));
    assert!(close(o.g, 5.0 / 6.0, 1e-12));
}

#[test]
fn a_large_tolerance_stops_the_cascade_at_the_initial_removal() {
    let g = percolation::erdos_renyi(300, 3.0, 5);
    let hub = (0..300u32).max_by_key(|&v| g.row(v).len()).unwrap_or(0);
    let alpha_large = motter_lai::cascade(&g, &[hub], 1_000.0);
    assert_eq!(alpha_large.steps(), 0);
    let mut alive = all(300);
    alive[hub as usize] = false;
    assert_eq!(alpha_large.largest_after, motter_lai::largest_component(&g, &alive));
    // With no tolerance at all, removing the hub overloads someone.
    assert!(motter_lai::cascade(&g, &[hub], 0.0).steps() >= 1);
}

/// Oracle: betweenness from all-pairs BFS path counts.
fn brute_force_betweenness(g: &Csr<u32>) -> Vec<f64> {
    let n = g.rows();
    let bfs = |s: usize| {
        let (mut d, mut sigma) = (vec![usize::MAX; n], vec![0.0f64; n]);
        d[s] = 0;
        sigma[s] = 1.0;
        let mut queue = std::collections::VecDeque::from([s]);
        while let Some(v) = queue.pop_front() {
            for &w in g.row(v as u32) {
                let w = w as usize;
                if d[w] == usize::MAX {
                    d[w] = d[v] + 1;
                    queue.push_back(w);
                }
                if d[w] == d[v] + 1 {
                    sigma[w] += sigma[v];
                }
            }
        }
        (d, sigma)
    };
    let table: Vec<_> = (0..n).map(bfs).collect();
    let mut load = vec![0.0; n];
    for s in 0..n {
        for t in 0..n {
            let (ds, ss) = &table[s];
            if s == t || ds[t] == usize::MAX {
                continue;
            }
            for v in (0..n).filter(|&v| v != s && v != t) {
                let (dv, sv) = &table[v];
                if ds[v] != usize::MAX && dv[t] != usize::MAX && ds[v] + dv[t] == ds[t] {
                    load[v] += ss[v] * sv[t] / ss[t];
                }
            }
        }
    }
    load
}

proptest! {
    #[test]
    fn brandes_matches_all_pairs_path_counting((n, edges, _s, _w) in small_graph()) {
        let edges: Vec<(u32, u32)> = {
            let mut e: Vec<(u32, u32)> = edges.into_iter().filter(|(a, b)| a != b).map(|(a, b)| (a.min(b), a.max(b))).collect();
            e.sort_unstable();
            e.dedup();
            e
        };
        let g = undirected(n, &edges);
        let fast = motter_lai::betweenness(&g, &all(n));
        let slow = brute_force_betweenness(&g);
        for v in 0..n {
            prop_assert!(close(fast[v], slow[v], 1e-9), "node {}: {} vs {}", v, fast[v], slow[v]);
        }
    }
}

// ---------------------------------------------------------------- IIM

fn matrix(sectors: &[&str], values: &[f64]) -> InterdependencyMatrix {
    let names = sectors.iter().map(|s| s.to_string()).collect();
    InterdependencyMatrix::new(names, values.to_vec()).unwrap_or_else(|e| panic!("{e}"))
}

#[test]
fn two_sector_static_inoperability_by_hand() {
    // A* = [[0, 0.9], [0.4, 0]]: I − A* = [[1, −0.9], [−0.4, 1]], det = 1 − 0.36 = 0.64,
    // (I − A*)⁻¹ = [[1, 0.9], [0.4, 1]] / 0.64.
    // c* = (0.1, 0): q = (0.1/0.64, 0.04/0.64) = (0.15625, 0.0625).
    let model = Iim::new(matrix(&["power", "water"], &[0.0, 0.9, 0.4, 0.0])).unwrap_or_else(|e| panic!("{e}"));
    let q = model.solve(&[0.1, 0.0]).unwrap_or_else(|e| panic!("{e}"));
    assert!(close(q.inoperability[0], 0.15625, 1e-12) && close(q.inoperability[1], 0.0625, 1e-12));
    // c* = (0, 0.2): q = (0.18/0.64, 0.2/0.64) = (0.28125, 0.3125).
    let q = model.solve(&[0.0, 0.2]).unwrap_or_else(|e| panic!("{e}"));
    assert!(close(q.inoperability[0], 0.28125, 1e-12) && close(q.inoperability[1], 0.3125, 1e-12));
    // c* = (1, 0): q = (1.5625, 0.625) before clipping, (1, 0.625) after.
    let q = model.solve(&[1.0, 0.0]).unwrap_or_else(|e| panic!("{e}"));
    assert!(close(q.unclipped[0], 1.5625, 1e-12));
    assert_eq!(q.inoperability[0], 1.0);
    // Economic loss with outputs x = (200, 50): 200·1 + 50·0.625 = 231.25.
    assert!(close(iim::economic_loss(&[200.0, 50.0], &q.inoperability), 231.25, 1e-9));
}

#[test]
fn three_sector_static_inoperability_by_hand() {
    // A* = [[0, .2, .1], [.3, 0, .2], [.1, .4, 0]], c* = (0.1, 0, 0).
    // det(I − A*) = 1·(1 − .08) + .2·(−.3 − .02) − .1·(.12 + .1) = .92 − .064 − .022 = .834.
    // First column of the inverse = cofactors (0.92, 0.32, 0.22)/0.834, so
    // q = 0.1·(0.92, 0.32, 0.22)/0.834 = (0.1103118, 0.0383693, 0.0263789).
    let a = matrix(&["energy", "transport", "ict"], &[0.0, 0.2, 0.1, 0.3, 0.0, 0.2, 0.1, 0.4, 0.0]);
    let q = Iim::new(a).and_then(|m| m.solve(&[0.1, 0.0, 0.0])).unwrap_or_else(|e| panic!("{e}"));
    let expected = [0.092 / 0.834, 0.032 / 0.834, 0.022 / 0.834];
    for (i, (&got, &want)) in q.inoperability.iter().zip(&expected).enumerate() {
        assert!(close(got, want, 1e-12), "sector {i}: {got}");
    }
}

#[test]
fn dynamic_model_converges_to_the_static_solution() {
    let a = matrix(&["energy", "transport", "ict"], &[0.0, 0.2, 0.1, 0.3, 0.0, 0.2, 0.1, 0.4, 0.0]);
    let model = Iim::new(a).unwrap_or_else(|e| panic!("{e}"));
    let c = vec![0.1, 0.0, 0.05];
    let fixed = model.solve(&c).unwrap_or_else(|e| panic!("{e}"));
    let run = model
        .dynamic(&[0.5, 0.2, 0.8], &[0.0; 3], 400, |_| c.clone(), Some(&[10.0, 20.0, 30.0]))
        .unwrap_or_else(|e| panic!("{e}"));
    let last = &run.inoperability[400];
    for (i, (&got, &want)) in last.iter().zip(&fixed.inoperability).enumerate() {
        assert!(close(got, want, 1e-9), "sector {i}: {got} vs {want}");
    }
    let losses = run.economic_loss.unwrap_or_default();
    assert_eq!(losses.len(), 401);
    assert!(close(losses[400], iim::economic_loss(&[10.0, 20.0, 30.0], &fixed.inoperability), 1e-7));
    // One step from q = 0 with K = diag(0.5, 0.2, 0.8): q(1) = K c* = (0.05, 0, 0.04).
    assert!(close(run.inoperability[1][0], 0.05, 1e-12) && close(run.inoperability[1][2], 0.04, 1e-12));
    // A perturbation that stops lets every sector recover.
    let recovery = model
        .dynamic(&[0.5, 0.2, 0.8], &[0.0; 3], 600, |t| if t < 10 { c.clone() } else { vec![0.0; 3] }, None)
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(recovery.inoperability[600].iter().all(|&q| q < 1e-9));
}

#[test]
fn demand_reduction_and_technical_coefficients() {
    // Santos & Haimes: c*_i = δf_i / x_i.
    assert_eq!(iim::demand_reduction_perturbation(&[5.0, 0.0], &[50.0, 0.0]), vec![0.1, 0.0]);
    // a*_ij = a_ij x_j / x_i: a_12 = 0.3 with x = (100, 50) gives a*_12 = 0.15.
    let a = InterdependencyMatrix::from_technical(vec!["a".into(), "b".into()], &[0.0, 0.3, 0.2, 0.0], &[100.0, 50.0])
        .unwrap_or_else(|e| panic!("{e}"));
    assert!(close(a.get(0, 1), 0.15, 1e-12) && close(a.get(1, 0), 0.4, 1e-12));
}

#[test]
fn parses_matrix_and_perturbation_files() {
    let text = "\u{feff}sector,Energy,\"Water, waste\"\n# a comment\nEnergy,0,0.9\n\n\"Water, waste\",0.4,0\n";
    let a = iim::parse_matrix("deps.csv", text.as_bytes()).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(a.sectors(), &["Energy".to_string(), "Water, waste".to_string()]);
    assert_eq!(a.get(0, 1), 0.9);
    let c = iim::parse_perturbation("shock.csv", "sector,value\nWater, waste,0.2\n".as_bytes(), a.sectors());
    assert!(matches!(c, Err(IimError::FieldCount { line: 2, found: 3, .. })));
    let c = iim::parse_perturbation("shock.csv", "sector,value\n\"Water, waste\",0.2\n".as_bytes(), a.sectors())
        .unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(c, vec![0.0, 0.2]);
}

#[test]
fn matrix_errors_name_file_line_and_field() {
    let parse = |text: &str| iim::parse_matrix("deps.csv", text.as_bytes()).map(|_| ()).expect_err("must fail");
    let e = parse("s,A,B\nA,0,0.1,0.2\nB,0,0\n");
    assert_eq!(e, IimError::NotSquare { file: "deps.csv".into(), line: 2, expected: 2, found: 3 });
    let e = parse("s,A,B\nA,0,0.1\nC,0,0\n");
    assert_eq!(e, IimError::UnknownSector { file: "deps.csv".into(), line: 3, sector: "C".into() });
    let e = parse("s,A,B\nB,0,0.1\nA,0,0\n");
    assert!(matches!(e, IimError::RowOrder { line: 2, .. }));
    let e = parse("s,A,B\nA,0,0.1\n");
    assert!(matches!(e, IimError::RowCount { expected: 2, found: 1, .. }));
    let e = parse("s,A,B\nA,0,NaN\nB,0,0\n");
    assert_eq!(e, IimError::NotANumber { file: "deps.csv".into(), line: 2, field: "B".into(), text: "NaN".into() });
    let e = parse("s,A,B\nA,0,x\nB,0,0\n");
    assert!(matches!(e, IimError::NotANumber { line: 2, .. }));
    let e = parse("s,A,B\nA,0,0.1\nB,1.5,0\n");
    assert_eq!(e, IimError::OutOfRange { file: "deps.csv".into(), line: 3, field: "A".into(), value: 1.5 });
    assert!(e.to_string().starts_with("deps.csv:3, field \"A\""), "{e}");
    let e = parse("");
    assert!(matches!(e, IimError::Empty { .. }));

    let sectors = vec!["A".to_string(), "B".to_string()];
    let perturbation = |text: &str| iim::parse_perturbation("shock.csv", text.as_bytes(), &sectors).expect_err("must fail");
    assert_eq!(perturbation("A,0.1\nZ,0.2\n"), IimError::UnknownSector { file: "shock.csv".into(), line: 2, sector: "Z".into() });
    assert!(matches!(perturbation("A,-0.1\n"), IimError::OutOfRange { line: 1, .. }));
    assert!(matches!(perturbation("A,nan\n"), IimError::NotANumber { line: 1, .. }));
    assert!(matches!(perturbation("A,0.1\nA,0.2\n"), IimError::Duplicate { line: 2, .. }));
}

#[test]
fn singular_leontief_matrix_is_reported() {
    // A* = [[0, 1], [1, 0]]: each sector passes on all of its inoperability; I − A* has
    // rows (1, −1), (−1, 1) and no inverse.
    let e = Iim::new(matrix(&["A", "B"], &[0.0, 1.0, 1.0, 0.0])).map(|_| ()).expect_err("must fail");
    assert!(matches!(e, IimError::Singular { .. }), "{e}");
    assert!(e.to_string().contains("singular"));
}

proptest! {
    #[test]
    fn lu_solves_diagonally_dominant_systems(
        n in 1usize..8,
        raw in prop::collection::vec(0.0f64..1.0, 64),
        c in prop::collection::vec(0.0f64..1.0, 8),
    ) {
        // Scale rows so each sums to at most 0.9: I − A* is then invertible.
        let mut values = vec![0.0; n * n];
        for i in 0..n {
            let row_sum: f64 = (0..n).map(|j| raw[i * 8 + j]).sum::<f64>().max(1e-9);
            for j in 0..n {
                values[i * n + j] = raw[i * 8 + j] / row_sum * 0.9;
            }
        }
        let names = (0..n).map(|i| format!("s{i}")).collect();
        let a = InterdependencyMatrix::new(names, values).unwrap_or_else(|e| panic!("{e}"));
        let model = Iim::new(a.clone()).unwrap_or_else(|e| panic!("{e}"));
        let q = model.solve(&c[..n]).unwrap_or_else(|e| panic!("{e}")).unclipped;
        let spread = a.apply(&q);
        for i in 0..n {
            prop_assert!(close(q[i] - spread[i], c[i], 1e-9));
        }
    }
}
