//! Studies as the CLI and the API ask for them: a request (JSON) in, a result (JSON)
//! out, with progress and cancellation. One place decides what each study means, so
//! the command line and the web app give the same answers.

use crate::cascade::{Cascade, Damage, Rules};
use crate::criticality::{single_losses, worst_pairs, Cancelled, Study, EUROPEAN_SIGNIFICANCE};
use crate::graph::{Graph, Node};
use crate::hazard::events::EventSet;
use crate::impact::impact;
use geo::{Contains, Coord, LineString, MultiPolygon, Point, Polygon};
use rampart_core::Network;
use serde::Deserialize;
use serde_json::{json, Value};
use std::sync::atomic::AtomicBool;

pub mod hazard;
mod metrics;
pub mod risk;

pub use hazard::{HazardSpec, Vulnerability};

fn default_horizon() -> f64 {
    72.0
}

fn yes() -> bool {
    true
}

/// The rules a study applies; all on unless switched off.
#[derive(Debug, Clone, Copy, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
pub struct RuleSet {
    #[serde(default = "yes")]
    pub dependencies: bool,
    #[serde(default = "yes")]
    pub connectivity: bool,
    #[serde(default = "yes")]
    pub restoration: bool,
}

impl Default for RuleSet {
    fn default() -> RuleSet {
        RuleSet { dependencies: true, connectivity: true, restoration: true }
    }
}

impl From<RuleSet> for Rules {
    fn from(r: RuleSet) -> Rules {
        Rules { dependencies: r.dependencies, connectivity: r.connectivity, restoration: r.restoration }
    }
}

/// What to study.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum Request {
    /// What happens if the assets in a footprint, or the assets named, are lost.
    Scenario {
        /// A GeoJSON Polygon or MultiPolygon (or a Feature or FeatureCollection of them):
        /// every asset inside is damaged at time 0.
        #[serde(default)]
        footprint: Option<Value>,
        /// Assets attacked or lost, by registry id.
        #[serde(default)]
        assets: Vec<String>,
        /// A hazard: every asset whose expected damage ratio reaches
        /// `damage_threshold` is damaged at time 0.
        #[serde(default)]
        hazard: Option<HazardSpec>,
        #[serde(default = "half")]
        damage_threshold: f64,
        #[serde(default = "default_horizon")]
        horizon_h: f64,
        #[serde(default)]
        rules: RuleSet,
    },
    /// The impact of losing each asset alone, ranked, and the worst pairs.
    Criticality {
        #[serde(default = "default_horizon")]
        horizon_h: f64,
        /// Ranked assets returned (all are computed).
        #[serde(default = "default_top")]
        top: usize,
        /// Assets from the top of the ranking paired with each other.
        #[serde(default = "default_pairs")]
        pair_candidates: usize,
        #[serde(default)]
        rules: RuleSet,
        /// Only these assets (registry ids); every asset when absent.
        #[serde(default)]
        assets: Option<Vec<String>>,
    },
    /// Expected annual impact and return-period losses over an event set.
    Risk {
        /// The intensity measure of the event set (flood_depth_m, wind_speed_m_s, pga_g,
        /// overpressure_kpa, toxic_mg_m3).
        intensity_measure: String,
        /// The event set's three CSV files as text, or a seeded synthetic set.
        event_set: EventSetSpec,
        #[serde(default = "economic")]
        value: String,
        /// Seed for Monte Carlo sampling of damage; mean damage when absent.
        #[serde(default)]
        monte_carlo_seed: Option<u64>,
        #[serde(default)]
        fragility: bool,
        #[serde(default)]
        cascades: bool,
        #[serde(default = "default_horizon")]
        horizon_h: f64,
        #[serde(default)]
        rules: RuleSet,
        #[serde(default = "half")]
        damage_threshold: f64,
        #[serde(default = "default_top")]
        top: usize,
    },
    /// What each single asset of each networked sector cuts off from every source.
    Connectivity {
        #[serde(default = "default_top")]
        top: usize,
    },
}

fn economic() -> String {
    "economic".into()
}

/// An event set given inline (the three files' text) or generated.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum EventSetSpec {
    Files { events: String, centroids: String, intensity: String },
    /// Gaussian footprints over the registry's extent on a 0.1° grid, peaks drawn
    /// between `peak_min` and `peak_max`, frequencies summing to `annual_rate`.
    Synthetic { events: usize, seed: u64, peak_min: f64, peak_max: f64, #[serde(default = "one")] annual_rate: f64 },
}

fn one() -> f64 {
    1.0
}

impl EventSetSpec {
    pub fn build(&self, g: &Graph) -> Result<EventSet, StudyError> {
        match self {
            EventSetSpec::Files { events, centroids, intensity } => {
                EventSet::parse_str(events, centroids, intensity).map_err(|e| invalid("event_set", e.to_string()))
            }
            EventSetSpec::Synthetic { events, seed, peak_min, peak_max, annual_rate } => {
                if *events == 0 || *events > 1_000_000 {
                    return Err(invalid("event_set.synthetic.events", format!("expected 1 to 1,000,000 events, found {events}")));
                }
                if !(peak_min.is_finite() && *peak_min > 0.0 && peak_max >= peak_min && peak_max.is_finite()) {
                    return Err(invalid("event_set.synthetic.peak_min", "expected 0 < peak_min <= peak_max"));
                }
                let fold = |f: fn(f64, f64) -> f64, xs: &[f64], start: f64| xs.iter().copied().fold(start, f);
                let area = if g.is_empty() {
                    crate::hazard::synthetic::EUROPE
                } else {
                    crate::hazard::synthetic::Area {
                        lon_min: fold(f64::min, &g.lon, 180.0) - 0.05,
                        lon_max: fold(f64::max, &g.lon, -180.0) + 0.05,
                        lat_min: fold(f64::min, &g.lat, 90.0) - 0.05,
                        lat_max: fold(f64::max, &g.lat, -90.0) + 0.05,
                    }
                };
                let nx = (((area.lon_max - area.lon_min) / 0.1).ceil() as usize).clamp(1, 2000);
                let ny = (((area.lat_max - area.lat_min) / 0.1).ceil() as usize).clamp(1, 2000);
                let cfg = crate::hazard::synthetic::SyntheticEvents {
                    n_events: *events,
                    area,
                    grid: (nx, ny),
                    peak: (*peak_min, *peak_max),
                    annual_rate: *annual_rate,
                    seed: *seed,
                    ..Default::default()
                };
                crate::hazard::synthetic::event_set(&cfg).map_err(|e| invalid("event_set", e.to_string()))
            }
        }
    }
}

fn half() -> f64 {
    0.5
}

fn default_top() -> usize {
    100
}

fn default_pairs() -> usize {
    30
}

#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum StudyError {
    #[error("{}{message}", if field.is_empty() { String::new() } else { format!("{field}: ") })]
    Invalid { field: String, message: String },
    #[error(transparent)]
    Cancelled(#[from] Cancelled),
}

fn invalid(field: &str, message: impl Into<String>) -> StudyError {
    StudyError::Invalid { field: field.to_string(), message: message.into() }
}

impl Request {
    /// Reads a request, naming the field at fault.
    pub fn from_json(v: &Value) -> Result<Request, StudyError> {
        let r: Request = serde_path_to_error::deserialize(externally_tagged(v)).map_err(|e| {
            // The path runs through the variant names that `externally_tagged` added.
            let mut path: Vec<String> = e.path().iter().map(|s| s.to_string()).collect();
            if !path.is_empty() {
                path.remove(0);
            }
            if path.len() > 1 && path[0] == "hazard" {
                path.remove(1);
            }
            let message = e.inner().to_string();
            // Unknown and missing fields are named in serde's message, not its path.
            let named = ["unknown field `", "missing field `"].iter().find_map(|m| message.split(m).nth(1)?.split('`').next().map(str::to_string));
            if let Some(f) = named.filter(|f| path.last() != Some(f)) {
                path.push(f);
            }
            let mut field = path.join(".");
            if field.is_empty() && (message.starts_with("unknown variant") || message.contains("kind")) {
                field = "kind".into();
            }
            invalid(&field, message)
        })?;
        match &r {
            Request::Scenario { horizon_h, .. } | Request::Criticality { horizon_h, .. } | Request::Risk { horizon_h, .. } if !(horizon_h.is_finite() && *horizon_h > 0.0 && *horizon_h <= 8760.0) => {
                Err(invalid("horizon_h", format!("expected hours above 0 and at most 8760, found {horizon_h}")))
            }
            Request::Criticality { pair_candidates, .. } if *pair_candidates > 200 => {
                Err(invalid("pair_candidates", format!("expected at most 200, found {pair_candidates}")))
            }
            _ => Ok(r),
        }
    }

    pub fn kind(&self) -> &'static str {
        match self {
            Request::Scenario { .. } => "scenario",
            Request::Criticality { .. } => "criticality",
            Request::Risk { .. } => "risk",
            Request::Connectivity { .. } => "connectivity",
        }
    }
}

/// `{"kind": "k", …}` → `{"k": {…}}`, here and for the `hazard` member, so that serde
/// reads the variant directly and its errors keep the path to the field.
fn externally_tagged(v: &Value) -> Value {
    fn retag(v: &Value) -> Value {
        match v.as_object() {
            Some(o) => {
                let mut rest = o.clone();
                match rest.remove("kind") {
                    Some(Value::String(k)) => json!({ k: rest }),
                    Some(other) => json!({ other.to_string(): rest }),
                    None => json!({ "": rest }),
                }
            }
            None => v.clone(),
        }
    }
    let mut out = retag(v);
    if let Some(inner) = out.as_object_mut().and_then(|o| o.values_mut().next()).and_then(Value::as_object_mut) {
        if let Some(h) = inner.get_mut("hazard") {
            if h.is_object() {
                *h = retag(h);
            }
        }
    }
    out
}

fn ring(v: &Value, field: &str) -> Result<LineString<f64>, StudyError> {
    let pts = v.as_array().ok_or_else(|| invalid(field, "expected an array of [lon, lat] positions"))?;
    let mut coords = Vec::with_capacity(pts.len());
    for (i, p) in pts.iter().enumerate() {
        let xy = p.as_array().filter(|a| a.len() >= 2).and_then(|a| Some((a[0].as_f64()?, a[1].as_f64()?)));
        match xy {
            Some((x, y)) if (-180.0..=180.0).contains(&x) && (-90.0..=90.0).contains(&y) => coords.push(Coord { x, y }),
            _ => return Err(invalid(&format!("{field}[{i}]"), "expected [lon, lat] within ±180 and ±90")),
        }
    }
    if coords.len() < 4 || coords.first() != coords.last() {
        return Err(invalid(field, "a ring needs at least 4 positions, the last equal to the first"));
    }
    Ok(LineString::new(coords))
}

fn polygon(v: &Value, field: &str) -> Result<Polygon<f64>, StudyError> {
    let rings = v.as_array().filter(|r| !r.is_empty()).ok_or_else(|| invalid(field, "expected an array of rings"))?;
    let exterior = ring(&rings[0], &format!("{field}[0]"))?;
    let holes = rings[1..].iter().enumerate().map(|(i, r)| ring(r, &format!("{field}[{}]", i + 1))).collect::<Result<Vec<_>, _>>()?;
    Ok(Polygon::new(exterior, holes))
}

/// A footprint's polygons from GeoJSON: a Polygon, a MultiPolygon, or a Feature or
/// FeatureCollection of them.
pub fn footprint(v: &Value, field: &str) -> Result<MultiPolygon<f64>, StudyError> {
    let kind = v.get("type").and_then(Value::as_str).unwrap_or("");
    match kind {
        "Polygon" => Ok(MultiPolygon::new(vec![polygon(&v["coordinates"], &format!("{field}.coordinates"))?])),
        "MultiPolygon" => {
            let ps = v["coordinates"].as_array().ok_or_else(|| invalid(&format!("{field}.coordinates"), "expected an array of polygons"))?;
            let list = ps.iter().enumerate().map(|(i, p)| polygon(p, &format!("{field}.coordinates[{i}]"))).collect::<Result<Vec<_>, _>>()?;
            Ok(MultiPolygon::new(list))
        }
        "Feature" => footprint(&v["geometry"], &format!("{field}.geometry")),
        "FeatureCollection" => {
            let fs = v["features"].as_array().ok_or_else(|| invalid(&format!("{field}.features"), "expected an array"))?;
            let mut all = Vec::new();
            for (i, f) in fs.iter().enumerate() {
                all.extend(footprint(f, &format!("{field}.features[{i}]"))?.0);
            }
            Ok(MultiPolygon::new(all))
        }
        other => Err(invalid(&format!("{field}.type"), format!("expected Polygon, MultiPolygon, Feature or FeatureCollection, found {other:?}"))),
    }
}

/// Assets whose position lies inside the footprint.
pub fn inside(g: &Graph, area: &MultiPolygon<f64>) -> Vec<Node> {
    use geo::BoundingRect;
    let Some(b) = area.bounding_rect() else { return Vec::new() };
    (0..g.len() as Node)
        .filter(|&i| {
            let (x, y) = (g.lon[i as usize], g.lat[i as usize]);
            x >= b.min().x && x <= b.max().x && y >= b.min().y && y <= b.max().y && area.contains(&Point::new(x, y))
        })
        .collect()
}

fn nodes_named(g: &Graph, ids: &[String], field: &str) -> Result<Vec<Node>, StudyError> {
    let index = g.id_index();
    ids.iter()
        .enumerate()
        .map(|(i, id)| index.get(id.as_str()).copied().ok_or_else(|| invalid(&format!("{field}[{i}]"), format!("unknown asset id {id:?}"))))
        .collect()
}

fn summary_json(g: &Graph, s: &crate::impact::Summary) -> Value {
    json!({
        "assets_down": s.assets_down,
        "person_hours": s.person_hours,
        "economic_loss": s.economic_loss,
        "countries": s.countries.iter().map(|&c| g.countries[c as usize].as_str()).collect::<Vec<_>>(),
    })
}

/// Runs a study. `progress` gets the fraction done, from any thread.
pub fn run(g: &Graph, req: &Request, progress: &(dyn Fn(f64) + Sync), cancel: &AtomicBool) -> Result<Value, StudyError> {
    match req {
        Request::Scenario { footprint: area, assets, hazard, damage_threshold, horizon_h, rules } => {
            let mut damaged = nodes_named(g, assets, "assets")?;
            if let Some(a) = area {
                damaged.extend(inside(g, &footprint(a, "footprint")?));
            }
            let mut exposure = Value::Null;
            if let Some(h) = hazard {
                if !(0.0..=1.0).contains(damage_threshold) {
                    return Err(invalid("damage_threshold", format!("expected a damage ratio from 0 to 1, found {damage_threshold}")));
                }
                let (hit, figures) = hazard::damaged(g, &h.expose(g)?, &Vulnerability::default(), *damage_threshold)?;
                damaged.extend(hit);
                exposure = figures;
            }
            damaged.sort_unstable();
            damaged.dedup();
            if damaged.is_empty() && hazard.is_none() {
                return Err(invalid("footprint", "no asset of the registry lies in the footprint or is named in assets"));
            }
            let damage: Vec<Damage> = damaged.iter().map(|&n| Damage::now(n)).collect();
            let mut cascade = Cascade::new(g, (*rules).into());
            let changes = cascade.run(&damage, *horizon_h).to_vec();
            progress(1.0);
            let i = impact(g, &changes, *horizon_h);
            Ok(json!({
                "kind": "scenario",
                "damaged": damaged.iter().map(|&n| g.id(n)).collect::<Vec<_>>(),
                "hazard": exposure,
                "impact": i,
                "connectivity_loss": metrics::connectivity_losses(g, &changes),
            }))
        }
        Request::Criticality { horizon_h, top, pair_candidates, rules, assets } => {
            let study = Study { rules: (*rules).into(), horizon_h: *horizon_h, pair_candidates: *pair_candidates };
            let only = assets.as_ref().map(|ids| nodes_named(g, ids, "assets")).transpose()?;
            let total = only.as_ref().map_or(g.len(), |o| o.len()).max(1) as f64;
            let ranked = single_losses(g, &study, only.as_deref(), &|done| progress(0.9 * done as f64 / total), cancel)?;
            let pairs = worst_pairs(g, &study, &ranked);
            progress(1.0);
            let european = ranked.iter().filter(|r| r.member_states as usize >= EUROPEAN_SIGNIFICANCE).count();
            let row = |r: &crate::criticality::Ranked| {
                json!({
                    "asset": g.id(r.node), "class": g.class_of(r.node), "country": g.country_of(r.node),
                    "member_states": r.member_states, "cross_border": r.cross_border,
                    "european_significance": r.member_states as usize >= EUROPEAN_SIGNIFICANCE,
                    "impact": summary_json(g, &r.summary),
                })
            };
            Ok(json!({
                "kind": "criticality",
                "assets_evaluated": ranked.len(),
                "european_significance": european,
                "cross_border": ranked.iter().filter(|r| r.cross_border > 0).count(),
                "ranking": ranked.iter().take(*top).map(row).collect::<Vec<_>>(),
                "pairs": pairs.iter().take(*top).map(|p| json!({
                    "a": g.id(p.a), "b": g.id(p.b), "impact": summary_json(g, &p.summary), "excess_person_hours": p.excess_person_hours,
                })).collect::<Vec<_>>(),
            }))
        }
        Request::Risk { intensity_measure, event_set, value, monte_carlo_seed, fragility, cascades, horizon_h, rules, damage_threshold, top } => {
            let measure = crate::hazard::impact_fn::HazardKind::parse(intensity_measure).ok_or_else(|| {
                let keys: Vec<&str> = crate::hazard::impact_fn::HazardKind::ALL.iter().map(|h| h.key()).collect();
                invalid("intensity_measure", format!("unknown measure {intensity_measure:?}; expected one of: {}", keys.join(", ")))
            })?;
            let events = event_set.build(g)?;
            let opts = risk::RiskOptions {
                measure,
                value: risk::ValueKind::parse(value)?,
                monte_carlo: *monte_carlo_seed,
                fragility: *fragility,
                cascades: *cascades,
                rules: (*rules).into(),
                horizon_h: *horizon_h,
                damage_threshold: *damage_threshold,
                top: *top,
            };
            risk::run(g, &events, &Vulnerability::default(), &opts, progress, cancel)
        }
        Request::Connectivity { top } => {
            let mut networks = Vec::new();
            for (bit, net) in Network::ALL.iter().enumerate() {
                let b = 1u8 << bit;
                let edges: Vec<(u32, u32)> = (0..g.len() as Node)
                    .flat_map(|x| g.links.row(x).iter().filter(move |l| l.network as usize == bit && x < l.to).map(move |l| (x, l.to)))
                    .collect();
                if edges.is_empty() {
                    continue;
                }
                let adj = crate::csr::undirected(g.len(), &edges);
                let sources: Vec<bool> = g.source.iter().map(|s| s & b != 0).collect();
                let members = g.member.iter().filter(|m| *m & b != 0).count();
                let bic = crate::connectivity::biconnected(&adj);
                let people: Vec<f64> = (0..g.len()).map(|i| if g.counts_people(i as Node) { g.people[i] as f64 } else { 0.0 }).collect();
                let cut = bic.cut_off_nodes(&sources);
                let cut_people = bic.cut_off_weight(&sources, &people);
                let mut order: Vec<Node> = (0..g.len() as Node).filter(|&i| cut[i as usize] > 1).collect();
                order.sort_by(|&a, &b| cut_people[b as usize].total_cmp(&cut_people[a as usize]).then(cut[b as usize].cmp(&cut[a as usize])).then(a.cmp(&b)));
                networks.push(json!({
                    "network": net.key(),
                    "assets": members,
                    "links": edges.len(),
                    "sources": sources.iter().filter(|s| **s).count(),
                    "served": g.needs_source.iter().filter(|m| *m & b != 0).count(),
                    "articulation_points": bic.articulation_points().len(),
                    "single_failures": order.iter().take(*top).map(|&i| json!({
                        "asset": g.id(i), "country": g.country_of(i), "cut_off": cut[i as usize], "people": cut_people[i as usize],
                    })).collect::<Vec<_>>(),
                }));
            }
            progress(1.0);
            Ok(json!({ "kind": "connectivity", "networks": networks }))
        }
    }
}
