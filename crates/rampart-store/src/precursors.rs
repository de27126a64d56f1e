//! Explosives-precursor reports (Regulation (EU) 2019/1148 Art. 9) as sent to a
//! national contact point. The report itself is JSON the store does not look inside.

use crate::audit::{append, AuditAction, NewAuditEntry};
use crate::{on_pool, on_tx, Result, Store, StoreError};
use rampart_core::{Invalid, OrgId};

/// A report as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct PrecursorReportRecord {
    pub id: String,
    pub country: String,
    pub kind: String,
    pub report: String,
    pub prepared_by: String,
    pub organisation_id: OrgId,
    pub recipient_id: OrgId,
    pub detected_at: i64,
    pub due_at: i64,
    pub submitted_at: i64,
}

type Row = (String, String, String, String, String, String, String, i64, i64, i64);
const COLUMNS: &str = "id, country, kind, report, prepared_by, organisation_id, recipient_id, detected_at, due_at, submitted_at";

fn record(r: Row) -> Result<PrecursorReportRecord> {
    let org = |s: &str| OrgId::parse(s).map_err(|e| StoreError::Invalid(Invalid::one("organisation", format!("stored value unreadable: {e}"))));
    Ok(PrecursorReportRecord {
        organisation_id: org(&r.5)?,
        recipient_id: org(&r.6)?,
        id: r.0,
        country: r.1,
        kind: r.2,
        report: r.3,
        prepared_by: r.4,
        detected_at: r.7,
        due_at: r.8,
        submitted_at: r.9,
    })
}

impl Store {
    /// Keeps a sent report, with its audit entry (`share`) in the same transaction.
    pub async fn submit_precursor_report(&self, r: &PrecursorReportRecord) -> Result<()> {
        let mut tx = self.begin().await?;
        on_tx!(&mut tx, t => sqlx::query(&format!("INSERT INTO precursor_reports ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)"))
            .bind(&r.id).bind(&r.country).bind(&r.kind).bind(&r.report).bind(&r.prepared_by).bind(r.organisation_id.as_str())
            .bind(r.recipient_id.as_str()).bind(r.detected_at).bind(r.due_at).bind(r.submitted_at).execute(t).await?.rows_affected());
        let detail = serde_json::json!({"kind": r.kind, "country": r.country, "from": r.organisation_id, "to": r.recipient_id});
        let entry = NewAuditEntry { at: r.submitted_at, actor: &r.prepared_by, action: AuditAction::Share, object_kind: "precursor_report", object_id: &r.id, detail };
        append(&mut tx, &entry).await?;
        tx.commit().await
    }

    pub async fn get_precursor_report(&self, id: &str) -> Result<Option<PrecursorReportRecord>> {
        let sql = format!("SELECT {COLUMNS} FROM precursor_reports WHERE id = $1");
        let row: Option<Row> = on_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await?);
        row.map(record).transpose()
    }

    /// Reports sent by or to `org` (`None`: all), newest first.
    pub async fn precursor_reports_for(&self, org: Option<&OrgId>) -> Result<Vec<PrecursorReportRecord>> {
        let rows: Vec<Row> = match org {
            None => on_pool!(self, p => sqlx::query_as(&format!("SELECT {COLUMNS} FROM precursor_reports ORDER BY submitted_at DESC, id")).fetch_all(p).await?),
            Some(o) => on_pool!(self, p => sqlx::query_as(&format!(
                "SELECT {COLUMNS} FROM precursor_reports WHERE organisation_id = $1 OR recipient_id = $1 ORDER BY submitted_at DESC, id"))
                .bind(o.as_str()).fetch_all(p).await?),
        };
        rows.into_iter().map(record).collect()
    }
}
