//! The threat tools through the API: answers, and bad input as problems naming the field.

use crate::helpers::{spawn_app, START_MS};
use rampart_store::Backend;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn blast_egress_and_precursors() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = app.login("analyst.de").await;

    // A car bomb: the NCTC chart's distances, rings, the table; no location, no exposure.
    let r = c.send(Method::POST, "/api/v1/blast", Some(json!({"item": "car"}))).await;
    assert_eq!(r.status.as_u16(), 200, "{:?}", r.body);
    assert_eq!(r.body["kg_tnt"], 227.0);
    assert_eq!(r.body["recommended"]["evacuation_m"], 98.0);
    assert_eq!(r.body["table"].as_array().map(Vec::len), Some(40));
    assert!(r.body.get("exposure").is_none());
    // At the substation: rings as GeoJSON and the site inside them.
    let r = c.send(Method::POST, "/api/v1/blast", Some(json!({"kg": 227, "burst": "free_air", "lon": 13.40, "lat": 52.52}))).await;
    assert_eq!(r.status.as_u16(), 200, "{:?}", r.body);
    assert_eq!(r.body["burst"], "free_air");
    assert_eq!(r.body["exposure"]["sites"][0]["id"], "DE-SUB-1");
    assert!(r.body["rings_geojson"]["features"].as_array().is_some_and(|f| !f.is_empty()));
    let r = c.send(Method::POST, "/api/v1/blast", Some(json!({"kg": -5, "lon": 200}))).await;
    assert_eq!(r.status.as_u16(), 422);
    let fields: Vec<&str> = r.body["errors"].as_array().into_iter().flatten().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, vec!["kg", "lon", "lat"]);

    // Egress: the bottleneck and the width it needs.
    let venue = json!({"areas": [{"id": "hall", "occupants": 300}], "exits": [{"id": "door", "width_m": 1.05}]});
    let r = c.send(Method::POST, "/api/v1/egress", Some(json!({"rules": "uk-entertainment", "venue": venue}))).await;
    assert_eq!(r.status.as_u16(), 200, "{:?}", r.body);
    assert_eq!((r.body["egress_time_min"].as_f64(), r.body["bottleneck"]["exit"].as_str()), (Some(3.75), Some("door")));
    let r = c.send(Method::POST, "/api/v1/egress", Some(json!({"rules": "fire", "venue": {"areas": [{"id": "a", "occupants": 1}], "exits": [{"id": "x", "width_m": 0}]}}))).await;
    assert_eq!(r.status.as_u16(), 422);
    assert_eq!(r.body["errors"][0]["field"], "rules");
    assert_eq!(r.body["errors"][1]["field"], "venue.exits[0].width_m");

    // Precursors.
    let r = c.send(Method::POST, "/api/v1/precursors/screen", Some(json!({"components": [{"cas": "7722-84-1", "percent": 30}]}))).await;
    assert_eq!((r.status.as_u16(), r.body["outcome"].as_str()), (200, Some("licence")));
    assert_eq!(r.body["licence_up_to"][0]["upper_pct"], 35.0);
    let r = c.send(Method::POST, "/api/v1/precursors/screen", Some(json!({"products": [{"components": [{"cas": "1234-56-7", "percent": 101}]}]}))).await;
    assert_eq!(r.status.as_u16(), 422);
    assert_eq!(r.body["errors"][0]["field"], "products[0].components[0].cas");
    assert_eq!(r.body["errors"][1]["message"], "a concentration cannot be above 100 %, found 101");
    let r = c.get("/api/v1/precursors/catalogue").await;
    assert_eq!(r.body["substances"].as_array().map(Vec::len), Some(18));
    let r = c
        .send(Method::POST, "/api/v1/precursors/reports", Some(json!({"kind": "suspicious_transaction", "country": "DE", "indicators": ["unusual_quantity"],
            "products": [{"components": [{"cas": "7664-93-9", "percent": 96}]}]})))
        .await;
    assert_eq!(r.status.as_u16(), 200, "{:?}", r.body);
    assert_eq!(r.body["due_by_ms"].as_i64(), Some(START_MS + 24 * 3600 * 1000));
    assert_eq!(r.body["due_by"], "2026-01-02T00:00:00.000Z");
    assert_eq!((r.body["stored"].as_bool(), r.body["prepared_by"].as_str()), (Some(false), Some("analyst.de")));
}

/// A suspicious transaction detected 30 hours ago is sent to the German national contact
/// point: stored, routed, marked late; the contact point reads it, a French analyst does not.
#[tokio::test]
async fn precursor_reports_are_sent_to_the_national_contact_point() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.login("admin").await;
    let r = admin.send(Method::PUT, "/api/v1/organisations/de-authority/sharing", Some(json!({"precursor_contact_point": true}))).await;
    assert_eq!(r.status.as_u16(), 200);
    let operator = app.login("operator.de").await;
    let detected = START_MS - 30 * 3_600_000;
    let body = json!({"kind": "suspicious_transaction", "country": "DE", "indicators": ["unusual_quantity", "unusual_payment"], "detected_at_ms": detected,
        "quantity": "4 × 10 l", "customer": "paid cash, declined to give an address",
        "products": [{"name": "Pool oxidiser", "components": [{"cas": "7722-84-1", "percent": 30}]}]});
    let r = operator.send(Method::POST, "/api/v1/precursors/reports/sent", Some(body)).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    assert_eq!(
        (r.body["routed_to"].as_str(), r.body["organisation"].as_str(), r.body["late"].as_bool(), r.body["due_by"].as_str(), r.body["tlp"].as_str()),
        (Some("de-authority"), Some("de-op-grid"), Some(true), Some("2025-12-31T18:00:00.000Z"), Some("TLP:AMBER+STRICT"))
    );
    let id = r.body["id"].as_str().expect("id").to_string();
    let seen = app.login("analyst.de").await.get(&format!("/api/v1/precursors/reports/sent/{id}")).await;
    assert_eq!((seen.status.as_u16(), seen.body["indicators"][1]["key"].as_str()), (200, Some("unusual_payment")));
    assert_eq!(app.login("analyst.fr").await.get(&format!("/api/v1/precursors/reports/sent/{id}")).await.status.as_u16(), 404);
    // A country without a contact point in the directory is refused, naming the field.
    let r = operator.send(Method::POST, "/api/v1/precursors/reports/sent", Some(json!({"kind": "theft", "country": "AT",
        "products": [{"components": [{"cas": "7722-84-1", "percent": 30}]}]}))).await;
    assert_eq!((r.status.as_u16(), r.body["errors"][0]["field"].as_str()), (422, Some("country")));
}
