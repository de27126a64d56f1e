//! Measures imports: a synthetic GeoJSON registry into a fresh SQLite store (and
//! into PostgreSQL when a database URL is given).
//!
//! cargo run --release -p rampart-formats --example import_bench -- 100000 [dependencies] [postgres://…/db]

use rampart_formats::{bench_import, BenchOptions, NoProgress};
use rampart_store::{Store, StoreOptions};

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let assets: u64 = args.first().map(|a| a.parse()).transpose()?.unwrap_or(100_000);
    let dependencies: u64 = args.get(1).map(|a| a.parse()).transpose()?.unwrap_or(0);
    let dir = tempfile::tempdir()?;
    let mut urls = vec![format!("sqlite://{}", dir.path().join("bench.db").display())];
    urls.extend(args.get(2).cloned());
    println!("| backend | assets | dependencies | file MB | import s | assets/s | MB/s |");
    println!("|---|---:|---:|---:|---:|---:|---:|");
    for url in urls {
        let store = Store::open(&StoreOptions::new(&url)).await?;
        let opts = BenchOptions { assets, dependencies, check: false };
        let r = bench_import(&store, &opts, dir.path(), &NoProgress).await?;
        println!(
            "| {} | {} | {} | {:.1} | {:.2} | {:.0} | {:.1} |",
            url.split(':').next().unwrap_or(""),
            r.import.assets,
            r.import.dependencies,
            r.file_bytes as f64 / 1e6,
            r.import.elapsed.as_secs_f64(),
            r.assets_per_second(),
            r.megabytes_per_second()
        );
        store.close().await;
    }
    Ok(())
}
