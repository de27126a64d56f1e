//! A server killed mid-publish has published an alert to everyone entitled or to no one.
//!
//! Real `rampart serve` processes on one database, stopped inside the publishing
//! transaction (or just after its commit) by a failpoint (`RAMPART_FAILPOINTS`, debug
//! builds only) and killed there with SIGKILL; the database is then read directly and the
//! server restarted on it. Run on SQLite and on PostgreSQL (`RAMPART_TEST_POSTGRES`).

use rampart_store::{Backend, Store, StoreOptions};
use serde_json::{json, Value};
use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::Duration;

const PASSWORD: &str = "crash-test-password-1";
/// Around the substation DE-SUB-1 (6.9, 51.2).
const AREA: &str = "51.0,6.5 51.5,6.5 51.5,7.5 51.0,7.5 51.0,6.5";

/// The binary on the test's database.
fn rampart(db: &str, args: &[&str], stdin: Option<&str>) -> String {
    let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
        .args(["--database-url", db])
        .args(args)
        .env_remove("RAMPART_DATABASE_URL")
        .env_remove("RAMPART_CONFIG")
        .env_remove("RAMPART_FAILPOINTS")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("run rampart");
    if let (Some(text), Some(mut input)) = (stdin, child.stdin.take()) {
        input.write_all(text.as_bytes()).expect("stdin");
    }
    let out = child.wait_with_output().expect("wait");
    assert!(out.status.success(), "rampart {args:?} failed: {}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// A server process, with its standard error read line by line.
struct Server {
    child: Child,
    base: String,
    lines: mpsc::Receiver<String>,
}

impl Server {
    fn start(db: &str, failpoints: &str) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0").expect("free port").local_addr().expect("addr").port();
        let mut child = Command::new(env!("CARGO_BIN_EXE_rampart"))
            .args(["--database-url", db, "serve", "--bind", &format!("127.0.0.1:{port}")])
            .env_remove("RAMPART_DATABASE_URL")
            .env_remove("RAMPART_CONFIG")
            .env("RAMPART_FAILPOINTS", failpoints)
            .env("RAMPART_LOG", "warn")
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn rampart serve");
        let stderr = child.stderr.take().expect("stderr");
        let (send, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stderr).lines().map_while(Result::ok) {
                if send.send(line).is_err() {
                    break;
                }
            }
        });
        Server { child, base: format!("http://127.0.0.1:{port}"), lines }
    }

    /// Waits until the server answers /health (gives up after a minute rather than hang).
    async fn ready(&self) {
        for _ in 0..600 {
            if let Ok(r) = reqwest::get(format!("{}/health", self.base)).await {
                if r.status().is_success() {
                    return;
                }
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("the server at {} never answered /health", self.base);
    }

    /// Waits for the line the failpoint prints when the server stops there.
    fn wait_for(&self, wanted: &str) {
        let mut seen = Vec::new();
        loop {
            match self.lines.recv_timeout(Duration::from_secs(60)) {
                Ok(line) if line == wanted => return,
                Ok(line) => seen.push(line),
                Err(e) => panic!("no {wanted:?} on the server's standard error ({e}); it wrote:\n{}", seen.join("\n")),
            }
        }
    }

    /// SIGKILL: no destructor, no rollback, no flush runs in the server.
    fn kill(mut self) {
        self.child.kill().expect("kill");
        self.child.wait().expect("wait");
    }
}

/// A logged-in user of a running server.
struct User {
    http: reqwest::Client,
    csrf: String,
    base: String,
}

impl User {
    async fn login(server: &Server, name: &str) -> User {
        let http = reqwest::Client::builder().cookie_store(true).build().expect("client");
        let r = http.post(format!("{}/api/v1/auth/login", server.base)).json(&json!({"username": name, "password": PASSWORD})).send().await.expect("login");
        assert_eq!(r.status().as_u16(), 200, "login as {name}");
        let body: Value = r.json().await.expect("json");
        User { http, csrf: body["csrf_token"].as_str().expect("csrf").to_string(), base: server.base.clone() }
    }

    async fn post(&self, path: &str, body: Value) -> Result<(u16, Value), reqwest::Error> {
        let r = self.http.post(format!("{}{path}", self.base)).header("x-csrf-token", &self.csrf).json(&body).send().await?;
        let status = r.status().as_u16();
        Ok((status, r.json().await.unwrap_or(Value::Null)))
    }

    async fn ok(&self, path: &str, body: Value) -> Value {
        let (status, v) = self.post(path, body).await.expect("request");
        assert!(status == 200 || status == 201, "{path}: {status} {v}");
        v
    }

    async fn get(&self, path: &str) -> (u16, Value) {
        let r = self.http.get(format!("{}{path}", self.base)).send().await.expect("request");
        (r.status().as_u16(), r.json().await.unwrap_or(Value::Null))
    }
}

/// Composes, submits and approves an alert over the area; returns its id.
async fn approved_alert(author: &User, approver: &User, headline: &str) -> String {
    let cap = json!({"status": "Exercise", "infos": [{"categories": ["Infra"], "event": "Flooding", "urgency": "Immediate",
        "severity": "Severe", "certainty": "Likely", "headline": headline, "areas": [{"area_desc": "Lower Rhine", "polygons": [AREA]}]}]});
    let a = author.ok("/api/v1/alerts", json!({"tlp": "TLP:AMBER", "cap": cap})).await;
    let id = a["id"].as_str().expect("id").to_string();
    author.ok(&format!("/api/v1/alerts/{id}/submit"), json!({})).await;
    approver.ok(&format!("/api/v1/alerts/{id}/approve"), json!({})).await;
    id
}

#[derive(Debug, PartialEq)]
enum Outcome {
    /// Approved, with no recipient, no event and no audit entry of a publication.
    NotPublished,
    /// Published to the originator and the operator in the area, with its event and audit entry.
    Published,
}

/// Reads the alert straight from the database and says which whole state it is in;
/// anything in between fails the test.
async fn outcome(db: &str, id: &str) -> Outcome {
    let store = Store::connect(&StoreOptions::new(db)).await.expect("connect");
    let a = store.get_alert(id).await.expect("read").expect("the alert exists");
    let recipients: Vec<(String, String)> = a.recipients.iter().map(|r| (r.organisation.to_string(), r.reason.key().to_string())).collect();
    let events: Vec<String> = store.events_after(0, 1000).await.expect("events").into_iter().filter(|e| e.alert_id == id).map(|e| e.kind).collect();
    let audited: Vec<(String, String)> = store
        .audit_list(None, None, 1000)
        .await
        .expect("audit")
        .into_iter()
        .filter(|e| e.object_kind == "alert" && e.object_id == id)
        .map(|e| (e.actor, e.action))
        .collect();
    store.close().await;
    let state = a.state.key().to_string();
    match state.as_str() {
        "approved" => {
            assert_eq!((a.published_at, recipients, events, audited), (None, vec![], vec![], vec![]), "an approved alert with traces of a publication");
            Outcome::NotPublished
        }
        "published" => {
            assert_eq!(
                (recipients, events, audited),
                (
                    vec![("de-bbk".to_string(), "originator".to_string()), ("de-op-grid".to_string(), "area".to_string())],
                    vec!["published".to_string()],
                    vec![("ana.de".to_string(), "share".to_string())]
                ),
                "a published alert without all of its publication"
            );
            Outcome::Published
        }
        other => panic!("alert {id} is {other}"),
    }
}

async fn killed_mid_publish(db: &str, dir: &Path) {
    rampart(db, &["org", "add", "de-bbk", "--name", "BBK", "--kind", "authority", "--country", "DE"], None);
    rampart(db, &["org", "add", "de-op-grid", "--name", "Grid operator", "--kind", "operator", "--country", "DE"], None);
    for (user, role, org) in [("ana.de", "analyst", "de-bbk"), ("ben.de", "assessor", "de-bbk"), ("op.grid", "operator", "de-op-grid")] {
        rampart(db, &["user", "add", user, "--role", role, "--org", org, "--password-stdin"], Some(PASSWORD));
    }
    let sites = dir.join("sites.geojson");
    std::fs::write(&sites, json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "id": "DE-SUB-1", "geometry": {"type": "Point", "coordinates": [6.9, 51.2]},
         "properties": {"name": "Substation", "sector": "energy", "country": "DE", "operator_id": "de-op-grid"}}]}).to_string()).expect("write");
    rampart(db, &["import", sites.to_str().expect("path")], None);

    // 1. Killed inside the publishing transaction: published to no one.
    let server = Server::start(db, "alert.publish.before_commit=sleep(600000)");
    server.ready().await;
    let (ana, ben) = (User::login(&server, "ana.de").await, User::login(&server, "ben.de").await);
    let first = approved_alert(&ana, &ben, "Dyke breach upstream").await;
    let second = approved_alert(&ana, &ben, "Second dyke breach").await;
    let path = format!("/api/v1/alerts/{first}/publish");
    let publishing = tokio::spawn(async move { ana.post(&path, json!({})).await.map(|r| r.0) });
    server.wait_for("failpoint alert.publish.before_commit reached");
    server.kill();
    assert!(publishing.await.expect("task").is_err(), "the killed server must not have answered");
    assert_eq!(outcome(db, &first).await, Outcome::NotPublished);

    // 2. Killed after the commit, before the answer: published to everyone entitled.
    let server = Server::start(db, "alert.publish.after_commit=sleep(600000)");
    server.ready().await;
    let ana = User::login(&server, "ana.de").await;
    let path = format!("/api/v1/alerts/{second}/publish");
    let publishing = tokio::spawn(async move { ana.post(&path, json!({})).await.map(|r| r.0) });
    server.wait_for("failpoint alert.publish.after_commit reached");
    server.kill();
    assert!(publishing.await.expect("task").is_err(), "the killed server must not have answered");
    assert_eq!(outcome(db, &second).await, Outcome::Published);

    // 3. Restarted without failpoints: the first alert publishes, the operator reads
    // both, and the audit chain verifies.
    let server = Server::start(db, "");
    server.ready().await;
    let ana = User::login(&server, "ana.de").await;
    let published = ana.ok(&format!("/api/v1/alerts/{first}/publish"), json!({})).await;
    assert_eq!(published["state"], "published");
    let (status, again) = ana.post(&format!("/api/v1/alerts/{second}/publish"), json!({})).await.expect("request");
    assert_eq!((status, again["detail"].as_str()), (409, Some(format!("alert {second} is published; only an approved alert can be published").as_str())));
    let operator = User::login(&server, "op.grid").await;
    let (status, list) = operator.get("/api/v1/alerts").await;
    assert_eq!(status, 200);
    let mut seen: Vec<&str> = list["items"].as_array().expect("items").iter().filter_map(|a| a["id"].as_str()).collect();
    seen.sort_unstable();
    let mut both = vec![first.as_str(), second.as_str()];
    both.sort_unstable();
    assert_eq!(seen, both);
    server.kill();
    assert_eq!(outcome(db, &first).await, Outcome::Published);
    let store = Store::connect(&StoreOptions::new(db)).await.expect("connect");
    let report = store.audit_verify().await.expect("verify");
    store.close().await;
    assert_eq!(report.first_break, None);
    assert!(report.entries >= 10, "users, logins, alerts and publications are audited: {}", report.entries);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_killed_mid_publish_published_to_all_or_none_sqlite() {
    let dir = tempfile::tempdir().expect("tempdir");
    let db = format!("sqlite://{}", dir.path().join("rampart.db").display());
    killed_mid_publish(&db, dir.path()).await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_server_killed_mid_publish_published_to_all_or_none_postgres() {
    let dir = tempfile::tempdir().expect("tempdir");
    let fresh = rampart_store::test_support::fresh(Backend::Postgres).await;
    fresh.store.close().await;
    killed_mid_publish(&fresh.url, dir.path()).await;
}
