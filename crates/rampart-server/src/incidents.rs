//! Incident notifications (Directive (EU) 2022/2557 Art. 15) over HTTP, and the
//! operations the command line shares with it: who may record, read and add to an
//! incident, its routing through the sharing directory, and its JSON form with the two
//! clocks as they stand at the server's time.
//!
//! Reading follows the incident's TLP label (`rampart_core::tlp`): the entity's
//! organisation is the originator, recipients are the organisations it was routed to,
//! and their clients (organisations they supervise) may read TLP:AMBER and below.
//! Drafts are the entity's alone. Everyone else is told the incident does not exist.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::{rfc3339, AppState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use rampart_core::fields::Object;
use rampart_core::incident::{route, Clocks, Deadline, IncidentReport, UpdateKind};
use rampart_core::tlp::{self, Relation, Relations};
use rampart_core::{Invalid, OrgId, Principal, Role};
use rampart_store::{IncidentRecord, IncidentUpdate, Store};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::IntoParams;

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("incident {id}"))
}

/// The reader's relations to a notified incident.
fn relations(p: &Principal, i: &IncidentRecord, supervisor: Option<&OrgId>) -> Relations {
    let mut r = Relations::none();
    if i.entity_id == p.organisation {
        r = r.with(Relation::Originator);
    }
    if i.recipients.iter().any(|x| x.organisation == p.organisation) {
        r = r.with(Relation::RecipientOrgMember);
    }
    if supervisor.is_some_and(|s| i.recipients.iter().any(|x| &x.organisation == s)) {
        r = r.with(Relation::RecipientClient);
    }
    r
}

fn may_read(p: &Principal, i: &IncidentRecord, supervisor: Option<&OrgId>) -> bool {
    if p.role == Role::Admin {
        return true;
    }
    if i.initial_at.is_none() {
        return i.entity_id == p.organisation;
    }
    tlp::may_read(i.report.tlp, relations(p, i, supervisor))
}

/// A copy received from another Rampart instance is changed at its origin only.
fn read_only_copy(i: &IncidentRecord) -> ApiResult<()> {
    match &i.origin_instance {
        None => Ok(()),
        Some(origin) => Err(ApiError::Conflict(format!("incident {} comes from the Rampart instance {origin}; it can be changed there only", i.id))),
    }
}

/// Members of the entity's organisation (not viewers) and administrators record and add.
fn may_write(p: &Principal, entity: &OrgId) -> bool {
    p.role == Role::Admin || (p.role != Role::Viewer && &p.organisation == entity)
}

/// The incidents the principal may read, newest first.
pub async fn visible(store: &Store, p: &Principal) -> ApiResult<Vec<IncidentRecord>> {
    if p.role == Role::Admin {
        return Ok(store.incidents_for(None).await?);
    }
    let supervisor = store.sharing_profile(&p.organisation).await?.supervisor;
    let all = store.incidents_for(Some((&p.organisation, supervisor.as_ref()))).await?;
    Ok(all.into_iter().filter(|i| may_read(p, i, supervisor.as_ref())).collect())
}

/// One incident the principal may read, with its record.
pub async fn read(store: &Store, p: &Principal, id: &str) -> ApiResult<(IncidentRecord, Vec<IncidentUpdate>)> {
    let i = store.get_incident(id).await?.ok_or_else(|| not_found(id))?;
    let supervisor = if p.role == Role::Admin { None } else { store.sharing_profile(&p.organisation).await?.supervisor };
    if !may_read(p, &i, supervisor.as_ref()) {
        return Err(not_found(id));
    }
    let updates = store.incident_updates(id).await?;
    Ok((i, updates))
}

async fn routing(store: &Store, entity: &OrgId, report: &IncidentReport) -> ApiResult<rampart_core::incident::Routing> {
    let org = store.get_organisation(entity).await?.ok_or_else(|| ApiError::Invalid(Invalid::one("entity", format!("no organisation {entity}"))))?;
    let profile = store.sharing_profile(entity).await?;
    let mut spocs = std::collections::HashMap::new();
    for c in org.country.iter().copied().chain(report.significance.member_states.iter().copied()) {
        spocs.insert(c, store.contact_point(c).await?);
    }
    Ok(route(&org, &profile, report, |c| spocs.get(&c).cloned().flatten())?)
}

/// Records an incident of `entity` (the principal's organisation unless an
/// administrator names another), notified at once unless `draft`.
pub async fn record(store: &Store, p: &Principal, entity: Option<OrgId>, report: &IncidentReport, draft: bool, now: i64) -> ApiResult<String> {
    let entity = entity.unwrap_or_else(|| p.organisation.clone());
    if !may_write(p, &entity) {
        return Err(ApiError::Forbidden(if entity == p.organisation {
            "viewers cannot record incidents".into()
        } else {
            "incidents are recorded by the entity's own people".into()
        }));
    }
    let routed = if draft { None } else { Some(routing(store, &entity, report).await?) };
    let id = format!("inc-{}", hex::encode(rand::random::<[u8; 8]>()));
    store.create_incident(&id, &entity, p.username.as_str(), report, routed.as_ref(), now).await?;
    Ok(id)
}

/// Sends a draft as the initial notification.
pub async fn notify(store: &Store, p: &Principal, id: &str, version: i64, now: i64) -> ApiResult<()> {
    let (i, _) = read(store, p, id).await?;
    read_only_copy(&i)?;
    if !may_write(p, &i.entity_id) {
        return Err(ApiError::Forbidden("only the entity's people notify its incidents".into()));
    }
    let routed = routing(store, &i.entity_id, &i.report).await?;
    store.notify_incident(id, &routed, p.username.as_str(), version, now).await?;
    Ok(())
}

/// Adds an update, the detailed report or the closing entry.
#[allow(clippy::too_many_arguments)]
pub async fn add(store: &Store, p: &Principal, id: &str, kind: UpdateKind, note: &str, report: Option<&IncidentReport>, version: i64, now: i64) -> ApiResult<()> {
    let (i, _) = read(store, p, id).await?;
    read_only_copy(&i)?;
    if !may_write(p, &i.entity_id) {
        return Err(ApiError::Forbidden("only the entity's people add to its incidents".into()));
    }
    if kind == UpdateKind::Initial {
        return Err(ApiError::Invalid(Invalid::one("kind", "the initial notification is made by notifying; expected update, detailed or close")));
    }
    if let Some(r) = report {
        tlp::check_relabel(i.report.tlp, r.tlp, relations(p, &i, None), true)
            .map_err(|e| ApiError::Invalid(Invalid::one("tlp", e.to_string())))?;
    }
    store.add_incident_update(id, kind, p.username.as_str(), note, report, version, now).await?;
    Ok(())
}

fn deadline_json(d: &Deadline) -> Value {
    match *d {
        Deadline::Open { due_ms, left_ms } => json!({"state": "open", "due": rfc3339(due_ms), "left_s": left_ms / 1000}),
        Deadline::Overdue { due_ms, late_ms } => json!({"state": "overdue", "due": rfc3339(due_ms), "late_s": late_ms / 1000}),
        Deadline::Met { due_ms, done_ms } => json!({"state": "met", "due": rfc3339(due_ms), "done": rfc3339(done_ms)}),
        Deadline::MetLate { due_ms, done_ms } => json!({"state": "met_late", "due": rfc3339(due_ms), "done": rfc3339(done_ms)}),
    }
}

/// The incident as the API and the command line show it, its clocks at `now`.
pub fn to_json(i: &IncidentRecord, updates: Option<&[IncidentUpdate]>, now: i64) -> Value {
    let clocks = Clocks::at(i.report.aware_at_ms, i.initial_at, i.detailed_at, now);
    let state = match (i.initial_at, i.detailed_at, i.closed_at) {
        (_, _, Some(_)) => "closed",
        (None, _, _) => "draft",
        (Some(_), None, _) => "notified",
        (Some(_), Some(_), _) => "reported",
    };
    let mut v = json!({
        "id": i.id, "entity": i.entity_id, "reported_by": i.reported_by, "state": state,
        "title": i.report.title, "tlp": i.report.tlp, "report": i.report,
        "aware_at": rfc3339(i.report.aware_at_ms), "initial_at": i.initial_at.map(rfc3339),
        "detailed_at": i.detailed_at.map(rfc3339), "closed_at": i.closed_at.map(rfc3339),
        "clocks": {"initial": deadline_json(&clocks.initial), "detailed": deadline_json(&clocks.detailed)},
        "overdue": i.closed_at.is_none() && clocks.overdue(),
        "proportion_affected": i.report.significance.proportion(),
        "commission": i.commission, "unrouted": i.unrouted, "recipients": i.recipients, "version": i.version,
        "origin_instance": i.origin_instance,
    });
    if let (Some(u), Some(o)) = (updates, v.as_object_mut()) {
        let entries: Vec<Value> = u
            .iter()
            .map(|e| json!({"seq": e.seq, "at": rfc3339(e.at), "author": e.author, "kind": e.kind, "note": e.note, "report": e.report}))
            .collect();
        o.insert("updates".into(), json!(entries));
    }
    v
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// Only incidents with a clock past due.
    #[serde(default)]
    pub overdue: bool,
}

/// The incidents the caller may read, newest first, with their clocks.
#[utoipa::path(get, path = "/api/v1/incidents", tag = "incidents", params(ListQuery), responses((status = 200, description = "{items: [incident]}")))]
pub async fn list(State(state): State<AppState>, Auth(p): Auth, Query(q): Query<ListQuery>) -> ApiResult<Json<Value>> {
    let now = state.clock.now_ms();
    let items: Vec<Value> = visible(&state.store, &p).await?.iter().map(|i| to_json(i, None, now)).filter(|v| !q.overdue || v["overdue"] == json!(true)).collect();
    Ok(Json(json!({"items": items})))
}

/// Records an incident: `{"entity"? (administrators), "draft"? (default false), "title", "description",
/// "aware_at", "significance": {…}, "tlp"?, …}` (docs/sharing.md); notified at once unless a draft.
#[utoipa::path(post, path = "/api/v1/incidents", tag = "incidents", request_body(content = Object, description = "the incident report"),
    responses((status = 201, description = "the incident"), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(State(state): State<AppState>, Auth(p): Auth, JsonBody(mut body): JsonBody<Object>) -> ApiResult<(StatusCode, Json<Value>)> {
    let now = state.clock.now_ms();
    let entity = body.remove("entity").map(|v| v.as_str().map(OrgId::parse)).map(|r| match r {
        Some(Ok(o)) => Ok(o),
        _ => Err(ApiError::Invalid(Invalid::one("entity", "expected an organisation id"))),
    });
    let entity = entity.transpose()?;
    let draft = match body.remove("draft") {
        None | Some(Value::Null) => false,
        Some(Value::Bool(b)) => b,
        Some(_) => return Err(ApiError::Invalid(Invalid::one("draft", "expected true or false"))),
    };
    let report = IncidentReport::from_json(&body, now)?;
    let id = record(&state.store, &p, entity, &report, draft, now).await?;
    crate::federation::after_change(&state).await;
    let (i, u) = read(&state.store, &p, &id).await?;
    Ok((StatusCode::CREATED, Json(to_json(&i, Some(&u), now))))
}

/// One incident with its record.
#[utoipa::path(get, path = "/api/v1/incidents/{id}", tag = "incidents", params(("id" = String, Path)),
    responses((status = 200, description = "the incident"), (status = 404, body = crate::error::Problem)))]
pub async fn get(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let (i, u) = read(&state.store, &p, &id).await?;
    crate::audit::record(&state, p.username.as_str(), rampart_store::AuditAction::Read, "incident", &id, json!({})).await?;
    Ok(Json(to_json(&i, Some(&u), state.clock.now_ms())))
}

#[derive(Deserialize, utoipa::ToSchema)]
pub struct NotifyRequest {
    /// The version the caller read.
    pub version: i64,
}

/// Sends a draft as the initial notification.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/notify", tag = "incidents", params(("id" = String, Path)), request_body = NotifyRequest,
    responses((status = 200, description = "the incident"), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn notify_draft(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, JsonBody(req): JsonBody<NotifyRequest>) -> ApiResult<Json<Value>> {
    let now = state.clock.now_ms();
    notify(&state.store, &p, &id, req.version, now).await?;
    crate::federation::after_change(&state).await;
    let (i, u) = read(&state.store, &p, &id).await?;
    Ok(Json(to_json(&i, Some(&u), now)))
}

/// Adds to a notified incident: `{"kind": "update" | "detailed" | "close", "note"?, "version", "report"?}`.
#[utoipa::path(post, path = "/api/v1/incidents/{id}/updates", tag = "incidents", params(("id" = String, Path)),
    request_body(content = Object, description = "kind, note, version, report (the whole account, for a detailed report)"),
    responses((status = 200, description = "the incident"), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, JsonBody(body): JsonBody<Object>) -> ApiResult<Json<Value>> {
    let now = state.clock.now_ms();
    let mut errors = Vec::new();
    let kind = match body.get("kind").and_then(Value::as_str).map(UpdateKind::parse) {
        Some(Ok(k)) => Some(k),
        Some(Err(e)) => {
            errors.extend(e.within("kind").0);
            None
        }
        None => {
            errors.push(rampart_core::FieldError::new("kind", "is required: update, detailed or close"));
            None
        }
    };
    let version = body.get("version").and_then(Value::as_i64);
    if version.is_none() {
        errors.push(rampart_core::FieldError::new("version", "is required: the version you read"));
    }
    let note = body.get("note").and_then(Value::as_str).unwrap_or("").to_string();
    let report = match body.get("report") {
        None | Some(Value::Null) => None,
        Some(Value::Object(o)) => match IncidentReport::from_json(o, now) {
            Ok(r) => Some(r),
            Err(e) => {
                errors.extend(e.within("report").0);
                None
            }
        },
        Some(_) => {
            errors.push(rampart_core::FieldError::new("report", "expected the incident report as an object"));
            None
        }
    };
    let (Some(kind), Some(version), true) = (kind, version, errors.is_empty()) else { return Err(ApiError::Invalid(Invalid(errors))) };
    add(&state.store, &p, &id, kind, &note, report.as_ref(), version, now).await?;
    crate::federation::after_change(&state).await;
    let (i, u) = read(&state.store, &p, &id).await?;
    Ok(Json(to_json(&i, Some(&u), now)))
}
