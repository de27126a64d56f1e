//! The library of good practice, lessons learnt and guidance over HTTP, and the
//! operations the command line shares with it: publishing, reading, editing and
//! relabelling documents, attachments, full-text search and community events.
//!
//! Who: any signed-in user of an organisation but a viewer publishes; the originating
//! organisation's people (not viewers) edit, attach and delete; administrators read all
//! and may change anything, but only the originator relaxes a label
//! (`tlp::check_relabel`). A document a reader may not read (`library::may_read`) is
//! "not found" everywhere: lookups, lists, search hits, counts, attachments.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::library_index::{LibraryIndex, SearchRequest};
use crate::{rfc3339, AppState};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rampart_core::fields::Object;
use rampart_core::library::{self as lib, DocKind, DocumentContent, EventContent, LibraryDocument, Reader};
use rampart_core::tlp;
use rampart_core::{Invalid, Principal, Role};
use rampart_store::{AttachmentMeta, EventRecord, Store};
use serde::Deserialize;
use serde_json::{json, Value};
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use tokio::sync::{Mutex, MutexGuard, OnceCell};
use utoipa::IntoParams;

/// Deepest page offset a search accepts (larger ones are read as this).
pub const MAX_OFFSET: usize = 10_000;

/// Largest attachment, in bytes.
pub const MAX_ATTACHMENT: usize = 10 * 1024 * 1024;

/// Content types an attachment may have, and how its bytes are recognised.
pub const ATTACHMENT_TYPES: [&str; 6] = ["application/pdf", "image/png", "image/jpeg", "text/plain", "text/markdown", "text/csv"];

/// This process's search index, built on first use and brought up to date from the
/// store's change sequence before each search and after each write.
#[derive(Default)]
pub struct Library {
    index: OnceCell<Mutex<LibraryIndex>>,
}

impl Library {
    /// The index, up to date with the store.
    pub async fn index(&self, store: &Store) -> ApiResult<MutexGuard<'_, LibraryIndex>> {
        let cell = self
            .index
            .get_or_try_init(|| async { LibraryIndex::build(store).await.map(Mutex::new) })
            .await
            .map_err(|e| ApiError::Internal(e.to_string()))?;
        let mut ix = cell.lock().await;
        ix.catch_up(store).await.map_err(|e| ApiError::Internal(e.to_string()))?;
        Ok(ix)
    }

    /// Brings the index up to date (after a write).
    pub async fn refresh(&self, store: &Store) -> ApiResult<()> {
        self.index(store).await.map(drop)
    }
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("document {id}"))
}

/// What the server knows of the principal that bears on TLP.
pub async fn reader(store: &Store, p: &Principal) -> ApiResult<Reader> {
    let communities = store.list_communities(Some(&p.organisation)).await?.into_iter().map(|c| c.id).collect();
    let supervisor = store.sharing_profile(&p.organisation).await?.supervisor;
    Ok(Reader { username: p.username.clone(), organisation: p.organisation.clone(), communities, supervisor, admin: p.role == Role::Admin })
}

/// A copy received from another Rampart instance is changed at its origin only.
async fn read_only_copy(store: &Store, id: &str) -> ApiResult<()> {
    match store.library_document_origin(id).await? {
        None => Ok(()),
        Some(origin) => Err(ApiError::Conflict(format!("document {id} comes from the Rampart instance {origin}; it can be changed there only"))),
    }
}

fn may_edit(p: &Principal, d: &LibraryDocument) -> bool {
    p.role == Role::Admin || (p.role != Role::Viewer && p.organisation == d.organisation)
}

/// Checks what a document refers to: its community is one of the publisher's, its
/// recipients exist. Every fault is named.
async fn check_references(store: &Store, r: &Reader, c: &DocumentContent) -> ApiResult<()> {
    let mut errors = Vec::new();
    if let Some(community) = &c.community {
        let known = if r.admin { store.get_community(community).await?.is_some() } else { r.communities.contains(community) };
        if !known {
            errors.push(rampart_core::FieldError::new("community", format!("no community {community} among your organisation's communities")));
        }
    }
    for (i, u) in c.recipients.iter().enumerate() {
        if store.get_user(u.as_str()).await?.is_none() {
            errors.push(rampart_core::FieldError::new(format!("recipients[{i}]"), format!("no user {u}")));
        }
    }
    for (i, o) in c.recipient_orgs.iter().enumerate() {
        if store.get_organisation(o).await?.is_none() {
            errors.push(rampart_core::FieldError::new(format!("recipient_orgs[{i}]"), format!("no organisation {o}")));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::Invalid(Invalid(errors)))
    }
}

/// Publishes a document of the principal's organisation; returns its id.
pub async fn publish(store: &Store, library: &Library, p: &Principal, content: DocumentContent, now: i64) -> ApiResult<String> {
    if p.role == Role::Viewer {
        return Err(ApiError::Forbidden("viewers cannot publish to the library".into()));
    }
    let r = reader(store, p).await?;
    check_references(store, &r, &content).await?;
    let id = format!("doc-{}", hex::encode(rand::random::<[u8; 8]>()));
    let doc = LibraryDocument {
        id: id.clone(),
        organisation: p.organisation.clone(),
        author: p.username.clone(),
        content,
        version: 1,
        created_at_ms: now,
        updated_at_ms: now,
    };
    store.insert_library_documents(&[doc]).await?;
    library.refresh(store).await?;
    Ok(id)
}

/// One document the principal may read.
pub async fn read(store: &Store, p: &Principal, id: &str) -> ApiResult<(LibraryDocument, Reader)> {
    let r = reader(store, p).await?;
    match store.get_library_document(id).await? {
        Some(d) if lib::may_read(&d, &r) => Ok((d, r)),
        _ => Err(not_found(id)),
    }
}

/// Replaces a document's content (the label only as `check_relabel` allows).
pub async fn edit(store: &Store, library: &Library, p: &Principal, id: &str, content: DocumentContent, version: i64, now: i64) -> ApiResult<()> {
    let (d, r) = read(store, p, id).await?;
    read_only_copy(store, id).await?;
    if !may_edit(p, &d) {
        return Err(ApiError::Forbidden("only the originating organisation's people edit a document".into()));
    }
    tlp::check_relabel(d.content.tlp, content.tlp, lib::relations(&d.organisation, &d.content, &r), true)
        .map_err(|e| ApiError::Invalid(Invalid::one("tlp", e.to_string())))?;
    check_references(store, &r, &content).await?;
    store.update_library_document(id, &content, version, now).await?;
    library.refresh(store).await?;
    Ok(())
}

pub async fn remove(store: &Store, library: &Library, p: &Principal, id: &str, now: i64) -> ApiResult<()> {
    let (d, _) = read(store, p, id).await?;
    read_only_copy(store, id).await?;
    if !may_edit(p, &d) {
        return Err(ApiError::Forbidden("only the originating organisation's people delete a document".into()));
    }
    store.delete_library_document(id, now).await?;
    library.refresh(store).await?;
    Ok(())
}

/// Searches the documents the principal may read: the page, the total and the count per kind.
pub async fn search(store: &Store, library: &Library, p: &Principal, req: &SearchRequest) -> ApiResult<Value> {
    let r = reader(store, p).await?;
    let keys = r.keys();
    let found = {
        let ix = library.index(store).await?;
        ix.search(req, if r.admin { None } else { Some(&keys) }).map_err(|e| ApiError::Internal(e.to_string()))?
    };
    let ids: Vec<String> = found.hits.iter().map(|h| h.id.clone()).collect();
    let docs: HashMap<String, LibraryDocument> = store.library_documents_by_id(&ids).await?.into_iter().map(|d| (d.id.clone(), d)).collect();
    let mut items = Vec::new();
    for h in &found.hits {
        // Defence in depth: the index filtered by reader keys; the stored document decides.
        match docs.get(&h.id) {
            Some(d) if lib::may_read(d, &r) => {
                let mut v = summary_json(d);
                if let Some(o) = v.as_object_mut() {
                    o.insert("snippet".into(), json!(h.snippet));
                }
                items.push(v);
            }
            Some(_) => tracing::error!(document = %h.id, "library index offered a document the reader may not read; dropped"),
            None => {}
        }
    }
    let kinds: serde_json::Map<String, Value> = found.kinds.iter().map(|(k, n)| (k.key().to_string(), json!(n))).collect();
    Ok(json!({"total": found.total, "kinds": kinds, "items": items, "limit": req.limit.clamp(1, 100), "offset": req.offset}))
}

fn summary_json(d: &LibraryDocument) -> Value {
    let c = &d.content;
    json!({
        "id": d.id, "kind": c.kind, "title": c.title, "summary": c.summary, "tags": c.tags, "language": c.language,
        "sectors": c.sectors, "tlp": c.tlp, "community": c.community, "organisation": d.organisation, "author": d.author,
        "version": d.version, "created_at": rfc3339(d.created_at_ms), "updated_at": rfc3339(d.updated_at_ms),
    })
}

fn attachment_json(a: &AttachmentMeta) -> Value {
    json!({"id": a.id, "name": a.name, "content_type": a.content_type, "size": a.size, "sha256": a.sha256, "author": a.author,
           "created_at": rfc3339(a.created_at), "href": format!("/api/v1/library/documents/{}/attachments/{}", a.document_id, a.id)})
}

/// The whole document as the API and the command line show it.
pub fn document_json(d: &LibraryDocument, attachments: &[AttachmentMeta], editable: bool) -> Value {
    let mut v = summary_json(d);
    if let Some(o) = v.as_object_mut() {
        o.insert("body".into(), json!(d.content.body));
        o.insert("recipients".into(), json!(d.content.recipients));
        o.insert("recipient_orgs".into(), json!(d.content.recipient_orgs));
        o.insert("attachments".into(), attachments.iter().map(attachment_json).collect());
        o.insert("may_edit".into(), json!(editable));
    }
    v
}

/// The document with its attachments, as the principal sees it.
pub async fn show(store: &Store, p: &Principal, id: &str) -> ApiResult<Value> {
    let (d, _) = read(store, p, id).await?;
    let a = store.library_attachments(id).await?;
    // A copy received from another instance is edited at its origin only.
    let origin = store.library_document_origin(id).await?;
    let mut v = document_json(&d, &a, origin.is_none() && may_edit(p, &d));
    if let Some(o) = v.as_object_mut() {
        o.insert("origin_instance".into(), json!(origin));
    }
    Ok(v)
}

/// What the bytes are, if they are one of [`ATTACHMENT_TYPES`].
pub fn sniff(data: &[u8]) -> Option<&'static str> {
    if data.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if data.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if data.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if std::str::from_utf8(data).is_ok() && !data.contains(&0) {
        Some("text/plain")
    } else {
        None
    }
}

/// Checks an attachment's name, declared type and bytes; returns the type to store.
pub fn check_attachment(name: &str, declared: &str, data: &[u8]) -> ApiResult<String> {
    let declared = declared.split(';').next().unwrap_or("").trim().to_ascii_lowercase();
    if !ATTACHMENT_TYPES.contains(&declared.as_str()) {
        return Err(ApiError::UnsupportedMediaType(format!("attachments may be {}; found {declared:?}", ATTACHMENT_TYPES.join(", "))));
    }
    let mut errors = Vec::new();
    let n = name.trim();
    if n.is_empty() || n.chars().count() > 200 || n.chars().any(|c| c.is_control() || matches!(c, '/' | '\\' | '"')) {
        errors.push(rampart_core::FieldError::new("name", "expected a file name of 1 to 200 characters without / \\ \" or control characters"));
    }
    if data.is_empty() {
        errors.push(rampart_core::FieldError::new("body", "the attachment is empty"));
    } else if data.len() > MAX_ATTACHMENT {
        return Err(ApiError::PayloadTooLarge(format!("an attachment may be at most {MAX_ATTACHMENT} bytes")));
    } else {
        let sniffed = sniff(data);
        let text = declared.starts_with("text/");
        let ok = match sniffed {
            Some("text/plain") => text,
            Some(s) => s == declared,
            None => false,
        };
        if !ok {
            errors.push(rampart_core::FieldError::new(
                "body",
                format!("the content is not {declared}{}", sniffed.map(|s| format!(" (it looks like {s})")).unwrap_or_default()),
            ));
        }
    }
    if errors.is_empty() {
        Ok(declared)
    } else {
        Err(ApiError::Invalid(Invalid(errors)))
    }
}

/// Attaches a file to a document the principal may edit.
pub async fn attach(store: &Store, p: &Principal, id: &str, name: &str, content_type: &str, data: &[u8], now: i64) -> ApiResult<AttachmentMeta> {
    let (d, _) = read(store, p, id).await?;
    read_only_copy(store, id).await?;
    if !may_edit(p, &d) {
        return Err(ApiError::Forbidden("only the originating organisation's people attach files".into()));
    }
    let content_type = check_attachment(name, content_type, data)?;
    let meta = AttachmentMeta {
        id: format!("att-{}", hex::encode(rand::random::<[u8; 8]>())),
        document_id: id.to_string(),
        name: name.trim().to_string(),
        content_type,
        size: data.len() as i64,
        sha256: hex::encode(Sha256::digest(data)),
        author: p.username.to_string(),
        created_at: now,
    };
    store.add_library_attachment(&meta, data).await?;
    Ok(meta)
}

/// An attachment of a document the principal may read.
pub async fn download(store: &Store, p: &Principal, id: &str, attachment: &str) -> ApiResult<(AttachmentMeta, Vec<u8>)> {
    read(store, p, id).await?;
    store.library_attachment(id, attachment).await?.ok_or_else(|| ApiError::NotFound(format!("attachment {attachment}")))
}

/// Announces a community event to one of the principal's communities.
pub async fn add_event(store: &Store, p: &Principal, content: EventContent, now: i64) -> ApiResult<EventRecord> {
    if p.role == Role::Viewer {
        return Err(ApiError::Forbidden("viewers cannot announce events".into()));
    }
    let r = reader(store, p).await?;
    let known = if r.admin { store.get_community(&content.community).await?.is_some() } else { r.communities.contains(&content.community) };
    if !known {
        return Err(ApiError::Invalid(Invalid::one("community", format!("no community {} among your organisation's communities", content.community))));
    }
    let e = EventRecord {
        id: format!("ev-{}", hex::encode(rand::random::<[u8; 8]>())),
        organisation: p.organisation.clone(),
        author: p.username.clone(),
        content,
        created_at: now,
    };
    store.create_library_event(&e).await?;
    Ok(e)
}

/// The events the principal may see, soonest first; `id` picks one.
pub async fn events(store: &Store, p: &Principal, id: Option<&str>) -> ApiResult<Vec<EventRecord>> {
    let r = reader(store, p).await?;
    Ok(store.library_events(id).await?.into_iter().filter(|e| e.content.may_read(&e.organisation, &r)).collect())
}

pub fn event_json(e: &EventRecord) -> Value {
    let c = &e.content;
    json!({"id": e.id, "title": c.title, "starts_at": rfc3339(c.starts_at_ms), "ends_at": rfc3339(c.ends_at_ms), "place": c.place,
           "community": c.community, "tlp": c.tlp, "description": c.description, "organisation": e.organisation, "author": e.author,
           "created_at": rfc3339(e.created_at)})
}

// HTTP handlers.

#[derive(Deserialize, IntoParams)]
pub struct SearchQuery {
    /// Words to find; empty lists the documents, most recently updated first.
    #[serde(default)]
    pub q: String,
    /// good_practice, lessons_learnt, guidance, exercise or other.
    pub kind: Option<String>,
    pub tag: Option<String>,
    /// At most 100 (default 20).
    pub limit: Option<usize>,
    pub offset: Option<usize>,
}

impl SearchQuery {
    pub fn request(&self) -> ApiResult<SearchRequest> {
        let kind = match self.kind.as_deref().filter(|k| !k.is_empty()) {
            Some(k) => Some(DocKind::parse(k).map_err(|e| ApiError::BadFields(e.within("kind")))?),
            None => None,
        };
        Ok(SearchRequest {
            q: self.q.clone(),
            kind,
            tag: self.tag.clone().filter(|t| !t.trim().is_empty()),
            limit: self.limit.unwrap_or(20),
            // A page further than this is not a page anyone reads; it would only cost memory.
            offset: self.offset.unwrap_or(0).min(MAX_OFFSET),
        })
    }
}

/// Full-text search over the documents the caller may read: `{total, kinds: {kind: n}, items: [{…, snippet}]}`.
#[utoipa::path(get, path = "/api/v1/library/search", tag = "library", params(SearchQuery),
    responses((status = 200, description = "{total, kinds, items, limit, offset}"), (status = 400, body = crate::error::Problem)))]
pub async fn search_http(State(state): State<AppState>, Auth(p): Auth, Query(q): Query<SearchQuery>) -> ApiResult<Json<Value>> {
    Ok(Json(search(&state.store, &state.library, &p, &q.request()?).await?))
}

/// The documents the caller may read, most recently updated first (a search without words).
#[utoipa::path(get, path = "/api/v1/library/documents", tag = "library", params(SearchQuery),
    responses((status = 200, description = "{total, kinds, items, limit, offset}")))]
pub async fn list(State(state): State<AppState>, Auth(p): Auth, Query(mut q): Query<SearchQuery>) -> ApiResult<Json<Value>> {
    q.q.clear();
    Ok(Json(search(&state.store, &state.library, &p, &q.request()?).await?))
}

/// Publishes a document: `{"kind", "title", "summary"?, "body"?, "tags"?, "language"?, "sectors"?, "tlp", "community"?,
/// "recipients"?, "recipient_orgs"?}` (docs/sharing.md).
#[utoipa::path(post, path = "/api/v1/library/documents", tag = "library", request_body(content = Object, description = "the document"),
    responses((status = 201, description = "the document"), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(State(state): State<AppState>, Auth(p): Auth, JsonBody(body): JsonBody<Object>) -> ApiResult<(StatusCode, Json<Value>)> {
    let content = DocumentContent::from_json(&body)?;
    let id = publish(&state.store, &state.library, &p, content, state.clock.now_ms()).await?;
    crate::federation::after_change(&state).await;
    Ok((StatusCode::CREATED, Json(show(&state.store, &p, &id).await?)))
}

/// One document with its attachments.
#[utoipa::path(get, path = "/api/v1/library/documents/{id}", tag = "library", params(("id" = String, Path)),
    responses((status = 200, description = "the document"), (status = 404, body = crate::error::Problem)))]
pub async fn get(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    Ok(Json(show(&state.store, &p, &id).await?))
}

/// Replaces a document: the whole document as for publishing, with `"version"` (the version read).
#[utoipa::path(put, path = "/api/v1/library/documents/{id}", tag = "library", params(("id" = String, Path)),
    request_body(content = Object, description = "the document and the version read"),
    responses((status = 200, description = "the document"), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, JsonBody(body): JsonBody<Object>) -> ApiResult<Json<Value>> {
    let version = body.get("version").and_then(Value::as_i64);
    let content = DocumentContent::from_json(&body);
    let (content, version) = match (content, version) {
        (Ok(c), Some(v)) => (c, v),
        (c, v) => {
            let mut errors = c.err().map(|e| e.0).unwrap_or_default();
            if v.is_none() {
                errors.push(rampart_core::FieldError::new("version", "is required: the version you read"));
            }
            return Err(ApiError::Invalid(Invalid(errors)));
        }
    };
    edit(&state.store, &state.library, &p, &id, content, version, state.clock.now_ms()).await?;
    crate::federation::after_change(&state).await;
    Ok(Json(show(&state.store, &p, &id).await?))
}

/// Deletes a document and its attachments.
#[utoipa::path(delete, path = "/api/v1/library/documents/{id}", tag = "library", params(("id" = String, Path)),
    responses((status = 204, description = "deleted"), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn delete(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<StatusCode> {
    remove(&state.store, &state.library, &p, &id, state.clock.now_ms()).await?;
    crate::federation::after_change(&state).await;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Deserialize, IntoParams)]
pub struct AttachQuery {
    /// The file name (required).
    pub name: Option<String>,
}

/// Uploads an attachment: the raw bytes as the body, its type as `Content-Type` (PDF, PNG,
/// JPEG, plain text, Markdown or CSV; checked against the bytes), at most 10 MiB.
#[utoipa::path(post, path = "/api/v1/library/documents/{id}/attachments", tag = "library", params(("id" = String, Path), AttachQuery),
    request_body(content = Vec<u8>, description = "the file", content_type = "application/octet-stream"),
    responses((status = 201, description = "the attachment"), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 413, body = crate::error::Problem), (status = 415, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn upload(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, Query(q): Query<AttachQuery>, headers: HeaderMap, body: Bytes) -> ApiResult<(StatusCode, Json<Value>)> {
    let declared = headers.get(header::CONTENT_TYPE).and_then(|v| v.to_str().ok()).unwrap_or("");
    let meta = attach(&state.store, &p, &id, q.name.as_deref().unwrap_or(""), declared, &body, state.clock.now_ms()).await?;
    Ok((StatusCode::CREATED, Json(attachment_json(&meta))))
}

/// Downloads an attachment.
#[utoipa::path(get, path = "/api/v1/library/documents/{id}/attachments/{attachment}", tag = "library",
    params(("id" = String, Path), ("attachment" = String, Path)),
    responses((status = 200, description = "the file"), (status = 404, body = crate::error::Problem)))]
pub async fn download_http(State(state): State<AppState>, Auth(p): Auth, Path((id, attachment)): Path<(String, String)>) -> ApiResult<Response> {
    let (meta, data) = download(&state.store, &p, &id, &attachment).await?;
    let mut r = data.into_response();
    let h = r.headers_mut();
    h.insert(header::CONTENT_TYPE, HeaderValue::from_str(&meta.content_type).map_err(|e| ApiError::Internal(e.to_string()))?);
    let ascii: String = meta.name.chars().map(|c| if c.is_ascii_graphic() || c == ' ' { c } else { '_' }).collect();
    h.insert(
        header::CONTENT_DISPOSITION,
        HeaderValue::from_str(&format!("attachment; filename=\"{ascii}\"")).map_err(|e| ApiError::Internal(e.to_string()))?,
    );
    Ok(r)
}

/// The community events the caller may see, soonest first.
#[utoipa::path(get, path = "/api/v1/library/events", tag = "library", responses((status = 200, description = "{items: [event]}")))]
pub async fn list_events(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<Value>> {
    let items: Vec<Value> = events(&state.store, &p, None).await?.iter().map(event_json).collect();
    Ok(Json(json!({"items": items})))
}

/// Announces an event: `{"title", "starts_at", "ends_at", "place"?, "community", "tlp"? (TLP:GREEN or TLP:CLEAR), "description"?}`.
#[utoipa::path(post, path = "/api/v1/library/events", tag = "library", request_body(content = Object, description = "the event"),
    responses((status = 201, description = "the event"), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_event(State(state): State<AppState>, Auth(p): Auth, JsonBody(body): JsonBody<Object>) -> ApiResult<(StatusCode, Json<Value>)> {
    let content = EventContent::from_json(&body)?;
    let e = add_event(&state.store, &p, content, state.clock.now_ms()).await?;
    Ok((StatusCode::CREATED, Json(event_json(&e))))
}

/// One event.
#[utoipa::path(get, path = "/api/v1/library/events/{id}", tag = "library", params(("id" = String, Path)),
    responses((status = 200, description = "the event"), (status = 404, body = crate::error::Problem)))]
pub async fn get_event(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let e = events(&state.store, &p, Some(&id)).await?.pop().ok_or_else(|| ApiError::NotFound(format!("event {id}")))?;
    Ok(Json(event_json(&e)))
}
