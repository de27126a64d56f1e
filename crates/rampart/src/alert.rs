//! `rampart alert …`: check CAP alerts and convert them between CAP XML and JSON
//! (rampart_formats::cap; docs/sharing.md), and work with the alerts of the warning
//! network on the database directly, acting `--as` a user (docs/alerts.md). The
//! database commands go through the server's own alert workflow
//! (`rampart_server::alerts`), so the command line and the API follow the same rules.

use crate::io::{answer, describe};
use anyhow::{anyhow, bail, Context, Result};
use axum::extract::{Path as UrlPath, Query, State};
use axum::Json;
use rampart_formats::cap::{self, Alert};
use rampart_server::alerts as flow;
use rampart_server::auth::Auth;
use rampart_server::clock::SystemClock;
use rampart_server::json::JsonBody;
use rampart_server::{AppState, Settings};
use rampart_store::Store;
use serde_json::{json, Value};
use std::path::{Path, PathBuf};
use std::sync::Arc;

#[derive(clap::Subcommand)]
pub enum AlertCommand {
    /// Check CAP 1.2 (or 1.1) alerts against the official schema's rules and the standard's text rules; prints OK or every problem per file, and exits with 1 if any file has one.
    Validate {
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Convert an alert (CAP XML, or the JSON this command writes) to JSON or CAP XML on standard output; the alert is validated first.
    Convert {
        file: PathBuf,
        /// `json` or `cap`.
        #[arg(long, value_enum)]
        to: Target,
    },
    /// Compose a draft alert from a file (CAP XML, or the CAP alert as JSON).
    Compose {
        file: PathBuf,
        /// TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT or TLP:RED.
        #[arg(long, default_value = "TLP:AMBER")]
        tlp: String,
        /// The community of a TLP:GREEN alert.
        #[arg(long)]
        community: Option<String>,
        /// A named recipient (repeat, or comma-separate); needed for TLP:RED.
        #[arg(long = "recipient", value_delimiter = ',')]
        recipients: Vec<String>,
        #[command(flatten)]
        actor: Actor,
    },
    /// Submit a draft for approval.
    Submit { id: String, #[command(flatten)] actor: Actor },
    /// Approve an alert pending approval (a second person of the organisation, not the author).
    Approve { id: String, #[command(flatten)] actor: Actor },
    /// Publish an approved alert to the organisations whose sites lie in its area.
    Publish { id: String, #[command(flatten)] actor: Actor },
    /// Compose an Update of a published alert (from FILE, or a copy of its content).
    Update { id: String, file: Option<PathBuf>, #[command(flatten)] actor: Actor },
    /// Compose a Cancel of a published alert.
    Cancel {
        id: String,
        #[arg(long)]
        note: Option<String>,
        #[command(flatten)]
        actor: Actor,
    },
    /// Acknowledge a published alert for your organisation.
    Ack { id: String, #[command(flatten)] actor: Actor },
    /// List the alerts you may read.
    List {
        /// draft, pending, approved or published.
        #[arg(long)]
        state: Option<String>,
        /// Only those your organisation has yet to acknowledge.
        #[arg(long)]
        unacknowledged: bool,
        #[command(flatten)]
        actor: Actor,
    },
    /// Show one alert as JSON (with its recipients and acknowledgements if you sent it).
    Show { id: String, #[command(flatten)] actor: Actor },
    /// Write an alert's CAP XML document to standard output or a file.
    Export {
        id: String,
        #[arg(long, short)]
        out: Option<PathBuf>,
        #[command(flatten)]
        actor: Actor,
    },
}

/// Who a database command acts as.
#[derive(clap::Args)]
pub struct Actor {
    /// The user the command acts as; the alert access rules are theirs.
    #[arg(long = "as", value_name = "USER")]
    pub user: String,
}

#[derive(Clone, Copy, clap::ValueEnum)]
pub enum Target {
    Json,
    Cap,
}

pub async fn run(command: AlertCommand, store: impl std::future::Future<Output = Result<Store>>) -> Result<()> {
    match command {
        AlertCommand::Validate { files } => {
            let mut bad = 0;
            for file in &files {
                match load(file) {
                    Ok(_) => println!("{}: OK", file.display()),
                    Err(e) => {
                        bad += 1;
                        println!("{e:#}");
                    }
                }
            }
            if bad > 0 {
                bail!("{bad} of {} file{} invalid", files.len(), if files.len() == 1 { " is" } else { "s are" });
            }
            Ok(())
        }
        AlertCommand::Convert { file, to } => {
            let alert = load(&file)?;
            match to {
                Target::Json => println!("{}", serde_json::to_string_pretty(&alert)?),
                Target::Cap => print!("{}", cap::write(&alert)),
            }
            Ok(())
        }
        other => database(other, store.await?).await,
    }
}

fn print(v: &impl serde::Serialize) -> Result<()> {
    println!("{}", serde_json::to_string_pretty(v)?);
    Ok(())
}

fn summary(a: &flow::AlertOut) {
    println!("{}  {:<9} {:<6} {:<16} {}", a.id, a.state, a.msg_type, a.tlp, a.headline);
}

/// The body of a compose request from a file: CAP XML or the CAP alert as JSON.
fn cap_body(file: &Path) -> Result<(&'static str, Value)> {
    let text = std::fs::read_to_string(file).with_context(|| format!("reading {}", file.display()))?;
    if text.trim_start().starts_with('{') {
        let v: Value = serde_json::from_str(&text).map_err(|e| anyhow!("{}:{}:{}: not JSON: {e}", file.display(), e.line(), e.column()))?;
        Ok(("cap", v))
    } else {
        Ok(("cap_xml", Value::String(text)))
    }
}

async fn database(command: AlertCommand, store: Store) -> Result<()> {
    let state = AppState::new(store.clone(), Arc::new(SystemClock), Settings::default());
    let who = |a: &Actor| {
        let store = store.clone();
        let name = a.user.clone();
        async move { crate::io::acting_as(&store, &name).await.map(Auth) }
    };
    let st = || State(state.clone());
    let at = || (&store, state.clock.now_ms());
    match command {
        AlertCommand::Validate { .. } | AlertCommand::Convert { .. } => unreachable!("handled without a database"),
        AlertCommand::Compose { file, tlp, community, recipients, actor } => {
            let (key, cap) = cap_body(&file)?;
            let mut body = json!({"tlp": tlp, "recipients": recipients});
            body[key] = cap;
            if let Some(c) = community {
                body["community"] = json!(c);
            }
            let body = body.as_object().cloned().unwrap_or_default();
            let r = flow::create(st(), who(&actor).await?, JsonBody(body)).await;
            let (_, Json(a)) = answer(at(), &actor.user, ("alert", ""), "alert compose", r).await.map_err(|e| e.context(file.display().to_string()))?;
            println!("draft {} composed ({} {})", a.id, a.msg_type, a.tlp);
        }
        AlertCommand::Submit { id, actor } => {
            let r = flow::submit(st(), who(&actor).await?, UrlPath(id.clone())).await;
            summary(&answer(at(), &actor.user, ("alert", &id), "alert submit", r).await?.0)
        }
        AlertCommand::Approve { id, actor } => {
            let r = flow::approve(st(), who(&actor).await?, UrlPath(id.clone())).await;
            summary(&answer(at(), &actor.user, ("alert", &id), "alert approve", r).await?.0)
        }
        AlertCommand::Publish { id, actor } => {
            let r = flow::publish(st(), who(&actor).await?, UrlPath(id.clone())).await;
            let Json(a) = answer(at(), &actor.user, ("alert", &id), "alert publish", r).await?;
            summary(&a);
            for r in a.recipients.iter().flatten() {
                let person = r.username.as_deref().map(|u| format!(" ({u})")).unwrap_or_default();
                println!("  to {}{person}: {} {}", r.organisation, r.reason, r.asset_ids.join(","));
            }
        }
        AlertCommand::Update { id, file, actor } => {
            let mut body = serde_json::Map::new();
            if let Some(f) = file {
                let (key, cap) = cap_body(&f)?;
                body.insert(key.into(), cap);
            }
            let r = flow::update(st(), who(&actor).await?, UrlPath(id.clone()), JsonBody(body)).await;
            let (_, Json(a)) = answer(at(), &actor.user, ("alert", &id), "alert update", r).await?;
            println!("draft {} composed (Update)", a.id);
        }
        AlertCommand::Cancel { id, note, actor } => {
            let mut body = serde_json::Map::new();
            if let Some(n) = note {
                body.insert("note".into(), json!(n));
            }
            let r = flow::cancel(st(), who(&actor).await?, UrlPath(id.clone()), JsonBody(body)).await;
            let (_, Json(a)) = answer(at(), &actor.user, ("alert", &id), "alert cancel", r).await?;
            println!("draft {} composed (Cancel)", a.id);
        }
        AlertCommand::Ack { id, actor } => {
            let r = flow::ack(st(), who(&actor).await?, UrlPath(id.clone()), None).await;
            let (_, Json(k)) = answer(at(), &actor.user, ("alert", &id), "alert ack", r).await?;
            println!("alert {id} acknowledged by {} for {} (CAP Ack {})", k.username, k.organisation, k.identifier);
        }
        AlertCommand::List { state: wanted, unacknowledged, actor } => {
            let q = flow::ListQuery { state: wanted, unacknowledged: Some(unacknowledged), limit: Some(1000), before: None };
            let Json(list) = flow::list(st(), who(&actor).await?, Query(q)).await.map_err(describe)?;
            for a in &list.items {
                summary(a);
            }
            println!("{} alert{}", list.count, if list.count == 1 { "" } else { "s" });
        }
        AlertCommand::Show { id, actor } => {
            let auth = who(&actor).await?;
            let r = flow::get(st(), auth, UrlPath(id)).await.map_err(describe)?;
            let bytes = axum::body::to_bytes(r.into_body(), usize::MAX).await.map_err(|e| anyhow!("{e}"))?;
            let v: Value = serde_json::from_slice(&bytes)?;
            print(&v)?;
        }
        AlertCommand::Export { id, out, actor } => {
            let r = flow::get(st(), who(&actor).await?, UrlPath(format!("{id}.xml"))).await.map_err(describe)?;
            let bytes = axum::body::to_bytes(r.into_body(), usize::MAX).await.map_err(|e| anyhow!("{e}"))?;
            match out {
                Some(path) => {
                    std::fs::write(&path, &bytes).with_context(|| format!("writing {}", path.display()))?;
                    println!("alert {id} written to {}", path.display());
                }
                None => print!("{}", String::from_utf8_lossy(&bytes)),
            }
        }
    }
    Ok(())
}

/// Reads an alert from CAP XML, or from JSON when the file starts with `{`.
fn load(file: &Path) -> Result<Alert> {
    let bytes = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let name = file.display().to_string();
    let Ok(text) = String::from_utf8(bytes) else {
        bail!("{name}: not UTF-8 text; CAP alerts are UTF-8");
    };
    if text.trim_start().starts_with('{') {
        let alert: Alert = serde_json::from_str(&text).map_err(|e| {
            anyhow::anyhow!("{name}:{}:{}: not a CAP alert in JSON: {e}", e.line(), e.column())
        })?;
        cap::validate(&alert).map_err(|e| anyhow::anyhow!("{}", prefix(&name, &e.to_string())))?;
        return Ok(alert);
    }
    cap::read(&text, Some(&name)).map_err(|e| anyhow::anyhow!("{e}"))
}

fn prefix(name: &str, errors: &str) -> String {
    errors.lines().map(|l| format!("{name}: {l}")).collect::<Vec<_>>().join("\n")
}
