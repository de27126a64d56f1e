//! The messages an origin signs for its incident notifications and library documents
//! (docs/sharing.md, "Federation"); `federation::share_pending` calls [`message`] for
//! every pending change that is not an alert.
//!
//! - An incident notification (not a draft) goes with its label (TLP:AMBER+STRICT by
//!   default) to the entity's organisation and the organisations it was routed to; the
//!   body is what a recipient reads: the report, the clocks' inputs, the routing and the
//!   whole record of updates.
//! - A library document goes to the audience its label counts: GREEN the community's
//!   members (and recipient organisations), AMBER and AMBER+STRICT the recipient
//!   organisations, RED the named people, CLEAR everyone. A deleted document goes as a
//!   tombstone to the peers that had it. Attachments stay on the origin.

use crate::error::ApiResult;
use crate::AppState;
use rampart_core::federation::{self as fed, Audience, AudienceCommunity, AudienceUser, InstanceName, ItemRef, ItemType, Message, OriginOrg};
use rampart_core::OrgId;
use serde_json::json;

/// Named people with the organisation each belongs to here, once each, in order; people
/// unknown to the directory are left out (nobody here reads as them).
pub(crate) async fn audience_users(state: &AppState, names: impl Iterator<Item = rampart_core::Username>) -> ApiResult<Vec<AudienceUser>> {
    let mut users: Vec<AudienceUser> = Vec::new();
    for u in names {
        if let Some(rec) = state.store.get_user(u.as_str()).await? {
            let au = AudienceUser { username: u.to_string(), organisation: rec.organisation_id.to_string() };
            if !users.contains(&au) {
                users.push(au);
            }
        }
    }
    users.sort();
    Ok(users)
}

/// The originating organisation as this directory has it.
pub(crate) async fn origin_org(state: &AppState, id: &OrgId) -> ApiResult<OriginOrg> {
    let org = state.store.get_organisation(id).await?;
    Ok(OriginOrg {
        id: id.to_string(),
        name: org.as_ref().map(|o| o.name.clone()).unwrap_or_default(),
        kind: org.as_ref().map_or("authority".to_string(), |o| o.kind.key().to_string()),
        country: org.and_then(|o| o.country).map(|c| c.to_string()),
    })
}

/// The message for the current state of a local item of `item_type` (`incident` or
/// `library`); `None` when there is nothing to share (a draft, a received copy, an item
/// that never left and is gone, an unknown type).
pub async fn message(state: &AppState, own: &InstanceName, item_type: &str, id: &str, now: i64) -> ApiResult<Option<Message>> {
    match item_type {
        "incident" => incident_message(state, own, id, now).await,
        "library" => document_message(state, own, id, now).await,
        _ => Ok(None),
    }
}

async fn incident_message(state: &AppState, own: &InstanceName, id: &str, now: i64) -> ApiResult<Option<Message>> {
    let Some(i) = state.store.get_incident(id).await? else { return Ok(None) };
    let Some(initial_at) = i.initial_at else { return Ok(None) };
    if i.origin_instance.is_some() {
        return Ok(None);
    }
    let updates = state.store.incident_updates(id).await?;
    let mut organisations = vec![i.entity_id.to_string()];
    for r in &i.recipients {
        if !organisations.contains(&r.organisation.to_string()) {
            organisations.push(r.organisation.to_string());
        }
    }
    let updates: Vec<serde_json::Value> = updates
        .iter()
        .map(|u| json!({"seq": u.seq, "at": u.at, "author": u.author, "kind": u.kind.key(), "note": u.note, "report": u.report}))
        .collect();
    let body = json!({
        "reported_by": i.reported_by, "report": i.report, "initial_at": initial_at, "detailed_at": i.detailed_at, "closed_at": i.closed_at,
        "commission": i.commission, "unrouted": i.unrouted, "recipients": i.recipients, "updates": updates, "created_at": i.created_at,
    });
    Ok(Some(Message {
        v: fed::MESSAGE_VERSION,
        origin: own.clone(),
        item: ItemRef { kind: ItemType::Incident, id: i.id.clone(), version: i.version },
        op: fed::Op::Upsert,
        tlp: i.report.tlp,
        organisation: origin_org(state, &i.entity_id).await?,
        audience: Audience { organisations, users: vec![], community: None },
        body,
        issued_at: now,
    }))
}

async fn document_message(state: &AppState, own: &InstanceName, id: &str, now: i64) -> ApiResult<Option<Message>> {
    let Some(d) = state.store.get_library_document(id).await? else {
        // Deleted: the tombstone of what was last shared, one version on, goes to the
        // peers that had it.
        let Some(k) = state.store.federation_item(own.as_str(), "library", id).await? else { return Ok(None) };
        if k.op != fed::Op::Upsert {
            return Ok(None);
        }
        let last = k.message.message;
        let item = ItemRef { version: last.item.version + 1, ..last.item.clone() };
        return Ok(Some(Message { item, issued_at: now, ..last.tombstone() }));
    };
    if state.store.library_document_origin(id).await?.is_some() {
        return Ok(None);
    }
    let c = &d.content;
    let users = audience_users(state, c.recipients.iter().cloned()).await?;
    let community = match &c.community {
        Some(cid) => {
            let members = state.store.get_community(cid).await?.map(|x| x.members.iter().map(ToString::to_string).collect()).unwrap_or_default();
            Some(AudienceCommunity { id: cid.to_string(), members })
        }
        None => None,
    };
    let organisations: Vec<String> = c.recipient_orgs.iter().map(ToString::to_string).collect();
    let body = json!({"author": d.author, "content": c, "created_at": d.created_at_ms, "updated_at": d.updated_at_ms});
    Ok(Some(Message {
        v: fed::MESSAGE_VERSION,
        origin: own.clone(),
        item: ItemRef { kind: ItemType::Library, id: d.id.clone(), version: d.version },
        op: fed::Op::Upsert,
        tlp: c.tlp,
        organisation: origin_org(state, &d.organisation).await?,
        audience: Audience { organisations, users, community },
        body,
        issued_at: now,
    }))
}
