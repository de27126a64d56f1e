//! Incident notifications (Directive (EU) 2022/2557 Art. 15): the entity's account, the
//! organisations it was routed to, and the record of what was said when. A notification
//! and its recipients are written in one transaction; every later entry checks the
//! version the caller read, so two people cannot overwrite each other unseen. Each write
//! appends its audit entry in the same transaction (`share` when recipients are told).

use crate::audit::{append, AuditAction, NewAuditEntry};
use crate::{on_pool, on_tx, Result, Store, StoreError};
use rampart_core::incident::{IncidentReport, Recipient, RouteReason, Routing, UpdateKind};
use rampart_core::{CountryCode, Invalid, OrgId};

/// An incident as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentRecord {
    pub id: String,
    pub entity_id: OrgId,
    pub reported_by: String,
    pub report: IncidentReport,
    /// When the initial notification was made; `None` for a draft.
    pub initial_at: Option<i64>,
    pub detailed_at: Option<i64>,
    pub closed_at: Option<i64>,
    pub commission: bool,
    /// Member states affected that had no single point of contact when it was notified.
    pub unrouted: Vec<CountryCode>,
    pub recipients: Vec<Recipient>,
    pub version: i64,
    pub created_at: i64,
    /// The Rampart instance a received copy came from (read-only here); `None`: made here.
    pub origin_instance: Option<String>,
}

/// One entry of an incident's record.
#[derive(Debug, Clone, PartialEq)]
pub struct IncidentUpdate {
    pub seq: i64,
    pub at: i64,
    pub author: String,
    pub kind: UpdateKind,
    pub note: String,
    /// The account as it was changed by this entry, if it was.
    pub report: Option<IncidentReport>,
}

type IncidentRow = (String, String, String, String, Option<i64>, Option<i64>, Option<i64>, bool, String, i64, i64, Option<String>);
const COLUMNS: &str = "id, entity_id, reported_by, report, initial_at, detailed_at, closed_at, commission, unrouted, version, created_at, origin_instance";

fn bad(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(Invalid::one(what, format!("stored value unreadable: {e}")))
}

fn json(report: &IncidentReport) -> Result<String> {
    serde_json::to_string(report).map_err(|e| bad("report", e))
}

fn countries(list: &[CountryCode]) -> String {
    list.iter().map(ToString::to_string).collect::<Vec<_>>().join(",")
}

impl Store {
    /// Records an incident: a draft without `routing`, a notification with it (made at `now`).
    pub async fn create_incident(&self, id: &str, entity: &OrgId, by: &str, report: &IncidentReport, routing: Option<&Routing>, now: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        let text = json(report)?;
        let r = on_tx!(&mut tx, t => sqlx::query(
            "INSERT INTO incidents (id, entity_id, reported_by, tlp, title, report, aware_at, initial_at, commission, unrouted, version, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, 1, $11)")
            .bind(id).bind(entity.as_str()).bind(by).bind(report.tlp.as_str()).bind(&report.title).bind(&text).bind(report.aware_at_ms)
            .bind(routing.map(|_| now)).bind(routing.is_some_and(|r| r.commission)).bind(routing.map(|r| countries(&r.unrouted)).unwrap_or_default())
            .bind(now).execute(t).await.map(|r| r.rows_affected()));
        r.map_err(|e| StoreError::unique(e, || format!("incident {id} already exists")))?;
        if let Some(routing) = routing {
            insert_recipients(&mut tx, id, routing).await?;
            insert_update(&mut tx, id, 1, now, by, UpdateKind::Initial, "", None).await?;
            crate::federation::queue_local_change(&mut tx, "incident", id, now).await?;
        }
        let detail = serde_json::json!({"entity": entity, "tlp": report.tlp, "recipients": routing.map(|r| &r.recipients)});
        let action = if routing.is_some() { AuditAction::Share } else { AuditAction::Create };
        append(&mut tx, &NewAuditEntry { at: now, actor: by, action, object_kind: "incident", object_id: id, detail }).await?;
        tx.commit().await
    }

    /// Makes a draft the initial notification, routed as given.
    pub async fn notify_incident(&self, id: &str, routing: &Routing, by: &str, version: i64, now: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, t => sqlx::query(
            "UPDATE incidents SET initial_at = $2, commission = $3, unrouted = $4, version = version + 1
             WHERE id = $1 AND version = $5 AND initial_at IS NULL")
            .bind(id).bind(now).bind(routing.commission).bind(countries(&routing.unrouted)).bind(version).execute(t).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::Conflict(format!("incident {id} was notified or changed meanwhile (version {version} is no longer current)")));
        }
        insert_recipients(&mut tx, id, routing).await?;
        let seq = next_seq(&mut tx, id).await?;
        insert_update(&mut tx, id, seq, now, by, UpdateKind::Initial, "", None).await?;
        crate::federation::queue_local_change(&mut tx, "incident", id, now).await?;
        let detail = serde_json::json!({"recipients": routing.recipients});
        append(&mut tx, &NewAuditEntry { at: now, actor: by, action: AuditAction::Share, object_kind: "incident", object_id: id, detail }).await?;
        tx.commit().await
    }

    /// Adds an update, the detailed report or the closing entry to a notified incident;
    /// `report`, when given, becomes the incident's account.
    #[allow(clippy::too_many_arguments)]
    pub async fn add_incident_update(&self, id: &str, kind: UpdateKind, by: &str, note: &str, report: Option<&IncidentReport>, version: i64, now: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        let text = report.map(json).transpose()?;
        let detailed = (kind == UpdateKind::Detailed).then_some(now);
        let closed = (kind == UpdateKind::Close).then_some(now);
        let n = on_tx!(&mut tx, t => sqlx::query(
            "UPDATE incidents SET report = COALESCE($2, report), title = COALESCE($3, title), tlp = COALESCE($4, tlp),
                 detailed_at = COALESCE(detailed_at, $5), closed_at = $6, version = version + 1
             WHERE id = $1 AND version = $7 AND initial_at IS NOT NULL AND closed_at IS NULL")
            .bind(id).bind(&text).bind(report.map(|r| r.title.clone())).bind(report.map(|r| r.tlp.as_str()))
            .bind(detailed).bind(closed).bind(version).execute(t).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::Conflict(format!(
                "incident {id} cannot take this entry: it is a draft, closed, or was changed meanwhile (version {version} is no longer current)"
            )));
        }
        let seq = next_seq(&mut tx, id).await?;
        insert_update(&mut tx, id, seq, now, by, kind, note, text.as_deref()).await?;
        crate::federation::queue_local_change(&mut tx, "incident", id, now).await?;
        let detail = serde_json::json!({"entry": kind.key(), "seq": seq});
        append(&mut tx, &NewAuditEntry { at: now, actor: by, action: AuditAction::Change, object_kind: "incident", object_id: id, detail }).await?;
        tx.commit().await
    }

    pub async fn get_incident(&self, id: &str) -> Result<Option<IncidentRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM incidents WHERE id = $1");
        let row: Option<IncidentRow> = on_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await?);
        match row {
            None => Ok(None),
            Some(r) => Ok(Some(self.incident_from_row(r).await?)),
        }
    }

    /// Incidents an organisation is concerned by: its own (drafts included), those routed
    /// to it, those routed to `supervisor` (the reader's organisation is its client; the
    /// label decides whether that suffices), and notified TLP:CLEAR ones. `None`: every
    /// incident. Newest first.
    pub async fn incidents_for(&self, reader: Option<(&OrgId, Option<&OrgId>)>) -> Result<Vec<IncidentRecord>> {
        let rows: Vec<IncidentRow> = match reader {
            None => {
                let sql = format!("SELECT {COLUMNS} FROM incidents ORDER BY aware_at DESC, id");
                on_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await?)
            }
            Some((org, supervisor)) => {
                let sql = format!(
                    "SELECT {COLUMNS} FROM incidents WHERE entity_id = $1 OR (initial_at IS NOT NULL AND (tlp = 'TLP:CLEAR' OR id IN (
                         SELECT incident_id FROM incident_recipients WHERE organisation_id = $1 OR organisation_id = $2)))
                     ORDER BY aware_at DESC, id"
                );
                on_pool!(self, p => sqlx::query_as(&sql).bind(org.as_str()).bind(supervisor.map(OrgId::as_str)).fetch_all(p).await?)
            }
        };
        let mut out = Vec::with_capacity(rows.len());
        for r in rows {
            out.push(self.incident_from_row(r).await?);
        }
        Ok(out)
    }

    pub async fn incident_updates(&self, id: &str) -> Result<Vec<IncidentUpdate>> {
        let rows: Vec<(i64, i64, String, String, String, Option<String>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT seq, at, author, kind, note, report FROM incident_updates WHERE incident_id = $1 ORDER BY seq").bind(id).fetch_all(p).await?);
        rows.into_iter()
            .map(|(seq, at, author, kind, note, report)| {
                Ok(IncidentUpdate {
                    seq,
                    at,
                    author,
                    kind: UpdateKind::parse(&kind).map_err(|e| bad("kind", e))?,
                    note,
                    report: report.map(|r| serde_json::from_str(&r).map_err(|e| bad("report", e))).transpose()?,
                })
            })
            .collect()
    }

    async fn incident_from_row(&self, r: IncidentRow) -> Result<IncidentRecord> {
        let (id, entity, reported_by, report, initial_at, detailed_at, closed_at, commission, unrouted, version, created_at, origin_instance) = r;
        let recipients: Vec<(String, String, Option<String>)> = on_pool!(self, p => sqlx::query_as(
            "SELECT organisation_id, reason, country FROM incident_recipients WHERE incident_id = $1 ORDER BY organisation_id").bind(&id).fetch_all(p).await?);
        let recipients = recipients
            .into_iter()
            .map(|(o, reason, country)| {
                Ok(Recipient {
                    organisation: OrgId::parse(&o).map_err(|e| bad("recipient", e))?,
                    reason: RouteReason::parse(&reason).ok_or_else(|| bad("reason", &reason))?,
                    country: country.map(|c| CountryCode::parse(&c)).transpose().map_err(|e| bad("country", e))?,
                })
            })
            .collect::<Result<Vec<_>>>()?;
        Ok(IncidentRecord {
            entity_id: OrgId::parse(&entity).map_err(|e| bad("entity", e))?,
            reported_by,
            report: serde_json::from_str(&report).map_err(|e| bad("report", e))?,
            initial_at,
            detailed_at,
            closed_at,
            commission,
            unrouted: unrouted.split(',').filter(|c| !c.is_empty()).map(CountryCode::parse).collect::<std::result::Result<_, _>>().map_err(|e| bad("unrouted", e))?,
            recipients,
            version,
            created_at,
            origin_instance,
            id,
        })
    }
}

pub(crate) async fn insert_recipients(tx: &mut crate::Tx, id: &str, routing: &Routing) -> Result<()> {
    for r in &routing.recipients {
        on_tx!(tx, t => sqlx::query("INSERT INTO incident_recipients (incident_id, organisation_id, reason, country) VALUES ($1, $2, $3, $4)")
            .bind(id).bind(r.organisation.as_str()).bind(r.reason.key()).bind(r.country.map(|c| c.to_string())).execute(t).await?.rows_affected());
    }
    Ok(())
}

async fn next_seq(tx: &mut crate::Tx, id: &str) -> Result<i64> {
    let (n,): (i64,) = on_tx!(tx, t => sqlx::query_as("SELECT COALESCE(MAX(seq), 0) + 1 FROM incident_updates WHERE incident_id = $1").bind(id).fetch_one(t).await?);
    Ok(n)
}

#[allow(clippy::too_many_arguments)]
pub(crate) async fn insert_update(tx: &mut crate::Tx, id: &str, seq: i64, at: i64, by: &str, kind: UpdateKind, note: &str, report: Option<&str>) -> Result<()> {
    on_tx!(tx, t => sqlx::query("INSERT INTO incident_updates (incident_id, seq, at, author, kind, note, report) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(id).bind(seq).bind(at).bind(by).bind(kind.key()).bind(note).bind(report).execute(t).await?.rows_affected());
    Ok(())
}
