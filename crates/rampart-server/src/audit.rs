//! The audit trail over HTTP: `GET /api/v1/audit` (administrators), and the helper the
//! handlers use to record what the store does not record itself (logins, exports,
//! user and organisation management, refusals). Registry writes are audited by the
//! store inside their own transaction.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::{rfc3339, AppState};
use axum::extract::{Query, State};
use axum::Json;
use rampart_core::Invalid;
use rampart_store::{AuditAction, NewAuditEntry};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

/// An entry at the state's clock, for a store method that appends it inside the
/// change's own transaction (`*_audited`).
pub fn entry<'a>(state: &AppState, actor: &'a str, action: AuditAction, object_kind: &'a str, object_id: &'a str, detail: Value) -> NewAuditEntry<'a> {
    NewAuditEntry { at: state.clock.now_ms(), actor, action, object_kind, object_id, detail }
}

/// Appends one entry at the state's clock, for what changes nothing else (reads,
/// exports, refusals). A failure fails the request: what cannot be audited is not done
/// silently. A change is audited in its own transaction instead (see [`entry`]).
pub async fn record(state: &AppState, actor: &str, action: AuditAction, object_kind: &str, object_id: &str, detail: Value) -> ApiResult<()> {
    let entry = NewAuditEntry { at: state.clock.now_ms(), actor, action, object_kind, object_id, detail };
    state.store.audit_append(&entry).await?;
    Ok(())
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditQuery {
    /// Entries at or after this time (RFC 3339, e.g. `2026-11-22T12:00:00Z`).
    pub since: Option<String>,
    /// Entries after this seq (for paging: the previous page's `next_after`).
    pub after: Option<i64>,
    /// At most this many entries (default 100, at most 1000).
    pub limit: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditEntryOut {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    /// create, read, change, share, export, import, delete, reject, login, logout.
    pub action: String,
    pub object_kind: String,
    pub object_id: String,
    #[schema(value_type = Object)]
    pub detail: Value,
    pub prev_hash: String,
    pub hash: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditEntryOut>,
    /// Pass as `after` for the next page; absent on the last page.
    pub next_after: Option<i64>,
}

/// The audit trail in order (administrators).
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditQuery),
    responses((status = 200, body = AuditPage), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn list(State(state): State<AppState>, auth: Auth, Query(q): Query<AuditQuery>) -> ApiResult<Json<AuditPage>> {
    auth.require_admin()?;
    let since = match &q.since {
        Some(s) => Some(
            humantime::parse_rfc3339_weak(s)
                .ok()
                .and_then(|t| t.duration_since(std::time::UNIX_EPOCH).ok())
                .map(|d| d.as_millis() as i64)
                .ok_or_else(|| ApiError::Invalid(Invalid::one("since", format!("expected an RFC 3339 time like 2026-11-22T12:00:00Z, found {s:?}"))))?,
        ),
        None => None,
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let mut entries = state.store.audit_list(since, q.after, limit + 1).await?;
    let more = entries.len() > limit as usize;
    entries.truncate(limit as usize);
    let next_after = if more { entries.last().map(|e| e.seq) } else { None };
    let items = entries
        .into_iter()
        .map(|e| AuditEntryOut {
            seq: e.seq,
            at: rfc3339(e.at),
            actor: e.actor,
            action: e.action,
            object_kind: e.object_kind,
            object_id: e.object_id,
            detail: e.detail,
            prev_hash: e.prev_hash,
            hash: e.hash,
        })
        .collect();
    Ok(Json(AuditPage { items, next_after }))
}

/// Walks the hash chain (administrators): how many entries verify, and the first break.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit",
    responses((status = 200, description = "{entries, last_hash, first_break: {seq, reason} | null}"), (status = 403, body = crate::error::Problem)))]
pub async fn verify(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<Value>> {
    auth.require_admin()?;
    let report = state.store.audit_verify().await?;
    Ok(Json(serde_json::to_value(&report).map_err(|e| ApiError::Internal(e.to_string()))?))
}
