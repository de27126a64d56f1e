//! Analysis runs: a study request, who asked for it, where it is, and its result.
//!
//! The store keeps the record; the process that accepted a run computes it and writes
//! progress, result or failure here. The id is made by the caller (random and
//! unguessable), like every time, so tests control both. Request and result are JSON
//! text: the store does not look inside them.

use crate::{on_pool, Result, Store, StoreError};
use rampart_core::{CountryCode, OrgId};

/// Where a run is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunStatus {
    Queued,
    Running,
    Done,
    Failed,
    Cancelled,
}

impl RunStatus {
    pub fn key(self) -> &'static str {
        match self {
            RunStatus::Queued => "queued",
            RunStatus::Running => "running",
            RunStatus::Done => "done",
            RunStatus::Failed => "failed",
            RunStatus::Cancelled => "cancelled",
        }
    }

    pub fn parse(s: &str) -> Option<RunStatus> {
        Some(match s {
            "queued" => RunStatus::Queued,
            "running" => RunStatus::Running,
            "done" => RunStatus::Done,
            "failed" => RunStatus::Failed,
            "cancelled" => RunStatus::Cancelled,
            _ => return None,
        })
    }

    /// Queued or running: the run may still change.
    pub fn is_unfinished(self) -> bool {
        matches!(self, RunStatus::Queued | RunStatus::Running)
    }
}

/// A run as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct RunRecord {
    pub id: String,
    pub kind: String,
    /// The study request, JSON text.
    pub request: String,
    pub created_by: String,
    pub created_at: i64,
    pub status: RunStatus,
    /// 0..=1, as last written.
    pub progress: f64,
    pub started_at: Option<i64>,
    pub finished_at: Option<i64>,
    /// Last sign of life from the process computing the run.
    pub heartbeat_at: i64,
    /// The result, JSON text, once done.
    pub result: Option<String>,
    /// Why it failed or was cancelled.
    pub error: Option<String>,
}

/// A run to record.
pub struct NewRun<'a> {
    pub id: &'a str,
    pub kind: &'a str,
    pub request: &'a str,
    pub created_by: &'a str,
}

/// Where an asset named by a result is and who may see it.
#[derive(Debug, Clone, PartialEq)]
pub struct AssetPlace {
    pub id: String,
    pub name: String,
    /// What its impact is reported under: subsector, else sector, else public-space
    /// category, else its kind (as the engine's `class_of`).
    pub class: String,
    pub country: CountryCode,
    pub operator_id: Option<OrgId>,
    pub lon: f64,
    pub lat: f64,
}

type PlaceRow = (String, String, String, String, Option<String>, f64, f64);

/// What a run that was left unfinished by a stopped process says.
pub const INTERRUPTED: &str = "interrupted: the server stopped";

type RunRow = (String, String, String, String, i64, String, f64, Option<i64>, Option<i64>, i64, Option<String>, Option<String>);
const RUN_COLUMNS: &str = "id, kind, request, created_by, created_at, status, progress, started_at, finished_at, heartbeat_at, result, error";
/// Lists leave the (possibly large) result out.
const RUN_SUMMARY_COLUMNS: &str =
    "id, kind, request, created_by, created_at, status, progress, started_at, finished_at, heartbeat_at, NULL AS result, error";

fn run_from_row(r: RunRow) -> Result<RunRecord> {
    let (id, kind, request, created_by, created_at, status, progress, started_at, finished_at, heartbeat_at, result, error) = r;
    let status = RunStatus::parse(&status)
        .ok_or_else(|| StoreError::Invalid(rampart_core::Invalid::one("", format!("stored run {id} has an unknown status {status:?}"))))?;
    Ok(RunRecord { id, kind, request, created_by, created_at, status, progress, started_at, finished_at, heartbeat_at, result, error })
}

impl Store {
    /// Records a queued run.
    pub async fn create_run(&self, run: &NewRun<'_>, now: i64) -> Result<RunRecord> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO analysis_runs (id, kind, request, created_by, created_at, status, progress, heartbeat_at) VALUES ($1, $2, $3, $4, $5, 'queued', 0, $5)")
            .bind(run.id).bind(run.kind).bind(run.request).bind(run.created_by).bind(now)
            .execute(p).await.map(|r| r.rows_affected()))
            .map_err(|e| StoreError::unique(e, || format!("run {} already exists", run.id)))?;
        self.get_run(run.id).await?.ok_or_else(|| StoreError::NotFound(format!("run {}", run.id)))
    }

    pub async fn get_run(&self, id: &str) -> Result<Option<RunRecord>> {
        let sql = format!("SELECT {RUN_COLUMNS} FROM analysis_runs WHERE id = $1");
        let row: Option<RunRow> = on_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await?);
        row.map(run_from_row).transpose()
    }

    /// Runs newest first, of one user or of everybody, without their results.
    pub async fn list_runs(&self, created_by: Option<&str>, limit: i64) -> Result<Vec<RunRecord>> {
        let sql = format!(
            "SELECT {RUN_SUMMARY_COLUMNS} FROM analysis_runs WHERE ($1 IS NULL OR created_by = $1) ORDER BY created_at DESC, id DESC LIMIT $2"
        );
        let rows: Vec<RunRow> = on_pool!(self, p => sqlx::query_as(&sql).bind(created_by).bind(limit).fetch_all(p).await?);
        rows.into_iter().map(run_from_row).collect()
    }

    /// Queued → running. False when the run is no longer queued (cancelled meanwhile).
    pub async fn mark_run_running(&self, id: &str, now: i64) -> Result<bool> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE analysis_runs SET status = 'running', started_at = $2, heartbeat_at = $2 WHERE id = $1 AND status = 'queued'")
            .bind(id).bind(now).execute(p).await?.rows_affected());
        Ok(n == 1)
    }

    /// Writes progress (0..=1) and a sign of life while the run is unfinished. False
    /// when it has finished meanwhile (cancelled, perhaps by another process).
    pub async fn set_run_progress(&self, id: &str, progress: f64, now: i64) -> Result<bool> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE analysis_runs SET progress = $2, heartbeat_at = $3 WHERE id = $1 AND status IN ('queued', 'running')")
            .bind(id).bind(progress.clamp(0.0, 1.0)).bind(now).execute(p).await?.rows_affected());
        Ok(n == 1)
    }

    /// Running → done with its result. False when the run had already finished.
    pub async fn finish_run(&self, id: &str, result: &str, now: i64) -> Result<bool> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE analysis_runs SET status = 'done', progress = 1, result = $2, finished_at = $3, heartbeat_at = $3
             WHERE id = $1 AND status IN ('queued', 'running')")
            .bind(id).bind(result).bind(now).execute(p).await?.rows_affected());
        Ok(n == 1)
    }

    /// Unfinished → failed with a message for the reader. False when already finished.
    pub async fn fail_run(&self, id: &str, message: &str, now: i64) -> Result<bool> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE analysis_runs SET status = 'failed', error = $2, finished_at = $3, heartbeat_at = $3
             WHERE id = $1 AND status IN ('queued', 'running')")
            .bind(id).bind(message).bind(now).execute(p).await?.rows_affected());
        Ok(n == 1)
    }

    /// Unfinished → cancelled. False when the run had already finished.
    pub async fn cancel_run(&self, id: &str, by: &str, now: i64) -> Result<bool> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE analysis_runs SET status = 'cancelled', error = $2, finished_at = $3, heartbeat_at = $3
             WHERE id = $1 AND status IN ('queued', 'running')")
            .bind(id).bind(format!("cancelled by {by}")).bind(now).execute(p).await?.rows_affected());
        Ok(n == 1)
    }

    /// Marks as failed ([`INTERRUPTED`]) every unfinished run whose process has given
    /// no sign of life since `stale_before`: runs left by a process that stopped. With
    /// one process per database, `stale_before = now` takes every unfinished run;
    /// processes sharing a database pass a time a few heartbeats ago so they leave
    /// each other's live runs alone. Returns how many were marked.
    pub async fn interrupt_unfinished(&self, now: i64, stale_before: i64) -> Result<u64> {
        let n = on_pool!(self, p => sqlx::query(
            "UPDATE analysis_runs SET status = 'failed', error = $1, finished_at = $2
             WHERE status IN ('queued', 'running') AND heartbeat_at <= $3")
            .bind(INTERRUPTED).bind(now).bind(stale_before).execute(p).await?.rows_affected());
        Ok(n)
    }

    /// The places of the assets named (those that still exist), for deciding which
    /// rows of a result a reader may see and where to draw them.
    pub async fn asset_places(&self, ids: &[&str]) -> Result<Vec<AssetPlace>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(500) {
            let params = (1..=chunk.len()).map(|i| format!("${i}")).collect::<Vec<_>>().join(", ");
            let sql = format!("SELECT id, name, COALESCE(subsector, sector, category, kind), country, operator_id, lon, lat FROM assets WHERE id IN ({params})");
            let rows: Vec<PlaceRow> = on_pool!(self, p => {
                let mut q = sqlx::query_as(&sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(p).await?
            });
            for (id, name, class, country, operator, lon, lat) in rows {
                let bad = |e| StoreError::Invalid(rampart_core::Invalid::one("", format!("stored asset {id} does not parse: {e}")));
                let country = CountryCode::parse(&country).map_err(bad)?;
                let operator_id = operator.map(|o| OrgId::parse(&o)).transpose().map_err(bad)?;
                out.push(AssetPlace { id, name, class, country, operator_id, lon, lat });
            }
        }
        Ok(out)
    }

    /// A stamp that changes whenever the registry the engine reads changes: every
    /// change to an asset, dependency or link writes a history row, and bulk loads
    /// of dependencies and links raise their counts and ids. Equal stamps, equal graph.
    pub async fn registry_version(&self) -> Result<String> {
        let row: (i64, i64, i64, i64, i64) = on_pool!(self, p => sqlx::query_as(
            "SELECT (SELECT COALESCE(max(id), 0) FROM asset_history), (SELECT count(*) FROM dependencies), (SELECT COALESCE(max(id), 0) FROM dependencies),
                    (SELECT count(*) FROM links), (SELECT COALESCE(max(id), 0) FROM links)")
            .fetch_one(p).await?);
        Ok(format!("{}.{}.{}.{}.{}", row.0, row.1, row.2, row.3, row.4))
    }
}
