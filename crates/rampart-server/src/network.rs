//! `/api/v1/dependencies` and `/api/v1/links`, and an asset's upstream and downstream.
//!
//! A dependency is visible to whoever may read either end (an operator sees what its
//! own sites depend on, by id); the assets at the far end are only included when the
//! reader may see them. Changing a dependency needs write access to the dependent and
//! read access to the supplier; a link, write access to `from` and read access to `to`.

use crate::assets::{readable, AssetOut, PageQuery};
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::AppState;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use rampart_core::fields::Object;
use rampart_core::{AssetId, Dependency, Invalid, NetworkLink, Principal};
use rampart_store::{StoredDependency, StoredLink};
use serde::{Deserialize, Serialize};
use serde_json::json;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct DependencyOut {
    pub id: i64,
    pub supplier_id: String,
    pub dependent_id: String,
    pub service: String,
    /// The dependent needs `k` of its `n` suppliers of this service.
    pub k: u32,
    pub n: u32,
    /// Hours the dependent runs without the service.
    pub buffer_hours: f64,
}

impl From<&StoredDependency> for DependencyOut {
    fn from(s: &StoredDependency) -> Self {
        let d = &s.dependency;
        DependencyOut {
            id: s.id,
            supplier_id: d.supplier.to_string(),
            dependent_id: d.dependent.to_string(),
            service: d.service.key().into(),
            k: d.k,
            n: d.n,
            buffer_hours: d.buffer_hours,
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct LinkOut {
    pub id: i64,
    pub network: String,
    pub from_id: String,
    pub to_id: String,
    pub capacity: Option<f64>,
    pub length_km: Option<f64>,
}

impl From<&StoredLink> for LinkOut {
    fn from(s: &StoredLink) -> Self {
        let l = &s.link;
        LinkOut {
            id: s.id,
            network: l.network.key().into(),
            from_id: l.from.to_string(),
            to_id: l.to.to_string(),
            capacity: l.capacity,
            length_km: l.length_km,
        }
    }
}

/// True when the caller may read the asset; missing assets are unreadable.
async fn can_read(state: &AppState, p: &Principal, id: &AssetId) -> ApiResult<bool> {
    Ok(state.store.get_asset(id).await?.is_some_and(|a| p.read_scope().allows_asset(&a.asset)))
}

async fn can_write(state: &AppState, p: &Principal, id: &AssetId) -> ApiResult<bool> {
    Ok(state.store.get_asset(id).await?.is_some_and(|a| p.write_scope().allows_asset(&a.asset)))
}

/// Checks a new or changed dependency: write access to the dependent, read access
/// to the supplier. An unreadable end is reported exactly like a missing one.
async fn check_dependency(state: &AppState, p: &Principal, d: &Dependency) -> ApiResult<()> {
    let mut errors = Vec::new();
    if !can_read(state, p, &d.supplier).await? {
        errors.push(rampart_core::FieldError::new("supplier_id", format!("no asset with id {:?}", d.supplier.as_str())));
    }
    if !can_read(state, p, &d.dependent).await? {
        errors.push(rampart_core::FieldError::new("dependent_id", format!("no asset with id {:?}", d.dependent.as_str())));
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(Invalid(errors)));
    }
    if !can_write(state, p, &d.dependent).await? {
        return Err(ApiError::Forbidden(format!("you may not change what {} depends on", d.dependent)));
    }
    Ok(())
}

async fn visible_dependency(state: &AppState, p: &Principal, id: i64) -> ApiResult<StoredDependency> {
    if let Some(d) = state.store.get_dependency(id).await? {
        if can_read(state, p, &d.dependency.supplier).await? || can_read(state, p, &d.dependency.dependent).await? {
            return Ok(d);
        }
    }
    Err(ApiError::NotFound(format!("dependency {id}")))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AssetQuery {
    /// Only those touching this asset.
    pub asset: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct DependencyPage {
    pub items: Vec<DependencyOut>,
    pub next_cursor: Option<String>,
}

fn cursor_id(page: &PageQuery) -> ApiResult<Option<i64>> {
    page.cursor
        .as_deref()
        .map(|c| c.parse::<i64>().map_err(|_| ApiError::Invalid(Invalid::one("cursor", "expected the next_cursor of a previous page"))))
        .transpose()
}

/// Lists dependencies the caller may see.
#[utoipa::path(get, path = "/api/v1/dependencies", tag = "dependencies", params(AssetQuery, PageQuery),
    responses((status = 200, body = DependencyPage)))]
pub async fn list_dependencies(State(state): State<AppState>, Auth(p): Auth, Query(q): Query<AssetQuery>, Query(page): Query<PageQuery>) -> ApiResult<Json<DependencyPage>> {
    let asset = match q.asset.as_deref() {
        Some(id) => Some(readable(&state, &p, id).await?.asset.id),
        None => None,
    };
    let result = state.store.list_dependencies(asset.as_ref(), page.limit()?, cursor_id(&page)?).await?;
    let mut items = Vec::with_capacity(result.items.len());
    for d in &result.items {
        if can_read(&state, &p, &d.dependency.supplier).await? || can_read(&state, &p, &d.dependency.dependent).await? {
            items.push(DependencyOut::from(d));
        }
    }
    Ok(Json(DependencyPage { items, next_cursor: result.next_cursor }))
}

/// Declares that `dependent_id` needs `service` from `supplier_id`.
#[utoipa::path(post, path = "/api/v1/dependencies", tag = "dependencies",
    request_body(content = Object, description = "supplier_id, dependent_id, service, k, n, buffer_hours"),
    responses((status = 201, body = DependencyOut), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_dependency(State(state): State<AppState>, Auth(p): Auth, JsonBody(body): JsonBody<Object>) -> ApiResult<(StatusCode, Json<DependencyOut>)> {
    let d = Dependency::from_json(&body)?;
    check_dependency(&state, &p, &d).await?;
    let stored = state.store.create_dependency(&d, p.username.as_str(), state.clock.now_ms()).await?;
    Ok((StatusCode::CREATED, Json(DependencyOut::from(&stored))))
}

#[utoipa::path(get, path = "/api/v1/dependencies/{id}", tag = "dependencies", params(("id" = i64, Path)),
    responses((status = 200, body = DependencyOut), (status = 404, body = crate::error::Problem)))]
pub async fn get_dependency(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>) -> ApiResult<Json<DependencyOut>> {
    Ok(Json(DependencyOut::from(&visible_dependency(&state, &p, id).await?)))
}

/// Changes service, redundancy or buffer; the ends cannot change.
#[utoipa::path(put, path = "/api/v1/dependencies/{id}", tag = "dependencies", params(("id" = i64, Path)),
    request_body(content = Object, description = "supplier_id, dependent_id (unchanged), service, k, n, buffer_hours"),
    responses((status = 200, body = DependencyOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update_dependency(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>, JsonBody(mut body): JsonBody<Object>) -> ApiResult<Json<DependencyOut>> {
    let existing = visible_dependency(&state, &p, id).await?;
    body.entry("supplier_id").or_insert(json!(existing.dependency.supplier));
    body.entry("dependent_id").or_insert(json!(existing.dependency.dependent));
    let d = Dependency::from_json(&body)?;
    if d.supplier != existing.dependency.supplier || d.dependent != existing.dependency.dependent {
        return Err(ApiError::Invalid(Invalid::one("supplier_id", "the ends of a dependency cannot change; delete it and add a new one")));
    }
    check_dependency(&state, &p, &d).await?;
    let stored = state.store.update_dependency(id, &d, p.username.as_str(), state.clock.now_ms()).await?;
    Ok(Json(DependencyOut::from(&stored)))
}

#[utoipa::path(delete, path = "/api/v1/dependencies/{id}", tag = "dependencies", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn delete_dependency(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    let existing = visible_dependency(&state, &p, id).await?;
    if !can_write(&state, &p, &existing.dependency.dependent).await? {
        return Err(ApiError::Forbidden(format!("you may not change what {} depends on", existing.dependency.dependent)));
    }
    state.store.delete_dependency(&existing, p.username.as_str(), state.clock.now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct Neighbourhood {
    /// The assets at the other ends that the caller may see.
    pub assets: Vec<AssetOut>,
    pub dependencies: Vec<DependencyOut>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DepthQuery {
    /// Steps to follow, 1 to 10 (default 3).
    pub depth: Option<u32>,
}

async fn neighbourhood(state: &AppState, p: &Principal, id: &str, upstream: bool, depth: Option<u32>) -> ApiResult<Json<Neighbourhood>> {
    let depth = match depth {
        None => 3,
        Some(d @ 1..=10) => d,
        Some(d) => return Err(ApiError::Invalid(Invalid::one("depth", format!("must be from 1 to 10, found {d}")))),
    };
    let root = readable(state, p, id).await?;
    let n = state.store.neighbourhood(&root.asset.id, upstream, depth).await?;
    let scope = p.read_scope();
    let visible: Vec<&rampart_store::StoredAsset> = n.assets.iter().filter(|a| scope.allows_asset(&a.asset)).collect();
    let seen = |id: &AssetId| *id == root.asset.id || visible.iter().any(|a| a.asset.id == *id);
    let dependencies = n
        .dependencies
        .iter()
        .filter(|d| seen(&d.dependency.supplier) || seen(&d.dependency.dependent))
        .map(DependencyOut::from)
        .collect();
    Ok(Json(Neighbourhood { assets: visible.into_iter().map(AssetOut::from).collect(), dependencies }))
}

/// What the asset depends on, transitively.
#[utoipa::path(get, path = "/api/v1/assets/{id}/upstream", tag = "dependencies", params(("id" = String, Path), DepthQuery),
    responses((status = 200, body = Neighbourhood), (status = 404, body = crate::error::Problem)))]
pub async fn upstream(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, Query(q): Query<DepthQuery>) -> ApiResult<Json<Neighbourhood>> {
    neighbourhood(&state, &p, &id, true, q.depth).await
}

/// What depends on the asset, transitively.
#[utoipa::path(get, path = "/api/v1/assets/{id}/downstream", tag = "dependencies", params(("id" = String, Path), DepthQuery),
    responses((status = 200, body = Neighbourhood), (status = 404, body = crate::error::Problem)))]
pub async fn downstream(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, Query(q): Query<DepthQuery>) -> ApiResult<Json<Neighbourhood>> {
    neighbourhood(&state, &p, &id, false, q.depth).await
}

async fn visible_link(state: &AppState, p: &Principal, id: i64) -> ApiResult<StoredLink> {
    if let Some(l) = state.store.get_link(id).await? {
        if can_read(state, p, &l.link.from).await? || can_read(state, p, &l.link.to).await? {
            return Ok(l);
        }
    }
    Err(ApiError::NotFound(format!("link {id}")))
}

#[derive(Serialize, ToSchema)]
pub struct LinkPage {
    pub items: Vec<LinkOut>,
    pub next_cursor: Option<String>,
}

/// Lists network links the caller may see.
#[utoipa::path(get, path = "/api/v1/links", tag = "links", params(AssetQuery, PageQuery), responses((status = 200, body = LinkPage)))]
pub async fn list_links(State(state): State<AppState>, Auth(p): Auth, Query(q): Query<AssetQuery>, Query(page): Query<PageQuery>) -> ApiResult<Json<LinkPage>> {
    let asset = match q.asset.as_deref() {
        Some(id) => Some(readable(&state, &p, id).await?.asset.id),
        None => None,
    };
    let result = state.store.list_links(asset.as_ref(), page.limit()?, cursor_id(&page)?).await?;
    let mut items = Vec::with_capacity(result.items.len());
    for l in &result.items {
        if can_read(&state, &p, &l.link.from).await? || can_read(&state, &p, &l.link.to).await? {
            items.push(LinkOut::from(l));
        }
    }
    Ok(Json(LinkPage { items, next_cursor: result.next_cursor }))
}

/// Connects two assets of one networked sector.
#[utoipa::path(post, path = "/api/v1/links", tag = "links", request_body(content = Object, description = "network, from_id, to_id, capacity, length_km"),
    responses((status = 201, body = LinkOut), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create_link(State(state): State<AppState>, Auth(p): Auth, JsonBody(body): JsonBody<Object>) -> ApiResult<(StatusCode, Json<LinkOut>)> {
    let l = NetworkLink::from_json(&body)?;
    let mut errors = Vec::new();
    for (field, id) in [("from_id", &l.from), ("to_id", &l.to)] {
        if !can_read(&state, &p, id).await? {
            errors.push(rampart_core::FieldError::new(field, format!("no asset with id {:?}", id.as_str())));
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(Invalid(errors)));
    }
    if !can_write(&state, &p, &l.from).await? {
        return Err(ApiError::Forbidden(format!("you may not change the links of {}", l.from)));
    }
    let stored = state.store.create_link(&l, p.username.as_str(), state.clock.now_ms()).await?;
    Ok((StatusCode::CREATED, Json(LinkOut::from(&stored))))
}

#[utoipa::path(get, path = "/api/v1/links/{id}", tag = "links", params(("id" = i64, Path)),
    responses((status = 200, body = LinkOut), (status = 404, body = crate::error::Problem)))]
pub async fn get_link(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>) -> ApiResult<Json<LinkOut>> {
    Ok(Json(LinkOut::from(&visible_link(&state, &p, id).await?)))
}

#[utoipa::path(delete, path = "/api/v1/links/{id}", tag = "links", params(("id" = i64, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn delete_link(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<i64>) -> ApiResult<StatusCode> {
    let existing = visible_link(&state, &p, id).await?;
    if !can_write(&state, &p, &existing.link.from).await? {
        return Err(ApiError::Forbidden(format!("you may not change the links of {}", existing.link.from)));
    }
    state.store.delete_link(&existing, p.username.as_str(), state.clock.now_ms()).await?;
    Ok(StatusCode::NO_CONTENT)
}

