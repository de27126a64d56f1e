//! Webhook subscriptions and their delivery log.
//!
//! A subscription follows the `events` table with its own cursor (`after_seq`). The
//! server's delivery worker claims a subscription with a lease (a compare-and-set on
//! `lease_until`, which is atomic on both backends: on PostgreSQL a second claimer waits
//! for the row lock and then finds the lease taken), sends the events after the cursor
//! in order and moves the cursor only after the receiver accepted one; every change the
//! worker makes is fenced by `lease_owner`, so a worker that lost its lease changes
//! nothing. Every attempt is written to `webhook_attempts` in the same transaction as
//! the subscription's new state.

use crate::audit::{append, AuditAction, NewAuditEntry};
use crate::{on_pool, on_tx, Result, Store, StoreError};
use rampart_core::{Invalid, OrgId};

/// A subscription as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookRecord {
    pub id: String,
    pub organisation: OrgId,
    pub url: String,
    /// Event kinds delivered (`published`, `acknowledged`, …).
    pub kinds: Vec<String>,
    pub description: String,
    /// The signing secret; never leaves the server after creation.
    pub secret: String,
    /// `active`, `paused` or `failing`.
    pub status: String,
    pub created_by: String,
    pub created_at: i64,
    pub updated_at: i64,
    /// The last event handled (delivered, or skipped as not for this organisation).
    pub after_seq: i64,
    /// Consecutive failed attempts.
    pub failures: i64,
    /// When the current run of failures began.
    pub failing_since: Option<i64>,
    /// Not tried again before this time.
    pub next_attempt_at: i64,
    pub last_attempt_at: Option<i64>,
    pub last_success_at: Option<i64>,
}

/// What a change of a subscription sets (`None`: unchanged).
#[derive(Debug, Clone, Default)]
pub struct WebhookChange {
    pub url: Option<String>,
    pub kinds: Option<Vec<String>>,
    pub description: Option<String>,
    /// `active` or `paused`.
    pub status: Option<String>,
}

/// One attempt to deliver an event (or a ping).
#[derive(Debug, Clone, PartialEq)]
pub struct WebhookAttempt {
    /// The same for every attempt of one event to one subscription.
    pub delivery_id: String,
    /// The event's sequence number; `None` for a ping.
    pub seq: Option<i64>,
    pub kind: String,
    pub alert_id: Option<String>,
    /// 1 for the first attempt of this delivery.
    pub attempt: i64,
    pub at: i64,
    /// `delivered` or `failed`.
    pub outcome: String,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub next_attempt_at: Option<i64>,
}

/// A failed attempt and what it does to the subscription.
#[derive(Debug, Clone)]
pub struct WebhookFailure {
    pub attempt: WebhookAttempt,
    pub failures: i64,
    pub failing_since: i64,
    /// `active`, or `failing` once failures have lasted long enough.
    pub status: String,
    pub next_attempt_at: i64,
}

type Row = (String, String, String, String, String, String, String, String, i64, i64, i64, i32, Option<i64>, i64, Option<i64>, Option<i64>);
const COLUMNS: &str = "id, organisation_id, url, kinds, description, secret, status, created_by, created_at, updated_at, after_seq, failures, \
    failing_since, next_attempt_at, last_attempt_at, last_success_at";

fn record(r: Row) -> Result<WebhookRecord> {
    Ok(WebhookRecord {
        organisation: OrgId::parse(&r.1).map_err(|e| StoreError::Invalid(Invalid::one("organisation", format!("stored value unreadable: {e}"))))?,
        id: r.0,
        url: r.2,
        kinds: r.3.split(',').filter(|s| !s.is_empty()).map(String::from).collect(),
        description: r.4,
        secret: r.5,
        status: r.6,
        created_by: r.7,
        created_at: r.8,
        updated_at: r.9,
        after_seq: r.10,
        failures: i64::from(r.11),
        failing_since: r.12,
        next_attempt_at: r.13,
        last_attempt_at: r.14,
        last_success_at: r.15,
    })
}

type AttemptRow = (String, Option<i64>, String, Option<String>, i32, i64, String, Option<i32>, Option<String>, i64, Option<i64>);

/// What the audit trail says of a subscription: never the secret.
fn audit_detail(w: &WebhookRecord) -> serde_json::Value {
    serde_json::json!({"organisation": w.organisation, "url": w.url, "kinds": w.kinds, "status": w.status})
}

/// Attempts kept per subscription; older ones are pruned as new ones are written.
pub const KEEP_ATTEMPTS: i64 = 1000;

async fn insert_attempt(tx: &mut crate::Tx, webhook: &str, a: &WebhookAttempt) -> Result<()> {
    on_tx!(&mut *tx, t => sqlx::query(
        "DELETE FROM webhook_attempts WHERE webhook_id = $1 AND id <= \
         (SELECT id FROM webhook_attempts WHERE webhook_id = $1 ORDER BY id DESC LIMIT 1 OFFSET $2)")
        .bind(webhook).bind(KEEP_ATTEMPTS - 1).execute(t).await?.rows_affected());
    on_tx!(tx, t => sqlx::query(
        "INSERT INTO webhook_attempts (webhook_id, delivery_id, seq, kind, alert_id, attempt, at, outcome, status_code, error, duration_ms, next_attempt_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)")
        .bind(webhook).bind(&a.delivery_id).bind(a.seq).bind(&a.kind).bind(&a.alert_id).bind(a.attempt as i32).bind(a.at).bind(&a.outcome)
        .bind(a.status_code.map(|c| c as i32)).bind(&a.error).bind(a.duration_ms).bind(a.next_attempt_at).execute(t).await?.rows_affected());
    Ok(())
}

impl Store {
    /// Keeps a new subscription, with its audit entry (`create`).
    pub async fn create_webhook(&self, w: &WebhookRecord) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, t => sqlx::query(&format!("INSERT INTO webhooks ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)"))
            .bind(&w.id).bind(w.organisation.as_str()).bind(&w.url).bind(w.kinds.join(",")).bind(&w.description).bind(&w.secret).bind(&w.status)
            .bind(&w.created_by).bind(w.created_at).bind(w.updated_at).bind(w.after_seq).bind(w.failures as i32).bind(w.failing_since)
            .bind(w.next_attempt_at).bind(w.last_attempt_at).bind(w.last_success_at).execute(t).await?.rows_affected());
        let entry = NewAuditEntry { at: w.created_at, actor: &w.created_by, action: AuditAction::Create, object_kind: "webhook", object_id: &w.id, detail: audit_detail(w) };
        append(&mut tx, &entry).await?;
        tx.commit().await
    }

    pub async fn get_webhook(&self, id: &str) -> Result<Option<WebhookRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM webhooks WHERE id = $1");
        let row: Option<Row> = on_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await?);
        row.map(record).transpose()
    }

    /// The subscriptions of `org` (`None`: all), oldest first.
    pub async fn list_webhooks(&self, org: Option<&OrgId>) -> Result<Vec<WebhookRecord>> {
        let rows: Vec<Row> = match org {
            None => on_pool!(self, p => sqlx::query_as(&format!("SELECT {COLUMNS} FROM webhooks ORDER BY created_at, id")).fetch_all(p).await?),
            Some(o) => on_pool!(self, p => sqlx::query_as(&format!("SELECT {COLUMNS} FROM webhooks WHERE organisation_id = $1 ORDER BY created_at, id"))
                .bind(o.as_str()).fetch_all(p).await?),
        };
        rows.into_iter().map(record).collect()
    }

    /// Changes a subscription, with its audit entry (`change`). Resuming or a new URL
    /// makes it due at once; pausing keeps its cursor, so nothing is lost while it is paused.
    pub async fn update_webhook(&self, id: &str, c: &WebhookChange, actor: &str, now: i64) -> Result<WebhookRecord> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, t => sqlx::query(
            "UPDATE webhooks SET url = COALESCE($2, url), kinds = COALESCE($3, kinds), description = COALESCE($4, description), \
             status = CASE WHEN $5 IS NULL THEN status WHEN $5 = 'active' AND status = 'failing' THEN status ELSE $5 END, \
             next_attempt_at = CASE WHEN $5 = 'active' OR $2 IS NOT NULL THEN $6 ELSE next_attempt_at END, updated_at = $6 WHERE id = $1")
            .bind(id).bind(&c.url).bind(c.kinds.as_ref().map(|k| k.join(","))).bind(&c.description).bind(&c.status).bind(now)
            .execute(t).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound(format!("webhook {id}")));
        }
        let sql = format!("SELECT {COLUMNS} FROM webhooks WHERE id = $1");
        let row: Row = on_tx!(&mut tx, t => sqlx::query_as(&sql).bind(id).fetch_one(t).await?);
        let w = record(row)?;
        let entry = NewAuditEntry { at: now, actor, action: AuditAction::Change, object_kind: "webhook", object_id: id, detail: audit_detail(&w) };
        append(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok(w)
    }

    /// Removes a subscription and its delivery log, with its audit entry (`delete`).
    pub async fn delete_webhook(&self, id: &str, actor: &str, now: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, t => sqlx::query("DELETE FROM webhook_attempts WHERE webhook_id = $1").bind(id).execute(t).await?.rows_affected());
        let n = on_tx!(&mut tx, t => sqlx::query("DELETE FROM webhooks WHERE id = $1").bind(id).execute(t).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound(format!("webhook {id}")));
        }
        let entry = NewAuditEntry { at: now, actor, action: AuditAction::Delete, object_kind: "webhook", object_id: id, detail: serde_json::json!({}) };
        append(&mut tx, &entry).await?;
        tx.commit().await
    }

    /// Subscriptions with events to look at (their cursor is behind the newest event)
    /// that are due (not paused, retry time reached) and not leased: a tick with nothing
    /// to send costs this one query.
    pub async fn due_webhooks(&self, now: i64) -> Result<Vec<String>> {
        Ok(on_pool!(self, p => sqlx::query_scalar(
            "SELECT id FROM webhooks WHERE status <> 'paused' AND next_attempt_at <= $1 AND lease_until <= $1 \
             AND after_seq < (SELECT COALESCE(MAX(seq), 0) FROM events) ORDER BY next_attempt_at, id")
            .bind(now).fetch_all(p).await?))
    }

    /// Takes the lease of a due subscription until `until` for `owner`; false when
    /// another worker holds it or it is no longer due.
    pub async fn claim_webhook(&self, id: &str, owner: &str, now: i64, until: i64) -> Result<bool> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE webhooks SET lease_owner = $2, lease_until = $3 WHERE id = $1 AND lease_until <= $4 AND status <> 'paused' AND next_attempt_at <= $4")
            .bind(id).bind(owner).bind(until).bind(now).execute(p).await?.rows_affected());
        Ok(n == 1)
    }

    /// Gives the lease back.
    pub async fn release_webhook(&self, id: &str, owner: &str) -> Result<()> {
        on_pool!(self, p => sqlx::query("UPDATE webhooks SET lease_owner = NULL, lease_until = 0 WHERE id = $1 AND lease_owner = $2")
            .bind(id).bind(owner).execute(p).await?.rows_affected());
        Ok(())
    }

    /// How many attempts a delivery has had.
    pub async fn webhook_attempt_count(&self, id: &str, delivery_id: &str) -> Result<i64> {
        Ok(on_pool!(self, p => sqlx::query_scalar("SELECT COUNT(*) FROM webhook_attempts WHERE webhook_id = $1 AND delivery_id = $2")
            .bind(id).bind(delivery_id).fetch_one(p).await?))
    }

    /// Moves the cursor past events the subscription is not told of (while `owner`
    /// holds the lease, which is extended to `until`); false when the lease was lost.
    pub async fn webhook_skip(&self, id: &str, owner: &str, seq: i64, until: i64) -> Result<bool> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE webhooks SET after_seq = $3, lease_until = $4 WHERE id = $1 AND lease_owner = $2 AND after_seq < $3")
            .bind(id).bind(owner).bind(seq).bind(until).execute(p).await?.rows_affected());
        Ok(n == 1)
    }

    /// Records a delivered event and moves the cursor to it, in one transaction (while
    /// `owner` holds the lease); false, and nothing written, when the lease was lost.
    pub async fn webhook_delivered(&self, id: &str, owner: &str, a: &WebhookAttempt, until: i64) -> Result<bool> {
        let Some(seq) = a.seq else { return Err(StoreError::Config("a delivered event needs its sequence number".into())) };
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, t => sqlx::query(
            "UPDATE webhooks SET after_seq = $3, failures = 0, failing_since = NULL, status = CASE WHEN status = 'failing' THEN 'active' ELSE status END, \
             next_attempt_at = 0, last_attempt_at = $4, last_success_at = $4, lease_until = $5 WHERE id = $1 AND lease_owner = $2 AND after_seq < $3")
            .bind(id).bind(owner).bind(seq).bind(a.at).bind(until).execute(t).await?.rows_affected());
        if n == 0 {
            return Ok(false);
        }
        insert_attempt(&mut tx, id, a).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records a failed attempt and when to try again, in one transaction (while
    /// `owner` holds the lease); false, and nothing written, when the lease was lost.
    pub async fn webhook_failed(&self, id: &str, owner: &str, f: &WebhookFailure) -> Result<bool> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, t => sqlx::query(
            "UPDATE webhooks SET failures = $3, failing_since = $4, status = CASE WHEN status = 'paused' THEN status ELSE $5 END, \
             next_attempt_at = $6, last_attempt_at = $7 WHERE id = $1 AND lease_owner = $2")
            .bind(id).bind(owner).bind(f.failures as i32).bind(f.failing_since).bind(&f.status).bind(f.next_attempt_at).bind(f.attempt.at)
            .execute(t).await?.rows_affected());
        if n == 0 {
            return Ok(false);
        }
        insert_attempt(&mut tx, id, &f.attempt).await?;
        tx.commit().await?;
        Ok(true)
    }

    /// Records a ping (it does not move the cursor or count as a failure).
    pub async fn webhook_pinged(&self, id: &str, a: &WebhookAttempt) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, t => sqlx::query("UPDATE webhooks SET last_attempt_at = $2 WHERE id = $1").bind(id).bind(a.at).execute(t).await?.rows_affected());
        insert_attempt(&mut tx, id, a).await?;
        tx.commit().await
    }

    /// The newest attempts of a subscription, newest first, at most `limit`.
    pub async fn webhook_attempts(&self, id: &str, limit: i64) -> Result<Vec<WebhookAttempt>> {
        let rows: Vec<AttemptRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT delivery_id, seq, kind, alert_id, attempt, at, outcome, status_code, error, duration_ms, next_attempt_at \
             FROM webhook_attempts WHERE webhook_id = $1 ORDER BY id DESC LIMIT $2")
            .bind(id).bind(limit).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|r| WebhookAttempt {
                delivery_id: r.0,
                seq: r.1,
                kind: r.2,
                alert_id: r.3,
                attempt: i64::from(r.4),
                at: r.5,
                outcome: r.6,
                status_code: r.7.map(i64::from),
                error: r.8,
                duration_ms: r.9,
                next_attempt_at: r.10,
            })
            .collect())
    }
}
