//! Three Rampart instances on loopback: `de` and `fr` (national) and `eu-hub`, linked
//! de ⇄ hub (de pushes and pulls) and fr ⇄ hub (fr pulls and pushes). Alerts cross by
//! their label and audience only; refusals are audited; a stopped hub is caught up
//! once; a silent peer raises the alarm.

use crate::alerts::{cap_json, publish};
use crate::helpers::{spawn_instance, TestApp};
use rampart_core::federation::{Batch, InstanceName, SecretKey};
use rampart_core::{Asset, Community, Role};
use rampart_server::federation::{export_bundle, import_bundle, tick, Bundle, Identity};
use rampart_store::{Backend, PeerConfig};
use reqwest::Method;
use serde_json::{json, Value};
use std::sync::Arc;

/// Around DE-BORDER-1 (13.40, 52.52).
const AROUND_BORDER: &str = "52.51,13.39 52.51,13.41 52.525,13.41 52.525,13.39 52.51,13.39";
const INTERVAL_MS: u64 = 30_000;

pub(crate) fn key(n: u8) -> SecretKey {
    SecretKey::from_seed([n; 32])
}

pub(crate) async fn instance(backend: Backend, name: &str, seed: u8, orgs: &[(&str, &str, Option<&str>)], users: &[(&str, Role, &str)]) -> TestApp {
    let identity = Identity { name: InstanceName::parse(name).expect("name"), key: Arc::new(key(seed)) };
    spawn_instance(backend, orgs, users, |s| {
        s.federation.identity = Some(identity);
        s.federation.interval_ms = INTERVAL_MS;
        s.federation.rounds_in_background = false;
    })
    .await
}

/// How a peer is linked: we push to and pull from it, or we only trust its key.
#[derive(Clone, Copy, PartialEq)]
pub(crate) enum Link {
    PushPull,
    OriginOnly,
}

pub(crate) async fn add_peer(app: &TestApp, name: &str, url: Option<&str>, seed: u8, hosts: &[&str], how: Link) {
    let (link, push, pull) = match how {
        Link::PushPull => (true, true, true),
        Link::OriginOnly => (false, false, false),
    };
    let c = PeerConfig {
        name: InstanceName::parse(name).expect("name"),
        url: url.map(String::from),
        public_key: key(seed).public().to_string(),
        hosts: rampart_core::federation::Hosts::parse(&hosts.iter().map(|s| s.to_string()).collect::<Vec<_>>()).expect("hosts"),
        link,
        push,
        pull,
    };
    app.state.store.put_federation_peer(&c, helpers_now(app)).await.expect("peer");
}

pub(crate) fn helpers_now(app: &TestApp) -> i64 {
    use rampart_server::clock::Clock;
    app.clock.now_ms()
}

/// One round on each instance, in the order messages flow: de → hub → fr and back.
pub(crate) async fn rounds(de: &TestApp, hub: &TestApp, fr: &TestApp) {
    for app in [de, hub, fr, hub, de] {
        tick(&app.state).await.expect("round");
    }
}

async fn signed_post(base: &str, key: &SecretKey, from: &str, at: i64, body: &[u8]) -> (u16, Value) {
    let name = InstanceName::parse(from).expect("name");
    let sig = key.sign(&rampart_core::federation::link_signing_bytes("POST", "/federation/v1/messages", &name, at, body));
    let r = reqwest::Client::new()
        .post(format!("{base}/federation/v1/messages"))
        .header("rampart-peer", from)
        .header("rampart-at", at.to_string())
        .header("rampart-signature", sig)
        .body(body.to_vec())
        .send()
        .await
        .expect("post");
    let status = r.status().as_u16();
    (status, r.json().await.unwrap_or(Value::Null))
}

async fn refusals(app: &TestApp) -> Vec<String> {
    let entries = app.state.store.audit_list(None, None, 1000).await.expect("audit");
    entries.into_iter().filter(|e| e.object_kind == "federation" && e.action == "reject").map(|e| e.detail["reason"].as_str().unwrap_or("").to_string()).collect()
}

#[tokio::test]
async fn three_instances_share_alerts_by_label_and_audience() {
    story(Backend::Sqlite).await;
}

/// The same with the hub on PostgreSQL.
#[tokio::test]
async fn three_instances_with_the_hub_on_postgres() {
    story(Backend::Postgres).await;
}

async fn story(hub_backend: Backend) {
    // de's directory knows two French organisations (a community member and the
    // operator of a cross-border site); they have no users in de, so they are read elsewhere.
    let de = instance(
        Backend::Sqlite,
        "de",
        1,
        &[("de-authority", "authority", Some("DE")), ("fr-authority", "authority", Some("FR")), ("fr-op-grid", "operator", Some("FR"))],
        &[("analyst.de", Role::Analyst, "de-authority"), ("assessor.de", Role::Assessor, "de-authority"), ("viewer.de", Role::Viewer, "de-authority")],
    )
    .await;
    let hub = instance(hub_backend, "eu-hub", 2, &[("eu-body", "eu_body", None)], &[("admin", Role::Admin, "eu-body"), ("viewer.eu", Role::Viewer, "eu-body")]).await;
    let fr = instance(
        Backend::Sqlite,
        "fr",
        3,
        &[("fr-authority", "authority", Some("FR")), ("fr-op-grid", "operator", Some("FR")), ("fr-op-water", "operator", Some("FR"))],
        &[("analyst.fr", Role::Analyst, "fr-authority"), ("operator.fr", Role::Operator, "fr-op-grid"), ("water.fr", Role::Operator, "fr-op-water")],
    )
    .await;

    // Links: de pushes to and pulls from the hub; fr pulls from and pushes to it. The
    // hub is configured through its API by its administrator.
    add_peer(&de, "eu-hub", Some(&hub.base), 2, &["*"], Link::PushPull).await;
    add_peer(&de, "fr", None, 3, &["fr-authority", "fr-op-grid", "fr-op-water"], Link::OriginOnly).await;
    add_peer(&fr, "eu-hub", Some(&hub.base), 2, &["*"], Link::PushPull).await;
    add_peer(&fr, "de", None, 1, &["de-authority"], Link::OriginOnly).await;
    let admin = hub.login("admin").await;
    let r = admin.send(Method::PUT, "/api/v1/federation/peers/de", Some(json!({"public_key": key(1).public().to_string(), "hosts": ["de-authority"]}))).await;
    assert_eq!(r.status.as_u16(), 201, "{:?}", r.body);
    let r = admin.send(Method::PUT, "/api/v1/federation/peers/fr", Some(json!({"public_key": key(3).public().to_string(), "hosts": ["fr-authority", "fr-op-grid", "fr-op-water"]}))).await;
    assert_eq!(r.status.as_u16(), 201, "{:?}", r.body);
    let bad = admin.send(Method::PUT, "/api/v1/federation/peers/NL", Some(json!({"public_key": "abc", "hosts": ["*", "x"], "push": true}))).await;
    assert_eq!(bad.status.as_u16(), 422);
    let fields: Vec<&str> = bad.body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["name", "public_key", "hosts[0]", "url"], "{:?}", bad.body);
    let me = admin.get("/api/v1/federation").await.body;
    assert_eq!(me, json!({"name": "eu-hub", "public_key": key(2).public().to_string()}));
    assert_eq!(hub.login("viewer.eu").await.get("/api/v1/federation/peers").await.status.as_u16(), 403);

    // de's registry: a community with fr-authority, and a site in Germany operated by
    // a French operator.
    let community = Community::from_json(json!({"id": "de-fr", "name": "DE-FR liaison", "members": ["de-authority", "fr-authority"]}).as_object().expect("obj")).expect("community");
    de.state.store.put_community(&community).await.expect("community");
    let site = Asset::from_json(
        json!({"id": "DE-BORDER-1", "name": "Border substation", "kind": "infrastructure", "sector": "energy", "country": "DE", "operator_id": "fr-op-grid",
               "geometry": {"type": "Point", "coordinates": [13.40, 52.52]}})
        .as_object()
        .expect("obj"),
    )
    .expect("asset");
    let mut w = de.state.store.bulk_writer("seed", "import", helpers_now(&de)).await.expect("writer");
    w.assets(&[site]).await.expect("asset");
    w.commit().await.expect("commit");

    let analyst = de.login("analyst.de").await;
    let assessor = de.login("assessor.de").await;
    let analyst_fr = fr.login("analyst.fr").await;
    let operator_fr = fr.login("operator.fr").await;
    let water_fr = fr.login("water.fr").await;
    let viewer_eu = hub.login("viewer.eu").await;

    // GREEN to the DE-FR community (the area matches no site).
    let green = publish(&analyst, &assessor, json!({"tlp": "TLP:GREEN", "community": "de-fr", "cap": cap_json("Drone sightings", "50.0,5.0 50.0,5.1 50.1,5.1 50.1,5.0 50.0,5.0")})).await;
    rounds(&de, &hub, &fr).await;
    let seen = analyst_fr.get(&format!("/api/v1/alerts/{green}")).await;
    assert_eq!(seen.status.as_u16(), 200, "{:?}", seen.body);
    assert_eq!(seen.body["headline"], "Drone sightings");
    assert_eq!(seen.body["tlp"], "TLP:GREEN");
    assert_eq!(analyst_fr.get("/api/v1/alerts").await.body["count"], 1);
    assert_eq!(water_fr.get(&format!("/api/v1/alerts/{green}")).await.status.as_u16(), 404, "outside the audience");
    assert_eq!(viewer_eu.get(&format!("/api/v1/alerts/{green}")).await.status.as_u16(), 404, "the hub relays, its users are not in the community");
    assert!(hub.state.store.get_alert(&green).await.expect("get").is_none(), "the hub keeps no copy it has no reader for");
    // Read-only where it arrived.
    let r = analyst_fr.send(Method::POST, &format!("/api/v1/alerts/{green}/label"), Some(json!({"tlp": "TLP:RED"}))).await;
    assert_eq!(r.status.as_u16(), 409);
    assert_eq!(r.body["detail"], format!("alert {green} comes from the Rampart instance de; it can be changed there only"));

    // RED to a DE person never leaves de.
    let red = publish(&analyst, &assessor, json!({"tlp": "TLP:RED", "recipients": ["viewer.de"], "cap": cap_json("Insider", "50.0,5.0 50.0,5.1 50.1,5.1 50.1,5.0 50.0,5.0")})).await;
    rounds(&de, &hub, &fr).await;
    assert!(hub.state.store.get_alert(&red).await.expect("get").is_none());
    assert!(fr.state.store.get_alert(&red).await.expect("get").is_none());
    assert!(hub.state.store.federation_item("de", "alert", &red).await.expect("item").is_none(), "not even relayed");
    assert_eq!(de.state.store.outbox_after("eu-hub", 0, 100).await.expect("outbox").iter().filter(|e| e.message.message.item.id == red).count(), 0);

    // AMBER+STRICT to the French operator of the border site crosses the hub; no hub
    // user and no other French organisation reads it.
    let strict = publish(&analyst, &assessor, json!({"tlp": "TLP:AMBER+STRICT", "cap": cap_json("Border substation threat", AROUND_BORDER)})).await;
    rounds(&de, &hub, &fr).await;
    assert_eq!(operator_fr.get(&format!("/api/v1/alerts/{strict}")).await.status.as_u16(), 200);
    assert_eq!(analyst_fr.get(&format!("/api/v1/alerts/{strict}")).await.status.as_u16(), 404);
    assert_eq!(viewer_eu.get(&format!("/api/v1/alerts/{strict}")).await.status.as_u16(), 404);
    assert!(hub.state.store.federation_item("de", "alert", &strict).await.expect("item").is_some(), "it crossed the hub");

    // The cancel of the GREEN alert reaches fr, and the original shows it is followed.
    let r = analyst.send(Method::POST, &format!("/api/v1/alerts/{green}/cancel"), Some(json!({"note": "false alarm"}))).await;
    assert_eq!(r.status.as_u16(), 201, "{:?}", r.body);
    let cancel = r.body["id"].as_str().expect("id").to_string();
    for step in ["submit", "approve", "publish"] {
        let c = if step == "approve" { &assessor } else { &analyst };
        assert_eq!(c.send(Method::POST, &format!("/api/v1/alerts/{cancel}/{step}"), Some(json!({}))).await.status.as_u16(), 200, "{step}");
    }
    rounds(&de, &hub, &fr).await;
    let c = analyst_fr.get(&format!("/api/v1/alerts/{cancel}")).await;
    assert_eq!((c.status.as_u16(), c.body["msg_type"].as_str()), (200, Some("Cancel")), "{:?}", c.body);
    assert_eq!(fr.state.store.get_alert(&green).await.expect("get").expect("green").followed_by.as_deref(), Some(cancel.as_str()));

    // Tightening a GREEN alert to AMBER leaves fr-authority (a community member only)
    // out: the origin sends the hub its tombstone, the hub forwards it to fr, which
    // removes its copy and keeps the tombstone.
    let green2 = publish(&analyst, &assessor, json!({"tlp": "TLP:GREEN", "community": "de-fr", "cap": cap_json("Second drone wave", "50.0,5.0 50.0,5.1 50.1,5.1 50.1,5.0 50.0,5.0")})).await;
    rounds(&de, &hub, &fr).await;
    assert_eq!(analyst_fr.get(&format!("/api/v1/alerts/{green2}")).await.status.as_u16(), 200);
    let r = analyst.send(Method::POST, &format!("/api/v1/alerts/{green2}/label"), Some(json!({"tlp": "TLP:AMBER"}))).await;
    assert_eq!(r.status.as_u16(), 200, "{:?}", r.body);
    rounds(&de, &hub, &fr).await;
    assert_eq!(analyst_fr.get(&format!("/api/v1/alerts/{green2}")).await.status.as_u16(), 404);
    assert!(fr.state.store.get_alert(&green2).await.expect("get").is_none());
    let kept = fr.state.store.federation_item("de", "alert", &green2).await.expect("item").expect("tombstone");
    assert_eq!((kept.op, kept.message.message.body.clone()), (rampart_core::federation::Op::Tombstone, Value::Null));

    // Refusals, each audited on the hub, nothing changed.
    let cursor = hub.state.store.federation_peer("de").await.expect("peer").expect("de").applied_seq;
    let now = helpers_now(&hub);
    let empty = serde_json::to_vec(&Batch { from: InstanceName::parse("de").expect("n"), head: 0, entries: vec![] }).expect("json");
    let (s, body) = signed_post(&hub.base, &key(9), "de", now, &empty).await;
    assert_eq!((s, body["detail"].as_str()), (401, Some("bad signature: the request is not signed by de's key")));
    let (s, body) = signed_post(&hub.base, &key(1), "de", now - 3_600_000, &empty).await;
    assert_eq!(s, 401);
    assert!(body["detail"].as_str().unwrap_or("").starts_with("stale request"), "{body}");
    let (s, _) = reqwest::Client::new().post(format!("{}/federation/v1/messages", hub.base)).body(empty.clone()).send().await.map(|r| (r.status().as_u16(), ())).expect("post");
    assert_eq!(s, 401);
    // A replay of what de already sent.
    let sent = de.state.store.outbox_after("eu-hub", 0, 100).await.expect("outbox");
    assert!(sent.len() >= 4, "{}", sent.len());
    let replay = serde_json::to_vec(&Batch { from: InstanceName::parse("de").expect("n"), head: sent.len() as i64, entries: sent[..2].to_vec() }).expect("json");
    let (s, body) = signed_post(&hub.base, &key(1), "de", now, &replay).await;
    assert_eq!(s, 409);
    assert_eq!(body["detail"], format!("replay: every message in this batch was applied before (cursor {cursor}); nothing changed"));
    assert_eq!(body["cursor"], cursor);
    // A gap.
    let mut ahead = sent[0].clone();
    ahead.seq = cursor + 3;
    let gap = serde_json::to_vec(&Batch { from: InstanceName::parse("de").expect("n"), head: cursor + 3, entries: vec![ahead] }).expect("json");
    let (s, body) = signed_post(&hub.base, &key(1), "de", now, &gap).await;
    assert_eq!(s, 409);
    assert_eq!(body["detail"], format!("out of order: expected {}, got {}; nothing changed", cursor + 1, cursor + 3));
    // A message whose origin signature does not hold (a relay relaxing the label).
    let mut forged = sent[0].clone();
    forged.seq = cursor + 1;
    forged.message.message.tlp = rampart_core::Tlp::Clear;
    let forged = serde_json::to_vec(&Batch { from: InstanceName::parse("de").expect("n"), head: cursor + 1, entries: vec![forged] }).expect("json");
    let (s, body) = signed_post(&hub.base, &key(1), "de", now, &forged).await;
    assert_eq!(s, 422);
    assert_eq!(body["errors"][0]["field"], "entries[0].message.signature");
    assert_eq!(body["errors"][0]["message"], "bad signature: not signed by de's key");
    assert_eq!(hub.state.store.federation_peer("de").await.expect("peer").expect("de").applied_seq, cursor, "nothing changed");
    // Audited: everything refused from a peer on the trust list (the unsigned request
    // names nobody: it is only logged, so strangers cannot fill the trail).
    let reasons = refusals(&hub).await;
    assert_eq!(reasons.len(), 5, "{reasons:?}");
    assert!(reasons[0].starts_with("bad signature"), "{reasons:?}");
    assert!(reasons[1].starts_with("stale request"), "{reasons:?}");
    assert!(reasons[2].starts_with("replay"), "{reasons:?}");
    assert!(reasons[3].starts_with("out of order"), "{reasons:?}");
    assert!(reasons[4].contains("entries[0].message.signature"), "{reasons:?}");

    // The hub goes away: de queues; the hub comes back: delivered once.
    add_peer(&de, "eu-hub", Some("http://127.0.0.1:9"), 2, &["*"], Link::PushPull).await;
    let queued = publish(&analyst, &assessor, json!({"tlp": "TLP:GREEN", "community": "de-fr", "cap": cap_json("While the hub was down", "50.0,5.0 50.0,5.1 50.1,5.1 50.1,5.0 50.0,5.0")})).await;
    let report = tick(&de.state).await.expect("round");
    assert!(report.links.iter().any(|(p, what)| p == "eu-hub" && what.starts_with("push failed")), "{report:?}");
    let backlog = de.state.store.outbox_backlog("eu-hub").await.expect("backlog");
    assert_eq!(backlog.count, 1);
    add_peer(&de, "eu-hub", Some(&hub.base), 2, &["*"], Link::PushPull).await;
    rounds(&de, &hub, &fr).await;
    assert_eq!(analyst_fr.get(&format!("/api/v1/alerts/{queued}")).await.status.as_u16(), 200);
    assert_eq!(de.state.store.outbox_backlog("eu-hub").await.expect("backlog").count, 0);
    // de loses the hub's acknowledgement: it sends again, the hub says replay with its
    // cursor, de continues from there; nothing is applied twice.
    let acked = de.state.store.federation_peer("eu-hub").await.expect("peer").expect("hub").acked_seq;
    de.state.store.federation_heard("eu-hub", Some(acked - 1), None, helpers_now(&de)).await.expect("heard");
    let events_before = fr.state.store.last_event_seq().await.expect("seq");
    rounds(&de, &hub, &fr).await;
    assert_eq!(de.state.store.federation_peer("eu-hub").await.expect("peer").expect("hub").acked_seq, acked);
    assert_eq!(fr.state.store.last_event_seq().await.expect("seq"), events_before, "no second delivery");

    // fr falls silent: after three intervals without hearing from it, the hub raises the alarm.
    for app in [&de, &hub, &fr] {
        app.clock.advance(3 * INTERVAL_MS as i64 + 1_000);
    }
    tick(&de.state).await.expect("round");
    let report = tick(&hub.state).await.expect("round");
    assert_eq!(report.alarms, vec![("fr".to_string(), "silent".to_string())]);
    let peers = admin.get("/api/v1/federation/peers").await.body;
    let status: Vec<(&str, &str)> = peers["items"].as_array().expect("items").iter().map(|p| (p["name"].as_str().unwrap_or(""), p["status"].as_str().unwrap_or(""))).collect();
    assert_eq!(status, [("de", "ok"), ("fr", "silent")]);
    let alarms: Vec<_> = hub.state.store.audit_list(None, None, 1000).await.expect("audit").into_iter().filter(|e| e.detail["alarm"] == "silent").collect();
    assert_eq!(alarms.len(), 1);
    assert_eq!(alarms[0].object_id, "fr");
    let metrics = admin.get("/metrics").await.body;
    let metrics = metrics.as_str().unwrap_or("");
    assert!(metrics.contains("rampart_federation_peer_status{peer=\"fr\",status=\"silent\"} 1"), "{metrics}");
    assert!(metrics.contains("rampart_federation_peer_status{peer=\"de\",status=\"silent\"} 0"), "{metrics}");
    // fr is heard again: back to ok.
    tick(&fr.state).await.expect("round");
    let report = tick(&hub.state).await.expect("round");
    assert_eq!(report.alarms, vec![("fr".to_string(), "ok".to_string())]);

    // Offline: de writes what is queued for the hub to a signed bundle; the hub applies
    // it by the same code as a push. A bundle for someone else, a tampered one, and the
    // same bundle again are refused.
    let offline = publish(&analyst, &assessor, json!({"tlp": "TLP:GREEN", "community": "de-fr", "cap": cap_json("Carried by hand", "50.0,5.0 50.0,5.1 50.1,5.1 50.1,5.0 50.0,5.0")})).await;
    let bundle = export_bundle(&de.state, "eu-hub").await.expect("export");
    assert_eq!(bundle.batch.entries.len(), 1);
    let text = serde_json::to_string(&bundle).expect("json");
    let mut other: Bundle = serde_json::from_str(&text).expect("bundle");
    other.to = InstanceName::parse("fr").expect("name");
    assert_eq!(import_bundle(&hub.state, &other).await, Err("the bundle is for fr, not for this instance (eu-hub)".to_string()));
    let mut tampered: Bundle = serde_json::from_str(&text).expect("bundle");
    tampered.batch.head += 1;
    assert_eq!(import_bundle(&hub.state, &tampered).await, Err("bad signature: the bundle is not signed by de's key".to_string()));
    let before = hub.state.store.federation_peer("de").await.expect("peer").expect("de").applied_seq;
    let back: Bundle = serde_json::from_str(&text).expect("bundle");
    assert_eq!(import_bundle(&hub.state, &back).await, Ok(before + 1));
    assert!(import_bundle(&hub.state, &back).await.expect_err("replay").starts_with("replay"));
    rounds(&de, &hub, &fr).await;
    assert_eq!(analyst_fr.get(&format!("/api/v1/alerts/{offline}")).await.status.as_u16(), 200);
    assert_eq!(de.state.store.outbox_backlog("eu-hub").await.expect("backlog").count, 0, "the next contact confirmed it");

    // The audit chains still verify everywhere.
    for app in [&de, &hub, &fr] {
        assert!(app.state.store.audit_verify().await.expect("verify").first_break.is_none());
    }
}
