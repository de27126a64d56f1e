//! The local copies of received incident notifications and library documents
//! (docs/sharing.md, "Federation"). `federation::apply_entry` decides whether this
//! instance keeps a copy; the functions here write or remove it, in the batch's
//! transaction. A copy sits in the same table as a local item, with `origin_instance`
//! naming where it came from and `federated_audience` the audience its origin signed,
//! so the incident list, dashboard, feeds and library search work for it unchanged.

use crate::{on_pool, on_tx, Result, Store, StoreError, Tx};
use rampart_core::federation::Message;
use rampart_core::incident::IncidentReport;
use rampart_core::{Invalid, OrgId};
use serde::Deserialize;
use std::collections::BTreeSet;

/// The table holding items of this type that may be copies (for the check that only
/// items made here are shared from here).
pub(crate) fn table(item_type: &str) -> Option<&'static str> {
    match item_type {
        "alert" => Some("alerts"),
        "incident" => Some("incidents"),
        "library" => Some("library_documents"),
        _ => None,
    }
}

fn body_error(m: &Message, e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(Invalid::one("body", format!("{} {} from {}: {e}", m.item.kind.as_str(), m.item.id, m.origin)))
}

fn to_json<T: serde::Serialize>(v: &T) -> Result<String> {
    serde_json::to_string(v).map_err(|e| StoreError::Invalid(Invalid::one("", format!("cannot write federated copy: {e}"))))
}

/// Makes sure the originating organisation is in the directory here (learnt from the
/// origin when it is not).
async fn learn_origin(tx: &mut Tx, m: &Message, orgs: &mut BTreeSet<String>) -> Result<()> {
    let o = &m.organisation;
    if !orgs.contains(&o.id) {
        on_tx!(tx, t => sqlx::query("INSERT INTO organisations (id, name, kind, country, federated_from) VALUES ($1, $2, $3, $4, $5)")
            .bind(&o.id).bind(&o.name).bind(&o.kind).bind(&o.country).bind(m.origin.as_str()).execute(t).await?.rows_affected());
        orgs.insert(o.id.clone());
    }
    Ok(())
}

/// Whether an item with this id is held here already: `Some(origin)` (`None` inside:
/// made here). A copy from elsewhere clashing with it is refused.
async fn held(tx: &mut Tx, table: &str, m: &Message) -> Result<bool> {
    let sql = format!("SELECT origin_instance FROM {table} WHERE id = $1");
    let held: Option<Option<String>> = on_tx!(tx, t => sqlx::query_scalar(&sql).bind(&m.item.id).fetch_optional(t).await?);
    match held {
        None => Ok(false),
        Some(Some(o)) if o == m.origin.as_str() => Ok(true),
        Some(_) => Err(StoreError::Conflict(format!(
            "{} {} from {} clashes with one held here that did not come from {}",
            m.item.kind.as_str(),
            m.item.id,
            m.origin,
            m.origin
        ))),
    }
}

// ---------------------------------------------------------------- incidents

/// An organisation an incident was routed to, as the origin routed it.
#[derive(Debug, Deserialize)]
struct RecipientBody {
    organisation: String,
    reason: String,
    #[serde(default)]
    country: Option<String>,
}

/// One entry of the incident's record.
#[derive(Debug, Deserialize)]
struct UpdateBody {
    seq: i64,
    at: i64,
    author: String,
    kind: String,
    #[serde(default)]
    note: String,
    #[serde(default)]
    report: Option<IncidentReport>,
}

/// An incident notification as its origin shares it: what a recipient reads.
#[derive(Debug, Deserialize)]
struct IncidentBody {
    reported_by: String,
    report: IncidentReport,
    initial_at: i64,
    #[serde(default)]
    detailed_at: Option<i64>,
    #[serde(default)]
    closed_at: Option<i64>,
    #[serde(default)]
    commission: bool,
    #[serde(default)]
    unrouted: Vec<String>,
    recipients: Vec<RecipientBody>,
    updates: Vec<UpdateBody>,
    created_at: i64,
}

/// Writes (or refreshes) the copy of a received incident notification: the incident,
/// the recipients that exist here and its whole record.
pub(crate) async fn put_incident(tx: &mut Tx, m: &Message, orgs: &mut BTreeSet<String>, _now: i64) -> Result<()> {
    let id = &m.item.id;
    let body: IncidentBody = serde_json::from_value(m.body.clone()).map_err(|e| body_error(m, e))?;
    if OrgId::parse(&m.organisation.id).is_err() {
        return Err(body_error(m, "the originating organisation is not a valid id"));
    }
    learn_origin(tx, m, orgs).await?;
    let report = to_json(&body.report)?;
    let audience = to_json(&m.audience)?;
    let unrouted = body.unrouted.join(",");
    if held(tx, "incidents", m).await? {
        on_tx!(&mut *tx, t => sqlx::query(
            "UPDATE incidents SET reported_by = $2, tlp = $3, title = $4, report = $5, aware_at = $6, initial_at = $7, detailed_at = $8, closed_at = $9,
                 commission = $10, unrouted = $11, version = $12, federated_audience = $13 WHERE id = $1")
            .bind(id).bind(&body.reported_by).bind(m.tlp.as_str()).bind(&body.report.title).bind(&report).bind(body.report.aware_at_ms)
            .bind(body.initial_at).bind(body.detailed_at).bind(body.closed_at).bind(body.commission).bind(&unrouted).bind(m.item.version)
            .bind(&audience).execute(t).await?.rows_affected());
        on_tx!(&mut *tx, t => sqlx::query("DELETE FROM incident_recipients WHERE incident_id = $1").bind(id).execute(t).await?.rows_affected());
        on_tx!(&mut *tx, t => sqlx::query("DELETE FROM incident_updates WHERE incident_id = $1").bind(id).execute(t).await?.rows_affected());
    } else {
        on_tx!(&mut *tx, t => sqlx::query(
            "INSERT INTO incidents (id, entity_id, reported_by, tlp, title, report, aware_at, initial_at, detailed_at, closed_at, commission, unrouted,
                 version, created_at, origin_instance, federated_audience)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16)")
            .bind(id).bind(&m.organisation.id).bind(&body.reported_by).bind(m.tlp.as_str()).bind(&body.report.title).bind(&report)
            .bind(body.report.aware_at_ms).bind(body.initial_at).bind(body.detailed_at).bind(body.closed_at).bind(body.commission)
            .bind(&unrouted).bind(m.item.version).bind(body.created_at).bind(m.origin.as_str()).bind(&audience).execute(t).await?.rows_affected());
    }
    // Recipients this directory knows and the signed audience names; the others have
    // no reader here.
    for r in body.recipients.iter().filter(|r| orgs.contains(&r.organisation) && m.audience.organisations.contains(&r.organisation)) {
        if OrgId::parse(&r.organisation).is_err() || rampart_core::incident::RouteReason::parse(&r.reason).is_none() {
            return Err(body_error(m, format!("recipient {:?} with reason {:?} is not understood", r.organisation, r.reason)));
        }
        on_tx!(&mut *tx, t => sqlx::query("INSERT INTO incident_recipients (incident_id, organisation_id, reason, country) VALUES ($1, $2, $3, $4)")
            .bind(id).bind(&r.organisation).bind(&r.reason).bind(&r.country).execute(t).await?.rows_affected());
    }
    for u in &body.updates {
        let kind = rampart_core::incident::UpdateKind::parse(&u.kind).map_err(|e| body_error(m, format!("updates[{}].kind: {e}", u.seq)))?;
        let text = u.report.as_ref().map(to_json).transpose()?;
        crate::incidents::insert_update(tx, id, u.seq, u.at, &u.author, kind, &u.note, text.as_deref()).await?;
    }
    Ok(())
}

/// Removes the copy of a received incident, if there is one.
pub(crate) async fn remove_incident(tx: &mut Tx, m: &Message) -> Result<()> {
    let copy = "SELECT id FROM incidents WHERE id = $1 AND origin_instance = $2";
    for sql in [
        format!("DELETE FROM incident_recipients WHERE incident_id IN ({copy})"),
        format!("DELETE FROM incident_updates WHERE incident_id IN ({copy})"),
        "DELETE FROM incidents WHERE id = $1 AND origin_instance = $2".to_string(),
    ] {
        on_tx!(&mut *tx, t => sqlx::query(&sql).bind(&m.item.id).bind(m.origin.as_str()).execute(t).await?.rows_affected());
    }
    Ok(())
}

// ---------------------------------------------------------------- library documents

/// A library document as its origin shares it: its content (the community, named
/// people and recipient organisations are taken from the signed audience instead).
#[derive(Debug, Deserialize)]
struct DocumentBody {
    author: String,
    content: rampart_core::library::DocumentContent,
    created_at: i64,
    updated_at: i64,
}

async fn lock_library(tx: &mut Tx) -> Result<()> {
    // As every library write does: changes commit in sequence order (see library.rs).
    if let Tx::Postgres(t) = tx {
        sqlx::query("LOCK TABLE library_changes IN EXCLUSIVE MODE").execute(&mut **t).await?;
    }
    Ok(())
}

/// Writes (or refreshes) the copy of a received library document, so the search index
/// picks it up by the change sequence. Its audience is translated into this directory:
/// recipient organisations and named people that exist here, and for a community the
/// community `<origin>-<id>` with the members that exist here.
pub(crate) async fn put_document(tx: &mut Tx, m: &Message, orgs: &mut BTreeSet<String>, now: i64) -> Result<()> {
    let id = &m.item.id;
    let body: DocumentBody = serde_json::from_value(m.body.clone()).map_err(|e| body_error(m, e))?;
    rampart_core::Username::parse(&body.author).map_err(|e| body_error(m, format!("author: {e}")))?;
    lock_library(tx).await?;
    learn_origin(tx, m, orgs).await?;
    let mut content = body.content;
    content.tlp = m.tlp;
    content.recipient_orgs = m.audience.organisations.iter().filter(|o| orgs.contains(*o)).filter_map(|o| OrgId::parse(o).ok()).collect();
    let mut recipients = Vec::new();
    for u in &m.audience.users {
        let here: Option<i32> = on_tx!(&mut *tx, t => sqlx::query_scalar("SELECT 1 FROM users WHERE username = $1 AND organisation_id = $2")
            .bind(&u.username).bind(&u.organisation).fetch_optional(t).await?);
        if let (Some(_), Ok(name)) = (here, rampart_core::Username::parse(&u.username)) {
            recipients.push(name);
        }
    }
    content.recipients = recipients;
    content.community = None;
    if let Some(c) = &m.audience.community {
        let local = rampart_core::CommunityId::parse(&format!("{}-{}", m.origin, c.id)).map_err(|e| body_error(m, format!("community: {e}")))?;
        on_tx!(&mut *tx, t => sqlx::query("INSERT INTO communities (id, name, description) VALUES ($1, $2, $3) ON CONFLICT (id) DO NOTHING")
            .bind(local.as_str()).bind(format!("{} (from {})", c.id, m.origin)).bind(format!("Members of community {} of the Rampart instance {}", c.id, m.origin))
            .execute(t).await?.rows_affected());
        on_tx!(&mut *tx, t => sqlx::query("DELETE FROM community_members WHERE community_id = $1").bind(local.as_str()).execute(t).await?.rows_affected());
        for member in c.members.iter().filter(|o| orgs.contains(*o)) {
            on_tx!(&mut *tx, t => sqlx::query("INSERT INTO community_members (community_id, organisation_id) VALUES ($1, $2) ON CONFLICT DO NOTHING")
                .bind(local.as_str()).bind(member).execute(t).await?.rows_affected());
        }
        content.community = Some(local);
    }
    let text = to_json(&content)?;
    let audience = to_json(&m.audience)?;
    let community = content.community.as_ref().map(|c| c.as_str().to_string());
    if held(tx, "library_documents", m).await? {
        on_tx!(&mut *tx, t => sqlx::query(
            "UPDATE library_documents SET author = $2, kind = $3, title = $4, tlp = $5, community_id = $6, content = $7, version = $8, updated_at = $9,
                 federated_audience = $10 WHERE id = $1")
            .bind(id).bind(&body.author).bind(content.kind.key()).bind(&content.title).bind(m.tlp.as_str()).bind(&community).bind(&text)
            .bind(m.item.version).bind(body.updated_at).bind(&audience).execute(t).await?.rows_affected());
    } else {
        on_tx!(&mut *tx, t => sqlx::query(
            "INSERT INTO library_documents (id, organisation_id, author, kind, title, tlp, community_id, content, version, created_at, updated_at,
                 origin_instance, federated_audience)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)")
            .bind(id).bind(&m.organisation.id).bind(&body.author).bind(content.kind.key()).bind(&content.title).bind(m.tlp.as_str()).bind(&community)
            .bind(&text).bind(m.item.version).bind(body.created_at).bind(body.updated_at).bind(m.origin.as_str()).bind(&audience)
            .execute(t).await?.rows_affected());
    }
    crate::library::record_change(tx, id, now).await
}

/// Removes the copy of a received library document, if there is one (the search index
/// drops it by the change sequence).
pub(crate) async fn remove_document(tx: &mut Tx, m: &Message) -> Result<()> {
    lock_library(tx).await?;
    on_tx!(&mut *tx, t => sqlx::query("DELETE FROM library_attachments WHERE document_id IN (SELECT id FROM library_documents WHERE id = $1 AND origin_instance = $2)")
        .bind(&m.item.id).bind(m.origin.as_str()).execute(t).await?.rows_affected());
    let n = on_tx!(&mut *tx, t => sqlx::query("DELETE FROM library_documents WHERE id = $1 AND origin_instance = $2")
        .bind(&m.item.id).bind(m.origin.as_str()).execute(t).await?.rows_affected());
    if n > 0 {
        crate::library::record_change(tx, &m.item.id, m.issued_at).await?;
    }
    Ok(())
}

impl Store {
    /// The instance a library document came from: `None` for a document made here (or
    /// none at all).
    pub async fn library_document_origin(&self, id: &str) -> Result<Option<String>> {
        let origin: Option<Option<String>> =
            on_pool!(self, p => sqlx::query_scalar("SELECT origin_instance FROM library_documents WHERE id = $1").bind(id).fetch_optional(p).await?);
        Ok(origin.flatten())
    }
}
