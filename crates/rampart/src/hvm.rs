//! `rampart hvm`: hostile-vehicle approaches into a perimeter, as a table, GeoJSON
//! and CSV (rampart_threat::hvm; docs/hvm.md).

use anyhow::{anyhow, bail, Context, Result};
use rampart_core::AssetId;
use rampart_store::Store;
use rampart_threat::hvm::{self, Config, Perimeter, RoadNetwork, Standard};
use serde_json::{json, Value};
use std::path::{Path, PathBuf};

#[derive(clap::Args)]
pub struct HvmArgs {
    /// The protected perimeter: a GeoJSON file with a Polygon, or the id of a registry asset with a polygon outline.
    #[arg(long)]
    pub perimeter: String,
    /// Road network: an OpenStreetMap extract (.osm.pbf); its drivable roads around the perimeter are read.
    #[arg(long, conflicts_with = "paths", required_unless_present = "paths")]
    pub osm: Option<PathBuf>,
    /// Road network: approach paths drawn by hand (GeoJSON LineStrings; properties name, maxspeed, bank, oneway).
    #[arg(long)]
    pub paths: Option<PathBuf>,
    /// Vehicle classes (repeat or comma-separate): M1 N1G N1 N2 N3 (PAS 68), N2A N2B N3C N3D N3E N3F (IWA 14-1), C PU M H (ASTM F2656).
    #[arg(long = "vehicle", value_delimiter = ',')]
    pub vehicles: Vec<String>,
    /// Acceleration of a class on the run-up, e.g. `N3C=1.8` (m/s²; repeatable).
    #[arg(long = "accel", value_delimiter = ',')]
    pub accels: Vec<String>,
    /// The barrier installed or proposed, e.g. "V/7200[N3C]/48/90:0.6"; approaches it does not stop are named.
    #[arg(long)]
    pub barrier: Option<String>,
    /// Side friction in bends.
    #[arg(long, default_value_t = 0.7)]
    pub mu: f64,
    /// Bend radii are measured over this much of each leg, m.
    #[arg(long, default_value_t = 25.0)]
    pub bend_window: f64,
    /// Cap speeds at the roads' legal limits (maxspeed).
    #[arg(long)]
    pub legal_limits: bool,
    /// Drive one-way streets only their way.
    #[arg(long)]
    pub respect_oneway: bool,
    /// Read roads this far around the perimeter, m.
    #[arg(long, default_value_t = 1000.0)]
    pub margin: f64,
    /// Largest allowed penetration, m: printed in the required ratings and checked against the barrier.
    #[arg(long)]
    pub max_penetration: Option<f64>,
    /// Write the run-up paths and the perimeter as GeoJSON.
    #[arg(long)]
    pub out: Option<PathBuf>,
    /// Write one row per approach and vehicle class as CSV.
    #[arg(long)]
    pub csv: Option<PathBuf>,
}

impl HvmArgs {
    fn config(&self) -> Result<Config> {
        let mut options = serde_json::Map::new();
        if !self.vehicles.is_empty() {
            let mut vehicles = Vec::new();
            for v in &self.vehicles {
                vehicles.push(json!({"code": v.trim()}));
            }
            options.insert("vehicles".into(), Value::Array(vehicles));
        }
        options.insert("mu".into(), json!(self.mu));
        options.insert("bend_window_m".into(), json!(self.bend_window));
        options.insert("legal_limits".into(), json!(self.legal_limits));
        options.insert("respect_oneway".into(), json!(self.respect_oneway));
        options.insert("search_margin_m".into(), json!(self.margin));
        options.insert("max_penetration_m".into(), json!(self.max_penetration));
        options.insert("barrier".into(), json!(self.barrier));
        let mut config = Config::from_json(&options).map_err(|e| anyhow!("{e}"))?;
        for a in &self.accels {
            let (code, value) = a.split_once('=').ok_or_else(|| anyhow!("--accel {a:?}: expected CLASS=M_PER_S2, e.g. N3C=1.8"))?;
            let value: f64 = value.trim().parse().map_err(|_| anyhow!("--accel {a:?}: {value:?} is not a number"))?;
            let class = config
                .vehicles
                .iter_mut()
                .find(|v| v.code.eq_ignore_ascii_case(code.trim()))
                .ok_or_else(|| anyhow!("--accel {a:?}: {code} is not among the vehicle classes analysed"))?;
            class.accel = value;
        }
        config.check().map_err(|e| anyhow!("{e}"))?;
        Ok(config)
    }
}

async fn perimeter(arg: &str, store: impl std::future::Future<Output = Result<Store>>) -> Result<Perimeter> {
    let path = Path::new(arg);
    if path.exists() || arg.ends_with(".geojson") || arg.ends_with(".json") {
        let text = std::fs::read_to_string(path).with_context(|| format!("reading the perimeter {arg}"))?;
        let v: Value = serde_json::from_str(&text).map_err(|e| anyhow!("{arg}: line {}, column {}: {e}", e.line(), e.column()))?;
        return Perimeter::from_geojson(&v).map_err(|e| anyhow!("{arg}: {e}"));
    }
    let id = AssetId::parse(arg).map_err(|e| anyhow!("--perimeter: {arg:?} is neither a file nor an asset id{e}"))?;
    let asset = store.await?.get_asset(&id).await?.ok_or_else(|| anyhow!("--perimeter: no asset {arg} in the registry"))?;
    Perimeter::from_geometry(&asset.asset.geometry).map_err(|e| anyhow!("--perimeter: asset {arg}: {}", e.0.iter().map(|f| f.message.clone()).collect::<Vec<_>>().join("; ")))
}

pub async fn run(args: HvmArgs, store: impl std::future::Future<Output = Result<Store>>) -> Result<()> {
    let config = args.config()?;
    let perimeter = perimeter(&args.perimeter, store).await?;
    let roads = match (&args.osm, &args.paths) {
        (Some(osm), _) => {
            let (net, report) = rampart_formats::osm_roads::read_roads(osm, perimeter.search_box(config.search_margin_m)).map_err(|e| anyhow!("{e}"))?;
            eprintln!("{}: {} roads, {} nodes within {} m of the perimeter (© OpenStreetMap contributors)", osm.display(), report.ways, report.nodes, config.search_margin_m);
            net
        }
        (None, Some(p)) => {
            let text = std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
            let v: Value = serde_json::from_str(&text).map_err(|e| anyhow!("{}: line {}, column {}: {e}", p.display(), e.line(), e.column()))?;
            RoadNetwork::from_geojson_paths(&v).map_err(|e| anyhow!("{}: {e}", p.display()))?
        }
        (None, None) => bail!("give the road network: --osm FILE.osm.pbf or --paths FILE.geojson"),
    };
    let analysis = hvm::analyse(&perimeter, &roads, &config).map_err(|e| anyhow!("{e}"))?;
    print_table(&analysis);
    if let Some(out) = &args.out {
        let mut fc = analysis.to_geojson();
        let perimeter_feature = json!({"type": "Feature", "geometry": rampart_core::Geometry::Polygon(perimeter.polygon.clone()).to_geojson(), "properties": {"perimeter": true}});
        if let Some(features) = fc.get_mut("features").and_then(Value::as_array_mut) {
            features.insert(0, perimeter_feature);
        }
        std::fs::write(out, serde_json::to_string_pretty(&fc)?).with_context(|| format!("writing {}", out.display()))?;
        eprintln!("wrote {}", out.display());
    }
    if let Some(path) = &args.csv {
        let mut w = csv::Writer::from_path(path).with_context(|| format!("writing {}", path.display()))?;
        for row in analysis.to_csv_rows() {
            w.write_record(&row)?;
        }
        w.flush()?;
        eprintln!("wrote {}", path.display());
    }
    Ok(())
}

fn print_table(a: &hvm::Analysis) {
    if a.approaches.is_empty() {
        println!("no road enters the perimeter ({} road segments considered)", a.segments);
        return;
    }
    println!("{:>3}  {:<28} {:>5}  {:<5} {:>6} {:>7} {:>6}  {:<24} {:<22}", "#", "ROAD", "ANGLE", "CLASS", "KM/H", "KJ", "RUN-UP", "IWA 14-1 / ISO 22343-1", "PAS 68");
    for ap in &a.approaches {
        let road: String = ap.name.clone().unwrap_or_else(|| ap.road.clone()).chars().take(28).collect();
        for (i, v) in ap.vehicles.iter().enumerate() {
            let rating = |st: Standard| {
                v.required.iter().find(|r| r.standard == st).map(|r| r.rating.clone().unwrap_or_else(|| "beyond 112 km/h".into())).unwrap_or_else(|| "—".into())
            };
            let (id, road, angle) = if i == 0 { (ap.id.to_string(), road.clone(), format!("{:.0}°", ap.angle_deg)) } else { (String::new(), String::new(), String::new()) };
            let barrier = v.barrier.as_ref().map(|b| if b.sufficient { "  ok" } else { "  INSUFFICIENT" }).unwrap_or("");
            println!(
                "{id:>3}  {road:<28} {angle:>5}  {:<5} {:>6.1} {:>7.0} {:>5.0}m  {:<24} {:<22}{barrier}",
                v.class,
                v.speed_kmh,
                v.energy_kj,
                v.run_up_m,
                rating(Standard::Iwa14),
                rating(Standard::Pas68)
            );
        }
    }
    for line in &a.insufficient {
        println!("{line}");
    }
}
