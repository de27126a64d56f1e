//! The audit trail through the API: what users do is recorded, in order, verifiable,
//! and readable by administrators only.

use crate::helpers::{asset_json, spawn_app};
use rampart_store::Backend;
use reqwest::Method;
use serde_json::{json, Value};

async fn trail(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("admin").await;
    let analyst = app.login("analyst.de").await;
    let r = analyst.send(Method::POST, "/api/v1/assets", Some(asset_json("DE-NEW-1", "DE", "energy", None, 13.1, 52.4))).await;
    assert_eq!(r.status.as_u16(), 201, "{:?}", r.body);
    let r = app.anonymous().send(Method::POST, "/api/v1/auth/login", Some(json!({"username": "viewer.de", "password": "wrong"}))).await;
    assert_eq!(r.status.as_u16(), 401);
    assert_eq!(analyst.get("/api/v1/export.geojson?sector=energy").await.status.as_u16(), 200);
    let r = admin.send(Method::PATCH, "/api/v1/users/viewer.de", Some(json!({"role": "assessor", "password": "a new long password"}))).await;
    assert_eq!(r.status.as_u16(), 200, "{:?}", r.body);
    assert_eq!(analyst.send(Method::POST, "/api/v1/auth/logout", None).await.status.as_u16(), 204);

    let page = admin.get("/api/v1/audit").await.body;
    let rows: Vec<(i64, String, String, String, String)> = page["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|e| {
            let s = |k: &str| e[k].as_str().unwrap_or("").to_string();
            (e["seq"].as_i64().unwrap_or(0), s("actor"), s("action"), s("object_kind"), s("object_id"))
        })
        .collect();
    let row = |seq: i64, actor: &str, action: &str, kind: &str, id: &str| (seq, actor.into(), action.into(), kind.into(), id.into());
    assert_eq!(
        rows,
        vec![
            row(1, "seed", "import", "registry", ""),
            row(2, "admin", "login", "session", ""),
            row(3, "analyst.de", "login", "session", ""),
            row(4, "analyst.de", "create", "asset", "DE-NEW-1"),
            row(5, "viewer.de", "reject", "session", ""),
            row(6, "analyst.de", "export", "registry", ""),
            row(7, "admin", "change", "user", "viewer.de"),
            row(8, "analyst.de", "logout", "session", ""),
        ]
    );
    let items = page["items"].as_array().expect("items");
    assert_eq!(items[5]["detail"], json!({"format": "geojson", "filter": {"sector": "energy", "kind": null, "country": null, "category": null, "operator": null, "bbox": null, "q": null, "within": null}}));
    assert_eq!(items[6]["detail"], json!({"role": "assessor", "password_changed": true, "disabled": null}));
    assert!(!page.to_string().contains("a new long password"), "passwords never reach the audit trail");
    assert_eq!(items[1]["prev_hash"], items[0]["hash"]);
    assert_eq!(page["next_after"], Value::Null);

    let first = admin.get("/api/v1/audit?limit=3").await.body;
    assert_eq!(first["items"].as_array().map(Vec::len), Some(3));
    assert_eq!(first["next_after"], 3);
    let next = admin.get("/api/v1/audit?after=3&limit=3").await.body;
    assert_eq!(next["items"][0]["seq"], 4);
    let bad = admin.get("/api/v1/audit?since=yesterday").await;
    assert_eq!(bad.status.as_u16(), 422);
    assert_eq!(bad.body["errors"][0]["field"], "since", "{}", bad.body);

    let report = app.state.store.audit_verify().await.expect("verify");
    assert_eq!((report.entries, report.first_break), (8, None));
    // The same walk through the API, as the web app's audit page asks for it.
    let v = admin.get("/api/v1/audit/verify").await.body;
    assert_eq!((v["entries"].as_i64(), v["first_break"].clone(), v["last_hash"].as_str()), (Some(8), serde_json::Value::Null, Some(report.last_hash.as_str())));
}

#[tokio::test]
async fn the_trail_records_who_did_what_on_sqlite() {
    trail(Backend::Sqlite).await;
}

#[tokio::test]
async fn the_trail_records_who_did_what_on_postgres() {
    trail(Backend::Postgres).await;
}
