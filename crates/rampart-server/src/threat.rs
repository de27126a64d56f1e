//! `/api/v1/blast`, `/api/v1/egress`, `/api/v1/precursors/…`: the threat-specific tools
//! of `rampart-threat` (blast stand-off, crowd egress, explosives precursors).
//!
//! Access: every logged-in user may compute. What a blast's rings are found to hold is
//! read from the registry under the caller's read scope, so nobody learns of sites they
//! may not read. Explosives-precursor reports are composed here; `precursor_reports.rs`
//! sends them to the national contact point.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::{rfc3339, AppState};
use axum::extract::State;
use axum::Json;
use rampart_core::error::Collector;
use rampart_core::fields;
use rampart_core::{BBox, Invalid, Scope};
use rampart_engine::hazard::blast::{self as physics, Burst, Charge, Threshold, ThreatItem};
use rampart_store::{AssetFilter, Store};
use rampart_threat::blast::{self, Site};
use rampart_threat::egress::{self, RuleSet, Venue};
use rampart_threat::precursor::{self, Catalogue, Formulation, Report};
use serde_json::{json, Value};
use std::sync::OnceLock;

/// Sites listed by name in a blast answer (the counts per ring include all of them).
const MAX_SITES_LISTED: usize = 500;

pub(crate) fn catalogue() -> &'static Catalogue {
    static CATALOGUE: OnceLock<Catalogue> = OnceLock::new();
    CATALOGUE.get_or_init(Catalogue::shipped)
}

/// A parsed blast request.
pub struct BlastInput {
    pub request: blast::Request,
    pub at: Option<(f64, f64)>,
}

/// Parses `{"kg": 227 | "item": "car", "burst": "surface" | "free_air", "lon": …, "lat":
/// …, "thresholds": [{"id", "label", "kpa"}], "table_rows": 40}`.
pub fn parse_blast(v: &Value) -> Result<BlastInput, Invalid> {
    let obj = fields::object(v)?;
    let mut c = Collector::default();
    let item = fields::optional(&mut c, &obj, "item", |v| {
        let s = fields::string(v)?;
        ThreatItem::parse(&s).ok_or_else(|| {
            Invalid::one("", format!("unknown threat item {s:?}; expected one of {}", ThreatItem::ALL.iter().map(|t| t.key()).collect::<Vec<_>>().join(", ")))
        })
    })
    .flatten();
    let kg = fields::optional(&mut c, &obj, "kg", |v| match v.as_f64() {
        Some(x) if x.is_finite() && x > 0.0 => Ok(x),
        _ => Err(Invalid::one("", format!("a charge must be a positive number of kg TNT equivalent, found {v}"))),
    })
    .flatten();
    let burst = fields::optional(&mut c, &obj, "burst", |v| match fields::string(v)?.as_str() {
        "surface" => Ok(Burst::Surface),
        "free_air" => Ok(Burst::FreeAir),
        other => Err(Invalid::one("", format!("expected surface or free_air, found {other:?}"))),
    })
    .flatten()
    .unwrap_or(Burst::Surface);
    if obj.get("kg").is_none() && obj.get("item").is_none() {
        c.push("kg", "give the charge in kg TNT equivalent, or a threat item");
    }
    let coord = |c: &mut Collector, key: &str, limit: f64| {
        fields::optional(c, &obj, key, |v| match v.as_f64() {
            Some(x) if x.is_finite() && x.abs() <= limit => Ok(x),
            _ => Err(Invalid::one("", format!("expected a number from -{limit} to {limit}, found {v}"))),
        })
        .flatten()
    };
    let lon = coord(&mut c, "lon", 180.0);
    let lat = coord(&mut c, "lat", 90.0);
    let (has_lon, has_lat) = (obj.get("lon").is_some_and(|v| !v.is_null()), obj.get("lat").is_some_and(|v| !v.is_null()));
    if has_lon != has_lat {
        c.push(if has_lon { "lat" } else { "lon" }, "give both lon and lat, or neither");
    }
    let mut thresholds = Vec::new();
    match obj.get("thresholds") {
        None | Some(Value::Null) => thresholds = physics::default_thresholds(),
        Some(Value::Array(items)) if !items.is_empty() => {
            for (i, t) in items.iter().enumerate() {
                let at = format!("thresholds[{i}]");
                let Some(t) = t.as_object() else {
                    c.push(at, "expected {\"id\", \"label\", \"kpa\"}");
                    continue;
                };
                let mut tc = Collector::default();
                let id = fields::required(&mut tc, t, "id", fields::string);
                let label = fields::optional(&mut tc, t, "label", fields::string).flatten();
                let kpa = fields::required(&mut tc, t, "kpa", |v| match fields::non_negative(v) {
                    Ok(x) if x > 0.0 => Ok(x),
                    _ => Err(Invalid::one("", format!("an overpressure must be above 0 kPa, found {v}"))),
                });
                match tc.finish(|| {
                    let id = id?;
                    Some(Threshold { label: label.unwrap_or_else(|| id.clone()), id, kpa: kpa? })
                }) {
                    Ok(t) => thresholds.push(t),
                    Err(e) => {
                        for fe in e.within(&at).0 {
                            c.push(fe.field, fe.message);
                        }
                    }
                }
            }
        }
        Some(_) => c.push("thresholds", "expected a non-empty list of {\"id\", \"label\", \"kpa\"}"),
    }
    let table_rows = fields::optional(&mut c, &obj, "table_rows", fields::count).flatten().unwrap_or(40).clamp(2, 400) as usize;
    c.finish(|| {
        let kg = kg.or(item.map(ThreatItem::kg_tnt))?;
        let charge = Charge::new(kg, burst).ok()?;
        Some(BlastInput { request: blast::Request { charge, item, thresholds, table_rows }, at: lon.zip(lat) })
    })
}

/// The sites the scope may read within `radius_m` of (lon, lat): the spatial index by
/// the circle's box, paged; the exact distance test is `blast::exposure`'s.
pub async fn sites_near(store: &Store, scope: &Scope, lon: f64, lat: f64, radius_m: f64) -> Result<Vec<Site>, rampart_store::StoreError> {
    let (min_lon, min_lat, max_lon, max_lat) = blast::circle_bbox(lon, lat, radius_m);
    let filter = AssetFilter { bbox: Some(BBox { min_lon, min_lat, max_lon, max_lat }), ..Default::default() };
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    loop {
        let page = store.list_assets(&filter, scope, 1000, cursor.as_deref()).await?;
        for s in &page.items {
            let a = &s.asset;
            let (x, y) = a.geometry.centroid();
            out.push(Site { id: a.id.to_string(), name: a.name.clone(), kind: a.kind.key().to_string(), lon: x, lat: y, peak_occupancy: a.peak_occupancy });
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(out),
        }
    }
}

/// The whole blast answer: stand-off, and at a location the rings as GeoJSON and what
/// they hold.
pub async fn blast_answer(store: &Store, scope: &Scope, input: &BlastInput) -> Result<Value, rampart_store::StoreError> {
    let s = blast::stand_off(&input.request);
    let mut out = serde_json::to_value(&s).unwrap_or(Value::Null);
    if let Some((lon, lat)) = input.at {
        let sites = match blast::outer_radius(&s.rings) {
            Some(r) => sites_near(store, scope, lon, lat, r).await?,
            None => Vec::new(),
        };
        let mut exposure = blast::exposure(&input.request.charge, lon, lat, &s.rings, &sites);
        let listed = exposure.sites.len();
        exposure.sites.truncate(MAX_SITES_LISTED);
        out["location"] = json!({"lon": lon, "lat": lat});
        out["rings_geojson"] = blast::rings_geojson(lon, lat, &s.rings);
        out["exposure"] = serde_json::to_value(&exposure).unwrap_or(Value::Null);
        out["exposure"]["sites_total"] = json!(listed);
    }
    Ok(out)
}

/// Blast stand-off: rings, evacuation and shelter distances, overpressure and impulse
/// against distance; at a location, the sites (that the caller may read) and the
/// public-space occupancy inside each ring.
#[utoipa::path(post, path = "/api/v1/blast", tag = "threat", request_body = Object,
    responses((status = 200, description = "Stand-off distances, rings, table, exposure", body = Object), (status = 422, description = "Invalid request", body = crate::error::Problem)))]
pub async fn blast(State(state): State<AppState>, auth: Auth, JsonBody(body): JsonBody<Value>) -> ApiResult<Json<Value>> {
    let input = parse_blast(&body)?;
    Ok(Json(blast_answer(&state.store, &auth.0.read_scope(), &input).await?))
}

/// Parses `{"rules": "green-guide", "venue": {…}}` (the venue may also be the body).
pub fn parse_egress(v: &Value) -> Result<(Venue, RuleSet), Invalid> {
    let obj = fields::object(v)?;
    let mut c = Collector::default();
    let rules = fields::optional(&mut c, &obj, "rules", |v| {
        let s = fields::string(v)?;
        RuleSet::parse(&s).ok_or_else(|| Invalid::one("", format!("expected green-guide, uk-entertainment or nfpa101, found {s:?}")))
    })
    .flatten()
    .unwrap_or(RuleSet::GreenGuide);
    let venue = match obj.get("venue") {
        Some(v) => c.take(Venue::from_json(v).map_err(|e| e.within("venue"))),
        None => c.take(Venue::from_json(v)),
    };
    c.finish(|| Some((venue?, rules)))
}

/// Crowd egress: capacity and egress time of a venue under a rule set, the bottleneck
/// and the width that would meet the target, Fruin levels of service.
#[utoipa::path(post, path = "/api/v1/egress", tag = "threat", request_body = Object,
    responses((status = 200, description = "Egress assessment", body = Object), (status = 422, description = "Invalid venue", body = crate::error::Problem)))]
pub async fn egress(_auth: Auth, JsonBody(body): JsonBody<Value>) -> ApiResult<Json<Value>> {
    let (venue, rules) = parse_egress(&body)?;
    Ok(Json(serde_json::to_value(egress::assess(&venue, rules)).map_err(|e| ApiError::Internal(e.to_string()))?))
}

/// Screens one formulation, or `{"products": [formulation, …]}`.
pub fn screen_json(v: &Value) -> Result<Value, Invalid> {
    let cat = catalogue();
    if let Some(products) = v.get("products") {
        let Some(items) = products.as_array().filter(|a| !a.is_empty()) else {
            return Err(Invalid::one("products", "expected a non-empty list of formulations"));
        };
        let mut c = Collector::default();
        let mut out = Vec::new();
        for (i, p) in items.iter().enumerate() {
            if let Some(f) = c.take(Formulation::from_json(p, cat).map_err(|e| e.within(&format!("products[{i}]")))) {
                out.push(precursor::screen(cat, &f));
            }
        }
        return c.finish(|| Some(json!({"products": out})));
    }
    let f = Formulation::from_json(v, cat)?;
    Ok(serde_json::to_value(precursor::screen(cat, &f)).unwrap_or(Value::Null))
}

/// Screens product formulations (substances by CAS number with % w/w) against
/// Regulation (EU) 2019/1148: free, reportable, licence needed (up to which limit), or
/// not available to the general public.
#[utoipa::path(post, path = "/api/v1/precursors/screen", tag = "threat", request_body = Object,
    responses((status = 200, description = "Screening", body = Object), (status = 422, description = "Invalid formulation", body = crate::error::Problem)))]
pub async fn screen(_auth: Auth, JsonBody(body): JsonBody<Value>) -> ApiResult<Json<Value>> {
    Ok(Json(screen_json(&body)?))
}

/// The catalogue as JSON: the substances and the Art 9 indicators.
pub fn catalogue_json() -> Value {
    json!({
        "substances": catalogue().substances(),
        "indicators": precursor::Indicator::ALL.iter().map(|i| json!({"key": i.key(), "label": i.label()})).collect::<Vec<_>>(),
        "source": "Regulation (EU) 2019/1148, Annexes I and II",
    })
}

/// The regulated substances (Annex I with limits and licence upper limits, Annex II),
/// and the indicators of a suspicious transaction.
#[utoipa::path(get, path = "/api/v1/precursors/catalogue", tag = "threat", responses((status = 200, description = "Catalogue", body = Object)))]
pub async fn catalogue_get(_auth: Auth) -> Json<Value> {
    Json(catalogue_json())
}

/// A report as JSON, with its times as RFC 3339.
pub fn report_json(r: &Report) -> Value {
    let mut v = serde_json::to_value(r).unwrap_or(Value::Null);
    v["detected_at"] = json!(rfc3339(r.detected_at_ms));
    v["due_by"] = json!(rfc3339(r.due_by_ms));
    v["stored"] = json!(false);
    v
}

/// Composes a report of a suspicious transaction, disappearance or theft for the
/// national contact point (Art 9): due within 24 hours of detection. Nothing is stored:
/// the answer is the report to check; `POST /api/v1/precursors/reports/sent` sends it.
#[utoipa::path(post, path = "/api/v1/precursors/reports", tag = "threat", request_body = Object,
    responses((status = 200, description = "The report, with its due time", body = Object), (status = 422, description = "Invalid report", body = crate::error::Problem)))]
pub async fn report(State(state): State<AppState>, auth: Auth, JsonBody(body): JsonBody<Value>) -> ApiResult<Json<Value>> {
    let r = Report::from_json(&body, catalogue(), state.clock.now_ms())?;
    let mut v = report_json(&r);
    v["prepared_by"] = json!(auth.0.username.as_str());
    Ok(Json(v))
}
