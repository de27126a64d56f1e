//! Federation between Rampart instances over HTTP (docs/sharing.md, "Federation").
//!
//! - `POST /federation/v1/messages`: a peer pushes a batch of its outbox for us;
//! - `GET /federation/v1/messages?after=N`: a peer pulls our outbox for it after N (and
//!   so confirms it applied up to N);
//!
//! both authenticated by the requesting peer's Ed25519 signature over
//! [`link_signing_bytes`] (headers `Rampart-Peer`, `Rampart-At`, `Rampart-Signature`),
//! never by a user session. Every message inside is checked against its **origin's**
//! key before the store applies the batch; refusals (bad or missing signatures, unknown
//! peers or origins, stale requests, replays, gaps) answer with a problem naming the
//! reason, change nothing, and are audited.
//!
//! [`tick`] is one round of the background work: share local changes (sign them into
//! the outboxes), push to push-peers, pull from pull-peers, and update each link's
//! status (`ok`, `lagging`, `silent`), auditing and logging when a link enters alarm.
//! `rampart serve` runs it every `interval_ms`; tests call it with a `ManualClock`.

use crate::audit::record;
use crate::auth::Auth;
use crate::error::{problem, ApiError, ApiResult};
use crate::json::JsonBody;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{OriginalUri, Path, Query, Request, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rampart_core::federation::{
    self as fed, link_signing_bytes, Audience, AudienceCommunity, Batch, Entry, Hosts, InstanceName, ItemRef, ItemType, Message,
    PublicKey, SecretKey, Signed,
};
use rampart_core::{AlertState, CountryCode, FieldError, Invalid, OrgId, OrgKind};
use rampart_store::{AuditAction, BatchOutcome, PeerConfig, PeerRecord, SharedItem, StoredAlert};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::BTreeSet;
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

/// This instance's federation identity: its name and signing key.
#[derive(Clone)]
pub struct Identity {
    pub name: InstanceName,
    pub key: Arc<SecretKey>,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // The key is never printed: only its public half.
        write!(f, "Identity({}, public {})", self.name, self.key.public())
    }
}

/// Federation settings; no identity means federation is off.
#[derive(Debug, Clone)]
pub struct FederationSettings {
    pub identity: Option<Identity>,
    /// How often a round runs (share, push, pull, heartbeat, status).
    pub interval_ms: u64,
    /// A link is `lagging` when a message queued for it is older than this unconfirmed.
    pub lag_ms: i64,
    /// Requests signed more than this far from our clock are refused.
    pub max_skew_ms: i64,
    /// `rampart serve` runs rounds on its own; tests run them with [`tick`].
    pub rounds_in_background: bool,
}

impl Default for FederationSettings {
    fn default() -> Self {
        FederationSettings { identity: None, interval_ms: 30_000, lag_ms: 5 * 60_000, max_skew_ms: 5 * 60_000, rounds_in_background: true }
    }
}

/// Entries sent in one request at most.
const BATCH: i64 = 500;

/// Largest batch a peer may push: 500 alerts with their CAP documents and tombstones.
pub const MAX_BATCH_BYTES: usize = 64 * 1024 * 1024;

const H_PEER: &str = "rampart-peer";
const H_AT: &str = "rampart-at";
const H_SIG: &str = "rampart-signature";

fn identity(state: &AppState) -> ApiResult<&Identity> {
    state.settings.federation.identity.as_ref().ok_or_else(|| ApiError::NotFound("federation (this instance has no federation key)".into()))
}

// ---------------------------------------------------------------- sharing local changes

/// The message an origin signs for one of its published alerts.
async fn alert_message(state: &AppState, own: &InstanceName, a: &StoredAlert, now: i64) -> ApiResult<Message> {
    let organisation = crate::federation_items::origin_org(state, &a.organisation).await?;
    let mut organisations: Vec<String> = Vec::new();
    for r in a.recipients.iter().filter(|r| r.username.is_none()) {
        if !organisations.contains(&r.organisation.to_string()) {
            organisations.push(r.organisation.to_string());
        }
    }
    let named = a.named.iter().cloned().chain(a.recipients.iter().filter_map(|r| r.username.clone()));
    let users = crate::federation_items::audience_users(state, named).await?;
    let community = a.community.as_ref().map(|c| AudienceCommunity { id: c.to_string(), members: a.community_members.iter().map(ToString::to_string).collect() });
    let body = json!({
        "identifier": a.doc.identifier, "sender": a.doc.sender, "sent": a.doc.sent, "msg_type": a.doc.msg_type,
        "headline": a.doc.headline, "cap_xml": a.doc.cap_xml, "author": a.author,
        "published_at": a.published_at.unwrap_or(a.updated_at), "references": a.references,
    });
    Ok(Message {
        v: fed::MESSAGE_VERSION,
        origin: own.clone(),
        item: ItemRef { kind: ItemType::Alert, id: a.id.clone(), version: a.version },
        op: fed::Op::Upsert,
        tlp: a.tlp,
        organisation,
        audience: Audience { organisations, users, community },
        body,
        issued_at: now,
    })
}

/// Signs local changes recorded since the last round into the outboxes of the peers
/// they go to. Returns how many items were shared.
pub async fn share_pending(state: &AppState) -> ApiResult<usize> {
    let Some(id) = &state.settings.federation.identity else { return Ok(0) };
    let pending = state.store.federation_pending(BATCH).await?;
    if pending.is_empty() {
        return Ok(0);
    }
    let now = state.clock.now_ms();
    let peers: Vec<(InstanceName, Hosts)> =
        state.store.federation_peers().await?.into_iter().filter(|p| p.config.link).map(|p| (p.config.name, p.config.hosts)).collect();
    let local = state.store.local_organisations().await?;
    let is_local = |o: &str| local.contains(o);
    let mut seen = BTreeSet::new();
    let mut items = Vec::new();
    for p in &pending {
        if !seen.insert((p.item_type.clone(), p.item_id.clone())) {
            continue;
        }
        let message = if p.item_type == "alert" {
            let Some(a) = state.store.get_alert(&p.item_id).await? else { continue };
            if a.state != AlertState::Published || a.origin_instance.is_some() {
                continue;
            }
            alert_message(state, &id.name, &a, now).await?
        } else {
            // Incident notifications and library documents (federation_items.rs).
            let Some(m) = crate::federation_items::message(state, &id.name, &p.item_type, &p.item_id, now).await? else { continue };
            m
        };
        let had: Vec<InstanceName> = match state.store.federation_item(id.name.as_str(), &p.item_type, &p.item_id).await? {
            Some(k) if k.op == fed::Op::Upsert => {
                fed::targets(k.message.message.tlp, &k.message.message.audience, &peers, None, &is_local).into_iter().cloned().collect()
            }
            _ => vec![],
        };
        if message.op == fed::Op::Tombstone {
            // A deleted item: its tombstone goes to the peers that had it.
            let t = message.sign(&id.key);
            items.push(SharedItem { message: t.clone(), retract: t, upsert_to: vec![], retract_to: had });
            continue;
        }
        let upsert_to: Vec<InstanceName> = fed::targets(message.tlp, &message.audience, &peers, None, &is_local).into_iter().cloned().collect();
        let retract_to = had.into_iter().filter(|p| !upsert_to.contains(p)).collect();
        let retract = message.tombstone().sign(&id.key);
        items.push(SharedItem { message: message.sign(&id.key), retract, upsert_to, retract_to });
    }
    let taken: Vec<i64> = pending.iter().map(|p| p.id).collect();
    state.store.share_pending(&id.name, &taken, &items, now).await?;
    Ok(items.len())
}

/// Shares a local change at once (the background round would otherwise do it); a
/// failure is logged and left for the next round, the change itself stands.
pub async fn after_change(state: &AppState) {
    if let Err(e) = share_pending(state).await {
        tracing::warn!(error = %e, "federation: sharing a change failed; the next round retries");
    }
}

// ---------------------------------------------------------------- checking what arrives

/// Why a request or a message is refused.
struct Refusal {
    status: StatusCode,
    peer: String,
    reason: String,
    cursor: Option<i64>,
    errors: Vec<FieldError>,
    /// Refusals of requests that name a peer on the trust list are audited; anonymous
    /// ones are only logged, so strangers cannot fill the audit trail.
    audited: bool,
}

impl Refusal {
    fn new(status: StatusCode, peer: &str, reason: impl Into<String>) -> Refusal {
        Refusal { status, peer: peer.to_string(), reason: reason.into(), cursor: None, errors: vec![], audited: true }
    }

    fn anonymous(reason: impl Into<String>) -> Refusal {
        Refusal { audited: false, ..Refusal::new(StatusCode::UNAUTHORIZED, "unknown", reason) }
    }
}

/// Audits a refusal and answers it as a problem (with the link's cursor when known).
async fn refuse(state: &AppState, r: Refusal) -> Response {
    let detail = json!({"reason": r.reason, "cursor": r.cursor});
    if r.audited {
        if let Err(e) = record(state, &format!("federation:{}", r.peer), AuditAction::Reject, "federation", &r.peer, detail).await {
            tracing::error!(error = %e, "federation: auditing a refusal failed");
        }
    }
    tracing::warn!(peer = %r.peer, reason = %r.reason, "federation: refused");
    let title = match r.status {
        StatusCode::UNAUTHORIZED => "Authentication required",
        StatusCode::CONFLICT => "Conflict",
        _ => "Invalid input",
    };
    let mut resp = problem(r.status, title, r.reason, r.errors);
    if let Some(c) = r.cursor {
        // The problem document carries the cursor so a sender that lost an
        // acknowledgement continues from it.
        let (parts, body) = resp.into_parts();
        let bytes = axum::body::to_bytes(body, 1 << 16).await.unwrap_or_default();
        let mut doc: Value = serde_json::from_slice(&bytes).unwrap_or_else(|_| json!({}));
        doc["cursor"] = json!(c);
        resp = Response::from_parts(parts, axum::body::Body::from(doc.to_string()));
    }
    resp
}

/// Who a request says it comes from: a direct peer on the trust list, with a fresh time.
async fn claimed_peer(state: &AppState, headers: &HeaderMap) -> Result<(PeerRecord, i64, String), Refusal> {
    let h = |n: &str| headers.get(n).and_then(|v| v.to_str().ok()).map(str::to_string);
    let (Some(peer), Some(at), Some(sig)) = (h(H_PEER), h(H_AT), h(H_SIG)) else {
        return Err(Refusal::anonymous("federation requests are signed: headers Rampart-Peer, Rampart-At and Rampart-Signature are required"));
    };
    let name = InstanceName::parse(&peer).map_err(|_| Refusal::anonymous(format!("Rampart-Peer {peer:?} is not an instance name")))?;
    let record = match state.store.federation_peer(name.as_str()).await {
        Ok(Some(r)) if r.config.link => r,
        Ok(_) => return Err(Refusal::anonymous(format!("{name} is not a peer of this instance"))),
        Err(e) => {
            tracing::error!(error = %e, "federation: reading peers failed");
            return Err(Refusal::anonymous("this instance cannot check peers now"));
        }
    };
    let at: i64 = at.parse().map_err(|_| Refusal::new(StatusCode::UNAUTHORIZED, name.as_str(), "Rampart-At is not a time in milliseconds"))?;
    let now = state.clock.now_ms();
    if (now - at).abs() > state.settings.federation.max_skew_ms {
        return Err(Refusal::new(StatusCode::UNAUTHORIZED, name.as_str(), format!("stale request: signed at {at}, {} ms from this instance's clock", now - at)));
    }
    Ok((record, at, sig))
}

/// Checks the link signature of a request: a known direct peer, a fresh time, a good
/// signature over method, path, peer, time and body.
async fn authenticate(state: &AppState, method: &Method, path: &str, headers: &HeaderMap, body: &[u8]) -> Result<PeerRecord, Refusal> {
    let (record, at, sig) = claimed_peer(state, headers).await?;
    let name = &record.config.name;
    let key = PublicKey::parse(&record.config.public_key)
        .map_err(|_| Refusal::new(StatusCode::UNAUTHORIZED, name.as_str(), format!("the public key on file for {name} is unreadable")))?;
    if !key.verify(&link_signing_bytes(method.as_str(), path, name, at, body), &sig) {
        return Err(Refusal::new(StatusCode::UNAUTHORIZED, name.as_str(), format!("bad signature: the request is not signed by {name}'s key")));
    }
    Ok(record)
}

/// Checks every message of a batch against its origin's key and what the origin hosts.
/// Signatures are checked on all cores (a batch of 500 holds 1,000 of them); the
/// errors come back in entry order.
fn check_entries(entries: &[Entry], own: &InstanceName, peers: &[PeerRecord], local: &BTreeSet<String>) -> Vec<FieldError> {
    // Each origin's key is read once per batch, not once per message.
    let keys: Vec<(&PeerRecord, Option<PublicKey>)> = peers.iter().map(|p| (p, PublicKey::parse(&p.config.public_key).ok())).collect();
    let threads = std::thread::available_parallelism().map_or(1, |n| n.get()).min(8);
    if threads < 2 || entries.len() < 64 {
        return check_range(entries, 0, own, &keys, local);
    }
    let chunk = entries.len().div_ceil(threads);
    std::thread::scope(|scope| {
        let handles: Vec<_> = entries
            .chunks(chunk)
            .enumerate()
            .map(|(n, part)| {
                let keys = &keys;
                scope.spawn(move || check_range(part, n * chunk, own, keys, local))
            })
            .collect();
        handles.into_iter().flat_map(|h| h.join().unwrap_or_else(|_| vec![FieldError::new("entries", "could not be checked")])).collect()
    })
}

fn check_range(entries: &[Entry], offset: usize, own: &InstanceName, keys: &[(&PeerRecord, Option<PublicKey>)], local: &BTreeSet<String>) -> Vec<FieldError> {
    let mut errors = Vec::new();
    let is_local = |o: &str| local.contains(o);
    for (n, e) in entries.iter().enumerate() {
        let i = offset + n;
        let mut check = |s: &Signed, field: String| {
            let m = &s.message;
            if m.v != fed::MESSAGE_VERSION {
                errors.push(FieldError::new(format!("{field}.v"), format!("message version {} is not understood; expected {}", m.v, fed::MESSAGE_VERSION)));
                return;
            }
            if &m.origin == own {
                return;
            }
            let Some((origin, key)) = keys.iter().find(|(p, _)| p.config.name == m.origin) else {
                errors.push(FieldError::new(format!("{field}.origin"), format!("unknown origin instance {}: no key on file", m.origin)));
                return;
            };
            if !key.as_ref().is_some_and(|k| s.verify(k)) {
                errors.push(FieldError::new(format!("{field}.signature"), format!("bad signature: not signed by {}'s key", m.origin)));
                return;
            }
            let o = &m.organisation;
            let org_ok = OrgId::parse(&o.id).is_ok() && OrgKind::parse(&o.kind).is_ok() && o.country.as_deref().is_none_or(|c| CountryCode::parse(c).is_ok());
            if !org_ok {
                errors.push(FieldError::new(format!("{field}.organisation"), format!("{:?} is not a valid organisation", o.id)));
            } else if !origin.config.hosts.hosts(&o.id, &is_local) {
                errors.push(FieldError::new(format!("{field}.organisation"), format!("organisation {} is not hosted by instance {}", o.id, m.origin)));
            }
        };
        check(&e.message, format!("entries[{i}].message"));
        if let Some(r) = &e.retract {
            check(r, format!("entries[{i}].retract"));
            let (m, t) = (&e.message.message, &r.message);
            if t.op != fed::Op::Tombstone || t.item != m.item || t.origin != m.origin {
                errors.push(FieldError::new(format!("entries[{i}].retract"), "is not the tombstone of the same item and version"));
            }
        }
    }
    errors
}

/// Verifies and applies a batch from `peer`.
async fn take_batch(state: &AppState, own: &Identity, peer: &PeerRecord, batch: &Batch) -> Result<i64, Refusal> {
    let name = peer.config.name.as_str();
    let internal = |e: rampart_store::StoreError| {
        tracing::error!(error = %e, "federation: store failed");
        Refusal::new(StatusCode::INTERNAL_SERVER_ERROR, name, "an internal error occurred; it has been logged")
    };
    if batch.from != peer.config.name {
        return Err(Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, name, format!("the batch says it is from {} but {name} signed the request", batch.from)));
    }
    let peers = state.store.federation_peers().await.map_err(internal)?;
    let local = state.store.local_organisations().await.map_err(internal)?;
    let errors = check_entries(&batch.entries, &own.name, &peers, &local);
    if !errors.is_empty() {
        let reason = Invalid(errors.clone()).to_string();
        return Err(Refusal { errors, ..Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, name, reason) });
    }
    let now = state.clock.now_ms();
    let outcome = match state.store.apply_federation_batch(&own.name, &peer.config.name, &batch.entries, now).await {
        Ok(o) => o,
        Err(rampart_store::StoreError::Conflict(m)) => return Err(Refusal::new(StatusCode::CONFLICT, name, m)),
        Err(rampart_store::StoreError::Invalid(i)) => return Err(Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, name, i.to_string())),
        Err(e) => return Err(internal(e)),
    };
    if let Err(e) = state.store.federation_heard(name, None, Some(batch.head), now).await {
        tracing::warn!(error = %e, "federation: recording a heartbeat failed");
    }
    match outcome {
        BatchOutcome::Applied { cursor, applied, .. } => {
            if applied > 0 {
                state.events.nudge();
            }
            Ok(cursor)
        }
        BatchOutcome::Replay { cursor } => Err(Refusal {
            cursor: Some(cursor),
            ..Refusal::new(StatusCode::CONFLICT, name, format!("replay: every message in this batch was applied before (cursor {cursor}); nothing changed"))
        }),
        BatchOutcome::Gap { expected, got } => Err(Refusal {
            cursor: Some(expected - 1),
            ..Refusal::new(StatusCode::CONFLICT, name, format!("out of order: expected {expected}, got {got}; nothing changed"))
        }),
    }
}

/// Verifies and applies a batch from the direct peer it names, as a push does once
/// the request's signature holds (for the ingest benchmark and the offline bundle to
/// come). Returns the link's cursor, or the reason for the refusal (audited).
pub async fn ingest(state: &AppState, batch: &Batch) -> Result<i64, String> {
    let own = identity(state).map_err(|e| e.to_string())?.clone();
    let peer = match state.store.federation_peer(batch.from.as_str()).await {
        Ok(Some(p)) if p.config.link => p,
        Ok(_) => return Err(format!("{} is not a peer of this instance", batch.from)),
        Err(e) => return Err(e.to_string()),
    };
    match take_batch(state, &own, &peer, batch).await {
        Ok(c) => Ok(c),
        Err(r) => {
            let reason = r.reason.clone();
            let _ = refuse(state, r).await;
            Err(reason)
        }
    }
}

/// An offline bundle: our outbox for one peer, signed by us, carried on removable media
/// where there is no network between the two instances.
#[derive(Debug, Serialize, Deserialize)]
pub struct Bundle {
    pub bundle: u32,
    pub to: InstanceName,
    pub at: i64,
    pub batch: Batch,
    /// Our signature over [`bundle_signing_bytes`].
    pub signature: String,
}

fn bundle_signing_bytes(to: &InstanceName, at: i64, batch: &Batch) -> Vec<u8> {
    let body = serde_json::to_value(batch).map(|v| fed::canonical_json(&v)).unwrap_or_default();
    link_signing_bytes("BUNDLE", &format!("/federation/v1/bundle/{to}"), &batch.from, at, body.as_bytes())
}

/// Writes our outbox for `peer` after what it confirmed as a signed bundle. Nothing is
/// marked as delivered: when the link comes back the peer's cursor says where it is
/// (a message sent twice is a replay and changes nothing).
pub async fn export_bundle(state: &AppState, peer: &str) -> ApiResult<Bundle> {
    let own = identity(state)?.clone();
    let p = state.store.federation_peer(peer).await?.filter(|p| p.config.link).ok_or_else(|| ApiError::NotFound(format!("peer {peer}")))?;
    let mut entries = Vec::new();
    let mut after = p.acked_seq;
    loop {
        let page = state.store.outbox_after(peer, after, BATCH).await?;
        let Some(last) = page.last() else { break };
        after = last.seq;
        entries.extend(page);
    }
    let batch = Batch { from: own.name.clone(), head: p.out_seq, entries };
    let at = state.clock.now_ms();
    let signature = own.key.sign(&bundle_signing_bytes(&p.config.name, at, &batch));
    Ok(Bundle { bundle: 1, to: p.config.name, at, batch, signature })
}

/// Applies a bundle from a peer by the same code as a push, once its signature holds.
/// Returns the link's cursor, or the reason for the refusal (audited).
pub async fn import_bundle(state: &AppState, bundle: &Bundle) -> Result<i64, String> {
    let own = identity(state).map_err(|e| e.to_string())?.clone();
    let from = bundle.batch.from.as_str();
    let refused = |reason: String| Refusal::new(StatusCode::UNAUTHORIZED, from, reason);
    let check = async {
        if bundle.to != own.name {
            return Err(refused(format!("the bundle is for {}, not for this instance ({})", bundle.to, own.name)));
        }
        let peer = match state.store.federation_peer(from).await {
            Ok(Some(p)) if p.config.link => p,
            _ => return Err(refused(format!("{from} is not a peer of this instance"))),
        };
        let key = PublicKey::parse(&peer.config.public_key).map_err(|_| refused(format!("the public key on file for {from} is unreadable")))?;
        if !key.verify(&bundle_signing_bytes(&bundle.to, bundle.at, &bundle.batch), &bundle.signature) {
            return Err(refused(format!("bad signature: the bundle is not signed by {from}'s key")));
        }
        Ok(peer)
    };
    let result = match check.await {
        Ok(peer) => take_batch(state, &own, &peer, &bundle.batch).await,
        Err(r) => Err(r),
    };
    match result {
        Ok(c) => Ok(c),
        Err(r) => {
            let reason = r.reason.clone();
            let _ = refuse(state, r).await;
            Err(reason)
        }
    }
}

/// What a push is answered with.
#[derive(Debug, Serialize, Deserialize, ToSchema)]
pub struct PushReply {
    /// The last of the sender's messages applied here.
    pub cursor: i64,
    /// Our newest message for the sender (it pulls, or we push, the rest).
    pub head: i64,
}

/// A peer pushes a batch of its outbox for this instance (signed by the peer; every
/// message signed by its origin). An empty batch is a heartbeat.
#[utoipa::path(post, path = "/federation/v1/messages", tag = "federation", request_body(content = Object, description = "a batch: from, head, entries"),
    responses((status = 200, body = PushReply), (status = 401, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn receive(State(state): State<AppState>, method: Method, OriginalUri(uri): OriginalUri, headers: HeaderMap, request: Request) -> Response {
    let own = match identity(&state) {
        Ok(i) => i.clone(),
        Err(e) => return e.into_response(),
    };
    // Only a request naming a peer, at a fresh time, has its body read at all.
    if let Err(r) = claimed_peer(&state, &headers).await {
        return refuse(&state, r).await;
    }
    let body: Bytes = match axum::body::to_bytes(request.into_body(), MAX_BATCH_BYTES).await {
        Ok(b) => b,
        Err(_) => return ApiError::PayloadTooLarge(format!("a batch is at most {MAX_BATCH_BYTES} bytes")).into_response(),
    };
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let peer = match authenticate(&state, &method, path, &headers, &body).await {
        Ok(p) => p,
        Err(r) => return refuse(&state, r).await,
    };
    let batch: Batch = match serde_json::from_slice(&body) {
        Ok(b) => b,
        Err(e) => return refuse(&state, Refusal::new(StatusCode::UNPROCESSABLE_ENTITY, peer.config.name.as_str(), format!("the batch is not readable: {e}"))).await,
    };
    match take_batch(&state, &own, &peer, &batch).await {
        Ok(cursor) => Json(PushReply { cursor, head: peer.out_seq }).into_response(),
        Err(r) => refuse(&state, r).await,
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PullQuery {
    /// The last of our messages the puller has applied.
    pub after: Option<i64>,
}

/// A peer pulls our outbox for it after `after` (which confirms it applied up to there).
#[utoipa::path(get, path = "/federation/v1/messages", tag = "federation", params(PullQuery),
    responses((status = 200, description = "a batch: from, head, entries"), (status = 401, body = crate::error::Problem)))]
pub async fn serve_pull(State(state): State<AppState>, method: Method, OriginalUri(uri): OriginalUri, headers: HeaderMap, Query(q): Query<PullQuery>) -> Response {
    let own = match identity(&state) {
        Ok(i) => i.clone(),
        Err(e) => return e.into_response(),
    };
    let path = uri.path_and_query().map_or(uri.path(), |p| p.as_str());
    let peer = match authenticate(&state, &method, path, &headers, b"").await {
        Ok(p) => p,
        Err(r) => return refuse(&state, r).await,
    };
    let name = peer.config.name.as_str();
    let after = q.after.unwrap_or(0).clamp(0, peer.out_seq);
    let now = state.clock.now_ms();
    let result = async {
        state.store.federation_heard(name, Some(after), None, now).await?;
        state.store.outbox_after(name, after, BATCH).await
    }
    .await;
    match result {
        Ok(entries) => Json(Batch { from: own.name.clone(), head: peer.out_seq, entries }).into_response(),
        Err(e) => ApiError::from(e).into_response(),
    }
}

// ---------------------------------------------------------------- our side of the links

fn signed_request(client: &reqwest::Client, own: &Identity, method: reqwest::Method, base: &str, path: &str, body: Vec<u8>, now: i64) -> reqwest::RequestBuilder {
    let sig = own.key.sign(&link_signing_bytes(method.as_str(), path, &own.name, now, &body));
    client
        .request(method, format!("{}{path}", base.trim_end_matches('/')))
        .header(H_PEER, own.name.as_str())
        .header(H_AT, now.to_string())
        .header(H_SIG, sig)
        .header("content-type", "application/json")
        .body(body)
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().timeout(std::time::Duration::from_secs(30)).build().unwrap_or_default()
}

/// Sends our outbox for `peer` from its confirmed cursor (an empty batch is the
/// heartbeat). Returns how many messages it confirmed.
async fn push(state: &AppState, own: &Identity, peer: &PeerRecord) -> Result<i64, String> {
    let url = peer.config.url.as_deref().ok_or("no url")?;
    let name = peer.config.name.as_str();
    let entries = state.store.outbox_after(name, peer.acked_seq, BATCH).await.map_err(|e| e.to_string())?;
    let body = serde_json::to_vec(&Batch { from: own.name.clone(), head: peer.out_seq, entries }).map_err(|e| e.to_string())?;
    let now = state.clock.now_ms();
    let resp = signed_request(&client(), own, reqwest::Method::POST, url, "/federation/v1/messages", body, now).send().await.map_err(|e| e.to_string())?;
    let status = resp.status();
    let doc: Value = resp.json().await.unwrap_or(Value::Null);
    let cursor = doc.get("cursor").and_then(Value::as_i64);
    let head = doc.get("head").and_then(Value::as_i64);
    if let Some(c) = cursor {
        // A replay or a gap also names the peer's cursor: continue from there.
        state.store.federation_heard(name, Some(c), head, state.clock.now_ms()).await.map_err(|e| e.to_string())?;
    }
    if status.is_success() {
        Ok(cursor.unwrap_or(peer.acked_seq) - peer.acked_seq)
    } else {
        Err(format!("{name} answered {status}: {}", doc.get("detail").and_then(Value::as_str).unwrap_or("")))
    }
}

/// Fetches the peer's outbox for us after our cursor and applies it. Returns its cursor.
async fn pull(state: &AppState, own: &Identity, peer: &PeerRecord) -> Result<i64, String> {
    let url = peer.config.url.as_deref().ok_or("no url")?;
    let path = format!("/federation/v1/messages?after={}", peer.applied_seq);
    let now = state.clock.now_ms();
    let resp = signed_request(&client(), own, reqwest::Method::GET, url, &path, vec![], now).send().await.map_err(|e| e.to_string())?;
    let status = resp.status();
    if !status.is_success() {
        let doc: Value = resp.json().await.unwrap_or(Value::Null);
        return Err(format!("{} answered {status}: {}", peer.config.name, doc.get("detail").and_then(Value::as_str).unwrap_or("")));
    }
    let batch: Batch = resp.json().await.map_err(|e| format!("{} sent an unreadable batch: {e}", peer.config.name))?;
    match take_batch(state, own, peer, &batch).await {
        Ok(c) => Ok(c),
        Err(r) => {
            let reason = r.reason.clone();
            let _ = refuse(state, r).await;
            Err(reason)
        }
    }
}

/// What one round did.
#[derive(Debug, Default, Serialize, ToSchema)]
pub struct RoundReport {
    pub shared: usize,
    /// Per peer: what happened (`pushed N`, `pulled to N`, or the failure).
    pub links: Vec<(String, String)>,
    /// Peers whose status changed, with the new status.
    pub alarms: Vec<(String, String)>,
}

/// One round: share local changes, push to push-peers, pull from pull-peers, then
/// update every link's status.
pub async fn tick(state: &AppState) -> ApiResult<RoundReport> {
    let Some(own) = state.settings.federation.identity.clone() else { return Ok(RoundReport::default()) };
    let mut report = RoundReport { shared: share_pending(state).await?, ..RoundReport::default() };
    for peer in state.store.federation_peers().await?.into_iter().filter(|p| p.config.link) {
        let name = peer.config.name.to_string();
        if peer.config.push {
            let what = match push(state, &own, &peer).await {
                Ok(n) => format!("pushed {n}"),
                Err(e) => {
                    tracing::warn!(peer = %name, error = %e, "federation: push failed");
                    format!("push failed: {e}")
                }
            };
            report.links.push((name.clone(), what));
        }
        if peer.config.pull {
            let what = match pull(state, &own, &peer).await {
                Ok(c) => format!("pulled to {c}"),
                Err(e) => {
                    tracing::warn!(peer = %name, error = %e, "federation: pull failed");
                    format!("pull failed: {e}")
                }
            };
            report.links.push((name, what));
        }
    }
    report.alarms = check_links(state).await?;
    Ok(report)
}

/// A link's status from what we know of it.
pub fn link_status(peer: &PeerRecord, backlog_oldest: Option<i64>, now: i64, s: &FederationSettings) -> &'static str {
    let heard = peer.last_heard.unwrap_or(peer.added_at);
    if now - heard > 3 * s.interval_ms as i64 {
        "silent"
    } else if backlog_oldest.is_some_and(|t| now - t > s.lag_ms) || peer.their_head > peer.applied_seq && peer.config.pull && now - heard > s.interval_ms as i64 {
        "lagging"
    } else {
        "ok"
    }
}

/// Updates each link's status; entering `silent` or `lagging` is audited and logged.
async fn check_links(state: &AppState) -> ApiResult<Vec<(String, String)>> {
    let now = state.clock.now_ms();
    let mut changed = Vec::new();
    for peer in state.store.federation_peers().await?.into_iter().filter(|p| p.config.link) {
        let name = peer.config.name.as_str();
        let backlog = state.store.outbox_backlog(name).await?;
        let status = link_status(&peer, backlog.oldest_at, now, &state.settings.federation);
        for s in ["ok", "lagging", "silent"] {
            let labels = crate::metrics::PeerStatusLabels { peer: name.to_string(), status: s.to_string() };
            state.metrics.federation_status.get_or_create(&labels).set(i64::from(s == status));
        }
        state.metrics.federation_backlog.get_or_create(&crate::metrics::PeerLabels { peer: name.to_string() }).set(backlog.count);
        if state.store.set_federation_status(name, status, now).await? {
            changed.push((name.to_string(), status.to_string()));
            if status != "ok" {
                tracing::warn!(peer = %name, status, last_heard = ?peer.last_heard, backlog = backlog.count, "federation: a peer is {status}");
                record(state, "federation", AuditAction::Reject, "federation", name,
                    json!({"alarm": status, "last_heard": peer.last_heard, "backlog": backlog.count})).await?;
            } else {
                tracing::info!(peer = %name, "federation: a peer is back to ok");
            }
        }
    }
    Ok(changed)
}

/// Runs a round every `interval_ms` until the server stops.
pub async fn run_forever(state: AppState) {
    let every = std::time::Duration::from_millis(state.settings.federation.interval_ms.max(100));
    let mut interval = tokio::time::interval(every);
    loop {
        interval.tick().await;
        if let Err(e) = tick(&state).await {
            tracing::warn!(error = %e, "federation: a round failed");
        }
    }
}

// ---------------------------------------------------------------- administration

/// This instance's federation identity.
#[derive(Debug, Serialize, ToSchema)]
pub struct FederationOut {
    pub name: String,
    /// Base64 of the Ed25519 public key peers add to their trust list.
    pub public_key: String,
}

/// One peer with its link's state.
#[derive(Debug, Serialize, ToSchema)]
pub struct PeerOut {
    pub name: String,
    pub url: Option<String>,
    pub public_key: String,
    pub hosts: Vec<String>,
    pub link: bool,
    pub push: bool,
    pub pull: bool,
    /// `ok`, `lagging` or `silent`.
    pub status: String,
    pub status_since: Option<String>,
    pub last_heard: Option<String>,
    /// Their last message applied here.
    pub applied: i64,
    /// Their newest message for us, as they last said.
    pub their_head: i64,
    /// Our last message queued for them.
    pub queued: i64,
    /// Our last message they confirmed.
    pub confirmed: i64,
    /// Our messages not yet confirmed, and since when the oldest waits.
    pub backlog: i64,
    pub backlog_since: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PeerList {
    pub items: Vec<PeerOut>,
}

async fn peer_out(state: &AppState, p: PeerRecord) -> ApiResult<PeerOut> {
    let backlog = state.store.outbox_backlog(p.config.name.as_str()).await?;
    Ok(PeerOut {
        name: p.config.name.to_string(),
        url: p.config.url,
        public_key: p.config.public_key,
        hosts: p.config.hosts.to_list(),
        link: p.config.link,
        push: p.config.push,
        pull: p.config.pull,
        status: p.status,
        status_since: p.status_since.map(crate::rfc3339),
        last_heard: p.last_heard.map(crate::rfc3339),
        applied: p.applied_seq,
        their_head: p.their_head,
        queued: p.out_seq,
        confirmed: p.acked_seq,
        backlog: backlog.count,
        backlog_since: backlog.oldest_at.map(crate::rfc3339),
    })
}

/// This instance's name and public key (administrators).
#[utoipa::path(get, path = "/api/v1/federation", tag = "federation",
    responses((status = 200, body = FederationOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn get_identity(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<FederationOut>> {
    auth.require_admin()?;
    let id = identity(&state)?;
    Ok(Json(FederationOut { name: id.name.to_string(), public_key: id.key.public().to_string() }))
}

/// The peers and trusted origins with their links' state (administrators).
#[utoipa::path(get, path = "/api/v1/federation/peers", tag = "federation",
    responses((status = 200, body = PeerList), (status = 403, body = crate::error::Problem)))]
pub async fn list_peers(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<PeerList>> {
    auth.require_admin()?;
    let mut items = Vec::new();
    for p in state.store.federation_peers().await? {
        items.push(peer_out(&state, p).await?);
    }
    Ok(Json(PeerList { items }))
}

/// Reads a peer's configuration, naming every field at fault.
pub fn peer_config(name: &str, body: &Map<String, Value>) -> Result<PeerConfig, Invalid> {
    let mut errors = Vec::new();
    let name = InstanceName::parse(name).map_err(|e| errors.extend(e.within("name").0)).ok();
    let url = match body.get("url") {
        None | Some(Value::Null) => None,
        Some(Value::String(u)) if u.starts_with("http://") || u.starts_with("https://") => Some(u.trim_end_matches('/').to_string()),
        Some(other) => {
            errors.push(FieldError::new("url", format!("expected an http:// or https:// address, found {other}")));
            None
        }
    };
    let public_key = match body.get("public_key").and_then(Value::as_str) {
        Some(k) => PublicKey::parse(k).map_err(|e| errors.push(FieldError::new("public_key", e.0[0].message.clone()))).ok().map(|k| k.to_string()),
        None => {
            errors.push(FieldError::new("public_key", "is required (base64 of the peer's Ed25519 public key)"));
            None
        }
    };
    let hosts = match body.get("hosts").and_then(Value::as_array) {
        Some(list) => {
            let list: Vec<String> = list.iter().map(|v| v.as_str().unwrap_or("").to_string()).collect();
            Hosts::parse(&list).map_err(|e| errors.extend(e.0)).ok()
        }
        None => {
            errors.push(FieldError::new("hosts", "is required: the organisation ids the peer hosts, or [\"*\"] for every organisation not hosted here"));
            None
        }
    };
    let flag = |k: &str, default: bool, errors: &mut Vec<FieldError>| match body.get(k) {
        None => default,
        Some(Value::Bool(b)) => *b,
        Some(other) => {
            errors.push(FieldError::new(k, format!("expected true or false, found {other}")));
            default
        }
    };
    let link = flag("link", true, &mut errors);
    let push = flag("push", false, &mut errors);
    let pull = flag("pull", false, &mut errors);
    if (push || pull) && url.is_none() && !errors.iter().any(|e| e.field == "url") {
        errors.push(FieldError::new("url", "is required to push to or pull from a peer"));
    }
    if (push || pull) && !link {
        errors.push(FieldError::new("link", "a peer we push to or pull from is a link"));
    }
    match (name, public_key, hosts) {
        (Some(name), Some(public_key), Some(hosts)) if errors.is_empty() => Ok(PeerConfig { name, url, public_key, hosts, link, push, pull }),
        _ => Err(Invalid(errors)),
    }
}

/// Adds a peer or trusted origin, or changes one (administrators).
#[utoipa::path(put, path = "/api/v1/federation/peers/{name}", tag = "federation", params(("name" = String, Path)),
    request_body(content = Object, description = "url, public_key, hosts, link, push, pull"),
    responses((status = 200, body = PeerOut), (status = 201, body = PeerOut), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn put_peer(State(state): State<AppState>, auth: Auth, Path(name): Path<String>, JsonBody(body): JsonBody<Map<String, Value>>) -> ApiResult<(StatusCode, Json<PeerOut>)> {
    auth.require_admin()?;
    let config = peer_config(&name, &body)?;
    if state.settings.federation.identity.as_ref().is_some_and(|i| i.name == config.name) {
        return Err(ApiError::Invalid(Invalid::one("name", format!("{name} is this instance's own name"))));
    }
    let created = state.store.put_federation_peer(&config, state.clock.now_ms()).await?;
    let detail = json!({"url": config.url, "hosts": config.hosts.to_list(), "link": config.link, "push": config.push, "pull": config.pull, "public_key": config.public_key});
    let action = if created { AuditAction::Create } else { AuditAction::Change };
    record(&state, auth.0.username.as_str(), action, "federation_peer", &name, detail).await?;
    let p = state.store.federation_peer(&name).await?.ok_or_else(|| ApiError::NotFound(format!("peer {name}")))?;
    Ok((if created { StatusCode::CREATED } else { StatusCode::OK }, Json(peer_out(&state, p).await?)))
}

/// Removes a peer and what is queued for it (administrators).
#[utoipa::path(delete, path = "/api/v1/federation/peers/{name}", tag = "federation", params(("name" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn delete_peer(State(state): State<AppState>, auth: Auth, Path(name): Path<String>) -> ApiResult<StatusCode> {
    auth.require_admin()?;
    if !state.store.delete_federation_peer(&name).await? {
        return Err(ApiError::NotFound(format!("peer {name}")));
    }
    record(&state, auth.0.username.as_str(), AuditAction::Delete, "federation_peer", &name, json!({})).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Runs one round now: share, push, pull, status (administrators).
#[utoipa::path(post, path = "/api/v1/federation/sync", tag = "federation",
    responses((status = 200, body = RoundReport), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn sync(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<RoundReport>> {
    auth.require_admin()?;
    identity(&state)?;
    Ok(Json(tick(&state).await?))
}
