//! STIX 2.1 for cyber tools, and a read-only TAXII 2.1 server: the warning network's
//! published alerts (as STIX `report`s) and notified incident notifications (as STIX
//! `incident`s), each marked with its TLP 2.0 label as the marking-definition objects
//! of the OASIS TLP 2.0 extension, which every answer carries. Collections: one of
//! everything the reader may read, and one per community the reader's organisation
//! belongs to (the alerts shared with that community). What a reader gets is decided
//! by the same rules as the rest of the API (`rampart_core::tlp`): nothing else is
//! listed, counted or named; a collection of another community is "not found".
//!
//! Ids are UUIDv5 of Rampart's own ids in a Rampart namespace, so an object keeps its
//! STIX id across exports.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rampart_core::tlp::Tlp;
use rampart_core::{AlertState, OrgId, Principal, Role};
use rampart_store::{IncidentRecord, StoredAlert};
use serde::Deserialize;
use serde_json::{json, Value};
use uuid::Uuid;

/// TAXII 2.1's media type.
pub const TAXII_MEDIA: &str = "application/taxii+json;version=2.1";
/// STIX 2.1's media type (bundles).
pub const STIX_MEDIA: &str = "application/stix+json;version=2.1";
/// The namespace of Rampart's STIX ids (UUIDv5).
const NAMESPACE: Uuid = Uuid::from_u128(0x6c1b_9a52_3f0e_4c7e_9d2a_5b8e_0f41_72a3);
/// The TLP 2.0 extension definition (OASIS CTI common objects).
const TLP2_EXTENSION: &str = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d";

/// The published marking-definition id of a TLP 2.0 label and its name in the extension.
fn marking(t: Tlp) -> (&'static str, &'static str) {
    match t {
        Tlp::Clear => ("marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487", "clear"),
        Tlp::Green => ("marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb", "green"),
        Tlp::Amber => ("marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421", "amber"),
        Tlp::AmberStrict => ("marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003", "amber+strict"),
        Tlp::Red => ("marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1", "red"),
    }
}

/// The five TLP 2.0 marking definitions, as the extension publishes them.
pub fn marking_definitions() -> Vec<Value> {
    Tlp::ALL
        .iter()
        .map(|t| {
            let (id, level) = marking(*t);
            json!({
                "type": "marking-definition", "spec_version": "2.1", "id": id, "created": "2022-10-01T00:00:00.000Z",
                "name": t.as_str(), "extensions": {TLP2_EXTENSION: {"extension_type": "property-extension", "tlp_2_0": level}},
            })
        })
        .collect()
}

fn stix_id(kind: &str, key: &str) -> String {
    format!("{kind}--{}", Uuid::new_v5(&NAMESPACE, format!("{kind}:{key}").as_bytes()))
}

/// STIX timestamps: UTC with milliseconds.
fn ts(ms: i64) -> String {
    crate::rfc3339(ms)
}

fn identity(org: &OrgId) -> Value {
    json!({"type": "identity", "spec_version": "2.1", "id": stix_id("identity", org.as_str()), "created": ts(0), "modified": ts(0),
           "name": org.as_str(), "identity_class": "organization"})
}

/// A published alert as a STIX report (its CAP headline, event and description).
fn alert_object(a: &StoredAlert) -> Value {
    let cap = rampart_formats::cap::read(&a.doc.cap_xml, None).ok();
    let info = cap.as_ref().and_then(|c| c.infos.first());
    let description = info.map(|i| [Some(i.event.clone()), i.description.clone()].into_iter().flatten().collect::<Vec<_>>().join(": "));
    let by = stix_id("identity", a.organisation.as_str());
    json!({
        "type": "report", "spec_version": "2.1", "id": stix_id("report", &a.id),
        "created": ts(a.created_at), "modified": ts(a.updated_at), "published": ts(a.published_at.unwrap_or(a.updated_at)),
        "name": a.doc.headline, "description": description, "report_types": ["threat-report"],
        "labels": ["cap-alert", a.doc.msg_type.to_ascii_lowercase()],
        "created_by_ref": by, "object_refs": [by], "object_marking_refs": [marking(a.tlp).0],
        "external_references": [{"source_name": "rampart", "external_id": a.id, "description": format!("CAP {} {}", a.doc.sender, a.doc.identifier)}],
    })
}

/// A notified incident notification as a STIX incident.
fn incident_object(i: &IncidentRecord) -> Value {
    let s = &i.report.significance;
    json!({
        "type": "incident", "spec_version": "2.1", "id": stix_id("incident", &i.id),
        "created": ts(i.initial_at.unwrap_or(i.created_at)), "modified": ts(i.closed_at.or(i.detailed_at).or(i.initial_at).unwrap_or(i.created_at)),
        "name": i.report.title,
        "description": format!("{} — {} users affected in {}; member states {}", i.report.description, s.users_affected, s.area,
            s.member_states.iter().map(ToString::to_string).collect::<Vec<_>>().join(", ")),
        "labels": ["cer-article-15"],
        "created_by_ref": stix_id("identity", i.entity_id.as_str()), "object_marking_refs": [marking(i.report.tlp).0],
        "external_references": [{"source_name": "rampart", "external_id": i.id}],
    })
}

/// A collection: everything the reader may read, or one community's.
#[derive(Clone, PartialEq)]
enum Collection {
    All,
    Community(rampart_core::CommunityId),
}

impl Collection {
    fn id(&self) -> String {
        match self {
            Collection::All => Uuid::new_v5(&NAMESPACE, b"collection:all").to_string(),
            Collection::Community(c) => Uuid::new_v5(&NAMESPACE, format!("collection:community:{c}").as_bytes()).to_string(),
        }
    }
}

/// The reader's collections with their titles.
async fn collections(state: &AppState, p: &Principal) -> ApiResult<Vec<(Collection, String, String)>> {
    let mut out = vec![(Collection::All, "Everything you may read".to_string(), "Published alerts and notified incidents your labels allow".to_string())];
    let member = (p.role != Role::Admin).then_some(&p.organisation);
    for c in state.store.list_communities(member).await? {
        out.push((Collection::Community(c.id.clone()), c.name.clone(), format!("Alerts shared with the community {}", c.id)));
    }
    Ok(out)
}

/// The STIX objects of a collection the reader may read, oldest first, with the time each was added.
async fn objects(state: &AppState, p: &Principal, of: &Collection) -> ApiResult<Vec<(i64, Value)>> {
    let mut out = Vec::new();
    let community = match of {
        Collection::All => None,
        Collection::Community(c) => Some(c.clone()),
    };
    let q = rampart_store::AlertListQuery { state: Some(AlertState::Published), community, ..Default::default() };
    for a in crate::alerts::all_readable(state, p, q).await? {
        let in_collection = match of {
            Collection::All => true,
            Collection::Community(c) => a.community.as_ref() == Some(c),
        };
        if a.state == AlertState::Published && in_collection && a.access().may_read(p) {
            out.push((a.published_at.unwrap_or(a.updated_at), alert_object(&a)));
        }
    }
    if *of == Collection::All {
        for i in crate::incidents::visible(&state.store, p).await? {
            if let Some(at) = i.initial_at {
                out.push((at, incident_object(&i)));
            }
        }
    }
    out.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1["id"].as_str().cmp(&b.1["id"].as_str())));
    Ok(out)
}

/// Everything the reader may read as one STIX 2.1 bundle, with the identities of the
/// originators and the TLP marking definitions.
pub async fn bundle(state: &AppState, p: &Principal) -> ApiResult<Value> {
    let items = objects(state, p, &Collection::All).await?;
    let mut objects = marking_definitions();
    let mut by: Vec<String> = items.iter().filter_map(|(_, o)| o["created_by_ref"].as_str().map(str::to_string)).collect();
    by.sort();
    by.dedup();
    let mut orgs: Vec<OrgId> = state.store.list_organisations().await?.into_iter().map(|o| o.id).collect();
    orgs.retain(|o| by.contains(&stix_id("identity", o.as_str())));
    objects.extend(orgs.iter().map(identity));
    objects.extend(items.into_iter().map(|(_, o)| o));
    Ok(json!({"type": "bundle", "id": format!("bundle--{}", Uuid::new_v5(&NAMESPACE, format!("bundle:{}:{}", p.username, state.clock.now_ms()).as_bytes())), "objects": objects}))
}

fn taxii(status: StatusCode, body: Value) -> Response {
    (status, [(header::CONTENT_TYPE, HeaderValue::from_static(TAXII_MEDIA))], body.to_string()).into_response()
}

/// TAXII clients ask for its media type; anything else they accept must include it.
fn check_accept(headers: &HeaderMap) -> ApiResult<()> {
    let accept = headers.get(header::ACCEPT).and_then(|v| v.to_str().ok()).unwrap_or("*/*");
    let ok = accept.split(',').map(|s| s.split(';').next().unwrap_or("").trim()).any(|m| matches!(m, "application/taxii+json" | "application/*" | "*/*"));
    if ok {
        Ok(())
    } else {
        Err(ApiError::NotAcceptable(format!("TAXII answers {TAXII_MEDIA}")))
    }
}

/// TAXII discovery.
pub async fn discovery(State(_s): State<AppState>, _auth: Auth, headers: HeaderMap) -> ApiResult<Response> {
    check_accept(&headers)?;
    Ok(taxii(StatusCode::OK, json!({
        "title": "Rampart warning network", "description": "Published alerts and incident notifications, under TLP 2.0",
        "default": "/taxii2/api/", "api_roots": ["/taxii2/api/"],
    })))
}

/// The API root.
pub async fn api_root(_auth: Auth, headers: HeaderMap) -> ApiResult<Response> {
    check_accept(&headers)?;
    Ok(taxii(StatusCode::OK, json!({"title": "Rampart", "versions": [TAXII_MEDIA], "max_content_length": 10_485_760})))
}

fn collection_json(c: &Collection, title: &str, description: &str) -> Value {
    json!({"id": c.id(), "title": title, "description": description, "can_read": true, "can_write": false, "media_types": [STIX_MEDIA]})
}

/// The reader's collections.
pub async fn list_collections(State(state): State<AppState>, Auth(p): Auth, headers: HeaderMap) -> ApiResult<Response> {
    check_accept(&headers)?;
    let list: Vec<Value> = collections(&state, &p).await?.iter().map(|(c, t, d)| collection_json(c, t, d)).collect();
    Ok(taxii(StatusCode::OK, json!({"collections": list})))
}

async fn find(state: &AppState, p: &Principal, id: &str) -> ApiResult<(Collection, String, String)> {
    collections(state, p).await?.into_iter().find(|(c, _, _)| c.id() == id).ok_or_else(|| ApiError::NotFound(format!("collection {id}")))
}

pub async fn get_collection(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, headers: HeaderMap) -> ApiResult<Response> {
    check_accept(&headers)?;
    let (c, t, d) = find(&state, &p, &id).await?;
    Ok(taxii(StatusCode::OK, collection_json(&c, &t, &d)))
}

#[derive(Deserialize)]
pub struct ObjectsQuery {
    /// At most this many objects (default 100, at most 1000).
    pub limit: Option<usize>,
    /// Where the previous page ended (its `next`).
    pub next: Option<String>,
    /// Only objects added after this time (RFC 3339).
    pub added_after: Option<String>,
}

/// A page of a collection's objects in a TAXII envelope `{more, next, objects}`; the
/// marking definitions come with the first page.
pub async fn get_objects(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, Query(q): Query<ObjectsQuery>, headers: HeaderMap) -> ApiResult<Response> {
    check_accept(&headers)?;
    let (c, _, _) = find(&state, &p, &id).await?;
    let after = match q.added_after.as_deref() {
        None => None,
        Some(s) => Some(
            humantime::parse_rfc3339_weak(s)
                .map_err(|_| ApiError::BadRequest(format!("added_after: expected a time such as 2026-11-22T10:00:00Z, found {s:?}")))?
                .duration_since(std::time::UNIX_EPOCH)
                .map_err(|_| ApiError::BadRequest("added_after: before 1970".into()))?
                .as_millis() as i64,
        ),
    };
    let start: usize = match q.next.as_deref() {
        None => 0,
        Some(n) => n.parse().map_err(|_| ApiError::BadRequest(format!("next: not a page this server gave, found {n:?}")))?,
    };
    let limit = q.limit.unwrap_or(100).clamp(1, 1000);
    let items: Vec<(i64, Value)> = objects(&state, &p, &c).await?.into_iter().filter(|(at, _)| after.is_none_or(|a| *at > a)).collect();
    let page: Vec<&(i64, Value)> = items.iter().skip(start).take(limit).collect();
    let more = start + page.len() < items.len();
    let mut list: Vec<Value> = if start == 0 { marking_definitions() } else { Vec::new() };
    list.extend(page.iter().map(|(_, o)| o.clone()));
    let mut body = json!({"more": more, "objects": list});
    if more {
        body["next"] = json!((start + page.len()).to_string());
    }
    let mut r = taxii(StatusCode::OK, body);
    if let (Some(first), Some(last)) = (page.first(), page.last()) {
        for (name, at) in [("x-taxii-date-added-first", first.0), ("x-taxii-date-added-last", last.0)] {
            if let Ok(v) = HeaderValue::from_str(&ts(at)) {
                r.headers_mut().insert(name, v);
            }
        }
    }
    Ok(r)
}

/// `GET /api/v1/stix/bundle`: everything the caller may read as one STIX 2.1 bundle.
#[utoipa::path(get, path = "/api/v1/stix/bundle", tag = "sharing", responses((status = 200, description = "A STIX 2.1 bundle")))]
pub async fn export(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Response> {
    let b = bundle(&state, &p).await?;
    Ok(([(header::CONTENT_TYPE, HeaderValue::from_static(STIX_MEDIA))], b.to_string()).into_response())
}
