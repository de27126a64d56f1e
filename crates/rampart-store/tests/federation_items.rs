//! Received incident notifications in the store, on SQLite and on PostgreSQL: a copy
//! is kept with its origin for the recipients hosted here, a body that cannot be read is
//! refused naming the item and nothing changes, and a tombstone removes the copy.

use rampart_core::federation::{Audience, Entry, Hosts, InstanceName, ItemRef, ItemType, Message, Op, OriginOrg, SecretKey, Signed, MESSAGE_VERSION};
use rampart_core::{OrgId, Organisation, Role, Tlp, Username};
use rampart_store::test_support::fresh;
use rampart_store::{Backend, BatchOutcome, NewUser, PeerConfig, Store, StoreError};
use serde_json::{json, Value};

fn name(s: &str) -> InstanceName {
    InstanceName::parse(s).expect("name")
}

fn incident(version: i64, op: Op, body: Value) -> Signed {
    let m = Message {
        v: MESSAGE_VERSION,
        origin: name("de"),
        item: ItemRef { kind: ItemType::Incident, id: "inc-de-1".into(), version },
        op: Op::Upsert,
        tlp: Tlp::AmberStrict,
        organisation: OriginOrg { id: "de-op-rail".into(), name: "DB Netz".into(), kind: "operator".into(), country: Some("DE".into()) },
        audience: Audience { organisations: vec!["de-op-rail".into(), "de-authority".into(), "fr-authority".into()], users: vec![], community: None },
        body,
        issued_at: 1,
    };
    let key = SecretKey::from_seed([1; 32]);
    match op {
        Op::Upsert => m.sign(&key),
        Op::Tombstone => m.tombstone().sign(&key),
    }
}

fn body(description: &str) -> Value {
    let report = json!({"title": "Signalling outage", "description": description, "sector": "transport", "assets": [], "aware_at_ms": 1_000,
        "occurred_at_ms": null, "tlp": "TLP:AMBER+STRICT",
        "significance": {"users_affected": 10, "users_total": 100, "duration_hours": null, "area": "Saarland", "isolated_area": false, "member_states": ["DE", "FR"]}});
    json!({"reported_by": "operator.de", "report": report, "initial_at": 2_000, "detailed_at": null, "closed_at": null, "commission": false, "unrouted": [],
        "recipients": [{"organisation": "de-authority", "reason": "competent_authority", "country": "DE"},
                       {"organisation": "fr-authority", "reason": "affected_member_state", "country": "FR"}],
        "updates": [{"seq": 1, "at": 2_000, "author": "operator.de", "kind": "initial", "note": "", "report": null}], "created_at": 1_500})
}

async fn story(store: Store) {
    let org = Organisation::from_json(json!({"id": "fr-authority", "name": "SGDSN", "kind": "authority", "country": "FR"}).as_object().expect("obj")).expect("org");
    store.put_organisation(&org).await.expect("org");
    let (u, o) = (Username::parse("analyst.fr").expect("u"), OrgId::parse("fr-authority").expect("o"));
    store.create_user(&NewUser { username: &u, password_hash: "x", role: Role::Analyst, organisation_id: &o }, 0).await.expect("user");
    let hosts = Hosts::parse(&["*".to_string()]).expect("hosts");
    let key = SecretKey::from_seed([1; 32]).public().to_string();
    store.put_federation_peer(&PeerConfig { name: name("hub"), url: None, public_key: key.clone(), hosts, link: true, push: false, pull: false }, 0).await.expect("peer");
    let own = name("fr");

    // A body without its report is refused, naming the item; nothing changes.
    let mut broken = body("x");
    broken.as_object_mut().expect("obj").remove("report");
    let bad = Entry { seq: 1, message: incident(1, Op::Upsert, broken), retract: None };
    let err = store.apply_federation_batch(&own, &name("hub"), &[bad], 10).await.expect_err("refused");
    match err {
        StoreError::Invalid(e) => assert_eq!(e.to_string(), "body: incident inc-de-1 from de: missing field `report`"),
        other => panic!("expected invalid, got {other:?}"),
    }
    assert!(store.get_incident("inc-de-1").await.expect("get").is_none());
    assert_eq!(store.federation_peer("hub").await.expect("peer").expect("hub").applied_seq, 0);

    // The copy: the entity learnt from the origin, only the recipient hosted here.
    let e = Entry { seq: 1, message: incident(1, Op::Upsert, body("Interlocking failure")), retract: Some(incident(1, Op::Tombstone, Value::Null)) };
    assert_eq!(store.apply_federation_batch(&own, &name("hub"), &[e], 11).await.expect("apply"), BatchOutcome::Applied { cursor: 1, applied: 1, stale: 0 });
    let copy = store.get_incident("inc-de-1").await.expect("get").expect("copy");
    assert_eq!((copy.entity_id.as_str(), copy.origin_instance.as_deref(), copy.initial_at, copy.version), ("de-op-rail", Some("de"), Some(2_000), 1));
    assert_eq!(copy.recipients.iter().map(|r| r.organisation.as_str()).collect::<Vec<_>>(), ["fr-authority"]);
    assert_eq!(store.incidents_for(Some((&o, None))).await.expect("list").len(), 1);
    assert_eq!(store.incident_updates("inc-de-1").await.expect("updates").len(), 1);

    // A newer version replaces it; the tombstone removes it and is kept.
    let e = Entry { seq: 2, message: incident(2, Op::Upsert, body("Power supply failure")), retract: Some(incident(2, Op::Tombstone, Value::Null)) };
    store.apply_federation_batch(&own, &name("hub"), &[e], 12).await.expect("apply");
    assert_eq!(store.get_incident("inc-de-1").await.expect("get").expect("copy").report.description, "Power supply failure");
    let t = Entry { seq: 3, message: incident(2, Op::Tombstone, Value::Null), retract: None };
    store.apply_federation_batch(&own, &name("hub"), &[t], 13).await.expect("apply");
    assert!(store.get_incident("inc-de-1").await.expect("get").is_none());
    assert!(store.incidents_for(Some((&o, None))).await.expect("list").is_empty());
    assert_eq!(store.federation_item("de", "incident", "inc-de-1").await.expect("item").expect("kept").op, Op::Tombstone);
}

#[tokio::test]
async fn received_incidents_on_sqlite() {
    let db = fresh(Backend::Sqlite).await;
    story(db.store.clone()).await;
}

#[tokio::test]
async fn received_incidents_on_postgres() {
    let db = fresh(Backend::Postgres).await;
    story(db.store.clone()).await;
}
