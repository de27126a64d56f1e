//! Incident notifications and library documents across three Rampart instances (`de`, `eu-hub`, `fr`, linked
//! as in the alert story): a German operator's notification routed to France's contact
//! point is read there by that authority only, its later detailed report follows, and
//! the copy is read-only where it arrived; a GREEN community document is found by
//! full-text search by the community member only, and its deletion travels as a tombstone.

use crate::federation::{add_peer, helpers_now, instance, key, rounds, Link};
use rampart_core::federation::{Hosts, InstanceName};
use rampart_core::{Community, Role};
use rampart_store::{Backend, PeerConfig};
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn incidents_and_library_documents_reach_exactly_their_readers_on_other_instances() {
    items_story(Backend::Sqlite).await;
}

/// The same with the hub on PostgreSQL.
#[tokio::test]
async fn incidents_and_library_documents_cross_a_hub_on_postgres() {
    items_story(Backend::Postgres).await;
}

async fn items_story(hub_backend: Backend) {
    let de = instance(
        Backend::Sqlite,
        "de",
        1,
        &[("de-authority", "authority", Some("DE")), ("de-op-rail", "operator", Some("DE")), ("fr-authority", "authority", Some("FR"))],
        &[("admin.de", Role::Admin, "de-authority"), ("operator.de", Role::Operator, "de-op-rail"), ("analyst.de", Role::Analyst, "de-authority")],
    )
    .await;
    let hub = instance(hub_backend, "eu-hub", 2, &[("eu-body", "eu_body", None)], &[("viewer.eu", Role::Viewer, "eu-body")]).await;
    let fr = instance(
        Backend::Sqlite,
        "fr",
        3,
        &[("fr-authority", "authority", Some("FR")), ("fr-op-water", "operator", Some("FR"))],
        &[("admin.fr", Role::Admin, "fr-authority"), ("analyst.fr", Role::Analyst, "fr-authority"), ("water.fr", Role::Operator, "fr-op-water")],
    )
    .await;
    let de_orgs = ["de-authority", "de-op-rail"];
    let fr_orgs = ["fr-authority", "fr-op-water"];
    add_peer(&de, "eu-hub", Some(&hub.base), 2, &["*"], Link::PushPull).await;
    add_peer(&de, "fr", None, 3, &fr_orgs, Link::OriginOnly).await;
    add_peer(&fr, "eu-hub", Some(&hub.base), 2, &["*"], Link::PushPull).await;
    add_peer(&fr, "de", None, 1, &de_orgs, Link::OriginOnly).await;
    // The hub is linked to both; they open the connections.
    for (name, seed, hosts) in [("de", 1, de_orgs), ("fr", 3, fr_orgs)] {
        let c = PeerConfig {
            name: InstanceName::parse(name).expect("name"),
            url: None,
            public_key: key(seed).public().to_string(),
            hosts: Hosts::parse(&hosts.iter().map(|s| s.to_string()).collect::<Vec<_>>()).expect("hosts"),
            link: true,
            push: false,
            pull: false,
        };
        hub.state.store.put_federation_peer(&c, helpers_now(&hub)).await.expect("peer");
    }

    // de's sharing directory: the rail operator is supervised by the German authority;
    // France's contact point is fr-authority.
    let admin_de = de.login("admin.de").await;
    for (org, profile) in [("de-op-rail", json!({"supervisor": "de-authority"})), ("de-authority", json!({"contact_point": true})), ("fr-authority", json!({"contact_point": true}))] {
        let r = admin_de.send(Method::PUT, &format!("/api/v1/organisations/{org}/sharing"), Some(profile)).await;
        assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    }

    // The operator notifies an incident affecting France.
    let operator = de.login("operator.de").await;
    let r = operator
        .send(
            Method::POST,
            "/api/v1/incidents",
            Some(json!({"title": "Signalling outage", "description": "Interlocking failure on the Saarbrücken line", "sector": "transport",
                "aware_at": "2025-12-31T20:00:00Z",
                "significance": {"users_affected": 8000, "users_total": 80000, "area": "Saarland", "member_states": ["DE", "FR"]}})),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    let id = r.body["id"].as_str().expect("id").to_string();
    assert_eq!(r.body["tlp"], "TLP:AMBER+STRICT");
    rounds(&de, &hub, &fr).await;

    // On fr: the French contact point reads it and sees it on its dashboard; an
    // organisation outside the routing does not; nobody on the hub does.
    let analyst_fr = fr.login("analyst.fr").await;
    let water_fr = fr.login("water.fr").await;
    let seen = analyst_fr.get(&format!("/api/v1/incidents/{id}")).await;
    assert_eq!(seen.status.as_u16(), 200, "{}", seen.body);
    assert_eq!(
        (seen.body["title"].as_str(), seen.body["entity"].as_str(), seen.body["state"].as_str(), seen.body["tlp"].as_str()),
        (Some("Signalling outage"), Some("de-op-rail"), Some("notified"), Some("TLP:AMBER+STRICT"))
    );
    assert_eq!(seen.body["recipients"], json!([{"organisation": "fr-authority", "reason": "affected_member_state", "country": "FR"}]));
    assert_eq!(seen.body["clocks"]["initial"]["state"], "met", "{}", seen.body);
    assert_eq!(seen.body["updates"].as_array().map(Vec::len), Some(1));
    assert_eq!(seen.body["origin_instance"], "de");
    let dashboard = analyst_fr.get("/api/v1/incidents").await.body;
    let ids: Vec<&str> = dashboard["items"].as_array().expect("items").iter().filter_map(|i| i["id"].as_str()).collect();
    assert_eq!(ids, [id.as_str()]);
    assert_eq!(water_fr.get(&format!("/api/v1/incidents/{id}")).await.status.as_u16(), 404);
    assert_eq!(water_fr.get("/api/v1/incidents").await.body["items"], json!([]));
    let feed = analyst_fr.get("/api/v1/feeds/incidents.atom").await.body;
    assert!(feed.as_str().unwrap_or("").contains("[TLP:AMBER+STRICT] Signalling outage"), "{feed}");
    let feed = water_fr.get("/api/v1/feeds/incidents.atom").await.body;
    assert!(feed.as_str().is_some_and(|f| f.contains("<feed") && !f.contains("Signalling outage")), "{feed}");
    assert_eq!(hub.login("viewer.eu").await.get(&format!("/api/v1/incidents/{id}")).await.status.as_u16(), 404);
    assert!(hub.state.store.get_incident(&id).await.expect("get").is_none(), "the hub relays, it keeps no copy");
    assert!(hub.state.store.federation_item("de", "incident", &id).await.expect("item").is_some(), "it crossed the hub");

    // Read-only where it arrived: even fr's administrator is sent to the origin.
    let admin_fr = fr.login("admin.fr").await;
    let r = admin_fr.send(Method::POST, &format!("/api/v1/incidents/{id}/updates"), Some(json!({"kind": "update", "version": 2, "note": "x"}))).await;
    assert_eq!((r.status.as_u16(), r.body["detail"].as_str()), (409, Some(format!("incident {id} comes from the Rampart instance de; it can be changed there only").as_str())));

    // The detailed report reaches fr.
    let r = operator
        .send(
            Method::POST,
            &format!("/api/v1/incidents/{id}/updates"),
            Some(json!({"kind": "detailed", "version": 1, "note": "root cause found",
                "report": {"title": "Signalling outage", "description": "A failed power supply in the interlocking", "sector": "transport",
                    "aware_at": "2025-12-31T20:00:00Z",
                    "significance": {"users_affected": 9000, "users_total": 80000, "duration_hours": 5.0, "area": "Saarland", "member_states": ["DE", "FR"]}}})),
        )
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    rounds(&de, &hub, &fr).await;
    let seen = analyst_fr.get(&format!("/api/v1/incidents/{id}")).await.body;
    assert_eq!((seen["state"].as_str(), seen["version"].as_i64()), (Some("reported"), Some(2)), "{seen}");
    assert_eq!(seen["report"]["description"], "A failed power supply in the interlocking");
    assert_eq!(seen["report"]["significance"]["users_affected"], 9000);
    let kinds: Vec<&str> = seen["updates"].as_array().expect("updates").iter().filter_map(|u| u["kind"].as_str()).collect();
    assert_eq!(kinds, ["initial", "detailed"]);
    assert_eq!(seen["updates"][1]["note"], "root cause found");

    // A GREEN library document of de-authority to a community with fr-authority: on
    // fr the member finds it by full-text search, a non-member does not.
    let community = Community::from_json(json!({"id": "de-fr", "name": "DE-FR liaison", "members": ["de-authority", "fr-authority"]}).as_object().expect("obj")).expect("community");
    de.state.store.put_community(&community).await.expect("community");
    let analyst_de = de.login("analyst.de").await;
    let r = analyst_de
        .send(
            Method::POST,
            "/api/v1/library/documents",
            Some(json!({"kind": "lessons_learnt", "title": "Interlocking resilience", "summary": "What the Saarland outage taught",
                "body": "Keep a second power supply for every interlocking cabinet.", "tags": ["rail"], "tlp": "TLP:GREEN", "community": "de-fr"})),
        )
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    let doc = r.body["id"].as_str().expect("id").to_string();
    rounds(&de, &hub, &fr).await;
    let found = |body: &serde_json::Value| -> Vec<String> {
        body["items"].as_array().map(|a| a.iter().filter_map(|i| i["id"].as_str().map(String::from)).collect()).unwrap_or_default()
    };
    let r = analyst_fr.get("/api/v1/library/search?q=interlocking%20cabinet").await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    assert_eq!(found(&r.body), [doc.as_str()], "{}", r.body);
    assert_eq!(r.body["items"][0]["organisation"], "de-authority");
    assert_eq!(found(&water_fr.get("/api/v1/library/search?q=interlocking%20cabinet").await.body), Vec::<String>::new());
    assert_eq!(water_fr.get(&format!("/api/v1/library/documents/{doc}")).await.status.as_u16(), 404);
    let copy = analyst_fr.get(&format!("/api/v1/library/documents/{doc}")).await.body;
    assert_eq!((copy["origin_instance"].as_str(), copy["may_edit"].as_bool(), copy["community"].as_str()), (Some("de"), Some(false), Some("de-de-fr")), "{copy}");
    assert!(hub.state.store.get_library_document(&doc).await.expect("get").is_none(), "the hub relays, it keeps no copy");
    // Read-only where it arrived.
    let r = admin_fr.send(Method::DELETE, &format!("/api/v1/library/documents/{doc}"), None).await;
    assert_eq!((r.status.as_u16(), r.body["detail"].as_str()), (409, Some(format!("document {doc} comes from the Rampart instance de; it can be changed there only").as_str())));

    // A second GREEN document relabelled AMBER for nobody in France: fr no longer
    // qualifies and gets the tombstone.
    let r = analyst_de
        .send(Method::POST, "/api/v1/library/documents", Some(json!({"kind": "guidance", "title": "Cabinet locks", "body": "Padlock every trackside cabinet.", "tlp": "TLP:GREEN", "community": "de-fr"})))
        .await;
    assert_eq!(r.status.as_u16(), 201, "{}", r.body);
    let locks = r.body["id"].as_str().expect("id").to_string();
    rounds(&de, &hub, &fr).await;
    assert_eq!(found(&analyst_fr.get("/api/v1/library/search?q=padlock").await.body), [locks.as_str()]);
    let r = analyst_de
        .send(Method::PUT, &format!("/api/v1/library/documents/{locks}"), Some(json!({"kind": "guidance", "title": "Cabinet locks", "body": "Padlock every trackside cabinet.", "tlp": "TLP:AMBER", "version": 1})))
        .await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    rounds(&de, &hub, &fr).await;
    assert_eq!(found(&analyst_fr.get("/api/v1/library/search?q=padlock").await.body), Vec::<String>::new());
    assert!(fr.state.store.get_library_document(&locks).await.expect("get").is_none());
    let kept = fr.state.store.federation_item("de", "library", &locks).await.expect("item").expect("tombstone");
    assert_eq!((kept.op, kept.version), (rampart_core::federation::Op::Tombstone, 2));

    // An edit follows; deleting it on de removes it on fr (a tombstone).
    let mut edited = json!({"kind": "lessons_learnt", "title": "Interlocking resilience", "summary": "What the Saarland outage taught",
        "body": "Keep a second power supply and a battery for every interlocking cabinet.", "tags": ["rail"], "tlp": "TLP:GREEN", "community": "de-fr"});
    edited["version"] = json!(1);
    let r = analyst_de.send(Method::PUT, &format!("/api/v1/library/documents/{doc}"), Some(edited)).await;
    assert_eq!(r.status.as_u16(), 200, "{}", r.body);
    rounds(&de, &hub, &fr).await;
    assert_eq!(found(&analyst_fr.get("/api/v1/library/search?q=battery").await.body), [doc.as_str()]);
    let r = analyst_de.send(Method::DELETE, &format!("/api/v1/library/documents/{doc}"), None).await;
    assert_eq!(r.status.as_u16(), 204, "{}", r.body);
    rounds(&de, &hub, &fr).await;
    assert_eq!(analyst_fr.get(&format!("/api/v1/library/documents/{doc}")).await.status.as_u16(), 404);
    assert_eq!(found(&analyst_fr.get("/api/v1/library/search?q=interlocking%20cabinet").await.body), Vec::<String>::new());
    assert!(fr.state.store.get_library_document(&doc).await.expect("get").is_none());
    let kept = fr.state.store.federation_item("de", "library", &doc).await.expect("item").expect("tombstone");
    assert_eq!((kept.op, kept.version), (rampart_core::federation::Op::Tombstone, 3));

    // The audit chains still verify everywhere.
    for app in [&de, &hub, &fr] {
        assert!(app.state.store.audit_verify().await.expect("verify").first_break.is_none());
    }
}
