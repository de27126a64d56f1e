//! `/api/v1/precursors/reports/sent`: explosives-precursor reports (Regulation (EU)
//! 2019/1148 Art. 9 — suspicious transactions, disappearances and thefts) sent to the
//! national contact point of the member state concerned, as the sharing directory names
//! it, and kept. A report is read by the sending organisation, the contact point and
//! administrators (TLP:AMBER+STRICT between the two); everyone else is told it does not
//! exist. The command line sends and lists through the same functions.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::threat::{catalogue, report_json};
use crate::{rfc3339, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use rampart_core::{CountryCode, Invalid, Principal, Role};
use rampart_store::{PrecursorReportRecord, Store};
use rampart_threat::precursor::Report;
use serde_json::{json, Value};

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("report {id}"))
}

fn may_read(p: &Principal, r: &PrecursorReportRecord) -> bool {
    p.role == Role::Admin || r.organisation_id == p.organisation || r.recipient_id == p.organisation
}

/// Screens and sends a report from the principal's organisation to the contact point.
pub async fn send(store: &Store, p: &Principal, body: &Value, now: i64) -> ApiResult<PrecursorReportRecord> {
    if p.role == Role::Viewer {
        return Err(ApiError::Forbidden("viewers cannot send reports".into()));
    }
    let r = Report::from_json(body, catalogue(), now)?;
    let country = CountryCode::parse(&r.country)?;
    let recipient = store.precursor_contact_point(country).await?.ok_or_else(|| {
        ApiError::Invalid(Invalid::one(
            "country",
            format!("the directory names no national contact point for explosives precursors in {} ({country}); an administrator sets one with `rampart org sharing ORG --precursor-contact-point true`", country.name()),
        ))
    })?;
    let mut v = report_json(&r);
    v["routed_to"] = json!(recipient);
    let record = PrecursorReportRecord {
        id: format!("str-{}", hex::encode(rand::random::<[u8; 8]>())),
        country: r.country.clone(),
        kind: v["kind"].as_str().unwrap_or_default().to_string(),
        report: v.to_string(),
        prepared_by: p.username.to_string(),
        organisation_id: p.organisation.clone(),
        recipient_id: recipient,
        detected_at: r.detected_at_ms,
        due_at: r.due_by_ms,
        submitted_at: now,
    };
    store.submit_precursor_report(&record).await?;
    Ok(record)
}

/// The reports the principal may read, newest first.
pub async fn visible(store: &Store, p: &Principal) -> ApiResult<Vec<PrecursorReportRecord>> {
    let org = (p.role != Role::Admin).then_some(&p.organisation);
    Ok(store.precursor_reports_for(org).await?)
}

pub async fn read(store: &Store, p: &Principal, id: &str) -> ApiResult<PrecursorReportRecord> {
    store.get_precursor_report(id).await?.filter(|r| may_read(p, r)).ok_or_else(|| not_found(id))
}

/// The report as sent, with who sent it to whom and whether it was late.
pub fn to_json(r: &PrecursorReportRecord) -> Value {
    let mut v: Value = serde_json::from_str(&r.report).unwrap_or_else(|_| json!({}));
    if let Some(o) = v.as_object_mut() {
        o.insert("id".into(), json!(r.id));
        o.insert("stored".into(), json!(true));
        o.insert("prepared_by".into(), json!(r.prepared_by));
        o.insert("organisation".into(), json!(r.organisation_id));
        o.insert("routed_to".into(), json!(r.recipient_id));
        o.insert("sent_at".into(), json!(rfc3339(r.submitted_at)));
        o.insert("late".into(), json!(r.submitted_at > r.due_at));
        o.insert("tlp".into(), json!("TLP:AMBER+STRICT"));
    }
    v
}

/// Sends a report (the body of `POST /api/v1/precursors/reports`) to the national
/// contact point of its `country`.
#[utoipa::path(post, path = "/api/v1/precursors/reports/sent", tag = "threat", request_body = Object,
    responses((status = 201, description = "The report as sent", body = Object), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(State(state): State<AppState>, Auth(p): Auth, JsonBody(body): JsonBody<Value>) -> ApiResult<(StatusCode, Json<Value>)> {
    let r = send(&state.store, &p, &body, state.clock.now_ms()).await?;
    Ok((StatusCode::CREATED, Json(to_json(&r))))
}

/// The reports the caller's organisation sent or received.
#[utoipa::path(get, path = "/api/v1/precursors/reports/sent", tag = "threat", responses((status = 200, description = "{items: [report]}", body = Object)))]
pub async fn list(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Value>> {
    let items: Vec<Value> = visible(&state.store, &p).await?.iter().map(to_json).collect();
    Ok(Json(json!({"items": items})))
}

#[utoipa::path(get, path = "/api/v1/precursors/reports/sent/{id}", tag = "threat", params(("id" = String, Path)),
    responses((status = 200, description = "The report", body = Object), (status = 404, body = crate::error::Problem)))]
pub async fn get(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let r = read(&state.store, &p, &id).await?;
    crate::audit::record(&state, p.username.as_str(), rampart_store::AuditAction::Read, "precursor_report", &id, json!({})).await?;
    Ok(Json(to_json(&r)))
}
