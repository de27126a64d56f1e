//! Registry behaviour through the API: validation, concurrency, history, paging, formats.

use crate::helpers::{asset_json, spawn_app};
use rampart_store::Backend;
use reqwest::Method;
use serde_json::{json, Value};

fn fields(body: &Value) -> Vec<(String, String)> {
    body["errors"]
        .as_array()
        .map(|e| e.iter().map(|x| (x["field"].as_str().unwrap_or("").to_string(), x["message"].as_str().unwrap_or("").to_string())).collect())
        .unwrap_or_default()
}

#[tokio::test]
async fn bad_input_names_the_field_and_changes_nothing() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = app.login("analyst.de").await;
    let mut bad = asset_json("DE-BAD-1", "DE", "nuclear", None, 13.0, 91.0);
    bad["people_served"] = json!(-5);
    let r = c.send(Method::POST, "/api/v1/assets", Some(bad)).await;
    assert_eq!((r.status.as_u16(), r.content_type.as_str()), (422, "application/problem+json"));
    let f = fields(&r.body);
    assert_eq!(f.iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), vec!["sector", "geometry.coordinates", "people_served"]);
    assert_eq!(f[1].1, "latitude must be within ±90, found 91");

    let ring = json!({"id": "DE-BAD-2", "name": "x", "sector": "energy", "country": "DE",
        "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}});
    let r = c.send(Method::POST, "/api/v1/assets", Some(ring)).await;
    assert_eq!(fields(&r.body), vec![("geometry.coordinates[0]".to_string(), "the ring intersects itself (segments 0 and 2)".to_string())]);

    // Malformed JSON: line and column.
    let r = c
        .http
        .post(format!("{}/api/v1/assets", app.base))
        .header("content-type", "application/json")
        .header("X-CSRF-Token", c.csrf.clone().unwrap_or_default())
        .body("{\"id\": \"x\",\n \"name\": }")
        .send()
        .await
        .expect("request");
    assert_eq!(r.status().as_u16(), 400);
    let body: Value = r.json().await.expect("json");
    assert_eq!(body["detail"], "malformed JSON: name: expected value at line 2 column 10");

    // Oversized body (the test server accepts 64 KiB).
    let mut big = asset_json("DE-BIG-1", "DE", "energy", None, 13.0, 52.0);
    big["attributes"] = json!({"blob": "x".repeat(100_000)});
    let r = c.send(Method::POST, "/api/v1/assets", Some(big)).await;
    assert_eq!(r.status.as_u16(), 413);

    // Duplicate id, unknown filter value, self-dependency, dependency on a missing asset.
    let r = c.send(Method::POST, "/api/v1/assets", Some(asset_json("DE-SUB-1", "DE", "energy", None, 13.0, 52.0))).await;
    assert_eq!((r.status.as_u16(), r.body["detail"].as_str()), (409, Some("an asset with id \"DE-SUB-1\" already exists")));
    let r = c.get("/api/v1/assets?sector=nuclear&bbox=1,2,3").await;
    assert_eq!(fields(&r.body).iter().map(|(k, _)| k.as_str()).collect::<Vec<_>>(), vec!["sector", "bbox"]);
    let r = c.send(Method::POST, "/api/v1/dependencies", Some(json!({"supplier_id": "DE-SUB-1", "dependent_id": "DE-SUB-1", "service": "electricity"}))).await;
    assert_eq!(fields(&r.body), vec![("dependent_id".to_string(), "an asset cannot depend on itself".to_string())]);
    let r = c.send(Method::POST, "/api/v1/dependencies", Some(json!({"supplier_id": "DE-GONE", "dependent_id": "DE-SUB-1", "service": "electricity"}))).await;
    assert_eq!(fields(&r.body), vec![("supplier_id".to_string(), "no asset with id \"DE-GONE\"".to_string())]);

    let r = c.get("/api/v1/assets?limit=100").await;
    assert_eq!(r.body["items"].as_array().map(Vec::len), Some(3), "nothing was added");
}

#[tokio::test]
async fn edits_are_versioned_and_recorded() {
    let app = spawn_app(Backend::Sqlite).await;
    let a = app.login("analyst.de").await;
    let b = app.login("operator.de").await;
    let current = a.get("/api/v1/assets/DE-SUB-1").await.body;
    assert_eq!(current["version"], 1);
    let mut edit_a = current.clone();
    edit_a["name"] = json!("Berlin Mitte substation");
    let mut edit_b = current.clone();
    edit_b["people_served"] = json!(75000);
    app.clock.advance(60_000);
    let r = a.send(Method::PUT, "/api/v1/assets/DE-SUB-1", Some(edit_a)).await;
    assert_eq!((r.status.as_u16(), r.body["version"].as_i64(), r.body["updated_by"].as_str()), (200, Some(2), Some("analyst.de")));
    assert_eq!(r.body["updated_at"], "2026-01-01T00:01:00.000Z");
    let r = b.send(Method::PUT, "/api/v1/assets/DE-SUB-1", Some(edit_b)).await;
    assert_eq!(r.status.as_u16(), 409);
    assert!(r.body["detail"].as_str().unwrap_or("").starts_with("asset DE-SUB-1 was changed by analyst.de (now version 2"), "{}", r.body);

    let h = a.get("/api/v1/assets/DE-SUB-1/history").await.body;
    assert_eq!(h["items"][0]["by"], "analyst.de");
    assert_eq!(h["items"][0]["action"], "update");
    assert_eq!(h["items"][0]["changes"], json!({"name": {"from": "DE-SUB-1 site", "to": "Berlin Mitte substation"}}));
    assert_eq!(h["items"][1]["action"], "import");
}

#[tokio::test]
async fn lists_page_filter_and_serve_geojson() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = app.login("admin").await;
    let p1 = c.get("/api/v1/assets?limit=3").await.body;
    assert_eq!(p1["items"].as_array().map(|i| i.iter().map(|a| a["id"].as_str().unwrap_or("")).collect::<Vec<_>>()), Some(vec!["DE-HOS-1", "DE-SUB-1", "DE-WAT-1"]));
    assert_eq!(p1["next_cursor"], "DE-WAT-1");
    let p2 = c.get("/api/v1/assets?limit=3&cursor=DE-WAT-1").await.body;
    assert_eq!((p2["items"][0]["id"].as_str(), &p2["next_cursor"]), (Some("FR-SUB-1"), &Value::Null));
    let berlin = c.get("/api/v1/assets?bbox=13.3,52.45,13.42,52.6").await.body;
    assert_eq!(berlin["items"].as_array().map(Vec::len), Some(2));
    // Within an L-shaped polygon around the hospital (13.38, 52.53) and the water works (13.45, 52.50),
    // whose bounding box holds the substation (13.40, 52.52) too.
    let polygon = json!({"type": "Polygon", "coordinates": [[[13.37, 52.49], [13.46, 52.49], [13.46, 52.51], [13.39, 52.51], [13.39, 52.535], [13.37, 52.535], [13.37, 52.49]]]});
    let encoded: String = polygon.to_string().bytes().map(|b| format!("%{b:02X}")).collect();
    let within = c.get(&format!("/api/v1/assets?within={encoded}")).await.body;
    assert_eq!(within["items"].as_array().map(|i| i.iter().map(|a| a["id"].as_str().unwrap_or("")).collect::<Vec<_>>()), Some(vec!["DE-HOS-1", "DE-WAT-1"]));
    let r = c.get("/api/v1/assets?within=%7B%22type%22%3A%22Point%22%2C%22coordinates%22%3A%5B1%2C2%5D%7D").await;
    assert_eq!(fields(&r.body), vec![("within.type".to_string(), "expected \"Polygon\", found \"Point\"".to_string())]);
    let q = c.get("/api/v1/assets?q=wat").await.body;
    assert_eq!(q["items"][0]["id"], "DE-WAT-1");
    let r = c.get("/api/v1/assets.geojson?sector=energy").await;
    assert_eq!(r.content_type, "application/geo+json");
    assert_eq!(r.body["type"], "FeatureCollection");
    assert_eq!(r.body["features"][0]["geometry"], json!({"type": "Point", "coordinates": [13.4, 52.52]}));
    assert_eq!(r.body["features"][0]["properties"]["sector"], "energy");
    let r = c.get("/api/v1/assets?limit=5000").await;
    assert_eq!(fields(&r.body), vec![("limit".to_string(), "must be from 1 to 1000, found 5000".to_string())]);
}

#[tokio::test]
async fn openapi_documents_every_route_and_metrics_count_requests() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = app.login("admin").await;
    let doc = c.get("/api/v1/openapi.json").await.body;
    assert_eq!(doc["openapi"], "3.1.0");
    let paths: Vec<&str> = doc["paths"].as_object().map(|p| p.keys().map(String::as_str).collect()).unwrap_or_default();
    for p in ["/api/v1/assets", "/api/v1/assets/{id}", "/api/v1/assets/{id}/upstream", "/api/v1/dependencies/{id}", "/api/v1/links", "/api/v1/users/{username}", "/api/v1/map"] {
        assert!(paths.contains(&p), "{p} missing from {paths:?}");
    }
    let metrics = c.get("/metrics").await;
    let text = metrics.body.as_str().unwrap_or("");
    assert!(text.contains("rampart_http_requests_total{method=\"GET\",route=\"/api/v1/openapi.json\",status=\"200\"} 1"), "{text}");
    let health = app.anonymous().get("/health").await;
    assert_eq!(health.body, json!({"status": "ok"}));
}

#[tokio::test]
async fn import_and_export_files_under_the_access_rules() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.login("admin").await;
    let operator = app.login("operator.de").await;
    let upload = |c: &crate::helpers::Client, query: &str, body: &str| {
        let req = c
            .http
            .post(format!("{}/api/v1/import?{query}", app.base))
            .header("X-CSRF-Token", c.csrf.clone().unwrap_or_default())
            .body(body.to_string());
        async move {
            let r = req.send().await.expect("request");
            let status = r.status().as_u16();
            (status, r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let csv = "id,name,sector,country,operator_id,lon,lat\nDE-CSV-1,Imported substation,energy,DE,de-op-grid,13.1,52.4\nDE-CSV-2,Imported works,drinking_water,DE,de-op-water,13.2,52.4\n";
    // The operator may import only its own sites: the second row is refused, nothing is written.
    let (status, body) = upload(&operator, "name=assets.csv", csv).await;
    assert_eq!(status, 422);
    assert_eq!(fields(&body), vec![("assets.csv: line 3".to_string(), "you may not import an asset of country DE operated by de-op-water".to_string())]);
    // A check reports without writing; the admin's import writes.
    let (status, body) = upload(&admin, "name=assets.csv&check=true", csv).await;
    assert_eq!((status, body["committed"].as_bool(), body["assets"].as_u64()), (200, Some(false), Some(2)));
    assert_eq!(admin.get("/api/v1/assets/DE-CSV-1").await.status.as_u16(), 404);
    let (status, body) = upload(&admin, "name=assets.csv", csv).await;
    assert_eq!((status, body["committed"].as_bool(), body["assets"].as_u64()), (200, Some(true), Some(2)));
    assert_eq!(admin.get("/api/v1/assets/DE-CSV-1/history").await.body["items"][0]["by"], "admin");
    // Bad rows name line and column.
    let (status, body) = upload(&admin, "name=assets.csv", "id,name,sector,country,lon,lat\nDE-CSV-3,x,energy,Germany,13,52\n").await;
    assert_eq!(status, 422);
    assert_eq!(fields(&body)[0].0, "assets.csv: line 2, column country");
    // Uploads over the limit (1 MiB in tests) are refused with a problem document.
    let (status, body) = upload(&admin, "name=assets.csv", &"x".repeat(1024 * 1024 + 1)).await;
    assert_eq!((status, body["title"].as_str()), (413, Some("Payload too large")));
    // Viewers may not import.
    let viewer = app.login("viewer.de").await;
    assert_eq!(upload(&viewer, "name=assets.csv", csv).await.0, 403);

    // Exports contain what the caller may read, and import back.
    let r = operator.get("/api/v1/export.geojson").await;
    assert_eq!(r.content_type, "application/geo+json");
    let ids: Vec<&str> = r.body["features"]
        .as_array()
        .map(|f| f.iter().filter(|x| x["properties"]["feature_type"].is_null()).filter_map(|x| x["id"].as_str()).collect())
        .unwrap_or_default();
    assert_eq!(ids, vec!["DE-CSV-1", "DE-SUB-1"]);
    let r = admin.get("/api/v1/export.csv?table=assets&country=FR").await;
    assert_eq!(r.content_type, "text/csv; charset=utf-8");
    let text = r.body.as_str().unwrap_or("");
    assert_eq!(text.lines().count(), 2, "{text}");
    assert!(text.lines().nth(1).unwrap_or("").starts_with("FR-SUB-1,"), "{text}");
}
