//! Webhooks (`/api/v1/webhooks`): an organisation's machines told of alert events by
//! signed HTTP POSTs, in order, at least once, with retries.
//!
//! What a subscription is told is exactly what a member of its organisation would be
//! told on the live stream: [`alerts::visible`] with the organisation as a whole
//! ([`Principal::organisation_as_a_whole`]), checked when each event is sent, so an
//! alert relabelled out of the organisation's reach is skipped, not sent. Skipped
//! events leave no trace in the organisation's delivery log.
//!
//! Delivery is driven by [`tick`]: the worker of each server process calls it when the
//! process's event poller sees new events and every `webhook_poll_ms`; tests call it
//! directly with a `ManualClock`. A tick claims each due
//! subscription with a lease in the store (so several processes on one database never
//! send the same subscription at once), sends the events after its cursor in order, and
//! moves the cursor only after a 2xx answer. A failure (no connection, no answer within
//! 10 s, any other status) is retried after 10 s, 30 s, 1 min, 5 min, 15 min and then
//! hourly; after failures lasting 24 h the subscription is marked `failing` (and still
//! retried hourly) until a delivery succeeds.

use crate::alerts::{self, HubEvent};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::{rfc3339, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use hmac::{Hmac, Mac};
use rampart_core::fields::Object;
use rampart_core::{FieldError, Invalid, Principal, Role};
use rampart_formats::cap;
use rampart_store::{StoreError, StoredAlert, WebhookAttempt, WebhookChange, WebhookFailure, WebhookRecord};
use serde::Serialize;
use serde_json::{json, Value};
use sha2::Sha256;
use std::collections::HashMap;
use std::time::{Duration, Instant};
use utoipa::ToSchema;

/// The event kinds a subscription may ask for (those the `events` table carries).
pub const KINDS: [&str; 4] = ["published", "acknowledged", "escalated", "relabelled"];
/// Waits after the 1st, 2nd, … consecutive failure; the last one repeats.
pub const BACKOFF_MS: [i64; 6] = [10_000, 30_000, 60_000, 5 * 60_000, 15 * 60_000, 60 * 60_000];
/// Failures lasting this long (and at least [`FAILING_AFTER`] of them) mark a subscription failing.
pub const FAILING_AFTER_MS: i64 = 24 * 60 * 60_000;
pub const FAILING_AFTER: i64 = 5;
/// How long a receiver has to answer.
pub const TIMEOUT: Duration = Duration::from_secs(10);
/// How long a claim on a subscription lasts without progress (a killed worker's
/// subscriptions are picked up by another process after this).
const LEASE_MS: i64 = 5 * 60_000;
/// Webhooks a process sends to at once.
const PARALLEL: usize = 16;
/// Events read per query while catching up.
const BATCH: i64 = 200;
/// Attempts shown in a delivery log.
const LOG_LIMIT: i64 = 200;
const MAX_URL: usize = 2048;
const MAX_DESCRIPTION: usize = 500;

/// What delivers: an HTTP client and this process's name as a lease holder.
pub struct Deliverer {
    client: reqwest::Client,
    owner: String,
}

impl Default for Deliverer {
    fn default() -> Self {
        // Redirects are not followed: a receiver is the URL its organisation registered.
        let client = reqwest::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("Rampart-Webhooks/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_else(|e| {
                // Each request still carries its own timeout (see `send`).
                tracing::error!(error = %e, "webhooks: building the HTTP client failed; using the default client");
                reqwest::Client::new()
            });
        Deliverer { client, owner: format!("process-{}", hex::encode(rand::random::<[u8; 8]>())) }
    }
}

/// The wait after the `failures`-th consecutive failure.
pub fn backoff_ms(failures: i64) -> i64 {
    let i = (failures.max(1) - 1) as usize;
    BACKOFF_MS[i.min(BACKOFF_MS.len() - 1)]
}

/// The `Rampart-Signature` header of `body` sent at `unix_s` seconds:
/// `t=<unix_s>,v1=<hex HMAC-SHA256(secret, "<unix_s>.<body>")>`.
pub fn signature(secret: &str, unix_s: i64, body: &[u8]) -> String {
    // HMAC accepts keys of any length, so this cannot fail.
    let mut mac = match Hmac::<Sha256>::new_from_slice(secret.as_bytes()) {
        Ok(m) => m,
        Err(_) => return String::new(),
    };
    mac.update(unix_s.to_string().as_bytes());
    mac.update(b".");
    mac.update(body);
    format!("t={unix_s},v1={}", hex::encode(mac.finalize().into_bytes()))
}

// ---- The API -------------------------------------------------------------------------

/// A subscription as its organisation's users see it (never its secret, except once).
#[derive(Serialize, ToSchema)]
pub struct WebhookOut {
    pub id: String,
    pub organisation: String,
    pub url: String,
    pub kinds: Vec<String>,
    pub description: String,
    /// active, paused or failing.
    pub status: String,
    pub created_by: String,
    pub created_at: String,
    pub updated_at: String,
    /// The last event handled (events after it are still to be sent).
    pub after_seq: i64,
    /// Consecutive failed attempts (0 when the last one succeeded).
    pub failures: i64,
    pub failing_since: Option<String>,
    /// When the next attempt is due, while retrying.
    pub next_attempt_at: Option<String>,
    pub last_attempt_at: Option<String>,
    pub last_success_at: Option<String>,
    /// The signing secret: in the answer to the creation only.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct WebhookList {
    pub items: Vec<WebhookOut>,
    pub count: usize,
}

/// One attempt in a delivery log.
#[derive(Serialize, ToSchema)]
pub struct AttemptOut {
    /// The delivery id (the same for every attempt of one event).
    pub delivery: String,
    pub seq: Option<i64>,
    /// The event kind, or `ping`.
    pub kind: String,
    pub alert_id: Option<String>,
    pub attempt: i64,
    pub at: String,
    /// delivered or failed.
    pub outcome: String,
    pub status_code: Option<i64>,
    pub error: Option<String>,
    pub duration_ms: i64,
    pub next_attempt_at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AttemptList {
    /// Newest first.
    pub items: Vec<AttemptOut>,
}

fn out(w: &WebhookRecord, secret: bool) -> WebhookOut {
    WebhookOut {
        id: w.id.clone(),
        organisation: w.organisation.to_string(),
        url: w.url.clone(),
        kinds: w.kinds.clone(),
        description: w.description.clone(),
        status: w.status.clone(),
        created_by: w.created_by.clone(),
        created_at: rfc3339(w.created_at),
        updated_at: rfc3339(w.updated_at),
        after_seq: w.after_seq,
        failures: w.failures,
        failing_since: w.failing_since.map(rfc3339),
        next_attempt_at: (w.failures > 0).then(|| rfc3339(w.next_attempt_at)),
        last_attempt_at: w.last_attempt_at.map(rfc3339),
        last_success_at: w.last_success_at.map(rfc3339),
        secret: secret.then(|| w.secret.clone()),
    }
}

fn attempt_out(a: WebhookAttempt) -> AttemptOut {
    AttemptOut {
        delivery: a.delivery_id,
        seq: a.seq,
        kind: a.kind,
        alert_id: a.alert_id,
        attempt: a.attempt,
        at: rfc3339(a.at),
        outcome: a.outcome,
        status_code: a.status_code,
        error: a.error,
        duration_ms: a.duration_ms,
        next_attempt_at: a.next_attempt_at.map(rfc3339),
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("webhook {id}"))
}

/// A subscription the caller may see: their organisation's; administrators see all.
async fn readable(state: &AppState, p: &Principal, id: &str) -> ApiResult<WebhookRecord> {
    let w = state.store.get_webhook(id).await?.ok_or_else(|| not_found(id))?;
    if w.organisation == p.organisation || p.role == Role::Admin {
        Ok(w)
    } else {
        Err(not_found(id))
    }
}

/// A subscription the caller may pause, resume, test or remove: their organisation's
/// (not as a viewer), or any as an administrator.
async fn manageable(state: &AppState, p: &Principal, id: &str) -> ApiResult<WebhookRecord> {
    let w = readable(state, p, id).await?;
    if p.role == Role::Viewer {
        return Err(ApiError::Forbidden("viewers may not manage webhooks".into()));
    }
    Ok(w)
}

fn require_registrar(p: &Principal) -> ApiResult<()> {
    if p.role == Role::Viewer {
        Err(ApiError::Forbidden("viewers may not register webhooks".into()))
    } else {
        Ok(())
    }
}

/// Checks a target URL: https, or http to this machine (or anywhere when the server's
/// `webhook_allow_http` setting allows).
fn check_url(s: &str, allow_http: bool) -> Result<String, String> {
    if s.len() > MAX_URL {
        return Err(format!("is longer than {MAX_URL} characters"));
    }
    let url = reqwest::Url::parse(s.trim()).map_err(|e| format!("expected an https:// URL; {s:?} is not a URL ({e})"))?;
    let host = url.host_str().unwrap_or("");
    let loopback = host.eq_ignore_ascii_case("localhost")
        || host.trim_start_matches('[').trim_end_matches(']').parse::<std::net::IpAddr>().is_ok_and(|a| a.is_loopback());
    match url.scheme() {
        "https" => {}
        "http" if loopback || allow_http => {}
        "http" => return Err("expected an https:// URL (plain http only to this machine, or where the server allows it)".into()),
        other => return Err(format!("expected an https:// URL, found a {other}: URL")),
    }
    if host.is_empty() {
        return Err("expected a URL with a host".into());
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err("may not carry a user name or password; receivers check the signature instead".into());
    }
    Ok(url.to_string())
}

fn check_kinds(v: &Value, errors: &mut Vec<FieldError>) -> Option<Vec<String>> {
    let Value::Array(items) = v else {
        errors.push(FieldError::new("kinds", format!("expected a list of event kinds ({})", KINDS.join(", "))));
        return None;
    };
    if items.is_empty() {
        errors.push(FieldError::new("kinds", format!("expected at least one event kind ({})", KINDS.join(", "))));
        return None;
    }
    let mut kinds = Vec::new();
    for (i, k) in items.iter().enumerate() {
        match k.as_str() {
            Some(k) if KINDS.contains(&k) => {
                if !kinds.iter().any(|x: &String| x == k) {
                    kinds.push(k.to_string());
                }
            }
            Some(k) => errors.push(FieldError::new(format!("kinds[{i}]"), format!("unknown event kind {k:?}; expected one of: {}", KINDS.join(", ")))),
            None => errors.push(FieldError::new(format!("kinds[{i}]"), "expected an event kind as a string")),
        }
    }
    Some(kinds)
}

fn check_description(v: &Value, errors: &mut Vec<FieldError>) -> Option<String> {
    match v {
        Value::Null => Some(String::new()),
        Value::String(s) if s.chars().count() <= MAX_DESCRIPTION => Some(s.trim().to_string()),
        Value::String(_) => {
            errors.push(FieldError::new("description", format!("is longer than {MAX_DESCRIPTION} characters")));
            None
        }
        _ => {
            errors.push(FieldError::new("description", "expected text"));
            None
        }
    }
}

/// The caller's organisation's subscriptions (administrators: everyone's).
#[utoipa::path(get, path = "/api/v1/webhooks", tag = "sharing", responses((status = 200, body = WebhookList)))]
pub async fn list(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<WebhookList>> {
    let org = (p.role != Role::Admin).then_some(&p.organisation);
    let items: Vec<WebhookOut> = state.store.list_webhooks(org).await?.iter().map(|w| out(w, false)).collect();
    Ok(Json(WebhookList { count: items.len(), items }))
}

/// Registers a subscription for the caller's organisation: `url`, `kinds` (default: all),
/// `description`. The answer carries the signing `secret`, shown this once.
#[utoipa::path(post, path = "/api/v1/webhooks", tag = "sharing", request_body(content = Object, description = "url, kinds, description"),
    responses((status = 201, body = WebhookOut), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(State(state): State<AppState>, Auth(p): Auth, JsonBody(body): JsonBody<Object>) -> ApiResult<(StatusCode, Json<WebhookOut>)> {
    require_registrar(&p)?;
    let mut errors = Vec::new();
    let url = match body.get("url") {
        Some(Value::String(s)) => check_url(s, state.settings.webhook_allow_http).map_err(|m| errors.push(FieldError::new("url", m))).ok(),
        Some(_) => {
            errors.push(FieldError::new("url", "expected an https:// URL as a string"));
            None
        }
        None => {
            errors.push(FieldError::new("url", "is required: the https:// URL events are sent to"));
            None
        }
    };
    let kinds = match body.get("kinds") {
        None | Some(Value::Null) => Some(KINDS.iter().map(|k| k.to_string()).collect()),
        Some(v) => check_kinds(v, &mut errors),
    };
    let description = check_description(body.get("description").unwrap_or(&Value::Null), &mut errors);
    for key in body.keys() {
        if !["url", "kinds", "description"].contains(&key.as_str()) {
            errors.push(FieldError::new(key.clone(), "unknown field; expected url, kinds, description"));
        }
    }
    let (Some(url), Some(kinds), Some(description)) = (url, kinds, description) else {
        return Err(ApiError::Invalid(Invalid(errors)));
    };
    if !errors.is_empty() {
        return Err(ApiError::Invalid(Invalid(errors)));
    }
    let now = state.clock.now_ms();
    let w = WebhookRecord {
        id: hex::encode(rand::random::<[u8; 12]>()),
        organisation: p.organisation.clone(),
        url,
        kinds,
        description,
        secret: format!("whsec_{}", hex::encode(rand::random::<[u8; 32]>())),
        status: "active".into(),
        created_by: p.username.to_string(),
        created_at: now,
        updated_at: now,
        // Told of what happens from now on.
        after_seq: state.store.last_event_seq().await?,
        failures: 0,
        failing_since: None,
        next_attempt_at: 0,
        last_attempt_at: None,
        last_success_at: None,
    };
    state.store.create_webhook(&w).await?;
    Ok((StatusCode::CREATED, Json(out(&w, true))))
}

/// One subscription (its organisation's users; administrators).
#[utoipa::path(get, path = "/api/v1/webhooks/{id}", tag = "sharing", params(("id" = String, Path)),
    responses((status = 200, body = WebhookOut), (status = 404, body = crate::error::Problem)))]
pub async fn get(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<WebhookOut>> {
    Ok(Json(out(&readable(&state, &p, &id).await?, false)))
}

/// Changes a subscription: `status` (`active` or `paused`), `url`, `kinds`,
/// `description`. Where events go (`url`, `kinds`) is changed by the organisation's own
/// users only; administrators may pause, resume and remove anyone's.
#[utoipa::path(patch, path = "/api/v1/webhooks/{id}", tag = "sharing", params(("id" = String, Path)), request_body(content = Object, description = "status, url, kinds, description"),
    responses((status = 200, body = WebhookOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, JsonBody(body): JsonBody<Object>) -> ApiResult<Json<WebhookOut>> {
    let w = manageable(&state, &p, &id).await?;
    let mut errors = Vec::new();
    let mut change = WebhookChange::default();
    for (key, v) in &body {
        match key.as_str() {
            "url" => match v.as_str() {
                Some(s) => change.url = check_url(s, state.settings.webhook_allow_http).map_err(|m| errors.push(FieldError::new("url", m))).ok(),
                None => errors.push(FieldError::new("url", "expected an https:// URL as a string")),
            },
            "kinds" => change.kinds = check_kinds(v, &mut errors),
            "description" => change.description = check_description(v, &mut errors),
            "status" => match v.as_str() {
                Some(s @ ("active" | "paused")) => change.status = Some(s.to_string()),
                _ => errors.push(FieldError::new("status", "expected active or paused")),
            },
            other => errors.push(FieldError::new(other, "unknown field; expected status, url, kinds, description")),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(Invalid(errors)));
    }
    if (change.url.is_some() || change.kinds.is_some()) && w.organisation != p.organisation {
        return Err(ApiError::Forbidden("only the organisation's own users change where its events go".into()));
    }
    let w = state.store.update_webhook(&id, &change, p.username.as_str(), state.clock.now_ms()).await?;
    Ok(Json(out(&w, false)))
}

/// Removes a subscription and its delivery log.
#[utoipa::path(delete, path = "/api/v1/webhooks/{id}", tag = "sharing", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn delete(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<StatusCode> {
    manageable(&state, &p, &id).await?;
    state.store.delete_webhook(&id, p.username.as_str(), state.clock.now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The delivery log, newest first: every attempt with its answer. Attempts about an
/// alert the caller may not read (now) are left out.
#[utoipa::path(get, path = "/api/v1/webhooks/{id}/deliveries", tag = "sharing", params(("id" = String, Path)),
    responses((status = 200, body = AttemptList), (status = 404, body = crate::error::Problem)))]
pub async fn deliveries(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<AttemptList>> {
    readable(&state, &p, &id).await?;
    let mut readable_alerts: HashMap<String, bool> = HashMap::new();
    let mut items = Vec::new();
    for a in state.store.webhook_attempts(&id, LOG_LIMIT).await? {
        if let Some(alert) = &a.alert_id {
            let may = match readable_alerts.get(alert) {
                Some(m) => *m,
                None => {
                    let m = state.store.get_alert(alert).await?.is_some_and(|x| x.access().may_read(&p));
                    readable_alerts.insert(alert.clone(), m);
                    m
                }
            };
            if !may {
                continue;
            }
        }
        items.push(attempt_out(a));
    }
    Ok(Json(AttemptList { items }))
}

/// Sends a `ping` now and answers how it went (recorded in the delivery log; it does
/// not move the cursor or count as a failure).
#[utoipa::path(post, path = "/api/v1/webhooks/{id}/test", tag = "sharing", params(("id" = String, Path)),
    responses((status = 200, body = AttemptOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn test(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<AttemptOut>> {
    let w = manageable(&state, &p, &id).await?;
    let now = state.clock.now_ms();
    let delivery = format!("{}-ping-{}", w.id, hex::encode(rand::random::<[u8; 6]>()));
    let body = json!({"id": delivery, "event": {"seq": null, "kind": "ping", "alert_id": null, "at": rfc3339(now)}, "alert": null});
    let sent = send(&state, &w, &delivery, "ping", &body, now).await;
    let attempt = WebhookAttempt {
        delivery_id: delivery,
        seq: None,
        kind: "ping".into(),
        alert_id: None,
        attempt: 1,
        at: now,
        outcome: if sent.ok { "delivered" } else { "failed" }.into(),
        status_code: sent.status_code,
        error: sent.error,
        duration_ms: sent.duration_ms,
        next_attempt_at: None,
    };
    state.store.webhook_pinged(&w.id, &attempt).await?;
    Ok(Json(attempt_out(attempt)))
}

// ---- Delivery ------------------------------------------------------------------------

/// How one POST went.
struct Sent {
    ok: bool,
    status_code: Option<i64>,
    error: Option<String>,
    duration_ms: i64,
}

async fn send(state: &AppState, w: &WebhookRecord, delivery: &str, kind: &str, body: &Value, now: i64) -> Sent {
    let bytes = body.to_string().into_bytes();
    let started = Instant::now();
    let result = state
        .webhooks
        .client
        .post(&w.url)
        .timeout(TIMEOUT)
        .header("content-type", "application/json")
        .header("rampart-signature", signature(&w.secret, now.div_euclid(1000), &bytes))
        .header("rampart-delivery", delivery)
        .header("rampart-event", kind)
        .body(bytes)
        .send()
        .await;
    let duration_ms = started.elapsed().as_millis() as i64;
    match result {
        Ok(r) if r.status().is_success() => Sent { ok: true, status_code: Some(i64::from(r.status().as_u16())), error: None, duration_ms },
        Ok(r) => Sent { ok: false, status_code: Some(i64::from(r.status().as_u16())), error: Some(format!("answered {}", r.status())), duration_ms },
        Err(e) => {
            let what = if e.is_timeout() {
                format!("no answer within {} s", TIMEOUT.as_secs())
            } else if e.is_connect() {
                format!("could not connect: {}", innermost(&e))
            } else {
                format!("request failed: {}", innermost(&e))
            };
            Sent { ok: false, status_code: None, error: Some(what), duration_ms }
        }
    }
}

fn innermost(e: &dyn std::error::Error) -> String {
    let mut cur = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}

/// What a delivery says of the alert: what the organisation may read of it.
fn alert_part(a: &StoredAlert) -> Value {
    let info = cap::read(&a.doc.cap_xml, None).ok().and_then(|c| c.infos.into_iter().next());
    json!({
        "id": a.id,
        "identifier": a.doc.identifier,
        "sender": a.doc.sender,
        "sent": a.doc.sent,
        "msg_type": a.doc.msg_type,
        "headline": a.doc.headline,
        "severity": info.as_ref().map(|i| i.severity.as_str()),
        "urgency": info.as_ref().map(|i| i.urgency.as_str()),
        "certainty": info.as_ref().map(|i| i.certainty.as_str()),
        "area": info.as_ref().map(|i| i.areas.iter().map(|x| x.area_desc.as_str()).collect::<Vec<_>>().join("; ")),
        "tlp": a.tlp.as_str(),
        "link": format!("/api/v1/alerts/{}", a.id),
    })
}

/// What one tick did.
#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct Tick {
    pub delivered: usize,
    pub failed: usize,
    /// Events passed over: of other kinds, or not for the organisation.
    pub skipped: usize,
}

/// One round of delivery at the clock's now: every due subscription this process can
/// claim is caught up as far as its receiver accepts.
pub async fn tick(state: &AppState) -> Result<Tick, StoreError> {
    use futures::StreamExt;
    let now = state.clock.now_ms();
    let due = state.store.due_webhooks(now).await?;
    // Webhooks are independent: a slow or silent receiver holds up only its own events.
    let results: Vec<Result<Tick, StoreError>> = futures::stream::iter(due)
        .map(|id| async move {
            let owner = state.webhooks.owner.as_str();
            let mut done = Tick::default();
            if !state.store.claim_webhook(&id, owner, now, now + LEASE_MS).await? {
                return Ok(done);
            }
            let sent = catch_up(state, &id, owner, &mut done).await;
            let released = state.store.release_webhook(&id, owner).await;
            sent?;
            released?;
            Ok(done)
        })
        .buffer_unordered(PARALLEL)
        .collect()
        .await;
    let mut total = Tick::default();
    for r in results {
        let t = r?;
        total.delivered += t.delivered;
        total.failed += t.failed;
        total.skipped += t.skipped;
    }
    Ok(total)
}

/// Sends one claimed subscription's events after its cursor, in order, until one fails
/// or none are left.
async fn catch_up(state: &AppState, id: &str, owner: &str, total: &mut Tick) -> Result<(), StoreError> {
    let Some(w) = state.store.get_webhook(id).await? else { return Ok(()) };
    let Some(org) = state.store.get_organisation(&w.organisation).await? else { return Ok(()) };
    let whole = Principal::organisation_as_a_whole(&org);
    // The run of failures as it stands; a delivery ends it.
    let (mut failures, mut failing_since, mut failing) = (w.failures.max(0), w.failing_since, w.status == "failing");
    let mut cursor = w.after_seq;
    let mut skipped_to = None;
    loop {
        let events = state.store.events_after(cursor, BATCH).await?;
        if events.is_empty() {
            break;
        }
        for event in events {
            let seq = event.seq;
            cursor = seq;
            // Read now: the alert's label and recipients as they are at delivery time.
            let alert = state.store.get_alert(&event.alert_id).await?;
            let e = HubEvent { access: alert.as_ref().map(StoredAlert::access), event };
            let Some(alert) = alert.filter(|_| w.kinds.contains(&e.event.kind) && alerts::visible(&e, &whole)) else {
                total.skipped += 1;
                skipped_to = Some(seq);
                continue;
            };
            let delivery = format!("{}-{seq}", w.id);
            let body = json!({
                "id": delivery,
                "event": {"seq": seq, "kind": e.event.kind, "alert_id": e.event.alert_id, "at": rfc3339(e.event.at)},
                "alert": alert_part(&alert),
            });
            let now = state.clock.now_ms();
            let attempt_no = state.store.webhook_attempt_count(&w.id, &delivery).await? + 1;
            let sent = send(state, &w, &delivery, &e.event.kind, &body, now).await;
            let mut attempt = WebhookAttempt {
                delivery_id: delivery,
                seq: Some(seq),
                kind: e.event.kind.clone(),
                alert_id: Some(alert.id.clone()),
                attempt: attempt_no,
                at: now,
                outcome: "delivered".into(),
                status_code: sent.status_code,
                error: sent.error,
                duration_ms: sent.duration_ms,
                next_attempt_at: None,
            };
            if sent.ok {
                // This also moves the cursor past the events skipped before it.
                if !state.store.webhook_delivered(&w.id, owner, &attempt, now + LEASE_MS).await? {
                    return Ok(());
                }
                total.delivered += 1;
                skipped_to = None;
                (failures, failing_since, failing) = (0, None, false);
                continue;
            }
            // Events skipped before this one are looked at again next time.
            failures += 1;
            let since = failing_since.unwrap_or(now);
            let next = now + backoff_ms(failures);
            if !failing && failures >= FAILING_AFTER && now - since >= FAILING_AFTER_MS {
                failing = true;
                tracing::warn!(webhook = %w.id, organisation = %w.organisation, failures, "webhook marked failing: its deliveries have failed for a day");
            }
            attempt.outcome = "failed".into();
            attempt.next_attempt_at = Some(next);
            let f = WebhookFailure { attempt, failures, failing_since: since, status: if failing { "failing" } else { "active" }.into(), next_attempt_at: next };
            state.store.webhook_failed(&w.id, owner, &f).await?;
            total.failed += 1;
            return Ok(());
        }
        if let Some(seq) = skipped_to.take() {
            if !state.store.webhook_skip(&w.id, owner, seq, state.clock.now_ms() + LEASE_MS).await? {
                return Ok(());
            }
        }
    }
    Ok(())
}

/// Calls [`tick`] as soon as this process's event poller sees new events (so a
/// published alert goes out within the poll of the events table), and every
/// `webhook_poll_ms` for retries that fall due, for as long as the server runs.
pub async fn deliver_forever(state: AppState) {
    let every = Duration::from_millis(state.settings.webhook_poll_ms.max(100));
    alerts::EventHub::start(&state);
    let mut events = state.events.subscribe();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(every) => {}
            _ = events.recv() => {}
        }
        // Whatever else arrived meanwhile is covered by this tick.
        while !matches!(events.try_recv(), Err(tokio::sync::broadcast::error::TryRecvError::Empty | tokio::sync::broadcast::error::TryRecvError::Closed)) {}
        if let Err(e) = tick(&state).await {
            tracing::error!(error = %e, "webhook delivery failed");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_signature_is_hmac_sha256_of_time_dot_body() {
        // The same as Python's hmac.new(b"whsec_test", b'1767225600.{"id":"x"}', hashlib.sha256).hexdigest().
        assert_eq!(signature("whsec_test", 1_767_225_600, br#"{"id":"x"}"#), "t=1767225600,v1=f2a0e9cc79f6a8d5063bc6718561e872509983827740ea4ee5622da1c7e8d2b4");
    }

    #[test]
    fn retries_back_off_to_hourly() {
        let waits: Vec<i64> = (1..=8).map(|n| backoff_ms(n) / 1000).collect();
        assert_eq!(waits, [10, 30, 60, 300, 900, 3600, 3600, 3600]);
    }

    #[test]
    fn targets_are_https_or_http_to_this_machine() {
        assert_eq!(check_url("https://soc.example.org/hook", false), Ok("https://soc.example.org/hook".to_string()));
        for local in ["http://127.0.0.1:9/x", "http://localhost/x", "http://[::1]:8080/x", "http://127.10.0.1/x"] {
            assert!(check_url(local, false).is_ok(), "{local}");
        }
        assert_eq!(check_url("http://soc.example.org/hook", false), Err("expected an https:// URL (plain http only to this machine, or where the server allows it)".to_string()));
        assert!(check_url("http://soc.example.org/hook", true).is_ok());
        assert_eq!(check_url("file:///etc/passwd", true), Err("expected an https:// URL, found a file: URL".to_string()));
        assert_eq!(check_url("https://user:pw@soc.example.org/", false), Err("may not carry a user name or password; receivers check the signature instead".to_string()));
        assert!(check_url("soc.example.org/hook", false).is_err_and(|e| e.starts_with("expected an https:// URL; \"soc.example.org/hook\" is not a URL")));
    }
}
