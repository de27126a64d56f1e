//! `rampart incident …`: incident notifications (CER Art. 15) on the database, acting as
//! a user (`--as`), with the same rules and routing as the API. `--now` sets the moment
//! the command acts at (default: the system clock), so clocks can be checked ahead.

use crate::io::{acting_as as principal, answer, database_operator as everyone, describe as api, json_object, moment as now_ms};
use anyhow::{anyhow, Result};
use clap::Subcommand;
use rampart_core::incident::{IncidentReport, UpdateKind};
use rampart_core::OrgId;
use rampart_server::incidents as ops;
use rampart_store::Store;
use std::path::{Path, PathBuf};

#[derive(Subcommand)]
pub enum IncidentCommand {
    /// Record an incident from a JSON report (docs/sharing.md) and notify it, or keep it as a draft.
    New {
        file: PathBuf,
        /// The user acting.
        #[arg(long = "as")]
        user: String,
        /// Keep it as a draft: the clock runs, nobody is notified yet.
        #[arg(long)]
        draft: bool,
        /// The entity (administrators only; default: the user's organisation).
        #[arg(long)]
        entity: Option<String>,
        #[arg(long)]
        now: Option<String>,
    },
    /// Send a draft as the initial notification.
    Notify {
        id: String,
        #[arg(long = "as")]
        user: String,
        #[arg(long)]
        now: Option<String>,
    },
    /// Add an update, the detailed report (with --file, the whole account) or the closing entry.
    Update {
        id: String,
        /// update, detailed or close.
        #[arg(long)]
        kind: String,
        #[arg(long, default_value = "")]
        note: String,
        /// The account as it now stands (a JSON report).
        #[arg(long)]
        file: Option<PathBuf>,
        #[arg(long = "as")]
        user: String,
        #[arg(long)]
        now: Option<String>,
    },
    /// The incidents a user may read (without --as: all), with their clocks.
    List {
        #[arg(long = "as")]
        user: Option<String>,
        /// Only those with a clock past due.
        #[arg(long)]
        overdue: bool,
        #[arg(long)]
        now: Option<String>,
    },
    /// One incident with its record, as JSON.
    Show {
        id: String,
        #[arg(long = "as")]
        user: Option<String>,
        #[arg(long)]
        now: Option<String>,
    },
}

fn report(file: &Path, now: i64) -> Result<IncidentReport> {
    let obj = json_object(file)?;
    IncidentReport::from_json(&obj, now).map_err(|e| anyhow!("{}: {e}", file.display()))
}

pub async fn incident(store: &Store, command: IncidentCommand) -> Result<()> {
    match command {
        IncidentCommand::New { file, user, draft, entity, now } => {
            let now = now_ms(now.as_deref())?;
            let p = principal(store, &user).await?;
            let r = report(&file, now)?;
            let entity = entity.map(|e| OrgId::parse(&e)).transpose().map_err(|e| anyhow!("--entity: {e}"))?;
            let r = ops::record(store, &p, entity, &r, draft, now).await;
            let id = answer((store, now), &user, ("incident", ""), "incident new", r).await?;
            let (i, _) = ops::read(store, &p, &id).await.map_err(api)?;
            let recipients: Vec<String> = i.recipients.iter().map(|x| format!("{} ({})", x.organisation, x.reason.key())).collect();
            println!("{id}: {}", if draft { "draft saved".to_string() } else { format!("notified to {}", recipients.join(", ")) });
            if !i.unrouted.is_empty() {
                let list: Vec<String> = i.unrouted.iter().map(ToString::to_string).collect();
                println!("no single point of contact for: {}", list.join(", "));
            }
            if i.commission {
                println!("six or more member states affected: the Commission is to be informed");
            }
        }
        IncidentCommand::Notify { id, user, now } => {
            let now = now_ms(now.as_deref())?;
            let p = principal(store, &user).await?;
            let (i, _) = ops::read(store, &p, &id).await.map_err(api)?;
            let r = ops::notify(store, &p, &id, i.version, now).await;
            answer((store, now), &user, ("incident", &id), "incident notify", r).await?;
            println!("{id}: notified");
        }
        IncidentCommand::Update { id, kind, note, file, user, now } => {
            let now = now_ms(now.as_deref())?;
            let p = principal(store, &user).await?;
            let kind = UpdateKind::parse(&kind).map_err(|e| anyhow!("--kind: {e}"))?;
            let r = file.map(|f| report(&f, now)).transpose()?;
            let (i, _) = ops::read(store, &p, &id).await.map_err(api)?;
            let r = ops::add(store, &p, &id, kind, &note, r.as_ref(), i.version, now).await;
            answer((store, now), &user, ("incident", &id), "incident update", r).await?;
            println!("{id}: {} added", kind.key());
        }
        IncidentCommand::List { user, overdue, now } => {
            let now = now_ms(now.as_deref())?;
            let p = match user {
                Some(u) => principal(store, &u).await?,
                None => everyone()?,
            };
            println!("{:<22} {:<9} {:<16} {:<24} {:<24} TITLE", "ID", "STATE", "ENTITY", "INITIAL", "DETAILED");
            for i in ops::visible(store, &p).await.map_err(api)? {
                let v = ops::to_json(&i, None, now);
                if overdue && v["overdue"] != serde_json::json!(true) {
                    continue;
                }
                let clock = |k: &str| format!("{} {}", v["clocks"][k]["state"].as_str().unwrap_or(""), v["clocks"][k]["due"].as_str().unwrap_or("").get(..16).unwrap_or(""));
                println!("{:<22} {:<9} {:<16} {:<24} {:<24} {}", i.id, v["state"].as_str().unwrap_or(""), i.entity_id.as_str(), clock("initial"), clock("detailed"), i.report.title);
            }
        }
        IncidentCommand::Show { id, user, now } => {
            let now = now_ms(now.as_deref())?;
            let p = match user {
                Some(u) => principal(store, &u).await?,
                None => everyone()?,
            };
            let (i, u) = ops::read(store, &p, &id).await.map_err(api)?;
            println!("{}", serde_json::to_string_pretty(&ops::to_json(&i, Some(&u), now))?);
        }
    }
    Ok(())
}
