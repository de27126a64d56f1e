//! Federation in the store, told on SQLite and on PostgreSQL: a batch continues the
//! link's cursor exactly, an item never rolls back, a tombstone is not undone by a late
//! upsert, and what arrives is forwarded to the peers that qualify in the same transaction.

use rampart_core::federation::{Audience, Entry, Hosts, InstanceName, ItemRef, ItemType, Message, Op, OriginOrg, SecretKey, Signed, MESSAGE_VERSION};
use rampart_core::{Invalid, OrgId, Organisation, Role, Tlp, Username};
use rampart_store::test_support::fresh;
use rampart_store::{Backend, BatchOutcome, NewUser, PeerConfig, Store};
use serde_json::json;

fn name(s: &str) -> InstanceName {
    InstanceName::parse(s).expect("name")
}

fn message(version: i64, op: Op) -> Signed {
    let m = Message {
        v: MESSAGE_VERSION,
        origin: name("de"),
        item: ItemRef { kind: ItemType::Alert, id: "de-alert-1".into(), version },
        op: Op::Upsert,
        tlp: Tlp::Amber,
        organisation: OriginOrg { id: "de-authority".into(), name: "BBK".into(), kind: "authority".into(), country: Some("DE".into()) },
        // fr-authority has a reader here; nl-nctv is hosted behind peer b.
        audience: Audience { organisations: vec!["fr-authority".into(), "nl-nctv".into()], users: vec![], community: None },
        body: json!({"identifier": format!("DE-1-v{version}"), "sender": "de-authority", "sent": "2026-11-22T12:00:00+00:00", "msg_type": "Alert",
            "headline": format!("version {version}"), "cap_xml": "<alert/>", "author": "analyst.de", "published_at": 1, "references": []}),
        issued_at: 1,
    };
    let key = SecretKey::from_seed([1; 32]);
    match op {
        Op::Upsert => m.sign(&key),
        Op::Tombstone => m.tombstone().sign(&key),
    }
}

fn entry(seq: i64, version: i64, op: Op) -> Entry {
    let retract = (op == Op::Upsert).then(|| message(version, Op::Tombstone));
    Entry { seq, message: message(version, op), retract }
}

async fn peer(store: &Store, n: &str, hosts: &[&str], link: bool) {
    let hosts = Hosts::parse(&hosts.iter().map(|s| s.to_string()).collect::<Vec<_>>()).expect("hosts");
    let c = PeerConfig { name: name(n), url: None, public_key: SecretKey::from_seed([1; 32]).public().to_string(), hosts, link, push: false, pull: false };
    store.put_federation_peer(&c, 0).await.expect("peer");
}

async fn story(store: Store) {
    let org: Organisation = Organisation::from_json(json!({"id": "fr-authority", "name": "SGDSN", "kind": "authority", "country": "FR"}).as_object().expect("obj"))
        .map_err(|e: Invalid| e.to_string())
        .expect("org");
    store.put_organisation(&org).await.expect("org");
    let (u, o) = (Username::parse("analyst.fr").expect("u"), OrgId::parse("fr-authority").expect("o"));
    store.create_user(&NewUser { username: &u, password_hash: "x", role: Role::Analyst, organisation_id: &o }, 0).await.expect("user");
    peer(&store, "a", &["*"], true).await;
    peer(&store, "b", &["nl-nctv"], true).await;
    peer(&store, "de", &["de-authority"], false).await;
    let own = name("fr");

    // v2 arrives through a: kept here (fr-authority reads it), forwarded to b (nl-nctv).
    let got = store.apply_federation_batch(&own, &name("a"), &[entry(1, 2, Op::Upsert)], 10).await.expect("apply");
    assert_eq!(got, BatchOutcome::Applied { cursor: 1, applied: 1, stale: 0 });
    let held = store.get_alert("de-alert-1").await.expect("get").expect("held");
    assert_eq!((held.version, held.doc.headline.as_str(), held.origin_instance.as_deref()), (2, "version 2", Some("de")));
    assert_eq!(held.recipients.iter().map(|r| r.organisation.as_str()).collect::<Vec<_>>(), ["fr-authority"]);
    let onward = store.outbox_after("b", 0, 10).await.expect("outbox");
    assert_eq!(onward.len(), 1);
    assert_eq!((onward[0].seq, onward[0].message.clone()), (1, message(2, Op::Upsert)), "forwarded unchanged");
    assert!(store.outbox_after("a", 0, 10).await.expect("outbox").is_empty(), "never back where it came from");

    // v1 arrives later through b: older, nothing changes (the cursor moves).
    let got = store.apply_federation_batch(&own, &name("b"), &[entry(1, 1, Op::Upsert)], 11).await.expect("apply");
    assert_eq!(got, BatchOutcome::Applied { cursor: 1, applied: 0, stale: 1 });
    assert_eq!(store.get_alert("de-alert-1").await.expect("get").expect("held").version, 2);

    // Gaps and replays change nothing.
    assert_eq!(store.apply_federation_batch(&own, &name("a"), &[entry(4, 3, Op::Upsert)], 12).await.expect("gap"), BatchOutcome::Gap { expected: 2, got: 4 });
    assert_eq!(store.apply_federation_batch(&own, &name("a"), &[entry(1, 2, Op::Upsert)], 12).await.expect("replay"), BatchOutcome::Replay { cursor: 1 });
    assert_eq!(store.federation_peer("a").await.expect("peer").expect("a").applied_seq, 1);

    // The tombstone of v2 removes the copy and is kept; the upsert of v2 arriving late
    // by the other path does not bring it back.
    let got = store.apply_federation_batch(&own, &name("a"), &[entry(2, 2, Op::Tombstone)], 13).await.expect("apply");
    assert_eq!(got, BatchOutcome::Applied { cursor: 2, applied: 1, stale: 0 });
    assert!(store.get_alert("de-alert-1").await.expect("get").is_none());
    let b_out = store.outbox_after("b", 1, 10).await.expect("outbox");
    assert_eq!(b_out.iter().map(|e| e.message.message.op).collect::<Vec<_>>(), [Op::Tombstone], "b had it: b is told");
    let got = store.apply_federation_batch(&own, &name("b"), &[entry(2, 2, Op::Upsert)], 14).await.expect("apply");
    assert_eq!(got, BatchOutcome::Applied { cursor: 2, applied: 0, stale: 1 });
    assert!(store.get_alert("de-alert-1").await.expect("get").is_none(), "not resurrected");
    let kept = store.federation_item("de", "alert", "de-alert-1").await.expect("item").expect("kept");
    assert_eq!((kept.version, kept.op), (2, Op::Tombstone));

    // A batch from a peer that is no link is refused.
    assert!(store.apply_federation_batch(&own, &name("de"), &[], 15).await.is_err());
}

#[tokio::test]
async fn federation_on_sqlite() {
    let db = fresh(Backend::Sqlite).await;
    story(db.store.clone()).await;
}

#[tokio::test]
async fn federation_on_postgres() {
    let db = fresh(Backend::Postgres).await;
    story(db.store.clone()).await;
}
