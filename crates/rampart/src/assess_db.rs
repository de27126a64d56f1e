//! `rampart assess create|plan|answer|attach|run-score|findings|submit|approve|send-back|issue|report|list|show`:
//! assessments in the database, acting as a named user (`--as`). Every command goes
//! through the API's handlers with that user's principal, so the CLI obeys exactly the
//! same access rules, workflow and validation as the web app and the JSON API.

use anyhow::{anyhow, bail, Context, Result};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use clap::Subcommand;
use rampart_server::assessments as api;
use rampart_server::auth::Auth;
use rampart_server::clock::SystemClock;
use rampart_server::error::ApiError;
use rampart_server::json::JsonBody;
use rampart_server::{AppState, Settings};
use rampart_store::Store;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::Arc;

#[derive(Subcommand)]
pub enum AssessDbCommand {
    /// Request an assessment of a site (as a host authority, operator or administrator).
    Create {
        /// The site's asset id.
        #[arg(long)]
        site: String,
        /// The protective security advisor (an assessor) who leads the team.
        #[arg(long)]
        lead: String,
        #[arg(long)]
        title: Option<String>,
        /// The host organisation (administrators only; others host their own requests).
        #[arg(long)]
        host: Option<String>,
        #[command(flatten)]
        who: Acting,
    },
    /// Plan an assessment: type, methodology, dates and the team with its expertise.
    Plan {
        id: String,
        /// `facility` (pre-assessment) or `event` (event security advice).
        #[arg(long)]
        kind: String,
        #[arg(long, default_value = "eu-public-spaces")]
        methodology: String,
        /// First day, YYYY-MM-DD.
        #[arg(long)]
        from: String,
        /// Last day, YYYY-MM-DD.
        #[arg(long)]
        to: String,
        /// The event's name (for event security advice).
        #[arg(long)]
        event_name: Option<String>,
        /// A team member and their expertise, e.g. `ana=drones,crisis_management` (repeat for each member).
        #[arg(long = "member", required = true)]
        members: Vec<String>,
        #[command(flatten)]
        who: Acting,
    },
    /// Answer survey questions from a file (JSON or TOML of question id → answer); all or nothing.
    Answer {
        id: String,
        #[arg(long)]
        file: PathBuf,
        #[command(flatten)]
        who: Acting,
    },
    /// Attach a photo or document (JPEG, PNG, PDF or plain text, at most 10 MiB).
    Attach {
        id: String,
        file: PathBuf,
        /// The question the file documents.
        #[arg(long)]
        question: Option<String>,
        #[command(flatten)]
        who: Acting,
    },
    /// Score the completed survey of an assessment in the database.
    RunScore {
        id: String,
        #[command(flatten)]
        who: Acting,
    },
    /// Write findings and recommendations from a file (JSON or TOML), or take the suggested ones.
    Findings {
        id: String,
        /// `{summary, findings: [{scenario, text}], recommendations: [{measure, title, text, priority, cost_band, scenarios}]}`.
        #[arg(long, conflicts_with = "suggested")]
        file: Option<PathBuf>,
        /// Recommend every measure the answers suggest, with their suggested priority and cost band.
        #[arg(long)]
        suggested: bool,
        /// How many of the suggested measures to recommend, most urgent first (with --suggested).
        #[arg(long, default_value_t = 12)]
        top: usize,
        /// The executive summary (with --suggested).
        #[arg(long)]
        summary: Option<String>,
        #[command(flatten)]
        who: Acting,
    },
    /// Submit the findings for review by a second person.
    Submit {
        id: String,
        #[command(flatten)]
        who: Acting,
    },
    /// Approve the findings (not as their author).
    Approve {
        id: String,
        #[arg(long)]
        comment: Option<String>,
        #[command(flatten)]
        who: Acting,
    },
    /// Send the findings back to their author with what must change.
    SendBack {
        id: String,
        #[arg(long)]
        comment: String,
        #[command(flatten)]
        who: Acting,
    },
    /// Issue the approved report to the host.
    Issue {
        id: String,
        #[command(flatten)]
        who: Acting,
    },
    /// Write the report as HTML and/or PDF (the PDF needs Chromium).
    Report {
        id: String,
        #[arg(long)]
        html: Option<PathBuf>,
        #[arg(long)]
        pdf: Option<PathBuf>,
        #[command(flatten)]
        who: Acting,
    },
    /// The assessments the user may read.
    List {
        /// Only those of this site.
        #[arg(long)]
        site: Option<String>,
        #[command(flatten)]
        who: Acting,
    },
    /// One assessment: state, team, scores, findings; with --json, everything.
    Show {
        id: String,
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        who: Acting,
    },
}

#[derive(clap::Args)]
pub struct Acting {
    /// The user acting (their role and organisation decide what they may see and do).
    #[arg(long = "as", value_name = "USER")]
    pub user: String,
}

impl AssessDbCommand {
    fn acting(&self) -> &str {
        use AssessDbCommand::*;
        match self {
            Create { who, .. } | Plan { who, .. } | Answer { who, .. } | Attach { who, .. } | RunScore { who, .. } | Findings { who, .. } | Submit { who, .. }
            | Approve { who, .. } | SendBack { who, .. } | Issue { who, .. } | Report { who, .. } | List { who, .. } | Show { who, .. } => &who.user,
        }
    }
}

/// An API error as the command line says it: every field at fault on its own line.
fn said(e: ApiError) -> anyhow::Error {
    match e {
        ApiError::Invalid(i) | ApiError::BadFields(i) => anyhow!("{}", i.0.iter().map(|f| f.to_string()).collect::<Vec<_>>().join("\n")),
        ApiError::Internal(d) => anyhow!("internal error: {d}"),
        ApiError::Forbidden(d) => anyhow!("{d}"),
        other => anyhow!("{other}"),
    }
}

fn read_structured(path: &std::path::Path) -> Result<Value> {
    let text = std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let source = path.display();
    if path.extension().is_some_and(|e| e.eq_ignore_ascii_case("json")) {
        serde_json::from_str(&text).map_err(|e| anyhow!("{source}:{}: {e}", e.line()))
    } else {
        let table: toml::Table = text.parse().map_err(|e: toml::de::Error| anyhow!("{source}: {}", e.to_string().trim().replace('\n', " ")))?;
        Ok(serde_json::to_value(table)?)
    }
}

fn body(v: Value) -> Bytes {
    Bytes::from(v.to_string())
}

fn print_state(v: &Value) {
    println!(
        "{} {} — {} (version {}){}",
        v["id"].as_str().unwrap_or(""),
        v["title"].as_str().unwrap_or(""),
        v["state"].as_str().unwrap_or(""),
        v["version"],
        match v["allowed_actions"].as_array() {
            Some(a) if !a.is_empty() => format!("; next: {}", a.iter().filter_map(|x| x.as_str()).collect::<Vec<_>>().join(", ")),
            _ => String::new(),
        }
    );
}

fn print_scores(v: &Value) {
    let Some(scenarios) = v["scores"]["scenarios"].as_array() else { return };
    println!("{:<30} {:>8} {:<7} {:>14} {:<7}", "SCENARIO", "RISK", "BAND", "WITH MEASURES", "BAND");
    for s in scenarios {
        println!(
            "{:<30} {:>8.2} {:<7} {:>14.2} {:<7}",
            s["title"].as_str().unwrap_or(""),
            s["before"]["risk"].as_f64().unwrap_or(0.0),
            s["before"]["band"].as_str().unwrap_or(""),
            s["after"]["risk"].as_f64().unwrap_or(0.0),
            s["after"]["band"].as_str().unwrap_or("")
        );
    }
    println!(
        "overall: {} (highest {}); with the recommended measures: {} (highest {})",
        v["scores"]["overall"]["band"].as_str().unwrap_or(""),
        v["scores"]["overall"]["max_risk"],
        v["scores"]["residual"]["band"].as_str().unwrap_or(""),
        v["scores"]["residual"]["max_risk"]
    );
}

pub async fn run(store: Store, command: AssessDbCommand) -> Result<()> {
    let principal = store.principal(command.acting()).await?.ok_or_else(|| anyhow!("--as: no active user named {:?}", command.acting()))?;
    let state = AppState::new(store, Arc::new(SystemClock), Settings::default());
    let st = || State(state.clone());
    let auth = || Auth(principal.clone());
    use AssessDbCommand::*;
    match command {
        Create { site, lead, title, host, .. } => {
            let req = json!({"asset_id": site, "lead_assessor": lead, "title": title, "host_org": host});
            let (_, axum::Json(v)) = api::create(st(), auth(), JsonBody(req)).await.map_err(said)?;
            print_state(&v);
        }
        Plan { id, kind, methodology, from, to, event_name, members, .. } => {
            let team: Vec<Value> = members
                .iter()
                .map(|m| {
                    let (user, expertise) = m.split_once('=').unwrap_or((m.as_str(), ""));
                    json!({"username": user, "expertise": expertise.split(',').filter(|e| !e.is_empty()).collect::<Vec<_>>()})
                })
                .collect();
            let req = json!({"kind": kind, "methodology": methodology, "starts_on": from, "ends_on": to, "event_name": event_name, "team": team});
            let axum::Json(v) = api::plan(st(), auth(), Path(id), JsonBody(req)).await.map_err(said)?;
            print_state(&v);
        }
        Answer { id, file, .. } => {
            let answers = crate::assess::read_answers(&file)?;
            let axum::Json(current) = api::get(st(), auth(), Path(id.clone())).await.map_err(said)?;
            let req = json!({"version": current["version"], "answers": answers});
            let axum::Json(v) = api::answers(st(), auth(), Path(id), JsonBody(req)).await.map_err(|e| anyhow!("{}: {}", file.display(), said(e)))?;
            let total = v["answers"].as_object().map(|a| a.len()).unwrap_or(0);
            println!("{} answers saved ({total} in all)", answers.len());
            print_state(&v);
        }
        Attach { id, file, question, .. } => {
            let bytes = std::fs::read(&file).with_context(|| format!("reading {}", file.display()))?;
            let filename = file.file_name().map(|f| f.to_string_lossy().to_string()).unwrap_or_default();
            let q = api::AttachQuery { filename, question };
            let (_, axum::Json(v)) = api::attach(st(), auth(), Path(id), Query(q), Ok(Bytes::from(bytes))).await.map_err(|e| anyhow!("{}: {}", file.display(), said(e)))?;
            println!("attached {} ({}, {} bytes, sha256 {})", v["filename"].as_str().unwrap_or(""), v["content_type"].as_str().unwrap_or(""), v["size_bytes"], v["sha256"].as_str().unwrap_or(""));
        }
        RunScore { id, .. } => {
            let axum::Json(v) = api::score(st(), auth(), Path(id), Bytes::new()).await.map_err(said)?;
            print_state(&v);
            print_scores(&v);
        }
        Findings { id, file, suggested, top, summary, .. } => {
            let req = match (file, suggested) {
                (Some(f), _) => read_structured(&f)?,
                (None, true) => {
                    let axum::Json(s) = api::suggestions(st(), auth(), Path(id.clone())).await.map_err(said)?;
                    let items: Vec<Value> = s["items"].as_array().into_iter().flatten().take(top).cloned().collect();
                    json!({"summary": summary.unwrap_or_default(), "recommendations": items})
                }
                (None, false) => bail!("give --file FILE or --suggested"),
            };
            let axum::Json(v) = api::findings(st(), auth(), Path(id), JsonBody(req)).await.map_err(said)?;
            println!("{} recommendations", v["findings"]["recommendations"].as_array().map(|a| a.len()).unwrap_or(0));
            print_state(&v);
            print_scores(&v);
        }
        Submit { id, .. } => print_state(&api::submit(st(), auth(), Path(id), Bytes::new()).await.map_err(said)?.0),
        Approve { id, comment, .. } => print_state(&api::approve(st(), auth(), Path(id), body(json!({"comment": comment}))).await.map_err(said)?.0),
        SendBack { id, comment, .. } => print_state(&api::send_back(st(), auth(), Path(id), body(json!({"comment": comment}))).await.map_err(said)?.0),
        Issue { id, .. } => print_state(&api::issue(st(), auth(), Path(id), Bytes::new()).await.map_err(said)?.0),
        Report { id, html, pdf, .. } => {
            if html.is_none() && pdf.is_none() {
                bail!("give --html FILE and/or --pdf FILE");
            }
            let r = api::readable(&state, &principal, &id).await.map_err(said)?;
            let text = rampart_server::report::html_of(&state, &r).await.map_err(said)?;
            if let Some(path) = html {
                std::fs::write(&path, &text).with_context(|| format!("writing {}", path.display()))?;
                println!("wrote {}", path.display());
            }
            if let Some(path) = pdf {
                let bytes = rampart_server::report::pdf_of(text).await.map_err(said)?;
                std::fs::write(&path, bytes).with_context(|| format!("writing {}", path.display()))?;
                println!("wrote {}", path.display());
            }
        }
        List { site, .. } => {
            let axum::Json(v) = api::list(st(), auth(), Query(api::ListQuery { asset: site })).await.map_err(said)?;
            println!("{:<22} {:<10} {:<20} {:<18} TITLE", "ID", "STATE", "SITE", "HOST");
            for a in v["items"].as_array().into_iter().flatten() {
                println!(
                    "{:<22} {:<10} {:<20} {:<18} {}",
                    a["id"].as_str().unwrap_or(""),
                    a["state"].as_str().unwrap_or(""),
                    a["asset_id"].as_str().unwrap_or(""),
                    a["host_org"].as_str().unwrap_or(""),
                    a["title"].as_str().unwrap_or("")
                );
            }
        }
        Show { id, json, .. } => {
            let axum::Json(v) = api::get(st(), auth(), Path(id)).await.map_err(said)?;
            if json {
                println!("{}", serde_json::to_string_pretty(&v)?);
            } else {
                print_state(&v);
                println!("site: {} ({}); host: {}", v["site"]["name"].as_str().unwrap_or("?"), v["asset_id"].as_str().unwrap_or(""), v["host_org"].as_str().unwrap_or(""));
                let team: Vec<String> = v["team"].as_array().into_iter().flatten().map(|m| m["username"].as_str().unwrap_or("").to_string()).collect();
                println!("team: {}; answers: {}", team.join(", "), v["answers"].as_object().map(|a| a.len()).unwrap_or(0));
                print_scores(&v);
            }
        }
    }
    Ok(())
}

/// The demo stadium's survey, for the report benchmark.
const DEMO_SURVEY: &str = include_str!("../../../docs/examples/demo-stadium-survey.toml");

/// `rampart bench report`: the demo stadium assessed (100 answers, 12 recommendations) in a
/// temporary SQLite database, then its report rendered as HTML and printed to PDF `rounds`
/// times. Prints a Markdown table (median, fastest, slowest).
pub async fn bench_report(rounds: usize) -> Result<()> {
    use rampart_core::{OrgId, Role, Username};
    use std::time::Instant;
    let dir = tempfile::tempdir()?;
    let url = format!("sqlite://{}", dir.path().join("bench.db").display());
    let store = Store::open(&rampart_store::StoreOptions::new(&url)).await?;
    let (org, site) = crate::demo::demo_stadium()?;
    store.put_organisation(&org).await?;
    let psa = rampart_core::Organisation::from_json(json!({"id": "eu-psa", "name": "EU PSA", "kind": "eu_body"}).as_object().ok_or_else(|| anyhow!("org"))?)
        .map_err(|e| anyhow!("{e}"))?;
    store.put_organisation(&psa).await?;
    store.create_asset(&site, "bench", 0).await?;
    for (name, role, org) in [("host", Role::Operator, org.id.as_str()), ("lead", Role::Assessor, "eu-psa"), ("second", Role::Assessor, "eu-psa")] {
        let (u, o) = (Username::parse(name).map_err(|e| anyhow!("{e}"))?, OrgId::parse(org).map_err(|e| anyhow!("{e}"))?);
        store.create_user(&rampart_store::NewUser { username: &u, password_hash: "not-a-login", role, organisation_id: &o }, 0).await?;
    }
    let state = AppState::new(store.clone(), Arc::new(SystemClock), Settings::default());
    let who = |name: &str| {
        let store = store.clone();
        let name = name.to_string();
        async move { store.principal(&name).await?.ok_or_else(|| anyhow!("no user {name}")) }
    };
    let (host, lead) = (who("host").await?, who("lead").await?);
    let (_, axum::Json(a)) = api::create(State(state.clone()), Auth(host.clone()), JsonBody(json!({"asset_id": site.id, "lead_assessor": "lead"}))).await.map_err(said)?;
    let id = a["id"].as_str().ok_or_else(|| anyhow!("id"))?.to_string();
    let plan = json!({"kind": "event", "event_name": "Cup final", "methodology": "eu-public-spaces", "starts_on": "2026-05-20", "ends_on": "2026-05-23",
        "team": [{"username": "lead", "expertise": ["explosives_detection"]}, {"username": "second", "expertise": ["crisis_management"]}]});
    let axum::Json(a) = api::plan(State(state.clone()), Auth(lead.clone()), Path(id.clone()), JsonBody(plan)).await.map_err(said)?;
    let table: toml::Table = DEMO_SURVEY.parse()?;
    let mut answers = serde_json::Map::new();
    for (layer, qs) in table {
        for (q, v) in qs.as_table().into_iter().flatten() {
            answers.insert(format!("{layer}.{q}"), serde_json::to_value(v)?);
        }
    }
    let _ = api::answers(State(state.clone()), Auth(lead.clone()), Path(id.clone()), JsonBody(json!({"version": a["version"], "answers": answers}))).await.map_err(said)?;
    let _ = api::score(State(state.clone()), Auth(lead.clone()), Path(id.clone()), Bytes::new()).await.map_err(said)?;
    let axum::Json(s) = api::suggestions(State(state.clone()), Auth(lead.clone()), Path(id.clone())).await.map_err(said)?;
    let recs: Vec<Value> = s["items"].as_array().into_iter().flatten().take(12).cloned().collect();
    let findings = json!({"summary": "Match days bring large crowds outside the perimeter.", "recommendations": recs,
        "findings": [{"scenario": "vehicle-ramming", "text": "Gate 3 has no hostile-vehicle barrier."}]});
    let _ = api::findings(State(state.clone()), Auth(lead.clone()), Path(id.clone()), JsonBody(findings)).await.map_err(said)?;
    let record = api::readable(&state, &lead, &id).await.map_err(said)?;

    let median = |mut v: Vec<f64>| {
        v.sort_by(f64::total_cmp);
        (v[v.len() / 2], v[0], v[v.len() - 1])
    };
    let (mut html_ms, mut pdf_ms, mut bytes, mut html_bytes) = (Vec::new(), Vec::new(), 0, 0);
    for _ in 0..rounds.max(1) {
        let t = Instant::now();
        let html = rampart_server::report::html_of(&state, &record).await.map_err(said)?;
        html_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        html_bytes = html.len();
        let t = Instant::now();
        let pdf = rampart_server::report::pdf_of(html).await.map_err(said)?;
        pdf_ms.push(t.elapsed().as_secs_f64() * 1000.0);
        bytes = pdf.len();
    }
    let (h, hmin, hmax) = median(html_ms);
    let (p, pmin, pmax) = median(pdf_ms);
    println!("| step ({} rounds) | median | fastest | slowest | size |\n|---|---:|---:|---:|---:|", rounds.max(1));
    println!("| report HTML (store → HTML) | {h:.1} ms | {hmin:.1} ms | {hmax:.1} ms | {} KiB |", html_bytes / 1024);
    println!("| report PDF (HTML → Chromium → PDF) | {p:.0} ms | {pmin:.0} ms | {pmax:.0} ms | {} KiB |", bytes / 1024);
    println!("| one PDF report, total (target ≤ 2 s) | {:.0} ms | | | |", h + p);
    Ok(())
}
