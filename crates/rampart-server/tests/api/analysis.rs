//! Analysis runs through the API: a scenario and a criticality study on a small
//! registry built through the API, cancellation, bad requests, what each reader sees,
//! and runs left behind by a stopped server.

use crate::helpers::{asset_json, spawn_app, spawn_app_with, Client, TestApp};
use rampart_store::{Backend, NewRun, RunStatus, INTERRUPTED};
use reqwest::Method;
use serde_json::{json, Value};
use rampart_server::clock::Clock;
use std::time::Duration;

/// A power plant (the grid's only source), a substation fed by it over a grid line, a
/// hospital that needs the substation's electricity with 8 hours of backup, and a
/// French clinic across the border that needs it too, with 4 hours.
pub async fn build_grid(app: &TestApp) {
    let admin = app.login("admin").await;
    let mut plant = asset_json("DE-PLANT-9", "DE", "energy", Some("de-op-grid"), 11.50, 48.10);
    plant["attributes"] = json!({"source": "grid"});
    plant["people_served"] = json!(0);
    let sub = asset_json("DE-SUB-9", "DE", "energy", Some("de-op-grid"), 11.58, 48.14);
    let mut hospital = asset_json("DE-HOS-9", "DE", "health", Some("de-op-health"), 11.60, 48.15);
    hospital["people_served"] = json!(20000);
    let mut clinic = asset_json("FR-CLI-9", "FR", "health", None, 7.30, 47.75);
    clinic["people_served"] = json!(1000);
    for a in [plant, sub, hospital, clinic] {
        let r = admin.send(Method::POST, "/api/v1/assets", Some(a)).await;
        assert_eq!(r.status.as_u16(), 201, "{:?}", r.body);
    }
    let r = admin.send(Method::POST, "/api/v1/links", Some(json!({"network": "grid", "from_id": "DE-PLANT-9", "to_id": "DE-SUB-9"}))).await;
    assert_eq!(r.status.as_u16(), 201, "{:?}", r.body);
    for (dependent, buffer) in [("DE-HOS-9", 8), ("FR-CLI-9", 4)] {
        let dep = json!({"supplier_id": "DE-SUB-9", "dependent_id": dependent, "service": "electricity", "buffer_hours": buffer});
        let r = admin.send(Method::POST, "/api/v1/dependencies", Some(dep)).await;
        assert_eq!(r.status.as_u16(), 201, "{:?}", r.body);
    }
}

/// Starts a run and waits until it has finished.
pub async fn run_to_end(c: &Client, request: Value) -> Value {
    let r = c.send(Method::POST, "/api/v1/analysis/runs", Some(request)).await;
    assert_eq!(r.status.as_u16(), 202, "{:?}", r.body);
    wait(c, r.body["id"].as_str().expect("id")).await
}

pub async fn wait(c: &Client, id: &str) -> Value {
    for _ in 0..600 {
        let r = c.get(&format!("/api/v1/analysis/runs/{id}")).await;
        assert_eq!(r.status.as_u16(), 200, "{:?}", r.body);
        if !matches!(r.body["status"].as_str(), Some("queued" | "running")) {
            return r.body;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("run {id} did not finish within 30 s");
}

fn ids(v: &Value) -> Vec<&str> {
    v.as_array().map(|a| a.iter().filter_map(|x| x.as_str().or_else(|| x["asset"].as_str())).collect()).unwrap_or_default()
}

/// (hour, asset) of each event, by hour then asset.
fn events(impact: &Value) -> Vec<(f64, String)> {
    let mut out: Vec<(f64, String)> =
        impact["events"].as_array().expect("events").iter().map(|e| (e["t"].as_f64().unwrap_or(-1.0), e["asset"].as_str().unwrap_or("").to_string())).collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    out
}

#[tokio::test]
async fn a_scenario_runs_in_the_background_and_shows_its_cascade() {
    let app = spawn_app(Backend::Sqlite).await;
    build_grid(&app).await;
    let analyst = app.login("analyst.de").await;

    let r = analyst.send(Method::POST, "/api/v1/analysis/runs", Some(json!({"kind": "scenario", "assets": ["DE-PLANT-9"], "horizon_h": 24}))).await;
    assert_eq!(r.status.as_u16(), 202, "{:?}", r.body);
    let id = r.body["id"].as_str().expect("id").to_string();
    assert_eq!(id.len(), 32, "128 random bits in hex");
    assert_eq!((r.body["kind"].as_str(), r.body["created_by"].as_str()), (Some("scenario"), Some("analyst.de")));
    assert_eq!(r.body["request"]["assets"], json!(["DE-PLANT-9"]));
    let run = wait(&analyst, &id).await;
    assert_eq!((run["status"].as_str(), run["progress"].as_f64(), run["error"].as_str()), (Some("done"), Some(1.0), None), "{run}");
    assert!(run["duration_ms"].as_i64().is_some() && run["started_at"].is_string() && run["finished_at"].is_string());

    // The plant is lost at 0; the substation loses its only source at once; the hospital
    // runs 8 h on its generator, the French clinic 4 h. No restoration within 24 h.
    let result = &run["result"];
    let impact = &result["impact"];
    assert_eq!(ids(&result["damaged"]), vec!["DE-PLANT-9"]);
    assert_eq!(
        (impact["assets_damaged"].as_u64(), impact["assets_down"].as_u64(), impact["peak_down"].as_u64()),
        (Some(1), Some(4), Some(4)),
        "{impact}"
    );
    // Person-hours: substation 50,000 × 24 + hospital 20,000 × 16 + clinic 1,000 × 20.
    assert_eq!(impact["person_hours"].as_f64(), Some(1_540_000.0), "{impact}");
    assert_eq!(impact["countries"], json!(["DE", "FR"]));
    // The German analyst sees the German rows only; the clinic's event is withheld.
    assert_eq!(events(impact), vec![(0.0, "DE-PLANT-9".into()), (0.0, "DE-SUB-9".into()), (8.0, "DE-HOS-9".into())]);
    assert_eq!(result["withheld"].as_u64(), Some(1));
    let places = result["places"].as_object().expect("places");
    assert_eq!(places.keys().map(String::as_str).collect::<Vec<_>>(), vec!["DE-HOS-9", "DE-PLANT-9", "DE-SUB-9"]);
    assert_eq!((places["DE-HOS-9"]["lon"].as_f64(), places["DE-HOS-9"]["country"].as_str(), places["DE-HOS-9"]["class"].as_str()), (Some(11.60), Some("DE"), Some("health")));

    // The administrator sees every row of the same run.
    let admin = app.login("admin").await;
    let all = admin.get(&format!("/api/v1/analysis/runs/{id}")).await.body;
    assert_eq!(
        events(&all["result"]["impact"]),
        vec![(0.0, "DE-PLANT-9".into()), (0.0, "DE-SUB-9".into()), (4.0, "FR-CLI-9".into()), (8.0, "DE-HOS-9".into())]
    );
    assert_eq!(all["result"]["withheld"].as_u64(), Some(0));

    // The French analyst draws a footprint around the plant: the aggregates are the same,
    // every German row is withheld, the French clinic's event is shown.
    let footprint = json!({"type": "Polygon", "coordinates": [[[11.4, 48.0], [11.55, 48.0], [11.55, 48.12], [11.4, 48.12], [11.4, 48.0]]]});
    app.clock.advance(1_000);
    let fr = app.login("analyst.fr").await;
    let run = run_to_end(&fr, json!({"kind": "scenario", "footprint": footprint, "horizon_h": 24})).await;
    let result = &run["result"];
    assert_eq!((result["impact"]["assets_down"].as_u64(), result["impact"]["person_hours"].as_f64()), (Some(4), Some(1_540_000.0)));
    assert_eq!(ids(&result["damaged"]), Vec::<&str>::new());
    assert_eq!(ids(&result["impact"]["events"]), vec!["FR-CLI-9"]);
    assert_eq!(result["impact"]["events"][0]["root"], Value::Null, "the German root cause is not named");
    assert_eq!(result["withheld"].as_u64(), Some(4));

    // Lists: each analyst their own, newest first; the administrator everybody's.
    let list = |c: &Client| {
        let c = c.http.clone();
        let base = app.base.clone();
        async move {
            let v: Value = c.get(format!("{base}/api/v1/analysis/runs")).send().await.expect("list").json().await.expect("json");
            v["items"].as_array().expect("items").iter().map(|r| r["created_by"].as_str().unwrap_or("").to_string()).collect::<Vec<_>>()
        }
    };
    assert_eq!(list(&analyst).await, vec!["analyst.de"]);
    assert_eq!(list(&fr).await, vec!["analyst.fr"]);
    assert_eq!(list(&admin).await, vec!["analyst.fr", "analyst.de"]);
    let listed = analyst.get("/api/v1/analysis/runs").await.body;
    assert_eq!((listed["items"][0]["status"].as_str(), listed["items"][0].get("result")), (Some("done"), None), "lists leave results out");
    // Other people's runs do not exist for them.
    assert_eq!(fr.get(&format!("/api/v1/analysis/runs/{id}")).await.status.as_u16(), 404);
}

#[tokio::test]
async fn criticality_ranks_the_plant_first() {
    let app = spawn_app(Backend::Sqlite).await;
    build_grid(&app).await;
    let admin = app.login("admin").await;
    let run = run_to_end(&admin, json!({"kind": "criticality", "horizon_h": 24, "assets": ["DE-HOS-9", "DE-SUB-9", "DE-PLANT-9", "FR-CLI-9"]})).await;
    assert_eq!(run["status"].as_str(), Some("done"), "{run}");
    let result = &run["result"];
    assert_eq!(result["assets_evaluated"].as_u64(), Some(4));
    let ranking: Vec<(&str, f64, u64, bool)> = result["ranking"]
        .as_array()
        .expect("ranking")
        .iter()
        .map(|r| (r["asset"].as_str().unwrap_or(""), r["impact"]["person_hours"].as_f64().unwrap_or(-1.0), r["member_states"].as_u64().unwrap_or(0), r["cross_border"].as_u64().unwrap_or(0) > 0))
        .collect();
    assert_eq!(
        ranking,
        vec![
            ("DE-PLANT-9", 1_540_000.0, 2, true),
            ("DE-SUB-9", 1_540_000.0, 2, true),
            ("DE-HOS-9", 480_000.0, 1, false),
            ("FR-CLI-9", 24_000.0, 1, false),
        ]
    );
    // A change to the registry is seen by the next run (the graph is read again):
    // without the French clinic, losing the plant costs 20,000 person-hours less.
    assert_eq!(admin.send(Method::DELETE, "/api/v1/assets/FR-CLI-9", None).await.status.as_u16(), 204);
    let run = run_to_end(&admin, json!({"kind": "scenario", "assets": ["DE-PLANT-9"], "horizon_h": 24})).await;
    assert_eq!(run["result"]["impact"]["person_hours"].as_f64(), Some(1_520_000.0), "{run}");

    // The German analyst sees the German rows, in the same order.
    let analyst = app.login("analyst.de").await;
    let run = run_to_end(&analyst, json!({"kind": "criticality", "horizon_h": 24})).await;
    let ranked = ids(&run["result"]["ranking"]);
    let ours: Vec<&str> = ranked.iter().copied().filter(|id| id.ends_with("-9")).collect();
    assert_eq!(ours, vec!["DE-PLANT-9", "DE-SUB-9", "DE-HOS-9"]);
    assert!(!ranked.iter().any(|id| id.starts_with("FR-")), "{ranked:?}");
    assert!(run["result"]["withheld"].as_u64().unwrap_or(0) >= 1);
}

#[tokio::test]
async fn bad_requests_name_the_field() {
    let app = spawn_app(Backend::Sqlite).await;
    let analyst = app.login("analyst.de").await;
    let cases = [
        (json!({"horizon_h": 24}), "kind"),
        (json!({"kind": "earthquake"}), "kind"),
        (json!({"kind": "scenario", "assets": ["DE-SUB-1"], "horizon_h": 0}), "horizon_h"),
        (json!({"kind": "scenario", "assets": ["DE-SUB-1"], "horizon_h": "long"}), "horizon_h"),
        (json!({"kind": "scenario", "assets": ["DE-SUB-1"], "horizons": 3}), "horizons"),
        (json!({"kind": "criticality", "pair_candidates": 1000}), "pair_candidates"),
        // A French asset is unknown to the German analyst, like an asset that does not exist.
        (json!({"kind": "scenario", "assets": ["DE-SUB-1", "FR-SUB-1"]}), "assets[1]"),
        (json!({"kind": "scenario", "assets": ["NOPE-1"]}), "assets[0]"),
    ];
    for (body, field) in cases {
        let r = analyst.send(Method::POST, "/api/v1/analysis/runs", Some(body.clone())).await;
        assert_eq!((r.status.as_u16(), r.content_type.as_str()), (400, "application/problem+json"), "{body}: {:?}", r.body);
        assert_eq!(r.body["errors"][0]["field"].as_str(), Some(field), "{body}: {:?}", r.body);
    }
    // A footprint with no asset in it is accepted, then fails with the engine's reason.
    let empty = json!({"type": "Polygon", "coordinates": [[[0.0, 0.0], [0.1, 0.0], [0.1, 0.1], [0.0, 0.0]]]});
    let run = run_to_end(&analyst, json!({"kind": "scenario", "footprint": empty})).await;
    assert_eq!(run["status"].as_str(), Some("failed"));
    assert!(run["error"].as_str().unwrap_or("").starts_with("footprint: no asset"), "{run}");
    assert_eq!(analyst.get("/api/v1/analysis/runs?limit=0").await.status.as_u16(), 422);
}

#[tokio::test]
async fn a_queued_run_is_cancelled_and_a_finished_one_cannot_be() {
    // No study slot: runs stay queued until cancelled.
    let app = spawn_app_with(Backend::Sqlite, |s| s.parallel_studies = 0).await;
    let analyst = app.login("analyst.de").await;
    let r = analyst.send(Method::POST, "/api/v1/analysis/runs", Some(json!({"kind": "scenario", "assets": ["DE-SUB-1"]}))).await;
    let id = r.body["id"].as_str().expect("id").to_string();
    assert_eq!(analyst.get(&format!("/api/v1/analysis/runs/{id}")).await.body["status"].as_str(), Some("queued"));
    let other = app.login("analyst.fr").await;
    assert_eq!(other.send(Method::POST, &format!("/api/v1/analysis/runs/{id}/cancel"), None).await.status.as_u16(), 404);
    let r = analyst.send(Method::POST, &format!("/api/v1/analysis/runs/{id}/cancel"), None).await;
    assert_eq!((r.status.as_u16(), r.body["status"].as_str(), r.body["error"].as_str()), (200, Some("cancelled"), Some("cancelled by analyst.de")));
    // Cancelling again changes nothing.
    assert_eq!(analyst.send(Method::POST, &format!("/api/v1/analysis/runs/{id}/cancel"), None).await.status.as_u16(), 200);

    let app = spawn_app(Backend::Sqlite).await;
    let analyst = app.login("analyst.de").await;
    let run = run_to_end(&analyst, json!({"kind": "scenario", "assets": ["DE-SUB-1"]})).await;
    let id = run["id"].as_str().expect("id");
    let r = analyst.send(Method::POST, &format!("/api/v1/analysis/runs/{id}/cancel"), None).await;
    assert_eq!(r.status.as_u16(), 409, "{:?}", r.body);
    assert_eq!(analyst.get(&format!("/api/v1/analysis/runs/{id}")).await.body["status"].as_str(), Some("done"));
}

#[tokio::test]
async fn runs_left_by_a_stopped_server_are_marked_interrupted() {
    let app = spawn_app(Backend::Sqlite).await;
    let analyst = app.login("analyst.de").await; // the server is up: its own start-up check is done
    let store = &app.state.store;
    let new = NewRun { id: "left-behind", kind: "scenario", request: r#"{"kind":"scenario"}"#, created_by: "analyst.de" };
    store.create_run(&new, app.clock.now_ms()).await.expect("create");
    assert!(store.mark_run_running("left-behind", app.clock.now_ms()).await.expect("running"));
    // A server starting on the same database takes it as left behind.
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    let second = tokio::spawn(rampart_server::launch(app.state.clone(), listener, async {
        let _ = rx.await;
    }));
    for _ in 0..100 {
        if store.get_run("left-behind").await.expect("get").is_some_and(|r| r.status != RunStatus::Running) {
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    let run = analyst.get("/api/v1/analysis/runs/left-behind").await.body;
    assert_eq!((run["status"].as_str(), run["error"].as_str()), (Some("failed"), Some(INTERRUPTED)));
    let _ = tx.send(());
    let _ = second.await;
}
