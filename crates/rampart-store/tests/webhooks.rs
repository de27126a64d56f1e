//! The webhook store's story, on SQLite and on PostgreSQL: due only when behind the
//! newest event, one lease holder at a time, every write of a worker fenced by its lease,
//! the cursor moved with its attempt in one transaction, pausing keeps the cursor.

use rampart_core::tlp::Tlp;
use rampart_core::*;
use rampart_store::test_support::fresh;
use rampart_store::{AlertDoc, AlertRecipient, Backend, NewAlert, NewUser, Publication, Store, WebhookAttempt, WebhookChange, WebhookFailure, WebhookRecord};
use serde_json::json;

fn org(id: &str) -> OrgId {
    OrgId::parse(id).expect("org id")
}

/// Publishes alert `id`, writing one `published` event.
async fn publish(store: &Store, id: &str, at: i64) {
    let doc = AlertDoc { identifier: id.into(), sender: "fi-authority".into(), sent: "2026-11-22T12:00:00+00:00".into(), msg_type: "Alert".into(), headline: "Storm".into(), cap_xml: format!("<alert>{id}</alert>") };
    let new = NewAlert { id: id.into(), doc, organisation: org("fi-authority"), author: Username::parse("ana").expect("name"), tlp: Tlp::Amber, community: None, named: vec![], references: vec![] };
    store.create_alert(&new, at).await.expect("draft");
    store.transition_alert(id, &[AlertState::Draft], AlertState::Pending, None, at).await.expect("submit");
    store.transition_alert(id, &[AlertState::Pending], AlertState::Approved, Some("ben"), at).await.expect("approve");
    let recipient = AlertRecipient { organisation: org("fi-op-grid"), username: None, reason: RecipientReason::Area, asset_ids: vec![], level: 0, added_at: at };
    store.publish_alert(id, &Publication { sent: "2026-11-22T12:05:00+00:00".into(), cap_xml: format!("<alert>{id} sent</alert>"), recipients: vec![recipient] }, at, "publisher").await.expect("publish");
}

fn attempt(seq: i64, at: i64, outcome: &str) -> WebhookAttempt {
    WebhookAttempt {
        delivery_id: format!("w1-{seq}"),
        seq: Some(seq),
        kind: "published".into(),
        alert_id: Some(format!("a{seq}")),
        attempt: 1,
        at,
        outcome: outcome.into(),
        status_code: Some(if outcome == "delivered" { 200 } else { 500 }),
        error: None,
        duration_ms: 3,
        next_attempt_at: None,
    }
}

async fn story(store: Store) {
    for (id, kind, country) in [("fi-authority", "authority", Some("FI")), ("fi-op-grid", "operator", Some("FI"))] {
        store.put_organisation(&Organisation::from_json(json!({"id": id, "name": id, "kind": kind, "country": country}).as_object().expect("object")).expect("org")).await.expect("org");
    }
    for (name, role, o) in [("ana", Role::Analyst, "fi-authority"), ("ben", Role::Assessor, "fi-authority"), ("op", Role::Operator, "fi-op-grid")] {
        store.create_user(&NewUser { username: &Username::parse(name).expect("name"), password_hash: "x", role, organisation_id: &org(o) }, 0).await.expect("user");
    }
    let w = WebhookRecord {
        id: "w1".into(),
        organisation: org("fi-op-grid"),
        url: "https://soc.example.org/hook".into(),
        kinds: vec!["published".into(), "relabelled".into()],
        description: String::new(),
        secret: "whsec_test".into(),
        status: "active".into(),
        created_by: "op".into(),
        created_at: 1_000,
        updated_at: 1_000,
        after_seq: 0,
        failures: 0,
        failing_since: None,
        next_attempt_at: 0,
        last_attempt_at: None,
        last_success_at: None,
    };
    store.create_webhook(&w).await.expect("create");
    assert_eq!(store.get_webhook("w1").await.expect("get"), Some(w.clone()));
    assert_eq!(store.due_webhooks(2_000).await.expect("due"), Vec::<String>::new(), "nothing to send yet");

    publish(&store, "a1", 2_000).await;
    publish(&store, "a2", 2_000).await;
    assert_eq!(store.due_webhooks(3_000).await.expect("due"), ["w1"]);
    // One lease holder at a time, until the lease runs out.
    assert!(store.claim_webhook("w1", "p1", 3_000, 4_000).await.expect("claim"));
    assert!(!store.claim_webhook("w1", "p2", 3_500, 5_000).await.expect("claim"));
    assert_eq!(store.due_webhooks(3_500).await.expect("due"), Vec::<String>::new(), "leased");
    assert!(store.claim_webhook("w1", "p2", 4_000, 9_000).await.expect("claim after the lease ran out"));
    // The first holder's writes are refused now, and write nothing.
    assert!(!store.webhook_delivered("w1", "p1", &attempt(1, 4_100, "delivered"), 10_000).await.expect("fenced"));
    let failure = WebhookFailure { attempt: attempt(1, 4_100, "failed"), failures: 1, failing_since: 4_100, status: "active".into(), next_attempt_at: 14_100 };
    assert!(!store.webhook_failed("w1", "p1", &failure).await.expect("fenced"));
    assert!(!store.webhook_skip("w1", "p1", 1, 10_000).await.expect("fenced"));
    assert_eq!(store.webhook_attempts("w1", 10).await.expect("log"), vec![]);
    // The holder's delivery moves the cursor with its attempt.
    assert!(store.webhook_delivered("w1", "p2", &attempt(1, 4_200, "delivered"), 10_000).await.expect("delivered"));
    assert!(!store.webhook_delivered("w1", "p2", &attempt(1, 4_300, "delivered"), 10_000).await.expect("not twice"), "the cursor is past it");
    assert!(store.webhook_failed("w1", "p2", &WebhookFailure { attempt: attempt(2, 4_400, "failed"), ..failure.clone() }).await.expect("failed"));
    store.release_webhook("w1", "p2").await.expect("release");
    let after = store.get_webhook("w1").await.expect("get").expect("w1");
    assert_eq!((after.after_seq, after.failures, after.failing_since, after.next_attempt_at, after.last_success_at, after.last_attempt_at), (1, 1, Some(4_100), 14_100, Some(4_200), Some(4_400)));
    assert_eq!(store.webhook_attempt_count("w1", "w1-2").await.expect("count"), 1);
    assert_eq!(store.webhook_attempts("w1", 10).await.expect("log").iter().map(|a| (a.seq, a.outcome.as_str())).collect::<Vec<_>>(), [(Some(2), "failed"), (Some(1), "delivered")]);
    assert_eq!(store.due_webhooks(14_000).await.expect("due"), Vec::<String>::new(), "waiting for its retry");
    assert_eq!(store.due_webhooks(14_100).await.expect("due"), ["w1"]);

    // Paused: not due, cursor kept; resumed: due at once, and a failing one stays failing.
    let paused = store.update_webhook("w1", &WebhookChange { status: Some("paused".into()), ..WebhookChange::default() }, "op", 15_000).await.expect("pause");
    assert_eq!((paused.status.as_str(), paused.after_seq), ("paused", 1));
    assert_eq!(store.due_webhooks(20_000).await.expect("due"), Vec::<String>::new());
    assert!(!store.claim_webhook("w1", "p3", 20_000, 30_000).await.expect("claim"), "a paused webhook is not claimed");
    let resumed = store.update_webhook("w1", &WebhookChange { status: Some("active".into()), ..WebhookChange::default() }, "op", 21_000).await.expect("resume");
    assert_eq!((resumed.status.as_str(), resumed.next_attempt_at), ("active", 21_000));
    let changed = store.update_webhook("w1", &WebhookChange { kinds: Some(vec!["published".into()]), url: Some("https://soc.example.org/v2".into()), ..WebhookChange::default() }, "op", 22_000).await.expect("change");
    assert_eq!((changed.kinds.clone(), changed.url.as_str(), changed.status.as_str()), (vec!["published".to_string()], "https://soc.example.org/v2", "active"));
    // A new URL is tried at once, not after the old one's back-off.
    assert!(store.claim_webhook("w1", "p4", 22_000, 30_000).await.expect("claim"));
    let failure = WebhookFailure { attempt: attempt(2, 22_000, "failed"), failures: 2, failing_since: 4_100, status: "active".into(), next_attempt_at: 52_000 };
    assert!(store.webhook_failed("w1", "p4", &failure).await.expect("failed"));
    store.release_webhook("w1", "p4").await.expect("release");
    assert_eq!(store.due_webhooks(23_000).await.expect("due"), Vec::<String>::new());
    let moved = store.update_webhook("w1", &WebhookChange { url: Some("https://soc.example.org/v3".into()), ..WebhookChange::default() }, "op", 23_000).await.expect("change");
    assert_eq!((moved.next_attempt_at, moved.failures), (23_000, 2));
    assert_eq!(store.due_webhooks(23_000).await.expect("due"), ["w1"]);

    // The log keeps the newest 1,000 attempts.
    for i in 0..1_005 {
        let ping = WebhookAttempt { delivery_id: format!("w1-ping-{i}"), seq: None, kind: "ping".into(), alert_id: None, ..attempt(0, 30_000 + i, "delivered") };
        store.webhook_pinged("w1", &ping).await.expect("ping");
    }
    let log = store.webhook_attempts("w1", 2_000).await.expect("log");
    assert_eq!((log.len(), log[0].delivery_id.as_str(), log[999].delivery_id.as_str()), (1_000, "w1-ping-1004", "w1-ping-5"));

    // Removed with its log; the audit trail has the changes and never the secret.
    store.delete_webhook("w1", "op", 24_000).await.expect("delete");
    assert_eq!(store.get_webhook("w1").await.expect("get"), None);
    assert_eq!(store.webhook_attempts("w1", 10).await.expect("log"), vec![]);
    assert!(matches!(store.delete_webhook("w1", "op", 23_000).await, Err(rampart_store::StoreError::NotFound(_))));
    let trail: Vec<_> = store.audit_list(None, None, 100).await.expect("audit").into_iter().filter(|e| e.object_kind == "webhook").collect();
    assert_eq!(trail.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(), ["create", "change", "change", "change", "change", "delete"]);
    assert_eq!(trail[0].detail, json!({"organisation": "fi-op-grid", "url": "https://soc.example.org/hook", "kinds": ["published", "relabelled"], "status": "active"}));
    assert!(trail.iter().all(|e| !e.detail.to_string().contains("whsec_")));
}

#[tokio::test]
async fn webhooks_on_sqlite() {
    let db = fresh(Backend::Sqlite).await;
    story(db.store.clone()).await;
}

#[tokio::test]
async fn webhooks_on_postgres() {
    let db = fresh(Backend::Postgres).await;
    story(db.store.clone()).await;
}
