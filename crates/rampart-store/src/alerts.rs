//! Alerts of the warning network: drafts, approval, publication with recipients,
//! acknowledgements, escalations and the `events` table that live delivery follows.
//!
//! The store keeps the CAP document as text (written and read by
//! `rampart_formats::cap`, which this crate does not know) with the columns it indexes.
//! Every change is one transaction, and every change readers are told about writes its
//! event in that transaction: publishing writes the state, the recipients and the event
//! together, so a killed process has published to everyone entitled or to no one.
//! On PostgreSQL the event-writing transactions take one advisory lock in turn, so
//! sequence numbers become visible in increasing order and a reader following
//! `seq > last seen` never skips one committed late.

use crate::{on_pool, on_tx, Result, Store, StoreError, Tx};
use rampart_core::alert::{Escalation, EscalationTarget, Unacknowledged};
use rampart_core::tlp::Tlp;
use rampart_core::{AlertAccess, AlertState, CommunityId, FieldError, Invalid, OrgId, RecipientReason, Username};
use std::collections::HashMap;

/// The advisory lock that orders event writers on PostgreSQL.
const EVENTS_LOCK: i64 = 0x7261_6d70_6576;

/// The indexed fields of an alert's CAP document, and the document.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertDoc {
    pub identifier: String,
    pub sender: String,
    pub sent: String,
    pub msg_type: String,
    pub headline: String,
    pub cap_xml: String,
}

/// A new draft.
#[derive(Debug, Clone)]
pub struct NewAlert {
    pub id: String,
    pub doc: AlertDoc,
    pub organisation: OrgId,
    pub author: Username,
    pub tlp: Tlp,
    pub community: Option<CommunityId>,
    pub named: Vec<Username>,
    /// Ids of the alerts this one updates or cancels.
    pub references: Vec<String>,
}

/// A recipient of a published alert.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertRecipient {
    pub organisation: OrgId,
    /// A person, for named recipients and liaison officers; `None` for an organisation.
    pub username: Option<Username>,
    pub reason: RecipientReason,
    /// The matched sites, for `Area`.
    pub asset_ids: Vec<String>,
    /// The escalation level, for `Escalation`.
    pub level: i64,
    pub added_at: i64,
}

/// An alert as stored, with what decides who may read it.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAlert {
    pub id: String,
    pub doc: AlertDoc,
    pub organisation: OrgId,
    pub author: String,
    pub approver: Option<String>,
    pub state: AlertState,
    pub tlp: Tlp,
    pub community: Option<CommunityId>,
    pub version: i64,
    pub created_at: i64,
    pub updated_at: i64,
    pub published_at: Option<i64>,
    /// The newest alert that updated or cancelled this one.
    pub followed_by: Option<String>,
    /// The instance the alert came from (`None`: made here); such an alert is read-only here.
    pub origin_instance: Option<String>,
    pub named: Vec<Username>,
    pub references: Vec<String>,
    pub recipients: Vec<AlertRecipient>,
    /// Organisations whose supervisor is a recipient organisation.
    pub recipient_clients: Vec<OrgId>,
    pub community_members: Vec<OrgId>,
}

impl StoredAlert {
    pub fn access(&self) -> AlertAccess {
        let mut named = self.named.clone();
        named.extend(self.recipients.iter().filter_map(|r| r.username.clone()));
        AlertAccess {
            tlp: self.tlp,
            published: self.state == AlertState::Published,
            organisation: self.organisation.clone(),
            named,
            recipients: self.recipients.iter().filter(|r| r.username.is_none()).map(|r| r.organisation.clone()).collect(),
            recipient_clients: self.recipient_clients.clone(),
            community_members: self.community_members.clone(),
        }
    }
}

/// An acknowledgement: the CAP Ack message a recipient organisation sent.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertAck {
    pub organisation: OrgId,
    pub username: String,
    pub at: i64,
    pub identifier: String,
    pub cap_xml: String,
}

/// One row of the `events` table.
#[derive(Debug, Clone, PartialEq)]
pub struct Event {
    pub seq: i64,
    pub at: i64,
    pub kind: String,
    pub alert_id: String,
    /// Organisations told (empty: every reader of the alert).
    pub audience: Vec<OrgId>,
}

/// What publication changes besides the state.
#[derive(Debug, Clone)]
pub struct Publication {
    pub sent: String,
    pub cap_xml: String,
    pub recipients: Vec<AlertRecipient>,
}

pub(crate) fn bad(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(Invalid::one(what, format!("stored value unreadable: {e}")))
}

pub(crate) fn org(s: &str) -> Result<OrgId> {
    OrgId::parse(s).map_err(|e| bad("organisation", e))
}

pub(crate) fn user(s: &str) -> Result<Username> {
    Username::parse(s).map_err(|e| bad("username", e))
}

pub(crate) type MainRow = (String, String, String, String, String, String, String, Option<String>, String, String, Option<String>, String, i64, i64, i64, Option<i64>);

pub(crate) type DocRow = (String, String, Option<String>, Option<String>, Option<String>);
/// A document, whom it was followed by, the instance it came from and its signed audience.
type DocFields = (String, Option<String>, Option<String>, Option<String>);
pub(crate) type RecipientRow = (String, String, Option<String>, String, String, i32, i64);
type PendingRow = (String, String, i64, Option<i32>, Option<String>, Option<String>);

pub(crate) const MAIN_COLUMNS: &str = "id, identifier, sender, sent, msg_type, organisation_id, author, approver, state, tlp, community_id, headline, version, created_at, updated_at, published_at";

impl Store {
    /// Writes a new draft with its named recipients and references. Unknown named
    /// users and a (sender, identifier) already used are refused; nothing is written.
    pub async fn create_alert(&self, a: &NewAlert, now: i64) -> Result<StoredAlert> {
        let mut tx = self.begin_write().await?;
        let written = on_tx!(&mut tx, t => sqlx::query(
            "INSERT INTO alerts (id, identifier, sender, sent, msg_type, organisation_id, author, state, tlp, community_id, headline, cap_xml, version, created_at, updated_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, 'draft', $8, $9, $10, $11, 1, $12, $12)")
            .bind(&a.id).bind(&a.doc.identifier).bind(&a.doc.sender).bind(&a.doc.sent).bind(&a.doc.msg_type).bind(a.organisation.as_str())
            .bind(a.author.as_str()).bind(a.tlp.as_str()).bind(a.community.as_ref().map(CommunityId::as_str)).bind(&a.doc.headline)
            .bind(&a.doc.cap_xml).bind(now).execute(t).await.map(|r| r.rows_affected()));
        if let Err(e) = written {
            return Err(StoreError::unique(e, || {
                format!("your organisation already holds an alert from sender {} with identifier {}", a.doc.sender, a.doc.identifier)
            }));
        }
        write_named(&mut tx, &a.id, &a.named).await?;
        for r in &a.references {
            on_tx!(&mut tx, t => sqlx::query("INSERT INTO alert_references (alert_id, referenced_id) VALUES ($1, $2)")
                .bind(&a.id).bind(r).execute(t).await?.rows_affected());
        }
        tx.commit().await?;
        self.get_alert(&a.id).await?.ok_or_else(|| StoreError::NotFound(format!("alert {}", a.id)))
    }

    /// Replaces a draft's document, label, community and named recipients, if it is
    /// still a draft at `version`.
    #[allow(clippy::too_many_arguments)]
    pub async fn update_draft(
        &self,
        id: &str,
        version: i64,
        doc: &AlertDoc,
        tlp: Tlp,
        community: Option<&CommunityId>,
        named: &[Username],
        now: i64,
    ) -> Result<StoredAlert> {
        let mut tx = self.begin_write().await?;
        let (state, current) = state_of(&mut tx, id).await?;
        if state != AlertState::Draft {
            return Err(StoreError::Conflict(format!("alert {id} is {state}; only a draft can be edited")));
        }
        if current != version {
            return Err(StoreError::Conflict(format!("alert {id} is at version {current}, not {version}: reload it and apply the change again")));
        }
        let written = on_tx!(&mut tx, t => sqlx::query(
            "UPDATE alerts SET identifier = $2, sender = $3, sent = $4, msg_type = $5, tlp = $6, community_id = $7, headline = $8, cap_xml = $9,
                 version = version + 1, updated_at = $10 WHERE id = $1")
            .bind(id).bind(&doc.identifier).bind(&doc.sender).bind(&doc.sent).bind(&doc.msg_type).bind(tlp.as_str())
            .bind(community.map(CommunityId::as_str)).bind(&doc.headline).bind(&doc.cap_xml).bind(now).execute(t).await.map(|r| r.rows_affected()));
        if let Err(e) = written {
            return Err(StoreError::unique(e, || format!("your organisation already holds an alert from sender {} with identifier {}", doc.sender, doc.identifier)));
        }
        on_tx!(&mut tx, t => sqlx::query("DELETE FROM alert_named WHERE alert_id = $1").bind(id).execute(t).await?.rows_affected());
        write_named(&mut tx, id, named).await?;
        tx.commit().await?;
        self.get_alert(id).await?.ok_or_else(|| StoreError::NotFound(format!("alert {id}")))
    }

    /// Moves an alert from one of `from` to `to`, recording the approver when given.
    /// A published alert's label may also change through [`Store::relabel_alert`].
    pub async fn transition_alert(&self, id: &str, from: &[AlertState], to: AlertState, approver: Option<&str>, now: i64) -> Result<StoredAlert> {
        let mut tx = self.begin_write().await?;
        let (state, _) = state_of(&mut tx, id).await?;
        if !from.contains(&state) {
            let wanted: Vec<&str> = from.iter().map(|s| s.key()).collect();
            return Err(StoreError::Conflict(format!("alert {id} is {state}; this needs it to be {}", wanted.join(" or "))));
        }
        on_tx!(&mut tx, t => sqlx::query("UPDATE alerts SET state = $2, approver = COALESCE($3, approver), version = version + 1, updated_at = $4 WHERE id = $1")
            .bind(id).bind(to.key()).bind(approver).bind(now).execute(t).await?.rows_affected());
        if to == AlertState::Draft {
            on_tx!(&mut tx, t => sqlx::query("UPDATE alerts SET approver = NULL WHERE id = $1").bind(id).execute(t).await?.rows_affected());
        }
        tx.commit().await?;
        self.get_alert(id).await?.ok_or_else(|| StoreError::NotFound(format!("alert {id}")))
    }

    /// Publishes an approved alert: its state, sent time and document, its recipients,
    /// the alerts it follows, the event and the audit entry (`share` by `by`), in one
    /// transaction.
    pub async fn publish_alert(&self, id: &str, p: &Publication, now: i64, by: &str) -> Result<StoredAlert> {
        let mut tx = self.begin_write().await?;
        lock_events(&mut tx).await?;
        let (state, _) = state_of(&mut tx, id).await?;
        if state != AlertState::Approved {
            return Err(StoreError::Conflict(format!("alert {id} is {state}; only an approved alert can be published")));
        }
        on_tx!(&mut tx, t => sqlx::query("UPDATE alerts SET state = 'published', sent = $2, cap_xml = $3, published_at = $4, version = version + 1, updated_at = $4 WHERE id = $1")
            .bind(id).bind(&p.sent).bind(&p.cap_xml).bind(now).execute(t).await?.rows_affected());
        for r in &p.recipients {
            insert_recipient(&mut tx, id, r).await?;
        }
        on_tx!(&mut tx, t => sqlx::query("UPDATE alerts SET followed_by = $1 WHERE id IN (SELECT referenced_id FROM alert_references WHERE alert_id = $1)")
            .bind(id).execute(t).await?.rows_affected());
        add_event(&mut tx, now, "published", id, &[]).await?;
        let detail = serde_json::json!({"state": "published", "recipients": p.recipients.len()});
        crate::audit::append(&mut tx, &crate::NewAuditEntry { at: now, actor: by, action: crate::AuditAction::Share, object_kind: "alert", object_id: id, detail }).await?;
        crate::federation::queue_local_change(&mut tx, "alert", id, now).await?;
        crate::failpoint("alert.publish.before_commit");
        tx.commit().await?;
        crate::failpoint("alert.publish.after_commit");
        self.get_alert(id).await?.ok_or_else(|| StoreError::NotFound(format!("alert {id}")))
    }

    /// Changes the label (the caller checked the relabel rule) and tells the readers.
    pub async fn relabel_alert(&self, id: &str, tlp: Tlp, now: i64) -> Result<StoredAlert> {
        let mut tx = self.begin_write().await?;
        lock_events(&mut tx).await?;
        let (state, _) = state_of(&mut tx, id).await?;
        on_tx!(&mut tx, t => sqlx::query("UPDATE alerts SET tlp = $2, version = version + 1, updated_at = $3 WHERE id = $1")
            .bind(id).bind(tlp.as_str()).bind(now).execute(t).await?.rows_affected());
        if state == AlertState::Published {
            add_event(&mut tx, now, "relabelled", id, &[]).await?;
            crate::federation::queue_local_change(&mut tx, "alert", id, now).await?;
        }
        tx.commit().await?;
        self.get_alert(id).await?.ok_or_else(|| StoreError::NotFound(format!("alert {id}")))
    }

    /// Deletes a draft (or an alert pending approval).
    pub async fn delete_draft(&self, id: &str) -> Result<()> {
        let mut tx = self.begin_write().await?;
        let (state, _) = state_of(&mut tx, id).await?;
        if state == AlertState::Published {
            return Err(StoreError::Conflict(format!("alert {id} is published; cancel it instead")));
        }
        on_tx!(&mut tx, t => sqlx::query("DELETE FROM alerts WHERE id = $1").bind(id).execute(t).await?.rows_affected());
        tx.commit().await
    }

    pub async fn get_alert(&self, id: &str) -> Result<Option<StoredAlert>> {
        Ok(self.load_alerts(Some(id), None).await?.pop())
    }

    /// The alerts with this CAP sender and identifier (and `sent`, when given) — one per
    /// organisation holding such an alert at most; the caller keeps those its reader may read.
    pub async fn alerts_by_reference(&self, sender: &str, identifier: &str, sent: Option<&str>) -> Result<Vec<StoredAlert>> {
        let rows: Vec<(String, String)> = on_pool!(self, p => sqlx::query_as("SELECT id, sent FROM alerts WHERE sender = $1 AND identifier = $2 ORDER BY id")
            .bind(sender).bind(identifier).fetch_all(p).await?);
        let mut out = Vec::new();
        for (id, s) in rows {
            if sent.is_none_or(|want| want == s) {
                if let Some(a) = self.get_alert(&id).await? {
                    out.push(a);
                }
            }
        }
        Ok(out)
    }

    /// Every alert, newest first (the caller filters by who may read them); or the
    /// drafts and published alerts of one organisation only.
    pub async fn list_alerts(&self, organisation: Option<&OrgId>) -> Result<Vec<StoredAlert>> {
        self.load_alerts(None, organisation).await
    }

    async fn load_alerts(&self, id: Option<&str>, organisation: Option<&OrgId>) -> Result<Vec<StoredAlert>> {
        let (cond, arg) = match (id, organisation) {
            (Some(id), _) => ("WHERE id = $1", Some(id.to_string())),
            (None, Some(o)) => ("WHERE organisation_id = $1", Some(o.to_string())),
            (None, None) => ("WHERE $1 IS NULL OR id = $1", None),
        };
        let sql = format!("SELECT {MAIN_COLUMNS} FROM alerts {cond} ORDER BY COALESCE(published_at, created_at) DESC, id");
        let rows: Vec<MainRow> = on_pool!(self, p => sqlx::query_as(&sql).bind(&arg).fetch_all(p).await?);
        if rows.is_empty() {
            return Ok(vec![]);
        }
        let sub = |table: &str, cols: &str| match (id, organisation) {
            (Some(_), _) => format!("SELECT {cols} FROM {table} WHERE alert_id = $1"),
            (None, Some(_)) => format!("SELECT {cols} FROM {table} WHERE alert_id IN (SELECT id FROM alerts WHERE organisation_id = $1)"),
            (None, None) => format!("SELECT {cols} FROM {table} WHERE $1 IS NULL OR alert_id = $1"),
        };
        let docs: Vec<DocRow> = {
            let cols = "id, cap_xml, followed_by, origin_instance, federated_audience";
            let sql = match (id, organisation) {
                (Some(_), _) => format!("SELECT {cols} FROM alerts WHERE id = $1"),
                (None, Some(_)) => format!("SELECT {cols} FROM alerts WHERE organisation_id = $1"),
                (None, None) => format!("SELECT {cols} FROM alerts WHERE $1 IS NULL OR id = $1"),
            };
            on_pool!(self, p => sqlx::query_as(&sql).bind(&arg).fetch_all(p).await?)
        };
        let named: Vec<(String, String)> = on_pool!(self, p => sqlx::query_as(&sub("alert_named", "alert_id, username")).bind(&arg).fetch_all(p).await?);
        let refs: Vec<(String, String)> = on_pool!(self, p => sqlx::query_as(&sub("alert_references", "alert_id, referenced_id")).bind(&arg).fetch_all(p).await?);
        let recips: Vec<RecipientRow> = on_pool!(self, p => sqlx::query_as(
            &(sub("alert_recipients", "alert_id, organisation_id, username, reason, asset_ids, level, added_at") + " ORDER BY added_at, organisation_id, username"))
            .bind(&arg).fetch_all(p).await?);
        let members: Vec<(String, String)> = on_pool!(self, p => sqlx::query_as("SELECT community_id, organisation_id FROM community_members ORDER BY organisation_id").fetch_all(p).await?);
        let clients: Vec<(String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT supervisor_id, organisation_id FROM sharing_profiles WHERE supervisor_id IS NOT NULL ORDER BY organisation_id").fetch_all(p).await?);

        assemble(rows, docs, named, refs, recips, members, clients)
    }

    /// Records a recipient organisation's acknowledgement (one per organisation) and
    /// tells the originator and the acknowledging organisation.
    pub async fn ack_alert(&self, id: &str, ack: &AlertAck, originator: &OrgId) -> Result<()> {
        let mut tx = self.begin_write().await?;
        lock_events(&mut tx).await?;
        let written = on_tx!(&mut tx, t => sqlx::query(
            "INSERT INTO alert_acks (alert_id, organisation_id, username, at, identifier, cap_xml) VALUES ($1, $2, $3, $4, $5, $6)")
            .bind(id).bind(ack.organisation.as_str()).bind(&ack.username).bind(ack.at).bind(&ack.identifier).bind(&ack.cap_xml)
            .execute(t).await.map(|r| r.rows_affected()));
        if let Err(e) = written {
            return Err(StoreError::unique(e, || format!("{} has already acknowledged this alert", ack.organisation)));
        }
        add_event(&mut tx, ack.at, "acknowledged", id, &[originator.clone(), ack.organisation.clone()]).await?;
        tx.commit().await
    }

    /// The acknowledgements of an alert, oldest first.
    pub async fn alert_acks(&self, id: &str) -> Result<Vec<AlertAck>> {
        let rows: Vec<(String, String, i64, String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT organisation_id, username, at, identifier, cap_xml FROM alert_acks WHERE alert_id = $1 ORDER BY at, organisation_id")
            .bind(id).fetch_all(p).await?);
        rows.into_iter().map(|(o, username, at, identifier, cap_xml)| Ok(AlertAck { organisation: org(&o)?, username, at, identifier, cap_xml })).collect()
    }

    /// Recipient organisations matched by area that have not acknowledged a live alert
    /// (published, not followed by an update or a cancel), with their escalation level
    /// so far and the people their profile names.
    pub async fn unacknowledged_alerts(&self) -> Result<Vec<Unacknowledged>> {
        let rows: Vec<PendingRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT r.alert_id, r.organisation_id, a.published_at,
                    (SELECT MAX(e.level) FROM alert_escalations e WHERE e.alert_id = r.alert_id AND e.organisation_id = r.organisation_id),
                    sp.liaison, sp.supervisor_id
             FROM alert_recipients r JOIN alerts a ON a.id = r.alert_id
             LEFT JOIN sharing_profiles sp ON sp.organisation_id = r.organisation_id
             WHERE r.reason = 'area' AND r.username IS NULL AND a.state = 'published' AND a.followed_by IS NULL
               AND a.msg_type IN ('Alert', 'Update') AND a.published_at IS NOT NULL
               AND NOT EXISTS (SELECT 1 FROM alert_acks k WHERE k.alert_id = r.alert_id AND k.organisation_id = r.organisation_id)
             ORDER BY a.published_at, r.alert_id, r.organisation_id").fetch_all(p).await?);
        rows.into_iter()
            .map(|(alert_id, o, published_at, level, liaison, supervisor)| {
                Ok(Unacknowledged {
                    alert_id,
                    organisation: org(&o)?,
                    published_at,
                    level: level.unwrap_or(0).clamp(0, 2) as u8,
                    liaison: liaison.as_deref().map(user).transpose()?,
                    supervisor: supervisor.as_deref().map(org).transpose()?,
                })
            })
            .collect()
    }

    /// Applies escalations in one transaction. Each (alert, organisation, level) is
    /// applied once, even by concurrent sweeps of several server processes; one whose
    /// organisation acknowledged meanwhile is dropped. Returns how many were applied.
    pub async fn apply_escalations(&self, due: &[Escalation], now: i64) -> Result<usize> {
        let mut tx = self.begin_write().await?;
        lock_events(&mut tx).await?;
        let mut applied = 0;
        for e in due {
            let acked: Option<i32> = on_tx!(&mut tx, t => sqlx::query_scalar("SELECT 1 FROM alert_acks WHERE alert_id = $1 AND organisation_id = $2")
                .bind(&e.alert_id).bind(e.organisation.as_str()).fetch_optional(t).await?);
            if acked.is_some() {
                continue;
            }
            let target = match &e.target {
                EscalationTarget::Liaison(u) => u.to_string(),
                EscalationTarget::Authority(o) => o.to_string(),
                EscalationTarget::Nobody => String::new(),
            };
            let inserted = on_tx!(&mut tx, t => sqlx::query(
                "INSERT INTO alert_escalations (alert_id, organisation_id, level, target, at) VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING")
                .bind(&e.alert_id).bind(e.organisation.as_str()).bind(i32::from(e.level)).bind(&target).bind(now).execute(t).await?.rows_affected());
            if inserted == 0 {
                continue;
            }
            applied += 1;
            let (recipient, told) = match &e.target {
                EscalationTarget::Liaison(u) => (
                    AlertRecipient { organisation: e.organisation.clone(), username: Some(u.clone()), reason: RecipientReason::Escalation, asset_ids: vec![], level: 1, added_at: now },
                    e.organisation.clone(),
                ),
                EscalationTarget::Authority(o) => (
                    AlertRecipient { organisation: o.clone(), username: None, reason: RecipientReason::Escalation, asset_ids: vec![], level: 2, added_at: now },
                    o.clone(),
                ),
                EscalationTarget::Nobody => continue,
            };
            insert_recipient(&mut tx, &e.alert_id, &recipient).await?;
            let originator: String = on_tx!(&mut tx, t => sqlx::query_scalar("SELECT organisation_id FROM alerts WHERE id = $1")
                .bind(&e.alert_id).fetch_one(t).await?);
            add_event(&mut tx, now, "escalated", &e.alert_id, &[org(&originator)?, told]).await?;
        }
        tx.commit().await?;
        Ok(applied)
    }

    /// The escalations of an alert: (organisation, level, target, at).
    pub async fn alert_escalations(&self, id: &str) -> Result<Vec<(OrgId, i64, String, i64)>> {
        let rows: Vec<(String, i32, String, i64)> = on_pool!(self, p => sqlx::query_as(
            "SELECT organisation_id, level, target, at FROM alert_escalations WHERE alert_id = $1 ORDER BY at, organisation_id, level")
            .bind(id).fetch_all(p).await?);
        rows.into_iter().map(|(o, l, t, at)| Ok((org(&o)?, i64::from(l), t, at))).collect()
    }

    /// Events after `after`, oldest first, at most `limit`.
    pub async fn events_after(&self, after: i64, limit: i64) -> Result<Vec<Event>> {
        let rows: Vec<(i64, i64, String, String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT seq, at, kind, alert_id, audience FROM events WHERE seq > $1 ORDER BY seq LIMIT $2").bind(after).bind(limit).fetch_all(p).await?);
        rows.into_iter()
            .map(|(seq, at, kind, alert_id, audience)| {
                let audience = audience.split(',').filter(|s| !s.is_empty()).map(org).collect::<Result<Vec<_>>>()?;
                Ok(Event { seq, at, kind, alert_id, audience })
            })
            .collect()
    }

    /// The newest event's sequence number (0 when none).
    pub async fn last_event_seq(&self) -> Result<i64> {
        let n: Option<i64> = on_pool!(self, p => sqlx::query_scalar("SELECT MAX(seq) FROM events").fetch_one(p).await?);
        Ok(n.unwrap_or(0))
    }
}

impl Store {
    /// A transaction that writes: on SQLite it takes the write lock at once
    /// (`BEGIN IMMEDIATE`), so two writers queue on the busy timeout instead of one
    /// failing when it upgrades a read to a write.
    pub(crate) async fn begin_write(&self) -> Result<Tx> {
        Ok(match &self.pool {
            crate::Pool::Sqlite(p) => Tx::Sqlite(p.begin_with("BEGIN IMMEDIATE").await?),
            crate::Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }
}

async fn state_of(tx: &mut Tx, id: &str) -> Result<(AlertState, i64)> {
    let lock = match tx {
        Tx::Postgres(_) => " FOR UPDATE",
        Tx::Sqlite(_) => "",
    };
    let sql = format!("SELECT state, version FROM alerts WHERE id = $1{lock}");
    let row: Option<(String, i64)> = on_tx!(tx, t => sqlx::query_as(&sql).bind(id).fetch_optional(t).await?);
    let Some((state, version)) = row else { return Err(StoreError::NotFound(format!("alert {id}"))) };
    Ok((AlertState::parse(&state).map_err(|e| bad("alert state", e))?, version))
}

async fn write_named(tx: &mut Tx, id: &str, named: &[Username]) -> Result<()> {
    let mut missing = Vec::new();
    for (i, u) in named.iter().enumerate() {
        let exists: Option<i32> = on_tx!(&mut *tx, t => sqlx::query_scalar("SELECT 1 FROM users WHERE username = $1").bind(u.as_str()).fetch_optional(t).await?);
        if exists.is_none() {
            missing.push(FieldError::new(format!("recipients[{i}]"), format!("no user {u}")));
        }
    }
    if !missing.is_empty() {
        return Err(StoreError::Invalid(Invalid(missing)));
    }
    for u in named {
        on_tx!(&mut *tx, t => sqlx::query("INSERT INTO alert_named (alert_id, username) VALUES ($1, $2) ON CONFLICT DO NOTHING")
            .bind(id).bind(u.as_str()).execute(t).await?.rows_affected());
    }
    Ok(())
}

pub(crate) async fn insert_recipient(tx: &mut Tx, id: &str, r: &AlertRecipient) -> Result<()> {
    on_tx!(tx, t => sqlx::query(
        "INSERT INTO alert_recipients (alert_id, organisation_id, username, reason, asset_ids, level, added_at) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(id).bind(r.organisation.as_str()).bind(r.username.as_ref().map(Username::as_str)).bind(r.reason.key())
        .bind(r.asset_ids.join(",")).bind(r.level as i32).bind(r.added_at).execute(t).await?.rows_affected());
    Ok(())
}

/// Orders event writers on PostgreSQL (see the module docs); SQLite has one writer.
pub(crate) async fn lock_events(tx: &mut Tx) -> Result<()> {
    if let Tx::Postgres(t) = tx {
        sqlx::query("SELECT pg_advisory_xact_lock($1)").bind(EVENTS_LOCK).execute(&mut **t).await?;
    }
    Ok(())
}

pub(crate) async fn add_event(tx: &mut Tx, at: i64, kind: &str, alert_id: &str, audience: &[OrgId]) -> Result<()> {
    let audience: Vec<&str> = audience.iter().map(OrgId::as_str).collect();
    on_tx!(tx, t => sqlx::query("INSERT INTO events (at, kind, alert_id, audience) VALUES ($1, $2, $3, $4)")
        .bind(at).bind(kind).bind(alert_id).bind(audience.join(",")).execute(t).await?.rows_affected());
    Ok(())
}

/// Alerts from their rows: the main columns, the documents, named people, references,
/// recipients, and the community memberships and supervisions that decide who reads
/// them. One assembly for every way alerts are read.
pub(crate) fn assemble(
    rows: Vec<MainRow>,
    docs: Vec<DocRow>,
    named: Vec<(String, String)>,
    refs: Vec<(String, String)>,
    recips: Vec<RecipientRow>,
    members: Vec<(String, String)>,
    clients: Vec<(String, String)>,
) -> Result<Vec<StoredAlert>> {
    let mut docs: HashMap<String, DocFields> =
        docs.into_iter().map(|(i, x, f, o, a)| (i, (x, f, o, a))).collect();
    let mut named_by: HashMap<String, Vec<Username>> = HashMap::new();
    for (a, u) in named {
        named_by.entry(a).or_default().push(user(&u)?);
    }
    let mut refs_by: HashMap<String, Vec<String>> = HashMap::new();
    for (a, r) in refs {
        refs_by.entry(a).or_default().push(r);
    }
    let mut recips_by: HashMap<String, Vec<AlertRecipient>> = HashMap::new();
    for (a, o, u, reason, assets, level, added_at) in recips {
        recips_by.entry(a).or_default().push(AlertRecipient {
            organisation: org(&o)?,
            username: u.as_deref().map(user).transpose()?,
            reason: RecipientReason::parse(&reason).map_err(|e| bad("recipient reason", e))?,
            asset_ids: assets.split(',').filter(|s| !s.is_empty()).map(String::from).collect(),
            level: i64::from(level),
            added_at,
        });
    }
    let mut members_of: HashMap<String, Vec<OrgId>> = HashMap::new();
    for (c, o) in members {
        members_of.entry(c).or_default().push(org(&o)?);
    }
    let mut clients_of: HashMap<String, Vec<OrgId>> = HashMap::new();
    for (s, o) in clients {
        clients_of.entry(s).or_default().push(org(&o)?);
    }

    let mut out = Vec::with_capacity(rows.len());
    for (id, identifier, sender, sent, msg_type, organisation, author, approver, state, tlp, community, headline, version, created_at, updated_at, published_at) in rows {
        let (cap_xml, followed_by, origin_instance, federated_audience) = docs.remove(&id).unwrap_or_default();
        // An alert from another instance: its community is the one its origin
        // signed, named by its member organisations.
        let federated_members = match &federated_audience {
            Some(text) => Some(crate::federation::community_members(text)?),
            None => None,
        };
        let recipients = recips_by.remove(&id).unwrap_or_default();
        let mut recipient_clients: Vec<OrgId> = Vec::new();
        // Clients of the organisations the alert was sent to; the originator's own
        // clients are not told through the originator's membership.
        for r in recipients.iter().filter(|r| r.username.is_none() && r.reason != RecipientReason::Originator) {
            for c in clients_of.get(r.organisation.as_str()).into_iter().flatten() {
                if !recipient_clients.contains(c) {
                    recipient_clients.push(c.clone());
                }
            }
        }
        out.push(StoredAlert {
            doc: AlertDoc { identifier, sender, sent, msg_type, headline, cap_xml },
            organisation: org(&organisation)?,
            author,
            approver,
            state: AlertState::parse(&state).map_err(|e| bad("alert state", e))?,
            tlp: Tlp::parse(&tlp).map_err(|e| bad("tlp", e))?,
            community_members: match federated_members {
                Some(m) => m,
                None => community.as_ref().and_then(|c| members_of.get(c)).cloned().unwrap_or_default(),
            },
            community: community.map(|c| CommunityId::parse(&c)).transpose().map_err(|e| bad("community", e))?,
            version,
            created_at,
            updated_at,
            published_at,
            followed_by,
            origin_instance,
            named: named_by.remove(&id).unwrap_or_default(),
            references: refs_by.remove(&id).unwrap_or_default(),
            recipients,
            recipient_clients,
            id,
        });
    }
    Ok(out)
}
