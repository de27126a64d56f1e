//! `rampart`: the registry's web app, JSON API and command line in one binary.

mod alert;
mod analyze;
mod assess;
mod audit;
mod assess_db;
mod analyze_models;
mod bench;
mod bench_alerts;
mod bench_alert_list;
mod bench_webhooks;
mod bench_federation;
mod community;
mod config;
mod demo;
mod drone;
mod federation;
mod hvm;
mod incident;
mod library;
mod io;
mod parquet_out;
mod threat;
mod webhook;

use anyhow::{anyhow, Context, Result};
use clap::{Parser, Subcommand};
use config::{Config, Overrides, ServeOverrides};
use rampart_core::{OrgId, Organisation, Role, Username};
use rampart_server::clock::{Clock, SystemClock};
use rampart_store::{AuditAction, NewUser, Store, StoreOptions};
use serde_json::json;
use std::io::Read;
use std::sync::Arc;

/// Rampart — identify, map and network critical infrastructure and public spaces.
///
/// Configuration comes from flags, then RAMPART_* environment variables (e.g.
/// RAMPART_DATABASE_URL, RAMPART_BIND), then a TOML file (--config, or rampart.toml in
/// the working directory), then defaults: SQLite in ./.rampart, listening on 127.0.0.1:8080.
#[derive(Parser)]
#[command(name = "rampart", version, propagate_version = true)]
struct Cli {
    #[command(flatten)]
    global: Overrides,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the web app and the JSON API.
    Serve {
        #[command(flatten)]
        serve: ServeOverrides,
    },
    /// Analyse the registry: cascades, criticality, connectivity, risk, percolation, load redistribution, IIM.
    Analyze {
        #[command(subcommand)]
        command: Box<analyze::AnalyzeCommand>,
    },
    /// The audit trail: verify its hash chain, list its entries.
    Audit {
        #[command(subcommand)]
        command: audit::AuditCommand,
    },
    /// Federation with other Rampart instances: this instance's key, peers, status, one round now.
    Federation {
        #[command(subcommand)]
        command: federation::FederationCommand,
    },
    /// CAP 1.2 alerts: validate and convert files; compose, approve, publish, update, cancel, acknowledge, list and export alerts of the warning network.
    Alert {
        #[command(subcommand)]
        command: alert::AlertCommand,
    },
    /// Webhooks: register, list, pause, resume and remove your organisation's webhooks and read their delivery logs (docs/alerts.md).
    Webhook {
        #[command(subcommand)]
        command: webhook::WebhookCommand,
    },
    /// Vulnerability assessment with a common methodology: methodologies, scoring (docs/assessment-methodology.md).
    Assess {
        #[command(subcommand)]
        command: assess::AssessCommand,
    },
    /// Hostile vehicle mitigation: the vehicle approaches into a perimeter, attainable impact speeds per vehicle class, energy and the barrier rating needed.
    Hvm(hvm::HvmArgs),
    /// Seed a demo registry of Europe if the database has no assets, print how to log in, then serve.
    Demo {
        #[command(flatten)]
        serve: ServeOverrides,
        /// Assets in the demo registry.
        #[arg(long, default_value_t = 300_000)]
        assets: u64,
        /// Seed of the generator: the same seed gives the same registry.
        #[arg(long, default_value_t = 2557)]
        seed: u64,
    },
    /// Generate a synthetic registry of Europe (real borders and cities, plausible infrastructure) into the database.
    Generate {
        /// Number of assets, 10 thousand to 10 million.
        #[arg(long, default_value_t = 100_000)]
        assets: u64,
        /// Seed: the same seed gives the same registry.
        #[arg(long, default_value_t = 2557)]
        seed: u64,
    },
    /// Import GeoJSON, CSV or OpenStreetMap PBF files: all of them or, on any error, nothing.
    ///
    /// GeoJSON: a FeatureCollection of assets (plus dependency and link features and an
    /// "organisations" member). CSV: assets.csv, dependencies.csv, links.csv,
    /// organisations.csv (see docs/formats.md). OSM: a .osm.pbf extract, mapped by tags.
    Import {
        /// The files, in any order (organisations and assets are loaded before dependencies and links).
        #[arg(required = true)]
        files: Vec<std::path::PathBuf>,
        /// Check everything (syntax, fields, duplicates, references, the database's constraints) and write nothing.
        #[arg(long)]
        check: bool,
        /// OSM tag mapping (TOML) to use instead of the built-in one (see docs/formats.md).
        #[arg(long)]
        osm_mapping: Option<std::path::PathBuf>,
        /// Country of OSM elements that have no addr:country and lie outside the known borders.
        #[arg(long)]
        country: Option<String>,
        /// Recorded in the history of every imported asset.
        #[arg(long, default_value = "import")]
        actor: String,
    },
    /// Export the registry (or part of it) as GeoJSON or CSV, in a form that imports back.
    Export {
        /// `geojson` (one file) or `csv` (a folder with assets.csv, dependencies.csv, links.csv, organisations.csv).
        #[arg(long, default_value = "geojson")]
        format: String,
        /// The file (GeoJSON) or folder (CSV) to write; `-` writes GeoJSON to standard output.
        #[arg(long, short)]
        out: std::path::PathBuf,
        /// Only this country (ISO 3166-1 alpha-2).
        #[arg(long)]
        country: Option<String>,
        /// Only this sector.
        #[arg(long)]
        sector: Option<String>,
    },
    /// Drones: protected sites as UAS zones (ED-269, ED-318), zone files, Remote ID messages, incursions.
    Drone {
        #[command(subcommand)]
        command: drone::DroneCommand,
    },
    /// Apply database migrations and exit (serve and demo also migrate at start).
    Migrate,
    /// Manage user accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Manage organisations (authorities, operators, EU bodies, networks).
    Org {
        #[command(subcommand)]
        command: OrgCommand,
    },
    /// Incident notifications (Directive (EU) 2022/2557 Art. 15): record, notify, update, list with their clocks.
    Incident {
        #[command(subcommand)]
        command: incident::IncidentCommand,
    },
    /// The library of good practice, lessons learnt and guidance: publish, list, search (TLP-filtered), attach, events.
    Library {
        #[command(subcommand)]
        command: library::LibraryCommand,
    },
    /// Manage communities: the sharing groups of organisations that TLP:GREEN items go to.
    Community {
        #[command(subcommand)]
        command: community::CommunityCommand,
    },
    /// Blast stand-off: rings, evacuation and shelter distances, overpressure and impulse against distance; with --lon/--lat, the registry's sites inside each ring.
    Blast(threat::BlastArgs),
    /// Crowd egress of a venue (JSON or TOML): egress time and capacity, the bottleneck, the width that would meet the target.
    Egress {
        /// The venue file (.json or .toml): areas with their occupant load, exits with clear width and type.
        venue: std::path::PathBuf,
        /// green-guide, uk-entertainment or nfpa101.
        #[arg(long, default_value = "green-guide")]
        rules: String,
        /// Egress time target in minutes (default: the rule set's).
        #[arg(long)]
        target_min: Option<f64>,
        #[arg(long)]
        json: bool,
    },
    /// Explosives precursors (Regulation (EU) 2019/1148): screen products, list the catalogue, compose reports.
    Precursor {
        #[command(subcommand)]
        command: threat::PrecursorCommand,
    },
    /// Measure speed; prints Markdown tables for BENCHMARKS.md.
    Bench {
        #[command(subcommand)]
        command: BenchCommand,
    },
}

#[derive(Subcommand)]
enum BenchCommand {
    /// Generate a registry in memory (nothing stored): time, rate and peak memory.
    Generate {
        #[arg(long, default_value_t = 10_000_000)]
        assets: u64,
        #[arg(long, default_value_t = 2557)]
        seed: u64,
    },
    /// Generate a registry as a GeoJSON file, then time its import into the configured, empty database.
    Import {
        #[arg(long, default_value_t = 1_000_000)]
        assets: u64,
        #[arg(long, default_value_t = 2557)]
        seed: u64,
        /// Folder for the temporary GeoJSON file.
        #[arg(long, default_value = "/tmp")]
        dir: std::path::PathBuf,
    },
    /// The analysis engine on a generated registry: binary graph load, a regional scenario, N-1, Monte Carlo risk.
    Engine {
        #[arg(long, default_value_t = 1_000_000)]
        assets: u64,
        #[arg(long, default_value_t = 2557)]
        seed: u64,
        /// Folder for the temporary binary graph.
        #[arg(long, default_value = "/tmp")]
        dir: std::path::PathBuf,
        /// Leave out the N-1 study.
        #[arg(long)]
        no_criticality: bool,
        /// Keep the binary graph here and load it on later runs instead of generating again.
        #[arg(long)]
        graph: Option<std::path::PathBuf>,
        /// Events of the Monte Carlo risk runs (0 leaves them out).
        #[arg(long, default_value_t = 10_000)]
        events: usize,
    },
    /// Explosives-precursor screening of random product formulations.
    Precursor {
        #[arg(long, default_value_t = 1_000_000)]
        formulations: usize,
        #[arg(long, default_value_t = 2557)]
        seed: u64,
    },
    /// Remote ID incursion checks: generated position reports against generated zones across Europe.
    Drone {
        /// Zones (half circles, half 12-sided polygons, 300 m to 3 km across).
        #[arg(long, default_value_t = 10_000)]
        zones: usize,
        /// Position reports.
        #[arg(long, default_value_t = 4_000_000)]
        reports: usize,
        #[arg(long, default_value_t = 2557)]
        seed: u64,
    },
    /// Hostile-vehicle approaches: a city-centre perimeter over an OSM extract, and over a generated city-sized street grid.
    Hvm {
        /// The OpenStreetMap extract (default: the Helsinki test extract beside the checkout).
        #[arg(long, default_value = "../shared/corpora/osm/Helsinki.osm.pbf")]
        osm: std::path::PathBuf,
        /// Streets across the generated grid (the grid has this many squared junctions).
        #[arg(long, default_value_t = 400)]
        grid: usize,
        /// Runs of each measurement (the median is printed).
        #[arg(long, default_value_t = 5)]
        rounds: usize,
    },
    /// Vulnerability assessment: score seeded random completed surveys of the shipped public-spaces methodology.
    Assess {
        #[arg(long, default_value_t = 10_000)]
        assessments: usize,
        #[arg(long, default_value_t = 2557)]
        seed: u64,
    },
    /// One assessment report of the demo stadium: HTML, then PDF through headless Chromium (target ≤ 2 s).
    Report {
        /// Reports printed (the median is the figure).
        #[arg(long, default_value_t = 5)]
        rounds: usize,
    },
    /// City-sized bounding-box queries against the configured database (fill it first with `rampart generate`).
    Query {
        /// Queries per kind.
        #[arg(long, default_value_t = 400)]
        rounds: usize,
    },
    /// Publish → live delivery latency of alerts to many clients connected to the event stream of a local server.
    Alerts {
        /// Event-stream clients connected while the alerts are published.
        #[arg(long, default_value_t = 1000)]
        clients: usize,
        /// Alerts published one after another.
        #[arg(long, default_value_t = 20)]
        alerts: usize,
        /// Serve the event streams from a second server on the same database (delivery through its poll).
        #[arg(long)]
        second_server: bool,
    },
    /// A reader's page of the alert inbox filtered by TLP in the database, over many alerts (needs an empty database).
    AlertList {
        /// Published alerts loaded before timing.
        #[arg(long, default_value_t = 100_000)]
        alerts: usize,
        /// Pages timed per row of the table.
        #[arg(long, default_value_t = 200)]
        rounds: usize,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Webhook deliveries to a local receiver: deliveries per second, and the cost of a tick with nothing to send.
    Webhooks {
        /// Webhooks registered (all for the alerts' recipient).
        #[arg(long, default_value_t = 100)]
        webhooks: usize,
        /// Alerts published before delivery starts.
        #[arg(long, default_value_t = 50)]
        alerts: usize,
    },
    /// Federation ingest: signed alerts from a peer verified and applied in batches, as a push does: items per second.
    Federation {
        #[arg(long, default_value_t = 20_000)]
        items: usize,
        #[arg(long, default_value_t = 500)]
        batch: usize,
    },
    /// The library's TLP-filtered full-text search over generated documents: indexing rate, search p50/p99.
    Library {
        #[arg(long, default_value_t = 100_000)]
        docs: usize,
        #[arg(long, default_value_t = 400)]
        searches: usize,
        #[arg(long, default_value_t = 2557)]
        seed: u64,
    },
    /// CAP alerts read and validated repeatedly on one thread: alerts per second.
    Cap {
        /// A folder of CAP alerts (default: the shared corpus beside the checkout).
        #[arg(long, default_value = "../shared/corpora/cap")]
        corpus: std::path::PathBuf,
        #[arg(long, default_value_t = 200)]
        rounds: usize,
    },
}

#[derive(Subcommand)]
enum UserCommand {
    /// Add a user. Without --password-stdin a strong password is generated and printed once.
    Add {
        username: String,
        /// admin, analyst, assessor, operator or viewer.
        #[arg(long)]
        role: String,
        /// The user's organisation id (see `rampart org list`).
        #[arg(long)]
        org: String,
        /// Read the password from standard input instead of generating one.
        #[arg(long)]
        password_stdin: bool,
    },
    /// Set a user's password (ends their sessions). Without --password-stdin one is generated and printed once.
    SetPassword {
        username: String,
        #[arg(long)]
        password_stdin: bool,
    },
    /// Change a user's role.
    SetRole { username: String, role: String },
    /// Disable a user (ends their sessions).
    Disable { username: String },
    /// List users.
    List,
}

#[derive(Subcommand)]
enum OrgCommand {
    /// Add or update an organisation.
    Add {
        id: String,
        #[arg(long)]
        name: String,
        /// authority, operator, eu_body or network.
        #[arg(long)]
        kind: String,
        /// ISO 3166-1 alpha-2 country (required for authorities and operators).
        #[arg(long)]
        country: Option<String>,
    },
    /// List organisations.
    List,
    /// Show an organisation's place in the warning network, changing what is given.
    Sharing {
        id: String,
        /// The authority or EU body it is a client of (`none` clears).
        #[arg(long)]
        supervisor: Option<String>,
        /// Its security liaison officer, a user of the organisation (`none` clears).
        #[arg(long)]
        liaison: Option<String>,
        /// Whether it is its member state's single point of contact.
        #[arg(long)]
        contact_point: Option<bool>,
        /// Whether it is its member state's national contact point for explosives precursors.
        #[arg(long)]
        precursor_contact_point: Option<bool>,
    },
}

/// Logs go to standard error; servers log at `info`, one-shot commands only warnings.
fn init_logs(json: bool, serving: bool) {
    let default = if serving { "info,sqlx=warn,sqlx::query=error" } else { "warn,sqlx::query=error" };
    let filter = tracing_subscriber::EnvFilter::try_from_env("RAMPART_LOG").unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(default));
    let builder = tracing_subscriber::fmt().with_env_filter(filter).with_writer(std::io::stderr);
    if json {
        builder.json().init();
    } else {
        builder.init();
    }
}

#[tokio::main]
async fn main() -> Result<()> {
    let cli = Cli::parse();
    let (serve_flags, serving) = match &cli.command {
        Command::Serve { serve } | Command::Demo { serve, .. } => (serve.clone(), true),
        Command::Federation { command: federation::FederationCommand::Sync { federation } }
        | Command::Federation { command: federation::FederationCommand::Bundle { command: federation::BundleCommand::Export { federation, .. } } }
        | Command::Federation { command: federation::FederationCommand::Bundle { command: federation::BundleCommand::Import { federation, .. } } } => {
            (ServeOverrides { federation: federation.clone(), ..ServeOverrides::default() }, false)
        }
        _ => (ServeOverrides::default(), false),
    };
    let config = Config::resolve(&cli.global, &serve_flags)?;
    init_logs(config.json_logs, serving);
    match cli.command {
        Command::Serve { .. } => serve(&config, open(&config).await?).await,
        Command::Demo { assets, seed, .. } => {
            let store = open(&config).await?;
            demo::seed_if_empty(&store, &config, assets, seed).await?;
            serve(&config, store).await
        }
        Command::Generate { assets, seed } => {
            let store = open(&config).await?;
            let stats = demo::load_generated(&store, assets, seed).await?;
            println!(
                "generated {} organisations, {} assets, {} dependencies, {} network links ({} cross-border) in {} countries",
                stats.organisations, stats.assets, stats.dependencies, stats.links, stats.cross_border_links, stats.countries
            );
            Ok(())
        }
        Command::Import { files, check, osm_mapping, country, actor } => {
            let store = open(&config).await?;
            io::import(&store, &files, check, osm_mapping.as_deref(), country.as_deref(), &actor).await
        }
        Command::Export { format, out, country, sector } => {
            let store = open(&config).await?;
            io::export(&store, &format, &out, country.as_deref(), sector.as_deref()).await
        }
        Command::Analyze { command } => analyze::run(open(&config), *command).await,
        Command::Drone { command } => drone::run(open(&config), command).await,
        Command::Hvm(args) => hvm::run(args, open(&config)).await,
        Command::Alert { command } => alert::run(command, open(&config)).await,
        Command::Webhook { command } => webhook::run(command, &open(&config).await?).await,
        Command::Assess { command } => assess::run(command, open(&config)).await,
        Command::Audit { command } => audit::run(&open(&config).await?, command).await,
        Command::Federation { command } => federation::run(command, &config, open(&config)).await,
        Command::Migrate => {
            open(&config).await?;
            println!("migrations applied to {}", config.redacted_database_url());
            Ok(())
        }
        Command::Blast(args) => threat::blast(open(&config), args).await,
        Command::Egress { venue, rules, target_min, json } => threat::egress(&venue, &rules, target_min, json),
        Command::Precursor { command } => threat::precursor(open(&config), command).await,
        Command::User { command } => user(&open(&config).await?, command).await,
        Command::Org { command } => org(&open(&config).await?, command).await,
        Command::Incident { command } => incident::incident(&open(&config).await?, command).await,
        Command::Library { command } => library::library(&open(&config).await?, command).await,
        Command::Community { command } => community::community(&open(&config).await?, command).await,
        Command::Bench { command } => match command {
            BenchCommand::Generate { assets, seed } => bench::generate(assets, seed),
            BenchCommand::Import { assets, seed, dir } => bench::import(&open(&config).await?, assets, seed, &dir).await,
            BenchCommand::Engine { assets, seed, dir, no_criticality, graph, events } => {
                bench::engine(&bench::EngineBench { graph, assets, seed, dir, criticality: !no_criticality, events })
            }
            BenchCommand::Precursor { formulations, seed } => bench::precursor(formulations, seed),
            BenchCommand::Drone { zones, reports, seed } => bench::drone(zones, reports, seed),
            BenchCommand::Report { rounds } => assess_db::bench_report(rounds).await,
            BenchCommand::Query { rounds } => bench::query(&open(&config).await?, rounds).await,
            BenchCommand::Hvm { osm, grid, rounds } => bench::hvm(&osm, grid, rounds),
            BenchCommand::Cap { corpus, rounds } => bench::cap(&corpus, rounds),
            BenchCommand::Assess { assessments, seed } => bench::assess(assessments, seed),
            BenchCommand::Alerts { clients, alerts, second_server } => bench_alerts::alerts(clients, alerts, second_server).await,
            BenchCommand::Webhooks { webhooks, alerts } => bench_webhooks::webhooks(webhooks, alerts).await,
            BenchCommand::Federation { items, batch } => bench_federation::federation(items, batch).await,
            BenchCommand::Library { docs, searches, seed } => bench::library(docs, searches, seed),
            BenchCommand::AlertList { alerts, rounds, seed } => bench_alert_list::alert_list(&open(&config).await?, alerts, rounds, seed).await,
        },
    }
}

async fn open(config: &Config) -> Result<Store> {
    tracing::info!(database = %config.redacted_database_url(), "opening the store");
    Store::open(&StoreOptions::new(&config.database_url))
        .await
        .with_context(|| format!("opening the database {}", config.redacted_database_url()))
}

async fn serve(config: &Config, store: Store) -> Result<()> {
    let settings = rampart_server::Settings {
        secure_cookies: config.secure_cookies,
        session_hours: config.session_hours,
        max_body_bytes: config.max_body_mb * 1024 * 1024,
        hvm_osm: config.hvm_osm.clone(),
        alert_liaison_after_ms: config.alert_escalation_min.0 * 60_000,
        alert_authority_after_ms: config.alert_escalation_min.1 * 60_000,
        webhook_allow_http: config.webhook_allow_http,
        federation: federation::settings(config)?,
        ..Default::default()
    };
    if let Some(id) = &settings.federation.identity {
        tracing::info!(instance = %id.name, public_key = %id.key.public(), "federation is on");
    }
    let mut state = rampart_server::AppState::new(store.clone(), Arc::new(SystemClock), settings);
    state.locate = Some(io::locate());
    let listener = tokio::net::TcpListener::bind(&config.bind).await.with_context(|| format!("listening on {}", config.bind))?;
    let addr = listener.local_addr()?;
    tracing::info!(%addr, "Rampart is serving");
    println!("Rampart is up on http://{addr}");
    let purge_store = store.clone();
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(std::time::Duration::from_secs(600));
        loop {
            tick.tick().await;
            if let Err(e) = purge_store.purge_expired(SystemClock.now_ms(), rampart_server::auth::FAILURE_WINDOW_MS).await {
                tracing::warn!(error = %e, "purging expired sessions failed");
            }
        }
    });
    rampart_server::launch(state, listener, shutdown_signal()).await?;
    store.close().await;
    tracing::info!("stopped");
    Ok(())
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let term = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut s) => {
                s.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let term = std::future::pending::<()>();
    tokio::select! { _ = ctrl_c => {}, _ = term => {} }
    tracing::info!("shutting down: finishing requests in flight");
}

/// A password from standard input (first line), or a generated one.
fn password(from_stdin: bool) -> Result<(String, bool)> {
    if from_stdin {
        let mut s = String::new();
        std::io::stdin().read_to_string(&mut s)?;
        let pw = s.lines().next().unwrap_or("").to_string();
        rampart_server::auth::check_password(&pw).map_err(|e| anyhow!("{e:?}"))?;
        Ok((pw, false))
    } else {
        Ok((demo::generated_password(), true))
    }
}

async fn hash(pw: String) -> Result<String> {
    rampart_server::auth::hash_password(pw).await.map_err(|e| anyhow!("hashing the password: {e}"))
}

async fn user(store: &Store, command: UserCommand) -> Result<()> {
    let now = SystemClock.now_ms();
    let actor = audit::cli_actor();
    match command {
        UserCommand::Add { username, role, org, password_stdin } => {
            let username = Username::parse(&username).map_err(|e| anyhow!("username{e}"))?;
            let role = Role::parse(&role).map_err(|e| anyhow!("--role{e}"))?;
            let org = OrgId::parse(&org).map_err(|e| anyhow!("--org{e}"))?;
            let (pw, generated) = password(password_stdin)?;
            let h = hash(pw.clone()).await?;
            let audit = audit::entry(&actor, AuditAction::Create, "user", username.as_str(), json!({"role": role.key(), "organisation": org.as_str()}));
            store.create_user_audited(&NewUser { username: &username, password_hash: &h, role, organisation_id: &org }, now, &audit).await?;
            println!("added user {username} ({}, {org})", role.key());
            if generated {
                println!("password: {pw}");
            }
        }
        UserCommand::SetPassword { username, password_stdin } => {
            let name = Username::parse(&username).map_err(|e| anyhow!("username{e}"))?;
            let (pw, generated) = password(password_stdin)?;
            let audit = audit::entry(&actor, AuditAction::Change, "user", name.as_str(), json!({"password_changed": true}));
            store.update_user_audited(&name, None, Some(&hash(pw.clone()).await?), None, &audit).await?;
            println!("password of {name} changed; their sessions have ended");
            if generated {
                println!("password: {pw}");
            }
        }
        UserCommand::SetRole { username, role } => {
            let name = Username::parse(&username).map_err(|e| anyhow!("username{e}"))?;
            let role = Role::parse(&role).map_err(|e| anyhow!("role{e}"))?;
            store.update_user_audited(&name, Some(role), None, None, &audit::entry(&actor, AuditAction::Change, "user", name.as_str(), json!({"role": role.key()}))).await?;
            println!("{name} is now {}", role.key());
        }
        UserCommand::Disable { username } => {
            let name = Username::parse(&username).map_err(|e| anyhow!("username{e}"))?;
            store.update_user_audited(&name, None, None, Some(true), &audit::entry(&actor, AuditAction::Change, "user", name.as_str(), json!({"disabled": true}))).await?;
            println!("{name} is disabled; their sessions have ended");
        }
        UserCommand::List => {
            println!("{:<24} {:<9} {:<24} STATUS", "USERNAME", "ROLE", "ORGANISATION");
            for u in store.list_users().await? {
                println!("{:<24} {:<9} {:<24} {}", u.username.as_str(), u.role.key(), u.organisation_id.as_str(), if u.disabled { "disabled" } else { "active" });
            }
        }
    }
    Ok(())
}

async fn org(store: &Store, command: OrgCommand) -> Result<()> {
    match command {
        OrgCommand::Add { id, name, kind, country } => {
            let obj = serde_json::json!({"id": id, "name": name, "kind": kind, "country": country});
            let org = Organisation::from_json(obj.as_object().ok_or_else(|| anyhow!("organisation"))?).map_err(|e| anyhow!("{e}"))?;
            let actor = audit::cli_actor();
            store.put_organisation_audited(&org, &audit::entry(&actor, AuditAction::Create, "organisation", org.id.as_str(), json!({"name": org.name}))).await?;
            println!("organisation {} saved", org.id);
        }
        OrgCommand::Sharing { id, supervisor, liaison, contact_point, precursor_contact_point } => {
            community::sharing(store, &id, supervisor, liaison, contact_point, precursor_contact_point).await?
        }
        OrgCommand::List => {
            println!("{:<28} {:<10} {:<7} NAME", "ID", "KIND", "COUNTRY");
            for o in store.list_organisations().await? {
                println!("{:<28} {:<10} {:<7} {}", o.id.as_str(), o.kind.key(), o.country.map(|c| c.to_string()).unwrap_or_default(), o.name);
            }
        }
    }
    Ok(())
}

