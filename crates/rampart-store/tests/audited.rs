//! Changes to the directory, accounts and sessions and their audit entries are written
//! in one transaction, on SQLite and on PostgreSQL: a change and its entry are both
//! there; a change refused by validation writes neither; the chain verifies.

use rampart_core::*;
use rampart_store::test_support::fresh;
use rampart_store::{AuditAction, Backend, NewAuditEntry, NewUser, Store, StoreError};
use serde_json::{json, Value};

fn org(id: &str) -> OrgId {
    OrgId::parse(id).expect("org id")
}

fn user(name: &str) -> Username {
    Username::parse(name).expect("username")
}

fn organisation(id: &str, kind: &str) -> Organisation {
    Organisation::from_json(json!({"id": id, "name": id, "kind": kind, "country": "DE"}).as_object().expect("object")).expect("organisation")
}

fn entry<'a>(action: AuditAction, kind: &'a str, id: &'a str) -> NewAuditEntry<'a> {
    NewAuditEntry { at: 1_000, actor: "admin", action, object_kind: kind, object_id: id, detail: json!({}) }
}

/// (action, object kind, object id) of every entry, in order.
async fn trail(store: &Store) -> Vec<(String, String, String)> {
    store.audit_list(None, None, 1000).await.expect("audit").into_iter().map(|e| (e.action, e.object_kind, e.object_id)).collect()
}

fn t(action: &str, kind: &str, id: &str) -> (String, String, String) {
    (action.into(), kind.into(), id.into())
}

async fn story(store: Store) {
    // Organisations.
    store.put_organisation_audited(&organisation("de-bbk", "authority"), &entry(AuditAction::Create, "organisation", "de-bbk")).await.expect("org");
    store.put_organisation_audited(&organisation("de-op-grid", "operator"), &entry(AuditAction::Create, "organisation", "de-op-grid")).await.expect("org");
    assert!(store.get_organisation(&org("de-bbk")).await.expect("get").is_some());

    // Users: an unknown organisation is refused and audits nothing.
    let refused = store
        .create_user_audited(&NewUser { username: &user("x"), password_hash: "h", role: Role::Analyst, organisation_id: &org("nowhere") }, 1_000, &entry(AuditAction::Create, "user", "x"))
        .await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");
    assert!(store.get_user("x").await.expect("get").is_none());
    let new = NewUser { username: &user("ana"), password_hash: "h", role: Role::Analyst, organisation_id: &org("de-bbk") };
    store.create_user_audited(&new, 1_000, &entry(AuditAction::Create, "user", "ana")).await.expect("user");
    let twice = store.create_user_audited(&new, 1_000, &entry(AuditAction::Create, "user", "ana")).await;
    assert!(matches!(twice, Err(StoreError::Conflict(_))), "{twice:?}");
    store.update_user_audited(&user("ana"), Some(Role::Assessor), None, None, &entry(AuditAction::Change, "user", "ana")).await.expect("change");
    let missing = store.update_user_audited(&user("nobody"), Some(Role::Assessor), None, None, &entry(AuditAction::Change, "user", "nobody")).await;
    assert!(matches!(missing, Err(StoreError::NotFound(_))), "{missing:?}");
    assert_eq!(store.get_user("ana").await.expect("get").map(|u| u.role), Some(Role::Assessor));

    // Communities: an unknown member is refused and audits nothing.
    let bad = Community::from_json(json!({"id": "grid", "name": "Grid", "members": ["de-bbk", "nowhere"]}).as_object().expect("object")).expect("community");
    match store.put_community_audited(&bad, &entry(AuditAction::Create, "community", "grid")).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.to_string(), "members[1]: no organisation nowhere"),
        other => panic!("expected the unknown member to be named, got {other:?}"),
    }
    assert!(store.get_community(&bad.id).await.expect("get").is_none());
    let good = Community::from_json(json!({"id": "grid", "name": "Grid", "members": ["de-bbk", "de-op-grid"]}).as_object().expect("object")).expect("community");
    store.put_community_audited(&good, &entry(AuditAction::Create, "community", "grid")).await.expect("community");
    let gone = CommunityId::parse("gone").expect("id");
    assert!(matches!(store.delete_community_audited(&gone, &entry(AuditAction::Delete, "community", "gone")).await, Err(StoreError::NotFound(_))));

    // Sharing profiles: an operator cannot supervise; refused, nothing audited.
    let profile = |v: Value| SharingProfile::from_json(v.as_object().expect("object")).expect("profile");
    let refused = store.set_sharing_profile_audited(&org("de-bbk"), &profile(json!({"supervisor": "de-op-grid"})), &entry(AuditAction::Change, "sharing_profile", "de-bbk")).await;
    assert!(matches!(refused, Err(StoreError::Invalid(_))), "{refused:?}");
    store.set_sharing_profile_audited(&org("de-op-grid"), &profile(json!({"supervisor": "de-bbk"})), &entry(AuditAction::Change, "sharing_profile", "de-op-grid")).await.expect("profile");
    assert_eq!(store.clients_of(&org("de-bbk")).await.expect("clients"), vec![org("de-op-grid")]);

    // Sessions and tokens.
    store.record_login_failure_audited("ana", 1_000, &entry(AuditAction::Reject, "session", "")).await.expect("failure");
    assert_eq!(store.login_failures_since("ana", 0).await.expect("failures"), 1);
    store.create_session_audited("session-hash", "ana", "csrf", 1_000, 9_000, &entry(AuditAction::Login, "session", "")).await.expect("login");
    assert!(store.session("session-hash", 2_000).await.expect("session").is_some());
    store.delete_session_audited(Some("session-hash"), &entry(AuditAction::Logout, "session", "")).await.expect("logout");
    assert!(store.session("session-hash", 2_000).await.expect("session").is_none());
    store.create_api_token_audited("token-hash", "ana", "nightly", 1_000, None, &entry(AuditAction::Create, "token", "nightly")).await.expect("token");
    assert!(store.api_token("token-hash", 2_000).await.expect("token").is_some());

    // Deleting: an organisation with users is refused and audits nothing.
    assert!(matches!(store.delete_organisation_audited(&org("de-bbk"), &entry(AuditAction::Delete, "organisation", "de-bbk")).await, Err(StoreError::Conflict(_))));
    store.delete_community_audited(&good.id, &entry(AuditAction::Delete, "community", "grid")).await.expect("delete community");
    store.put_organisation_audited(&organisation("de-spare", "operator"), &entry(AuditAction::Create, "organisation", "de-spare")).await.expect("org");
    store.delete_organisation_audited(&org("de-spare"), &entry(AuditAction::Delete, "organisation", "de-spare")).await.expect("delete org");
    assert!(store.get_organisation(&org("de-spare")).await.expect("get").is_none());

    assert_eq!(
        trail(&store).await,
        vec![
            t("create", "organisation", "de-bbk"),
            t("create", "organisation", "de-op-grid"),
            t("create", "user", "ana"),
            t("change", "user", "ana"),
            t("create", "community", "grid"),
            t("change", "sharing_profile", "de-op-grid"),
            t("reject", "session", ""),
            t("login", "session", ""),
            t("logout", "session", ""),
            t("create", "token", "nightly"),
            t("delete", "community", "grid"),
            t("create", "organisation", "de-spare"),
            t("delete", "organisation", "de-spare"),
        ]
    );
    let report = store.audit_verify().await.expect("verify");
    assert_eq!((report.entries, report.first_break), (13, None));
}

#[tokio::test]
async fn changes_and_their_audit_entries_on_sqlite() {
    let db = fresh(Backend::Sqlite).await;
    story(db.store.clone()).await;
}

#[tokio::test]
async fn changes_and_their_audit_entries_on_postgres() {
    let db = fresh(Backend::Postgres).await;
    story(db.store.clone()).await;
}
