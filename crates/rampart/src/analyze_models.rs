//! `rampart analyze percolation | load-redistribution | iim | risk`: the network-science
//! studies, the sector-level economic model and probabilistic risk.

use crate::analyze::{graph, write, GraphSource, Output, RuleFlags};
use anyhow::{anyhow, bail, Context, Result};
use clap::Args;
use rampart_core::Network;
use rampart_engine::csr::{self, Csr};
use rampart_engine::graph::{network_bit, Graph, Node};
use rampart_engine::hazard::events::{EventSet, Input};
use rampart_engine::hazard::impact_fn::{AssetClassMap, FragilitySet, HazardKind, ImpactFunctionSet};
use rampart_engine::study::risk::{self, RiskOptions, ValueKind};
use rampart_engine::study::Vulnerability;
use rampart_engine::{iim, motter_lai, percolation};
use rampart_store::Store;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::fs::File;
use std::io::BufReader;
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

#[derive(Args, Debug)]
pub struct Percolation {
    #[command(flatten)]
    source: GraphSource,
    /// Two networks of the registry coupled through their dependencies, e.g. `grid,telecom`.
    /// Without it: two coupled Erdős–Rényi graphs with one-to-one dependencies (Buldyrev et al. 2010).
    #[arg(long, value_delimiter = ',')]
    networks: Vec<String>,
    /// Nodes of each random graph.
    #[arg(long, default_value_t = 20_000)]
    nodes: usize,
    /// Mean degree of the random graphs.
    #[arg(long, default_value_t = 4.0)]
    mean_degree: f64,
    /// Fractions of the first network's nodes kept, e.g. 0.5,0.6,0.7 (default 0.50 to 1.00 by 0.02).
    #[arg(long, value_delimiter = ',')]
    p: Vec<f64>,
    /// Random attacks per p (seeds 1..=n).
    #[arg(long, default_value_t = 3)]
    seeds: u64,
    #[command(flatten)]
    output: Output,
}

#[derive(Args, Debug)]
pub struct LoadRedistribution {
    #[command(flatten)]
    source: GraphSource,
    /// The networked sector (grid, gas, water, heat, rail, road, telecom).
    #[arg(long)]
    network: String,
    /// Tolerance α: capacity = (1 + α) × initial load.
    #[arg(long, default_value_t = 0.2)]
    alpha: f64,
    /// Assets removed at the start (default: the one with the highest load).
    #[arg(long = "asset")]
    assets: Vec<String>,
    #[command(flatten)]
    output: Output,
}

#[derive(Args, Debug)]
pub struct IimArgs {
    /// Interdependency matrix A* (CSV: header of sector names, one row per sector).
    #[arg(long)]
    matrix: PathBuf,
    /// Perturbation c* (CSV: sector,value).
    #[arg(long)]
    perturbation: PathBuf,
    /// Also run the dynamic model for this many steps (the perturbation held constant).
    #[arg(long)]
    steps: Option<usize>,
    /// Resilience K of every sector for the dynamic model (0..1).
    #[arg(long, default_value_t = 0.5)]
    resilience: f64,
    #[command(flatten)]
    output: Output,
}

#[derive(Args, Debug)]
pub struct RiskArgs {
    #[command(flatten)]
    source: GraphSource,
    /// events.csv (event_id, frequency).
    #[arg(long)]
    events: PathBuf,
    /// centroids.csv (centroid_id, lat, lon).
    #[arg(long)]
    centroids: PathBuf,
    /// intensity.csv (event_id, centroid_id, intensity).
    #[arg(long)]
    intensity: PathBuf,
    /// The event set's intensity measure: flood_depth_m, wind_speed_m_s, pga_g, overpressure_kpa, toxic_mg_m3.
    #[arg(long)]
    measure: String,
    /// impact_functions.csv (function_id, intensity, mdd, paa) instead of the shipped one.
    #[arg(long)]
    impact_functions: Option<PathBuf>,
    /// asset_classes.csv (class, hazard, function_id) instead of the shipped one.
    #[arg(long)]
    asset_classes: Option<PathBuf>,
    /// fragility.csv (class, hazard, state, median, beta, damage_ratio) instead of the shipped one.
    #[arg(long)]
    fragility_curves: Option<PathBuf>,
    /// Damage from the fragility curves instead of the impact functions.
    #[arg(long)]
    fragility: bool,
    /// Exposure value: economic (value per day × outage days) or people (people served).
    #[arg(long, default_value = "economic")]
    value: String,
    /// Sample damage per event (Monte Carlo) with this seed; mean damage without it.
    #[arg(long)]
    seed: Option<u64>,
    /// Run each event's cascade through dependencies and networks and add its impact.
    #[arg(long)]
    cascades: bool,
    #[arg(long, default_value_t = 72.0)]
    horizon: f64,
    /// Damage ratio at which an asset counts as damaged (starts a cascade).
    #[arg(long, default_value_t = 0.5)]
    damage_threshold: f64,
    #[arg(long, default_value_t = 100)]
    top: usize,
    #[command(flatten)]
    rules: RuleFlags,
    #[command(flatten)]
    output: Output,
}

fn open(path: &Path) -> Result<BufReader<File>> {
    Ok(BufReader::new(File::open(path).with_context(|| format!("{}: cannot open", path.display()))?))
}

fn network(name: &str) -> Result<Network> {
    Network::parse(name).map_err(|e| anyhow!("--network{e}"))
}

/// One network of the registry as its own graph: its members renumbered 0..m.
fn subnetwork(g: &Graph, net: Network) -> (Csr<u32>, Vec<Node>, HashMap<Node, u32>) {
    let b = network_bit(net);
    let bit = b.trailing_zeros() as u8;
    let members: Vec<Node> = (0..g.len() as Node).filter(|&i| g.member[i as usize] & b != 0).collect();
    let local: HashMap<Node, u32> = members.iter().enumerate().map(|(k, &n)| (n, k as u32)).collect();
    let mut edges = Vec::new();
    for &x in &members {
        for l in g.links.row(x) {
            if l.network == bit && x < l.to {
                edges.push((local[&x], local[&l.to]));
            }
        }
    }
    (csr::undirected(members.len(), &edges), members, local)
}

fn default_ps(ps: Vec<f64>) -> Result<Vec<f64>> {
    if ps.iter().any(|p| !(0.0..=1.0).contains(p)) {
        bail!("--p: fractions must lie between 0 and 1");
    }
    Ok(if ps.is_empty() { (0..=25).map(|k| 0.5 + 0.02 * k as f64).collect() } else { ps })
}

pub async fn percolation(store: impl std::future::Future<Output = Result<Store>>, a: Percolation) -> Result<()> {
    let ps = default_ps(a.p)?;
    let seeds: Vec<u64> = (1..=a.seeds.max(1)).collect();
    let start = Instant::now();
    let (points, about) = if a.networks.is_empty() {
        if a.nodes < 2 || a.mean_degree.is_nan() || a.mean_degree <= 0.0 {
            bail!("--nodes must be at least 2 and --mean-degree positive");
        }
        let pts = percolation::coupled_erdos_renyi_sweep(a.nodes, a.mean_degree, &ps, &seeds);
        let pc = 2.4554 / a.mean_degree;
        (pts, json!({"model": "coupled Erdős–Rényi graphs, one-to-one dependencies", "nodes": a.nodes, "mean_degree": a.mean_degree, "theoretical_p_c": pc}))
    } else {
        if a.networks.len() != 2 {
            bail!("--networks: name two networks, e.g. grid,telecom");
        }
        let g = graph(store, &a.source).await?;
        let (na, nb) = (network(&a.networks[0])?, network(&a.networks[1])?);
        let (ga, _, la) = subnetwork(&g, na);
        let (gb, _, lb) = subnetwork(&g, nb);
        if ga.rows() == 0 || gb.rows() == 0 {
            bail!("--networks: the registry has no links of {} or of {}", na.key(), nb.key());
        }
        // A dependency between members of the two networks couples them, in its direction.
        let mut deps = Vec::new();
        for grp in 0..g.groups() {
            let owner = g.group_owner[grp];
            for &s in g.suppliers.row(grp as u32) {
                let pair = match (la.get(&owner), lb.get(&owner), la.get(&s), lb.get(&s)) {
                    (Some(&d), _, _, Some(&sup)) => Some((0, d, 1, sup)),
                    (_, Some(&d), Some(&sup), _) => Some((1, d, 0, sup)),
                    _ => None,
                };
                if let Some((dn, d, sn, sup)) = pair {
                    deps.push(percolation::Dependency {
                        dependent: percolation::NodeRef { network: dn, node: d },
                        supplier: percolation::NodeRef { network: sn, node: sup },
                    });
                }
            }
        }
        let pts = percolation::sweep(&[&ga, &gb], &deps, 0, &ps, &seeds);
        (pts, json!({"model": "registry networks", "networks": [na.key(), nb.key()], "nodes": [ga.rows(), gb.rows()], "dependencies": deps.len()}))
    };
    eprintln!("percolation sweep of {} points in {:.2} s", points.len(), start.elapsed().as_secs_f64());
    let rows: Vec<Vec<String>> = points.iter().map(|p| vec![format!("{:.4}", p.p), format!("{:.6}", p.mean_fraction), format!("{:.2}", p.mean_steps)]).collect();
    let result = json!({
        "kind": "percolation",
        "about": about,
        "attacked": 0,
        "points": points.iter().map(|p| json!({"p": p.p, "giant_component": p.mean_fraction, "per_seed": p.fractions, "iterations": p.mean_steps})).collect::<Vec<_>>(),
    });
    write(&a.output, &result, Some((&["p", "giant_component", "iterations"], rows)))
}

pub async fn load_redistribution(store: impl std::future::Future<Output = Result<Store>>, a: LoadRedistribution) -> Result<()> {
    if !(a.alpha >= 0.0 && a.alpha.is_finite()) {
        bail!("--alpha must be a number ≥ 0");
    }
    let net = network(&a.network)?;
    let g = graph(store, &a.source).await?;
    let (adj, members, local) = subnetwork(&g, net);
    if adj.rows() == 0 {
        bail!("--network: the registry has no links of {}", net.key());
    }
    let start = Instant::now();
    let initial: Vec<u32> = if a.assets.is_empty() {
        let load = motter_lai::betweenness(&adj, &vec![true; adj.rows()]);
        let top = (0..adj.rows()).max_by(|&x, &y| load[x].total_cmp(&load[y]).then(y.cmp(&x))).unwrap_or(0);
        vec![top as u32]
    } else {
        let index = g.id_index();
        a.assets
            .iter()
            .map(|id| {
                let n = index.get(id.as_str()).ok_or_else(|| anyhow!("--asset {id}: unknown asset id"))?;
                local.get(n).copied().ok_or_else(|| anyhow!("--asset {id}: not an asset of the {} network", net.key()))
            })
            .collect::<Result<_>>()?
    };
    let out = motter_lai::cascade(&adj, &initial, a.alpha);
    eprintln!("load redistribution over {} assets in {:.2} s", adj.rows(), start.elapsed().as_secs_f64());
    let id = |k: u32| g.id(members[k as usize]).to_string();
    let result = json!({
        "kind": "load_redistribution",
        "network": net.key(),
        "alpha": a.alpha,
        "assets": adj.rows(),
        "initial": initial.iter().map(|&k| id(k)).collect::<Vec<_>>(),
        "largest_before": out.largest_before,
        "largest_after": out.largest_after,
        "g": out.g,
        "steps": out.failed_per_step.iter().map(|s| s.iter().map(|&k| id(k)).collect::<Vec<_>>()).collect::<Vec<_>>(),
    });
    let rows = out.failed_per_step.iter().enumerate().flat_map(|(step, s)| s.iter().map(move |&k| (step, k))).map(|(step, k)| vec![(step + 1).to_string(), id(k)]).collect();
    write(&a.output, &result, Some((&["step", "asset"], rows)))
}

pub fn iim(a: IimArgs) -> Result<()> {
    let matrix = iim::parse_matrix(&a.matrix.display().to_string(), open(&a.matrix)?).map_err(|e| anyhow!("{e}"))?;
    let sectors = matrix.sectors().to_vec();
    let c = iim::parse_perturbation(&a.perturbation.display().to_string(), open(&a.perturbation)?, &sectors).map_err(|e| anyhow!("{e}"))?;
    let model = iim::Iim::new(matrix).map_err(|e| anyhow!("{}: {e}", a.matrix.display()))?;
    let q = model.solve(&c).map_err(|e| anyhow!("{e}"))?;
    let mut result = json!({
        "kind": "iim",
        "sectors": sectors,
        "perturbation": c,
        "inoperability": q.inoperability,
        "unclipped": q.unclipped,
    });
    if let Some(steps) = a.steps {
        if !(0.0..=1.0).contains(&a.resilience) {
            bail!("--resilience must lie between 0 and 1");
        }
        let k = vec![a.resilience; sectors.len()];
        let t = model.dynamic(&k, &vec![0.0; sectors.len()], steps, |_| c.clone(), None).map_err(|e| anyhow!("{e}"))?;
        result["dynamic"] = json!({"resilience": a.resilience, "steps": t.inoperability});
    }
    let rows = sectors.iter().enumerate().map(|(i, s)| vec![s.clone(), c[i].to_string(), q.inoperability[i].to_string()]).collect();
    write(&a.output, &result, Some((&["sector", "perturbation", "inoperability"], rows)))
}

pub async fn risk(store: impl std::future::Future<Output = Result<Store>>, a: RiskArgs) -> Result<()> {
    let measure = HazardKind::parse(&a.measure).ok_or_else(|| {
        anyhow!("--measure: unknown measure {:?}; expected one of: {}", a.measure, HazardKind::ALL.iter().map(|h| h.key()).collect::<Vec<_>>().join(", "))
    })?;
    let name = |p: &Path| p.display().to_string();
    let (en, cn, inn) = (name(&a.events), name(&a.centroids), name(&a.intensity));
    let events = EventSet::parse(Input::new(&en, open(&a.events)?), Input::new(&cn, open(&a.centroids)?), Input::new(&inn, open(&a.intensity)?))
        .map_err(|e| anyhow!("{e}"))?;
    let functions = match &a.impact_functions {
        Some(p) => ImpactFunctionSet::parse(&name(p), open(p)?).map_err(|e| anyhow!("{e}"))?,
        None => ImpactFunctionSet::defaults(),
    };
    let classes = match &a.asset_classes {
        Some(p) => AssetClassMap::parse(&name(p), open(p)?, Some(&functions)).map_err(|e| anyhow!("{e}"))?,
        None => AssetClassMap::defaults(),
    };
    let fragility = match &a.fragility_curves {
        Some(p) => FragilitySet::parse(&name(p), open(p)?).map_err(|e| anyhow!("{e}"))?,
        None => FragilitySet::defaults(),
    };
    let g = graph(store, &a.source).await?;
    let opts = RiskOptions {
        measure,
        value: ValueKind::parse(&a.value).map_err(|e| anyhow!("--{e}"))?,
        monte_carlo: a.seed,
        fragility: a.fragility,
        cascades: a.cascades,
        rules: rampart_engine::Rules { dependencies: !a.rules.no_dependencies, connectivity: !a.rules.no_connectivity, restoration: !a.rules.no_restoration },
        horizon_h: a.horizon,
        damage_threshold: a.damage_threshold,
        top: a.top,
    };
    let start = Instant::now();
    let result: Value = risk::run(&g, &events, &Vulnerability { fragility, functions, classes }, &opts, &|_| {}, &AtomicBool::new(false)).map_err(|e| anyhow!("{e}"))?;
    eprintln!(
        "{} events over {} assets in {:.2} s: average annual impact {:.1}",
        events.len(),
        g.len(),
        start.elapsed().as_secs_f64(),
        result["aai"].as_f64().unwrap_or(0.0)
    );
    let rows = result["event_table"]
        .as_array()
        .map(|es| es.iter().map(|e| ["event", "frequency", "impact", "cascade", "total"].iter().map(|k| crate::analyze::cell(&e[*k])).collect()).collect())
        .unwrap_or_default();
    write(&a.output, &result, Some((&["event", "frequency", "impact", "cascade", "total"], rows)))
}
