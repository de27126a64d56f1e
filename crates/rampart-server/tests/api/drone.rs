//! Drone zones and incursion checks through the API (SQLite; the access matrix covers both backends).

use crate::helpers::spawn_app;
use rampart_store::Backend;
use reqwest::Method;
use serde_json::json;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpora/uas-zones");

#[tokio::test]
async fn zones_of_sites_round_trip_and_catch_a_drone() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = app.login("analyst.de").await;

    // The substation (a point) as a 300 m circle, 0–120 m above ground, in both formats.
    let ed269 = c.get("/api/v1/drone/zones?assets=DE-SUB-1&buffer=300&format=ed269").await;
    assert_eq!(ed269.status, 200, "{:?}", ed269.body);
    let f = &ed269.body["features"][0];
    assert_eq!((f["country"].as_str(), f["reason"][0].as_str()), (Some("DEU"), Some("SENSITIVE")));
    assert_eq!(f["geometry"][0]["horizontalProjection"], json!({"type": "Circle", "center": [13.4, 52.52], "radius": 300.0}));
    let ed318 = c.get("/api/v1/drone/zones?assets=DE-SUB-1&buffer=300").await.body;
    assert_eq!(ed318["features"][0]["geometry"]["extent"]["subType"], "Circle");

    // Both documents read back through the import endpoint to the same zone.
    for doc in [&ed269.body, &ed318] {
        let r = c.send(Method::POST, "/api/v1/drone/zones/import", Some(doc.clone())).await;
        assert_eq!(r.status, 200, "{:?}", r.body);
        assert_eq!((r.body["zones"][0]["asset_id"].as_str(), r.body["warnings"].as_array().map(Vec::len)), (Some("DE-SUB-1"), Some(0)));
    }

    // A drone crossing the zone: outside, inside at 80 m, inside at 200 m (above the band), outside.
    let track = json!({"reports": [
        {"uas_id": "D1", "time": "2026-01-01T10:00:00Z", "lat": 52.52, "lon": 13.39, "height_agl_m": 80},
        {"uas_id": "D1", "time": "2026-01-01T10:00:10Z", "lat": 52.52, "lon": 13.399, "height_agl_m": 80},
        {"uas_id": "D1", "time": "2026-01-01T10:00:20Z", "lat": 52.52, "lon": 13.401, "height_agl_m": 200},
        {"uas_id": "D1", "time": "2026-01-01T10:00:30Z", "lat": 52.52, "lon": 13.41, "height_agl_m": 80},
    ]});
    let r = c.send(Method::POST, "/api/v1/drone/check", Some(json!({"zones": ed269.body, "track": track}))).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    let inc = &r.body["incursions"];
    assert_eq!(inc.as_array().map(Vec::len), Some(1));
    assert_eq!((inc[0]["first_time"].as_str(), inc[0]["reports"].as_u64(), inc[0]["status"].as_str()), (Some("2026-01-01T10:00:10Z"), Some(1), Some("confirmed")));
    assert_eq!(inc[0]["alert"]["severity"], "severe");

    // The same check drafts an alert of the warning network for the confirmed incursion; once
    // a second person approves it and it is published, the substation's operator receives it.
    let viewer = app.login("viewer.de").await;
    let asked = json!({"zones": ed269.body, "track": track, "draft_alerts": {"tlp": "TLP:AMBER"}});
    assert_eq!(viewer.send(Method::POST, "/api/v1/drone/check", Some(asked.clone())).await.status, 403, "viewers do not issue alerts");
    let r = c.send(Method::POST, "/api/v1/drone/check", Some(asked)).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!((r.body["draft_alerts"].as_array().map(Vec::len), r.body["draft_alerts"][0]["incursion"].as_u64()), (Some(1), Some(0)));
    let id = r.body["draft_alerts"][0]["alert_id"].as_str().expect("alert id").to_string();
    let a = c.get(&format!("/api/v1/alerts/{id}")).await.body;
    let info = &a["cap"]["infos"][0];
    assert_eq!(
        (a["state"].as_str(), info["event"].as_str(), info["severity"].as_str(), info["onset"].as_str(), info["areas"][0]["circles"][0].as_str()),
        (Some("draft"), Some("UAS zone incursion"), Some("Severe"), Some("2026-01-01T10:00:10+00:00"), Some("52.520000,13.400000 0.300"))
    );
    let assessor = app.login("assessor.de").await;
    for (who, step) in [(&c, "submit"), (&assessor, "approve"), (&c, "publish")] {
        let r = who.send(Method::POST, &format!("/api/v1/alerts/{id}/{step}"), Some(json!({}))).await;
        assert_eq!(r.status, 200, "{step}: {:?}", r.body);
    }
    let inbox = app.login("operator.de").await.get("/api/v1/alerts").await.body;
    let ids: Vec<&str> = inbox["items"].as_array().expect("items").iter().filter_map(|x| x["id"].as_str()).collect();
    assert_eq!(ids, [id.as_str()], "the grid operator of DE-SUB-1 receives the drone alert");

    // Remote ID messages as text: a Basic ID, then a location over the substation at 80 m above ground.
    let lat = 525_200_000i32.to_le_bytes().iter().map(|b| format!("{b:02X}")).collect::<String>();
    let lon = 134_000_000i32.to_le_bytes().iter().map(|b| format!("{b:02X}")).collect::<String>();
    let hex = format!("0212{}000000\n1224000000{lat}{lon}0000FC087008000000000000\n", "31".repeat(20));
    let r = c.send(Method::POST, "/api/v1/drone/check", Some(json!({"zones": ed318, "track": hex}))).await;
    assert_eq!(r.status, 200, "{:?}", r.body);
    assert_eq!(r.body["incursions"][0]["uas_id"], "11111111111111111111");
}

#[tokio::test]
async fn bad_input_names_the_field() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = app.login("analyst.de").await;
    // A point site without a buffer, an unknown reference, nothing selected.
    let r = c.get("/api/v1/drone/zones?assets=DE-SUB-1&buffer=0").await;
    assert_eq!((r.status.as_u16(), r.body["errors"][0]["field"].as_str()), (422, Some("assets.DE-SUB-1.buffer")));
    let r = c.get("/api/v1/drone/zones?assets=DE-SUB-1&reference=QNH").await;
    assert_eq!((r.status.as_u16(), r.body["errors"][0]["field"].as_str()), (422, Some("reference")));
    let r = c.get("/api/v1/drone/zones").await;
    assert_eq!((r.status.as_u16(), r.body["errors"][0]["field"].as_str()), (422, Some("assets")));

    // The public samples import; a self-crossing ring is refused with its place.
    for name in ["che_sample_ed269.json", "che_sample_ed318.json"] {
        let text = std::fs::read_to_string(format!("{SAMPLES}/{name}")).expect("the public sample");
        let doc: serde_json::Value = serde_json::from_str(&text).expect("JSON");
        assert_eq!(c.send(Method::POST, "/api/v1/drone/zones/import", Some(doc)).await.status, 200, "{name}");
    }
    let bow_tie = json!({"features": [{"identifier": "X1", "country": "CHE", "name": "x", "type": "COMMON", "restriction": "PROHIBITED", "reason": [],
        "geometry": [{"uomDimensions": "M", "lowerLimit": 0, "lowerVerticalReference": "AGL", "upperLimit": 120, "upperVerticalReference": "AGL",
            "horizontalProjection": {"type": "Polygon", "coordinates": [[[7.0, 46.0], [7.1, 46.1], [7.1, 46.0], [7.0, 46.1], [7.0, 46.0]]]}}]}]});
    let r = c.send(Method::POST, "/api/v1/drone/zones/import", Some(bow_tie.clone())).await;
    assert_eq!(r.status, 422);
    assert_eq!(r.body["errors"][0]["field"], "features[0].geometry[0].horizontalProjection.coordinates[0]");
    // A truncated Remote ID message in a track, and the bad zones, are both named.
    let r = c.send(Method::POST, "/api/v1/drone/check", Some(json!({"zones": bow_tie, "track": [{"hex": "1224"}]}))).await;
    let fields: Vec<&str> = r.body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["zones.features[0].geometry[0].horizontalProjection.coordinates[0]", "track.reports[0].hex"]);
    assert_eq!(r.body["errors"][1]["message"], "a Remote ID message is 25 bytes; found 2");
}
