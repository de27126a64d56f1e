//! Generation speed: builds N assets (with their organisations, dependencies and
//! links) into a sink that only counts, and prints the time and rate.
//!
//! `cargo run --release -p rampart-gen --example gen_bench -- 10000000 [seed] [threads] [max_chunk_assets]`
use std::time::Instant;

fn main() {
    let mut args = std::env::args().skip(1);
    let assets: u64 = args.next().and_then(|a| a.replace('_', "").parse().ok()).unwrap_or(1_000_000);
    let seed: u64 = args.next().and_then(|a| a.parse().ok()).unwrap_or(1);
    let threads: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(0);
    let max_chunk_assets: usize = args.next().and_then(|a| a.parse().ok()).unwrap_or(rampart_gen::DEFAULT_CHUNK_ASSETS);
    let cfg = rampart_gen::GenConfig { threads, max_chunk_assets, ..rampart_gen::GenConfig::new(assets, seed) };
    let start = Instant::now();
    let mut counted = (0usize, 0usize, 0usize, 0usize);
    let mut largest = 0usize;
    let stats = rampart_gen::generate(&cfg, |chunk| {
        counted.0 += chunk.organisations.len();
        counted.1 += chunk.assets.len();
        counted.2 += chunk.dependencies.len();
        counted.3 += chunk.links.len();
        largest = largest.max(chunk.assets.len());
        Ok::<(), std::convert::Infallible>(())
    });
    let secs = start.elapsed().as_secs_f64();
    let Ok(stats) = stats;
    assert_eq!(stats.assets, assets);
    println!(
        "{} assets, {} organisations, {} dependencies, {} links ({} cross-border links, {} cross-border dependencies) in {} chunks (largest {} assets)",
        counted.1, counted.0, counted.2, counted.3, stats.cross_border_links, stats.cross_border_dependencies, stats.chunks, largest
    );
    println!("elapsed {secs:.2} s, {:.0} assets/s, threads {}", assets as f64 / secs, if threads == 0 { "auto".to_string() } else { threads.to_string() });
}
