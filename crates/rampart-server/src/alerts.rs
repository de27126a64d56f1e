//! Alerts over HTTP (`/api/v1/alerts`): CAP 1.2 alerts composed, approved by a second
//! person of the same organisation, published to the operators whose sites lie in the
//! alert's area, updated and cancelled by new alerts that reference them, acknowledged
//! (as CAP Ack messages) and escalated; and `/api/v1/events`, the live stream.
//!
//! Every read of an alert goes through [`AlertAccess::may_read`] (TLP 2.0 and the
//! reader's relations): an alert the reader may not read answers 404 like one that does
//! not exist, and is left out of lists, counts and the event stream.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::sse::{Event as SseEvent, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rampart_core::alert::{escalate_due, EscalationPolicy};
use rampart_core::fields::Object;
use rampart_core::tlp::{check_relabel, RelabelError, Tlp};
use rampart_core::{AlertAccess, AlertState, AssetId, CommunityId, FieldError, Invalid, OrgId, Principal, RecipientReason, Role, Username};
use rampart_formats::cap::{self, Alert, CapErrors, CapTime, MsgType};
use rampart_store::{AlertAck, AlertCursor, AlertDoc, AlertListQuery, AlertRecipient, AssetFilter, Event, NewAlert, Publication, StoredAlert};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::broadcast;
use utoipa::{IntoParams, ToSchema};

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("alert {id}"))
}

/// A recipient as the originator sees it.
#[derive(Serialize, ToSchema)]
pub struct RecipientOut {
    pub organisation: String,
    pub username: Option<String>,
    /// originator, area, named, followed or escalation.
    pub reason: String,
    pub asset_ids: Vec<String>,
    pub level: i64,
    pub added_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct AlertOut {
    pub id: String,
    pub identifier: String,
    pub sender: String,
    pub sent: String,
    /// Alert, Update, Cancel.
    pub msg_type: String,
    /// draft, pending, approved, published.
    pub state: String,
    pub tlp: String,
    pub community: Option<String>,
    pub organisation: String,
    pub author: String,
    pub approver: Option<String>,
    /// For optimistic concurrency on draft edits.
    pub version: i64,
    pub headline: String,
    pub created_at: String,
    pub updated_at: String,
    pub published_at: Option<String>,
    /// The newest alert that updated or cancelled this one (when the reader may read it).
    pub followed_by: Option<String>,
    /// The alerts this one updates or cancels (those the reader may read).
    pub references: Vec<String>,
    /// Whether the reader's organisation acknowledged it.
    pub acknowledged: bool,
    /// The reader holds a relation that lets them acknowledge it.
    pub may_acknowledge: bool,
    /// Named recipients, recipients and acknowledgement count: for the originator only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub named: Option<Vec<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub recipients: Option<Vec<RecipientOut>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub acks: Option<usize>,
    /// The CAP alert as JSON (the typed model); in single reads only.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Object)]
    pub cap: Option<Value>,
}

#[derive(Serialize, ToSchema)]
pub struct AlertList {
    pub items: Vec<AlertOut>,
    /// Items on this page.
    pub count: usize,
    /// Pass as `before` for the next page; absent on the last page.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_before: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AckOut {
    pub organisation: String,
    pub username: String,
    pub at: String,
    /// The CAP Ack message's identifier.
    pub identifier: String,
}

#[derive(Serialize, ToSchema)]
pub struct AckList {
    pub items: Vec<AckOut>,
}

#[derive(Serialize, ToSchema)]
pub struct MatchOut {
    pub organisation: String,
    pub asset_ids: Vec<String>,
}

#[derive(Serialize, ToSchema)]
pub struct MatchList {
    /// The organisations the alert would go to because their sites lie in its area.
    pub items: Vec<MatchOut>,
}

#[derive(Deserialize, IntoParams)]
pub struct ListQuery {
    /// draft, pending, approved or published.
    pub state: Option<String>,
    /// Only alerts the reader's organisation may acknowledge and has not.
    pub unacknowledged: Option<bool>,
    /// At most this many alerts (default 100, at most 1000).
    pub limit: Option<u32>,
    /// The `next_before` of the previous page.
    pub before: Option<String>,
}

#[derive(Deserialize, IntoParams)]
pub struct ImportQuery {
    /// The label of the imported alert; TLP:AMBER when absent.
    pub tlp: Option<String>,
    pub community: Option<String>,
}

/// Reads and checks whether `p` may see the alert; `None` (answer 404) otherwise.
async fn readable(state: &AppState, p: &Principal, id: &str) -> ApiResult<StoredAlert> {
    let a = state.store.get_alert(id).await?.ok_or_else(|| not_found(id))?;
    if a.access().may_read(p) {
        Ok(a)
    } else {
        Err(not_found(id))
    }
}

/// An alert of the caller's own organisation that they may manage (issuers only).
/// An alert from another instance is changed there only.
fn read_only_if_federated(a: &StoredAlert) -> ApiResult<()> {
    match &a.origin_instance {
        Some(origin) => Err(ApiError::Conflict(format!("alert {} comes from the Rampart instance {origin}; it can be changed there only", a.id))),
        None => Ok(()),
    }
}

async fn own(state: &AppState, p: &Principal, id: &str) -> ApiResult<StoredAlert> {
    let a = readable(state, p, id).await?;
    if a.organisation != p.organisation {
        return Err(ApiError::Forbidden("only the organisation that issued the alert may do this".into()));
    }
    if !p.can_issue_alerts() {
        return Err(ApiError::Forbidden("alerts are managed by administrators, analysts and protective security advisors of authorities and EU bodies".into()));
    }
    Ok(a)
}

fn require_issuer(p: &Principal) -> ApiResult<()> {
    if p.can_issue_alerts() {
        Ok(())
    } else {
        Err(ApiError::Forbidden("alerts are composed by administrators, analysts and protective security advisors of authorities and EU bodies".into()))
    }
}

fn acknowledger(a: &StoredAlert, p: &Principal) -> bool {
    if a.state != AlertState::Published || p.organisation == a.organisation || !matches!(a.doc.msg_type.as_str(), "Alert" | "Update") {
        return false;
    }
    a.recipients.iter().any(|r| r.organisation == p.organisation && (r.username.is_none() || r.username.as_ref() == Some(&p.username)))
        || a.named.contains(&p.username)
}

async fn out(state: &AppState, p: &Principal, a: &StoredAlert, with_cap: bool) -> ApiResult<AlertOut> {
    let originator = a.organisation == p.organisation;
    let acks = state.store.alert_acks(&a.id).await?;
    let mut references = Vec::new();
    for r in &a.references {
        if let Some(x) = state.store.get_alert(r).await? {
            if x.access().may_read(p) {
                references.push(r.clone());
            }
        }
    }
    let followed_by = match &a.followed_by {
        Some(f) => state.store.get_alert(f).await?.filter(|x| x.access().may_read(p)).map(|x| x.id),
        None => None,
    };
    let cap = if with_cap {
        Some(serde_json::to_value(cap::read(&a.doc.cap_xml, None).map_err(|e| ApiError::Internal(format!("stored CAP of {}: {e}", a.id)))?)
            .map_err(|e| ApiError::Internal(e.to_string()))?)
    } else {
        None
    };
    Ok(AlertOut {
        id: a.id.clone(),
        identifier: a.doc.identifier.clone(),
        sender: a.doc.sender.clone(),
        sent: a.doc.sent.clone(),
        msg_type: a.doc.msg_type.clone(),
        state: a.state.key().into(),
        tlp: a.tlp.as_str().into(),
        community: a.community.as_ref().map(ToString::to_string),
        organisation: a.organisation.to_string(),
        author: a.author.clone(),
        approver: a.approver.clone(),
        version: a.version,
        headline: a.doc.headline.clone(),
        created_at: crate::rfc3339(a.created_at),
        updated_at: crate::rfc3339(a.updated_at),
        published_at: a.published_at.map(crate::rfc3339),
        followed_by,
        references,
        acknowledged: acks.iter().any(|k| k.organisation == p.organisation),
        may_acknowledge: acknowledger(a, p),
        named: originator.then(|| a.named.iter().map(ToString::to_string).collect()),
        recipients: originator.then(|| {
            a.recipients
                .iter()
                .map(|r| RecipientOut {
                    organisation: r.organisation.to_string(),
                    username: r.username.as_ref().map(ToString::to_string),
                    reason: r.reason.key().into(),
                    asset_ids: r.asset_ids.clone(),
                    level: r.level,
                    added_at: crate::rfc3339(r.added_at),
                })
                .collect()
        }),
        acks: originator.then_some(acks.len()),
        cap,
    })
}

/// CAP time of `ms` in UTC, as CAP writes it (`+00:00`, no fractions).
pub fn cap_time(ms: i64) -> String {
    let t = std::time::UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    let s = humantime::format_rfc3339_seconds(t).to_string();
    s.trim_end_matches('Z').to_string() + "+00:00"
}

fn new_id() -> String {
    hex::encode(rand::random::<[u8; 12]>())
}

fn cap_errors(e: &CapErrors, prefix: &str) -> Invalid {
    Invalid(
        e.0.iter()
            .map(|x| {
                let place = match x.position {
                    Some((l, c)) => format!("line {l}, column {c}: "),
                    None => String::new(),
                };
                let field = if x.path.is_empty() { prefix.to_string() } else { format!("{prefix}{}{}", if prefix.is_empty() { "" } else { "." }, x.path) };
                FieldError::new(field, format!("{place}{}", x.message))
            })
            .collect(),
    )
}

/// What a compose or edit request says besides the CAP document.
struct Envelope {
    tlp: Tlp,
    community: Option<CommunityId>,
    named: Vec<Username>,
}

async fn envelope(state: &AppState, p: &Principal, body: &Object, default_tlp: Option<Tlp>) -> ApiResult<Envelope> {
    let mut errors = Vec::new();
    let tlp = match body.get("tlp").and_then(Value::as_str) {
        Some(t) => Tlp::parse(t).map_err(|e| errors.push(FieldError::new("tlp", e.to_string()))).ok(),
        None if default_tlp.is_some() => default_tlp,
        None => {
            errors.push(FieldError::new("tlp", "is required: one of TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED"));
            None
        }
    };
    let community = match body.get("community").and_then(Value::as_str).filter(|s| !s.is_empty()) {
        None => None,
        Some(c) => match CommunityId::parse(c) {
            Ok(id) => {
                let visible = state.store.get_community(&id).await?.filter(|x| p.role == Role::Admin || x.members.contains(&p.organisation));
                if visible.is_none() {
                    errors.push(FieldError::new("community", format!("no community {c} that your organisation belongs to")));
                }
                Some(id)
            }
            Err(e) => {
                errors.push(FieldError::new("community", e.to_string()));
                None
            }
        },
    };
    if tlp == Some(Tlp::Green) && community.is_none() && !body.contains_key("community") {
        errors.push(FieldError::new("community", "is required for TLP:GREEN: the community the alert is shared with"));
    }
    let mut named = Vec::new();
    match body.get("recipients") {
        None | Some(Value::Null) => {}
        Some(Value::Array(items)) => {
            for (i, v) in items.iter().enumerate() {
                match v.as_str().map(Username::parse) {
                    Some(Ok(u)) => named.push(u),
                    _ => errors.push(FieldError::new(format!("recipients[{i}]"), "expected a username")),
                }
            }
        }
        Some(_) => errors.push(FieldError::new("recipients", "expected a list of usernames")),
    }
    if tlp == Some(Tlp::Red) && named.is_empty() {
        errors.push(FieldError::new("recipients", "TLP:RED needs named recipients: a RED alert is read by them and the originator only"));
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(Invalid(errors)));
    }
    Ok(Envelope { tlp: tlp.unwrap_or(Tlp::Amber), community, named })
}

/// The CAP alert of a compose request (`cap`: the JSON model, or `cap_xml`), with the
/// identifier, sender and sent time filled in where left empty.
fn compose_cap(body: &Object, p: &Principal, now: i64, msg_type: Option<MsgType>, tlp: Tlp, keep: Option<&AlertDoc>) -> ApiResult<Alert> {
    let alert = if let Some(xml) = body.get("cap_xml").and_then(Value::as_str) {
        cap::read(xml, None).map_err(|e| ApiError::Invalid(cap_errors(&e, "cap_xml")))?
    } else {
        let mut m = match body.get("cap") {
            Some(Value::Object(m)) => m.clone(),
            Some(_) => return Err(ApiError::Invalid(Invalid::one("cap", "expected the CAP alert as a JSON object"))),
            None => return Err(ApiError::Invalid(Invalid::one("cap", "is required (or cap_xml)"))),
        };
        let empty = |m: &Object, k: &str| m.get(k).and_then(Value::as_str).is_none_or(str::is_empty);
        // An edited draft keeps its identity unless the request gives another.
        if empty(&m, "identifier") {
            let id = keep.map_or_else(|| format!("{}-{}", p.organisation, new_id()), |d| d.identifier.clone());
            m.insert("identifier".into(), json!(id));
        }
        if empty(&m, "sender") {
            m.insert("sender".into(), json!(keep.map_or_else(|| p.organisation.to_string(), |d| d.sender.clone())));
        }
        if empty(&m, "sent") {
            m.insert("sent".into(), json!(cap_time(now)));
        }
        if empty(&m, "version") {
            m.insert("version".into(), json!("1.2"));
        }
        if empty(&m, "msg_type") {
            m.insert("msg_type".into(), json!("Alert"));
        }
        if empty(&m, "scope") {
            m.insert("scope".into(), json!("Restricted"));
            if empty(&m, "restriction") {
                m.insert("restriction".into(), json!(tlp.as_str()));
            }
        }
        serde_json::from_value(Value::Object(m)).map_err(|e| ApiError::Invalid(Invalid::one("cap", format!("not a CAP alert: {e}"))))?
    };
    let mut alert = alert;
    if let Some(t) = msg_type {
        alert.msg_type = t;
    }
    cap::validate(&alert).map_err(|e| ApiError::Invalid(cap_errors(&e, "cap")))?;
    Ok(alert)
}

fn doc_of(alert: &Alert) -> AlertDoc {
    AlertDoc {
        identifier: alert.identifier.clone(),
        sender: alert.sender.clone(),
        sent: alert.sent.clone(),
        msg_type: alert.msg_type.as_str().into(),
        headline: alert.infos.iter().find_map(|i| i.headline.clone()).or_else(|| alert.infos.first().map(|i| i.event.clone())).unwrap_or_default(),
        cap_xml: cap::write(alert),
    }
}

/// The alerts an alert's `references` name, each of which the caller must be able to read.
async fn resolve_references(state: &AppState, p: &Principal, alert: &Alert) -> ApiResult<Vec<String>> {
    let Some(text) = alert.references.as_deref().filter(|t| !t.trim().is_empty()) else { return Ok(vec![]) };
    let refs = cap::parse_references(text).map_err(|e| ApiError::Invalid(Invalid::one("cap.references", e)))?;
    let mut ids = Vec::new();
    let mut errors = Vec::new();
    for (i, r) in refs.iter().enumerate() {
        let found = state.store.alerts_by_reference(&r.sender, &r.identifier, None).await?;
        let same_time = |a: &StoredAlert| match (CapTime::parse(&a.doc.sent), CapTime::parse(&r.sent)) {
            (Ok(x), Ok(y)) => x.unix_seconds() == y.unix_seconds(),
            _ => false,
        };
        match found.into_iter().find(|a| a.access().may_read(p) && a.state == AlertState::Published && same_time(a)) {
            Some(a) => ids.push(a.id),
            None => errors.push(FieldError::new(
                format!("cap.references[{i}]"),
                format!("no published alert {},{},{} that you may read", r.sender, r.identifier, r.sent),
            )),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(Invalid(errors)));
    }
    Ok(ids)
}

fn reference_of(a: &StoredAlert) -> String {
    format!("{},{},{}", a.doc.sender, a.doc.identifier, a.doc.sent)
}

async fn create_draft(state: &AppState, p: &Principal, alert: Alert, env: Envelope, references: Vec<String>) -> ApiResult<StoredAlert> {
    let new = NewAlert {
        id: new_id(),
        doc: doc_of(&alert),
        organisation: p.organisation.clone(),
        author: p.username.clone(),
        tlp: env.tlp,
        community: env.community,
        named: env.named,
        references,
    };
    Ok(state.store.create_alert(&new, state.clock.now_ms()).await?)
}

/// Alerts the reader may read, newest first, a page at a time: their organisation's
/// drafts (issuers) and every published alert their relations and its label admit. The
/// database selects them (`Store::readable_alerts`); each is checked again here.
#[utoipa::path(get, path = "/api/v1/alerts", tag = "alerts", params(ListQuery), responses((status = 200, body = AlertList), (status = 422, body = crate::error::Problem)))]
pub async fn list(State(state): State<AppState>, Auth(p): Auth, Query(q): Query<ListQuery>) -> ApiResult<Json<AlertList>> {
    let mut errors = Vec::new();
    let wanted = q.state.as_deref().map(AlertState::parse).transpose().map_err(|e| errors.extend(e.within("state").0)).ok().flatten();
    let before = q.before.as_deref().map(AlertCursor::parse).transpose().map_err(|e| errors.extend(e.within("before").0)).ok().flatten();
    let limit = q.limit.unwrap_or(100);
    if !(1..=1000).contains(&limit) {
        errors.push(FieldError::new("limit", format!("expected 1 to 1000, found {limit}")));
    }
    if !errors.is_empty() {
        return Err(ApiError::BadFields(Invalid(errors)));
    }
    let query = AlertListQuery { state: wanted, unacknowledged: q.unacknowledged == Some(true), community: None, before, limit };
    let page = state.store.readable_alerts(&p, &query).await?;
    let mut items = Vec::new();
    for a in page.items.iter().filter(|a| a.access().may_read(&p)) {
        let o = out(&state, &p, a, false).await?;
        if q.unacknowledged == Some(true) && (!o.may_acknowledge || o.acknowledged) {
            continue;
        }
        items.push(o);
    }
    let count = items.len();
    Ok(Json(AlertList { items, count, next_before: page.next_before.map(|c| c.to_string()) }))
}

/// Every alert matching `q` that `p` may read, newest first, read from the database a
/// page at a time (for feeds and TAXII).
pub async fn all_readable(state: &AppState, p: &Principal, mut q: AlertListQuery) -> ApiResult<Vec<StoredAlert>> {
    q.limit = 1000;
    let mut out = Vec::new();
    loop {
        let page = state.store.readable_alerts(p, &q).await?;
        out.extend(page.items.into_iter().filter(|a| a.access().may_read(p)));
        match page.next_before {
            Some(c) => q.before = Some(c),
            None => return Ok(out),
        }
    }
}

/// One alert (with its CAP document as JSON), or `GET /api/v1/alerts/{id}.xml` for the
/// CAP XML itself.
#[utoipa::path(get, path = "/api/v1/alerts/{id}", tag = "alerts", params(("id" = String, Path, description = "the alert id; with .xml the CAP document")),
    responses((status = 200, body = AlertOut), (status = 404, body = crate::error::Problem)))]
pub async fn get(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Response> {
    if let Some(id) = id.strip_suffix(".xml") {
        let a = readable(&state, &p, id).await?;
        return Ok(([(header::CONTENT_TYPE, "application/xml; charset=utf-8")], a.doc.cap_xml).into_response());
    }
    let a = readable(&state, &p, &id).await?;
    Ok(Json(out(&state, &p, &a, true).await?).into_response())
}

/// Composes a draft: `tlp`, `community` (for TLP:GREEN), `recipients` (usernames; for
/// TLP:RED), and `cap` (the CAP alert as JSON; identifier, sender and sent may be left
/// out) or `cap_xml`.
#[utoipa::path(post, path = "/api/v1/alerts", tag = "alerts", request_body(content = Object, description = "tlp, community, recipients, cap or cap_xml"),
    responses((status = 201, body = AlertOut), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(State(state): State<AppState>, Auth(p): Auth, JsonBody(body): JsonBody<Object>) -> ApiResult<(StatusCode, Json<AlertOut>)> {
    let a = draft(&state, &p, &body).await?;
    Ok((StatusCode::CREATED, Json(out(&state, &p, &a, true).await?)))
}

/// A draft alert of the principal's organisation from a compose body (what `POST
/// /api/v1/alerts` takes); also how other parts of the server raise alerts (drone
/// incursions), which then go through approval like any alert.
pub async fn draft(state: &AppState, p: &Principal, body: &Object) -> ApiResult<StoredAlert> {
    require_issuer(p)?;
    let env = envelope(state, p, body, None).await?;
    let alert = compose_cap(body, p, state.clock.now_ms(), None, env.tlp, None)?;
    if alert.msg_type == MsgType::Ack {
        return Err(ApiError::Invalid(Invalid::one("cap.msg_type", "acknowledge with POST /api/v1/alerts/{id}/ack")));
    }
    let refs = resolve_references(state, p, &alert).await?;
    if matches!(alert.msg_type, MsgType::Update | MsgType::Cancel) && refs.is_empty() {
        return Err(ApiError::Invalid(Invalid::one("cap.references", format!("an {} must reference the alert it follows", alert.msg_type))));
    }
    create_draft(state, p, alert, env, refs).await
}

/// Imports a CAP XML document (the body) as a draft; problems name line, column and
/// element path.
#[utoipa::path(post, path = "/api/v1/alerts/import", tag = "alerts", params(ImportQuery), request_body(content = String, content_type = "application/xml"),
    responses((status = 201, body = AlertOut), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn import(State(state): State<AppState>, Auth(p): Auth, Query(q): Query<ImportQuery>, body: String) -> ApiResult<(StatusCode, Json<AlertOut>)> {
    require_issuer(&p)?;
    let mut fields = Object::new();
    if let Some(t) = q.tlp {
        fields.insert("tlp".into(), json!(t));
    }
    if let Some(c) = q.community {
        fields.insert("community".into(), json!(c));
    }
    fields.insert("cap_xml".into(), json!(body));
    let env = envelope(&state, &p, &fields, Some(Tlp::Amber)).await?;
    let alert = compose_cap(&fields, &p, state.clock.now_ms(), None, env.tlp, None)?;
    if alert.msg_type == MsgType::Ack {
        return Err(ApiError::Invalid(Invalid::one("cap_xml.alert/msgType", "an Ack is recorded with POST /api/v1/alerts/{id}/ack")));
    }
    let refs = resolve_references(&state, &p, &alert).await?;
    let a = create_draft(&state, &p, alert, env, refs).await?;
    Ok((StatusCode::CREATED, Json(out(&state, &p, &a, true).await?)))
}

/// Replaces a draft (`version` required: the one read).
#[utoipa::path(put, path = "/api/v1/alerts/{id}", tag = "alerts", params(("id" = String, Path)), request_body(content = Object, description = "version, tlp, community, recipients, cap or cap_xml"),
    responses((status = 200, body = AlertOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update_draft(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, JsonBody(body): JsonBody<Object>) -> ApiResult<Json<AlertOut>> {
    let a = own(&state, &p, &id).await?;
    let version = body.get("version").and_then(Value::as_i64).ok_or_else(|| ApiError::Invalid(Invalid::one("version", "is required: the version you read")))?;
    let env = envelope(&state, &p, &body, Some(a.tlp)).await?;
    let alert = compose_cap(&body, &p, state.clock.now_ms(), None, env.tlp, Some(&a.doc))?;
    resolve_references(&state, &p, &alert).await?;
    let stored = state.store.update_draft(&id, version, &doc_of(&alert), env.tlp, env.community.as_ref(), &env.named, state.clock.now_ms()).await?;
    Ok(Json(out(&state, &p, &stored, true).await?))
}

/// Deletes a draft or an alert not yet published.
#[utoipa::path(delete, path = "/api/v1/alerts/{id}", tag = "alerts", params(("id" = String, Path)),
    responses((status = 204), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn delete(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<StatusCode> {
    own(&state, &p, &id).await?;
    state.store.delete_draft(&id).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Submits a draft for approval.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/submit", tag = "alerts", params(("id" = String, Path)),
    responses((status = 200, body = AlertOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn submit(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<AlertOut>> {
    own(&state, &p, &id).await?;
    let a = state.store.transition_alert(&id, &[AlertState::Draft], AlertState::Pending, None, state.clock.now_ms()).await?;
    Ok(Json(out(&state, &p, &a, false).await?))
}

/// Approves an alert pending approval: a second person of the same organisation, never the author.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/approve", tag = "alerts", params(("id" = String, Path)),
    responses((status = 200, body = AlertOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn approve(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<AlertOut>> {
    let a = own(&state, &p, &id).await?;
    if a.author == p.username.as_str() {
        return Err(ApiError::Forbidden("the author may not approve their own alert; a second person of the organisation approves it".into()));
    }
    let a = state.store.transition_alert(&id, &[AlertState::Pending], AlertState::Approved, Some(p.username.as_str()), state.clock.now_ms()).await?;
    Ok(Json(out(&state, &p, &a, false).await?))
}

/// Sends an alert pending approval (or approved) back to draft.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/reject", tag = "alerts", params(("id" = String, Path)),
    responses((status = 200, body = AlertOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn reject(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<AlertOut>> {
    own(&state, &p, &id).await?;
    let a = state.store.transition_alert(&id, &[AlertState::Pending, AlertState::Approved], AlertState::Draft, None, state.clock.now_ms()).await?;
    Ok(Json(out(&state, &p, &a, false).await?))
}

/// The operators whose registry sites (readable by `p`) lie inside the alert's areas.
async fn area_matches(state: &AppState, p: &Principal, alert: &Alert) -> ApiResult<BTreeMap<OrgId, Vec<AssetId>>> {
    let scope = p.read_scope();
    let mut found: BTreeMap<OrgId, Vec<AssetId>> = BTreeMap::new();
    for info in &alert.infos {
        for area in &info.areas {
            for polygon in area.to_geo() {
                let filter = AssetFilter { within: Some(polygon), ..Default::default() };
                let mut cursor: Option<String> = None;
                loop {
                    let page = state.store.list_assets(&filter, &scope, 1000, cursor.as_deref()).await?;
                    for s in page.items {
                        if let Some(op) = s.asset.operator_id {
                            let ids = found.entry(op).or_default();
                            if !ids.contains(&s.asset.id) {
                                ids.push(s.asset.id);
                            }
                        }
                    }
                    match page.next_cursor {
                        Some(c) => cursor = Some(c),
                        None => break,
                    }
                }
            }
        }
    }
    for ids in found.values_mut() {
        ids.sort();
    }
    Ok(found)
}

/// Preview: the organisations whose sites lie inside the alert's area.
#[utoipa::path(get, path = "/api/v1/alerts/{id}/matches", tag = "alerts", params(("id" = String, Path)),
    responses((status = 200, body = MatchList), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn matches(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<MatchList>> {
    let a = own(&state, &p, &id).await?;
    let alert = stored_cap(&a)?;
    let m = area_matches(&state, &p, &alert).await?;
    Ok(Json(MatchList { items: m.into_iter().map(|(o, ids)| MatchOut { organisation: o.to_string(), asset_ids: ids.iter().map(ToString::to_string).collect() }).collect() }))
}

fn stored_cap(a: &StoredAlert) -> ApiResult<Alert> {
    cap::read(&a.doc.cap_xml, None).map_err(|e| ApiError::Internal(format!("stored CAP of {}: {e}", a.id)))
}

/// Publishes an approved alert: `sent` becomes now; recipients are the publishing
/// organisation, the operators whose sites lie in the area, the named people and, for
/// an update or a cancel, the recipients of the alerts it follows. All in one transaction.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/publish", tag = "alerts", params(("id" = String, Path)),
    responses((status = 200, body = AlertOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn publish(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<AlertOut>> {
    let a = own(&state, &p, &id).await?;
    if a.state != AlertState::Approved {
        return Err(ApiError::Conflict(format!("alert {id} is {}; only an approved alert can be published", a.state)));
    }
    let now = state.clock.now_ms();
    let mut alert = stored_cap(&a)?;
    alert.sent = cap_time(now);
    let mut recipients = vec![AlertRecipient { organisation: a.organisation.clone(), username: None, reason: RecipientReason::Originator, asset_ids: vec![], level: 0, added_at: now }];
    for (o, ids) in area_matches(&state, &p, &alert).await? {
        if o != a.organisation {
            recipients.push(AlertRecipient { organisation: o, username: None, reason: RecipientReason::Area, asset_ids: ids.iter().map(ToString::to_string).collect(), level: 0, added_at: now });
        }
    }
    for r in &a.references {
        if let Some(earlier) = state.store.get_alert(r).await? {
            for x in earlier.recipients.iter().filter(|x| x.username.is_none()) {
                if !recipients.iter().any(|y| y.username.is_none() && y.organisation == x.organisation) {
                    recipients.push(AlertRecipient { organisation: x.organisation.clone(), username: None, reason: RecipientReason::Followed, asset_ids: vec![], level: 0, added_at: now });
                }
            }
        }
    }
    for u in &a.named {
        if let Some(rec) = state.store.get_user(u.as_str()).await? {
            recipients.push(AlertRecipient { organisation: rec.organisation_id, username: Some(u.clone()), reason: RecipientReason::Named, asset_ids: vec![], level: 0, added_at: now });
        }
    }
    let publication = Publication { sent: alert.sent.clone(), cap_xml: cap::write(&alert), recipients };
    let a = state.store.publish_alert(&id, &publication, now, p.username.as_str()).await?;
    state.events.nudge();
    crate::federation::after_change(&state).await;
    Ok(Json(out(&state, &p, &a, false).await?))
}

async fn follow_up(state: &AppState, p: &Principal, id: &str, body: &Object, msg_type: MsgType) -> ApiResult<StoredAlert> {
    read_only_if_federated(&readable(state, p, id).await?)?;
    let a = own(state, p, id).await?;
    if a.state != AlertState::Published {
        return Err(ApiError::Conflict(format!("alert {id} is {}; only a published alert can be updated or cancelled", a.state)));
    }
    if let Some(f) = &a.followed_by {
        return Err(ApiError::Conflict(format!("alert {id} was already followed by alert {f}; update or cancel that one")));
    }
    let now = state.clock.now_ms();
    let mut alert = if body.contains_key("cap") || body.contains_key("cap_xml") {
        compose_cap(body, p, now, Some(msg_type), a.tlp, None)?
    } else {
        let mut x = stored_cap(&a)?;
        x.msg_type = msg_type;
        x
    };
    alert.identifier = format!("{}-{}", p.organisation, new_id());
    alert.sender = a.doc.sender.clone();
    alert.sent = cap_time(now);
    alert.references = Some(reference_of(&a));
    if let Some(note) = body.get("note").and_then(Value::as_str) {
        alert.note = Some(note.to_string());
    }
    cap::validate(&alert).map_err(|e| ApiError::Invalid(cap_errors(&e, "cap")))?;
    let mut env_body = body.clone();
    if !env_body.contains_key("community") {
        if let Some(c) = &a.community {
            env_body.insert("community".into(), json!(c.to_string()));
        }
    }
    if !env_body.contains_key("recipients") {
        env_body.insert("recipients".into(), json!(a.named.iter().map(ToString::to_string).collect::<Vec<_>>()));
    }
    let env = envelope(state, p, &env_body, Some(a.tlp)).await?;
    create_draft(state, p, alert, env, vec![a.id.clone()]).await
}

/// Composes an Update of a published alert (a new draft whose `references` name it);
/// without `cap`, the alert's content is copied for editing.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/update", tag = "alerts", params(("id" = String, Path)), request_body(content = Object, description = "optional tlp, community, recipients, cap or cap_xml, note"),
    responses((status = 201, body = AlertOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, JsonBody(body): JsonBody<Object>) -> ApiResult<(StatusCode, Json<AlertOut>)> {
    let a = follow_up(&state, &p, &id, &body, MsgType::Update).await?;
    Ok((StatusCode::CREATED, Json(out(&state, &p, &a, true).await?)))
}

/// Composes a Cancel of a published alert (a new draft referencing it; `note` says why).
#[utoipa::path(post, path = "/api/v1/alerts/{id}/cancel", tag = "alerts", params(("id" = String, Path)), request_body(content = Object, description = "note"),
    responses((status = 201, body = AlertOut), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn cancel(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, JsonBody(body): JsonBody<Object>) -> ApiResult<(StatusCode, Json<AlertOut>)> {
    let a = follow_up(&state, &p, &id, &body, MsgType::Cancel).await?;
    Ok((StatusCode::CREATED, Json(out(&state, &p, &a, true).await?)))
}

/// Acknowledges a published alert on behalf of the caller's recipient organisation,
/// recorded as a CAP Ack message referencing it.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/ack", tag = "alerts", params(("id" = String, Path)), request_body(content = Object, description = "optional note"),
    responses((status = 201, body = AckOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn ack(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, body: Option<Json<Object>>) -> ApiResult<(StatusCode, Json<AckOut>)> {
    let a = readable(&state, &p, &id).await?;
    if !acknowledger(&a, &p) {
        return Err(ApiError::Forbidden("only a recipient organisation of a published alert (not its originator) acknowledges it".into()));
    }
    let now = state.clock.now_ms();
    let original = stored_cap(&a)?;
    let note = body.as_ref().and_then(|Json(b)| b.get("note").and_then(Value::as_str).map(String::from));
    let ack = Alert {
        version: original.version,
        namespace_declarations: vec![],
        identifier: format!("{}-ack-{}", p.organisation, new_id()),
        sender: p.organisation.to_string(),
        sent: cap_time(now),
        status: original.status,
        msg_type: MsgType::Ack,
        source: None,
        scope: cap::Scope::Private,
        restriction: None,
        addresses: Some(a.doc.sender.clone()),
        codes: vec![],
        note: note.or_else(|| Some(format!("acknowledged by {}", p.username))),
        references: Some(reference_of(&a)),
        incidents: None,
        infos: vec![],
        signatures: vec![],
    };
    cap::validate(&ack).map_err(|e| ApiError::Internal(format!("composed Ack invalid: {e}")))?;
    let record = AlertAck { organisation: p.organisation.clone(), username: p.username.to_string(), at: now, identifier: ack.identifier.clone(), cap_xml: cap::write(&ack) };
    state.store.ack_alert(&id, &record, &a.organisation).await?;
    state.events.nudge();
    Ok((StatusCode::CREATED, Json(AckOut { organisation: record.organisation.to_string(), username: record.username, at: crate::rfc3339(now), identifier: record.identifier })))
}

/// Acknowledgements: all of them for the originator, one's own organisation's for the others.
#[utoipa::path(get, path = "/api/v1/alerts/{id}/acks", tag = "alerts", params(("id" = String, Path)),
    responses((status = 200, body = AckList), (status = 404, body = crate::error::Problem)))]
pub async fn acks(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<AckList>> {
    let a = readable(&state, &p, &id).await?;
    let items = state
        .store
        .alert_acks(&id)
        .await?
        .into_iter()
        .filter(|k| a.organisation == p.organisation || k.organisation == p.organisation)
        .map(|k| AckOut { organisation: k.organisation.to_string(), username: k.username, at: crate::rfc3339(k.at), identifier: k.identifier })
        .collect();
    Ok(Json(AckList { items }))
}

/// Changes an alert's label. Only the originating organisation's issuers change an
/// alert (`check_relabel` with them as the only ones who may change it): everyone else,
/// recipients included, is refused with the reason.
#[utoipa::path(post, path = "/api/v1/alerts/{id}/label", tag = "alerts", params(("id" = String, Path)), request_body(content = Object, description = "tlp"),
    responses((status = 200, body = AlertOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn label(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, JsonBody(body): JsonBody<Object>) -> ApiResult<Json<AlertOut>> {
    let a = readable(&state, &p, &id).await?;
    read_only_if_federated(&a)?;
    let to = match body.get("tlp").and_then(Value::as_str) {
        Some(t) => Tlp::parse(t).map_err(|e| ApiError::Invalid(e.within("tlp")))?,
        None => return Err(ApiError::Invalid(Invalid::one("tlp", "is required"))),
    };
    let relations = a.access().relations(&p);
    let originator_issuer = relations.is_originator() && p.can_issue_alerts();
    let relations = if originator_issuer { relations } else { rampart_core::Relations::of(&relations.iter().filter(|r| *r != rampart_core::Relation::Originator).collect::<Vec<_>>()) };
    check_relabel(a.tlp, to, relations, originator_issuer).map_err(|e| match e {
        RelabelError::MayNotChange | RelabelError::RelaxByNonOriginator { .. } => ApiError::Forbidden(e.to_string()),
    })?;
    if to == Tlp::Red && a.named.is_empty() {
        return Err(ApiError::Invalid(Invalid::one("tlp", "TLP:RED needs named recipients; this alert has none")));
    }
    let stored = state.store.relabel_alert(&id, to, state.clock.now_ms()).await?;
    state.events.nudge();
    crate::federation::after_change(&state).await;
    let o = if stored.access().may_read(&p) { out(&state, &p, &stored, false).await? } else { return Err(not_found(&id)) };
    Ok(Json(o))
}

/// One escalation sweep at the clock's now: applies what `escalate_due` decides.
pub async fn escalate(state: &AppState) -> ApiResult<usize> {
    let now = state.clock.now_ms();
    let pending = state.store.unacknowledged_alerts().await?;
    let policy = EscalationPolicy { liaison_after_ms: state.settings.alert_liaison_after_ms, authority_after_ms: state.settings.alert_authority_after_ms };
    let due = escalate_due(now, policy, &pending);
    if due.is_empty() {
        return Ok(0);
    }
    let n = state.store.apply_escalations(&due, now).await?;
    state.events.nudge();
    Ok(n)
}

/// Runs the escalation sweep every `alert_sweep_ms` for as long as the server runs.
pub async fn sweep_forever(state: AppState) {
    loop {
        tokio::time::sleep(Duration::from_millis(state.settings.alert_sweep_ms)).await;
        if let Err(e) = escalate(&state).await {
            tracing::error!(error = %e, "alert escalation sweep failed");
        }
    }
}

// ---- Live delivery -------------------------------------------------------------------

/// An event with the access of its alert when it was read.
#[derive(Clone)]
pub struct HubEvent {
    pub event: Event,
    pub access: Option<AlertAccess>,
}

/// Follows the `events` table for this process: one poller, fanned out to every
/// connected stream, so a thousand streams cost one query per interval. Events written
/// by any server process on the same database arrive the same way.
pub struct EventHub {
    tx: broadcast::Sender<Arc<HubEvent>>,
    wake: tokio::sync::Notify,
    started: std::sync::atomic::AtomicBool,
}

impl Default for EventHub {
    fn default() -> Self {
        EventHub { tx: broadcast::channel(4096).0, wake: tokio::sync::Notify::new(), started: false.into() }
    }
}

impl EventHub {
    /// Asks the poller to look now (after a change made by this process).
    pub fn nudge(&self) {
        self.wake.notify_one();
    }

    /// The events this process's poller reads from now on (the webhook worker wakes on them).
    pub fn subscribe(&self) -> broadcast::Receiver<Arc<HubEvent>> {
        self.tx.subscribe()
    }

    /// Starts the poller once.
    pub fn start(state: &AppState) {
        if state.events.started.swap(true, std::sync::atomic::Ordering::SeqCst) {
            return;
        }
        let state = state.clone();
        tokio::spawn(async move {
            let mut cursor = loop {
                match state.store.last_event_seq().await {
                    Ok(n) => break n,
                    Err(e) => {
                        tracing::error!(error = %e, "events: cannot read the last event");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                    }
                }
            };
            let poll = Duration::from_millis(state.settings.events_poll_ms);
            loop {
                let _ = tokio::time::timeout(poll, state.events.wake.notified()).await;
                match load_events(&state, cursor).await {
                    Ok(batch) => {
                        for e in batch {
                            cursor = e.event.seq;
                            let _ = state.events.tx.send(Arc::new(e));
                        }
                    }
                    Err(e) => tracing::error!(error = %e, "events: polling failed"),
                }
            }
        });
    }
}

/// Events after `after` with their alerts' access, up to 1000.
async fn load_events(state: &AppState, after: i64) -> Result<Vec<HubEvent>, rampart_store::StoreError> {
    let events = state.store.events_after(after, 1000).await?;
    let mut cache: HashMap<String, Option<AlertAccess>> = HashMap::new();
    let mut out = Vec::with_capacity(events.len());
    for e in events {
        let access = match cache.get(&e.alert_id) {
            Some(a) => a.clone(),
            None => {
                let a = state.store.get_alert(&e.alert_id).await?.map(|a| a.access());
                cache.insert(e.alert_id.clone(), a.clone());
                a
            }
        };
        out.push(HubEvent { event: e, access });
    }
    Ok(out)
}

/// Whether `p` is told of the event: they may read its alert now and are in its
/// audience. The one rule for the live stream and webhooks (which ask it for an
/// organisation as a whole).
pub(crate) fn visible(e: &HubEvent, p: &Principal) -> bool {
    let Some(access) = &e.access else { return false };
    access.may_read(p) && (e.event.audience.is_empty() || e.event.audience.contains(&p.organisation))
}

fn sse_of(e: &HubEvent) -> SseEvent {
    let data = json!({"seq": e.event.seq, "kind": e.event.kind, "alert_id": e.event.alert_id, "at": crate::rfc3339(e.event.at)});
    SseEvent::default().id(e.event.seq.to_string()).event(e.event.kind.clone()).data(data.to_string())
}

#[derive(Deserialize, IntoParams)]
pub struct EventsQuery {
    /// Replay events after this sequence number (like the Last-Event-ID header).
    pub after: Option<i64>,
}

struct Follow {
    state: AppState,
    p: Principal,
    rx: broadcast::Receiver<Arc<HubEvent>>,
    cursor: i64,
    pending: VecDeque<Arc<HubEvent>>,
}

/// Server-sent events of the alerts the reader may read (`published`, `acknowledged`,
/// `escalated`, `relabelled`), each checked against the alert's label and the reader's
/// relations. Resumes after `Last-Event-ID` (or `?after=`); without either, starts now.
/// Comment lines every 15 s keep proxies from closing the stream.
#[utoipa::path(get, path = "/api/v1/events", tag = "alerts", params(EventsQuery),
    responses((status = 200, description = "text/event-stream", content_type = "text/event-stream")))]
pub async fn events(State(state): State<AppState>, Auth(p): Auth, Query(q): Query<EventsQuery>, headers: HeaderMap) -> ApiResult<Response> {
    EventHub::start(&state);
    let last_id = headers.get("last-event-id").and_then(|v| v.to_str().ok()).and_then(|s| s.trim().parse::<i64>().ok());
    let rx = state.events.tx.subscribe();
    let cursor = match last_id.or(q.after) {
        Some(n) => n,
        None => state.store.last_event_seq().await?,
    };
    let follow = Follow { state, p, rx, cursor, pending: VecDeque::new() };
    let backlog_from = Some(cursor);
    let stream = futures::stream::unfold((follow, backlog_from), |(mut f, mut backlog)| async move {
        loop {
            if let Some(after) = backlog.take() {
                match load_events(&f.state, after).await {
                    Ok(batch) => {
                        let full = batch.len() == 1000;
                        f.pending.extend(batch.into_iter().map(Arc::new));
                        if full {
                            backlog = f.pending.back().map(|e| e.event.seq);
                        }
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "events: replay failed");
                        return None;
                    }
                }
            }
            if let Some(e) = f.pending.pop_front() {
                if e.event.seq <= f.cursor {
                    continue;
                }
                f.cursor = e.event.seq;
                if visible(&e, &f.p) {
                    let ev = sse_of(&e);
                    return Some((Ok::<_, std::convert::Infallible>(ev), (f, backlog)));
                }
                continue;
            }
            match f.rx.recv().await {
                Ok(e) => f.pending.push_back(e),
                Err(broadcast::error::RecvError::Lagged(_)) => backlog = Some(f.cursor),
                Err(broadcast::error::RecvError::Closed) => return None,
            }
        }
    });
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15)).text("heartbeat")).into_response())
}
