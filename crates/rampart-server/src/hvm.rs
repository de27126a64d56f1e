//! `/api/v1/hvm`: hostile-vehicle approaches into a perimeter (rampart_threat::hvm).
//!
//! The perimeter is a GeoJSON polygon in the body or a registry asset the caller may
//! read (anything else is "not found"); the road network is approach paths drawn by
//! hand (GeoJSON LineStrings in the body) or, when the server is configured with an
//! OpenStreetMap extract (`hvm_osm`), that extract's roads around the perimeter.

use crate::assets::readable;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::AppState;
use axum::extract::State;
use axum::Json;
use rampart_core::{FieldError, Invalid};
use rampart_threat::hvm::{self, Config, Perimeter, RoadNetwork};
use serde_json::{json, Value};

/// Runs an approach analysis.
///
/// Body: `perimeter` (a GeoJSON Polygon, or a Feature of one) or `asset_id` (a
/// public space of the registry with a polygon outline); `paths` (a GeoJSON
/// FeatureCollection of LineStrings: approach paths, with optional `name`,
/// `maxspeed` km/h, `bank`, `oneway` properties) — or, when the server has an OSM
/// extract configured, `"roads": "osm"` to use it; options `vehicles` (class codes
/// such as `"N3C"`, or `{code, mass_kg, accel, top_speed_kmh}`), `mu`,
/// `bend_window_m`, `legal_limits`, `respect_oneway`, `search_margin_m`,
/// `max_penetration_m`, `barrier` (a rating string such as `"V/7200[N3C]/48/90:0.6"`).
/// Answer: the approaches with, per vehicle class, the impact speed, energy, required
/// ratings (IWA 14-1 / ISO 22343-1, PAS 68, ASTM F2656), run-up path and speed
/// profile; `insufficient` names the approaches the barrier does not stop; `geojson`
/// holds the run-up paths as a FeatureCollection.
#[utoipa::path(post, path = "/api/v1/hvm", tag = "threats",
    request_body(content = Object, description = "perimeter or asset_id, paths or roads, options"),
    responses((status = 200, description = "approaches, insufficient, geojson, perimeter"),
        (status = 404, description = "the asset is unknown or not readable", body = crate::error::Problem),
        (status = 422, description = "an input at fault, named by field", body = crate::error::Problem)))]
pub async fn analyse(State(state): State<AppState>, Auth(p): Auth, JsonBody(body): JsonBody<Value>) -> ApiResult<Json<Value>> {
    let Some(o) = body.as_object() else {
        return Err(ApiError::BadRequest("expected a JSON object".into()));
    };
    let mut errors: Vec<FieldError> = Vec::new();
    let perimeter = match (o.get("perimeter").filter(|v| !v.is_null()), o.get("asset_id").and_then(Value::as_str)) {
        (Some(g), _) => take(&mut errors, Perimeter::from_geojson(g).map_err(|e| e.within("perimeter"))),
        (None, Some(id)) => {
            let asset = readable(&state, &p, id).await?;
            take(&mut errors, Perimeter::from_geometry(&asset.asset.geometry).map_err(|e| {
                Invalid(e.0.into_iter().map(|f| FieldError::new("asset_id", format!("asset {id}: {}", f.message))).collect())
            }))
        }
        (None, None) => {
            errors.push(FieldError::new("perimeter", "give the perimeter as a GeoJSON Polygon, or a registry asset in asset_id"));
            None
        }
    };
    let config = take(&mut errors, Config::from_json(o));
    let use_osm = o.get("roads").and_then(Value::as_str) == Some("osm");
    let paths = match (o.get("paths").filter(|v| !v.is_null()), use_osm) {
        (Some(v), _) => take(&mut errors, RoadNetwork::from_geojson_paths(v).map_err(|e| e.within("paths"))),
        (None, true) if state.settings.hvm_osm.is_some() => None,
        (None, true) => {
            errors.push(FieldError::new("roads", "this server has no OpenStreetMap extract configured (hvm_osm): send approach paths in paths"));
            None
        }
        (None, false) => {
            errors.push(FieldError::new("paths", "give the approach paths as a GeoJSON FeatureCollection of LineStrings"));
            None
        }
    };
    if !errors.is_empty() {
        return Err(ApiError::Invalid(Invalid(errors)));
    }
    let (Some(perimeter), Some(config)) = (perimeter, config) else {
        return Err(ApiError::Internal("hvm: inputs missing without an error".into()));
    };
    let osm = state.settings.hvm_osm.clone();
    let result = tokio::task::spawn_blocking(move || -> ApiResult<Value> {
        let roads = match paths {
            Some(r) => r,
            None => {
                let path = osm.ok_or_else(|| ApiError::Internal("hvm: no OSM extract".into()))?;
                let bbox = perimeter.search_box(config.search_margin_m);
                rampart_formats::osm_roads::read_roads(&path, bbox).map_err(|e| ApiError::Internal(e.to_string()))?.0
            }
        };
        let analysis = hvm::analyse(&perimeter, &roads, &config)?;
        let geojson = analysis.to_geojson();
        let perimeter_json = rampart_core::Geometry::Polygon(perimeter.polygon.clone()).to_geojson();
        let mut out = serde_json::to_value(&analysis).map_err(|e| ApiError::Internal(e.to_string()))?;
        if let Some(m) = out.as_object_mut() {
            m.insert("geojson".into(), geojson);
            m.insert("perimeter".into(), perimeter_json);
            if use_osm {
                m.insert("attribution".into(), json!(rampart_formats::osm::ATTRIBUTION));
            }
        }
        Ok(out)
    })
    .await
    .map_err(|e| ApiError::Internal(format!("hvm analysis task: {e}")))??;
    Ok(Json(result))
}

fn take<T>(errors: &mut Vec<FieldError>, r: Result<T, Invalid>) -> Option<T> {
    match r {
        Ok(v) => Some(v),
        Err(e) => {
            errors.extend(e.0);
            None
        }
    }
}
