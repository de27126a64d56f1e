//! `rampart bench federation`: how fast an instance takes alerts shared by a peer —
//! signatures checked against the origin's key, applied in batches (cursor, versions,
//! the local copy with its recipients and live event) through the same code as a push.

use anyhow::{anyhow, Result};
use rampart_core::federation::{
    Audience, AudienceCommunity, Batch, Entry, Hosts, InstanceName, ItemRef, ItemType, Message, Op, OriginOrg, SecretKey, MESSAGE_VERSION,
};
use rampart_core::{OrgId, Organisation, Role, Tlp, Username};
use rampart_server::clock::{Clock, SystemClock};
use rampart_server::federation::{ingest, FederationSettings, Identity};
use rampart_server::{AppState, Settings};
use rampart_store::{NewUser, PeerConfig, Store, StoreOptions};
use serde_json::{json, Value};
use std::sync::Arc;
use std::time::Instant;

pub async fn federation(items: usize, batch: usize) -> Result<()> {
    let dir = std::env::temp_dir().join(format!("rampart-bench-federation-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run(&dir, items, batch.max(1)).await;
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn run(dir: &std::path::Path, items: usize, batch: usize) -> Result<()> {
    let store = Store::open(&StoreOptions::new(format!("sqlite://{}", dir.join("bench.db").display()))).await?;
    let obj = |v: Value| v.as_object().cloned().unwrap_or_default();
    store.put_organisation(&Organisation::from_json(&obj(json!({"id": "fr-authority", "name": "FR", "kind": "authority", "country": "FR"}))).map_err(|e| anyhow!("{e}"))?).await?;
    let (u, o) = (Username::parse("reader.fr").map_err(|e| anyhow!("{e}"))?, OrgId::parse("fr-authority").map_err(|e| anyhow!("{e}"))?);
    store.create_user(&NewUser { username: &u, password_hash: "x", role: Role::Viewer, organisation_id: &o }, 0).await?;
    let origin = SecretKey::from_seed([1; 32]);
    let de = InstanceName::parse("de").map_err(|e| anyhow!("{e}"))?;
    let hosts = Hosts::parse(&["de-authority".to_string()]).map_err(|e| anyhow!("{e}"))?;
    store.put_federation_peer(&PeerConfig { name: de.clone(), url: None, public_key: origin.public().to_string(), hosts, link: true, push: false, pull: false }, 0).await?;
    let identity = Identity { name: InstanceName::parse("fr").map_err(|e| anyhow!("{e}"))?, key: Arc::new(SecretKey::from_seed([3; 32])) };
    let settings = Settings { federation: FederationSettings { identity: Some(identity), rounds_in_background: false, ..FederationSettings::default() }, ..Settings::default() };
    let state = AppState::new(store.clone(), Arc::new(SystemClock), settings);

    // The messages, signed once beforehand as the origin would have.
    let cap = "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\"><identifier>x</identifier></alert>".repeat(8);
    let sign_start = Instant::now();
    let entries: Vec<Entry> = (0..items)
        .map(|i| {
            let m = Message {
                v: MESSAGE_VERSION,
                origin: de.clone(),
                item: ItemRef { kind: ItemType::Alert, id: format!("bench-{i}"), version: 1 },
                op: Op::Upsert,
                tlp: if i % 2 == 0 { Tlp::Green } else { Tlp::Amber },
                organisation: OriginOrg { id: "de-authority".into(), name: "DE".into(), kind: "authority".into(), country: Some("DE".into()) },
                audience: Audience {
                    organisations: vec!["de-authority".into(), "fr-authority".into()],
                    users: vec![],
                    community: Some(AudienceCommunity { id: "de-fr".into(), members: vec!["de-authority".into(), "fr-authority".into()] }),
                },
                body: json!({"identifier": format!("DE-{i}"), "sender": "de-authority", "sent": "2026-11-22T12:00:00+00:00", "msg_type": "Alert",
                    "headline": "Bench alert", "cap_xml": cap, "author": "analyst.de", "published_at": 0, "references": []}),
                issued_at: 0,
            };
            let retract = m.tombstone().sign(&origin);
            Entry { seq: i as i64 + 1, message: m.sign(&origin), retract: Some(retract) }
        })
        .collect();
    let sign_s = sign_start.elapsed().as_secs_f64();

    // Signature checks alone, on one thread (the server spreads them over the cores).
    let public = origin.public();
    let tv = Instant::now();
    let good = entries.iter().filter(|e| e.message.verify(&public) && e.retract.as_ref().is_some_and(|r| r.verify(&public))).count();
    let verify_s = tv.elapsed().as_secs_f64();
    if good != items {
        return Err(anyhow!("{} of {items} entries failed to verify", items - good));
    }

    let t0 = Instant::now();
    let mut cursor = 0;
    for chunk in entries.chunks(batch) {
        let b = Batch { from: de.clone(), head: items as i64, entries: chunk.to_vec() };
        cursor = ingest(&state, &b).await.map_err(|e| anyhow!("ingest refused: {e}"))?;
    }
    let ingest_s = t0.elapsed().as_secs_f64();
    if cursor != items as i64 {
        return Err(anyhow!("applied up to {cursor}, expected {items}"));
    }
    let held = store.list_alerts(None).await?.len();
    if held != items {
        return Err(anyhow!("{held} alerts held, expected {items}"));
    }
    // A replay of the whole feed changes nothing (and is refused).
    let t1 = Instant::now();
    let replayed = ingest(&state, &Batch { from: de.clone(), head: items as i64, entries: entries[..batch.min(items)].to_vec() }).await;
    let replay_ms = t1.elapsed().as_secs_f64() * 1000.0;
    if replayed.is_ok() {
        return Err(anyhow!("a replay was accepted"));
    }
    store.close().await;
    let _ = SystemClock.now_ms();

    println!("| items | batch | signing at the origin (2 signatures each) | checking the signatures alone, 1 thread | ingest (check + apply) | items/s | replay of one batch refused in |");
    println!("|---:|---:|---:|---:|---:|---:|---:|");
    println!(
        "| {items} | {batch} | {sign_s:.2} s | {verify_s:.2} s ({:.0} items/s) | {ingest_s:.2} s | {:.0} | {replay_ms:.1} ms |",
        items as f64 / verify_s,
        items as f64 / ingest_s
    );
    Ok(())
}
