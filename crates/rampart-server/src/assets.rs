//! `/api/v1/assets`: the registry's assets, scoped by the caller's access rules.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::{rfc3339, AppState};
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::Json;
use rampart_core::fields::Object;
use rampart_core::{Asset, AssetId, BBox, Category, CountryCode, FieldError, Invalid, Kind, OrgId, Principal, Sector};
use rampart_store::{AssetFilter, MapItem, StoreError, StoredAsset};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

/// An asset as the API returns it.
#[derive(Serialize, ToSchema)]
pub struct AssetOut {
    pub id: String,
    pub name: String,
    /// `infrastructure` or `public_space`.
    pub kind: String,
    pub sector: Option<String>,
    pub subsector: Option<String>,
    pub category: Option<String>,
    /// GeoJSON Point or Polygon, WGS 84.
    #[schema(value_type = Object)]
    pub geometry: Value,
    pub country: String,
    pub operator_id: Option<String>,
    pub people_served: Option<u64>,
    pub peak_occupancy: Option<u64>,
    /// Euro per day of service.
    pub value_per_day: Option<f64>,
    pub restoration_hours: Option<f64>,
    #[schema(value_type = Object)]
    pub attributes: Value,
    /// Send back on update; a stale version is a conflict.
    pub version: i64,
    pub updated_at: String,
    pub updated_by: String,
}

impl From<&StoredAsset> for AssetOut {
    fn from(s: &StoredAsset) -> Self {
        let a = &s.asset;
        AssetOut {
            id: a.id.to_string(),
            name: a.name.clone(),
            kind: a.kind.key().into(),
            sector: a.sector.map(|x| x.key().into()),
            subsector: a.subsector.map(|x| x.key().into()),
            category: a.category.map(|x| x.key().into()),
            geometry: a.geometry.to_geojson(),
            country: a.country.to_string(),
            operator_id: a.operator_id.as_ref().map(|o| o.to_string()),
            people_served: a.people_served,
            peak_occupancy: a.peak_occupancy,
            value_per_day: a.value_per_day,
            restoration_hours: a.restoration_hours,
            attributes: Value::Object(a.attributes.clone()),
            version: s.version,
            updated_at: rfc3339(s.updated_at),
            updated_by: s.updated_by.clone(),
        }
    }
}

/// Filters shared by the list, GeoJSON and map endpoints (serialised into audit entries of exports).
#[derive(Deserialize, serde::Serialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct FilterQuery {
    /// A sector key, e.g. `energy`.
    pub sector: Option<String>,
    /// `infrastructure` or `public_space`.
    pub kind: Option<String>,
    /// ISO 3166-1 alpha-2 code.
    pub country: Option<String>,
    /// A public-space category key, e.g. `stadium`.
    pub category: Option<String>,
    /// An operator organisation id.
    pub operator: Option<String>,
    /// `minLon,minLat,maxLon,maxLat`.
    pub bbox: Option<String>,
    /// Text contained in the name or id.
    pub q: Option<String>,
    /// A GeoJSON Polygon: only assets whose point (or polygon centroid) lies inside.
    pub within: Option<String>,
}

fn opt<T>(errors: &mut Vec<FieldError>, field: &str, v: &Option<String>, parse: fn(&str) -> Result<T, Invalid>) -> Option<T> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => match parse(s) {
            Ok(x) => Some(x),
            Err(e) => {
                errors.extend(e.within(field).0);
                None
            }
        },
    }
}

fn parse_polygon(s: &str) -> Result<geo::Polygon<f64>, Invalid> {
    let v: Value = serde_json::from_str(s).map_err(|e| Invalid::one("", format!("expected a GeoJSON Polygon: {e}")))?;
    match rampart_core::Geometry::from_geojson(&v)? {
        rampart_core::Geometry::Polygon(p) => Ok(p),
        rampart_core::Geometry::Point { .. } => Err(Invalid::one("type", "expected \"Polygon\", found \"Point\"")),
    }
}

impl FilterQuery {
    pub fn parse(&self) -> ApiResult<AssetFilter> {
        let mut errors = Vec::new();
        let f = AssetFilter {
            sector: opt(&mut errors, "sector", &self.sector, Sector::parse),
            kind: opt(&mut errors, "kind", &self.kind, Kind::parse),
            country: opt(&mut errors, "country", &self.country, CountryCode::parse),
            category: opt(&mut errors, "category", &self.category, Category::parse),
            operator: opt(&mut errors, "operator", &self.operator, OrgId::parse),
            bbox: opt(&mut errors, "bbox", &self.bbox, BBox::parse),
            text: self.q.clone().filter(|q| !q.trim().is_empty()),
            within: opt(&mut errors, "within", &self.within, parse_polygon),
        };
        if errors.is_empty() {
            Ok(f)
        } else {
            Err(ApiError::Invalid(Invalid(errors)))
        }
    }
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageQuery {
    /// Items per page, 1 to 1000 (default 50).
    pub limit: Option<u32>,
    /// The `next_cursor` of the previous page.
    pub cursor: Option<String>,
}

impl PageQuery {
    pub fn limit(&self) -> ApiResult<u32> {
        match self.limit {
            None => Ok(50),
            Some(n @ 1..=1000) => Ok(n),
            Some(n) => Err(ApiError::Invalid(Invalid::one("limit", format!("must be from 1 to 1000, found {n}")))),
        }
    }
}

#[derive(Serialize, ToSchema)]
pub struct AssetPage {
    pub items: Vec<AssetOut>,
    pub next_cursor: Option<String>,
}

/// Lists the assets the caller may see, in id order.
#[utoipa::path(get, path = "/api/v1/assets", tag = "assets", params(FilterQuery, PageQuery),
    responses((status = 200, body = AssetPage), (status = 422, body = crate::error::Problem)))]
pub async fn list(State(state): State<AppState>, Auth(p): Auth, Query(f): Query<FilterQuery>, Query(page): Query<PageQuery>) -> ApiResult<Json<AssetPage>> {
    let filter = f.parse()?;
    let result = state.store.list_assets(&filter, &p.read_scope(), page.limit()?, page.cursor.as_deref()).await?;
    Ok(Json(AssetPage { items: result.items.iter().map(AssetOut::from).collect(), next_cursor: result.next_cursor }))
}

/// The same list as a GeoJSON FeatureCollection, for map layers and GIS tools.
#[utoipa::path(get, path = "/api/v1/assets.geojson", tag = "assets", params(FilterQuery, PageQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection; `next_cursor` as a foreign member", content_type = "application/geo+json")))]
pub async fn list_geojson(State(state): State<AppState>, Auth(p): Auth, Query(f): Query<FilterQuery>, Query(page): Query<PageQuery>) -> ApiResult<axum::response::Response> {
    let filter = f.parse()?;
    let result = state.store.list_assets(&filter, &p.read_scope(), page.limit()?, page.cursor.as_deref()).await?;
    let features: Vec<Value> = result
        .items
        .iter()
        .map(|s| {
            let mut props = s.asset.to_json();
            let geometry = props.remove("geometry").unwrap_or(Value::Null);
            props.insert("version".into(), json!(s.version));
            json!({"type": "Feature", "id": s.asset.id, "geometry": geometry, "properties": props})
        })
        .collect();
    let body = json!({"type": "FeatureCollection", "features": features, "next_cursor": result.next_cursor});
    Ok(geojson_response(body))
}

pub fn geojson_response(body: Value) -> axum::response::Response {
    use axum::response::IntoResponse;
    ([(axum::http::header::CONTENT_TYPE, "application/geo+json")], body.to_string()).into_response()
}

/// Most assets the map endpoint draws one by one.
pub const MAP_MAX_POINTS: i64 = 8_000;
/// Grid cells across the view when there are more (below zoom 12).
pub const MAP_GRID: u32 = 28;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MapQuery {
    /// Map zoom level; decides the grid of clusters.
    pub zoom: Option<f64>,
}

/// What a map shows of an area: the assets themselves, or clusters with counts when
/// there are more than 8,000.
#[utoipa::path(get, path = "/api/v1/map", tag = "assets", params(FilterQuery, MapQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection of assets (id, name, kind, sector, subsector, category, country) and clusters (cluster, count)", content_type = "application/geo+json")))]
pub async fn map(State(state): State<AppState>, Auth(p): Auth, Query(f): Query<FilterQuery>, Query(m): Query<MapQuery>) -> ApiResult<axum::response::Response> {
    let filter = f.parse()?;
    // Up to 8,000 assets are drawn one by one; beyond that, counts on a 28 × 28 grid
    // of the view (cells about 30 px wide on a laptop screen), single assets as themselves.
    let zoom = m.zoom.unwrap_or(4.0).clamp(0.0, 22.0);
    let grid = if zoom >= 12.0 { 40 } else { MAP_GRID };
    let items = state.store.map_items(&filter, &p.read_scope(), MAP_MAX_POINTS, grid).await?;
    let features: Vec<Value> = items
        .into_iter()
        .map(|item| match item {
            MapItem::Asset { id, name, kind, sector, subsector, category, country, lon, lat } => json!({
                "type": "Feature", "id": id, "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {"id": id, "name": name, "kind": kind, "sector": sector, "subsector": subsector, "category": category, "country": country}
            }),
            MapItem::Cluster(c) => json!({
                "type": "Feature", "geometry": {"type": "Point", "coordinates": [c.lon, c.lat]},
                "properties": {"cluster": true, "count": c.count, "sector": Value::Null}
            }),
        })
        .collect();
    Ok(geojson_response(json!({"type": "FeatureCollection", "features": features})))
}

/// Reads an asset the caller may see; anything else is "not found".
pub async fn readable(state: &AppState, p: &Principal, id: &str) -> ApiResult<StoredAsset> {
    let id = AssetId::parse(id).map_err(|_| ApiError::NotFound(format!("asset {id}")))?;
    match state.store.get_asset(&id).await? {
        Some(a) if p.read_scope().allows_asset(&a.asset) => Ok(a),
        _ => Err(ApiError::NotFound(format!("asset {id}"))),
    }
}

/// The store calls this with the current value before changing it.
fn writable(p: &Principal) -> impl FnOnce(&StoredAsset) -> Result<(), StoreError> + '_ {
    move |old| {
        if !p.read_scope().allows_asset(&old.asset) {
            Err(StoreError::NotFound(format!("asset {}", old.asset.id)))
        } else if !p.write_scope().allows_asset(&old.asset) {
            Err(StoreError::Refused(format!("you may read but not change asset {}", old.asset.id)))
        } else {
            Ok(())
        }
    }
}

fn check_target(p: &Principal, a: &Asset) -> ApiResult<()> {
    if p.write_scope().allows_asset(a) {
        Ok(())
    } else {
        Err(ApiError::Forbidden(format!(
            "you may not put an asset of country {} operated by {} in the registry",
            a.country,
            a.operator_id.as_ref().map(|o| o.as_str()).unwrap_or("nobody")
        )))
    }
}

/// Gets one asset.
#[utoipa::path(get, path = "/api/v1/assets/{id}", tag = "assets", params(("id" = String, Path)),
    responses((status = 200, body = AssetOut), (status = 404, body = crate::error::Problem)))]
pub async fn get(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<AssetOut>> {
    Ok(Json(AssetOut::from(&readable(&state, &p, &id).await?)))
}

/// Adds an asset. Without an `id`, one is assigned.
#[utoipa::path(post, path = "/api/v1/assets", tag = "assets", request_body(content = Object, description = "The asset's fields as in AssetOut, without version and updated_*"),
    responses((status = 201, body = AssetOut), (status = 403, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(State(state): State<AppState>, Auth(p): Auth, JsonBody(mut body): JsonBody<Object>) -> ApiResult<(StatusCode, Json<AssetOut>)> {
    if body.get("id").is_none_or(|v| v.is_null() || v.as_str() == Some("")) {
        let country = body.get("country").and_then(Value::as_str).unwrap_or("XX").to_ascii_uppercase();
        body.insert("id".into(), json!(format!("{country}-{}", &crate::auth::new_secret()[..10].to_ascii_uppercase().replace(['-', '_'], "X"))));
    }
    let asset = Asset::from_json(&body)?;
    check_target(&p, &asset)?;
    let stored = state.store.create_asset(&asset, p.username.as_str(), state.clock.now_ms()).await?;
    Ok((StatusCode::CREATED, Json(AssetOut::from(&stored))))
}

/// Replaces an asset. Send the `version` you edited: a stale one is a conflict.
#[utoipa::path(put, path = "/api/v1/assets/{id}", tag = "assets", params(("id" = String, Path)),
    request_body(content = Object, description = "The asset's fields as in AssetOut, with the version you edited"),
    responses((status = 200, body = AssetOut), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn update(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, JsonBody(mut body): JsonBody<Object>) -> ApiResult<Json<AssetOut>> {
    let version = match body.remove("version") {
        None | Some(Value::Null) => None,
        Some(v) => Some(v.as_i64().ok_or_else(|| ApiError::Invalid(Invalid::one("version", "expected a whole number")))?),
    };
    for read_only in ["updated_at", "updated_by"] {
        body.remove(read_only);
    }
    match body.get("id").and_then(Value::as_str) {
        Some(body_id) if body_id != id => {
            return Err(ApiError::Invalid(Invalid::one("id", format!("does not match the URL's asset id {id:?}; ids cannot change"))))
        }
        _ => {
            body.insert("id".into(), json!(id));
        }
    }
    let existing = readable(&state, &p, &id).await?;
    let asset = Asset::from_json(&body)?;
    if !p.write_scope().allows_asset(&existing.asset) {
        return Err(ApiError::Forbidden(format!("you may read but not change asset {id}")));
    }
    check_target(&p, &asset)?;
    let stored = state
        .store
        .update_asset(&asset, version, writable(&p), p.username.as_str(), state.clock.now_ms())
        .await?;
    Ok(Json(AssetOut::from(&stored)))
}

/// Deletes an asset with its dependencies and network links; its history stays.
#[utoipa::path(delete, path = "/api/v1/assets/{id}", tag = "assets", params(("id" = String, Path)),
    responses((status = 204), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem)))]
pub async fn delete(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<StatusCode> {
    let existing = readable(&state, &p, &id).await?;
    state
        .store
        .delete_asset(&existing.asset.id, writable(&p), p.username.as_str(), state.clock.now_ms())
        .await?;
    Ok(StatusCode::NO_CONTENT)
}

#[derive(Serialize, ToSchema)]
pub struct HistoryOut {
    pub at: String,
    pub by: String,
    /// create, update, delete, import, generate, dependency_added, …
    pub action: String,
    /// `{"field": {"from": …, "to": …}}`
    #[schema(value_type = Object)]
    pub changes: Value,
}

#[derive(Serialize, ToSchema)]
pub struct HistoryPage {
    pub items: Vec<HistoryOut>,
}

/// Who changed what and when, newest first.
#[utoipa::path(get, path = "/api/v1/assets/{id}/history", tag = "assets", params(("id" = String, Path)),
    responses((status = 200, body = HistoryPage), (status = 404, body = crate::error::Problem)))]
pub async fn history(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<HistoryPage>> {
    let a = readable(&state, &p, &id).await?;
    let entries = state.store.asset_history(&a.asset.id, 200).await?;
    Ok(Json(HistoryPage {
        items: entries
            .into_iter()
            .map(|h| HistoryOut { at: rfc3339(h.at), by: h.actor, action: h.action, changes: h.changes })
            .collect(),
    }))
}
