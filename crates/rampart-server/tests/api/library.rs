//! The library over the API: what each reader sees of documents of every label through
//! lookups, lists, search hits, counts and attachments; publishing, editing,
//! relabelling; attachments checked against their bytes; community events.

use crate::access::{check, count, none, W};
use crate::helpers::{spawn_app, Client, TestApp};
use rampart_store::Backend;
use reqwest::Method;
use serde_json::{json, Value};

/// Publishes as `c` and returns the id.
async fn publish(c: &Client, doc: Value) -> String {
    let r = c.send(Method::POST, "/api/v1/library/documents", Some(doc.clone())).await;
    assert_eq!(r.status.as_u16(), 201, "publish {doc}: {:?}", r.body);
    r.body["id"].as_str().expect("id").to_string()
}

fn doc(title: &str, tlp: &str, extra: Value) -> Value {
    let mut v = json!({"kind": "lessons_learnt", "title": title, "summary": "After the blackout",
        "body": format!("What we learnt from the regional blackout: {title}."), "tlp": tlp, "tags": ["blackout"]});
    if let (Some(o), Some(e)) = (v.as_object_mut(), extra.as_object()) {
        o.extend(e.clone());
    }
    v
}

/// Totals of a search as each signed-in user, with the items returned.
async fn totals(c: &[Client], path: &str, expected: [i64; 7]) {
    let mut got = [0i64; 7];
    for (i, cl) in c.iter().take(7).enumerate() {
        let r = cl.get(path).await;
        let total = r.body["total"].as_i64().unwrap_or(-1);
        let items = r.body["items"].as_array().map(|a| a.len() as i64).unwrap_or(-2);
        let kinds: i64 = r.body["kinds"].as_object().map(|k| k.values().filter_map(Value::as_i64).sum()).unwrap_or(-3);
        assert_eq!((items, kinds), (total, total), "GET {path} as {}: items and kind counts agree with the total", W[i]);
        got[i] = total;
    }
    assert_eq!(got, expected, "GET {path}: totals for {:?}", &W[..7]);
}

/// Rows of the access matrix (called from tests/api/access.rs, after its sharing section
/// made de-authority the grid operator's supervisor).
pub async fn access_rows(app: &TestApp, c: &[Client]) {
    let _ = app;
    let community = json!({"name": "German grid library", "members": ["de-authority", "de-op-grid"]});
    assert_eq!(c[0].send(Method::PUT, "/api/v1/communities/lib-grid", Some(community)).await.status.as_u16(), 201);
    // operator.de (de-op-grid) publishes GREEN to the community, AMBER to the French authority, RED to analyst.de;
    // analyst.fr (fr-authority) publishes AMBER and AMBER+STRICT to the German authority, and a CLEAR one.
    let green = publish(&c[4], doc("Green substation note", "TLP:GREEN", json!({"community": "lib-grid"}))).await;
    let amber_fr = publish(&c[4], doc("Amber for France", "TLP:AMBER", json!({"recipient_orgs": ["fr-authority"]}))).await;
    let red = publish(&c[4], doc("Red for one analyst", "TLP:RED", json!({"recipients": ["analyst.de"]}))).await;
    let amber_de = publish(&c[5], doc("Amber for Germany", "TLP:AMBER", json!({"recipient_orgs": ["de-authority"]}))).await;
    let strict_de = publish(&c[5], doc("Strict for Germany", "TLP:AMBER+STRICT", json!({"recipient_orgs": ["de-authority"]}))).await;
    let clear = publish(&c[5], doc("Clear for all", "TLP:CLEAR", json!({"kind": "guidance"}))).await;

    // Lookups: exactly the readers the labels admit; everyone else is told it does not exist.
    let get = |id: &str| format!("/api/v1/library/documents/{id}");
    check(c, Method::GET, &get(&green), none, [200, 200, 200, 200, 200, 404, 404, 401]).await;
    check(c, Method::GET, &get(&amber_fr), none, [200, 404, 404, 404, 200, 200, 404, 401]).await;
    check(c, Method::GET, &get(&red), none, [200, 200, 404, 404, 200, 404, 404, 401]).await;
    // The grid operator is a client of de-authority: it reads AMBER sent there, not AMBER+STRICT.
    check(c, Method::GET, &get(&amber_de), none, [200, 200, 200, 200, 200, 200, 404, 401]).await;
    check(c, Method::GET, &get(&strict_de), none, [200, 200, 200, 200, 404, 200, 404, 401]).await;
    check(c, Method::GET, &get(&clear), none, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    check(c, Method::GET, &get("doc-0000000000000000"), none, [404, 404, 404, 404, 404, 404, 404, 401]).await;

    // Lists, search hits, totals and counts per kind hold only what each may read.
    for path in ["/api/v1/library/documents", "/api/v1/library/search?q=blackout"] {
        check(c, Method::GET, path, none, [200, 200, 200, 200, 200, 200, 200, 401]).await;
        totals(c, path, [6, 5, 4, 4, 5, 4, 1]).await;
    }
    totals(c, "/api/v1/library/search?q=germany", [2, 2, 2, 2, 1, 2, 0]).await;
    totals(c, "/api/v1/library/search?q=blackout&kind=guidance", [1, 1, 1, 1, 1, 1, 1]).await;
    totals(c, "/api/v1/library/search?q=analyst", [1, 1, 0, 0, 1, 0, 0]).await;
    count(c, "/api/v1/library/search?q=blackout&limit=2", "items", [2, 2, 2, 2, 2, 2, 1]).await;
    check(c, Method::GET, "/api/v1/library/search?kind=memo", none, [400, 400, 400, 400, 400, 400, 400, 401]).await;

    // Publishing: everyone signed in but viewers.
    let new = |_: &str| Some(doc("New", "TLP:CLEAR", json!({})));
    check(c, Method::POST, "/api/v1/library/documents", new, [201, 201, 201, 403, 201, 201, 403, 401]).await;
    // Editing: the originator's people and administrators; readers who may not edit are refused, others do not see it.
    let edit = |u: &str| {
        let mut v = doc("Green substation note", "TLP:GREEN", json!({"community": "lib-grid"}));
        v["version"] = json!(if u == "operator.de" { 2 } else { 1 });
        Some(v)
    };
    check(c, Method::PUT, &get(&green), edit, [200, 403, 403, 403, 200, 404, 404, 401]).await;
    // Attachments: uploaded by those who edit, downloaded by those who read.
    let mut got = Vec::new();
    for cl in c {
        got.push(cl.upload(&format!("{}/attachments?name=notes.txt", get(&green)), "text/plain", b"Check the relays".to_vec()).await.status.as_u16());
    }
    assert_eq!(got, [201, 403, 403, 403, 201, 404, 404, 401], "POST attachments: statuses for {W:?}");
    let shown = c[0].get(&get(&green)).await.body;
    let href = shown["attachments"][0]["href"].as_str().expect("attachment href").to_string();
    check(c, Method::GET, &href, none, [200, 200, 200, 200, 200, 404, 404, 401]).await;
    check(c, Method::GET, &format!("{}/attachments/att-0000000000000000", get(&amber_fr)), none, [404, 404, 404, 404, 404, 404, 404, 401]).await;
    // Deleting: only the originator's people (and administrators).
    let mut got = Vec::new();
    for i in [1, 2, 3, 5, 6, 7, 4] {
        got.push(c[i].send(Method::DELETE, &get(&green), None).await.status.as_u16());
    }
    assert_eq!(got, vec![403, 403, 403, 404, 404, 401, 204], "DELETE as analyst.de, assessor.de, viewer.de, analyst.fr, viewer.eu, anonymous, operator.de");
    check(c, Method::GET, &get(&green), none, [404, 404, 404, 404, 404, 404, 404, 401]).await;

    // Community events: announced to one's own communities, seen by their members.
    let event = |_: &str| Some(json!({"title": "Grid drill", "starts_at": "2026-12-01T09:00:00Z", "ends_at": "2026-12-01T12:00:00Z", "community": "lib-grid"}));
    check(c, Method::POST, "/api/v1/library/events", event, [201, 201, 201, 403, 201, 422, 403, 401]).await;
    check(c, Method::GET, "/api/v1/library/events", none, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    // viewer.eu sees the one its own organisation (the administrator's, eu-body) announced.
    count(c, "/api/v1/library/events", "items", [4, 4, 4, 4, 4, 0, 1]).await;
    let events = c[0].get("/api/v1/library/events").await.body;
    let ev = events["items"].as_array().and_then(|a| a.iter().find(|e| e["author"] == "operator.de")).and_then(|e| e["id"].as_str()).expect("event id").to_string();
    check(c, Method::GET, &format!("/api/v1/library/events/{ev}"), none, [200, 200, 200, 200, 200, 404, 404, 401]).await;
}

async fn story(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("admin").await;
    let op = app.login("operator.de").await;
    let fr = app.login("analyst.fr").await;
    let community = json!({"name": "Grid", "members": ["de-authority", "de-op-grid"]});
    assert_eq!(admin.send(Method::PUT, "/api/v1/communities/grid", Some(community)).await.status.as_u16(), 201);

    // Every fault is named, nothing is stored.
    let r = op.send(Method::POST, "/api/v1/library/documents", Some(json!({"kind": "guidance", "title": "x", "tlp": "TLP:GREEN", "community": "elsewhere",
        "recipients": ["nobody"]}))).await;
    assert_eq!(r.status.as_u16(), 422);
    let messages: Vec<String> = r.body["errors"].as_array().expect("errors").iter().map(|e| format!("{}: {}", e["field"].as_str().unwrap_or(""), e["message"].as_str().unwrap_or(""))).collect();
    assert_eq!(messages, ["community: no community elsewhere among your organisation's communities", "recipients[0]: no user nobody"]);
    assert_eq!(op.get("/api/v1/library/documents").await.body["total"], 0);

    // Publish, find by words in the body with a highlighted snippet.
    let id = publish(&op, json!({"kind": "good_practice", "title": "Relay testing", "summary": "Quarterly checks",
        "body": "Protection relays are tested every quarter <b>with</b> injected faults.", "tlp": "TLP:GREEN", "community": "grid", "tags": ["relays", "Testing"]})).await;
    let r = admin.get("/api/v1/library/search?q=injected").await;
    assert_eq!(r.body["total"], 1);
    assert_eq!(r.body["items"][0]["id"], json!(id));
    let snippet = r.body["items"][0]["snippet"].as_str().expect("snippet");
    assert!(snippet.contains("<b>injected</b>") && snippet.contains("&lt;b&gt;with&lt;/b&gt;"), "{snippet}");
    assert_eq!(admin.get("/api/v1/library/search?q=relaying").await.body["total"], 0, "words match whole terms");
    assert_eq!(admin.get("/api/v1/library/search?q=relays&tag=gates").await.body["total"], 0);
    assert_eq!(admin.get("/api/v1/library/search?q=relays&tag=testing").await.body["total"], 1);
    assert_eq!(fr.get("/api/v1/library/search?q=relays").await.body["total"], 0);
    let far = admin.get("/api/v1/library/search?q=relays&offset=1000000000000").await;
    assert_eq!((far.status.as_u16(), far.body["total"].as_i64(), far.body["offset"].as_i64()), (200, Some(1), Some(10_000)), "a far page is empty, not a memory blow-up");
    assert_eq!(fr.get(&format!("/api/v1/library/documents/{id}")).await.status.as_u16(), 404);

    // Relabelling: the administrator may tighten but not relax; the originator relaxes.
    let mut body = json!({"kind": "good_practice", "title": "Relay testing", "body": "Relays are tested every quarter.", "tlp": "TLP:CLEAR", "version": 1});
    let r = admin.send(Method::PUT, &format!("/api/v1/library/documents/{id}"), Some(body.clone())).await;
    assert_eq!((r.status.as_u16(), r.body["errors"][0]["message"].as_str()), (422, Some("only the originator may relax the label from TLP:GREEN to TLP:CLEAR")));
    let r = op.send(Method::PUT, &format!("/api/v1/library/documents/{id}"), Some(body.clone())).await;
    assert_eq!((r.status.as_u16(), r.body["version"].as_i64()), (200, Some(2)));
    assert_eq!(fr.get("/api/v1/library/search?q=quarter").await.body["total"], 1, "relaxed to CLEAR: the French analyst now finds it");
    body["version"] = json!(1);
    assert_eq!(op.send(Method::PUT, &format!("/api/v1/library/documents/{id}"), Some(body)).await.status.as_u16(), 409);

    // Attachments: the type is checked against the bytes; the download is byte for byte.
    let att = format!("/api/v1/library/documents/{id}/attachments");
    let r = op.upload(&format!("{att}?name=relays.pdf"), "application/pdf", b"not a pdf".to_vec()).await;
    assert_eq!((r.status.as_u16(), r.body["errors"][0]["message"].as_str()), (422, Some("the content is not application/pdf (it looks like text/plain)")));
    assert_eq!(op.upload(&format!("{att}?name=x.exe"), "application/x-msdownload", b"MZ".to_vec()).await.status.as_u16(), 415);
    let r = op.upload(&att, "text/plain", b"no name".to_vec()).await;
    assert_eq!((r.status.as_u16(), r.body["errors"][0]["field"].as_str()), (422, Some("name")));
    let pdf = b"%PDF-1.4\n% relay test plan\n".to_vec();
    let r = op.upload(&format!("{att}?name=plan.pdf"), "application/pdf", pdf.clone()).await;
    assert_eq!(r.status.as_u16(), 201, "{:?}", r.body);
    assert_eq!(r.body["sha256"].as_str().map(str::len), Some(64));
    let res = fr.http.get(format!("{}{}", app.base, r.body["href"].as_str().expect("href"))).send().await.expect("download");
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert_eq!(res.headers()["content-disposition"], "attachment; filename=\"plan.pdf\"");
    assert_eq!(res.bytes().await.expect("bytes").to_vec(), pdf);
}

#[tokio::test]
async fn library_story_on_sqlite() {
    story(Backend::Sqlite).await;
}

#[tokio::test]
async fn library_story_on_postgres() {
    story(Backend::Postgres).await;
}

/// Two server processes on one database: what one publishes the other finds, each
/// following the shared change sequence.
#[tokio::test]
async fn a_second_process_follows_the_change_sequence() {
    use rampart_core::{OrgKind, OrgId, Principal, Role, Username};
    use rampart_server::library::{self, Library};
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.login("admin").await;
    let op = app.login("operator.de").await;
    let store = &app.state.store;
    let second = Library::default();
    let p = Principal {
        username: Username::parse("analyst.de").expect("name"),
        role: Role::Analyst,
        organisation: OrgId::parse("de-authority").expect("org"),
        org_kind: OrgKind::Authority,
        country: Some(rampart_core::CountryCode::parse("DE").expect("country")),
    };
    let find = |q: &str| library_index_request(q);
    publish(&op, doc("Storm damage", "TLP:CLEAR", json!({}))).await;
    let r = library::search(store, &second, &p, &find("storm")).await.expect("search");
    assert_eq!(r["total"], 1, "the second process builds its index from the database");
    publish(&op, doc("Storm surge", "TLP:CLEAR", json!({}))).await;
    let r = library::search(store, &second, &p, &find("storm")).await.expect("search");
    assert_eq!(r["total"], 2, "and catches up with what the first published since");
    let content = rampart_core::library::DocumentContent::from_json(
        doc("Storm warning chain", "TLP:CLEAR", json!({})).as_object().expect("object"),
    ).expect("content");
    library::publish(store, &second, &p, content, 1_800_000_000_000).await.expect("publish");
    assert_eq!(admin.get("/api/v1/library/search?q=storm").await.body["total"], 3, "the first process sees what the second published");
}

fn library_index_request(q: &str) -> rampart_server::library_index::SearchRequest {
    rampart_server::library_index::SearchRequest { q: q.into(), limit: 20, ..Default::default() }
}
