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
