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

/// Refused writes to the sharing network are recorded with the reason the caller was
/// given; nothing else about them is written, and anonymous callers are not recorded.
async fn refusals(backend: Backend) {
    use crate::alerts::{cap_json, publish, AROUND_GRID};
    let app = spawn_app(backend).await;
    let admin = app.login("admin").await;
    let analyst = app.login("analyst.de").await;
    let assessor = app.login("assessor.de").await;
    let operator = app.login("operator.de").await;
    let seen = admin.get("/api/v1/audit?limit=1000").await.body["items"].as_array().map(Vec::len).unwrap_or(0);

    let open = cap_json("x", "52.51,13.39 52.51,13.41 52.525,13.41");
    let r = analyst.send(Method::POST, "/api/v1/alerts", Some(json!({"tlp": "TLP:AMBER", "cap": open}))).await;
    assert_eq!(r.status.as_u16(), 422);
    let mut refers = cap_json("x", AROUND_GRID);
    refers["msg_type"] = json!("Update");
    refers["references"] = json!("de-authority,nope-1,2026-01-01T00:00:00+00:00");
    assert_eq!(analyst.send(Method::POST, "/api/v1/alerts", Some(json!({"tlp": "TLP:AMBER", "cap": refers}))).await.status.as_u16(), 422);
    let bogus = "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n  <identifier>X1</identifier>\n  <sender>de-authority</sender>\n  <sent>2026-01-01T00:00:00+00:00</sent>\n  <status>Bogus</status>\n  <msgType>Alert</msgType>\n  <scope>Public</scope>\n</alert>";
    let r = analyst.send_bytes(Method::POST, "/api/v1/alerts/import?tlp=TLP:AMBER", bogus.as_bytes().to_vec()).await;
    assert_eq!(r.status.as_u16(), 422, "{:?}", r.body);
    let id = publish(&analyst, &assessor, json!({"tlp": "TLP:AMBER", "cap": cap_json("Substation threat", AROUND_GRID)})).await;
    let r = operator.send(Method::POST, &format!("/api/v1/alerts/{id}/label"), Some(json!({"tlp": "TLP:CLEAR"}))).await;
    assert_eq!(r.status.as_u16(), 403);
    let french = app.login("analyst.fr").await;
    let r = french.send(Method::POST, &format!("/api/v1/alerts/{id}/label"), Some(json!({"tlp": "TLP:CLEAR"}))).await;
    assert_eq!(r.status.as_u16(), 404);
    let r = admin.send(Method::PUT, "/api/v1/organisations/de-op-grid/sharing", Some(json!({"liaison": "viewer.de"}))).await;
    assert_eq!(r.status.as_u16(), 422, "{:?}", r.body);
    assert_eq!(app.anonymous().send(Method::POST, "/api/v1/alerts", Some(json!({}))).await.status.as_u16(), 401);
    assert_eq!(operator.get("/api/v1/alerts/nope").await.status.as_u16(), 404, "reads are not refusals");

    let items = admin.get("/api/v1/audit?limit=1000").await.body["items"].as_array().cloned().unwrap_or_default();
    let refused: Vec<(String, String, String, i64, String)> = items[seen..]
        .iter()
        .filter(|e| e["action"] == "reject")
        .map(|e| {
            let s = |v: &serde_json::Value| v.as_str().unwrap_or("").to_string();
            (s(&e["actor"]), s(&e["object_kind"]), s(&e["object_id"]), e["detail"]["status"].as_i64().unwrap_or(0), s(&e["detail"]["reason"]))
        })
        .collect();
    let row = |actor: &str, kind: &str, id: &str, status: i64, reason: &str| (actor.to_string(), kind.to_string(), id.to_string(), status, reason.to_string());
    assert_eq!(refused.len(), 6, "{refused:?}");
    let import = &refused[2];
    assert_eq!((import.0.as_str(), import.1.as_str(), import.3), ("analyst.de", "alert", 422));
    assert!(import.4.starts_with("cap_xml.alert/status: line 5, column"), "the CAP reader's reason names the place: {}", import.4);
    assert_eq!(
        [&refused[..2], &refused[3..]].concat(),
        vec![
            row("analyst.de", "alert", "", 422, "cap.alert/info[0]/area[0]/polygon[0]: expected a closed ring of at least 4 \"lat,lon\" points; found 3 points"),
            row("analyst.de", "alert", "", 422, "cap.references[0]: no published alert de-authority,nope-1,2026-01-01T00:00:00+00:00 that you may read"),
            row("operator.de", "alert", &id, 403, "you may not change the label of this item"),
            row("analyst.fr", "alert", &id, 404, &format!("alert {id} not found")),
            row("admin", "sharing profile", "de-op-grid", 422, "liaison: viewer.de belongs to de-authority, not de-op-grid"),
        ]
    );
    assert_eq!(app.state.store.audit_verify().await.expect("verify").first_break, None);
}

#[tokio::test]
async fn refused_sharing_writes_are_audited_on_sqlite() {
    refusals(Backend::Sqlite).await;
}

#[tokio::test]
async fn refused_sharing_writes_are_audited_on_postgres() {
    refusals(Backend::Postgres).await;
}
