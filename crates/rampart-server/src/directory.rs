//! `/api/v1/organisations` (read by all, changed by admins) and `/api/v1/users` (admins).

use crate::auth::{hash_password, Auth};
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::{rfc3339, AppState};
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::Json;
use rampart_core::fields::Object;
use rampart_core::{Invalid, OrgId, Organisation, Role, Username};
use rampart_store::{AuditAction, NewUser, UserRecord};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::ToSchema;

#[derive(Serialize, ToSchema)]
pub struct OrganisationOut {
    pub id: String,
    pub name: String,
    /// authority, operator, eu_body or network.
    pub kind: String,
    pub country: Option<String>,
}

impl From<&Organisation> for OrganisationOut {
    fn from(o: &Organisation) -> Self {
        OrganisationOut { id: o.id.to_string(), name: o.name.clone(), kind: o.kind.key().into(), country: o.country.map(|c| c.to_string()) }
    }
}

#[derive(Serialize, ToSchema)]
pub struct OrganisationList {
    pub items: Vec<OrganisationOut>,
}

/// All organisations (reference data every user may read).
#[utoipa::path(get, path = "/api/v1/organisations", tag = "organisations", responses((status = 200, body = OrganisationList)))]
pub async fn list_organisations(State(state): State<AppState>, _auth: Auth) -> ApiResult<Json<OrganisationList>> {
    let orgs = state.store.list_organisations().await?;
    Ok(Json(OrganisationList { items: orgs.iter().map(OrganisationOut::from).collect() }))
}

#[utoipa::path(get, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = String, Path)),
    responses((status = 200, body = OrganisationOut), (status = 404, body = crate::error::Problem)))]
pub async fn get_organisation(State(state): State<AppState>, _auth: Auth, Path(id): Path<String>) -> ApiResult<Json<OrganisationOut>> {
    let org_id = OrgId::parse(&id).map_err(|_| ApiError::NotFound(format!("organisation {id}")))?;
    let org = state.store.get_organisation(&org_id).await?.ok_or_else(|| ApiError::NotFound(format!("organisation {id}")))?;
    Ok(Json(OrganisationOut::from(&org)))
}

/// Adds an organisation (admins).
#[utoipa::path(post, path = "/api/v1/organisations", tag = "organisations", request_body(content = Object, description = "id, name, kind, country"),
    responses((status = 201, body = OrganisationOut), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_organisation(State(state): State<AppState>, auth: Auth, JsonBody(body): JsonBody<Object>) -> ApiResult<(StatusCode, Json<OrganisationOut>)> {
    auth.require_admin()?;
    let org = Organisation::from_json(&body)?;
    if state.store.get_organisation(&org.id).await?.is_some() {
        return Err(ApiError::Conflict(format!("organisation {:?} already exists", org.id.as_str())));
    }
    let audit = crate::audit::entry(&state, auth.0.username.as_str(), AuditAction::Create, "organisation", org.id.as_str(), json!({"name": org.name}));
    state.store.put_organisation_audited(&org, &audit).await?;
    Ok((StatusCode::CREATED, Json(OrganisationOut::from(&org))))
}

/// Renames or reclassifies an organisation (admins).
#[utoipa::path(put, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = String, Path)),
    request_body(content = Object, description = "name, kind, country"),
    responses((status = 200, body = OrganisationOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update_organisation(State(state): State<AppState>, auth: Auth, Path(id): Path<String>, JsonBody(mut body): JsonBody<Object>) -> ApiResult<Json<OrganisationOut>> {
    auth.require_admin()?;
    body.insert("id".into(), json!(id));
    let org = Organisation::from_json(&body)?;
    if state.store.get_organisation(&org.id).await?.is_none() {
        return Err(ApiError::NotFound(format!("organisation {id}")));
    }
    let audit = crate::audit::entry(&state, auth.0.username.as_str(), AuditAction::Change, "organisation", org.id.as_str(), json!({"name": org.name}));
    state.store.put_organisation_audited(&org, &audit).await?;
    Ok(Json(OrganisationOut::from(&org)))
}

/// Deletes an organisation that operates no asset and has no users (admins).
#[utoipa::path(delete, path = "/api/v1/organisations/{id}", tag = "organisations", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn delete_organisation(State(state): State<AppState>, auth: Auth, Path(id): Path<String>) -> ApiResult<StatusCode> {
    auth.require_admin()?;
    let org_id = OrgId::parse(&id).map_err(|_| ApiError::NotFound(format!("organisation {id}")))?;
    let audit = crate::audit::entry(&state, auth.0.username.as_str(), AuditAction::Delete, "organisation", org_id.as_str(), json!({}));
    state.store.delete_organisation_audited(&org_id, &audit).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct UserOut {
    pub username: String,
    pub role: String,
    pub organisation_id: String,
    pub disabled: bool,
    pub created_at: String,
}

impl From<&UserRecord> for UserOut {
    fn from(u: &UserRecord) -> Self {
        UserOut {
            username: u.username.to_string(),
            role: u.role.key().into(),
            organisation_id: u.organisation_id.to_string(),
            disabled: u.disabled,
            created_at: rfc3339(u.created_at),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct UserList {
    pub items: Vec<UserOut>,
}

/// All users (admins).
#[utoipa::path(get, path = "/api/v1/users", tag = "users", responses((status = 200, body = UserList), (status = 403, body = crate::error::Problem)))]
pub async fn list_users(State(state): State<AppState>, auth: Auth) -> ApiResult<Json<UserList>> {
    auth.require_admin()?;
    Ok(Json(UserList { items: state.store.list_users().await?.iter().map(UserOut::from).collect() }))
}

#[derive(Deserialize, ToSchema)]
pub struct NewUserRequest {
    pub username: String,
    pub password: String,
    pub role: String,
    pub organisation_id: String,
}

fn parse_new_user(r: &NewUserRequest) -> ApiResult<(Username, Role, OrgId)> {
    let mut errors = Vec::new();
    let username = Username::parse(&r.username).map_err(|e| errors.extend(e.within("username").0)).ok();
    let role = Role::parse(&r.role).map_err(|e| errors.extend(e.within("role").0)).ok();
    let org = OrgId::parse(&r.organisation_id).map_err(|e| errors.extend(e.within("organisation_id").0)).ok();
    match (username, role, org) {
        (Some(u), Some(r), Some(o)) if errors.is_empty() => Ok((u, r, o)),
        _ => Err(ApiError::Invalid(Invalid(errors))),
    }
}

/// Adds a user (admins).
#[utoipa::path(post, path = "/api/v1/users", tag = "users", request_body = NewUserRequest,
    responses((status = 201, body = UserOut), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_user(State(state): State<AppState>, auth: Auth, JsonBody(req): JsonBody<NewUserRequest>) -> ApiResult<(StatusCode, Json<UserOut>)> {
    auth.require_admin()?;
    let (username, role, org) = parse_new_user(&req)?;
    let hash = hash_password(req.password).await?;
    let detail = json!({"role": role.key(), "organisation": org.as_str()});
    let audit = crate::audit::entry(&state, auth.0.username.as_str(), AuditAction::Create, "user", username.as_str(), detail);
    let user = state
        .store
        .create_user_audited(&NewUser { username: &username, password_hash: &hash, role, organisation_id: &org }, state.clock.now_ms(), &audit)
        .await?;
    tracing::info!(by = %auth.0.username, user = %username, role = role.key(), "user created");
    Ok((StatusCode::CREATED, Json(UserOut::from(&user))))
}

#[utoipa::path(get, path = "/api/v1/users/{username}", tag = "users", params(("username" = String, Path)),
    responses((status = 200, body = UserOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn get_user(State(state): State<AppState>, auth: Auth, Path(username): Path<String>) -> ApiResult<Json<UserOut>> {
    auth.require_admin()?;
    let user = state.store.get_user(&username).await?.ok_or_else(|| ApiError::NotFound(format!("user {username}")))?;
    Ok(Json(UserOut::from(&user)))
}

#[derive(Deserialize, ToSchema)]
pub struct UserChange {
    pub role: Option<String>,
    pub password: Option<String>,
    pub disabled: Option<bool>,
}

/// Changes a user's role or password, or disables them (admins). Ends their sessions
/// when the password changes or they are disabled.
#[utoipa::path(patch, path = "/api/v1/users/{username}", tag = "users", params(("username" = String, Path)), request_body = UserChange,
    responses((status = 200, body = UserOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update_user(State(state): State<AppState>, auth: Auth, Path(username): Path<String>, JsonBody(req): JsonBody<UserChange>) -> ApiResult<Json<UserOut>> {
    auth.require_admin()?;
    let name = Username::parse(&username).map_err(|_| ApiError::NotFound(format!("user {username}")))?;
    let role = req.role.as_deref().map(Role::parse).transpose().map_err(|e| ApiError::Invalid(e.within("role")))?;
    if name == auth.0.username && (req.disabled == Some(true) || role.is_some_and(|r| r != Role::Admin)) {
        return Err(ApiError::Conflict("you cannot disable yourself or remove your own administrator role".into()));
    }
    let hash = match req.password {
        Some(pw) => Some(hash_password(pw).await?),
        None => None,
    };
    // What changed, never the password itself.
    let detail = json!({"role": role.map(|r| r.key()), "password_changed": hash.is_some(), "disabled": req.disabled});
    let audit = crate::audit::entry(&state, auth.0.username.as_str(), AuditAction::Change, "user", name.as_str(), detail);
    let user = state.store.update_user_audited(&name, role, hash.as_deref(), req.disabled, &audit).await?;
    tracing::info!(by = %auth.0.username, user = %name, "user changed");
    Ok(Json(UserOut::from(&user)))
}
