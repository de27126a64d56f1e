//! One way to start the app in tests: `spawn_app(backend)` gives a fresh database with
//! a small registry and one user per role, and a real server on a random port.

use rampart_core::{Asset, Dependency, OrgId, Organisation, Role, Username};
use rampart_server::clock::ManualClock;
use rampart_server::{AppState, Settings};
use rampart_store::test_support::{fresh, TestDb};
use rampart_store::{Backend, NewUser};
use reqwest::{Method, StatusCode};
use serde_json::{json, Value};
use std::sync::Arc;

pub const PASSWORD: &str = "correct horse battery";
/// 2026-01-01T00:00:00Z
pub const START_MS: i64 = 1_767_225_600_000;

pub struct TestApp {
    pub base: String,
    pub clock: ManualClock,
    /// The server's state, for tests that look behind the API (the store, a second server).
    pub state: AppState,
    _db: TestDb,
    _shutdown: tokio::sync::oneshot::Sender<()>,
}

/// The users of every test: (name, role, organisation).
pub const USERS: [(&str, Role, &str); 7] = [
    ("admin", Role::Admin, "eu-body"),
    ("analyst.de", Role::Analyst, "de-authority"),
    ("assessor.de", Role::Assessor, "de-authority"),
    ("viewer.de", Role::Viewer, "de-authority"),
    ("operator.de", Role::Operator, "de-op-grid"),
    ("analyst.fr", Role::Analyst, "fr-authority"),
    ("viewer.eu", Role::Viewer, "eu-body"),
];

fn obj(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

pub fn asset_json(id: &str, country: &str, sector: &str, operator: Option<&str>, lon: f64, lat: f64) -> Value {
    json!({"id": id, "name": format!("{id} site"), "kind": "infrastructure", "sector": sector, "country": country,
           "operator_id": operator, "geometry": {"type": "Point", "coordinates": [lon, lat]}, "people_served": 50000})
}

pub async fn spawn_app(backend: Backend) -> TestApp {
    spawn_app_with(backend, |_| {}).await
}

/// Like [`spawn_app`], with settings changed by `adjust`.
pub async fn spawn_app_with(backend: Backend, adjust: impl FnOnce(&mut Settings)) -> TestApp {
    let db = fresh(backend).await;
    let store = db.store.clone();
    let orgs = [
        ("eu-body", "eu_body", None),
        ("de-authority", "authority", Some("DE")),
        ("fr-authority", "authority", Some("FR")),
        ("de-op-grid", "operator", Some("DE")),
        ("de-op-water", "operator", Some("DE")),
        ("de-op-health", "operator", Some("DE")),
    ];
    directory(&store, &orgs, &USERS).await;
    let assets = [
        asset_json("DE-SUB-1", "DE", "energy", Some("de-op-grid"), 13.40, 52.52),
        asset_json("DE-WAT-1", "DE", "drinking_water", Some("de-op-water"), 13.45, 52.50),
        asset_json("DE-HOS-1", "DE", "health", Some("de-op-health"), 13.38, 52.53),
        asset_json("FR-SUB-1", "FR", "energy", None, 7.75, 48.58),
    ];
    let mut w = store.bulk_writer("seed", "import", START_MS).await.expect("writer");
    w.assets(&assets.iter().map(|a| Asset::from_json(&obj(a.clone())).expect("asset")).collect::<Vec<_>>()).await.expect("assets");
    let deps = [("DE-SUB-1", "DE-HOS-1", "electricity"), ("DE-WAT-1", "DE-HOS-1", "water"), ("FR-SUB-1", "DE-SUB-1", "electricity")];
    w.dependencies(
        &deps
            .iter()
            .map(|(s, d, svc)| Dependency::from_json(&obj(json!({"supplier_id": s, "dependent_id": d, "service": svc, "buffer_hours": 12}))).expect("dep"))
            .collect::<Vec<_>>(),
    )
    .await
    .expect("deps");
    w.links(&[rampart_core::NetworkLink::from_json(&obj(json!({"network": "grid", "from_id": "FR-SUB-1", "to_id": "DE-SUB-1"}))).expect("link")])
        .await
        .expect("links");
    w.commit().await.expect("commit");

    let mut settings = Settings { secure_cookies: false, session_hours: 12, max_body_bytes: 64 * 1024, max_import_bytes: 1024 * 1024, ..Settings::default() };
    adjust(&mut settings);
    serve(db, settings).await
}

/// Organisations (id, kind, country) and users (name, role, organisation), all with
/// [`PASSWORD`].
async fn directory(store: &rampart_store::Store, orgs: &[(&str, &str, Option<&str>)], users: &[(&str, Role, &str)]) {
    for (id, kind, country) in orgs {
        let o = Organisation::from_json(&obj(json!({"id": id, "name": format!("{id} name"), "kind": kind, "country": country}))).expect("org");
        store.put_organisation(&o).await.expect("org");
    }
    let hash = rampart_server::auth::hash_password(PASSWORD.into()).await.expect("hash");
    for (name, role, org) in users {
        let username = Username::parse(name).expect("name");
        let org = OrgId::parse(org).expect("org");
        store.create_user(&NewUser { username: &username, password_hash: &hash, role: *role, organisation_id: &org }, START_MS).await.expect("user");
    }
}

/// A real server on a random port over `db`, its clock at [`START_MS`].
async fn serve(db: TestDb, settings: Settings) -> TestApp {
    let clock = ManualClock::new(START_MS);
    let state = AppState::new(db.store.clone(), Arc::new(clock.clone()), settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    let (tx, rx) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(rampart_server::launch(state.clone(), listener, async {
        let _ = rx.await;
    }));
    TestApp { base, clock, state, _db: db, _shutdown: tx }
}

/// A server with a directory of its own (organisations: id, kind, country; users:
/// name, role, organisation) and no registry, for tests of several instances.
pub async fn spawn_instance(
    backend: Backend,
    orgs: &[(&str, &str, Option<&str>)],
    users: &[(&str, Role, &str)],
    adjust: impl FnOnce(&mut Settings),
) -> TestApp {
    let db = fresh(backend).await;
    directory(&db.store, orgs, users).await;
    let mut settings = Settings { secure_cookies: false, ..Settings::default() };
    adjust(&mut settings);
    serve(db, settings).await
}

/// A logged-in (or anonymous) client.
pub struct Client {
    pub http: reqwest::Client,
    pub csrf: Option<String>,
    pub bearer: Option<String>,
    pub base: String,
}

pub struct Reply {
    pub status: StatusCode,
    pub content_type: String,
    pub body: Value,
}

impl TestApp {
    /// The database's URL, for a second store on the same database.
    pub fn db_url(&self) -> &str {
        &self._db.url
    }

    pub fn anonymous(&self) -> Client {
        Client {
            http: reqwest::Client::builder().cookie_store(true).build().expect("client"),
            csrf: None,
            bearer: None,
            base: self.base.clone(),
        }
    }

    pub async fn login(&self, user: &str) -> Client {
        let mut c = self.anonymous();
        let r = c.send(Method::POST, "/api/v1/auth/login", Some(json!({"username": user, "password": PASSWORD}))).await;
        assert_eq!(r.status, StatusCode::OK, "login as {user}: {:?}", r.body);
        c.csrf = r.body["csrf_token"].as_str().map(String::from);
        c
    }
}

impl Client {
    pub async fn send(&self, method: Method, path: &str, body: Option<Value>) -> Reply {
        let mut req = self.http.request(method, format!("{}{path}", self.base));
        if let Some(t) = &self.csrf {
            req = req.header("X-CSRF-Token", t);
        }
        if let Some(t) = &self.bearer {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let text = res.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, content_type, body }
    }

    /// Sends raw bytes (a file upload) instead of JSON.
    pub async fn send_bytes(&self, method: Method, path: &str, bytes: Vec<u8>) -> Reply {
        self.send_raw(method, path, "application/octet-stream", bytes).await
    }

    /// Sends raw bytes with a content type (file uploads).
    pub async fn upload(&self, path: &str, content_type: &str, bytes: Vec<u8>) -> Reply {
        self.send_raw(Method::POST, path, content_type, bytes).await
    }

    async fn send_raw(&self, method: Method, path: &str, content_type: &str, bytes: Vec<u8>) -> Reply {
        let mut req = self.http.request(method, format!("{}{path}", self.base)).header("content-type", content_type).body(bytes);
        if let Some(t) = &self.csrf {
            req = req.header("X-CSRF-Token", t);
        }
        let res = req.send().await.expect("request");
        let status = res.status();
        let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        let text = res.text().await.expect("body");
        let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
        Reply { status, content_type, body }
    }

    /// The raw bytes of a response.
    pub async fn get_bytes(&self, path: &str) -> (StatusCode, String, Vec<u8>) {
        let res = self.http.get(format!("{}{path}", self.base)).send().await.expect("request");
        let status = res.status();
        let content_type = res.headers().get("content-type").and_then(|v| v.to_str().ok()).unwrap_or("").to_string();
        (status, content_type, res.bytes().await.expect("body").to_vec())
    }

    pub async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }
}

/// A second server process on the same database as `app` (its own connection pool,
/// state and event poller); returns its base URL.
pub async fn second_server(app: &TestApp) -> String {
    let store = rampart_store::Store::open(&rampart_store::StoreOptions::new(&app._db.url)).await.expect("second store");
    let settings = Settings { secure_cookies: false, ..Settings::default() };
    let state = AppState::new(store, Arc::new(app.clock.clone()), settings);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let base = format!("http://{}", listener.local_addr().expect("addr"));
    tokio::spawn(rampart_server::launch(state, listener, std::future::pending()));
    base
}
