//! The audit trail over HTTP: `GET /api/v1/audit` (administrators), and the helper the
//! handlers use to record what the store does not record itself (logins, exports,
//! user and organisation management, refusals). Registry writes are audited by the
//! store inside their own transaction.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult, Reason};
use crate::{rfc3339, AppState};
use axum::extract::{Query, Request, State};
use axum::http::request::Parts;
use axum::http::{Method, StatusCode};
use axum::middleware::Next;
use axum::response::Response;
use axum::Json;
use rampart_core::{Invalid, Principal};
use std::sync::{Arc, Mutex};
use rampart_store::{AuditAction, NewAuditEntry};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use axum::response::IntoResponse;
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

/// Who a request was authenticated as, filled in by the [`Auth`] extractor for the
/// [`refusals`] layer (which runs around the handler and cannot see its arguments).
#[derive(Clone, Default)]
pub struct Actor(Arc<Mutex<Option<String>>>);

impl Actor {
    /// Notes the principal on the request (when the layer asked for it) and hands it back.
    pub fn note(parts: &Parts, p: Principal) -> Principal {
        if let Some(slot) = parts.extensions.get::<Actor>() {
            if let Ok(mut who) = slot.0.lock() {
                *who = Some(p.username.as_str().to_string());
            }
        }
        p
    }

    fn name(&self) -> Option<String> {
        self.0.lock().ok().and_then(|who| who.clone())
    }
}

/// The shared items of the sharing network by path under `/api/v1/`, with the kind of
/// object the audit trail names.
const SHARED: [(&str, &str); 8] = [
    ("alerts", "alert"),
    ("incidents", "incident"),
    ("library/documents", "library document"),
    ("library/events", "library event"),
    ("communities", "community"),
    ("organisations", "sharing profile"),
    ("precursors/reports/sent", "precursor report"),
    ("webhooks", "webhook"),
];

/// The audited object of a write to the sharing network: its kind and id (empty when the
/// write names none, e.g. a new alert). Organisations are audited here only for their
/// sharing profiles; the rest of the directory audits itself.
fn shared_object(path: &str) -> Option<(&'static str, String)> {
    let rest = path.strip_prefix("/api/v1/")?;
    SHARED.iter().find_map(|(prefix, kind)| {
        let tail = rest.strip_prefix(prefix)?;
        if !(tail.is_empty() || tail.starts_with('/')) {
            return None;
        }
        let mut segments = tail.trim_start_matches('/').split('/');
        let id = segments.next().unwrap_or("");
        if *kind == "sharing profile" && segments.next() != Some("sharing") {
            return None;
        }
        let id = if id == "import" { "" } else { id };
        Some((*kind, id.to_string()))
    })
}

/// Records every refused write to the sharing network — malformed or schema-invalid
/// CAP, a reference to an alert that does not exist, an unclosed polygon, a relabelling
/// by someone other than the originator, … — as a `reject` entry with the reason given
/// to the caller (a write to an item the caller may not see is recorded with the same
/// "not found" the caller got; the trail is for administrators). Only authenticated
/// callers are recorded, so anonymous traffic cannot fill the trail; reads and other
/// answers pass untouched.
pub async fn refusals(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if matches!(*req.method(), Method::GET | Method::HEAD | Method::OPTIONS) {
        return next.run(req).await;
    }
    let Some((kind, id)) = shared_object(req.uri().path()) else {
        return next.run(req).await;
    };
    let method = req.method().to_string();
    let path = req.uri().path().to_string();
    let actor = Actor::default();
    req.extensions_mut().insert(actor.clone());
    let response = next.run(req).await;
    let (true, Some(who)) = (is_refusal(response.status()), actor.name()) else {
        return response;
    };
    let reason = response.extensions().get::<Reason>().map(|r| r.0.clone()).unwrap_or_default();
    let detail = serde_json::json!({"method": method, "path": path, "status": response.status().as_u16(), "reason": reason});
    match record(&state, &who, AuditAction::Reject, kind, &id, detail).await {
        Ok(()) => response,
        Err(e) => e.into_response(),
    }
}

/// The answers that refuse a write for what it asked (not for a missing login or a fault).
fn is_refusal(status: StatusCode) -> bool {
    matches!(
        status,
        StatusCode::BAD_REQUEST
            | StatusCode::FORBIDDEN
            | StatusCode::NOT_FOUND
            | StatusCode::CONFLICT
            | StatusCode::PAYLOAD_TOO_LARGE
            | StatusCode::UNSUPPORTED_MEDIA_TYPE
            | StatusCode::UNPROCESSABLE_ENTITY
    )
}

/// Records a refused write made without HTTP — the command line acting as a user through
/// the server's handlers — as the [`refusals`] layer records those over HTTP, and hands the
/// error back. `what` names the command, e.g. `alert compose`.
pub async fn refused(store: &rampart_store::Store, at: i64, actor: &str, (kind, id): (&str, &str), what: &str, e: ApiError) -> ApiError {
    let (status, _, reason, _) = e.parts();
    if !is_refusal(status) {
        return e;
    }
    let detail = serde_json::json!({"command": what, "status": status.as_u16(), "reason": reason});
    let entry = NewAuditEntry { at, actor, action: AuditAction::Reject, object_kind: kind, object_id: id, detail };
    match store.audit_append(&entry).await {
        Ok(_) => e,
        Err(failed) => failed.into(),
    }
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
