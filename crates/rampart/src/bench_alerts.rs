//! `rampart bench alerts`: publish → live delivery latency to many connected clients.
//!
//! A server runs in this process on a fresh SQLite database in a temporary folder, with
//! an EU body's analyst and assessor, and an operator whose site lies in the alerts'
//! area. `clients` event streams (`GET /api/v1/events`, the operator's session) are
//! opened over plain TCP; then `alerts` alerts are composed, approved and published one
//! after another over HTTP, and each stream notes when the `published` event of the
//! alert arrives. Latency is from just before the publish request is sent to the
//! arrival at a client. Clients and server share this process and its CPUs. With
//! `--second-server` the streams are served by a second server on the same database,
//! so events reach them through its poll of the events table, as between processes.

use anyhow::{anyhow, bail, Context, Result};
use rampart_core::{Asset, OrgId, Organisation, Role, Username};
use rampart_server::clock::SystemClock;
use rampart_server::{AppState, Settings};
use rampart_store::{NewUser, Store, StoreOptions};
use serde_json::{json, Value};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

const PASSWORD: &str = "bench password 1";

/// One HTTP/1.1 request on its own connection; returns status, Set-Cookie values and body.
async fn http(addr: SocketAddr, method: &str, path: &str, cookie: &str, csrf: &str, body: Option<&Value>) -> Result<(u16, Vec<String>, Value)> {
    let mut s = TcpStream::connect(addr).await?;
    let body = body.map(Value::to_string).unwrap_or_default();
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: {addr}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: {}\r\nCookie: {cookie}\r\nX-CSRF-Token: {csrf}\r\n\r\n{body}",
        body.len()
    );
    s.write_all(req.as_bytes()).await?;
    let mut buf = Vec::new();
    s.read_to_end(&mut buf).await?;
    let text = String::from_utf8_lossy(&buf);
    let (head, rest) = text.split_once("\r\n\r\n").ok_or_else(|| anyhow!("no HTTP header in the answer"))?;
    let status: u16 = head.split_whitespace().nth(1).and_then(|s| s.parse().ok()).ok_or_else(|| anyhow!("no status"))?;
    let cookies = head.lines().filter_map(|l| l.strip_prefix("set-cookie: ").or_else(|| l.strip_prefix("Set-Cookie: "))).map(|c| c.split(';').next().unwrap_or("").to_string()).collect();
    Ok((status, cookies, serde_json::from_str(rest).unwrap_or(Value::Null)))
}

struct Session {
    cookie: String,
    csrf: String,
}

async fn login(addr: SocketAddr, user: &str) -> Result<Session> {
    let (status, cookies, body) = http(addr, "POST", "/api/v1/auth/login", "", "", Some(&json!({"username": user, "password": PASSWORD}))).await?;
    if status != 200 {
        bail!("login as {user}: HTTP {status}");
    }
    Ok(Session { cookie: cookies.join("; "), csrf: body["csrf_token"].as_str().unwrap_or("").to_string() })
}

async fn call(addr: SocketAddr, s: &Session, method: &str, path: &str, body: Value) -> Result<Value> {
    let (status, _, v) = http(addr, method, path, &s.cookie, &s.csrf, Some(&body)).await?;
    if !(200..300).contains(&status) {
        bail!("{method} {path}: HTTP {status}: {v}");
    }
    Ok(v)
}

/// Follows the event stream; sends (alert id, arrival) for every `published` event.
async fn follow(addr: SocketAddr, cookie: String, ready: mpsc::Sender<()>, out: mpsc::UnboundedSender<(String, Instant)>) -> Result<()> {
    let mut s = TcpStream::connect(addr).await?;
    s.write_all(format!("GET /api/v1/events HTTP/1.1\r\nHost: {addr}\r\nAccept: text/event-stream\r\nCookie: {cookie}\r\n\r\n").as_bytes()).await?;
    let mut buf = vec![0u8; 16 * 1024];
    let mut pending = String::new();
    let mut told = false;
    loop {
        let n = s.read(&mut buf).await?;
        if n == 0 {
            return Ok(());
        }
        let now = Instant::now();
        pending.push_str(&String::from_utf8_lossy(&buf[..n]));
        if !told && pending.contains("\r\n\r\n") {
            told = true;
            let _ = ready.send(()).await;
        }
        while let Some(end) = pending.find('\n') {
            let line: String = pending.drain(..=end).collect();
            if let Some(data) = line.trim_end().strip_prefix("data: ") {
                if let Ok(v) = serde_json::from_str::<Value>(data) {
                    if v["kind"] == "published" {
                        let _ = out.send((v["alert_id"].as_str().unwrap_or("").to_string(), now));
                    }
                }
            }
        }
    }
}

fn pct(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    let i = ((p / 100.0) * (sorted.len() - 1) as f64).round() as usize;
    sorted[i.min(sorted.len() - 1)]
}

pub async fn alerts(clients: usize, alerts: usize, second_server: bool) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("rampart-bench-alerts-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run(&dir, clients, alerts, second_server).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run(dir: &std::path::Path, clients: usize, alerts: usize, second_server: bool) -> Result<()> {
    let store = Store::open(&StoreOptions::new(format!("sqlite://{}", dir.join("bench.db").display()))).await?;
    let obj = |v: Value| v.as_object().cloned().unwrap_or_default();
    for (id, kind, country) in [("eu-bench", "eu_body", None), ("op-bench", "operator", Some("FR"))] {
        store.put_organisation(&Organisation::from_json(&obj(json!({"id": id, "name": id, "kind": kind, "country": country}))).map_err(|e| anyhow!("{e}"))?).await?;
    }
    let hash = rampart_server::auth::hash_password(PASSWORD.into()).await.map_err(|e| anyhow!("{e}"))?;
    for (name, role, org) in [("author", Role::Analyst, "eu-bench"), ("approver", Role::Assessor, "eu-bench"), ("operator", Role::Operator, "op-bench")] {
        let (u, o) = (Username::parse(name).map_err(|e| anyhow!("{e}"))?, OrgId::parse(org).map_err(|e| anyhow!("{e}"))?);
        store.create_user(&NewUser { username: &u, password_hash: &hash, role, organisation_id: &o }, 0).await?;
    }
    let site = Asset::from_json(&obj(json!({"id": "FR-BENCH-1", "name": "Bench substation", "sector": "energy", "country": "FR", "operator_id": "op-bench",
        "geometry": {"type": "Point", "coordinates": [2.2945, 48.8584]}}))).map_err(|e| anyhow!("{e}"))?;
    store.create_asset(&site, "bench", 0).await?;

    let state = AppState::new(store.clone(), Arc::new(SystemClock), Settings { secure_cookies: false, ..Settings::default() });
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(rampart_server::launch(state, listener, async {
        let _ = stopped.await;
    }));

    // With a second server on the same database, the streams follow that one: events
    // then reach them through its poll of the events table, as across processes.
    let url = format!("sqlite://{}", dir.join("bench.db").display());
    let (stream_addr, stop2, server2) = if second_server {
        let store2 = Store::open(&StoreOptions::new(&url)).await?;
        let state2 = AppState::new(store2, Arc::new(SystemClock), Settings { secure_cookies: false, ..Settings::default() });
        let listener2 = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr2 = listener2.local_addr()?;
        let (stop2, stopped2) = tokio::sync::oneshot::channel::<()>();
        let server2 = tokio::spawn(rampart_server::launch(state2, listener2, async {
            let _ = stopped2.await;
        }));
        (addr2, Some(stop2), Some(server2))
    } else {
        (addr, None, None)
    };
    let author = login(addr, "author").await?;
    let approver = login(addr, "approver").await?;
    let operator = login(stream_addr, "operator").await?;
    let (ready_tx, mut ready_rx) = mpsc::channel::<()>(clients);
    let (tx, mut rx) = mpsc::unbounded_channel::<(String, Instant)>();
    let connect_start = Instant::now();
    let mut followers = Vec::with_capacity(clients);
    for _ in 0..clients {
        followers.push(tokio::spawn(follow(stream_addr, operator.cookie.clone(), ready_tx.clone(), tx.clone())));
    }
    for _ in 0..clients {
        tokio::time::timeout(Duration::from_secs(60), ready_rx.recv()).await.context("an event stream did not open within 60 s")?;
    }
    let connected_s = connect_start.elapsed().as_secs_f64();

    let cap = json!({"status": "Exercise", "infos": [{"categories": ["Security"], "event": "Bench", "urgency": "Immediate", "severity": "Minor",
        "certainty": "Likely", "headline": "Bench alert", "areas": [{"area_desc": "Bench", "polygons": ["48.855,2.29 48.855,2.30 48.862,2.30 48.862,2.29 48.855,2.29"]}]}]});
    let mut latencies: Vec<f64> = Vec::with_capacity(clients * alerts);
    let mut publish_ms: Vec<f64> = Vec::with_capacity(alerts);
    for _ in 0..alerts {
        let draft = call(addr, &author, "POST", "/api/v1/alerts", json!({"tlp": "TLP:AMBER", "cap": cap})).await?;
        let id = draft["id"].as_str().ok_or_else(|| anyhow!("no alert id"))?.to_string();
        call(addr, &author, "POST", &format!("/api/v1/alerts/{id}/submit"), json!({})).await?;
        call(addr, &approver, "POST", &format!("/api/v1/alerts/{id}/approve"), json!({})).await?;
        let t0 = Instant::now();
        call(addr, &author, "POST", &format!("/api/v1/alerts/{id}/publish"), json!({})).await?;
        publish_ms.push(t0.elapsed().as_secs_f64() * 1000.0);
        let mut got = 0;
        while got < clients {
            let (alert, at) = tokio::time::timeout(Duration::from_secs(30), rx.recv()).await.context("deliveries stopped for 30 s")?.ok_or_else(|| anyhow!("streams closed"))?;
            if alert == id {
                got += 1;
                latencies.push(at.saturating_duration_since(t0).as_secs_f64() * 1000.0);
            }
        }
    }
    for f in followers {
        f.abort();
    }
    let _ = stop.send(());
    let _ = server.await;
    if let (Some(stop2), Some(server2)) = (stop2, server2) {
        let _ = stop2.send(());
        let _ = server2.await;
    }
    store.close().await;

    latencies.sort_by(f64::total_cmp);
    publish_ms.sort_by(f64::total_cmp);
    println!("| streams on | clients | alerts | deliveries | streams opened in | publish request p50 | delivery p50 | delivery p99 | delivery max |");
    println!("|---|---|---|---|---|---|---|---|---|");
    println!(
        "| {} | {clients} | {alerts} | {} | {connected_s:.2} s | {:.1} ms | {:.1} ms | {:.1} ms | {:.1} ms |",
        if second_server { "a second server (polls every 250 ms)" } else { "the publishing server" },
        latencies.len(),
        pct(&publish_ms, 50.0),
        pct(&latencies, 50.0),
        pct(&latencies, 99.0),
        latencies.last().copied().unwrap_or(f64::NAN)
    );
    Ok(())
}
