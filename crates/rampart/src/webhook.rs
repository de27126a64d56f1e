//! `rampart webhook …`: an organisation's webhooks on the database directly, acting
//! `--as` a user, through the server's own handlers (`rampart_server::webhooks`), so the
//! command line follows the API's rules (docs/alerts.md, "Webhooks"). Deliveries are
//! made by `rampart serve`.

use crate::alert::Actor;
use anyhow::{anyhow, Result};
use axum::extract::{Path as UrlPath, State};
use axum::Json;
use rampart_server::auth::Auth;
use rampart_server::clock::SystemClock;
use rampart_server::error::ApiError;
use rampart_server::json::JsonBody;
use rampart_server::webhooks as hooks;
use rampart_server::{AppState, Settings};
use rampart_store::Store;
use serde_json::{json, Value};
use std::sync::Arc;

#[derive(clap::Subcommand)]
pub enum WebhookCommand {
    /// Register a webhook for your organisation; prints its signing secret, shown this once.
    Add {
        /// The https:// URL events are POSTed to (plain http only to this machine).
        url: String,
        /// Event kinds to send (repeat, or comma-separate): published, acknowledged, escalated, relabelled [default: all].
        #[arg(long = "kind", value_delimiter = ',')]
        kinds: Vec<String>,
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        actor: Actor,
    },
    /// List your organisation's webhooks (an administrator's: everyone's).
    List {
        #[command(flatten)]
        actor: Actor,
    },
    /// Show one webhook as JSON.
    Show { id: String, #[command(flatten)] actor: Actor },
    /// Change where a webhook's events go (your organisation's own webhooks), which kinds, or its description.
    Change {
        id: String,
        #[arg(long)]
        url: Option<String>,
        /// Event kinds to send from now on (repeat, or comma-separate).
        #[arg(long = "kind", value_delimiter = ',')]
        kinds: Vec<String>,
        #[arg(long)]
        description: Option<String>,
        #[command(flatten)]
        actor: Actor,
    },
    /// Stop sending; events wait and are sent on resume.
    Pause { id: String, #[command(flatten)] actor: Actor },
    /// Send again, starting with the events that waited.
    Resume { id: String, #[command(flatten)] actor: Actor },
    /// Remove a webhook and its delivery log.
    Remove { id: String, #[command(flatten)] actor: Actor },
    /// The delivery log, newest first.
    Deliveries { id: String, #[command(flatten)] actor: Actor },
    /// Send a ping now and print how it went.
    Test { id: String, #[command(flatten)] actor: Actor },
}

fn problem(e: ApiError) -> anyhow::Error {
    match e {
        ApiError::Invalid(i) | ApiError::BadFields(i) => anyhow!("{i}"),
        ApiError::Internal(d) => anyhow!("internal error: {d}"),
        other => anyhow!("{other}"),
    }
}

fn line(w: &hooks::WebhookOut) {
    let last = w.last_success_at.as_deref().map(|t| format!("last delivered {t}")).unwrap_or_else(|| "nothing delivered yet".into());
    let retry = w.next_attempt_at.as_deref().map(|t| format!(", {} failure(s), next attempt {t}", w.failures)).unwrap_or_default();
    println!("{}  {:<8} {}  [{}]  {last}{retry}", w.id, w.status, w.url, w.kinds.join(","));
}

fn attempt(a: &hooks::AttemptOut) {
    let answer = match (a.status_code, &a.error) {
        (Some(c), _) if a.outcome == "delivered" => format!("{c}"),
        (_, Some(e)) => e.clone(),
        (Some(c), None) => format!("{c}"),
        (None, None) => String::new(),
    };
    let next = a.next_attempt_at.as_deref().map(|t| format!(" (next attempt {t})")).unwrap_or_default();
    let seq = a.seq.map(|s| format!("#{s} ")).unwrap_or_default();
    println!("{}  {seq}{:<12} attempt {}  {:<9} {answer}  {} ms{next}", a.at, a.kind, a.attempt, a.outcome, a.duration_ms);
}

async fn set_status(state: &AppState, auth: Auth, id: String, status: &str) -> Result<hooks::WebhookOut> {
    let body = json!({"status": status}).as_object().cloned().unwrap_or_default();
    let Json(w) = hooks::update(State(state.clone()), auth, UrlPath(id), JsonBody(body)).await.map_err(problem)?;
    Ok(w)
}

pub async fn run(command: WebhookCommand, store: &Store) -> Result<()> {
    let state = AppState::new(store.clone(), Arc::new(SystemClock), Settings { webhook_poll_ms: 0, ..Settings::default() });
    let who = |a: &Actor| {
        let store = store.clone();
        let name = a.user.clone();
        async move { crate::io::acting_as(&store, &name).await.map(Auth) }
    };
    let st = || State(state.clone());
    match command {
        WebhookCommand::Add { url, kinds, description, actor } => {
            let mut body = json!({"url": url});
            if !kinds.is_empty() {
                body["kinds"] = json!(kinds);
            }
            if let Some(d) = description {
                body["description"] = Value::String(d);
            }
            let body = body.as_object().cloned().unwrap_or_default();
            let (_, Json(w)) = hooks::create(st(), who(&actor).await?, JsonBody(body)).await.map_err(problem)?;
            line(&w);
            println!("signing secret (shown this once; keep it with the receiver): {}", w.secret.as_deref().unwrap_or(""));
        }
        WebhookCommand::List { actor } => {
            let Json(list) = hooks::list(st(), who(&actor).await?).await.map_err(problem)?;
            for w in &list.items {
                line(w);
            }
            println!("{} webhook{}", list.count, if list.count == 1 { "" } else { "s" });
        }
        WebhookCommand::Show { id, actor } => {
            let Json(w) = hooks::get(st(), who(&actor).await?, UrlPath(id)).await.map_err(problem)?;
            println!("{}", serde_json::to_string_pretty(&w)?);
        }
        WebhookCommand::Change { id, url, kinds, description, actor } => {
            let mut body = serde_json::Map::new();
            if let Some(u) = url {
                body.insert("url".into(), Value::String(u));
            }
            if !kinds.is_empty() {
                body.insert("kinds".into(), json!(kinds));
            }
            if let Some(d) = description {
                body.insert("description".into(), Value::String(d));
            }
            if body.is_empty() {
                return Err(anyhow!("nothing to change: give --url, --kind or --description"));
            }
            let Json(w) = hooks::update(st(), who(&actor).await?, UrlPath(id), JsonBody(body)).await.map_err(problem)?;
            line(&w);
        }
        WebhookCommand::Pause { id, actor } => line(&set_status(&state, who(&actor).await?, id, "paused").await?),
        WebhookCommand::Resume { id, actor } => line(&set_status(&state, who(&actor).await?, id, "active").await?),
        WebhookCommand::Remove { id, actor } => {
            hooks::delete(st(), who(&actor).await?, UrlPath(id.clone())).await.map_err(problem)?;
            println!("webhook {id} removed");
        }
        WebhookCommand::Deliveries { id, actor } => {
            let Json(log) = hooks::deliveries(st(), who(&actor).await?, UrlPath(id)).await.map_err(problem)?;
            for a in &log.items {
                attempt(a);
            }
            println!("{} attempt{}", log.items.len(), if log.items.len() == 1 { "" } else { "s" });
        }
        WebhookCommand::Test { id, actor } => {
            let Json(a) = hooks::test(st(), who(&actor).await?, UrlPath(id)).await.map_err(problem)?;
            attempt(&a);
        }
    }
    Ok(())
}
