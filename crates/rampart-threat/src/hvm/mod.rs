//! Hostile vehicle mitigation: the vehicle approaches into a protected perimeter,
//! the highest impact speed each vehicle class can reach on them, the impact angle
//! and energy, and the barrier rating each needs (IWA 14-1 / ISO 22343-1, PAS 68,
//! ASTM F2656 notation). See docs/hvm.md.
//!
//! ```
//! use rampart_threat::hvm::{analyse, Config, Perimeter, RoadNetwork};
//! use serde_json::json;
//!
//! // A square about 110 m across and a straight street running into it from the west.
//! let perimeter = Perimeter::from_geojson(&json!({"type": "Polygon", "coordinates":
//!     [[[24.950, 60.170], [24.952, 60.170], [24.952, 60.171], [24.950, 60.171], [24.950, 60.170]]]})).unwrap();
//! let roads = RoadNetwork::from_geojson_paths(&json!({"type": "LineString",
//!     "coordinates": [[24.940, 60.1705], [24.951, 60.1705]]})).unwrap();
//! let config = Config::with_classes(&["N3C"]).unwrap();
//! let result = analyse(&perimeter, &roads, &config).unwrap();
//! let n3c = &result.approaches[0].vehicles[0];
//! // 556 m of straight run-up reach the truck's 90 km/h top speed: a V/7200[N3C]/96/90 barrier.
//! assert_eq!((n3c.speed_kmh.round(), n3c.required[0].rating.as_deref()), (90.0, Some("V/7200[N3C]/96/90")));
//! ```

pub mod approach;
pub mod dynamics;
pub mod network;
pub mod rating;
pub mod vehicle;

pub use network::{Oneway, Perimeter, Road, RoadNetwork};
pub use rating::{parse as parse_rating, Rating, RatingError};
pub use vehicle::{Standard, VehicleClass};

use rampart_core::{FieldError, Invalid};
use serde::Serialize;
use serde_json::{json, Value};

/// How an analysis is run. Every number is configurable; see docs/hvm.md for the
/// defaults and their sources.
#[derive(Debug, Clone, PartialEq)]
pub struct Config {
    pub vehicles: Vec<VehicleClass>,
    /// Side friction between tyres and road in bends (0.7: dry asphalt at the limit [R]).
    pub mu: f64,
    /// Bend radii are measured on the points at most this far along each leg, m.
    pub bend_window_m: f64,
    /// Cap speeds at the roads' legal limits (a hostile driver ignores them: off by default).
    pub legal_limits: bool,
    /// Drive one-way streets only their way (off by default, for the same reason).
    pub respect_oneway: bool,
    /// Roads are read this far around the perimeter's box, m; run-ups start within it.
    pub search_margin_m: f64,
    /// Largest allowed penetration behind the barrier line, m; printed in the
    /// required ratings and checked against an installed barrier.
    pub max_penetration_m: Option<f64>,
    /// The barrier installed (or proposed) on the perimeter.
    pub barrier: Option<Rating>,
}

impl Default for Config {
    fn default() -> Self {
        Config {
            vehicles: vehicle::DEFAULT_CLASSES.iter().filter_map(|c| vehicle::by_code(c)).collect(),
            mu: 0.7,
            bend_window_m: 25.0,
            legal_limits: false,
            respect_oneway: false,
            search_margin_m: 1000.0,
            max_penetration_m: None,
            barrier: None,
        }
    }
}

impl Config {
    /// The default configuration for the named classes (e.g. `["N3C", "M1"]`).
    pub fn with_classes(codes: &[&str]) -> Result<Config, Invalid> {
        let mut vehicles = Vec::new();
        for (i, c) in codes.iter().enumerate() {
            vehicles.push(class_by_code(c).map_err(|e| e.within(&format!("vehicles[{i}]")))?);
        }
        Ok(Config { vehicles, ..Config::default() })
    }

    /// Reads the options of an API request (every field optional):
    /// `vehicles` (codes, or objects `{code, mass_kg, accel, top_speed_kmh}` that
    /// change a known class or define a new one), `mu`, `bend_window_m`,
    /// `legal_limits`, `respect_oneway`, `search_margin_m`, `max_penetration_m`,
    /// `barrier` (a rating string).
    pub fn from_json(o: &serde_json::Map<String, Value>) -> Result<Config, Invalid> {
        let mut c = Config::default();
        let mut errors: Vec<FieldError> = Vec::new();
        let num = |k: &str, errors: &mut Vec<FieldError>| -> Option<f64> {
            match o.get(k) {
                None | Some(Value::Null) => None,
                Some(v) => match v.as_f64() {
                    Some(x) => Some(x),
                    None => {
                        errors.push(FieldError::new(k, format!("expected a number, found {v}")));
                        None
                    }
                },
            }
        };
        if let Some(x) = num("mu", &mut errors) {
            c.mu = x;
        }
        if let Some(x) = num("bend_window_m", &mut errors) {
            c.bend_window_m = x;
        }
        if let Some(x) = num("search_margin_m", &mut errors) {
            c.search_margin_m = x;
        }
        c.max_penetration_m = num("max_penetration_m", &mut errors);
        for (k, slot) in [("legal_limits", &mut c.legal_limits), ("respect_oneway", &mut c.respect_oneway)] {
            match o.get(k) {
                None | Some(Value::Null) => {}
                Some(Value::Bool(b)) => *slot = *b,
                Some(v) => errors.push(FieldError::new(k, format!("expected true or false, found {v}"))),
            }
        }
        match o.get("barrier") {
            None | Some(Value::Null) => {}
            Some(Value::String(s)) if s.trim().is_empty() => {}
            Some(Value::String(s)) => match rating::parse(s) {
                Ok(r) => c.barrier = Some(r),
                Err(e) => errors.push(FieldError::new("barrier", e.to_string())),
            },
            Some(v) => errors.push(FieldError::new("barrier", format!("expected a rating string such as \"V/7200[N3C]/48/90:0.6\", found {v}"))),
        }
        match o.get("vehicles") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) if !items.is_empty() => {
                c.vehicles.clear();
                for (i, item) in items.iter().enumerate() {
                    match vehicle_from_json(item) {
                        Ok(v) => c.vehicles.push(v),
                        Err(e) => errors.extend(e.within(&format!("vehicles[{i}]")).0),
                    }
                }
            }
            Some(v) => errors.push(FieldError::new("vehicles", format!("expected a non-empty array of vehicle classes, found {v}"))),
        }
        if let Err(e) = c.check() {
            // An empty list because every class given was refused is already said.
            let refused_classes = errors.iter().any(|f| f.field.starts_with("vehicles["));
            errors.extend(e.0.into_iter().filter(|f| !(refused_classes && f.field == "vehicles")));
        }
        if errors.is_empty() {
            Ok(c)
        } else {
            errors.dedup();
            Err(Invalid(errors))
        }
    }

    /// Checks every number: masses, accelerations and top speeds positive, μ in
    /// (0, 2], the bend window and margin positive, the penetration not negative.
    pub fn check(&self) -> Result<(), Invalid> {
        let mut errors = Vec::new();
        if self.vehicles.is_empty() {
            errors.push(FieldError::new("vehicles", "name at least one vehicle class"));
        }
        for (i, v) in self.vehicles.iter().enumerate() {
            if let Err(e) = v.check(&format!("vehicles[{i}]")) {
                errors.extend(e.0);
            }
        }
        if !(self.mu.is_finite() && self.mu > 0.0 && self.mu <= 2.0) {
            errors.push(FieldError::new("mu", format!("the side friction must be more than 0 and at most 2, found {}", self.mu)));
        }
        if !(self.bend_window_m.is_finite() && self.bend_window_m > 0.0) {
            errors.push(FieldError::new("bend_window_m", format!("must be a positive distance in metres, found {}", self.bend_window_m)));
        }
        if !(self.search_margin_m.is_finite() && self.search_margin_m > 0.0 && self.search_margin_m <= 20_000.0) {
            errors.push(FieldError::new("search_margin_m", format!("must be more than 0 and at most 20000 m, found {}", self.search_margin_m)));
        }
        if let Some(p) = self.max_penetration_m.filter(|p| !(p.is_finite() && *p >= 0.0)) {
            errors.push(FieldError::new("max_penetration_m", format!("must be a distance of at least 0 m, found {p}")));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Invalid(errors))
        }
    }
}

fn class_by_code(code: &str) -> Result<VehicleClass, Invalid> {
    vehicle::by_code(code).ok_or_else(|| {
        let known: Vec<String> = vehicle::catalogue().into_iter().map(|v| v.code).collect();
        Invalid::one("", format!("unknown vehicle class {code:?}; expected one of {}", known.join(", ")))
    })
}

fn vehicle_from_json(v: &Value) -> Result<VehicleClass, Invalid> {
    match v {
        Value::String(code) => class_by_code(code),
        Value::Object(o) => {
            let code = o.get("code").and_then(Value::as_str).ok_or_else(|| Invalid::one("code", "missing: give the class code, e.g. \"N3C\""))?;
            let mut class = vehicle::by_code(code).unwrap_or(VehicleClass {
                code: code.trim().to_string(),
                label: o.get("label").and_then(Value::as_str).unwrap_or("custom vehicle").to_string(),
                mass_kg: f64::NAN,
                accel: f64::NAN,
                top_speed_kmh: f64::NAN,
                standards: vec![],
            });
            let mut errors = Vec::new();
            for (k, slot) in [("mass_kg", &mut class.mass_kg), ("accel", &mut class.accel), ("top_speed_kmh", &mut class.top_speed_kmh)] {
                match o.get(k) {
                    None | Some(Value::Null) => {}
                    Some(x) => match x.as_f64() {
                        Some(n) => *slot = n,
                        None => errors.push(FieldError::new(k, format!("expected a number, found {x}"))),
                    },
                }
            }
            if !errors.is_empty() {
                return Err(Invalid(errors));
            }
            class.check("").map(|_| class)
        }
        other => Err(Invalid::one("", format!("expected a class code such as \"N3C\" or an object, found {other}"))),
    }
}

/// The rating one standard's notation asks for.
#[derive(Debug, Clone, Serialize)]
pub struct Requirement {
    pub standard: Standard,
    /// The rating, strictly printed; none when the speed is beyond the standard's tests.
    pub rating: Option<String>,
    /// Why there is no rating.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Whether the installed barrier stops this vehicle on this approach.
#[derive(Debug, Clone, Serialize)]
pub struct BarrierCheck {
    pub sufficient: bool,
    pub reasons: Vec<String>,
    /// One sentence for people.
    pub text: String,
}

/// One vehicle class on one approach.
#[derive(Debug, Clone, Serialize)]
pub struct VehicleResult {
    pub class: String,
    pub mass_kg: f64,
    /// Highest attainable impact speed at the perimeter.
    pub speed_kmh: f64,
    /// ½mv² at that speed.
    pub energy_kj: f64,
    /// Distance from the last point where the vehicle was slowed (a bend, a limit,
    /// or the start from rest) to the perimeter, m.
    pub run_up_m: f64,
    pub required: Vec<Requirement>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub barrier: Option<BarrierCheck>,
    /// The run-up path, longitude/latitude, ending at the perimeter.
    pub path: Vec<[f64; 2]>,
    /// (distance m, speed km/h) along the path.
    pub profile: Vec<[f64; 2]>,
}

/// A way into the perimeter.
#[derive(Debug, Clone, Serialize)]
pub struct Approach {
    /// 1 for the approach with the most energetic impact, then down.
    pub id: usize,
    /// The road it comes along (`osm:way/…`, `paths.features[…]`).
    pub road: String,
    pub name: Option<String>,
    /// Where it crosses the perimeter, longitude/latitude.
    pub entry: [f64; 2],
    /// Index of the perimeter segment it crosses.
    pub perimeter_edge: usize,
    /// Angle between the direction of travel and the perimeter line: 90° head-on.
    pub angle_deg: f64,
    pub vehicles: Vec<VehicleResult>,
}

/// Everything an analysis found.
#[derive(Debug, Clone, Serialize)]
pub struct Analysis {
    pub approaches: Vec<Approach>,
    /// Directed road segments considered.
    pub segments: usize,
    /// Sentences naming each approach the installed barrier does not stop.
    pub insufficient: Vec<String>,
    pub vehicles: Vec<VehicleClass>,
}

fn round(v: f64, places: i32) -> f64 {
    let f = 10f64.powi(places);
    (v * f).round() / f
}

/// Finds every approach into the perimeter over the roads and, per vehicle class,
/// the highest impact speed, the energy and the rating needed.
pub fn analyse(perimeter: &Perimeter, roads: &RoadNetwork, config: &Config) -> Result<Analysis, Invalid> {
    config.check()?;
    if let Some((i, _)) = roads.roads.iter().enumerate().find(|(_, r)| r.nodes.iter().any(|&n| n as usize >= roads.nodes.len())) {
        return Err(Invalid::one(format!("roads[{i}]"), "refers to a node that is not in the network"));
    }
    let rules = approach::Rules { mu: config.mu, bend_window_m: config.bend_window_m, legal_limits: config.legal_limits, respect_oneway: config.respect_oneway, margin_m: config.search_margin_m };
    let g = approach::Graph::build(perimeter, roads, rules);
    let lonlat = |p: (f64, f64)| {
        let (lon, lat) = g.plane.unproject(p.0, p.1);
        [round(lon, 7), round(lat, 7)]
    };
    // One pass per class over the whole run-up network; each is independent.
    let speeds: Vec<approach::Speeds> = std::thread::scope(|s| {
        let handles: Vec<_> = config.vehicles.iter().map(|v| s.spawn(|| approach::solve(&g, v))).collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let mut approaches = Vec::with_capacity(g.entries.len());
    for entry in &g.entries {
        let road = &roads.roads[g.road[entry.edge as usize] as usize];
        let mut vehicles = Vec::with_capacity(config.vehicles.len());
        for (v, s) in config.vehicles.iter().zip(&speeds) {
            let run = approach::best_run_up(&g, s, v, entry);
            let profile = approach::profile(&g, s, &run, entry);
            // The run-up proper starts where the vehicle was last slowed (or at rest).
            let total = profile.last().map(|p| p.0).unwrap_or(0.0);
            let mut start = 0.0;
            for w in profile.windows(2) {
                if w[1].1 + 1e-6 < w[0].1 {
                    start = w[1].0;
                }
            }
            let mut path: Vec<[f64; 2]> = run.edges.iter().map(|&e| lonlat(g.pos(g.from_node(e)))).collect();
            path.push(lonlat(entry.at));
            let speed_kmh = dynamics::kmh(run.speed);
            let required = v
                .standards
                .iter()
                .map(|&st| match rating::required(v, speed_kmh, st, config.max_penetration_m) {
                    Ok(r) => Requirement { standard: st, rating: Some(r.to_string()), note: None },
                    Err(note) => Requirement { standard: st, rating: None, note: Some(note) },
                })
                .collect();
            let barrier = config.barrier.as_ref().map(|b| {
                let reasons = rating::shortfalls(b, v, speed_kmh, entry.angle_deg, config.max_penetration_m);
                let text = if reasons.is_empty() {
                    format!("installed barrier {b} stops a {} on this approach", v.code)
                } else {
                    format!("installed barrier {b} is insufficient for this approach: {}", reasons.join("; "))
                };
                BarrierCheck { sufficient: reasons.is_empty(), reasons, text }
            });
            vehicles.push(VehicleResult {
                class: v.code.clone(),
                mass_kg: v.mass_kg,
                speed_kmh: round(speed_kmh, 1),
                energy_kj: round(approach::energy_kj(v, run.speed), 0),
                run_up_m: round(total - start, 0),
                required,
                barrier,
                path,
                profile: profile.iter().map(|&(d, s)| [round(d, 1), round(dynamics::kmh(s), 1)]).collect(),
            });
        }
        approaches.push(Approach {
            id: 0,
            road: road.source.clone(),
            name: road.name.clone(),
            entry: lonlat(entry.at),
            perimeter_edge: entry.perimeter_edge,
            angle_deg: round(entry.angle_deg, 0),
            vehicles,
        });
    }
    let worst = |a: &Approach| a.vehicles.iter().map(|v| v.energy_kj).fold(0.0, f64::max);
    approaches.sort_by(|a, b| worst(b).total_cmp(&worst(a)).then(a.road.cmp(&b.road)).then(a.perimeter_edge.cmp(&b.perimeter_edge)));
    let mut insufficient = Vec::new();
    for (i, a) in approaches.iter_mut().enumerate() {
        a.id = i + 1;
        for v in &a.vehicles {
            if let Some(b) = v.barrier.as_ref().filter(|b| !b.sufficient) {
                let road = a.name.clone().unwrap_or_else(|| a.road.clone());
                insufficient.push(format!(
                    "installed barrier {} is insufficient for approach {} ({road}, {}): {}",
                    config.barrier.as_ref().map(|r| r.to_string()).unwrap_or_default(),
                    a.id,
                    v.class,
                    b.reasons.join("; ")
                ));
            }
        }
    }
    Ok(Analysis { approaches, segments: g.edges(), insufficient, vehicles: config.vehicles.clone() })
}

impl Analysis {
    /// The run-up paths as a GeoJSON FeatureCollection: one LineString per approach
    /// and vehicle class, with the figures as properties.
    pub fn to_geojson(&self) -> Value {
        let mut features = Vec::new();
        for a in &self.approaches {
            for v in &a.vehicles {
                let rating = |st: Standard| v.required.iter().find(|r| r.standard == st).and_then(|r| r.rating.clone());
                features.push(json!({
                    "type": "Feature",
                    "geometry": {"type": "LineString", "coordinates": v.path},
                    "properties": {
                        "approach": a.id, "road": a.road, "name": a.name, "class": v.class, "speed_kmh": v.speed_kmh,
                        "energy_kj": v.energy_kj, "angle_deg": a.angle_deg, "run_up_m": v.run_up_m,
                        "iwa": rating(Standard::Iwa14), "pas68": rating(Standard::Pas68), "astm": rating(Standard::Astm),
                        "sufficient": v.barrier.as_ref().map(|b| b.sufficient),
                    }
                }));
            }
        }
        json!({"type": "FeatureCollection", "features": features})
    }

    /// One row per approach and class: approach, road, name, angle, class, speed,
    /// energy, run-up, the required ratings, and the barrier verdict.
    pub fn to_csv_rows(&self) -> Vec<Vec<String>> {
        let mut rows = vec![["approach", "road", "name", "entry_lon", "entry_lat", "angle_deg", "class", "mass_kg", "speed_kmh", "energy_kj", "run_up_m", "iwa14_iso22343", "pas68", "astm_f2656", "barrier"]
            .iter()
            .map(|s| s.to_string())
            .collect()];
        for a in &self.approaches {
            for v in &a.vehicles {
                let rating = |st: Standard| {
                    v.required.iter().find(|r| r.standard == st).map(|r| r.rating.clone().or(r.note.clone()).unwrap_or_default()).unwrap_or_default()
                };
                rows.push(vec![
                    a.id.to_string(),
                    a.road.clone(),
                    a.name.clone().unwrap_or_default(),
                    a.entry[0].to_string(),
                    a.entry[1].to_string(),
                    a.angle_deg.to_string(),
                    v.class.clone(),
                    v.mass_kg.to_string(),
                    v.speed_kmh.to_string(),
                    v.energy_kj.to_string(),
                    v.run_up_m.to_string(),
                    rating(Standard::Iwa14),
                    rating(Standard::Pas68),
                    rating(Standard::Astm),
                    v.barrier.as_ref().map(|b| if b.sufficient { "sufficient".to_string() } else { format!("insufficient: {}", b.reasons.join("; ")) }).unwrap_or_default(),
                ]);
            }
        }
        rows
    }
}

#[cfg(test)]
mod tests;
