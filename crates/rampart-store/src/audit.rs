//! The audit trail: append-only and tamper-evident.
//!
//! Every entry carries `hash = SHA-256(canonical(entry) ‖ prev_hash)`, where the
//! canonical encoding is the domain tag `rampart-audit-1` followed by each of seq, at,
//! actor, action, object kind, object id, detail (the JSON text exactly as stored) and
//! the previous entry's hash, each as an 8-byte big-endian length and its UTF-8 bytes.
//! The first entry's `prev_hash` is 64 zeros. [`Store::audit_verify`] recomputes the
//! chain and names the first entry where it breaks.
//!
//! Appends lock the one row of `audit_head` (last seq and hash) before reading it, so
//! concurrent appends on PostgreSQL queue up and form one chain; on SQLite the lock is
//! the database's single writer lock. Registry writes append inside their own
//! transaction, so a change and its audit entry are committed together or not at all.

use crate::{on_pool, on_tx, Result, Store, Tx};
use serde::Serialize;
use serde_json::Value;
use sha2::{Digest, Sha256};

/// The `prev_hash` of the first entry.
pub const GENESIS_HASH: &str = "0000000000000000000000000000000000000000000000000000000000000000";

rampart_core::vocabulary!(
    /// What an audit entry records.
    AuditAction, "audit action" {
        Create = "create", "Created";
        Read = "read", "Read";
        Change = "change", "Changed";
        Share = "share", "Shared";
        Export = "export", "Exported";
        Import = "import", "Imported";
        Delete = "delete", "Deleted";
        Reject = "reject", "Rejected";
        Login = "login", "Logged in";
        Logout = "logout", "Logged out";
    }
);

/// An entry to append; the store assigns seq and the hashes.
#[derive(Debug, Clone)]
pub struct NewAuditEntry<'a> {
    /// Unix milliseconds.
    pub at: i64,
    pub actor: &'a str,
    pub action: AuditAction,
    /// `asset`, `dependency`, `link`, `user`, `organisation`, `registry`, `session`, …
    pub object_kind: &'a str,
    pub object_id: &'a str,
    pub detail: Value,
}

/// An entry as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AuditEntry {
    pub seq: i64,
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    pub detail: Value,
    pub prev_hash: String,
    pub hash: String,
}

/// Where the chain breaks, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditBreak {
    pub seq: i64,
    pub reason: String,
}

/// The result of walking the chain.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct AuditReport {
    /// Entries checked (up to the first break).
    pub entries: i64,
    /// Hash of the last good entry.
    pub last_hash: String,
    pub first_break: Option<AuditBreak>,
}

/// The hash of an entry, from its fields as stored.
#[allow(clippy::too_many_arguments)]
pub fn entry_hash(seq: i64, at: i64, actor: &str, action: &str, kind: &str, id: &str, detail: &str, prev_hash: &str) -> String {
    let mut h = Sha256::new();
    h.update(b"rampart-audit-1");
    for part in [seq.to_string().as_str(), at.to_string().as_str(), actor, action, kind, id, detail, prev_hash] {
        h.update((part.len() as u64).to_be_bytes());
        h.update(part.as_bytes());
    }
    hex::encode(h.finalize())
}

type Row = (i64, i64, String, String, String, String, String, String, String);

/// Appends inside `tx`; returns the new entry's seq.
pub(crate) async fn append(tx: &mut Tx, e: &NewAuditEntry<'_>) -> Result<i64> {
    // A write first: it takes the head row's lock (PostgreSQL) or the writer lock
    // (SQLite) before the head is read, so no other append can read the same head.
    on_tx!(tx, c => sqlx::query("UPDATE audit_head SET seq = seq WHERE id = 1").execute(c).await?.rows_affected());
    let (last, prev_hash): (i64, String) =
        on_tx!(tx, c => sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(c).await?);
    let seq = last + 1;
    let detail = e.detail.to_string();
    let action = e.action.key();
    let hash = entry_hash(seq, e.at, e.actor, action, e.object_kind, e.object_id, &detail, &prev_hash);
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO audit_log (seq, at, actor, action, object_kind, object_id, detail, prev_hash, hash)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
        .bind(seq).bind(e.at).bind(e.actor).bind(action).bind(e.object_kind).bind(e.object_id)
        .bind(&detail).bind(&prev_hash).bind(&hash).execute(c).await?.rows_affected());
    on_tx!(tx, c => sqlx::query("UPDATE audit_head SET seq = $1, hash = $2 WHERE id = 1")
        .bind(seq).bind(&hash).execute(c).await?.rows_affected());
    Ok(seq)
}

const COLUMNS: &str = "seq, at, actor, action, object_kind, object_id, detail, prev_hash, hash";

fn entry(row: Row) -> AuditEntry {
    let (seq, at, actor, action, object_kind, object_id, detail, prev_hash, hash) = row;
    // Stored by `append` from a JSON value; a row edited into non-JSON shows as text.
    let detail = serde_json::from_str(&detail).unwrap_or(Value::String(detail));
    AuditEntry { seq, at, actor, action, object_kind, object_id, detail, prev_hash, hash }
}

impl Store {
    /// Appends one entry in its own transaction (for events that change nothing
    /// else: logins, reads, exports, refusals).
    pub async fn audit_append(&self, e: &NewAuditEntry<'_>) -> Result<i64> {
        let mut tx = self.begin().await?;
        let seq = append(&mut tx, e).await?;
        tx.commit().await?;
        Ok(seq)
    }

    /// Entries in seq order: after `after_seq`, at or after `since` (Unix ms).
    pub async fn audit_list(&self, since: Option<i64>, after_seq: Option<i64>, limit: u32) -> Result<Vec<AuditEntry>> {
        let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 AND at >= $2 ORDER BY seq LIMIT $3");
        let rows: Vec<Row> = on_pool!(self, p => sqlx::query_as(&sql)
            .bind(after_seq.unwrap_or(0)).bind(since.unwrap_or(i64::MIN)).bind(i64::from(limit)).fetch_all(p).await?);
        Ok(rows.into_iter().map(entry).collect())
    }

    /// Walks the whole chain in seq order and reports the first entry that breaks it:
    /// a missing seq, a `prev_hash` that is not the previous entry's hash, a hash that
    /// does not match the entry's content, or entries removed from the end.
    pub async fn audit_verify(&self) -> Result<AuditReport> {
        let sql = format!("SELECT {COLUMNS} FROM audit_log WHERE seq > $1 ORDER BY seq LIMIT 1000");
        let mut expected_seq = 1i64;
        let mut last_hash = GENESIS_HASH.to_string();
        let broken = |seq: i64, reason: String, entries: i64, last_hash: String| -> Result<AuditReport> {
            Ok(AuditReport { entries, last_hash, first_break: Some(AuditBreak { seq, reason }) })
        };
        loop {
            let rows: Vec<Row> = on_pool!(self, p => sqlx::query_as(&sql).bind(expected_seq - 1).fetch_all(p).await?);
            if rows.is_empty() {
                break;
            }
            for (seq, at, actor, action, kind, id, detail, prev_hash, hash) in rows {
                let done = expected_seq - 1;
                if seq != expected_seq {
                    let reason = format!("entry {expected_seq} is missing (the next entry is {seq})");
                    return broken(expected_seq, reason, done, last_hash);
                }
                if prev_hash != last_hash {
                    let reason = format!("its prev_hash is not the hash of entry {}", seq - 1);
                    return broken(seq, reason, done, last_hash);
                }
                if entry_hash(seq, at, &actor, &action, &kind, &id, &detail, &prev_hash) != hash {
                    return broken(seq, "its hash does not match its content: the entry was changed".into(), done, last_hash);
                }
                last_hash = hash;
                expected_seq += 1;
            }
        }
        let entries = expected_seq - 1;
        let (head_seq, head_hash): (i64, String) =
            on_pool!(self, p => sqlx::query_as("SELECT seq, hash FROM audit_head WHERE id = 1").fetch_one(p).await?);
        if head_seq != entries || head_hash != last_hash {
            let reason = format!("{head_seq} entries were written but the log ends at entry {entries}: entries were removed from the end");
            return broken(entries + 1, reason, entries, last_hash);
        }
        Ok(AuditReport { entries, last_hash, first_break: None })
    }
}

/// Appends inside an open transaction (the store's own writes).
pub(crate) async fn record_audit(tx: &mut Tx, e: NewAuditEntry<'_>) -> Result<()> {
    append(tx, &e).await.map(|_| ())
}
