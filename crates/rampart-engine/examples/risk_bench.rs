//! Monte Carlo impact of a synthetic event set over synthetic assets, timed by phase.
//!
//! `cargo run --release -p rampart-engine --example risk_bench -- [events] [assets] [threads]`
//! (defaults: 10,000 events, 1,000,000 assets, all cores).

use std::time::Instant;

use rampart_engine::hazard::impact_fn::{FragilitySet, HazardKind};
use rampart_engine::hazard::risk::{assign_centroids, compute_impact_assigned, Mode, RiskConfig, Vulnerability};
use rampart_engine::hazard::synthetic::{self, SyntheticEvents};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<usize> = std::env::args().skip(1).filter_map(|a| a.replace('_', "").parse().ok()).collect();
    let n_events = args.first().copied().unwrap_or(10_000);
    let n_assets = args.get(1).copied().unwrap_or(1_000_000);
    if let Some(&threads) = args.get(2) {
        rayon::ThreadPoolBuilder::new().num_threads(threads).build_global()?;
    }
    println!("| phase | seconds | notes |\n|---|---:|---|");

    let t = Instant::now();
    let events = synthetic::event_set(&SyntheticEvents { n_events, ..SyntheticEvents::default() })?;
    println!(
        "| generate event set | {:.2} | {} events, {} centroids, {} non-zero intensities |",
        t.elapsed().as_secs_f64(),
        events.len(),
        events.centroids().len(),
        events.nnz()
    );

    let fragility = FragilitySet::defaults();
    let classes = [
        fragility.index_of("default", HazardKind::Pga).ok_or("no default PGA fragility")?,
        fragility.index_of("electricity", HazardKind::Pga).ok_or("no electricity PGA fragility")?,
    ];
    let t = Instant::now();
    let mut assets = synthetic::exposure(n_assets, synthetic::EUROPE, 2, 11);
    for f in &mut assets.function {
        *f = classes[*f as usize];
    }
    println!("| generate exposure | {:.2} | {} assets |", t.elapsed().as_secs_f64(), n_assets);

    let config = RiskConfig { mode: Mode::MonteCarlo { seed: 2024 }, ..RiskConfig::default() };
    let total = Instant::now();
    let t = Instant::now();
    let assignment = assign_centroids(&assets.lon, &assets.lat, events.centroids(), config.distance);
    println!("| nearest centroids (R*-tree) | {:.2} | {} assets without hazard |", t.elapsed().as_secs_f64(), assignment.unassigned());

    let t = Instant::now();
    let result = compute_impact_assigned(&events, &assets.exposure(), &assignment, Vulnerability::Fragility(&fragility), &config, None)?;
    let impact_s = t.elapsed().as_secs_f64();
    let pairs: usize = (0..events.len())
        .map(|e| events.footprint(rampart_engine::hazard::events::EventId(e as u32)).0.iter().map(|&c| assignment.assets_at(c).len()).sum::<usize>())
        .sum();
    println!("| Monte Carlo impact | {impact_s:.2} | {pairs} asset-event pairs sampled, {} threads |", rayon::current_num_threads());
    println!("| **impact total (assign + Monte Carlo)** | **{:.2}** | |", total.elapsed().as_secs_f64());
    println!();
    println!("AAI {:.4e}; impacts at return periods:", result.aai);
    for rp in &result.return_period_impacts {
        println!("  {:>5} y: {:.4e}{}", rp.return_period, rp.impact, if rp.within_curve { "" } else { " (beyond the curve)" });
    }
    Ok(())
}
