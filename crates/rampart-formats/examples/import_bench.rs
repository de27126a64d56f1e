//! Measures imports: a synthetic GeoJSON registry imported into a fresh SQLite
//! store, and into a fresh PostgreSQL database when RAMPART_TEST_POSTGRES names a
//! cluster (as for the tests).
//!
//! cargo run --release -p rampart-formats --example import_bench -- [assets] [dependencies]

use rampart_formats::{bench_import, export_geojson, BenchOptions, ExportScope, NoProgress};
use rampart_store::test_support::fresh;
use rampart_store::Backend;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let assets: u64 = args.first().map(|a| a.parse()).transpose()?.unwrap_or(100_000);
    let dependencies: u64 = args.get(1).map(|a| a.parse()).transpose()?.unwrap_or(0);
    let dir = tempfile::tempdir()?;
    let mut backends = vec![Backend::Sqlite];
    if std::env::var_os("RAMPART_TEST_POSTGRES").is_some() {
        backends.push(Backend::Postgres);
    }
    println!("| backend | assets | dependencies | file MB | import s | assets/s | MB/s | export s |");
    println!("|---|---:|---:|---:|---:|---:|---:|---:|");
    for backend in backends {
        let db = fresh(backend).await;
        let opts = BenchOptions { assets, dependencies, check: false };
        let r = bench_import(&db.store, &opts, dir.path(), &NoProgress).await?;
        let started = std::time::Instant::now();
        export_geojson(&db.store, &ExportScope::all(), &mut std::io::BufWriter::new(std::io::sink())).await?;
        let export = started.elapsed().as_secs_f64();
        println!(
            "| {backend:?} | {} | {} | {:.1} | {:.2} | {:.0} | {:.1} | {export:.2} |",
            r.import.assets,
            r.import.dependencies,
            r.file_bytes as f64 / 1e6,
            r.import.elapsed.as_secs_f64(),
            r.assets_per_second(),
            r.megabytes_per_second()
        );
        db.store.close().await;
    }
    Ok(())
}
