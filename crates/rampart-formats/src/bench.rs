//! The import benchmark: a synthetic registry written as GeoJSON, imported into a
//! store, timed. `rampart bench import` and `examples/import_bench.rs` call it.

use crate::{import, Format, ImportError, ImportOptions, ImportReport, Progress, Source};
use rampart_store::Store;
use std::io::Write;
use std::path::Path;
use std::time::{Duration, Instant};

/// What to generate and import.
#[derive(Debug, Clone, Copy)]
pub struct BenchOptions {
    pub assets: u64,
    /// Dependencies, each on an asset's predecessor (at most `assets - 1`).
    pub dependencies: u64,
    /// Import as a check (dry run): everything written, then rolled back.
    pub check: bool,
}

#[derive(Debug, Clone)]
pub struct BenchReport {
    pub file_bytes: u64,
    pub generate: Duration,
    pub import: ImportReport,
}

impl BenchReport {
    pub fn assets_per_second(&self) -> f64 {
        self.import.assets as f64 / self.import.elapsed.as_secs_f64().max(1e-9)
    }

    pub fn megabytes_per_second(&self) -> f64 {
        self.file_bytes as f64 / 1e6 / self.import.elapsed.as_secs_f64().max(1e-9)
    }
}

const SECTORS: [(&str, Option<&str>); 6] = [
    ("energy", Some("electricity")),
    ("transport", Some("rail")),
    ("health", None),
    ("drinking_water", None),
    ("digital", None),
    ("energy", Some("gas")),
];

/// Writes a FeatureCollection of `opts.assets` assets spread over Europe (every
/// tenth a small polygon, every seventh a public space) and `opts.dependencies`
/// dependencies. Deterministic: the same options give the same bytes.
pub fn synthetic_geojson(opts: &BenchOptions, out: &mut impl Write) -> std::io::Result<()> {
    out.write_all(b"{\"type\":\"FeatureCollection\",\"organisations\":[{\"id\":\"bench-op\",\"name\":\"Bench operator\",\"kind\":\"operator\",\"country\":\"DE\"}],\"features\":[")?;
    let side = (opts.assets as f64).sqrt().ceil().max(1.0) as u64;
    for i in 0..opts.assets {
        let lon = -9.0 + 39.0 * ((i % side) as f64 + 0.5) / side as f64;
        let lat = 36.0 + 34.0 * ((i / side) as f64 + 0.5) / side as f64;
        let (lon, lat) = ((lon * 1e6).round() / 1e6, (lat * 1e6).round() / 1e6);
        let geometry = if i % 10 == 0 {
            let d = 0.001;
            format!(
                "{{\"type\":\"Polygon\",\"coordinates\":[[[{lon},{lat}],[{},{lat}],[{},{}],[{lon},{}],[{lon},{lat}]]]}}",
                lon + d,
                lon + d,
                lat + d,
                lat + d
            )
        } else {
            format!("{{\"type\":\"Point\",\"coordinates\":[{lon},{lat}]}}")
        };
        let kind = if i % 7 == 0 {
            "\"kind\":\"public_space\",\"category\":\"stadium\",\"peak_occupancy\":40000".to_string()
        } else {
            let (sector, sub) = SECTORS[(i % SECTORS.len() as u64) as usize];
            match sub {
                Some(s) => format!("\"sector\":\"{sector}\",\"subsector\":\"{s}\""),
                None => format!("\"sector\":\"{sector}\""),
            }
        };
        let sep = if i == 0 { "\n" } else { ",\n" };
        write!(
            out,
            "{sep}{{\"type\":\"Feature\",\"id\":\"BENCH-{i:08}\",\"geometry\":{geometry},\"properties\":{{\"name\":\"Bench asset {i}\",{kind},\
             \"country\":\"DE\",\"operator_id\":\"bench-op\",\"people_served\":{},\"value_per_day\":{}.5,\"attributes\":{{\"n\":{i}}}}}}}",
            1000 + i % 5000,
            i % 100_000
        )?;
    }
    for j in 0..opts.dependencies.min(opts.assets.saturating_sub(1)) {
        write!(
            out,
            ",\n{{\"type\":\"Feature\",\"geometry\":null,\"properties\":{{\"feature_type\":\"dependency\",\"supplier_id\":\"BENCH-{:08}\",\
             \"dependent_id\":\"BENCH-{:08}\",\"service\":\"electricity\",\"buffer_hours\":8}}}}",
            j,
            j + 1
        )?;
    }
    out.write_all(b"\n]}\n")?;
    Ok(())
}

/// Generates the file in `dir`, imports it into `store` and times both.
pub async fn bench_import(store: &Store, opts: &BenchOptions, dir: &Path, progress: &dyn Progress) -> Result<BenchReport, ImportError> {
    let started = Instant::now();
    let path = dir.join(format!("bench-{}-assets.geojson", opts.assets));
    let written = std::fs::File::create(&path).and_then(|f| {
        let mut out = std::io::BufWriter::with_capacity(1 << 20, f);
        synthetic_geojson(opts, &mut out)?;
        out.flush()
    });
    if let Err(e) = written {
        return Err(ImportError::Internal(format!("{}: cannot write the benchmark file: {e}", path.display())));
    }
    let generate = started.elapsed();
    let file_bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let import_opts = ImportOptions { check: opts.check, ..ImportOptions::new("bench", 0) };
    let report = import(store, &[Source::with_format(&path, Format::GeoJson)], &import_opts, progress).await;
    let _ = std::fs::remove_file(&path);
    Ok(BenchReport { file_bytes, generate, import: report? })
}
