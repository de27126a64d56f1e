//! Scenario hazards: an explosion, a toxic release, an earthquake or drawn zones with
//! intensities, turned into the intensity at every asset and the assets damaged.
//!
//! An asset is damaged when its expected damage ratio reaches the study's threshold:
//! from its class's fragility curves for the hazard (`data/fragility.csv`) where there
//! are some, else from its impact function (MDD × PAA, `data/impact_functions.csv`
//! through `data/asset_classes.csv`, or the function the asset names).

use super::{footprint, invalid, StudyError};
use crate::graph::{Graph, Node};
use crate::hazard::blast::{self, Burst, Charge, ThreatItem};
use crate::hazard::footprint::{Footprint, Zone};
use crate::hazard::geodesy::haversine_m;
use crate::hazard::impact_fn::{AssetClassMap, FragilitySet, HazardKind, ImpactFunctionSet};
use crate::hazard::plume::{self, IsoplethConfig, Level, Release, Stability};
use crate::hazard::quake::{Faulting, Quake, Site};
use geo::{LineString, MultiPolygon, Polygon};
use rayon::prelude::*;
use serde::Deserialize;
use serde_json::{json, Value};

fn surface() -> String {
    "surface".into()
}

fn stability_d() -> String {
    "D".into()
}

fn vs30() -> f64 {
    760.0
}

#[derive(Debug, Clone, Deserialize, PartialEq)]
pub struct PlumeLevel {
    pub id: String,
    pub mg_m3: f64,
}

/// A hazard of a scenario.
#[derive(Debug, Clone, Deserialize, PartialEq)]
#[serde(rename_all = "snake_case", deny_unknown_fields)]
pub enum HazardSpec {
    /// A charge at a point: `kg_tnt`, or a threat `item` (pipe_bomb … semi_trailer).
    Blast {
        lon: f64,
        lat: f64,
        #[serde(default)]
        kg_tnt: Option<f64>,
        #[serde(default)]
        item: Option<String>,
        #[serde(default = "surface")]
        burst: String,
    },
    /// A continuous toxic release (Gaussian plume) and the levels to outline.
    Plume {
        lon: f64,
        lat: f64,
        rate_g_s: f64,
        #[serde(default)]
        height_m: f64,
        wind_speed_m_s: f64,
        wind_from_deg: f64,
        #[serde(default = "stability_d")]
        stability: String,
        levels: Vec<PlumeLevel>,
    },
    /// An earthquake: epicentre, moment magnitude, site Vs30 (m/s).
    Quake {
        lon: f64,
        lat: f64,
        mw: f64,
        #[serde(default = "vs30")]
        vs30: f64,
    },
    /// Zones drawn or imported: a GeoJSON FeatureCollection of polygons with an
    /// `intensity` property, in the unit of `intensity_measure`.
    Zones { intensity_measure: String, zones: Value },
}

/// Intensity at every asset, the measure, and the footprint to draw.
pub struct Exposed {
    pub measure: HazardKind,
    pub intensity: Vec<f64>,
    pub outline: Value,
}

fn polygon_json(p: &Polygon<f64>) -> Value {
    let ring = |l: &LineString<f64>| l.0.iter().map(|c| json!([c.x, c.y])).collect::<Vec<_>>();
    let mut rings = vec![ring(p.exterior())];
    rings.extend(p.interiors().iter().map(ring));
    json!({"type": "Polygon", "coordinates": rings})
}

fn feature(label: &str, intensity: f64, p: &Polygon<f64>) -> Value {
    json!({"type": "Feature", "properties": {"label": label, "intensity": intensity}, "geometry": polygon_json(p)})
}

fn check_point(lon: f64, lat: f64) -> Result<(), StudyError> {
    if !(-180.0..=180.0).contains(&lon) || !(-90.0..=90.0).contains(&lat) {
        return Err(invalid("hazard", format!("lon/lat must be within ±180/±90, found {lon}, {lat}")));
    }
    Ok(())
}

impl HazardSpec {
    pub fn expose(&self, g: &Graph) -> Result<Exposed, StudyError> {
        match self {
            HazardSpec::Blast { lon, lat, kg_tnt, item, burst } => {
                check_point(*lon, *lat)?;
                let burst = match burst.as_str() {
                    "surface" => Burst::Surface,
                    "free_air" => Burst::FreeAir,
                    b => return Err(invalid("hazard.burst", format!("expected surface or free_air, found {b:?}"))),
                };
                let kg = match (kg_tnt, item) {
                    (Some(kg), None) => *kg,
                    (None, Some(i)) => ThreatItem::parse(i).map(ThreatItem::kg_tnt).ok_or_else(|| {
                        let keys: Vec<&str> = ThreatItem::ALL.iter().map(|t| t.key()).collect();
                        invalid("hazard.item", format!("unknown threat item {i:?}; expected one of: {}", keys.join(", ")))
                    })?,
                    _ => return Err(invalid("hazard", "give either kg_tnt or item")),
                };
                let charge = Charge::new(kg, burst).map_err(|e| invalid("hazard.kg_tnt", e.to_string()))?;
                let (lo, _) = blast::pressure_z_range(burst);
                let intensity = (0..g.len())
                    .into_par_iter()
                    .map(|i| {
                        let r = haversine_m(*lon, *lat, g.lon[i], g.lat[i]).max(lo * kg.cbrt());
                        blast::overpressure_kpa(&charge, r).unwrap_or(0.0)
                    })
                    .collect();
                let thresholds = blast::default_thresholds();
                let rings = blast::rings(&charge, &thresholds);
                let fp = blast::footprint(*lon, *lat, &rings, 72);
                let describe = |id: &str| thresholds.iter().find(|t| t.id == id).map_or("", |t| t.label.as_str());
                let features: Vec<Value> = fp
                    .zones()
                    .iter()
                    .flat_map(|z| {
                        z.area.0.iter().map(|p| {
                            let mut f = feature(&z.label, z.intensity, p);
                            f["properties"]["description"] = json!(describe(&z.label));
                            f
                        })
                    })
                    .collect();
                Ok(Exposed { measure: HazardKind::Overpressure, intensity, outline: json!({"type": "FeatureCollection", "features": features}) })
            }
            HazardSpec::Plume { lon, lat, rate_g_s, height_m, wind_speed_m_s, wind_from_deg, stability, levels } => {
                check_point(*lon, *lat)?;
                let stability = Stability::parse(stability).ok_or_else(|| invalid("hazard.stability", format!("expected a Pasquill-Gifford class A to F, found {stability:?}")))?;
                let release = Release {
                    lon: *lon,
                    lat: *lat,
                    rate_g_s: *rate_g_s,
                    height_m: *height_m,
                    wind_speed_m_s: *wind_speed_m_s,
                    wind_from_deg: *wind_from_deg,
                    stability,
                }
                .validate()
                .map_err(|e| invalid("hazard", e.to_string()))?;
                if levels.is_empty() || levels.iter().any(|l| !(l.mg_m3.is_finite() && l.mg_m3 > 0.0)) {
                    return Err(invalid("hazard.levels", "give at least one level with a positive mg_m3"));
                }
                let intensity = (0..g.len()).into_par_iter().map(|i| release.ground_concentration_at(g.lon[i], g.lat[i])).collect();
                let levels: Vec<Level> = levels.iter().map(|l| Level { id: l.id.clone(), mg_m3: l.mg_m3 }).collect();
                let isos = plume::isopleths(&release, &levels, &IsoplethConfig { x_max_m: 50_000.0, ..IsoplethConfig::default() });
                let features: Vec<Value> = isos.iter().filter_map(|i| i.polygon.as_ref().map(|p| feature(&i.level.id, i.level.mg_m3, p))).collect();
                Ok(Exposed { measure: HazardKind::ToxicConcentration, intensity, outline: json!({"type": "FeatureCollection", "features": features}) })
            }
            HazardSpec::Quake { lon, lat, mw, vs30 } => {
                check_point(*lon, *lat)?;
                let q = Quake { lon: *lon, lat: *lat, mw: *mw, faulting: Faulting::StrikeSlip };
                q.pga_at(*lon, *lat, Site::from_vs30(*vs30)).map_err(|e| invalid("hazard", e.to_string()))?;
                let site = Site::from_vs30(*vs30);
                let intensity = (0..g.len()).into_par_iter().map(|i| q.pga_at(g.lon[i], g.lat[i], site).unwrap_or(0.0)).collect();
                let ring = crate::hazard::geodesy::circle(*lon, *lat, crate::hazard::quake::MAX_DISTANCE_KM * 1000.0, 72);
                Ok(Exposed { measure: HazardKind::Pga, intensity, outline: json!({"type": "FeatureCollection", "features": [feature("model range", 0.0, &ring)]}) })
            }
            HazardSpec::Zones { intensity_measure, zones } => {
                let measure = HazardKind::parse(intensity_measure).ok_or_else(|| {
                    let keys: Vec<&str> = HazardKind::ALL.iter().map(|h| h.key()).collect();
                    invalid("hazard.intensity_measure", format!("unknown measure {intensity_measure:?}; expected one of: {}", keys.join(", ")))
                })?;
                let features = zones["features"].as_array().ok_or_else(|| invalid("hazard.zones.features", "expected a FeatureCollection"))?;
                let mut list = Vec::new();
                for (k, f) in features.iter().enumerate() {
                    let field = format!("hazard.zones.features[{k}]");
                    let value = f["properties"]["intensity"].as_f64().filter(|v| v.is_finite() && *v >= 0.0);
                    let value = value.ok_or_else(|| invalid(&format!("{field}.properties.intensity"), "expected a number ≥ 0"))?;
                    let area: MultiPolygon<f64> = footprint(f, &field)?;
                    list.push(Zone { label: f["properties"]["label"].as_str().unwrap_or("").to_string(), intensity: value, area });
                }
                let fp = Footprint::new(list);
                let intensity = fp.intensity_at_points(&g.lon, &g.lat);
                Ok(Exposed { measure, intensity, outline: zones.clone() })
            }
        }
    }
}

/// What turns intensity into damage for each asset.
pub struct Vulnerability {
    pub fragility: FragilitySet,
    pub functions: ImpactFunctionSet,
    pub classes: AssetClassMap,
}

impl Default for Vulnerability {
    fn default() -> Vulnerability {
        Vulnerability { fragility: FragilitySet::defaults(), functions: ImpactFunctionSet::defaults(), classes: AssetClassMap::defaults() }
    }
}

impl Vulnerability {
    /// The impact function index of each asset for a hazard: the one it names, else
    /// its class's. Errors name the asset.
    pub fn function_column(&self, g: &Graph, measure: HazardKind) -> Result<Vec<u32>, StudyError> {
        (0..g.len() as Node)
            .map(|i| {
                let id = match g.function_of(i) {
                    Some(f) => f,
                    None => self.classes.function_id(g.class_of(i), measure).ok_or_else(|| {
                        invalid("impact_function", format!("asset {}: no impact function for class {:?} and {}", g.id(i), g.class_of(i), measure.key()))
                    })?,
                };
                self.functions.index_of(id).ok_or_else(|| invalid("impact_function", format!("asset {}: unknown impact function {id:?}", g.id(i))))
            })
            .collect()
    }

    /// Expected damage ratio of every asset at its intensity.
    pub fn damage_ratios(&self, g: &Graph, measure: HazardKind, intensity: &[f64]) -> Result<Vec<f64>, StudyError> {
        let functions = self.function_column(g, measure)?;
        let by_class: Vec<Option<u32>> = g.classes.iter().map(|c| self.fragility.index_of(c, measure)).collect();
        Ok((0..g.len())
            .map(|i| {
                let x = intensity[i];
                if x <= 0.0 {
                    return 0.0;
                }
                match by_class[g.class[i] as usize].and_then(|m| self.fragility.get(m)) {
                    Some(model) if g.function_of(i as Node).is_none() => model.expected_damage_ratio(x),
                    _ => self.functions.get(functions[i]).map_or(0.0, |f| f.mdr(x)),
                }
            })
            .collect())
    }
}

/// Assets damaged by a hazard, with the exposure figures.
pub fn damaged(g: &Graph, exposed: &Exposed, vulnerability: &Vulnerability, threshold: f64) -> Result<(Vec<Node>, Value), StudyError> {
    let ratio = vulnerability.damage_ratios(g, exposed.measure, &exposed.intensity)?;
    let hit: Vec<Node> = (0..g.len() as Node).filter(|&i| ratio[i as usize] > 0.0 && ratio[i as usize] >= threshold).collect();
    let exposed_n = exposed.intensity.iter().filter(|x| **x > 0.0).count();
    let occupancy: u64 = (0..g.len() as Node).filter(|&i| exposed.intensity[i as usize] > 0.0 && g.is_public_space(i)).map(|i| g.occupancy[i as usize] as u64).sum();
    let peak = exposed.intensity.iter().copied().fold(0.0, f64::max);
    Ok((
        hit,
        json!({
            "intensity_measure": exposed.measure.key(),
            "assets_exposed": exposed_n,
            "public_space_occupancy_exposed": occupancy,
            "peak_intensity": peak,
            "damage_threshold": threshold,
            "footprint": exposed.outline,
        }),
    ))
}
