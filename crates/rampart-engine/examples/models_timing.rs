//! Rough timings of the analysis models, printed as a Markdown table.
//!
//! `cargo run --release -p rampart-engine --example models_timing [nodes]`
//! (default 1,000,000 nodes for the linear-time connectivity algorithms).

use rampart_engine::connectivity::{self, Network};
use rampart_engine::csr::{undirected, Csr};
use rampart_engine::iim::{Iim, InterdependencyMatrix};
use rampart_engine::{motter_lai, percolation};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use std::time::Instant;

fn time<T>(rows: &mut Vec<(String, f64)>, label: &str, run: impl FnOnce() -> T) -> T {
    let start = Instant::now();
    let value = run();
    rows.push((label.to_string(), start.elapsed().as_secs_f64() * 1000.0));
    value
}

fn random_arcs(n: usize, mean_out_degree: f64, seed: u64) -> Vec<(u32, u32)> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let m = (n as f64 * mean_out_degree) as usize;
    (0..m).map(|_| (rng.gen_range(0..n as u32), rng.gen_range(0..n as u32))).collect()
}

fn main() {
    let n: usize = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(1_000_000);
    let threads = rayon::current_num_threads();
    let mut rows = Vec::new();

    let er = time(&mut rows, &format!("generate ER G(n, ⟨k⟩=3), n = {n}"), || percolation::erdos_renyi(n, 3.0, 1));
    let mut sources = vec![false; n];
    for v in (0..n).step_by(1000) {
        sources[v] = true;
    }
    let b = time(&mut rows, "articulation points + blocks (undirected ER)", || connectivity::biconnected(&er));
    let weight = vec![1.0; n];
    time(&mut rows, "cut-off weight per node, 1 source per 1000 nodes", || b.cut_off_weight(&sources, &weight));
    time(&mut rows, "block-cut tree", || b.block_cut_tree());
    time(&mut rows, "served (multi-source BFS)", || connectivity::served(&er, &vec![true; n], &sources));

    let grid_side = (n as f64).sqrt() as u32;
    let mut grid_edges = Vec::new();
    for r in 0..grid_side {
        for c in 0..grid_side {
            let v = r * grid_side + c;
            if c + 1 < grid_side {
                grid_edges.push((v, v + 1));
            }
            if r + 1 < grid_side {
                grid_edges.push((v, v + grid_side));
            }
        }
    }
    let grid = undirected((grid_side * grid_side) as usize, &grid_edges);
    time(&mut rows, &format!("articulation points + blocks ({grid_side}² grid)"), || connectivity::biconnected(&grid));

    let path_arcs: Vec<(u32, u32)> = (0..n as u32 - 1).map(|v| (v, v + 1)).collect();
    let path = undirected(n, &path_arcs);
    time(&mut rows, "articulation points + blocks (path, depth n)", || connectivity::biconnected(&path));

    let directed = Csr::from_pairs(n, &random_arcs(n, 3.0, 2));
    let dom = time(&mut rows, "dominators from sources (random digraph, m = 3n)", || {
        connectivity::dominators_from_sources(&directed, &sources)
    });
    time(&mut rows, "dominator subtree sizes", || dom.subtree_sizes());
    let chain = Csr::from_pairs(n, &path_arcs);
    time(&mut rows, "dominators (directed chain, depth n)", || connectivity::dominators(&chain, 0));

    let small = 5_000;
    let g = percolation::erdos_renyi(small, 3.0, 3);
    time(&mut rows, &format!("efficiency, all pairs BFS, n = {small}"), || connectivity::efficiency(&Network::new(&g)));

    let ps: Vec<f64> = (0..9).map(|i| 0.58 + 0.01 * i as f64).collect();
    let sweep = time(&mut rows, "coupled ER sweep, N = 100,000, 9 p × 2 seeds", || {
        percolation::coupled_erdos_renyi_sweep(100_000, 4.0, &ps, &[1, 2])
    });

    let ml = percolation::erdos_renyi(2_000, 4.0, 4);
    time(&mut rows, "Brandes betweenness, n = 2,000, ⟨k⟩ = 4", || motter_lai::betweenness(&ml, &vec![true; 2_000]));
    time(&mut rows, "Motter–Lai cascade, n = 2,000, α = 0.2, hub removed", || {
        let hub = (0..2_000u32).max_by_key(|&v| ml.row(v).len()).unwrap_or(0);
        motter_lai::cascade(&ml, &[hub], 0.2)
    });

    let sectors = 300;
    let mut rng = ChaCha8Rng::seed_from_u64(5);
    let values: Vec<f64> = (0..sectors * sectors).map(|_| rng.gen_range(0.0..0.9 / sectors as f64)).collect();
    let names = (0..sectors).map(|i| format!("s{i}")).collect();
    if let Ok(a) = InterdependencyMatrix::new(names, values) {
        let model = time(&mut rows, "IIM: LU of I − A*, 300 sectors", || Iim::new(a));
        if let Ok(model) = model {
            let c = vec![0.01; sectors];
            let solved = time(&mut rows, "IIM: one static solve, 300 sectors", || model.solve(&c));
            if let Err(e) = solved {
                eprintln!("{e}");
            }
        }
    }

    println!("| operation | ms |\n|---|---:|");
    for (label, ms) in rows {
        println!("| {label} | {ms:.1} |");
    }
    println!("\n{threads} rayon threads\n\n| p | P∞ simulated (N = 100,000, 2 seeds) | P∞ theory | steps |\n|---|---:|---:|---:|");
    for point in sweep {
        let theory = percolation::coupled_erdos_renyi_theory(4.0, point.p);
        println!("| {:.2} | {:.3} | {theory:.3} | {:.0} |", point.p, point.mean_fraction, point.mean_steps);
    }
}
