//! Incident notifications through the API, travelling through time with the test clock.

use crate::helpers::spawn_app;
use rampart_store::Backend;
use reqwest::Method;
use serde_json::{json, Value};

const HOUR: i64 = 3_600_000;

fn states(list: &Value) -> Vec<(String, bool)> {
    list["items"].as_array().map(|a| a.iter().map(|i| (i["state"].as_str().unwrap_or("").to_string(), i["overdue"] == json!(true))).collect()).unwrap_or_default()
}

#[tokio::test]
async fn an_incident_from_awareness_to_closing() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.login("admin").await;
    for (org, profile) in [
        ("de-op-grid", json!({"supervisor": "de-authority"})),
        ("de-authority", json!({"contact_point": true})),
        ("fr-authority", json!({"contact_point": true})),
    ] {
        let r = admin.send(Method::PUT, &format!("/api/v1/organisations/{org}/sharing"), Some(profile)).await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    }
    let (operator, analyst_de) = (app.login("operator.de").await, app.login("analyst.de").await);

    // The clock stands at 2026-01-01T00:00Z; the operator became aware at 20:00 the evening before and starts a draft.
    let body = json!({"draft": true, "title": "Substation fire", "description": "Transformer fire at the Mitte substation", "sector": "energy",
        "assets": ["DE-SUB-1"], "aware_at": "2025-12-31T20:00:00Z",
        "significance": {"users_affected": 30000, "users_total": 120000, "area": "Berlin-Mitte", "member_states": ["DE", "FR", "PL"]}});
    let r = operator.send(Method::POST, "/api/v1/incidents", Some(body)).await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    let id = r.body["id"].as_str().expect("id").to_string();
    assert_eq!((r.body["state"].as_str(), r.body["tlp"].as_str(), r.body["proportion_affected"].as_f64()), (Some("draft"), Some("TLP:AMBER+STRICT"), Some(0.25)));
    assert_eq!(r.body["clocks"]["initial"], json!({"state": "open", "due": "2026-01-01T20:00:00.000Z", "left_s": 72_000}));
    assert_eq!(analyst_de.get(&format!("/api/v1/incidents/{id}")).await.status.as_u16(), 404, "a draft is the entity's alone");

    // 21 hours later the draft is an hour overdue on the operator's dashboard.
    // (Sessions last 12 hours: travelling through time means logging in again.)
    app.clock.advance(21 * HOUR);
    let (operator, analyst_de, analyst_fr, viewer_eu) =
        (app.login("operator.de").await, app.login("analyst.de").await, app.login("analyst.fr").await, app.login("viewer.eu").await);
    assert_eq!(states(&operator.get("/api/v1/incidents?overdue=true").await.body), [("draft".to_string(), true)]);
    let r = operator.send(Method::POST, &format!("/api/v1/incidents/{id}/notify"), Some(json!({"version": 1}))).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    assert_eq!(r.body["clocks"]["initial"], json!({"state": "met_late", "due": "2026-01-01T20:00:00.000Z", "done": "2026-01-01T21:00:00.000Z"}));
    assert_eq!(r.body["clocks"]["detailed"]["due"], "2026-02-01T21:00:00.000Z", "one month after the notification");
    let recipients: Vec<(String, String)> = r.body["recipients"]
        .as_array()
        .expect("recipients")
        .iter()
        .map(|x| (x["organisation"].as_str().unwrap_or("").into(), x["reason"].as_str().unwrap_or("").into()))
        .collect();
    assert_eq!(recipients, [("de-authority".to_string(), "competent_authority".to_string()), ("fr-authority".into(), "affected_member_state".into())]);
    assert_eq!((r.body["unrouted"].clone(), r.body["commission"].clone()), (json!(["PL"]), json!(false)));

    // Recipients read it; the EU body, not routed to, is told it does not exist; nobody but the entity adds to it.
    assert_eq!(analyst_de.get(&format!("/api/v1/incidents/{id}")).await.status.as_u16(), 200);
    assert_eq!(analyst_fr.get(&format!("/api/v1/incidents/{id}")).await.status.as_u16(), 200);
    assert_eq!(viewer_eu.get(&format!("/api/v1/incidents/{id}")).await.status.as_u16(), 404);
    assert_eq!(viewer_eu.get("/api/v1/incidents").await.body["items"], json!([]));
    let r = analyst_de.send(Method::POST, &format!("/api/v1/incidents/{id}/updates"), Some(json!({"kind": "update", "version": 2}))).await;
    assert_eq!(r.status.as_u16(), 403);
    let r = operator.send(Method::POST, &format!("/api/v1/incidents/{id}/updates"), Some(json!({"kind": "update", "version": 1, "note": "stale"}))).await;
    assert_eq!(r.status.as_u16(), 409);
    let r = operator.send(Method::POST, &format!("/api/v1/incidents/{id}/updates"), Some(json!({"kind": "later", "note": "x"}))).await;
    assert_eq!((r.status.as_u16(), r.body["detail"].as_str()), (422, Some("kind: expected update, detailed or close, found \"later\"; version: is required: the version you read")));

    // A month and a day later the detailed report is overdue on the authority's dashboard; the operator files it.
    app.clock.advance(32 * 24 * HOUR);
    let (admin, operator, analyst_de, analyst_fr) = (app.login("admin").await, app.login("operator.de").await, app.login("analyst.de").await, app.login("analyst.fr").await);
    assert_eq!(states(&analyst_de.get("/api/v1/incidents?overdue=true").await.body), [("notified".to_string(), true)]);
    let detailed = json!({"title": "Substation fire", "description": "Cable joint failure ignited the transformer oil", "aware_at": "2025-12-31T20:00:00Z",
        "significance": {"users_affected": 30000, "users_total": 120000, "duration_hours": 9.5, "area": "Berlin-Mitte", "member_states": ["DE", "FR", "PL"]}});
    let r = operator.send(Method::POST, &format!("/api/v1/incidents/{id}/updates"), Some(json!({"kind": "detailed", "version": 2, "note": "root cause found", "report": detailed}))).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    assert_eq!((r.body["state"].as_str(), r.body["clocks"]["detailed"]["state"].as_str(), r.body["overdue"].as_bool()), (Some("reported"), Some("met_late"), Some(false)));
    // Closing ends the record.
    let r = operator.send(Method::POST, &format!("/api/v1/incidents/{id}/updates"), Some(json!({"kind": "close", "version": 3}))).await;
    assert_eq!(r.status.as_u16(), 200);
    let r = operator.send(Method::POST, &format!("/api/v1/incidents/{id}/updates"), Some(json!({"kind": "update", "version": 4}))).await;
    assert_eq!(r.status.as_u16(), 409);
    let r = analyst_fr.get(&format!("/api/v1/incidents/{id}")).await;
    let kinds: Vec<&str> = r.body["updates"].as_array().expect("updates").iter().filter_map(|u| u["kind"].as_str()).collect();
    assert_eq!(kinds, ["initial", "detailed", "close"]);
    // The audit trail has who drafted, notified, changed and read it, and every refused change.
    let trail = admin.get("/api/v1/audit?limit=1000").await.body;
    let about: Vec<(String, String)> = trail["items"]
        .as_array()
        .expect("audit items")
        .iter()
        .filter(|e| e["object_id"] == json!(id))
        .map(|e| (e["actor"].as_str().unwrap_or("").to_string(), e["action"].as_str().unwrap_or("").to_string()))
        .collect();
    let expected: Vec<(String, String)> = [
        ("operator.de", "create"), ("operator.de", "share"), ("analyst.de", "read"), ("analyst.fr", "read"),
        ("analyst.de", "reject"), ("operator.de", "reject"), ("operator.de", "reject"),
        ("operator.de", "change"), ("operator.de", "change"), ("operator.de", "reject"), ("analyst.fr", "read"),
    ]
    .iter()
    .map(|(a, b)| (a.to_string(), b.to_string()))
    .collect();
    assert_eq!(about, expected);

    // Six member states affected: the Commission flag is raised at once.
    let six = json!({"title": "Interconnector trip", "description": "x", "aware_at": "2026-02-02T20:00:00Z",
        "significance": {"users_affected": 1, "area": "Central Europe", "member_states": ["DE", "FR", "PL", "AT", "CZ", "NL"]}});
    let r = operator.send(Method::POST, "/api/v1/incidents", Some(six)).await;
    assert_eq!((r.status.as_u16(), r.body["commission"].as_bool(), r.body["state"].as_str()), (201, Some(true), Some("notified")));
    let r = admin.send(Method::POST, "/api/v1/incidents", Some(json!({"entity": "de-op-water", "title": "x", "description": "y", "aware_at": "2026-02-02T20:00:00Z",
        "significance": {"users_affected": 1, "area": "x", "member_states": ["DE"]}}))).await;
    assert_eq!(r.status.as_u16(), 201, "de-op-water has no supervisor, so Germany's contact point is its competent authority: {}", r.body);
    assert_eq!(r.body["recipients"][0]["organisation"], "de-authority");
}
