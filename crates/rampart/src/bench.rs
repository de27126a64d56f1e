//! `rampart bench …`: measured speed, printed as a table for BENCHMARKS.md.

use anyhow::{Context, Result};
use rampart_core::{BBox, Scope};
use rampart_gen::GenConfig;
use rampart_store::{AssetFilter, Store};
use std::time::{Duration, Instant};

/// Peak resident memory of this process so far, in MiB (Linux).
pub fn peak_rss_mib() -> Option<f64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kb: f64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kb / 1024.0)
}

fn mib(v: Option<f64>) -> String {
    v.map(|m| format!("{m:.0} MiB")).unwrap_or_else(|| "n/a".into())
}

/// Generates `assets` assets without storing them.
pub fn generate(assets: u64, seed: u64) -> Result<()> {
    let start = Instant::now();
    let mut dependencies = 0usize;
    let stats = rampart_gen::generate(&GenConfig::new(assets, seed), |chunk| {
        dependencies += chunk.dependencies.len();
        Ok::<(), std::convert::Infallible>(())
    })?;
    let elapsed = start.elapsed().as_secs_f64();
    println!("| benchmark | assets | dependencies | links | time | assets/s | peak memory |");
    println!("|---|---|---|---|---|---|---|");
    println!(
        "| generate | {} | {} | {} | {elapsed:.1} s | {:.0} | {} |",
        stats.assets,
        dependencies,
        stats.links,
        stats.assets as f64 / elapsed,
        mib(peak_rss_mib())
    );
    Ok(())
}

/// City centres for city-sized boxes (about 20 km × 22 km).
const CITIES: [(&str, f64, f64); 16] = [
    ("Berlin", 13.40, 52.52), ("Paris", 2.35, 48.86), ("Madrid", -3.70, 40.42), ("Rome", 12.50, 41.90),
    ("Warsaw", 21.01, 52.23), ("Vienna", 16.37, 48.21), ("Stockholm", 18.07, 59.33), ("Amsterdam", 4.90, 52.37),
    ("Prague", 14.42, 50.09), ("Lisbon", -9.14, 38.72), ("Athens", 23.73, 37.98), ("Bucharest", 26.10, 44.43),
    ("Helsinki", 24.94, 60.17), ("Dublin", -6.26, 53.35), ("Milan", 9.19, 45.46), ("Lyon", 4.84, 45.76),
];

fn percentile(sorted: &[Duration], p: f64) -> f64 {
    let i = ((sorted.len() as f64 - 1.0) * p).round() as usize;
    sorted[i.min(sorted.len() - 1)].as_secs_f64() * 1000.0
}

/// Bounding-box queries over the registry in the database: a page of up to 1,000
/// assets (the API's largest page), the count, and the map view.
pub async fn query(store: &Store, rounds: usize) -> Result<()> {
    let total = store.count_assets(&AssetFilter::default(), &Scope::All).await?;
    println!("registry: {total} assets ({:?})", store.backend());
    println!("| query | runs | p50 | p95 | p99 | mean rows |");
    println!("|---|---|---|---|---|---|");
    for kind in ["list 1000", "count", "map"] {
        let mut times = Vec::new();
        let mut rows = 0i64;
        for i in 0..rounds {
            let (_, lon, lat) = CITIES[i % CITIES.len()];
            let bbox = BBox { min_lon: lon - 0.15, min_lat: lat - 0.1, max_lon: lon + 0.15, max_lat: lat + 0.1 };
            let f = AssetFilter { bbox: Some(bbox), ..Default::default() };
            let start = Instant::now();
            rows += match kind {
                "list 1000" => store.list_assets(&f, &Scope::All, 1000, None).await?.items.len() as i64,
                "count" => store.count_assets(&f, &Scope::All).await?,
                _ => store.map_items(&f, &Scope::All, rampart_server::assets::MAP_MAX_POINTS, rampart_server::assets::MAP_GRID).await?.len() as i64,
            };
            times.push(start.elapsed());
        }
        times.sort();
        println!(
            "| {kind} (city box) | {rounds} | {:.1} ms | {:.1} ms | {:.1} ms | {} |",
            percentile(&times, 0.5),
            percentile(&times, 0.95),
            percentile(&times, 0.99),
            rows / rounds.max(1) as i64
        );
    }
    Ok(())
}

/// Writes a generated registry as one GeoJSON file the way an authority's export
/// looks: organisations first, then assets with their dependencies and links. The
/// generator runs twice (it is deterministic): once for the organisations.
pub fn write_generated_geojson(assets: u64, seed: u64, path: &std::path::Path) -> Result<u64> {
    use std::io::Write;
    let cfg = GenConfig::new(assets, seed);
    let mut organisations = Vec::new();
    rampart_gen::generate(&cfg, |chunk| {
        organisations.extend(chunk.organisations.iter().map(|o| o.to_json()));
        Ok::<(), std::convert::Infallible>(())
    })?;
    let file = std::fs::File::create(path)?;
    let mut out = std::io::BufWriter::with_capacity(1 << 20, file);
    out.write_all(b"{\"type\":\"FeatureCollection\",\"organisations\":")?;
    serde_json::to_writer(&mut out, &organisations)?;
    out.write_all(b",\"features\":[\n")?;
    let mut first = true;
    rampart_gen::generate(&cfg, |chunk| -> std::io::Result<()> {
        let features = chunk
            .assets
            .iter()
            .map(rampart_formats::geojson::asset_feature)
            .chain(chunk.dependencies.iter().map(|d| rampart_formats::geojson::dependency_feature(d, None, None)))
            .chain(chunk.links.iter().map(|l| rampart_formats::geojson::link_feature(l, None, None)));
        for f in features {
            if !first {
                out.write_all(b",\n")?;
            }
            first = false;
            serde_json::to_writer(&mut out, &f)?;
        }
        Ok(())
    })?;
    out.write_all(b"\n]}\n")?;
    out.flush()?;
    Ok(std::fs::metadata(path)?.len())
}

/// Imports a generated registry of `assets` assets from GeoJSON into the configured
/// (empty) database and reports the rate.
pub async fn import(store: &Store, assets: u64, seed: u64, dir: &std::path::Path) -> Result<()> {
    let existing = store.count_assets(&AssetFilter::default(), &Scope::All).await?;
    if existing > 0 {
        anyhow::bail!("the database already holds {existing} assets: point --database-url or --data-dir at an empty one");
    }
    std::fs::create_dir_all(dir)?;
    let path = dir.join(format!("registry-{assets}-{seed}.geojson"));
    let start = Instant::now();
    let bytes = write_generated_geojson(assets, seed, &path)?;
    let written = start.elapsed().as_secs_f64();
    let opts = rampart_formats::ImportOptions::new("bench", 0);
    let source = rampart_formats::Source::path(&path).map_err(|e| anyhow::anyhow!("{e}"))?;
    let report = rampart_formats::import(store, &[source], &opts, &rampart_formats::BarProgress::stderr())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let secs = report.elapsed.as_secs_f64();
    let _ = std::fs::remove_file(&path);
    println!("file: {:.0} MB GeoJSON written in {written:.1} s; {} pass(es) over it", bytes as f64 / 1e6, report.passes);
    println!("| import into | assets | dependencies | links | time | assets/s | MB/s | peak memory |");
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| {:?} | {} | {} | {} | {secs:.1} s | {:.0} | {:.1} | {} |",
        store.backend(),
        report.assets,
        report.dependencies,
        report.links,
        report.assets as f64 / secs,
        bytes as f64 / 1e6 / secs,
        mib(peak_rss_mib())
    );
    Ok(())
}

/// The synthetic registry of Europe as an engine graph, built in memory.
pub fn generated_graph(assets: u64, seed: u64) -> Result<rampart_engine::Graph> {
    let mut b = rampart_engine::GraphBuilder::new();
    rampart_gen::generate(&GenConfig::new(assets, seed), |chunk| {
        chunk.assets.iter().for_each(|a| b.add_asset(a));
        chunk.dependencies.iter().for_each(|d| b.add_dependency(d));
        chunk.links.iter().for_each(|l| b.add_link(l));
        Ok::<(), std::convert::Infallible>(())
    })?;
    b.finish().map_err(|e| anyhow::anyhow!("{}", e.iter().map(|x| x.to_string()).collect::<Vec<_>>().join("\n")))
}

fn secs(d: Duration) -> String {
    format!("{:.2} s", d.as_secs_f64())
}

/// What to include in `rampart bench engine`.
pub struct EngineBench {
    /// A binary graph to load (written first, from the generator, if it does not exist).
    pub graph: Option<std::path::PathBuf>,
    pub assets: u64,
    pub seed: u64,
    pub dir: std::path::PathBuf,
    pub criticality: bool,
    pub events: usize,
}

/// The engine at scale: graph from its binary form, a regional scenario, N-1 over
/// every asset, and Monte Carlo risk with and without cascades.
pub fn engine(opts: &EngineBench) -> Result<()> {
    use rampart_engine::hazard::synthetic::{event_set, Area, SyntheticEvents};
    use rampart_engine::study::{self, risk, Vulnerability};
    use std::sync::atomic::AtomicBool;

    let mut rows: Vec<(String, String, String)> = Vec::new();
    let path = opts.graph.clone().unwrap_or_else(|| opts.dir.join(format!("rampart-bench-{}.graph", std::process::id())));
    if opts.graph.as_ref().is_none_or(|p| !p.exists()) {
        let start = Instant::now();
        let g = generated_graph(opts.assets, opts.seed)?;
        rows.push(("generate and build the graph".into(), secs(start.elapsed()), format!("{} assets, {} dependencies and links", g.len(), g.edges())));
        let t = Instant::now();
        let f = std::fs::File::create(&path)?;
        let mut w = std::io::BufWriter::with_capacity(1 << 22, f);
        rampart_formats::engine::write_graph(&g, &mut w)?;
        drop(w);
        let size = std::fs::metadata(&path)?.len();
        rows.push(("write the binary graph".into(), secs(t.elapsed()), format!("{:.0} MiB file", size as f64 / 1048576.0)));
    }
    let t = Instant::now();
    let f = std::fs::File::open(&path)?;
    let g = rampart_formats::engine::read_graph(&mut std::io::BufReader::with_capacity(1 << 22, f), &path.display().to_string())?;
    rows.push((
        "load the graph from its binary form".into(),
        secs(t.elapsed()),
        format!("{} assets, {} dependencies and links, {:.0} MiB held by the graph", g.len(), g.edges(), g.heap_bytes() as f64 / 1048576.0),
    ));
    if opts.graph.is_none() {
        let _ = std::fs::remove_file(&path);
    }

    // A regional footprint: the Rhine-Ruhr area, about 100 km × 100 km.
    let footprint = serde_json::json!({"type": "Polygon", "coordinates": [[[6.3, 50.9], [7.8, 50.9], [7.8, 51.8], [6.3, 51.8], [6.3, 50.9]]]});
    let area = study::footprint(&footprint, "footprint").map_err(|e| anyhow::anyhow!("{e}"))?;
    let (mut select, mut cascade_t, mut summary_t) = (Vec::new(), Vec::new(), Vec::new());
    let mut cascade = rampart_engine::Cascade::new(&g, rampart_engine::Rules::default());
    let mut about = String::new();
    for _ in 0..5 {
        let t = Instant::now();
        let damaged: Vec<rampart_engine::Damage> = study::inside(&g, &area).into_iter().map(rampart_engine::Damage::now).collect();
        select.push(t.elapsed());
        let t = Instant::now();
        let changes = cascade.run(&damaged, 72.0);
        cascade_t.push(t.elapsed());
        let t = Instant::now();
        let i = rampart_engine::impact::impact(&g, changes, 72.0);
        summary_t.push(t.elapsed());
        about = format!("{} damaged, {} down, {} changes over 72 h", damaged.len(), i.assets_down, changes.len());
    }
    for v in [&mut select, &mut cascade_t, &mut summary_t] {
        v.sort();
    }
    rows.push(("scenario: assets in a regional footprint (median of 5)".into(), secs(select[2]), "Rhine-Ruhr, 1.5° × 0.9°".into()));
    rows.push(("scenario: cascade over 72 h (median of 5)".into(), secs(cascade_t[2]), about));
    rows.push(("scenario: impact summary (median of 5)".into(), secs(summary_t[2]), "per class, country, cross-border; timeline".into()));
    let req = study::Request::from_json(&serde_json::json!({"kind": "scenario", "footprint": footprint, "horizon_h": 72.0})).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut whole = Vec::new();
    for _ in 0..3 {
        let t = Instant::now();
        study::run(&g, &req, &|_| {}, &AtomicBool::new(false)).map_err(|e| anyhow::anyhow!("{e}"))?;
        whole.push(t.elapsed());
    }
    whole.sort();
    rows.push(("scenario study end to end (median of 3)".into(), secs(whole[1]), "the above, connectivity-loss metrics and the JSON result".into()));

    if opts.criticality {
        let t = Instant::now();
        let ranked = rampart_engine::criticality::single_losses(&g, &Default::default(), None, &|_| {}, &AtomicBool::new(false))?;
        let cross = ranked.iter().filter(|r| r.cross_border > 0).count();
        rows.push(("N-1 criticality of every asset, 72 h".into(), secs(t.elapsed()), format!("{} assets, {} with cross-border effects", ranked.len(), cross)));
    }

    if opts.events > 0 {
        let fold = |f: fn(f64, f64) -> f64, xs: &[f64], s: f64| xs.iter().copied().fold(s, f);
        let area = Area { lon_min: fold(f64::min, &g.lon, 180.0), lon_max: fold(f64::max, &g.lon, -180.0), lat_min: fold(f64::min, &g.lat, 90.0), lat_max: fold(f64::max, &g.lat, -90.0) };
        let t = Instant::now();
        let events = event_set(&SyntheticEvents { n_events: opts.events, area, grid: (600, 450), peak: (0.2, 4.0), seed: opts.seed, ..Default::default() })?;
        rows.push(("synthetic flood event set".into(), secs(t.elapsed()), format!("{} events, {} non-zero intensities", events.len(), events.nnz())));
        for cascades in [false, true] {
            let o = risk::RiskOptions {
                measure: rampart_engine::hazard::impact_fn::HazardKind::FloodDepth,
                value: risk::ValueKind::Economic,
                monte_carlo: Some(opts.seed),
                fragility: true,
                cascades,
                rules: Default::default(),
                horizon_h: 72.0,
                damage_threshold: 0.5,
                top: 10,
            };
            let t = Instant::now();
            let r = risk::run(&g, &events, &Vulnerability::default(), &o, &|_| {}, &AtomicBool::new(false)).map_err(|e| anyhow::anyhow!("{e}"))?;
            let what = if cascades { "Monte Carlo risk with cascades" } else { "Monte Carlo risk, impact only" };
            rows.push((what.into(), secs(t.elapsed()), format!("AAI {:.3e}, 100-year {:.3e}", r["aai"].as_f64().unwrap_or(0.0), r["return_periods"][2]["impact"].as_f64().unwrap_or(0.0))));
        }
    }

    println!("| step ({} assets, seed {}) | time | notes |", opts.assets, opts.seed);
    println!("|---|---|---|");
    for (a, b, c) in rows {
        println!("| {a} | {b} | {c} |");
    }
    println!("peak memory: {}", mib(peak_rss_mib()));
    Ok(())
}

/// Precursor screening: `formulations` random products (1 to 6 ingredients drawn from
/// the catalogue and unregulated fillers, seeded), parsed from JSON once, then screened;
/// prints the screening rate and the parse-and-screen rate.
pub fn precursor(formulations: usize, seed: u64) -> Result<()> {
    use rand::{Rng, SeedableRng};
    use rampart_threat::precursor::{screen, Catalogue, Formulation};
    let cat = Catalogue::shipped();
    let cas: Vec<String> = cat.substances().iter().map(|s| s.cas.to_string()).collect();
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let docs: Vec<serde_json::Value> = (0..formulations)
        .map(|_| {
            let n = rng.gen_range(1..=6);
            let mut left: f64 = 100.0;
            let mut picked: Vec<usize> = Vec::new();
            let mut comps = Vec::new();
            for _ in 0..n {
                let pct = (rng.gen_range(0.0..=left.max(0.0)) * 100.0f64).floor() / 100.0;
                left -= pct;
                let i = rng.gen_range(0..cas.len() + 2);
                if i < cas.len() && !picked.contains(&i) {
                    picked.push(i);
                    comps.push(serde_json::json!({"cas": cas[i], "percent": pct}));
                } else {
                    comps.push(serde_json::json!({"name": "filler", "percent": pct}));
                }
            }
            serde_json::json!({"components": comps})
        })
        .collect();
    let t = Instant::now();
    let parsed: Vec<Formulation> =
        docs.iter().map(|d| Formulation::from_json(d, &cat)).collect::<std::result::Result<_, _>>().map_err(|e| anyhow::anyhow!("{e}"))?;
    let parse = t.elapsed();
    let t = Instant::now();
    let mut restricted = 0usize;
    for f in &parsed {
        if screen(&cat, f).outcome >= rampart_threat::precursor::Outcome::Licence {
            restricted += 1;
        }
    }
    let screening = t.elapsed();
    let rate = |d: Duration| formulations as f64 / d.as_secs_f64().max(1e-9);
    println!("| step | formulations | time | per second |\n|---|---:|---:|---:|");
    println!("| screen (parsed) | {formulations} | {} | {:.0} |", secs(screening), rate(screening));
    println!("| parse JSON + screen | {formulations} | {} | {:.0} |", secs(parse + screening), rate(parse + screening));
    println!("\n{restricted} of {formulations} restricted (licence or not available).");
    Ok(())
}

/// Remote ID incursion checks: `zones` zones scattered over Europe (half circles, half
/// 12-sided polygons, 150 m to 1.5 km in radius, 0–120 m AGL or 0–300 m AMSL) and
/// `reports` position reports, four in five anywhere over Europe and one in five within
/// 3 km of a zone. Times the index, the position checks on one thread and on every
/// core, and the whole incursion check (stays of drones in zones) on one thread.
pub fn drone(zones: usize, reports: usize, seed: u64) -> Result<()> {
    use rampart_threat::drone::zone::{circle_ring, Limit, Shape, VerticalReference, Volume, Zone};
    use rampart_threat::drone::{Report, ZoneIndex};
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let (lon_range, lat_range) = (-10.0..30.0, 36.0..60.0);
    let mut centres = Vec::with_capacity(zones);
    let zone_list: Vec<Zone> = (0..zones)
        .map(|i| {
            let (lon, lat): (f64, f64) = (rng.gen_range(lon_range.clone()), rng.gen_range(lat_range.clone()));
            centres.push((lon, lat));
            let radius_m = rng.gen_range(150.0..1500.0);
            let shape = if i % 2 == 0 {
                Shape::Circle { lon, lat, radius_m }
            } else {
                Shape::Polygon(geo::Polygon::new(circle_ring(lon, lat, radius_m, 12), vec![]))
            };
            let reference = if i % 5 == 0 { VerticalReference::Amsl } else { VerticalReference::Agl };
            let upper = if reference == VerticalReference::Amsl { 300.0 } else { 120.0 };
            let volume = Volume { lower: Limit { metres: Some(0.0), reference }, upper: Limit { metres: Some(upper), reference }, shape };
            Zone::protected(format!("B{i:06}"), "DEU", format!("bench zone {i}"), volume)
        })
        .collect();
    let track: Vec<Report> = (0..reports)
        .map(|i| {
            let (lon, lat) = if i % 5 == 0 && !centres.is_empty() {
                let (clon, clat) = centres[rng.gen_range(0..centres.len())];
                (clon + rng.gen_range(-0.04..0.04), clat + rng.gen_range(-0.027..0.027))
            } else {
                (rng.gen_range(lon_range.clone()), rng.gen_range(lat_range.clone()))
            };
            let agl: f64 = rng.gen_range(0.0..200.0);
            Report {
                uas_id: format!("UAS{:04}", i % 1000),
                time: None,
                lat,
                lon,
                altitude_wgs84_m: Some(agl + 100.0),
                altitude_amsl_m: None,
                height_agl_m: if i % 3 == 0 { None } else { Some(agl) },
            }
        })
        .collect();

    let start = Instant::now();
    let index = ZoneIndex::new(&zone_list);
    let build = start.elapsed().as_secs_f64();

    let count_hits = |chunk: &[Report]| {
        let mut out = Vec::new();
        let mut n = 0usize;
        for r in chunk {
            out.clear();
            index.hits(r, &mut out);
            n += out.len();
        }
        n
    };
    let start = Instant::now();
    let hits_one = count_hits(&track);
    let one = start.elapsed().as_secs_f64();

    let threads = std::thread::available_parallelism().map(|n| n.get()).unwrap_or(1);
    let start = Instant::now();
    let chunk = track.len().div_ceil(threads).max(1);
    let hits_all: usize = std::thread::scope(|s| {
        let handles: Vec<_> = track.chunks(chunk).map(|c| s.spawn(move || count_hits(c))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or(0)).sum()
    });
    let all = start.elapsed().as_secs_f64();
    anyhow::ensure!(hits_one == hits_all, "the threads found {hits_all} hits, one thread {hits_one}");

    let start = Instant::now();
    let incursions = rampart_threat::drone::incursion::check_with(&index, &zone_list, &track);
    let full = start.elapsed().as_secs_f64();

    println!("zones: {zones} ({} volumes), reports: {reports}, hits: {hits_one}, incursions: {}", index.volume_count(), incursions.len());
    println!("| benchmark | threads | time | reports/s |");
    println!("|---|---|---|---|");
    println!("| build the zone index | 1 | {:.1} ms | — |", build * 1000.0);
    println!("| position checks | 1 | {one:.2} s | {:.0} |", reports as f64 / one);
    println!("| position checks | {threads} | {all:.2} s | {:.0} |", reports as f64 / all);
    println!("| incursions (stays per drone and zone) | 1 | {full:.2} s | {:.0} |", reports as f64 / full);
    Ok(())
}

/// Median of measured durations, in milliseconds.
fn median_ms(mut times: Vec<Duration>) -> f64 {
    times.sort();
    times.get(times.len() / 2).map(|d| d.as_secs_f64() * 1000.0).unwrap_or(f64::NAN)
}

/// Hostile-vehicle approaches: Helsinki's Senate Square over the OSM extract (reading
/// included), then a central square over a generated `grid` × `grid` street grid
/// (80 m blocks, every junction nudged so that bends vary) with all its roads.
pub fn hvm(osm: &std::path::Path, grid: usize, rounds: usize) -> Result<()> {
    use rampart_threat::hvm::{analyse, approach::Plane, Config, Perimeter, Road, RoadNetwork, Oneway};
    use serde_json::json;
    let rounds = rounds.max(1);
    let config = Config::default();
    println!("| benchmark | roads | nodes | road segments | approaches | classes | read | analyse | total |");
    println!("|---|---|---|---|---|---|---|---|---|");
    // Senate Square (Senaatintori), Helsinki.
    let square = json!({"type": "Polygon", "coordinates": [[[24.9510, 60.1689], [24.9535, 60.1689], [24.9535, 60.1700], [24.9510, 60.1700], [24.9510, 60.1689]]]});
    let perimeter = Perimeter::from_geojson(&square).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (mut read, mut run, mut total) = (Vec::new(), Vec::new(), Vec::new());
    let mut shape = (0, 0, 0, 0);
    for _ in 0..rounds {
        let start = Instant::now();
        let (net, report) = rampart_formats::osm_roads::read_roads(osm, perimeter.search_box(config.search_margin_m)).map_err(|e| anyhow::anyhow!("{e}"))?;
        let read_done = Instant::now();
        let a = analyse(&perimeter, &net, &config).map_err(|e| anyhow::anyhow!("{e}"))?;
        read.push(read_done - start);
        run.push(read_done.elapsed());
        total.push(start.elapsed());
        shape = (report.ways, report.nodes, a.segments, a.approaches.len());
    }
    println!(
        "| Senate Square, {} | {} | {} | {} | {} | {} | {:.1} ms | {:.1} ms | {:.1} ms |",
        osm.file_name().and_then(|f| f.to_str()).unwrap_or("extract"),
        shape.0, shape.1, shape.2, shape.3, config.vehicles.len(), median_ms(read), median_ms(run), median_ms(total)
    );

    // A generated street grid: `grid` streets each way, 80 m apart, junctions nudged
    // by up to ±12 m (a deterministic pattern), a 240 m square perimeter in the middle.
    let plane = Plane::new(24.94, 60.17);
    let mut net = RoadNetwork::default();
    let half = grid as f64 * 40.0;
    for i in 0..grid {
        for j in 0..grid {
            let nudge = |k: usize| ((k * 7919 % 25) as f64) - 12.0;
            let (x, y) = (i as f64 * 80.0 - half + nudge(i * 31 + j), j as f64 * 80.0 - half + nudge(j * 17 + i * 3));
            let (lon, lat) = plane.unproject(x, y);
            net.add_node(lon, lat);
        }
    }
    let id = |i: usize, j: usize| (i * grid + j) as u32;
    for k in 0..grid {
        let road = |nodes: Vec<u32>, dir: &str| Road { source: format!("grid:{dir}/{k}"), name: None, nodes, oneway: Oneway::No, maxspeed_kmh: Some(50.0), bank: None };
        net.roads.push(road((0..grid).map(|j| id(k, j)).collect(), "ns"));
        net.roads.push(road((0..grid).map(|i| id(i, k)).collect(), "ew"));
    }
    let (c0, c1) = (plane.unproject(-125.0, -125.0), plane.unproject(115.0, 115.0));
    let centre = json!({"type": "Polygon", "coordinates": [[[c0.0, c0.1], [c1.0, c0.1], [c1.0, c1.1], [c0.0, c1.1], [c0.0, c0.1]]]});
    let perimeter = Perimeter::from_geojson(&centre).map_err(|e| anyhow::anyhow!("{e}"))?;
    // With the default 1 km margin, and with the whole grid as run-up network.
    for margin in [config.search_margin_m, 20_000.0] {
        let config = Config { search_margin_m: margin, ..config.clone() };
        let mut run = Vec::new();
        let mut shape = (0, 0);
        for _ in 0..rounds {
            let start = Instant::now();
            let a = analyse(&perimeter, &net, &config).map_err(|e| anyhow::anyhow!("{e}"))?;
            run.push(start.elapsed());
            shape = (a.segments, a.approaches.len());
        }
        let ms = median_ms(run);
        println!(
            "| generated grid {grid} × {grid} ({:.0} km across), margin {:.0} m | {} | {} | {} | {} | {} | — | {ms:.1} ms | {ms:.1} ms |",
            grid as f64 * 0.08, margin, net.roads.len(), net.nodes.len(), shape.0, shape.1, config.vehicles.len()
        );
    }
    Ok(())
}

/// CAP parsing: every alert of the corpus read and validated `rounds` times on one
/// thread; all alerts, and the alerts without embedded resources (≤ 8 KB) apart.
pub fn cap(corpus: &std::path::Path, rounds: usize) -> Result<()> {
    let mut alerts: Vec<(String, String)> = Vec::new();
    for entry in std::fs::read_dir(corpus).with_context(|| format!("reading {}", corpus.display()))? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "xml") {
            alerts.push((path.display().to_string(), std::fs::read_to_string(&path)?));
        }
    }
    anyhow::ensure!(!alerts.is_empty(), "no .xml alerts in {}", corpus.display());
    alerts.sort();
    for (name, xml) in &alerts {
        rampart_formats::cap::read(xml, Some(name)).map_err(|e| anyhow::anyhow!("{e}"))?;
    }
    println!("| alerts | count | mean size | rounds | alerts/s (one thread) | MB/s |");
    println!("|---|---|---|---|---|---|");
    let small: Vec<(String, String)> = alerts.iter().filter(|(_, x)| x.len() <= 8192).cloned().collect();
    for (label, set) in [("whole corpus", &alerts), ("≤ 8 KB (no embedded audio or images)", &small)] {
        let bytes: usize = set.iter().map(|(_, x)| x.len()).sum();
        let start = Instant::now();
        let mut ok = 0usize;
        for _ in 0..rounds {
            for (_, xml) in set.iter() {
                ok += usize::from(rampart_formats::cap::read(std::hint::black_box(xml), None).is_ok());
            }
        }
        let secs = start.elapsed().as_secs_f64();
        anyhow::ensure!(ok == set.len() * rounds, "an alert failed to read");
        println!(
            "| {label} | {} | {:.1} KB | {rounds} | {:.0} | {:.0} |",
            set.len(),
            bytes as f64 / set.len() as f64 / 1024.0,
            ok as f64 / secs,
            (bytes * rounds) as f64 / secs / 1e6
        );
    }
    Ok(())
}

/// CPU time of the calling thread so far (Linux, 10 ms ticks), so that a figure taken on
/// a busy machine can be read apart from the time spent waiting for a core.
fn thread_cpu() -> Option<Duration> {
    let stat = std::fs::read_to_string("/proc/thread-self/stat").ok()?;
    let fields: Vec<&str> = stat.get(stat.rfind(')')? + 2..)?.split_whitespace().collect();
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    Some(Duration::from_millis(ticks * 10))
}

/// Random completed surveys of a methodology: every question answered with a value
/// drawn uniformly from its scale, choices or yes/no (seeded).
pub fn random_surveys(m: &rampart_assess::Methodology, count: usize, seed: u64) -> Vec<rampart_assess::Answers> {
    use rampart_assess::{AnswerSpec, AnswerValue};
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    (0..count)
        .map(|_| {
            m.questions
                .iter()
                .map(|q| {
                    let value = match &q.answer {
                        AnswerSpec::Scale { min, max, .. } => AnswerValue::Number(rng.gen_range(*min..=*max) as f64),
                        AnswerSpec::YesNo { .. } => AnswerValue::Bool(rng.gen_bool(0.5)),
                        AnswerSpec::Choice { options } => AnswerValue::Choice(options[rng.gen_range(0..options.len())].key.clone()),
                    };
                    (q.id.clone(), value)
                })
                .collect()
        })
        .collect()
}

/// Scores `assessments` seeded random completed surveys of the shipped public-spaces
/// methodology (with three measures, so the residual is computed too) on one thread,
/// through `score` and through one reused `Scorer`; then the measures the answers suggest.
pub fn assess(assessments: usize, seed: u64) -> Result<()> {
    let m = rampart_assess::shipped_methodology("eu-public-spaces").ok_or_else(|| anyhow::anyhow!("the shipped public-spaces methodology is missing"))?;
    let c = rampart_assess::shipped_catalogue();
    let surveys = random_surveys(&m, assessments, seed);
    let measures: Vec<String> = ["hvm-certified-barriers", "entry-search", "ct-awareness-training"].map(String::from).to_vec();
    // (wall time, CPU time of this thread) of one step.
    let timed = |step: &mut dyn FnMut() -> Result<()>| -> Result<(Duration, Option<Duration>)> {
        let (t, cpu) = (Instant::now(), thread_cpu());
        step()?;
        Ok((t.elapsed(), thread_cpu().zip(cpu).map(|(b, a)| b.saturating_sub(a))))
    };
    let mut high = 0usize;
    let scoring = timed(&mut || {
        for answers in &surveys {
            let scores = rampart_assess::score(&m, &c, answers, &measures).map_err(|e| anyhow::anyhow!("{e}"))?;
            high += scores.scenarios.iter().filter(|s| s.before.band == rampart_assess::Band::High).count();
        }
        Ok(())
    })?;
    let scorer = rampart_assess::Scorer::new(&m, &c);
    let mut checksum = 0.0;
    let reused = timed(&mut || {
        for answers in &surveys {
            checksum += scorer.score(answers, &measures).map_err(|e| anyhow::anyhow!("{e}"))?.residual.max_risk;
        }
        Ok(())
    })?;
    let mut suggested = 0usize;
    let suggesting = timed(&mut || {
        for answers in &surveys {
            suggested += rampart_assess::suggest(&m, &c, answers).len();
        }
        Ok(())
    })?;
    let rate = |d: Duration| assessments as f64 / d.as_secs_f64().max(1e-9);
    let cpu = |d: Option<Duration>| d.map(secs).unwrap_or_else(|| "n/a".into());
    println!(
        "methodology {} {}: {} scenarios, {} questions; {assessments} surveys, seed {seed}",
        m.id,
        m.version,
        m.scenarios.len(),
        m.questions.len()
    );
    println!("| step | assessments | time | CPU time (this thread) | per second |\n|---|---:|---:|---:|---:|");
    for (step, (wall, used)) in [
        ("`score` (before and after 3 measures, drivers)", scoring),
        ("the same, one `Scorer` reused", reused),
        ("`suggest`", suggesting),
    ] {
        println!("| {step} | {assessments} | {} | {} | {:.0} |", secs(wall), cpu(used), rate(wall));
    }
    println!("\n{high} high-band scenario risks; sum of residual maxima {checksum:.2}; {suggested} suggestions in all.");
    Ok(())
}

/// The library's full-text search: `docs` generated documents of mixed labels,
/// communities and recipients indexed in memory, then `searches` searches of one or two
/// words as readers of different organisations, each with the TLP filter in the query,
/// snippets, and every hit re-checked with `tlp::may_read` as the server does.
pub fn library(docs: usize, searches: usize, seed: u64) -> Result<()> {
    use rampart_core::library::{may_read, DocKind, DocumentContent, LibraryDocument, Reader};
    use rampart_core::{CommunityId, OrgId, Tlp, Username};
    use rampart_server::library_index::{LibraryIndex, SearchRequest};
    use rand::seq::SliceRandom;
    use rand::{Rng, SeedableRng};
    let mut rng = rand::rngs::StdRng::seed_from_u64(seed);
    let org = |i: usize| OrgId::parse(&format!("org-{i:02}")).map_err(|e| anyhow::anyhow!("{e}"));
    let user = |i: usize| Username::parse(&format!("user{i:03}")).map_err(|e| anyhow::anyhow!("{e}"));
    let (orgs, communities, users) = (60usize, 12usize, 240usize);
    // Each community has 8 member organisations; each organisation 4 users and maybe a supervisor.
    let members: Vec<Vec<usize>> = (0..communities).map(|_| rand::seq::index::sample(&mut rng, orgs, 8).into_vec()).collect();
    let supervisor: Vec<Option<usize>> = (0..orgs).map(|o| if o >= 10 && rng.gen_bool(0.6) { Some(rng.gen_range(0..10)) } else { None }).collect();
    // A vocabulary whose word frequencies fall off like natural language's.
    let vocabulary: Vec<String> = (0..5000).map(|i| format!("w{i}")).collect();
    let word = |rng: &mut rand::rngs::StdRng| {
        let u: f64 = rng.gen();
        let i = ((vocabulary.len() as f64).powf(u) - 1.0) as usize;
        vocabulary[i.min(vocabulary.len() - 1)].clone()
    };
    let labels = [(Tlp::Clear, 20), (Tlp::Green, 35), (Tlp::Amber, 25), (Tlp::AmberStrict, 10), (Tlp::Red, 10)];
    let start = Instant::now();
    let mut all = Vec::with_capacity(docs);
    for i in 0..docs {
        let o = rng.gen_range(0..orgs);
        let tlp = labels.choose_weighted(&mut rng, |l| l.1).map(|l| l.0)?;
        let body: Vec<String> = (0..rng.gen_range(60..150)).map(|_| word(&mut rng)).collect();
        let community = matches!(tlp, Tlp::Green).then(|| CommunityId::parse(&format!("c-{}", rng.gen_range(0..communities)))).transpose().map_err(|e| anyhow::anyhow!("{e}"))?;
        let recipient_orgs = if matches!(tlp, Tlp::Amber | Tlp::AmberStrict) { (0..rng.gen_range(1..4)).map(|_| org(rng.gen_range(0..orgs))).collect::<Result<Vec<_>>>()? } else { vec![] };
        let mut recipient_orgs = recipient_orgs;
        recipient_orgs.sort();
        recipient_orgs.dedup();
        let recipients = if tlp == Tlp::Red { vec![user(rng.gen_range(0..users))?] } else { vec![] };
        all.push(LibraryDocument {
            id: format!("doc-{i:06}"),
            organisation: org(o)?,
            author: user(o * 4)?,
            content: DocumentContent {
                kind: DocKind::ALL[i % 3],
                title: format!("{} {} {}", word(&mut rng), word(&mut rng), word(&mut rng)),
                summary: (0..12).map(|_| word(&mut rng)).collect::<Vec<_>>().join(" "),
                body: body.join(" "),
                tags: vec![word(&mut rng)],
                language: "en".into(),
                sectors: vec![],
                tlp,
                community,
                recipients,
                recipient_orgs,
            },
            version: 1,
            created_at_ms: i as i64,
            updated_at_ms: i as i64,
        });
    }
    let generated = start.elapsed().as_secs_f64();
    let start = Instant::now();
    let mut ix = LibraryIndex::new(256_000_000)?;
    for d in &all {
        ix.add(d)?;
    }
    ix.commit()?;
    let indexing = start.elapsed().as_secs_f64();
    let by_id: std::collections::HashMap<&str, &LibraryDocument> = all.iter().map(|d| (d.id.as_str(), d)).collect();
    let mut times = Vec::with_capacity(searches);
    let (mut hits, mut totals) = (0usize, 0usize);
    for s in 0..searches {
        let u = rng.gen_range(0..users);
        let o = u / 4;
        let reader = Reader {
            username: user(u)?,
            organisation: org(o)?,
            communities: (0..communities).filter(|c| members[*c].contains(&o)).map(|c| CommunityId::parse(&format!("c-{c}"))).collect::<Result<_, _>>().map_err(|e| anyhow::anyhow!("{e}"))?,
            supervisor: supervisor[o].map(org).transpose()?,
            admin: false,
        };
        let q = if s % 2 == 0 { word(&mut rng) } else { format!("{} {}", word(&mut rng), word(&mut rng)) };
        let t = Instant::now();
        let keys = reader.keys();
        let found = ix.search(&SearchRequest { q, limit: 20, ..Default::default() }, Some(&keys))?;
        let readable = found.hits.iter().filter(|h| by_id.get(h.id.as_str()).is_some_and(|d| may_read(d, &reader))).count();
        times.push(t.elapsed());
        anyhow::ensure!(readable == found.hits.len(), "a hit the reader may not read");
        hits += readable;
        totals += found.total;
    }
    times.sort();
    println!("| benchmark | documents | generate | index | documents/s | searches | p50 | p99 | max | mean hits/page | mean total | peak memory |");
    println!("|---|---|---|---|---|---|---|---|---|---|---|---|");
    println!(
        "| library search (TLP-filtered) | {docs} | {generated:.1} s | {indexing:.1} s | {:.0} | {searches} | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} | {:.0} | {} |",
        docs as f64 / indexing,
        percentile(&times, 0.5),
        percentile(&times, 0.99),
        percentile(&times, 1.0),
        hits as f64 / searches as f64,
        totals as f64 / searches as f64,
        mib(peak_rss_mib())
    );
    Ok(())
}
