//! `rampart bench webhooks`: how fast webhook deliveries go out, and what a tick costs
//! when there is nothing to send.
//!
//! A fresh SQLite database in a temporary folder holds an EU body's analyst and assessor
//! and an operator whose site lies in the alerts' area; `webhooks` webhooks of the
//! operator point at a receiver in this process (axum on 127.0.0.1, answering 204).
//! `alerts` alerts are published through the server's own handlers, then ticks are run
//! until every webhook has every alert: deliveries per second, signed, over HTTP on
//! loopback, with each delivery's attempt and cursor written to the database. Then a tick
//! with every webhook caught up is timed (20 rounds): what the worker costs each second
//! when nothing happens. Sender and receiver share this process and its CPUs.

use anyhow::{anyhow, bail, Result};
use axum::extract::{Path as UrlPath, State};
use axum::Json;
use rampart_core::{Asset, OrgId, Organisation, Role, Username};
use rampart_server::alerts as flow;
use rampart_server::auth::Auth;
use rampart_server::clock::SystemClock;
use rampart_server::json::JsonBody;
use rampart_server::webhooks as hooks;
use rampart_server::{AppState, Settings};
use rampart_store::{NewUser, Store, StoreOptions};
use serde_json::{json, Value};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Instant;

pub async fn webhooks(count: usize, alerts: usize) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("rampart-bench-webhooks-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run(&dir, count, alerts).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn obj(v: Value) -> serde_json::Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

async fn run(dir: &std::path::Path, count: usize, alerts: usize) -> Result<()> {
    let store = Store::open(&StoreOptions::new(format!("sqlite://{}", dir.join("bench.db").display()))).await?;
    for (id, kind, country) in [("eu-bench", "eu_body", None), ("op-bench", "operator", Some("FR"))] {
        store.put_organisation(&Organisation::from_json(&obj(json!({"id": id, "name": id, "kind": kind, "country": country}))).map_err(|e| anyhow!("{e}"))?).await?;
    }
    // Nobody logs in: the handlers are called with the users' principals.
    for (name, role, org) in [("author", Role::Analyst, "eu-bench"), ("approver", Role::Assessor, "eu-bench"), ("operator", Role::Operator, "op-bench")] {
        let (u, o) = (Username::parse(name).map_err(|e| anyhow!("{e}"))?, OrgId::parse(org).map_err(|e| anyhow!("{e}"))?);
        store.create_user(&NewUser { username: &u, password_hash: "not-a-login", role, organisation_id: &o }, 0).await?;
    }
    let site = Asset::from_json(&obj(json!({"id": "FR-BENCH-1", "name": "Bench substation", "sector": "energy", "country": "FR", "operator_id": "op-bench",
        "geometry": {"type": "Point", "coordinates": [2.2945, 48.8584]}}))).map_err(|e| anyhow!("{e}"))?;
    store.create_asset(&site, "bench", 0).await?;
    let who = |name: &'static str| {
        let store = store.clone();
        async move { store.principal(name).await?.map(Auth).ok_or_else(|| anyhow!("no user {name}")) }
    };

    let received = Arc::new(AtomicUsize::new(0));
    let counter = received.clone();
    let receiver = axum::Router::new().route(
        "/{*path}",
        axum::routing::post(move || {
            let counter = counter.clone();
            async move {
                counter.fetch_add(1, Ordering::Relaxed);
                axum::http::StatusCode::NO_CONTENT
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let server = tokio::spawn(async move { axum::serve(listener, receiver).await });

    let state = AppState::new(store.clone(), Arc::new(SystemClock), Settings { webhook_poll_ms: 0, ..Settings::default() });
    for i in 0..count {
        let body = obj(json!({"url": format!("http://{addr}/hook/{i}"), "kinds": ["published"]}));
        let _ = hooks::create(State(state.clone()), who("operator").await?, JsonBody(body)).await.map_err(|e| anyhow!("{e}"))?;
    }

    let cap = json!({"status": "Exercise", "infos": [{"categories": ["Security"], "event": "Bench", "urgency": "Immediate", "severity": "Minor",
        "certainty": "Likely", "headline": "Bench alert", "areas": [{"area_desc": "Bench", "polygons": ["48.855,2.29 48.855,2.30 48.862,2.30 48.862,2.29 48.855,2.29"]}]}]});
    for _ in 0..alerts {
        let (_, Json(a)) = flow::create(State(state.clone()), who("author").await?, JsonBody(obj(json!({"tlp": "TLP:AMBER", "cap": cap})))).await.map_err(|e| anyhow!("{e}"))?;
        let _ = flow::submit(State(state.clone()), who("author").await?, UrlPath(a.id.clone())).await.map_err(|e| anyhow!("{e}"))?;
        let _ = flow::approve(State(state.clone()), who("approver").await?, UrlPath(a.id.clone())).await.map_err(|e| anyhow!("{e}"))?;
        let _ = flow::publish(State(state.clone()), who("author").await?, UrlPath(a.id.clone())).await.map_err(|e| anyhow!("{e}"))?;
    }

    let expected = count * alerts;
    let started = Instant::now();
    let mut delivered = 0;
    let mut ticks = 0;
    while delivered < expected {
        let t = hooks::tick(&state).await?;
        if t.failed > 0 {
            bail!("{} deliveries failed", t.failed);
        }
        delivered += t.delivered;
        ticks += 1;
        if ticks > 1000 {
            bail!("only {delivered} of {expected} deliveries after 1000 ticks");
        }
    }
    let seconds = started.elapsed().as_secs_f64();
    // Every webhook caught up: what the worker's tick costs each second from now on.
    let mut idle = Vec::with_capacity(20);
    for _ in 0..20 {
        let t = Instant::now();
        let nothing = hooks::tick(&state).await?;
        if nothing.delivered + nothing.skipped + nothing.failed > 0 {
            bail!("an idle tick did something: {nothing:?}");
        }
        idle.push(t.elapsed().as_secs_f64() * 1000.0);
    }
    idle.sort_by(f64::total_cmp);
    let got = received.load(Ordering::Relaxed);
    server.abort();
    store.close().await;
    if got != expected {
        bail!("the receiver got {got} requests for {expected} deliveries");
    }
    println!("| webhooks | alerts | deliveries | ticks | time | deliveries/s | idle tick p50 | idle tick max |");
    println!("|---|---|---|---|---|---|---|---|");
    println!(
        "| {count} | {alerts} | {expected} | {ticks} | {seconds:.2} s | {:.0} | {:.1} ms | {:.1} ms |",
        expected as f64 / seconds,
        idle[idle.len() / 2],
        idle.last().copied().unwrap_or(f64::NAN)
    );
    Ok(())
}
