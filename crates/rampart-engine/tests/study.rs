//! Studies as the CLI and the API ask for them: hazards that drive scenarios,
//! probabilistic risk over the registry worked out by hand, and requests that name
//! the field at fault.

#![allow(clippy::unwrap_used)]

mod common;

use common::{asset, dep, feeder, graph};
use rampart_engine::hazard::blast::{self, Burst, Charge};
use rampart_engine::hazard::events::EventSet;
use rampart_engine::hazard::geodesy::haversine_m;
use rampart_engine::hazard::impact_fn::HazardKind;
use rampart_engine::study::risk::{self, RiskOptions, ValueKind};
use rampart_engine::study::{run, Request, Vulnerability};
use rampart_engine::{Graph, Rules};
use serde_json::{json, Value};
use std::sync::atomic::AtomicBool;

/// A substation at (10, 50) feeding a hospital at (10.5, 50) that has no generator.
fn two_sites() -> Graph {
    graph(
        &[
            asset("sub", "DE", "electricity", 1_000, 24.0, json!({"attributes": {"impact_function": "FL_residential"}})),
            asset("hosp", "DE", "health", 500, 48.0, json!({"value_per_day": 4800.0, "geometry": {"type": "Point", "coordinates": [10.5, 50.0]}, "attributes": {"impact_function": "FL_residential"}})),
        ],
        &[dep("sub", "hosp", "electricity", 1, 1, 0.0)],
        &[],
    )
}

fn study(g: &Graph, request: Value) -> Result<Value, String> {
    let req = Request::from_json(&request).map_err(|e| e.to_string())?;
    run(g, &req, &|_| {}, &AtomicBool::new(false)).map_err(|e| e.to_string())
}

fn square(lon: f64, lat: f64, half: f64, intensity: f64) -> Value {
    let (a, b, c, d) = (lon - half, lon + half, lat - half, lat + half);
    json!({"type": "Feature", "properties": {"intensity": intensity},
           "geometry": {"type": "Polygon", "coordinates": [[[a, c], [b, c], [b, d], [a, d], [a, c]]]}})
}

#[test]
fn a_flood_zone_damages_what_its_depth_destroys_and_the_cascade_follows() {
    let g = two_sites();
    // 100 m of water at the substation, 1 mm at the hospital.
    let zones = json!({"type": "FeatureCollection", "features": [square(10.0, 50.0, 0.1, 100.0), square(10.5, 50.0, 0.1, 0.001)]});
    let r = study(&g, json!({"kind": "scenario", "hazard": {"kind": "zones", "intensity_measure": "flood_depth_m", "zones": zones}})).unwrap();
    assert_eq!(r["damaged"], json!(["sub"]));
    assert_eq!(r["hazard"]["assets_exposed"], 2);
    assert_eq!(r["hazard"]["peak_intensity"], 100.0);
    // The hospital is down while the substation is: 24 h × 500 people.
    assert_eq!(r["impact"]["assets_down"], 2);
    assert_eq!(r["impact"]["person_hours"], 24.0 * 1_000.0 + 24.0 * 500.0);
}

#[test]
fn a_car_bomb_next_to_the_substation_takes_it_out_and_spares_the_distant_hospital() {
    let g = two_sites();
    let r = study(&g, json!({"kind": "scenario", "hazard": {"kind": "blast", "lon": 10.0001, "lat": 50.0, "item": "car"}})).unwrap();
    assert_eq!(r["damaged"], json!(["sub"]));
    assert_eq!(r["hazard"]["intensity_measure"], "overpressure_kpa");
    // 7.15 m from 227 kg of TNT (Z = 1.17 m/kg^⅓): the Kingery–Bulmash surface burst;
    // 36 km away: nothing.
    let charge = Charge::new(227.0, Burst::Surface).unwrap();
    let at = blast::overpressure_kpa(&charge, haversine_m(10.0001, 50.0, 10.0, 50.0)).unwrap();
    assert_eq!(r["hazard"]["peak_intensity"].as_f64().unwrap(), at);
    assert!(at > 500.0, "{at}");
    assert_eq!(r["hazard"]["assets_exposed"], 1);
    let rings = r["hazard"]["footprint"]["features"].as_array().unwrap();
    let eardrum = rings.iter().find(|f| f["properties"]["label"] == "eardrum_rupture").unwrap();
    assert_eq!(eardrum["properties"]["description"], "Eardrum rupture threshold");
    assert_eq!(eardrum["properties"]["intensity"], 34.5);
}

const EVENTS: &str = "event_id,frequency\ne1,0.1\ne2,0.01\n";
const CENTROIDS: &str = "centroid_id,lat,lon\nc1,50.0,10.0\nc2,50.0,10.5\n";
const INTENSITY: &str = "event_id,centroid_id,intensity\ne1,c1,2.0\ne2,c1,0.5\ne2,c2,1.0\n";

fn options(cascades: bool) -> RiskOptions {
    RiskOptions {
        measure: HazardKind::FloodDepth,
        value: ValueKind::Economic,
        monte_carlo: None,
        fragility: false,
        cascades,
        rules: Rules::default(),
        horizon_h: 72.0,
        damage_threshold: 0.5,
        top: 10,
    }
}

#[test]
fn risk_over_the_registry_matches_the_hand_computation() {
    let g = two_sites();
    let events = EventSet::parse_str(EVENTS, CENTROIDS, INTENSITY).unwrap();
    // Values: substation 2,400 a day × 24 h = 2,400; hospital 4,800 a day × 48 h = 9,600.
    // FL_residential: MDD 0.6 at 2 m, 0.4 at 1 m, 0.25 at 0.5 m; PAA 1.
    // e1: 0.6 × 2,400 = 1,440. e2: 0.25 × 2,400 + 0.4 × 9,600 = 600 + 3,840 = 4,440.
    let r = risk::run(&g, &events, &Vulnerability::default(), &options(false), &|_| {}, &AtomicBool::new(false)).unwrap();
    let totals: Vec<f64> = r["event_table"].as_array().unwrap().iter().map(|e| e["total"].as_f64().unwrap()).collect();
    assert_eq!(totals, vec![1_440.0, 4_440.0]);
    assert!((r["aai"].as_f64().unwrap() - (0.1 * 1_440.0 + 0.01 * 4_440.0)).abs() < 1e-9);
    let eai: Vec<(String, f64)> = r["top_assets"].as_array().unwrap().iter().map(|a| (a["asset"].as_str().unwrap().to_string(), a["eai"].as_f64().unwrap())).collect();
    assert_eq!(eai.len(), 2);
    assert_eq!(eai[0].0, "sub");
    assert!((eai[0].1 - 150.0).abs() < 1e-9 && (eai[1].1 - 38.4).abs() < 1e-9, "{eai:?}");

    // With cascades, e1 damages the substation (ratio 0.6 ≥ 0.5): the hospital is down
    // 24 h more, 4,800 a day. e2 damages nothing beyond the threshold.
    let r = risk::run(&g, &events, &Vulnerability::default(), &options(true), &|_| {}, &AtomicBool::new(false)).unwrap();
    let cascade: Vec<f64> = r["event_table"].as_array().unwrap().iter().map(|e| e["cascade"].as_f64().unwrap()).collect();
    assert_eq!(cascade, vec![4_800.0, 0.0]);
    assert!((r["aai"].as_f64().unwrap() - (0.1 * 6_240.0 + 0.01 * 4_440.0)).abs() < 1e-9);
    // Exceedance: 6,240 once in 10 years; the 10-year impact is read off the curve.
    assert_eq!(r["return_periods"][0], json!({"return_period": 10.0, "impact": 6_240.0, "within_curve": true}));
    assert_eq!(r["return_periods"][1]["within_curve"], false);
}

#[test]
fn monte_carlo_risk_is_reproducible_for_a_seed() {
    let g = two_sites();
    let events = EventSet::parse_str(EVENTS, CENTROIDS, INTENSITY).unwrap();
    let mut o = options(true);
    o.monte_carlo = Some(7);
    o.fragility = true;
    let a = risk::run(&g, &events, &Vulnerability::default(), &o, &|_| {}, &AtomicBool::new(false)).unwrap();
    let b = risk::run(&g, &events, &Vulnerability::default(), &o, &|_| {}, &AtomicBool::new(false)).unwrap();
    assert_eq!(a, b);
}

#[test]
fn requests_name_the_field_at_fault() {
    let g = two_sites();
    let cases = [
        (json!({"kind": "scenario", "assets": ["sub", "ghost"]}), "assets[1]: unknown asset id \"ghost\""),
        (json!({"kind": "scenario", "assets": ["sub"], "horizon_h": -1}), "horizon_h: expected hours above 0 and at most 8760, found -1"),
        (
            json!({"kind": "scenario", "footprint": {"type": "Polygon", "coordinates": [[[10, 50], [11, 50], [10, 50]]]}}),
            "footprint.coordinates[0]: a ring needs at least 4 positions, the last equal to the first",
        ),
        (
            json!({"kind": "scenario", "hazard": {"kind": "blast", "lon": 10, "lat": 50, "item": "rocket"}}),
            "hazard.item: unknown threat item \"rocket\"; expected one of: pipe_bomb, suicide_vest, briefcase, car, van, small_delivery_truck, lorry, semi_trailer",
        ),
        (
            json!({"kind": "risk", "intensity_measure": "hail_cm", "event_set": {"synthetic": {"events": 10, "seed": 1, "peak_min": 1, "peak_max": 2}}}),
            "intensity_measure: unknown measure \"hail_cm\"; expected one of: flood_depth_m, wind_speed_m_s, pga_g, overpressure_kpa, toxic_mg_m3",
        ),
        (
            json!({"kind": "risk", "intensity_measure": "flood_depth_m", "event_set": {"files": {"events": "event_id,frequency\ne1,-2\n", "centroids": CENTROIDS, "intensity": INTENSITY}}}),
            "event_set: events.csv line 2, field frequency: must not be negative, got -2",
        ),
    ];
    for (req, want) in cases {
        assert_eq!(study(&g, req).unwrap_err(), want);
    }
    assert!(study(&g, json!({"kind": "forecast"})).unwrap_err().starts_with("kind: unknown variant `forecast`"));
    assert_eq!(study(&g, json!({"kind": "scenario", "horizon": 3})).unwrap_err().split(',').next(), Some("horizon: unknown field `horizon`"));
    let wrong_type = study(&g, json!({"kind": "scenario", "assets": ["sub"], "rules": {"dependencies": "yes"}})).unwrap_err();
    assert!(wrong_type.starts_with("rules.dependencies: invalid type: string \"yes\", expected a boolean"), "{wrong_type}");
    let nested = study(&g, json!({"kind": "scenario", "hazard": {"kind": "blast", "lon": "east", "lat": 50}})).unwrap_err();
    assert!(nested.starts_with("hazard.lon: invalid type"), "{nested}");
}

#[test]
fn connectivity_loss_metrics_follow_openquake_by_hand() {
    let g = feeder();
    let r = study(&g, json!({"kind": "scenario", "assets": ["a"]})).unwrap();
    let m = &r["connectivity_loss"][0];
    assert_eq!((m["network"].as_str(), m["assets"].as_u64(), m["out_of_action"].as_u64()), (Some("grid"), Some(6), Some(1)));
    // Σ 1/d over pairs (in links): 109/12 before, 13/3 after losing a (p1 is isolated).
    let el = m["efficiency_loss"].as_f64().unwrap();
    assert!((el - (1.0 - (13.0 / 3.0) / (109.0 / 12.0))).abs() < 1e-12, "{el}");
    // Demand a, b, c, d each reached 2 sources; after: 0, 1, 1, 1.
    assert_eq!(m["partial_connectivity_loss"], 0.625);
    // WS = NS · Σ 1/d: a 8/3 → 0, b 2 → 1/2, c 8/3 → 1, d 4/3 → 1/3.
    let wcl = m["weighted_connectivity_loss"].as_f64().unwrap();
    assert!((wcl - (1.0 + 0.75 + 0.625 + 0.75) / 4.0).abs() < 1e-12, "{wcl}");
    // Three of the four demand assets are still served.
    assert_eq!(m["complete_connectivity_loss"], 0.25);
}
