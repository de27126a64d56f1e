//! `rampart blast`, `rampart egress`, `rampart precursor …`: the threat tools on the
//! command line. Parsing and answers are the API's (`rampart_server::threat`), so the
//! two agree.

use anyhow::{anyhow, bail, Context, Result};
use clap::{Args, Subcommand};
use rampart_core::Scope;
use crate::io::{acting_as, answer, database_operator, describe, json_file, moment};
use rampart_server::precursor_reports;
use rampart_server::threat as api;
use rampart_store::Store;
use rampart_threat::egress::{self, RuleSet, Venue};
use rampart_threat::precursor::{self, Catalogue, Formulation, Report};
use serde_json::{json, Value};
use std::path::PathBuf;

#[derive(Args)]
pub struct BlastArgs {
    /// Charge in kg TNT equivalent.
    #[arg(long, conflicts_with = "item", required_unless_present = "item", allow_negative_numbers = true)]
    kg: Option<f64>,
    /// A threat item: pipe_bomb, suicide_vest, briefcase, car, van, small_delivery_truck, lorry, semi_trailer.
    #[arg(long)]
    item: Option<String>,
    /// A free-air (spherical) burst instead of a surface burst.
    #[arg(long)]
    free_air: bool,
    /// Longitude of the charge: lists the registry's sites and public-space occupancy inside each ring.
    #[arg(long, requires = "lat", allow_negative_numbers = true)]
    lon: Option<f64>,
    #[arg(long, requires = "lon", allow_negative_numbers = true)]
    lat: Option<f64>,
    /// Rows of the overpressure and impulse table.
    #[arg(long, default_value_t = 20)]
    rows: u64,
    /// Print the whole answer as JSON (as the API gives it).
    #[arg(long)]
    json: bool,
}

fn problem(e: rampart_core::Invalid) -> anyhow::Error {
    anyhow!("{e}")
}

pub async fn blast(store: impl std::future::Future<Output = Result<Store>>, a: BlastArgs) -> Result<()> {
    let mut req = json!({"burst": if a.free_air { "free_air" } else { "surface" }, "table_rows": a.rows});
    if let Some(kg) = a.kg {
        req["kg"] = json!(kg);
    }
    if let Some(item) = &a.item {
        req["item"] = json!(item);
    }
    if let (Some(lon), Some(lat)) = (a.lon, a.lat) {
        req["lon"] = json!(lon);
        req["lat"] = json!(lat);
    }
    let input = api::parse_blast(&req).map_err(|e| anyhow!("{}", e.to_string().replace("kg:", "--kg:").replace("item:", "--item:")))?;
    let answer = match input.at {
        Some(_) => api::blast_answer(&store.await?, &Scope::All, &input).await?,
        None => serde_json::to_value(rampart_threat::blast::stand_off(&input.request))?,
    };
    if a.json {
        println!("{}", serde_json::to_string_pretty(&answer)?);
        return Ok(());
    }
    let f = |v: &Value| v.as_f64().map(|x| format!("{x:.1}")).unwrap_or_else(|| "—".into());
    println!("Charge: {} kg TNT equivalent, {} burst", answer["kg_tnt"], answer["burst"].as_str().unwrap_or(""));
    if let Some(item) = answer.get("item").filter(|v| !v.is_null()) {
        println!(
            "Threat item: {} — NCTC chart: mandatory evacuation {} m, preferred evacuation {} m [R]",
            item["label"].as_str().unwrap_or(""),
            f(&item["nctc_mandatory_evacuation_m"]),
            f(&item["nctc_preferred_evacuation_m"])
        );
    }
    for (key, what) in [("computed", "Computed"), ("recommended", "Plan with")] {
        if let Some(d) = answer.get(key).filter(|v| !v.is_null()) {
            println!("{what}: evacuate to {} m, shelter in place to {} m ({})", f(&d["evacuation_m"]), f(&d["shelter_m"]), d["source"].as_str().unwrap_or(""));
        }
    }
    println!("\n| ring | kPa | radius m |\n|---|---:|---:|");
    for r in answer["rings"].as_array().into_iter().flatten() {
        println!("| {} | {} | {} |", r["label"].as_str().unwrap_or(""), r["kpa"], f(&r["radius_m"]));
    }
    println!("\n| distance m | Z m/kg^(1/3) | overpressure kPa | impulse kPa·ms |\n|---:|---:|---:|---:|");
    for r in answer["table"].as_array().into_iter().flatten() {
        println!("| {} | {:.3} | {:.2} | {} |", f(&r["distance_m"]), r["z"].as_f64().unwrap_or(0.0), r["overpressure_kpa"].as_f64().unwrap_or(0.0), f(&r["impulse_kpa_ms"]));
    }
    if let Some(e) = answer.get("exposure") {
        println!("\n| ring | radius m | sites | public spaces | occupancy |\n|---|---:|---:|---:|---:|");
        for r in e["rings"].as_array().into_iter().flatten() {
            println!("| {} | {} | {} | {} | {} |", r["id"].as_str().unwrap_or(""), f(&r["radius_m"]), r["assets"], r["public_spaces"], r["occupancy"]);
        }
        println!("\n{} sites inside the outer ring; nearest:", e["sites_total"]);
        for s in e["sites"].as_array().into_iter().flatten().take(20) {
            println!("  {:>8} m  {:<20} {} ({})", f(&s["distance_m"]), s["id"].as_str().unwrap_or(""), s["name"].as_str().unwrap_or(""), s["ring"].as_str().unwrap_or(""));
        }
    }
    Ok(())
}

pub fn egress(venue: &std::path::Path, rules: &str, target_min: Option<f64>, as_json: bool) -> Result<()> {
    let rules = RuleSet::parse(rules).ok_or_else(|| anyhow!("--rules: expected green-guide, uk-entertainment or nfpa101, found {rules:?}"))?;
    let text = std::fs::read_to_string(venue).with_context(|| format!("reading {}", venue.display()))?;
    let mut v = Venue::parse_file(&venue.display().to_string(), &text)?;
    if let Some(t) = target_min {
        if !(t.is_finite() && t > 0.0) {
            bail!("--target-min: must be a number of minutes above 0, found {t}");
        }
        v.target_min = Some(t);
    }
    let r = egress::assess(&v, rules);
    if as_json {
        println!("{}", serde_json::to_string_pretty(&r)?);
        return Ok(());
    }
    let t = |x: Option<f64>| x.map(|m| format!("{m:.2}")).unwrap_or_else(|| "—".into());
    println!("{} — {}", r.name.as_deref().unwrap_or("venue"), r.rules_label);
    println!("Occupants: {}; target: {} min; capacity: {:.0}", r.occupants, t(r.target_min), r.capacity);
    println!("\n| exit | type | width m | load | time min | width needed m | meets | Fruin |\n|---|---|---:|---:|---:|---:|---|---|");
    for e in &r.exits {
        println!(
            "| {} | {} | {:.2} | {:.0} | {} | {:.2} | {} | {} |",
            e.id,
            e.kind,
            e.width_m,
            e.load,
            t(e.time_min),
            e.width_needed_m,
            if e.meets_target { "yes" } else { "no" },
            e.fruin.map(String::from).unwrap_or_default()
        );
    }
    if let Some(b) = &r.bottleneck {
        println!("\nBottleneck: exit {} ({} min); it needs {:.2} m instead of {:.2} m.", b.exit, t(b.time_min), b.width_needed_m, b.width_m);
    }
    println!("Egress time: {} min — {}", t(r.egress_time_min), if r.meets_target { "meets the target" } else { "does NOT meet the target" });
    if r.extra_width_needed_m > 0.0 {
        println!("Extra exit width needed: {:.2} m", r.extra_width_needed_m);
    }
    for f in &r.flows {
        println!("Flow {}: {:.1} persons/m/min, Fruin level {}", f.id, f.persons_per_m_min, f.fruin);
    }
    Ok(())
}

#[derive(Subcommand)]
pub enum PrecursorCommand {
    /// Screen product formulations: a JSON file (one formulation, or {"products": […]}) or --substance CAS=PCT pairs.
    Screen {
        /// JSON file: {"name", "homogeneous", "components": [{"cas", "percent", "particle_um"} | {"name", "percent"}]}.
        file: Option<PathBuf>,
        /// A regulated substance and its % w/w, e.g. 7722-84-1=30; repeat for mixtures.
        #[arg(long = "substance", conflicts_with = "file")]
        substances: Vec<String>,
        #[arg(long)]
        json: bool,
    },
    /// List the regulated substances (Annex I with limits, Annex II).
    Catalogue {
        #[arg(long)]
        json: bool,
    },
    /// Compose a suspicious-transaction (or disappearance, theft) report as JSON, due 24 hours after detection.
    Report {
        /// JSON file: {"kind", "country", "indicators", "products", "quantity", "customer", "description"}.
        file: PathBuf,
        /// The clock: when the transaction was considered suspicious (RFC 3339); default now.
        #[arg(long)]
        now: Option<String>,
    },
    /// Send a report to the national contact point of its country, as the sharing directory names it.
    Send {
        /// The report, as for `precursor report`.
        file: PathBuf,
        /// The user sending it (their organisation is the sender).
        #[arg(long = "as")]
        user: String,
        #[arg(long)]
        now: Option<String>,
    },
    /// The reports a user's organisation sent or received (without --as: all).
    Sent {
        #[arg(long = "as")]
        user: Option<String>,
    },
}

pub async fn precursor(store: impl std::future::Future<Output = Result<Store>>, command: PrecursorCommand) -> Result<()> {
    let cat = Catalogue::shipped();
    match command {
        PrecursorCommand::Screen { file, substances, json } => {
            let answer = match file {
                Some(path) => {
                    let text = std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
                    let v: Value = serde_json::from_str(&text).map_err(|e| anyhow!("{}: {e}", path.display()))?;
                    api::screen_json(&v).map_err(|e| anyhow!("{}: {e}", path.display()))?
                }
                None if substances.is_empty() => bail!("give a formulation file or --substance CAS=PCT"),
                None => serde_json::to_value(precursor::screen(&cat, &Formulation::from_pairs(&substances, &cat).map_err(problem)?))?,
            };
            if json {
                println!("{}", serde_json::to_string_pretty(&answer)?);
                return Ok(());
            }
            let products: Vec<&Value> = match answer.get("products").and_then(Value::as_array) {
                Some(list) => list.iter().collect(),
                None => vec![&answer],
            };
            for p in products {
                println!("{}: {}", p["name"].as_str().unwrap_or("product"), p["summary"].as_str().unwrap_or(""));
                for f in p["findings"].as_array().into_iter().flatten() {
                    println!("  {} {} {} %: {}", f["cas"].as_str().unwrap_or(""), f["substance"].as_str().unwrap_or(""), f["percent"], f["reason"].as_str().unwrap_or(""));
                }
            }
        }
        PrecursorCommand::Catalogue { json } => {
            if json {
                println!("{}", serde_json::to_string_pretty(&api::catalogue_json())?);
                return Ok(());
            }
            println!("| CAS | substance | annex | limit | licence up to | common names |\n|---|---|---|---|---|---|");
            for s in cat.substances() {
                let pct = |x: Option<f64>| x.map(|v| format!("{v} %")).unwrap_or_else(|| "—".into());
                let limit = match (s.limit_pct, s.basis) {
                    (Some(l), precursor::Basis::Nitrogen) => format!("{l} % nitrogen"),
                    (l, _) => pct(l),
                };
                println!("| {} | {} | {:?} | {} | {} | {} |", s.cas, s.name, s.annex, limit, pct(s.licence_upper_pct), s.common_names.join(", "));
            }
        }
        PrecursorCommand::Report { file, now } => {
            let v = json_file(&file)?;
            let r = Report::from_json(&v, &cat, moment(now.as_deref())?).map_err(|e| anyhow!("{}: {e}", file.display()))?;
            println!("{}", serde_json::to_string_pretty(&api::report_json(&r))?);
        }
        PrecursorCommand::Send { file, user, now } => {
            let store = store.await?;
            let p = acting_as(&store, &user).await?;
            let v = json_file(&file)?;
            let at = moment(now.as_deref())?;
            let r = precursor_reports::send(&store, &p, &v, at).await;
            let sent = answer((&store, at), p.username.as_str(), ("precursor report", ""), "precursor send", r).await.map_err(|e| anyhow!("{}: {e}", file.display()))?;
            let late = if sent.submitted_at > sent.due_at { " (late: it was due within 24 hours of detection)" } else { "" };
            println!("{}: sent to {}{late}", sent.id, sent.recipient_id);
        }
        PrecursorCommand::Sent { user } => {
            let store = store.await?;
            let p = match user {
                Some(u) => acting_as(&store, &u).await?,
                None => database_operator()?,
            };
            println!("{:<22} {:<24} {:<8} {:<16} {:<16} {:<20} LATE", "ID", "KIND", "COUNTRY", "FROM", "TO", "SENT");
            for r in precursor_reports::visible(&store, &p).await.map_err(describe)? {
                let v = precursor_reports::to_json(&r);
                println!(
                    "{:<22} {:<24} {:<8} {:<16} {:<16} {:<20} {}",
                    r.id,
                    r.kind,
                    r.country,
                    r.organisation_id.as_str(),
                    r.recipient_id.as_str(),
                    v["sent_at"].as_str().unwrap_or("").get(..16).unwrap_or(""),
                    if v["late"] == json!(true) { "yes" } else { "no" }
                );
            }
        }
    }
    Ok(())
}
