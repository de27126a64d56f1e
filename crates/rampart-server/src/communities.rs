//! The sharing directory over HTTP: `/api/v1/communities` (administrators manage them;
//! members read the communities their organisation belongs to, nobody else learns they
//! exist) and `/api/v1/organisations/{id}/sharing` (read by every user, like the
//! organisations; set by administrators).

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::audit::entry;
use crate::AppState;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use rampart_core::fields::Object;
use rampart_core::{Community, CommunityId, OrgId, Role, SharingProfile};
use rampart_store::AuditAction;
use serde::Serialize;
use serde_json::json;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct CommunityOut {
    pub id: String,
    pub name: String,
    pub description: String,
    /// Member organisations' ids, sorted.
    pub members: Vec<String>,
}

impl From<&Community> for CommunityOut {
    fn from(c: &Community) -> Self {
        CommunityOut { id: c.id.to_string(), name: c.name.clone(), description: c.description.clone(), members: c.members.iter().map(ToString::to_string).collect() }
    }
}

#[derive(Serialize, ToSchema)]
pub struct CommunityList {
    pub items: Vec<CommunityOut>,
}

#[derive(Serialize, ToSchema)]
pub struct SharingProfileOut {
    pub organisation: String,
    /// The authority or EU body the organisation is a client of.
    pub supervisor: Option<String>,
    /// The organisation's security liaison officer (a username).
    pub liaison: Option<String>,
    /// The organisation is its member state's single point of contact.
    pub contact_point: bool,
    /// The organisation is its member state's national contact point for explosives precursors.
    pub precursor_contact_point: bool,
    /// The organisations it supervises.
    pub clients: Vec<String>,
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("community {id}"))
}

/// The communities the reader's organisation belongs to (administrators: all).
#[utoipa::path(get, path = "/api/v1/communities", tag = "sharing", responses((status = 200, body = CommunityList)))]
pub async fn list(State(state): State<AppState>, Auth(p): Auth) -> ApiResult<Json<CommunityList>> {
    let member = (p.role != Role::Admin).then_some(&p.organisation);
    let items = state.store.list_communities(member).await?;
    Ok(Json(CommunityList { items: items.iter().map(CommunityOut::from).collect() }))
}

/// One community, for administrators and its members; "not found" for everyone else.
#[utoipa::path(get, path = "/api/v1/communities/{id}", tag = "sharing", params(("id" = String, Path)),
    responses((status = 200, body = CommunityOut), (status = 404, body = crate::error::Problem)))]
pub async fn get(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<CommunityOut>> {
    let cid = CommunityId::parse(&id).map_err(|_| not_found(&id))?;
    let c = state.store.get_community(&cid).await?.filter(|c| p.role == Role::Admin || c.members.contains(&p.organisation)).ok_or_else(|| not_found(&id))?;
    Ok(Json(CommunityOut::from(&c)))
}

/// Creates or replaces a community with its members (administrators).
#[utoipa::path(put, path = "/api/v1/communities/{id}", tag = "sharing", params(("id" = String, Path)),
    request_body(content = Object, description = "name, description, members (organisation ids)"),
    responses((status = 200, body = CommunityOut), (status = 201, body = CommunityOut), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn put(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, JsonBody(mut body): JsonBody<Object>) -> ApiResult<(StatusCode, Json<CommunityOut>)> {
    auth.require_admin()?;
    body.insert("id".into(), json!(id));
    let c = Community::from_json(&body)?;
    let existed = state.store.get_community(&c.id).await?.is_some();
    let action = if existed { AuditAction::Change } else { AuditAction::Create };
    state.store.put_community_audited(&c, &entry(&state, auth.0.username.as_str(), action, "community", c.id.as_str(), json!({"members": c.members}))).await?;
    let stored = state.store.get_community(&c.id).await?.ok_or_else(|| not_found(&id))?;
    Ok((if existed { StatusCode::OK } else { StatusCode::CREATED }, Json(CommunityOut::from(&stored))))
}

/// Deletes a community (administrators).
#[utoipa::path(delete, path = "/api/v1/communities/{id}", tag = "sharing", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn delete(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> ApiResult<StatusCode> {
    auth.require_admin()?;
    let cid = CommunityId::parse(&id).map_err(|_| not_found(&id))?;
    state.store.delete_community_audited(&cid, &entry(&state, auth.0.username.as_str(), AuditAction::Delete, "community", cid.as_str(), json!({}))).await?;
    Ok(StatusCode::NO_CONTENT)
}

async fn profile_out(state: &AppState, org: &OrgId) -> ApiResult<SharingProfileOut> {
    let p = state.store.sharing_profile(org).await?;
    Ok(SharingProfileOut {
        organisation: org.to_string(),
        supervisor: p.supervisor.map(|s| s.to_string()),
        liaison: p.liaison.map(|u| u.to_string()),
        contact_point: p.contact_point,
        precursor_contact_point: p.precursor_contact_point,
        clients: state.store.clients_of(org).await?.iter().map(ToString::to_string).collect(),
    })
}

async fn existing_org(state: &AppState, id: &str) -> ApiResult<OrgId> {
    let missing = || ApiError::NotFound(format!("organisation {id}"));
    let org = OrgId::parse(id).map_err(|_| missing())?;
    state.store.get_organisation(&org).await?.ok_or_else(missing)?;
    Ok(org)
}

/// An organisation's place in the warning network.
#[utoipa::path(get, path = "/api/v1/organisations/{id}/sharing", tag = "sharing", params(("id" = String, Path)),
    responses((status = 200, body = SharingProfileOut), (status = 404, body = crate::error::Problem)))]
pub async fn get_profile(State(state): State<AppState>, _auth: Auth, Path(id): Path<String>) -> ApiResult<Json<SharingProfileOut>> {
    let org = existing_org(&state, &id).await?;
    Ok(Json(profile_out(&state, &org).await?))
}

/// Sets an organisation's supervisor, liaison officer and contact-point flag (administrators).
#[utoipa::path(put, path = "/api/v1/organisations/{id}/sharing", tag = "sharing", params(("id" = String, Path)),
    request_body(content = Object, description = "supervisor (organisation id), liaison (username), contact_point (bool), precursor_contact_point (bool)"),
    responses((status = 200, body = SharingProfileOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn put_profile(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, JsonBody(body): JsonBody<Object>) -> ApiResult<Json<SharingProfileOut>> {
    auth.require_admin()?;
    let profile = SharingProfile::from_json(&body)?;
    let org = existing_org(&state, &id).await?;
    state.store.set_sharing_profile_audited(&org, &profile, &entry(&state, auth.0.username.as_str(), AuditAction::Change, "sharing_profile", org.as_str(), profile.to_json())).await?;
    Ok(Json(profile_out(&state, &org).await?))
}
