//! Webhooks end to end: a receiver inside the test (an axum server on 127.0.0.1) that
//! fails when told to; deliveries driven by `webhooks::tick` on the ManualClock, so the
//! retry times are exact and nothing sleeps.

use crate::access::{check, none, W};
use crate::alerts::{cap_json, publish, AROUND_GRID};
use crate::helpers::{spawn_app_with, Client, TestApp, START_MS};
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, StatusCode, Uri};
use hmac::{Hmac, Mac};
use rampart_server::webhooks::{tick, Tick};
use rampart_server::{AppState, Settings};
use rampart_store::Backend;
use reqwest::Method;
use serde_json::{json, Value};
use sha2::Sha256;
use std::sync::{Arc, Mutex};

/// One request the receiver got.
#[derive(Clone, Debug)]
struct Got {
    path: String,
    signature: String,
    delivery: String,
    event: String,
    body: Vec<u8>,
}

impl Got {
    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).expect("a JSON body")
    }
}

#[derive(Default)]
struct Inner {
    got: Vec<Got>,
    /// Answer 503 to this many of the next requests.
    fail_next: usize,
    /// Take this long to answer.
    delay_ms: u64,
}

#[derive(Clone, Default)]
struct Receiver(Arc<Mutex<Inner>>);

impl Receiver {
    fn got(&self, path: &str) -> Vec<Got> {
        self.0.lock().expect("lock").got.iter().filter(|g| g.path == path).cloned().collect()
    }

    fn fail_next(&self, n: usize) {
        self.0.lock().expect("lock").fail_next = n;
    }

    fn delay(&self, ms: u64) {
        self.0.lock().expect("lock").delay_ms = ms;
    }
}

async fn receive(State(r): State<Receiver>, uri: Uri, headers: HeaderMap, body: Bytes) -> StatusCode {
    let header = |k: &str| headers.get(k).and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
    let (fail, delay) = {
        let mut inner = r.0.lock().expect("lock");
        inner.got.push(Got { path: uri.path().to_string(), signature: header("rampart-signature"), delivery: header("rampart-delivery"), event: header("rampart-event"), body: body.to_vec() });
        let fail = inner.fail_next > 0;
        if fail {
            inner.fail_next -= 1;
        }
        (fail, inner.delay_ms)
    };
    if delay > 0 {
        tokio::time::sleep(std::time::Duration::from_millis(delay)).await;
    }
    if fail {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::NO_CONTENT
    }
}

/// A receiver on 127.0.0.1; returns its base URL.
async fn receiver() -> (String, Receiver) {
    let r = Receiver::default();
    let app = axum::Router::new().route("/{*path}", axum::routing::post(receive)).with_state(r.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (base, r)
}

/// Checks the `Rampart-Signature` header as a receiver would: its time (s) when the
/// signature is valid.
fn signed_at(secret: &str, header: &str, body: &[u8]) -> Option<i64> {
    let (t, v1) = header.split_once(",v1=")?;
    let t = t.strip_prefix("t=")?;
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).ok()?;
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    mac.verify_slice(&hex::decode(v1).ok()?).ok()?;
    t.parse().ok()
}

fn verify(secret: &str, header: &str, body: &[u8]) -> i64 {
    signed_at(secret, header, body).expect("a valid signature")
}

async fn no_worker(backend: Backend) -> TestApp {
    spawn_app_with(backend, |s| s.webhook_poll_ms = 0).await
}

async fn send(c: &Client, method: Method, path: &str, body: Option<Value>) -> (u16, Value) {
    let r = c.send(method, path, body).await;
    (r.status.as_u16(), r.body)
}

async fn register(c: &Client, url: &str, kinds: Value) -> (String, String) {
    let (s, w) = send(c, Method::POST, "/api/v1/webhooks", Some(json!({"url": url, "kinds": kinds, "description": "control room"}))).await;
    assert_eq!(s, 201, "{w}");
    (w["id"].as_str().expect("id").to_string(), w["secret"].as_str().expect("secret").to_string())
}

const S0: i64 = START_MS / 1000;

async fn story(backend: Backend) {
    let app = no_worker(backend).await;
    let admin = app.login("admin").await;
    let analyst = app.login("analyst.de").await;
    let assessor = app.login("assessor.de").await;
    let operator = app.login("operator.de").await;
    let viewer = app.login("viewer.de").await;
    let french = app.login("analyst.fr").await;
    let (base, rx) = receiver().await;

    // Bad input names the fields; nothing is written.
    let (s, e) = send(&operator, Method::POST, "/api/v1/webhooks", Some(json!({"url": "ftp://example.org/x", "kinds": ["published", "bogus"]}))).await;
    assert_eq!(s, 422, "{e}");
    let fields: Vec<&str> = e["errors"].as_array().expect("errors").iter().filter_map(|x| x["field"].as_str()).collect();
    assert_eq!(fields, ["url", "kinds[1]"]);
    assert_eq!(e["errors"][0]["message"], "expected an https:// URL, found a ftp: URL");
    assert_eq!(e["errors"][1]["message"], "unknown event kind \"bogus\"; expected one of: published, acknowledged, escalated, relabelled");
    let (s, e) = send(&operator, Method::POST, "/api/v1/webhooks", Some(json!({"url": "http://example.org/hook"}))).await;
    assert_eq!((s, e["errors"][0]["field"].as_str()), (422, Some("url")));
    let (s, e) = send(&operator, Method::POST, "/api/v1/webhooks", Some(json!({"url": "not a url", "kinds": []}))).await;
    assert_eq!(s, 422);
    assert_eq!(e["errors"][1], json!({"field": "kinds", "message": "expected at least one event kind (published, acknowledged, escalated, relabelled)"}));
    assert_eq!(send(&viewer, Method::POST, "/api/v1/webhooks", Some(json!({"url": format!("{base}/v")}))).await.0, 403);
    assert_eq!(operator.get("/api/v1/webhooks").await.body["count"], 0);

    // The grid operator subscribes to publications and relabels; the EU body (not a
    // recipient of German alerts) to everything. The secret is shown once.
    let (grid, secret) = register(&operator, &format!("{base}/grid"), json!(["published", "relabelled"])).await;
    assert!(secret.starts_with("whsec_") && secret.len() == 6 + 64, "{secret}");
    let (eu, eu_secret) = register(&admin, &format!("{base}/eu"), json!(null)).await;
    let shown = operator.get(&format!("/api/v1/webhooks/{grid}")).await.body;
    assert_eq!((shown["status"].as_str(), shown.get("secret")), (Some("active"), None));
    assert_eq!(shown["kinds"], json!(["published", "relabelled"]));
    assert_eq!(admin.get(&format!("/api/v1/webhooks/{eu}")).await.body["kinds"], json!(["published", "acknowledged", "escalated", "relabelled"]));
    assert_eq!(operator.get("/api/v1/webhooks").await.body["count"], 1);
    assert_eq!(admin.get("/api/v1/webhooks").await.body["count"], 2);
    assert_eq!(french.get(&format!("/api/v1/webhooks/{grid}")).await.status.as_u16(), 404);

    // An AMBER+STRICT alert to the grid operator: the receiver fails twice, then accepts.
    let alert = publish(&analyst, &assessor, json!({"tlp": "TLP:AMBER+STRICT", "cap": cap_json("Substation threat", AROUND_GRID)})).await;
    rx.fail_next(2);
    assert_eq!(tick(&app.state).await.expect("tick"), Tick { delivered: 0, failed: 1, skipped: 1 });
    assert_eq!(tick(&app.state).await.expect("tick"), Tick::default(), "not due again before 10 s");
    app.clock.advance(9_999);
    assert_eq!(tick(&app.state).await.expect("tick"), Tick::default());
    app.clock.advance(1);
    assert_eq!(tick(&app.state).await.expect("tick").failed, 1);
    app.clock.advance(29_000);
    assert_eq!(tick(&app.state).await.expect("tick"), Tick::default(), "30 s after the second failure, not 29");
    app.clock.advance(1_000);
    assert_eq!(tick(&app.state).await.expect("tick").delivered, 1);
    assert_eq!(tick(&app.state).await.expect("tick"), Tick::default(), "delivered once");

    let got = rx.got("/grid");
    assert_eq!(got.len(), 3);
    let times: Vec<i64> = got.iter().map(|g| verify(&secret, &g.signature, &g.body)).collect();
    assert_eq!(times, [S0, S0 + 10, S0 + 40]);
    let delivery = format!("{grid}-1");
    for g in &got {
        assert_eq!((g.delivery.as_str(), g.event.as_str()), (delivery.as_str(), "published"));
    }
    let body = got[2].json();
    assert_eq!(body["id"], json!(delivery));
    assert_eq!(body["event"], json!({"seq": 1, "kind": "published", "alert_id": alert, "at": "2026-01-01T00:00:00.000Z"}));
    let a = &body["alert"];
    assert_eq!((a["tlp"].as_str(), a["headline"].as_str(), a["sender"].as_str()), (Some("TLP:AMBER+STRICT"), Some("Substation threat"), Some("de-authority")));
    assert_eq!((a["severity"].as_str(), a["urgency"].as_str(), a["certainty"].as_str()), (Some("Severe"), Some("Immediate"), Some("Likely")));
    assert_eq!((a["area"].as_str(), a["link"].as_str()), (Some("Berlin Mitte"), Some(format!("/api/v1/alerts/{alert}").as_str())));
    // A signature made with another secret, or over another body, does not verify.
    assert_eq!(signed_at(&eu_secret, &got[2].signature, &got[2].body), None);
    assert_eq!(signed_at(&secret, &got[2].signature, b"{}"), None);
    assert_eq!(signed_at(&secret, &got[2].signature.replace(&format!("t={}", S0 + 40), &format!("t={}", S0 + 41)), &got[2].body), None, "another time");
    // The EU body may not read the alert: nothing sent, nothing logged.
    assert_eq!(rx.got("/eu").len(), 0);

    // The delivery log, newest first.
    let log = operator.get(&format!("/api/v1/webhooks/{grid}/deliveries")).await.body;
    let rows: Vec<(i64, String, Option<i64>, Option<String>)> = log["items"]
        .as_array()
        .expect("items")
        .iter()
        .map(|x| (x["attempt"].as_i64().unwrap_or(0), x["outcome"].as_str().unwrap_or("").to_string(), x["status_code"].as_i64(), x["next_attempt_at"].as_str().map(String::from)))
        .collect();
    assert_eq!(
        rows,
        [
            (3, "delivered".to_string(), Some(204), None),
            (2, "failed".to_string(), Some(503), Some("2026-01-01T00:00:40.000Z".to_string())),
            (1, "failed".to_string(), Some(503), Some("2026-01-01T00:00:10.000Z".to_string())),
        ]
    );
    assert_eq!(log["items"][1]["error"], "answered 503 Service Unavailable");
    assert_eq!(admin.get(&format!("/api/v1/webhooks/{eu}/deliveries")).await.body["items"], json!([]));
    let shown = operator.get(&format!("/api/v1/webhooks/{grid}")).await.body;
    assert_eq!((shown["after_seq"].as_i64(), shown["failures"].as_i64(), shown["last_success_at"].as_str()), (Some(1), Some(0), Some("2026-01-01T00:00:40.000Z")));
    // The administrator sees the subscription but not the alert it was about.
    assert_eq!(admin.get(&format!("/api/v1/webhooks/{grid}/deliveries")).await.body["items"], json!([]));

    // Re-checked at delivery time: an AMBER alert naming operator.de, relabelled RED
    // before the next tick, is for the named person only, not the organisation's
    // machines. A TLP:CLEAR alert goes to both subscriptions. The grid operator's
    // acknowledgement is told to the originator and the grid operator only, and the
    // grid operator did not ask for acknowledgements.
    let named = publish(&analyst, &assessor, json!({"tlp": "TLP:AMBER", "recipients": ["operator.de"], "cap": cap_json("Named only", AROUND_GRID)})).await;
    let (s, r) = send(&analyst, Method::POST, &format!("/api/v1/alerts/{named}/label"), Some(json!({"tlp": "TLP:RED"}))).await;
    assert_eq!(s, 200, "{r}");
    let clear = publish(&analyst, &assessor, json!({"tlp": "TLP:CLEAR", "cap": cap_json("Public notice", AROUND_GRID)})).await;
    assert_eq!(send(&operator, Method::POST, &format!("/api/v1/alerts/{clear}/ack"), None).await.0, 201);
    // Events: 2 published (RED now), 3 relabelled (RED), 4 published (CLEAR), 5 acknowledged.
    assert_eq!(tick(&app.state).await.expect("tick"), Tick { delivered: 2, failed: 0, skipped: 6 });
    let kinds = |path: &str| rx.got(path).iter().map(|g| (g.json()["event"]["seq"].as_i64().unwrap_or(0), g.event.clone())).collect::<Vec<_>>();
    assert_eq!(kinds("/grid")[3..], [(4, "published".to_string())]);
    assert_eq!(kinds("/eu"), [(4, "published".to_string())]);
    assert_eq!(operator.get(&format!("/api/v1/webhooks/{grid}")).await.body["after_seq"], 5);

    // Paused: nothing is sent, nothing is lost; resumed, the backlog goes out in order.
    let (s, w) = send(&operator, Method::PATCH, &format!("/api/v1/webhooks/{grid}"), Some(json!({"status": "paused"}))).await;
    assert_eq!((s, w["status"].as_str()), (200, Some("paused")));
    let later = publish(&analyst, &assessor, json!({"tlp": "TLP:AMBER", "cap": cap_json("Later", AROUND_GRID)})).await;
    tick(&app.state).await.expect("tick");
    assert_eq!(rx.got("/grid").len(), 4);
    assert_eq!(send(&operator, Method::PATCH, &format!("/api/v1/webhooks/{grid}"), Some(json!({"status": "active"}))).await.0, 200);
    assert_eq!(tick(&app.state).await.expect("tick").delivered, 1);
    let last = rx.got("/grid").pop().expect("a delivery").json();
    assert_eq!((last["event"]["seq"].as_i64(), last["alert"]["id"].as_str()), (Some(6), Some(later.as_str())));

    // A ping, recorded in the log; it does not move the cursor.
    let (s, ping) = send(&operator, Method::POST, &format!("/api/v1/webhooks/{grid}/test"), None).await;
    assert_eq!((s, ping["outcome"].as_str(), ping["kind"].as_str(), ping["status_code"].as_i64()), (200, Some("delivered"), Some("ping"), Some(204)));
    let got = rx.got("/grid").pop().expect("the ping");
    assert_eq!(got.event, "ping");
    verify(&secret, &got.signature, &got.body);
    assert_eq!(operator.get(&format!("/api/v1/webhooks/{grid}/deliveries")).await.body["items"][0]["kind"], "ping");

    // Changing where events go is the organisation's own business.
    let (s, _) = send(&admin, Method::PATCH, &format!("/api/v1/webhooks/{grid}"), Some(json!({"url": format!("{base}/elsewhere")}))).await;
    assert_eq!(s, 403);
    let (s, e) = send(&operator, Method::PATCH, &format!("/api/v1/webhooks/{grid}"), Some(json!({"url": "gopher://x", "status": "off"}))).await;
    assert_eq!(s, 422);
    let mut fields: Vec<&str> = e["errors"].as_array().expect("errors").iter().filter_map(|x| x["field"].as_str()).collect();
    fields.sort();
    assert_eq!(fields, ["status", "url"]);

    // A day of failures marks it failing; it is still retried hourly, and one delivery
    // makes it active again. (Read from the store: a day outlasts the sessions.)
    rx.fail_next(usize::MAX);
    publish(&analyst, &assessor, json!({"tlp": "TLP:AMBER", "cap": cap_json("Outage", AROUND_GRID)})).await;
    let started = app.clock_now();
    let mut waits = Vec::new();
    loop {
        assert_eq!(tick(&app.state).await.expect("tick").failed, 1);
        let w = app.state.store.get_webhook(&grid).await.expect("read").expect("the webhook");
        if w.status == "failing" {
            assert_eq!((w.failing_since, w.failures), (Some(started), 30));
            break;
        }
        waits.push((w.next_attempt_at - app.clock_now()) / 1000);
        app.clock.advance(w.next_attempt_at - app.clock_now());
    }
    assert_eq!(waits[..8], [10, 30, 60, 300, 900, 3600, 3600, 3600]);
    assert_eq!(waits.len(), 29);
    // 10 s + 30 s + 1 min + 5 min + 15 min + 24 hours.
    assert_eq!(app.clock_now() - started, (1300 + 24 * 3600) * 1000);
    let (admin, operator, viewer) = (app.login("admin").await, app.login("operator.de").await, app.login("viewer.de").await);
    let w = admin.get(&format!("/api/v1/webhooks/{grid}")).await.body;
    assert_eq!((w["status"].as_str(), w["failing_since"].as_str()), (Some("failing"), Some("2026-01-01T00:00:40.000Z")));
    rx.fail_next(0);
    app.clock.advance(3_600_000);
    assert_eq!(tick(&app.state).await.expect("tick").delivered, 1);
    let w = operator.get(&format!("/api/v1/webhooks/{grid}")).await.body;
    assert_eq!((w["status"].as_str(), w["failures"].as_i64(), w["failing_since"].as_str()), (Some("active"), Some(0), None));

    // Removed: it and its log are gone.
    assert_eq!(send(&viewer, Method::DELETE, &format!("/api/v1/webhooks/{grid}"), None).await.0, 404);
    assert_eq!(send(&operator, Method::DELETE, &format!("/api/v1/webhooks/{grid}"), None).await.0, 204);
    assert_eq!(operator.get(&format!("/api/v1/webhooks/{grid}")).await.status.as_u16(), 404);
}

impl TestApp {
    fn clock_now(&self) -> i64 {
        use rampart_server::clock::Clock;
        self.clock.now_ms()
    }
}

#[tokio::test]
async fn webhook_story_on_sqlite() {
    story(Backend::Sqlite).await;
}

#[tokio::test]
async fn webhook_story_on_postgres() {
    story(Backend::Postgres).await;
}

/// A second process on the same database: its own store, state and lease name.
async fn second_state(app: &TestApp) -> AppState {
    let store = rampart_store::Store::open(&rampart_store::StoreOptions::new(app.db_url())).await.expect("second store");
    AppState::new(store, Arc::new(app.clock.clone()), Settings { webhook_poll_ms: 0, ..Settings::default() })
}

/// Nothing acknowledged is lost and nothing is sent twice: across a restart, a
/// process killed while holding a subscription, and two processes delivering at once.
async fn processes(backend: Backend) {
    let app = no_worker(backend).await;
    let analyst = app.login("analyst.de").await;
    let assessor = app.login("assessor.de").await;
    let operator = app.login("operator.de").await;
    let (base, rx) = receiver().await;
    let (grid, _) = register(&operator, &format!("{base}/grid"), json!(["published"])).await;
    let alert = |n: usize| json!({"tlp": "TLP:AMBER", "cap": cap_json(&format!("Alert {n}"), AROUND_GRID)});
    let seqs = |rx: &Receiver| rx.got("/grid").iter().map(|g| g.json()["event"]["seq"].as_i64().unwrap_or(0)).collect::<Vec<_>>();

    publish(&analyst, &assessor, alert(1)).await;
    assert_eq!(tick(&app.state).await.expect("tick").delivered, 1);
    // A restart: a new process on the same database resumes after the cursor.
    let restarted = second_state(&app).await;
    publish(&analyst, &assessor, alert(2)).await;
    assert_eq!(tick(&restarted).await.expect("tick").delivered, 1);
    assert_eq!(tick(&app.state).await.expect("tick"), Tick::default());
    assert_eq!(seqs(&rx), [1, 2]);

    // A process that died holding the subscription: the others wait for its lease to
    // run out (5 minutes), then carry on.
    publish(&analyst, &assessor, alert(3)).await;
    let now = app.clock_now();
    assert!(app.state.store.claim_webhook(&grid, "process-killed", now, now + 5 * 60_000).await.expect("claim"));
    assert_eq!(tick(&restarted).await.expect("tick"), Tick::default());
    app.clock.advance(5 * 60_000);
    assert_eq!(tick(&restarted).await.expect("tick").delivered, 1);
    assert_eq!(seqs(&rx), [1, 2, 3]);

    // Two processes tick at once while the receiver is slow: each event once, in order.
    for n in 4..=6 {
        publish(&analyst, &assessor, alert(n)).await;
    }
    rx.delay(300);
    let other = second_state(&app).await;
    let (a, b) = tokio::join!(tick(&app.state), tick(&other));
    let (a, b) = (a.expect("tick"), b.expect("tick"));
    assert_eq!(a.delivered + b.delivered, 3, "{a:?} {b:?}");
    assert!(a.delivered == 0 || b.delivered == 0, "one process held the subscription: {a:?} {b:?}");
    assert_eq!(seqs(&rx), [1, 2, 3, 4, 5, 6]);
}

#[tokio::test]
async fn webhook_processes_on_sqlite() {
    processes(Backend::Sqlite).await;
}

#[tokio::test]
async fn webhook_processes_on_postgres() {
    processes(Backend::Postgres).await;
}

/// The access matrix's rows for webhooks (called from tests/api/access.rs).
pub(crate) async fn access_rows(c: &[Client]) {
    // Port 9 on this machine: nobody listens, so pings fail at once.
    let url = |u: &str| Some(json!({"url": format!("http://127.0.0.1:9/{}", u.replace('.', "-"))}));
    check(c, Method::GET, "/api/v1/webhooks", none, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    check(c, Method::POST, "/api/v1/webhooks", url, [201, 201, 201, 403, 201, 201, 403, 401]).await;
    // Each sees their organisation's: the EU body's (admin's; all for the admin), the German
    // authority's two, the grid operator's, the French authority's.
    crate::access::count(c, "/api/v1/webhooks", "items", [5, 2, 2, 2, 1, 1, 1]).await;
    let grid = c[4].get("/api/v1/webhooks").await.body["items"][0]["id"].as_str().expect("grid's webhook").to_string();
    let path = |sub: &str| format!("/api/v1/webhooks/{grid}{sub}");
    for sub in ["", "/deliveries"] {
        check(c, Method::GET, &path(sub), none, [200, 404, 404, 404, 200, 404, 404, 401]).await;
    }
    check(c, Method::POST, &path("/test"), none, [200, 404, 404, 404, 200, 404, 404, 401]).await;
    check(c, Method::PATCH, &path(""), |_: &str| Some(json!({"status": "paused"})), [200, 404, 404, 404, 200, 404, 404, 401]).await;
    check(c, Method::PATCH, &path(""), |_: &str| Some(json!({"kinds": ["published"]})), [403, 404, 404, 404, 200, 404, 404, 401]).await;
    check(c, Method::GET, "/api/v1/webhooks/000000000000000000000000", none, [404, 404, 404, 404, 404, 404, 404, 401]).await;
    // Deleting the German authority's: its viewer may not, the others do not see it, an analyst may.
    let german = c[1].get("/api/v1/webhooks").await.body["items"][0]["id"].as_str().expect("German webhook").to_string();
    let mut got = Vec::new();
    for i in [3, 4, 5, 6, 7, 1, 0] {
        got.push(c[i].send(Method::DELETE, &format!("/api/v1/webhooks/{german}"), None).await.status.as_u16());
    }
    assert_eq!(got, [403, 404, 404, 404, 401, 204, 404], "DELETE as {:?}", [W[3], W[4], W[5], W[6], W[7], W[1], W[0]]);
    check(c, Method::DELETE, &path(""), none, [204, 404, 404, 404, 404, 404, 404, 401]).await;
}
