//! `rampart drone …`: zones of protected sites, zone files, Remote ID messages, incursions.

use anyhow::{anyhow, bail, Context, Result};
use crate::io::{describe, read_text};
use clap::Subcommand;
use rampart_core::{Invalid, Scope};
use rampart_server::assets::FilterQuery;
use rampart_server::drone::ZoneQuery;
use rampart_store::Store;
use rampart_threat::drone::{self, Shape, ZoneFormat};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum DroneCommand {
    /// Write protected sites of the registry as UAS geographical zones (ED-269 or ED-318 JSON).
    Zones {
        /// A site by asset id (repeat for more); or select sites with --country, --category, --sector, --bbox, --q.
        #[arg(long = "asset")]
        assets: Vec<String>,
        /// ISO 3166-1 alpha-2 country of the sites.
        #[arg(long)]
        country: Option<String>,
        /// Public-space category, e.g. stadium.
        #[arg(long)]
        category: Option<String>,
        /// Sector, e.g. energy.
        #[arg(long)]
        sector: Option<String>,
        /// minLon,minLat,maxLon,maxLat.
        #[arg(long)]
        bbox: Option<String>,
        /// Text in the name or id.
        #[arg(long)]
        q: Option<String>,
        /// Metres added around each site (a point site becomes a circle of this radius).
        #[arg(long, default_value_t = 500.0)]
        buffer: f64,
        /// Lower limit, metres.
        #[arg(long, default_value_t = 0.0, allow_hyphen_values = true)]
        lower: f64,
        /// Upper limit, metres.
        #[arg(long, default_value_t = 120.0)]
        upper: f64,
        /// What the limits are measured from: AGL, AMSL or WGS84.
        #[arg(long, default_value = "AGL")]
        reference: String,
        /// PROHIBITED, REQ_AUTHORISATION, CONDITIONAL or NO_RESTRICTION.
        #[arg(long, default_value = "PROHIBITED")]
        restriction: String,
        /// ed269 or ed318.
        #[arg(long, default_value = "ed318")]
        format: String,
        /// The file to write; `-` for standard output.
        #[arg(long, short, default_value = "-")]
        out: PathBuf,
    },
    /// Read an ED-269 or ED-318 file, report what departs from the model, and print its zones.
    Import {
        file: PathBuf,
        /// Print the zones as JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Decode ASTM F3411 Remote ID messages given in hexadecimal; prints one JSON object per message.
    Decode {
        /// Messages in hexadecimal (25 bytes; a message pack is longer).
        hex: Vec<String>,
        /// Read the messages from this file instead, one per line (`#` starts a comment).
        #[arg(long)]
        file: Option<PathBuf>,
    },
    /// Check a drone track against zones: the stays of each drone in each zone.
    Check {
        /// An ED-269 or ED-318 file.
        #[arg(long)]
        zones: PathBuf,
        /// A track: the JSON form or Remote ID messages in hexadecimal, one per line (see docs/drones.md).
        #[arg(long)]
        track: PathBuf,
        /// json or csv.
        #[arg(long, default_value = "json")]
        format: String,
        /// The file to write; `-` for standard output.
        #[arg(long, short, default_value = "-")]
        out: PathBuf,
    },
}

fn invalid(what: &str, i: Invalid) -> anyhow::Error {
    let lines: Vec<String> = i.0.iter().map(|e| format!("  {what}: {e}")).collect();
    anyhow!("{what} was refused:\n{}", lines.join("\n"))
}

fn writer(out: &Path) -> Result<Box<dyn Write>> {
    if out == Path::new("-") {
        Ok(Box::new(std::io::stdout()))
    } else {
        let f = std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?;
        Ok(Box::new(std::io::BufWriter::new(f)))
    }
}

pub async fn run(store: impl std::future::Future<Output = Result<Store>>, command: DroneCommand) -> Result<()> {
    match command {
        DroneCommand::Zones { assets, country, category, sector, bbox, q, buffer, lower, upper, reference, restriction, format, out } => {
            let format = ZoneFormat::parse(&format).map_err(|e| anyhow!("--{e}"))?;
            let filter = FilterQuery { country, category, sector, bbox, q, ..Default::default() }.parse().map_err(describe)?;
            let query = ZoneQuery {
                assets: Some(assets.join(",")),
                buffer: Some(buffer),
                lower: Some(lower),
                upper: Some(upper),
                reference: Some(reference),
                restriction: Some(restriction),
                format: None,
            };
            let sel = query.selection(filter).map_err(|e| anyhow!("{e}"))?;
            let store = store.await?;
            let zones = rampart_server::drone::site_zones(&store, &Scope::All, &sel).await.map_err(describe)?;
            let doc = format.write(&zones, "Protected sites (Rampart)").map_err(|e| invalid("the zones", e))?;
            let mut w = writer(&out)?;
            serde_json::to_writer_pretty(&mut w, &doc)?;
            writeln!(w)?;
            w.flush()?;
            eprintln!("wrote {} zones", zones.len());
            Ok(())
        }
        DroneCommand::Import { file, json } => {
            let text = read_text(&file)?;
            let f = drone::read_zones_text(&text).map_err(|e| invalid(&file.display().to_string(), e))?;
            for w in &f.warnings {
                eprintln!("warning: {}: {w}", file.display());
            }
            if json {
                let zones: Vec<_> = f.zones.iter().map(drone::zone_summary).collect();
                println!("{}", serde_json::to_string_pretty(&serde_json::json!({"format": f.format, "zones": zones}))?);
                return Ok(());
            }
            println!("{}: {} zones ({})", file.display(), f.zones.len(), f.format);
            println!("{:<8} {:<4} {:<18} {:<22} {:<28} NAME", "ID", "CTRY", "RESTRICTION", "REASON", "VOLUMES");
            for z in &f.zones {
                let volumes: Vec<String> = z
                    .volumes
                    .iter()
                    .map(|v| {
                        let m = |x: Option<f64>, none: &str| x.map(|x| format!("{x:.0}")).unwrap_or_else(|| none.into());
                        let shape = match v.shape {
                            Shape::Circle { radius_m, .. } => format!("circle {radius_m:.0} m"),
                            Shape::Polygon(ref p) => format!("polygon {}", p.exterior().0.len() - 1),
                        };
                        format!("{shape} {}-{} m {}", m(v.lower.metres, "SFC"), m(v.upper.metres, "UNL"), v.upper.reference.key())
                    })
                    .collect();
                let reasons: Vec<&str> = z.reasons.iter().map(|r| r.key()).collect();
                println!("{:<8} {:<4} {:<18} {:<22} {:<28} {}", z.id, z.country, z.restriction.key(), reasons.join(","), volumes.join("; "), z.name);
            }
            Ok(())
        }
        DroneCommand::Decode { hex, file } => {
            let lines: Vec<(String, String)> = match file {
                Some(f) => read_text(&f)?
                    .lines()
                    .enumerate()
                    .map(|(i, l)| (format!("{}:{}", f.display(), i + 1), l.split('#').next().unwrap_or("").trim().to_string()))
                    .filter(|(_, l)| !l.is_empty())
                    .collect(),
                None if hex.is_empty() => bail!("give messages in hexadecimal, or --file"),
                None => hex.iter().enumerate().map(|(i, h)| (format!("message {}", i + 1), h.clone())).collect(),
            };
            let (total, mut failed) = (lines.len(), 0);
            for (place, line) in lines {
                match drone::decode_hex(&line) {
                    Ok(m) => println!("{}", serde_json::to_string(&m)?),
                    Err(e) => {
                        eprintln!("{place}: {e}");
                        failed += 1;
                    }
                }
            }
            if failed > 0 {
                bail!("{failed} of {total} messages could not be decoded");
            }
            Ok(())
        }
        DroneCommand::Check { zones, track, format, out } => {
            let z = drone::read_zones_text(&read_text(&zones)?).map_err(|e| invalid(&zones.display().to_string(), e))?;
            let t = drone::track::read(&read_text(&track)?).map_err(|e| invalid(&track.display().to_string(), e))?;
            let incursions = drone::check(&z.zones, &t.reports);
            let mut w = writer(&out)?;
            match format.as_str() {
                "json" => {
                    let items: Vec<_> = incursions.iter().map(|i| i.to_json()).collect();
                    serde_json::to_writer_pretty(&mut w, &serde_json::json!({"zones": z.zones.len(), "reports": t.reports.len(), "incursions": items}))?;
                    writeln!(w)?;
                }
                "csv" => {
                    let mut c = csv::Writer::from_writer(&mut w);
                    c.write_record(["zone_id", "zone_name", "asset_id", "restriction", "uas_id", "status", "first_report", "last_report", "reports", "first_time", "last_time", "entry_lon", "entry_lat"])?;
                    for i in &incursions {
                        let status = serde_json::to_value(i.status)?.as_str().unwrap_or("").to_string();
                        c.write_record([
                            i.zone_id.clone(),
                            i.zone_name.clone(),
                            i.asset_id.clone().unwrap_or_default(),
                            i.restriction.to_string(),
                            i.uas_id.clone(),
                            status,
                            i.first_report.to_string(),
                            i.last_report.to_string(),
                            i.reports.to_string(),
                            i.first_time.clone().unwrap_or_default(),
                            i.last_time.clone().unwrap_or_default(),
                            i.entry[0].to_string(),
                            i.entry[1].to_string(),
                        ])?;
                    }
                    c.flush()?;
                }
                other => bail!("--format must be json or csv, found {other:?}"),
            }
            w.flush()?;
            eprintln!("{} incursions: {} reports against {} zones", incursions.len(), t.reports.len(), z.zones.len());
            Ok(())
        }
    }
}
