//! `POST /api/v1/hvm`: approaches over drawn paths and over the server's OSM extract,
//! and bad input named by field.

use crate::helpers::{spawn_app, spawn_app_with};
use rampart_store::Backend;
use reqwest::Method;
use serde_json::json;

fn square() -> serde_json::Value {
    // About 111 m × 68 m at 52.52° N.
    json!({"type": "Polygon", "coordinates": [[[13.400, 52.520], [13.401, 52.520], [13.401, 52.521], [13.400, 52.521], [13.400, 52.520]]]})
}

#[tokio::test]
async fn approaches_over_drawn_paths() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = app.login("analyst.de").await;
    // 0.002° of longitude at 52.5205° N = 135.4 m of straight run-up west of the perimeter.
    let paths = json!({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {"name": "Unter den Linden"},
        "geometry": {"type": "LineString", "coordinates": [[13.398, 52.5205], [13.4005, 52.5205]]}}]});
    let body = json!({"perimeter": square(), "paths": paths, "vehicles": ["N3C"], "barrier": "IWA14-1: V/7200[N3C]/48/90:0.6"});
    let r = c.send(Method::POST, "/api/v1/hvm", Some(body)).await;
    assert_eq!(r.status.as_u16(), 200, "{:?}", r.body);
    let ap = &r.body["approaches"][0];
    assert_eq!((ap["name"].as_str(), ap["angle_deg"].as_f64()), (Some("Unter den Linden"), Some(90.0)));
    // √(2 · 1.3 · 135.4) = 18.76 m/s = 67.5 km/h → V/7200[N3C]/80/90.
    let v = &ap["vehicles"][0];
    let speed = v["speed_kmh"].as_f64().unwrap_or(0.0);
    assert!((speed - 67.5).abs() < 0.3, "{speed}");
    assert_eq!(v["required"][0]["rating"], "V/7200[N3C]/80/90");
    assert_eq!(v["barrier"]["sufficient"], false);
    assert_eq!(r.body["insufficient"].as_array().map(Vec::len), Some(1));
    assert_eq!(r.body["geojson"]["features"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn bad_input_is_named_by_field() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = app.login("viewer.de").await;
    let bowtie = json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]});
    let body = json!({"perimeter": bowtie, "paths": {"type": "FeatureCollection", "features": []},
        "vehicles": [{"code": "N3", "mass_kg": -1}], "barrier": "strong bollard"});
    let r = c.send(Method::POST, "/api/v1/hvm", Some(body)).await;
    assert_eq!(r.status.as_u16(), 422, "{:?}", r.body);
    let fields: Vec<&str> = r.body["errors"].as_array().into_iter().flatten().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["perimeter.coordinates[0]", "barrier", "vehicles[0].mass_kg"]);
    assert_eq!(r.body["errors"][2]["message"], "the mass must be a positive number, found -1");
    // The server has no OSM extract: paths are needed.
    let r = c.send(Method::POST, "/api/v1/hvm", Some(json!({"perimeter": square(), "roads": "osm"}))).await;
    assert_eq!((r.status.as_u16(), r.body["errors"][0]["field"].as_str()), (422, Some("roads")));
}

#[tokio::test]
async fn approaches_over_the_configured_osm_extract() {
    let extract = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/osm/Helsinki.osm.pbf");
    let app = spawn_app_with(Backend::Sqlite, |s| s.hvm_osm = Some(extract)).await;
    let c = app.login("viewer.eu").await;
    // Senate Square, Helsinki.
    let senate = json!({"type": "Polygon", "coordinates": [[[24.9510, 60.1689], [24.9535, 60.1689], [24.9535, 60.1700], [24.9510, 60.1700], [24.9510, 60.1689]]]});
    let r = c.send(Method::POST, "/api/v1/hvm", Some(json!({"perimeter": senate, "roads": "osm", "vehicles": ["N3"]}))).await;
    assert_eq!(r.status.as_u16(), 200, "{:?}", r.body);
    let approaches = r.body["approaches"].as_array().cloned().unwrap_or_default();
    assert!(approaches.len() >= 4, "streets lead into Senate Square from every side: {}", approaches.len());
    assert!(approaches.iter().all(|a| a["road"].as_str().is_some_and(|s| s.starts_with("osm:way/"))));
    assert_eq!(r.body["attribution"], "© OpenStreetMap contributors");
}
