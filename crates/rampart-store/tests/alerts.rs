//! The alert store's story, on SQLite and on PostgreSQL: drafts, the workflow, one
//! transaction for publication (state, recipients, event), acknowledgements,
//! escalations applied once, and the events table in order.

use rampart_core::alert::{escalate_due, EscalationPolicy, EscalationTarget};
use rampart_core::tlp::Tlp;
use rampart_core::*;
use rampart_store::test_support::fresh;
use rampart_store::{AlertAck, AlertDoc, AlertRecipient, Backend, NewAlert, NewUser, Publication, Store, StoreError};
use serde_json::json;

fn org(id: &str) -> OrgId {
    OrgId::parse(id).expect("org id")
}

fn user(name: &str) -> Username {
    Username::parse(name).expect("username")
}

fn doc(identifier: &str) -> AlertDoc {
    AlertDoc {
        identifier: identifier.into(),
        sender: "fi-authority".into(),
        sent: "2026-11-22T12:00:00+00:00".into(),
        msg_type: "Alert".into(),
        headline: "Storm".into(),
        cap_xml: format!("<alert>{identifier}</alert>"),
    }
}

fn recipient(o: &str, reason: RecipientReason, assets: &[&str]) -> AlertRecipient {
    AlertRecipient { organisation: org(o), username: None, reason, asset_ids: assets.iter().map(|s| s.to_string()).collect(), level: 0, added_at: 5_000 }
}

async fn story(store: Store) {
    for (id, kind, country) in [("fi-authority", "authority", Some("FI")), ("fi-op-grid", "operator", Some("FI")), ("fi-op-water", "operator", Some("FI")), ("eu-body", "eu_body", None)] {
        let o = Organisation::from_json(json!({"id": id, "name": id, "kind": kind, "country": country}).as_object().expect("object")).expect("org");
        store.put_organisation(&o).await.expect("org");
    }
    for (name, role, o) in [("ana", Role::Analyst, "fi-authority"), ("ben", Role::Assessor, "fi-authority"), ("liaison", Role::Operator, "fi-op-grid")] {
        store.create_user(&NewUser { username: &user(name), password_hash: "x", role, organisation_id: &org(o) }, 0).await.expect("user");
    }
    store.set_sharing_profile(&org("fi-op-grid"), &SharingProfile { supervisor: Some(org("eu-body")), liaison: Some(user("liaison")), contact_point: false, precursor_contact_point: false }).await.expect("profile");
    store.set_sharing_profile(&org("fi-op-water"), &SharingProfile { supervisor: Some(org("fi-authority")), liaison: None, contact_point: false, precursor_contact_point: false }).await.expect("profile");

    // A draft; unknown named users and a reused identifier are refused with nothing written.
    let new = |id: &str, identifier: &str, named: Vec<Username>| NewAlert {
        id: id.into(),
        doc: doc(identifier),
        organisation: org("fi-authority"),
        author: user("ana"),
        tlp: Tlp::Amber,
        community: None,
        named,
        references: vec![],
    };
    match store.create_alert(&new("a0", "FI-0", vec![user("nobody")]), 1_000).await {
        Err(StoreError::Invalid(Invalid(e))) => assert_eq!((e[0].field.as_str(), e[0].message.as_str()), ("recipients[0]", "no user nobody")),
        other => panic!("expected invalid, got {other:?}"),
    }
    assert!(store.get_alert("a0").await.expect("get").is_none(), "nothing written");
    let a = store.create_alert(&new("a1", "FI-1", vec![]), 1_000).await.expect("draft");
    assert_eq!((a.state, a.version, a.tlp, a.doc.identifier.as_str()), (AlertState::Draft, 1, Tlp::Amber, "FI-1"));
    match store.create_alert(&new("a2", "FI-1", vec![]), 1_000).await {
        Err(StoreError::Conflict(m)) => assert_eq!(m, "your organisation already holds an alert from sender fi-authority with identifier FI-1"),
        other => panic!("expected a conflict, got {other:?}"),
    }

    // Editing needs the current version; publishing needs approval; a failed publication writes nothing.
    let edited = store.update_draft("a1", 1, &doc("FI-1"), Tlp::AmberStrict, None, &[user("liaison")], 1_100).await.expect("edit");
    assert_eq!((edited.version, edited.tlp, edited.named.clone()), (2, Tlp::AmberStrict, vec![user("liaison")]));
    assert!(matches!(store.update_draft("a1", 1, &doc("FI-1"), Tlp::Amber, None, &[], 1_200).await, Err(StoreError::Conflict(_))));
    let publication = Publication {
        sent: "2026-11-22T12:05:00+00:00".into(),
        cap_xml: "<alert>FI-1 sent</alert>".into(),
        recipients: vec![recipient("fi-authority", RecipientReason::Originator, &[]), recipient("fi-op-grid", RecipientReason::Area, &["FI-SUB-1", "FI-SUB-2"])],
    };
    match store.publish_alert("a1", &publication, 5_000, "ana").await {
        Err(StoreError::Conflict(m)) => assert_eq!(m, "alert a1 is draft; only an approved alert can be published"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!((store.last_event_seq().await.expect("seq"), store.get_alert("a1").await.expect("get").expect("a1").recipients.len()), (0, 0));
    store.transition_alert("a1", &[AlertState::Draft], AlertState::Pending, None, 2_000).await.expect("submit");
    assert!(matches!(store.transition_alert("a1", &[AlertState::Draft], AlertState::Pending, None, 2_000).await, Err(StoreError::Conflict(_))));
    let approved = store.transition_alert("a1", &[AlertState::Pending], AlertState::Approved, Some("ben"), 3_000).await.expect("approve");
    assert_eq!(approved.approver.as_deref(), Some("ben"));
    // A publication that fails partway (here: its last recipient names no organisation,
    // after the state and the first recipient were written) leaves nothing behind.
    let mut broken = publication.clone();
    broken.recipients.push(recipient("no-such-org", RecipientReason::Area, &["X-1"]));
    assert!(matches!(store.publish_alert("a1", &broken, 4_000, "ana").await, Err(StoreError::Database(_))));
    let after = store.get_alert("a1").await.expect("get").expect("a1");
    assert_eq!((after.state, after.published_at, after.recipients.len(), store.last_event_seq().await.expect("seq")), (AlertState::Approved, None, 0, 0));
    assert_eq!(store.audit_list(None, None, 10).await.expect("audit").len(), 0, "a failed publication is not audited");
    let p = store.publish_alert("a1", &publication, 5_000, "ana").await.expect("publish");
    let audited: Vec<(String, String, String, String)> =
        store.audit_list(None, None, 10).await.expect("audit").into_iter().map(|e| (e.actor, e.action, e.object_kind, e.object_id)).collect();
    assert_eq!(audited, vec![("ana".to_string(), "share".to_string(), "alert".to_string(), "a1".to_string())]);
    assert_eq!((p.state, p.published_at, p.doc.sent.as_str(), p.doc.cap_xml.as_str()), (AlertState::Published, Some(5_000), "2026-11-22T12:05:00+00:00", "<alert>FI-1 sent</alert>"));
    assert_eq!(p.recipients[1].asset_ids, vec!["FI-SUB-1", "FI-SUB-2"]);
    let access = p.access();
    assert_eq!(access.recipient_clients, Vec::<OrgId>::new(), "the originator's clients are not clients of a recipient");
    assert_eq!((access.recipients.clone(), access.named.clone()), (vec![org("fi-authority"), org("fi-op-grid")], vec![user("liaison")]));
    let events = store.events_after(0, 10).await.expect("events");
    assert_eq!(events.iter().map(|e| (e.seq, e.kind.as_str(), e.alert_id.as_str())).collect::<Vec<_>>(), vec![(1, "published", "a1")]);
    assert_eq!(store.alerts_by_reference("fi-authority", "FI-1", Some("2026-11-22T12:05:00+00:00")).await.expect("by ref").len(), 1);
    assert!(store.alerts_by_reference("fi-authority", "FI-1", Some("2026-11-22T12:00:00+00:00")).await.expect("by ref").is_empty());

    // Escalation: not before 15 minutes; once per level, even when two sweeps apply the same decision.
    let policy = EscalationPolicy { liaison_after_ms: 15 * 60_000, authority_after_ms: 60 * 60_000 };
    let pending = store.unacknowledged_alerts().await.expect("pending");
    assert_eq!(pending.iter().map(|u| (u.alert_id.as_str(), u.organisation.as_str(), u.level)).collect::<Vec<_>>(), vec![("a1", "fi-op-grid", 0)]);
    assert!(escalate_due(5_000 + 15 * 60_000 - 1, policy, &pending).is_empty());
    let due = escalate_due(5_000 + 61 * 60_000, policy, &pending);
    assert_eq!(due.iter().map(|e| (e.level, e.target.clone())).collect::<Vec<_>>(), vec![(1, EscalationTarget::Liaison(user("liaison"))), (2, EscalationTarget::Authority(org("eu-body")))]);
    let (x, y) = tokio::join!(store.apply_escalations(&due, 9_000), store.apply_escalations(&due, 9_000));
    assert_eq!(x.expect("sweep") + y.expect("sweep"), 2, "each escalation is applied once");
    assert_eq!(store.alert_escalations("a1").await.expect("escalations").iter().map(|(o, l, t, _)| (o.to_string(), *l, t.clone())).collect::<Vec<_>>(),
        vec![("fi-op-grid".to_string(), 1, "liaison".to_string()), ("fi-op-grid".to_string(), 2, "eu-body".to_string())]);
    let escalated = store.get_alert("a1").await.expect("get").expect("a1").access();
    assert!(escalated.recipients.contains(&org("eu-body")));
    assert_eq!(escalated.recipient_clients, vec![org("fi-op-grid")], "the EU body's client");
    assert_eq!(store.unacknowledged_alerts().await.expect("pending")[0].level, 2);

    // Acknowledgement: once per organisation; afterwards nothing is pending.
    let ack = AlertAck { organisation: org("fi-op-grid"), username: "liaison".into(), at: 10_000, identifier: "ACK-1".into(), cap_xml: "<alert>ack</alert>".into() };
    store.ack_alert("a1", &ack, &org("fi-authority")).await.expect("ack");
    match store.ack_alert("a1", &ack, &org("fi-authority")).await {
        Err(StoreError::Conflict(m)) => assert_eq!(m, "fi-op-grid has already acknowledged this alert"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(store.alert_acks("a1").await.expect("acks"), vec![ack]);
    assert!(store.unacknowledged_alerts().await.expect("pending").is_empty());
    let events = store.events_after(1, 10).await.expect("events");
    assert_eq!(
        events.iter().map(|e| (e.seq, e.kind.as_str(), e.audience.iter().map(|o| o.to_string()).collect::<Vec<_>>().join(","))).collect::<Vec<_>>(),
        vec![(2, "escalated", "fi-authority,fi-op-grid".to_string()), (3, "escalated", "fi-authority,eu-body".to_string()), (4, "acknowledged", "fi-authority,fi-op-grid".to_string())]
    );

    // An update follows the alert; the followed alert is no longer escalated or listed as live.
    let mut upd = new("a3", "FI-2", vec![]);
    upd.doc.msg_type = "Update".into();
    upd.references = vec!["a1".into()];
    store.create_alert(&upd, 11_000).await.expect("update draft");
    store.transition_alert("a3", &[AlertState::Draft], AlertState::Approved, Some("ben"), 11_100).await.expect("approve");
    store.publish_alert("a3", &Publication { sent: "2026-11-22T12:30:00+00:00".into(), cap_xml: "<alert>u</alert>".into(), recipients: vec![] }, 12_000, "ana").await.expect("publish");
    assert_eq!(store.get_alert("a1").await.expect("get").expect("a1").followed_by.as_deref(), Some("a3"));
    assert_eq!(store.get_alert("a3").await.expect("get").expect("a3").references, vec!["a1"]);
    assert_eq!(store.list_alerts(None).await.expect("list").iter().map(|a| a.id.as_str()).collect::<Vec<_>>(), vec!["a3", "a1"]);
    assert!(matches!(store.delete_draft("a3").await, Err(StoreError::Conflict(_))));
    assert_eq!(store.last_event_seq().await.expect("seq"), 5);
}

#[tokio::test]
async fn alerts_on_sqlite() {
    let db = fresh(Backend::Sqlite).await;
    story(db.store.clone()).await;
}

#[tokio::test]
async fn alerts_on_postgres() {
    let db = fresh(Backend::Postgres).await;
    story(db.store.clone()).await;
}
