//! The readable-alerts query equals the brute-force filter: for random alerts (states,
//! labels, communities, named people, recipient organisations and people, message types,
//! acknowledgements, times with ties) and every reader, paging through
//! `Store::readable_alerts` gives exactly the alerts `AlertAccess::may_read` admits, in
//! order — with and without the state and unacknowledged filters. SQLite and PostgreSQL.

use proptest::prelude::*;
use rampart_core::tlp::Tlp;
use rampart_core::*;
use rampart_store::test_support::fresh;
use rampart_store::{AlertAck, AlertCursor, AlertDoc, AlertListQuery, AlertRecipient, Backend, NewAlert, NewUser, Publication, Store, StoredAlert};
use serde_json::json;

const ORGS: [(&str, &str); 6] = [("auth-a", "authority"), ("auth-b", "authority"), ("eu", "eu_body"), ("op-1", "operator"), ("op-2", "operator"), ("op-3", "operator")];
const USERS: [(&str, Role, usize); 8] = [
    ("ana", Role::Analyst, 0),
    ("viv", Role::Viewer, 0),
    ("bob", Role::Assessor, 1),
    ("eve", Role::Admin, 2),
    ("o1", Role::Operator, 3),
    ("o1b", Role::Viewer, 3),
    ("o2", Role::Operator, 4),
    ("o3", Role::Operator, 5),
];
const STATES: [AlertState; 4] = [AlertState::Draft, AlertState::Pending, AlertState::Approved, AlertState::Published];
const REASONS: [RecipientReason; 3] = [RecipientReason::Area, RecipientReason::Followed, RecipientReason::Escalation];
const MSG_TYPES: [&str; 3] = ["Alert", "Update", "Cancel"];

fn org(id: &str) -> OrgId {
    OrgId::parse(id).expect("org id")
}

fn user(name: &str) -> Username {
    Username::parse(name).expect("username")
}

#[derive(Debug, Clone)]
struct Spec {
    originator: usize,
    state: usize,
    tlp: usize,
    community: usize,
    msg_type: usize,
    named: Vec<usize>,
    /// (organisation, reason) recipients besides the originator.
    recipients: Vec<(usize, usize)>,
    /// People added by name (as named recipients or liaison officers).
    people: Vec<usize>,
    acks: Vec<usize>,
    created: i64,
    published: i64,
}

fn spec() -> impl Strategy<Value = Spec> {
    (
        (0..3usize, 0..4usize, 0..5usize, 0..3usize, 0..3usize),
        proptest::collection::vec(0..USERS.len(), 0..2),
        proptest::collection::vec((0..ORGS.len(), 0..REASONS.len()), 0..3),
        proptest::collection::vec(0..USERS.len(), 0..2),
        proptest::collection::vec(0..ORGS.len(), 0..2),
        (0..6i64, 0..6i64),
    )
        .prop_map(|((originator, state, tlp, community, msg_type), named, recipients, people, acks, (created, published))| Spec {
            originator,
            state,
            tlp,
            community,
            msg_type,
            named,
            recipients,
            people,
            acks,
            created,
            published,
        })
}

async fn world(store: &Store) -> Vec<Principal> {
    for (id, kind) in ORGS {
        let country = if kind == "eu_body" { None } else { Some("DE") };
        let o = Organisation::from_json(json!({"id": id, "name": id, "kind": kind, "country": country}).as_object().expect("object")).expect("org");
        store.put_organisation(&o).await.expect("org");
    }
    for (name, role, o) in USERS {
        store.create_user(&NewUser { username: &user(name), password_hash: "x", role, organisation_id: &org(ORGS[o].0) }, 0).await.expect("user");
    }
    for (client, supervisor) in [("op-1", "auth-a"), ("op-2", "auth-b"), ("op-3", "auth-a"), ("auth-b", "eu")] {
        let p = SharingProfile { supervisor: Some(org(supervisor)), liaison: None, contact_point: false, precursor_contact_point: false };
        store.set_sharing_profile(&org(client), &p).await.expect("profile");
    }
    for (id, members) in [("c1", json!(["auth-a", "op-1"])), ("c2", json!(["auth-b", "op-2", "op-3"]))] {
        let c = Community::from_json(json!({"id": id, "name": id, "members": members}).as_object().expect("object")).expect("community");
        store.put_community(&c).await.expect("community");
    }
    let mut readers = Vec::new();
    for (name, _, _) in USERS {
        readers.push(store.principal(name).await.expect("principal").expect("enabled"));
    }
    readers
}

async fn write(store: &Store, i: usize, s: &Spec) {
    let id = format!("al{i:03}");
    let originator = org(ORGS[s.originator].0);
    let author = USERS.iter().find(|u| u.2 == s.originator).map(|u| u.0).expect("an author");
    let community = [None, Some("c1"), Some("c2")][s.community].map(|c| CommunityId::parse(c).expect("community"));
    let new = NewAlert {
        id: id.clone(),
        doc: AlertDoc {
            identifier: id.clone(),
            sender: originator.to_string(),
            sent: "2026-11-22T12:00:00+00:00".into(),
            msg_type: MSG_TYPES[s.msg_type].into(),
            headline: id.clone(),
            cap_xml: "<alert/>".into(),
        },
        organisation: originator.clone(),
        author: user(author),
        tlp: Tlp::ALL[s.tlp],
        community,
        named: s.named.iter().map(|&u| user(USERS[u].0)).collect(),
        references: vec![],
    };
    store.create_alert(&new, s.created).await.expect("create");
    let state = STATES[s.state];
    if state == AlertState::Draft {
        return;
    }
    let to = if state == AlertState::Pending { AlertState::Pending } else { AlertState::Approved };
    store.transition_alert(&id, &[AlertState::Draft], to, None, s.created).await.expect("transition");
    if state != AlertState::Published {
        return;
    }
    let at = s.created + s.published;
    let mut recipients = vec![AlertRecipient { organisation: originator.clone(), username: None, reason: RecipientReason::Originator, asset_ids: vec![], level: 0, added_at: at }];
    for &(o, r) in &s.recipients {
        if !recipients.iter().any(|x| x.username.is_none() && x.organisation.as_str() == ORGS[o].0) {
            recipients.push(AlertRecipient { organisation: org(ORGS[o].0), username: None, reason: REASONS[r], asset_ids: vec![], level: 0, added_at: at });
        }
    }
    let mut people = s.people.clone();
    people.sort_unstable();
    people.dedup();
    for u in people {
        let (name, _, o) = USERS[u];
        recipients.push(AlertRecipient { organisation: org(ORGS[o].0), username: Some(user(name)), reason: RecipientReason::Named, asset_ids: vec![], level: 0, added_at: at });
    }
    store.publish_alert(&id, &Publication { sent: "2026-11-22T12:00:00+00:00".into(), cap_xml: "<alert/>".into(), recipients }, at, author).await.expect("publish");
    let mut acks = s.acks.clone();
    acks.sort_unstable();
    acks.dedup();
    for o in acks {
        let ack = AlertAck { organisation: org(ORGS[o].0), username: "x".into(), at, identifier: format!("{id}-ack-{o}"), cap_xml: "<alert/>".into() };
        store.ack_alert(&id, &ack, &originator).await.expect("ack");
    }
}

/// The server's rule for who acknowledges an alert (`rampart_server::alerts::acknowledger`).
fn may_acknowledge(a: &StoredAlert, p: &Principal) -> bool {
    if a.state != AlertState::Published || p.organisation == a.organisation || !matches!(a.doc.msg_type.as_str(), "Alert" | "Update") {
        return false;
    }
    a.recipients.iter().any(|r| r.organisation == p.organisation && (r.username.is_none() || r.username.as_ref() == Some(&p.username))) || a.named.contains(&p.username)
}

async fn brute_force(store: &Store, all: &[StoredAlert], p: &Principal, q: &AlertListQuery) -> Vec<String> {
    let mut out = Vec::new();
    for a in all {
        if !a.access().may_read(p) || q.state.is_some_and(|s| s != a.state) || q.community.as_ref().is_some_and(|c| a.community.as_ref() != Some(c)) {
            continue;
        }
        if q.unacknowledged {
            let acked = store.alert_acks(&a.id).await.expect("acks").iter().any(|k| k.organisation == p.organisation);
            if !may_acknowledge(a, p) || acked {
                continue;
            }
        }
        out.push((a.published_at.unwrap_or(a.created_at), a.id.clone()));
    }
    out.sort_by(|x, y| y.cmp(x));
    out.into_iter().map(|(_, id)| id).collect()
}

/// Every page of the query alone (without the store's second `may_read` check, so a
/// query that admits too much fails here).
async fn paged(store: &Store, p: &Principal, q: &AlertListQuery) -> Vec<String> {
    let mut q = q.clone();
    let mut out = Vec::new();
    loop {
        let (page, next) = store.readable_alert_keys(p, &q).await.expect("page");
        assert!(page.len() <= q.limit as usize);
        out.extend(page.into_iter().map(|c| c.id));
        match next {
            Some(c) => q.before = Some(AlertCursor::parse(&c.to_string()).expect("cursor")),
            None => return out,
        }
    }
}

/// The first page as `readable_alerts` hands it out, with the alerts loaded.
async fn first_page(store: &Store, p: &Principal, q: &AlertListQuery) -> Vec<String> {
    store.readable_alerts(p, q).await.expect("page").items.into_iter().map(|a| a.id).collect()
}

async fn check(backend: Backend, specs: Vec<Spec>) {
    let db = fresh(backend).await;
    let store = &db.store;
    let readers = world(store).await;
    for (i, s) in specs.iter().enumerate() {
        write(store, i, s).await;
    }
    let all = store.list_alerts(None).await.expect("all");
    // A page's alerts are read in a few queries, each exactly as `get_alert` reads it.
    let ids: Vec<String> = all.iter().rev().map(|a| a.id.clone()).collect();
    let mut one_by_one = Vec::new();
    for id in &ids {
        one_by_one.push(store.get_alert(id).await.expect("get").expect("exists"));
    }
    assert_eq!(store.alerts_by_ids(&ids).await.expect("by ids"), one_by_one);
    for p in &readers {
        for q in [
            AlertListQuery { limit: 3, ..Default::default() },
            AlertListQuery { limit: 1000, ..Default::default() },
            AlertListQuery { state: Some(AlertState::Published), limit: 2, ..Default::default() },
            AlertListQuery { state: Some(AlertState::Draft), limit: 4, ..Default::default() },
            AlertListQuery { unacknowledged: true, limit: 2, ..Default::default() },
            AlertListQuery { state: Some(AlertState::Published), community: Some(CommunityId::parse("c2").expect("id")), limit: 2, ..Default::default() },
        ] {
            let expected = brute_force(store, &all, p, &q).await;
            assert_eq!(paged(store, p, &q).await, expected, "reader {} with {q:?}", p.username);
            let first: Vec<String> = expected.into_iter().take(q.limit as usize).collect();
            assert_eq!(first_page(store, p, &q).await, first, "reader {} with {q:?}", p.username);
        }
    }
    store.close().await;
}

fn run(backend: Backend, specs: Vec<Spec>) {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(check(backend, specs));
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 16, ..ProptestConfig::default() })]

    #[test]
    fn the_query_equals_may_read_on_sqlite(specs in proptest::collection::vec(spec(), 1..30)) {
        run(Backend::Sqlite, specs);
    }

    #[test]
    fn the_query_equals_may_read_on_postgres(specs in proptest::collection::vec(spec(), 1..30)) {
        run(Backend::Postgres, specs);
    }
}

/// A hand-written case the random ones may miss: a client of a recipient reads an AMBER
/// alert, a client of the originator does not; RED only by name; a draft only by the
/// originator's issuers.
#[tokio::test]
async fn clients_names_and_drafts() {
    let db = fresh(Backend::Sqlite).await;
    let store = &db.store;
    let readers = world(store).await;
    let base = Spec { originator: 0, state: 3, tlp: 2, community: 0, msg_type: 0, named: vec![], recipients: vec![], people: vec![], acks: vec![], created: 1, published: 1 };
    // al000: auth-a sends AMBER to auth-b; op-2 (client of auth-b) reads it, op-1 and op-3 (clients of auth-a, the originator) do not.
    write(store, 0, &Spec { recipients: vec![(1, 0)], ..base.clone() }).await;
    // al001: RED named o3 only.
    write(store, 1, &Spec { tlp: 4, people: vec![7], created: 2, ..base.clone() }).await;
    // al002: a draft of auth-a.
    write(store, 2, &Spec { state: 0, created: 3, ..base.clone() }).await;
    let ids = |p: &Principal| {
        let p = p.clone();
        async move { paged(store, &p, &AlertListQuery { limit: 10, ..Default::default() }).await }
    };
    let by_name = |n: &str| readers.iter().find(|p| p.username.as_str() == n).expect("reader").clone();
    assert_eq!(ids(&by_name("ana")).await, vec!["al002", "al001", "al000"]);
    assert_eq!(ids(&by_name("viv")).await, vec!["al001", "al000"], "a viewer of the originator does not see drafts");
    assert_eq!(ids(&by_name("bob")).await, vec!["al000"]);
    assert_eq!(ids(&by_name("o2")).await, vec!["al000"]);
    assert_eq!(ids(&by_name("o1")).await, Vec::<String>::new());
    assert_eq!(ids(&by_name("o3")).await, vec!["al001"]);
    assert_eq!(ids(&by_name("eve")).await, Vec::<String>::new(), "TLP binds administrators too");
}
