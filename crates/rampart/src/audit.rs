//! `rampart audit …`: verify the audit trail's hash chain and list its entries; and the
//! audit entries of what the command line itself changes (users, organisations,
//! communities, sharing profiles), which the store appends in the change's transaction.

use anyhow::{anyhow, bail, Result};
use rampart_server::clock::{Clock, SystemClock};
use rampart_store::{AuditAction, NewAuditEntry, Store};
use serde_json::Value;

#[derive(clap::Subcommand)]
pub enum AuditCommand {
    /// Walk the whole hash chain; prints the first entry where it breaks and exits with 1, or how many entries are intact.
    Verify,
    /// Print entries in order, oldest first.
    List {
        /// Only entries at or after this time (RFC 3339, e.g. 2026-11-22T12:00:00Z).
        #[arg(long)]
        since: Option<String>,
        /// At most this many entries.
        #[arg(long, default_value_t = 1000)]
        limit: u32,
        /// One JSON object per line (with the hashes) instead of a table.
        #[arg(long)]
        json: bool,
    },
}

/// Who the command line acts as in the audit trail.
pub fn cli_actor() -> String {
    match std::env::var("USER") {
        Ok(u) if !u.is_empty() => format!("cli:{u}"),
        _ => "cli".into(),
    }
}

/// An entry now, for a store method that appends it in the change's own transaction.
pub fn entry<'a>(actor: &'a str, action: AuditAction, object_kind: &'a str, object_id: &'a str, detail: Value) -> NewAuditEntry<'a> {
    NewAuditEntry { at: SystemClock.now_ms(), actor, action, object_kind, object_id, detail }
}

/// Appends an entry on its own, after a change the store does not audit itself (the
/// federation trust list).
pub async fn record(store: &Store, action: AuditAction, object_kind: &str, object_id: &str, detail: Value) -> Result<()> {
    let actor = cli_actor();
    store.audit_append(&entry(&actor, action, object_kind, object_id, detail)).await?;
    Ok(())
}

pub async fn run(store: &Store, command: AuditCommand) -> Result<()> {
    match command {
        AuditCommand::Verify => {
            let report = store.audit_verify().await?;
            match report.first_break {
                None => {
                    println!("audit trail intact: {} entries, last hash {}", report.entries, report.last_hash);
                    Ok(())
                }
                Some(b) => {
                    println!("audit trail broken at entry {}: {} ({} entries before it verify)", b.seq, b.reason, report.entries);
                    bail!("the audit trail does not verify")
                }
            }
        }
        AuditCommand::List { since, limit, json } => {
            let since = since
                .map(|s| {
                    humantime::parse_rfc3339_weak(&s)
                        .ok()
                        .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                        .map(|d| d.as_millis() as i64)
                        .ok_or_else(|| anyhow!("--since: expected an RFC 3339 time like 2026-11-22T12:00:00Z, found {s:?}"))
                })
                .transpose()?;
            let mut after = None;
            let mut left = limit;
            if !json {
                println!("{:>6}  {:<24}  {:<20}  {:<7}  {:<12}  {:<16}  DETAIL", "SEQ", "AT", "ACTOR", "ACTION", "KIND", "ID");
            }
            while left > 0 {
                let page = store.audit_list(since, after, left.min(1000)).await?;
                let Some(last) = page.last() else { break };
                after = Some(last.seq);
                left -= page.len() as u32;
                for e in &page {
                    if json {
                        println!("{}", serde_json::to_string(e)?);
                    } else {
                        println!(
                            "{:>6}  {:<24}  {:<20}  {:<7}  {:<12}  {:<16}  {}",
                            e.seq,
                            rampart_server::rfc3339(e.at),
                            e.actor,
                            e.action,
                            e.object_kind,
                            e.object_id,
                            e.detail
                        );
                    }
                }
            }
            Ok(())
        }
    }
}
