//! `/api/v1/drone/…`: protected sites as UAS geographical zones (ED-269, ED-318), zone
//! files read back, and drone tracks checked against zones. See docs/drones.md.

use crate::assets::FilterQuery;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rampart_core::{AssetId, FieldError, Invalid, Scope};
use rampart_store::{AssetFilter, Store};
use rampart_threat::drone::{self, Restriction, SiteZoneOptions, VerticalReference, Zone, ZoneFormat};
use serde::Deserialize;
use serde_json::{json, Value};
use utoipa::{IntoParams, ToSchema};

/// Most sites turned into zones at once.
pub const MAX_ZONES: usize = 10_000;

#[derive(Deserialize, IntoParams, Default)]
#[into_params(parameter_in = Query)]
pub struct ZoneQuery {
    /// Asset ids, comma-separated; or filter the sites by `country`, `category`, `sector`, `bbox`, `q`.
    pub assets: Option<String>,
    /// Metres added around each site (default 500; a point site needs more than 0).
    pub buffer: Option<f64>,
    /// Lower limit in metres (default 0).
    pub lower: Option<f64>,
    /// Upper limit in metres (default 120).
    pub upper: Option<f64>,
    /// `AGL` (default), `AMSL` or `WGS84`.
    pub reference: Option<String>,
    /// `PROHIBITED` (default), `REQ_AUTHORISATION`, `CONDITIONAL` or `NO_RESTRICTION`.
    pub restriction: Option<String>,
    /// `ed318` (default), `ed269`, or `json` (Rampart's summaries with GeoJSON shapes, for maps).
    pub format: Option<String>,
}

/// Which sites, and how their zones are drawn.
pub struct SiteSelection {
    pub ids: Vec<AssetId>,
    pub filter: AssetFilter,
    pub options: SiteZoneOptions,
}

impl ZoneQuery {
    /// Parses the query with the asset filter, naming every parameter at fault.
    pub fn selection(&self, filter: AssetFilter) -> Result<SiteSelection, Invalid> {
        let mut errors: Vec<FieldError> = Vec::new();
        let ids: Vec<AssetId> = self
            .assets
            .as_deref()
            .unwrap_or("")
            .split(',')
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .filter_map(|s| AssetId::parse(s).map_err(|e| errors.extend(e.within("assets").0)).ok())
            .collect();
        let defaults = SiteZoneOptions::default();
        let reference = match self.reference.as_deref() {
            None => defaults.reference,
            Some(r) => VerticalReference::parse(r).unwrap_or_else(|| {
                errors.push(FieldError::new("reference", format!("expected AGL, AMSL or WGS84, found {r:?}")));
                defaults.reference
            }),
        };
        let restriction = match self.restriction.as_deref() {
            None => defaults.restriction,
            Some(r) => Restriction::parse(r).filter(|r| *r != Restriction::USpace).unwrap_or_else(|| {
                errors.push(FieldError::new("restriction", format!("expected PROHIBITED, REQ_AUTHORISATION, CONDITIONAL or NO_RESTRICTION, found {r:?}")));
                defaults.restriction
            }),
        };
        let options = SiteZoneOptions {
            buffer_m: self.buffer.unwrap_or(defaults.buffer_m),
            lower_m: self.lower.unwrap_or(defaults.lower_m),
            upper_m: self.upper.unwrap_or(defaults.upper_m),
            reference,
            restriction,
        };
        if let Err(e) = options.check() {
            errors.extend(e.0);
        }
        let filtered = filter.country.is_some() || filter.category.is_some() || filter.sector.is_some() || filter.bbox.is_some() || filter.text.is_some();
        if ids.is_empty() && !filtered && errors.is_empty() {
            errors.push(FieldError::new("assets", "name the sites (assets=ID,ID) or filter them by country, category, sector, bbox or q"));
        }
        if errors.is_empty() {
            Ok(SiteSelection { ids, filter, options })
        } else {
            Err(Invalid(errors))
        }
    }
}

/// The zones of the selected sites the reader may see. Named sites they may not see
/// are "not found", like any other.
pub async fn site_zones(store: &Store, scope: &Scope, sel: &SiteSelection) -> ApiResult<Vec<Zone>> {
    let mut assets = Vec::new();
    for id in &sel.ids {
        match store.get_asset(id).await? {
            Some(s) if scope.allows_asset(&s.asset) => assets.push(s.asset),
            _ => return Err(ApiError::NotFound(format!("asset {id}"))),
        }
    }
    if sel.ids.is_empty() {
        let mut cursor: Option<String> = None;
        loop {
            let page = store.list_assets(&sel.filter, scope, 1000, cursor.as_deref()).await?;
            assets.extend(page.items.into_iter().map(|s| s.asset));
            if assets.len() > MAX_ZONES {
                return Err(ApiError::Invalid(Invalid::one("assets", format!("more than {MAX_ZONES} sites match; narrow the filter"))));
            }
            match page.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
    }
    let mut zones = Vec::with_capacity(assets.len());
    let mut errors = Vec::new();
    for a in &assets {
        match drone::site_zone(a, &sel.options) {
            Ok(z) => zones.push(z),
            Err(e) => errors.extend(e.within(&format!("assets.{}", a.id)).0),
        }
    }
    if errors.is_empty() {
        Ok(zones)
    } else {
        Err(ApiError::Invalid(Invalid(errors)))
    }
}

/// Protected sites as UAS geographical zones: an ED-318 or ED-269 document, or
/// Rampart's zone summaries (`format=json`) for maps.
#[utoipa::path(get, path = "/api/v1/drone/zones", tag = "drones", params(FilterQuery, ZoneQuery),
    responses((status = 200, description = "An ED-318 FeatureCollection, an ED-269 document, or {\"zones\": [summary]}", content_type = "application/json"),
        (status = 404, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn zones(State(state): State<AppState>, Auth(p): Auth, Query(f): Query<FilterQuery>, Query(q): Query<ZoneQuery>) -> ApiResult<Response> {
    let format = q.format.clone().unwrap_or_else(|| "ed318".into());
    let write_as = if format.eq_ignore_ascii_case("json") { None } else { Some(ZoneFormat::parse(&format)?) };
    let sel = q.selection(f.parse()?)?;
    let zones = site_zones(&state.store, &p.read_scope(), &sel).await?;
    let body = match write_as {
        None => json!({"zones": zones.iter().map(drone::zone_summary).collect::<Vec<_>>()}),
        Some(w) => w.write(&zones, "Protected sites (Rampart)")?,
    };
    let disposition = match write_as {
        Some(ZoneFormat::Ed269) => "inline; filename=\"uas-zones-ed269.json\"",
        Some(ZoneFormat::Ed318) => "inline; filename=\"uas-zones-ed318.json\"",
        None => "inline",
    };
    Ok(([(header::CONTENT_TYPE, "application/json"), (header::CONTENT_DISPOSITION, disposition)], body.to_string()).into_response())
}

/// Reads an ED-269 or ED-318 file (either, detected) and returns its zones, with the
/// departures from the model that were accepted as warnings; or the fields at fault.
#[utoipa::path(post, path = "/api/v1/drone/zones/import", tag = "drones",
    request_body(content = String, description = "An ED-269 or ED-318 JSON document", content_type = "application/json"),
    responses((status = 200, description = "{format, zones: [summary], warnings: [{field, message}]}"), (status = 422, body = crate::error::Problem)))]
pub async fn import(Auth(_p): Auth, body: Bytes) -> ApiResult<Json<Value>> {
    let text = std::str::from_utf8(&body).map_err(|_| ApiError::BadRequest("the zone file is not UTF-8 text".into()))?;
    let file = drone::read_zones_text(text)?;
    Ok(Json(json!({
        "format": file.format,
        "zones": file.zones.iter().map(drone::zone_summary).collect::<Vec<_>>(),
        "warnings": file.warnings,
    })))
}

/// Zones and a track to check against them.
#[derive(Deserialize, ToSchema)]
pub struct CheckRequest {
    /// An ED-269 or ED-318 document.
    #[schema(value_type = Object)]
    pub zones: Value,
    /// A track: the JSON form (`{"reports": […]}` or an array), or hexadecimal Remote ID messages, one per line, as a string.
    #[schema(value_type = Object)]
    pub track: Value,
    /// Draft an alert of the warning network for every confirmed incursion (alert issuers
    /// only): `{"tlp": "TLP:AMBER", "community"?: …}` as for `POST /api/v1/alerts`.
    #[schema(value_type = Option<Object>)]
    pub draft_alerts: Option<serde_json::Map<String, Value>>,
}

/// CAP 1.2 writes "lat,lon" pairs; a polygon's exterior ring as CAP's closed list.
fn cap_polygon(p: &geo::Polygon<f64>) -> String {
    p.exterior().0.iter().map(|c| format!("{:.6},{:.6}", c.y, c.x)).collect::<Vec<_>>().join(" ")
}

/// The CAP alert (JSON model) of a confirmed incursion: a Security event of the zone's
/// area (its volumes as CAP polygons and circles), with the drone and zone as parameters.
pub fn incursion_cap(i: &drone::Incursion, zone: &drone::Zone) -> Value {
    let mut polygons = Vec::new();
    let mut circles = Vec::new();
    for v in &zone.volumes {
        match &v.shape {
            drone::Shape::Polygon(p) => polygons.push(cap_polygon(p)),
            drone::Shape::Circle { lon, lat, radius_m } => circles.push(format!("{lat:.6},{lon:.6} {:.3}", radius_m / 1000.0)),
        }
    }
    let summary = i.alert();
    let severity = match summary["severity"].as_str() {
        Some("severe") => "Severe",
        Some("moderate") => "Moderate",
        _ => "Minor",
    };
    let mut parameters = vec![json!({"value_name": "uas_id", "value": i.uas_id}), json!({"value_name": "uas_zone", "value": i.zone_id})];
    if let Some(a) = &i.asset_id {
        parameters.push(json!({"value_name": "rampart_asset", "value": a}));
    }
    let onset = i.first_time.as_deref().and_then(drone::schedule::rfc3339).map(|s| crate::alerts::cap_time(s * 1000));
    json!({
        "status": "Actual",
        "infos": [{
            "categories": ["Security"],
            "event": "UAS zone incursion",
            "urgency": "Immediate",
            "severity": severity,
            "certainty": "Observed",
            "onset": onset,
            "headline": summary["headline"],
            "description": format!(
                "Drone {} was inside UAS zone {} ({}, {}) for {} position report(s), first at {:.5}, {:.5}.",
                i.uas_id, i.zone_id, i.zone_name, i.restriction, i.reports, i.entry[1], i.entry[0]
            ),
            "parameters": parameters,
            "areas": [{"area_desc": format!("UAS zone {} ({})", i.zone_name, i.zone_id), "polygons": polygons, "circles": circles}],
        }],
    })
}

/// Checks a drone track against zones: the stays of each drone in each zone, confirmed
/// or possible, each with the alert it would raise; with `draft_alerts`, a draft alert of
/// the warning network for each confirmed incursion (to be approved and published).
#[utoipa::path(post, path = "/api/v1/drone/check", tag = "drones", request_body = CheckRequest,
    responses((status = 200, description = "{zones, reports: [report], incursions: [incursion]}"), (status = 422, body = crate::error::Problem)))]
pub async fn check(State(state): State<AppState>, Auth(p): Auth, JsonBody(req): JsonBody<CheckRequest>) -> ApiResult<Json<Value>> {
    if req.draft_alerts.is_some() && !p.can_issue_alerts() {
        return Err(ApiError::Forbidden("alerts are drafted by administrators, analysts and protective security advisors of authorities and EU bodies".into()));
    }
    let zones = drone::read_zones(&req.zones).map_err(|e| ApiError::Invalid(e.within("zones")));
    let track = match &req.track {
        Value::String(text) => drone::track::read(text),
        other => drone::track::read_json(other),
    }
    .map_err(|e| e.within("track"));
    let (zones, track) = match (zones, track) {
        (Ok(z), Ok(t)) => (z, t),
        (z, t) => {
            let mut errors = Vec::new();
            if let Err(ApiError::Invalid(i)) = z {
                errors.extend(i.0);
            }
            if let Err(i) = t {
                errors.extend(i.0);
            }
            return Err(ApiError::Invalid(Invalid(errors)));
        }
    };
    let (mut result, drafts) = tokio::task::spawn_blocking(move || {
        let incursions = drone::check(&zones.zones, &track.reports);
        // The CAP alert of each confirmed incursion, for drafting below.
        let caps: Vec<(usize, Value)> = incursions
            .iter()
            .enumerate()
            .filter(|(_, i)| i.status == drone::Status::Confirmed)
            .filter_map(|(n, i)| zones.zones.iter().find(|z| z.id == i.zone_id).map(|z| (n, incursion_cap(i, z))))
            .collect();
        let result = json!({
            "zones": zones.zones.len(),
            "reports": track.reports,
            "incursions": incursions.iter().map(|i| i.to_json()).collect::<Vec<_>>(),
        });
        (result, caps)
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?;
    if let Some(envelope) = req.draft_alerts {
        let mut drafted = Vec::new();
        for (n, cap) in drafts {
            let mut body = envelope.clone();
            body.insert("cap".into(), cap);
            let a = crate::alerts::draft(&state, &p, &body).await.map_err(|e| match e {
                ApiError::Invalid(i) => ApiError::Invalid(i.within("draft_alerts")),
                other => other,
            })?;
            drafted.push(json!({"incursion": n, "alert_id": a.id}));
        }
        result["draft_alerts"] = json!(drafted);
    }
    Ok(Json(result))
}
