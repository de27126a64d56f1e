//! `rampart analyze …`: the analysis engine from the command line, on the database,
//! on registry files or on the engine's binary graph.

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand};
use rampart_engine::study::{self, Request};
use rampart_engine::Graph;
use rampart_formats::engine::{graph_from_files, graph_from_store, read_graph, write_graph};
use rampart_formats::Source;
use rampart_store::Store;
use serde_json::{json, Value};
use std::io::{BufReader, BufWriter};
use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;
use std::time::Instant;

/// Where the registry comes from: the engine's binary graph, registry files, or (by
/// default) the database.
#[derive(Args, Debug, Clone, Default)]
pub struct GraphSource {
    /// The engine's binary graph (written by `rampart analyze graph`).
    #[arg(long, conflicts_with = "files")]
    pub graph: Option<PathBuf>,
    /// Registry files: assets.csv, dependencies.csv, links.csv or GeoJSON (docs/formats.md).
    #[arg(long, num_args = 1..)]
    pub files: Vec<PathBuf>,
}

/// Switches for the cascade rules (all on by default).
#[derive(Args, Debug, Clone, Copy, Default)]
pub struct RuleFlags {
    /// Do not propagate failures through dependencies.
    #[arg(long)]
    pub no_dependencies: bool,
    /// Do not apply the source-connectivity rule of networked sectors.
    #[arg(long)]
    pub no_connectivity: bool,
    /// Damaged assets stay down (no restoration).
    #[arg(long)]
    pub no_restoration: bool,
}

impl RuleFlags {
    fn json(self) -> Value {
        json!({"dependencies": !self.no_dependencies, "connectivity": !self.no_connectivity, "restoration": !self.no_restoration})
    }
}

/// Where results go.
#[derive(Args, Debug, Clone, Default)]
pub struct Output {
    /// Write the result as JSON here (default: standard output).
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Also write the result's main table as CSV here.
    #[arg(long)]
    pub csv: Option<PathBuf>,
    /// Also write the result's main table as Apache Parquet here (Snappy, row groups of 100,000
    /// rows). Column types come from the cells: BOOLEAN when all are true/false, INT64 when all
    /// are integers, DOUBLE when all are finite numbers, else UTF8 text; empty cells are nulls.
    #[arg(long)]
    pub parquet: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum AnalyzeCommand {
    /// Write the engine's binary graph of the registry (loads in seconds at continental scale).
    Graph {
        #[command(flatten)]
        source: GraphSource,
        /// The file to write.
        #[arg(long)]
        out: PathBuf,
    },
    /// What happens if the assets in a footprint, or the assets named, are lost: the timeline of assets down,
    /// person-hours without service per class and country, economic loss, exposed occupancy, cross-border effects.
    Scenario {
        #[command(flatten)]
        source: GraphSource,
        /// A GeoJSON file with the footprint polygon(s): every asset inside is damaged at hour 0.
        #[arg(long)]
        footprint: Option<PathBuf>,
        /// Assets attacked or lost, by registry id (repeatable).
        #[arg(long = "asset")]
        assets: Vec<String>,
        /// Hours to follow the cascade.
        #[arg(long, default_value_t = 72.0)]
        horizon: f64,
        #[command(flatten)]
        rules: RuleFlags,
        #[command(flatten)]
        output: Output,
    },
    /// N-1: the impact of losing each asset alone, ranked; the worst pairs among the top; cross-border reach.
    Criticality {
        #[command(flatten)]
        source: GraphSource,
        #[arg(long, default_value_t = 72.0)]
        horizon: f64,
        /// Ranked assets to report (all are computed).
        #[arg(long, default_value_t = 100)]
        top: usize,
        /// Assets from the top of the ranking to pair with each other.
        #[arg(long, default_value_t = 30)]
        pairs: usize,
        #[command(flatten)]
        rules: RuleFlags,
        #[command(flatten)]
        output: Output,
    },
    /// Per networked sector: articulation points and what each single asset cuts off from every source (linear time).
    Connectivity {
        #[command(flatten)]
        source: GraphSource,
        #[arg(long, default_value_t = 100)]
        top: usize,
        #[command(flatten)]
        output: Output,
    },
    /// Probabilistic risk over an event set (CLIMADA conventions): event impacts, expected annual impact,
    /// exceedance curve and return-period impacts, optionally with each event's cascade.
    Risk(crate::analyze_models::RiskArgs),
    /// Interdependent-network percolation (Buldyrev et al. 2010): coupled random graphs, or two networks of the registry.
    Percolation(crate::analyze_models::Percolation),
    /// Load-redistribution cascade (Motter & Lai 2002) on one networked sector of the registry.
    LoadRedistribution(crate::analyze_models::LoadRedistribution),
    /// Inoperability Input-Output Model, static and dynamic (Haimes & Jiang 2001).
    Iim(crate::analyze_models::IimArgs),
}

pub async fn graph(store: impl std::future::Future<Output = Result<Store>>, source: &GraphSource) -> Result<Graph> {
    let start = Instant::now();
    let g = if let Some(path) = &source.graph {
        let f = std::fs::File::open(path).with_context(|| format!("{}: cannot open", path.display()))?;
        read_graph(&mut BufReader::with_capacity(1 << 22, f), &path.display().to_string())?
    } else if !source.files.is_empty() {
        let sources = source.files.iter().map(Source::path).collect::<Result<Vec<_>, _>>().map_err(|e| anyhow!("{e}"))?;
        graph_from_files(&sources).map_err(|e| anyhow!("{e}"))?
    } else {
        graph_from_store(&store.await?).await?
    };
    eprintln!(
        "graph: {} assets, {} dependency groups, {} dependencies and links, {:.0} MiB, built in {:.2} s",
        g.len(),
        g.groups(),
        g.edges(),
        g.heap_bytes() as f64 / 1048576.0,
        start.elapsed().as_secs_f64()
    );
    Ok(g)
}

pub fn write(output: &Output, result: &Value, table: Option<(&[&str], Vec<Vec<String>>)>) -> Result<()> {
    let text = serde_json::to_string_pretty(result)?;
    match &output.out {
        Some(p) => std::fs::write(p, text + "\n").with_context(|| format!("{}: cannot write", p.display()))?,
        None => println!("{text}"),
    }
    let Some((header, rows)) = table else { return Ok(()) };
    if let Some(path) = &output.csv {
        let mut w = csv_writer(path)?;
        w.write_record(header)?;
        for r in &rows {
            w.write_record(r)?;
        }
        w.flush()?;
    }
    if let Some(path) = &output.parquet {
        crate::parquet_out::write(path, header, &rows)?;
    }
    Ok(())
}

fn csv_writer(path: &Path) -> Result<csv::Writer<std::fs::File>> {
    csv::Writer::from_path(path).with_context(|| format!("{}: cannot write", path.display()))
}

fn run_study(g: &Graph, request: Value) -> Result<Value> {
    let req = Request::from_json(&request).map_err(|e| anyhow!("{e}"))?;
    let bar = indicatif::ProgressBar::new(1000);
    bar.set_style(indicatif::ProgressStyle::with_template("{elapsed_precise} [{bar:40}] {percent}% {eta}").unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()));
    let start = Instant::now();
    let result = study::run(g, &req, &|f| bar.set_position((f * 1000.0) as u64), &AtomicBool::new(false)).map_err(|e| anyhow!("{e}"))?;
    bar.finish_and_clear();
    eprintln!("{} computed in {:.2} s", req.kind(), start.elapsed().as_secs_f64());
    Ok(result)
}

/// A JSON value as a CSV cell.
pub fn cell(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Null => String::new(),
        Value::Array(a) => a.iter().map(cell).collect::<Vec<_>>().join(" "),
        other => other.to_string(),
    }
}

pub async fn run(store: impl std::future::Future<Output = Result<Store>>, command: AnalyzeCommand) -> Result<()> {
    match command {
        AnalyzeCommand::Graph { source, out } => {
            let g = graph(store, &source).await?;
            let start = Instant::now();
            let f = std::fs::File::create(&out).with_context(|| format!("{}: cannot write", out.display()))?;
            let mut w = BufWriter::with_capacity(1 << 22, f);
            write_graph(&g, &mut w).with_context(|| format!("{}: cannot write", out.display()))?;
            w.into_inner().map_err(|e| anyhow!("{}: cannot write: {}", out.display(), e.error()))?.sync_all()?;
            eprintln!("wrote {} in {:.2} s", out.display(), start.elapsed().as_secs_f64());
            Ok(())
        }
        AnalyzeCommand::Scenario { source, footprint, assets, horizon, rules, output } => {
            if footprint.is_none() && assets.is_empty() {
                bail!("name a --footprint file or at least one --asset");
            }
            let area = match &footprint {
                Some(p) => {
                    let text = std::fs::read_to_string(p).with_context(|| format!("{}: cannot read", p.display()))?;
                    let v: Value = serde_json::from_str(&text).map_err(|e| anyhow!("{}: line {}, column {}: {e}", p.display(), e.line(), e.column()))?;
                    // Name the file in errors about the footprint's fields.
                    study::footprint(&v, &p.display().to_string()).map_err(|e| anyhow!("{e}"))?;
                    Some(v)
                }
                None => None,
            };
            let g = graph(store, &source).await?;
            let result = run_study(&g, json!({"kind": "scenario", "footprint": area, "assets": assets, "horizon_h": horizon, "rules": rules.json()}))?;
            let rows = result["impact"]["events"]
                .as_array()
                .map(|es| es.iter().map(|e| vec![cell(&e["t"]), cell(&e["asset"]), cell(&e["country"]), cell(&e["down"]), cell(&e["cause"]["kind"]), cell(&e["root"])]).collect())
                .unwrap_or_default();
            let i = &result["impact"];
            eprintln!(
                "{} damaged, {} down (peak {}), {:.0} person-hours, economic loss {:.0}, countries {}",
                i["assets_damaged"], i["assets_down"], i["peak_down"], i["person_hours"].as_f64().unwrap_or(0.0), i["economic_loss"].as_f64().unwrap_or(0.0), cell(&i["countries"])
            );
            write(&output, &result, Some((&["t_h", "asset", "country", "down", "cause", "root"], rows)))
        }
        AnalyzeCommand::Criticality { source, horizon, top, pairs, rules, output } => {
            let g = graph(store, &source).await?;
            let result = run_study(&g, json!({"kind": "criticality", "horizon_h": horizon, "top": top, "pair_candidates": pairs, "rules": rules.json()}))?;
            let rows = result["ranking"]
                .as_array()
                .map(|rs| {
                    rs.iter()
                        .enumerate()
                        .map(|(k, r)| {
                            vec![(k + 1).to_string(), cell(&r["asset"]), cell(&r["class"]), cell(&r["country"]), cell(&r["impact"]["person_hours"]), cell(&r["impact"]["assets_down"]), cell(&r["impact"]["economic_loss"]), cell(&r["member_states"]), cell(&r["european_significance"])]
                        })
                        .collect()
                })
                .unwrap_or_default();
            eprintln!(
                "{} assets evaluated; {} affect another member state; {} affect six or more",
                result["assets_evaluated"], result["cross_border"], result["european_significance"]
            );
            write(&output, &result, Some((&["rank", "asset", "class", "country", "person_hours", "assets_down", "economic_loss", "member_states", "european_significance"], rows)))
        }
        AnalyzeCommand::Connectivity { source, top, output } => {
            let g = graph(store, &source).await?;
            let result = run_study(&g, json!({"kind": "connectivity", "top": top}))?;
            let mut rows = Vec::new();
            for n in result["networks"].as_array().into_iter().flatten() {
                for f in n["single_failures"].as_array().into_iter().flatten() {
                    rows.push(vec![cell(&n["network"]), cell(&f["asset"]), cell(&f["country"]), cell(&f["cut_off"]), cell(&f["people"])]);
                }
            }
            write(&output, &result, Some((&["network", "asset", "country", "cut_off", "people"], rows)))
        }
        AnalyzeCommand::Risk(args) => crate::analyze_models::risk(store, args).await,
        AnalyzeCommand::Percolation(args) => crate::analyze_models::percolation(store, args).await,
        AnalyzeCommand::LoadRedistribution(args) => crate::analyze_models::load_redistribution(store, args).await,
        AnalyzeCommand::Iim(args) => crate::analyze_models::iim(args),
    }
}
