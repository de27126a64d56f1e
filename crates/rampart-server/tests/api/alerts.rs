//! Alerts end to end through the API: compose, approve by a second person, publish to
//! the operators whose sites are in the area, receive live, acknowledge, escalate,
//! update, cancel, import and export — and nobody else learns the alert exists.

use crate::helpers::{spawn_app, Client, PASSWORD};
use rampart_store::Backend;
use reqwest::Method;
use serde_json::{json, Value};
use std::path::Path;
use std::time::Duration;

/// A box around DE-SUB-1 (13.40, 52.52) that leaves out DE-WAT-1 and DE-HOS-1.
pub const AROUND_GRID: &str = "52.51,13.39 52.51,13.41 52.525,13.41 52.525,13.39 52.51,13.39";

pub fn cap_json(headline: &str, polygon: &str) -> Value {
    json!({"status": "Exercise", "infos": [{"categories": ["Infra"], "event": "Grid attack", "urgency": "Immediate",
        "severity": "Severe", "certainty": "Likely", "headline": headline,
        "areas": [{"area_desc": "Berlin Mitte", "polygons": [polygon]}]}]})
}

async fn post(c: &Client, path: &str, body: Value) -> (u16, Value) {
    let r = c.send(Method::POST, path, Some(body)).await;
    (r.status.as_u16(), r.body)
}

/// Composes, submits, approves (by `approver`) and publishes; returns the alert id.
pub async fn publish(author: &Client, approver: &Client, body: Value) -> String {
    let (s, a) = post(author, "/api/v1/alerts", body).await;
    assert_eq!(s, 201, "{a}");
    let id = a["id"].as_str().expect("id").to_string();
    assert_eq!(post(author, &format!("/api/v1/alerts/{id}/submit"), json!({})).await.0, 200);
    assert_eq!(post(approver, &format!("/api/v1/alerts/{id}/approve"), json!({})).await.0, 200);
    let (s, p) = post(author, &format!("/api/v1/alerts/{id}/publish"), json!({})).await;
    assert_eq!(s, 200, "{p}");
    id
}

/// An open event stream of one user.
pub struct Stream {
    res: reqwest::Response,
    buf: String,
}

impl Stream {
    pub async fn open(app_base: &str, user: &str, after: Option<i64>) -> Stream {
        let http = reqwest::Client::builder().cookie_store(true).build().expect("client");
        let r = http.post(format!("{app_base}/api/v1/auth/login")).json(&json!({"username": user, "password": PASSWORD})).send().await.expect("login");
        assert_eq!(r.status().as_u16(), 200);
        let url = match after {
            Some(n) => format!("{app_base}/api/v1/events?after={n}"),
            None => format!("{app_base}/api/v1/events"),
        };
        let res = http.get(url).send().await.expect("events");
        assert_eq!(res.status().as_u16(), 200);
        assert!(res.headers()["content-type"].to_str().unwrap_or("").starts_with("text/event-stream"));
        Stream { res, buf: String::new() }
    }

    /// The next event (kind, data), skipping heartbeats. Fails after 20 s rather than hang.
    pub async fn next(&mut self) -> (String, Value) {
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let block: String = self.buf.drain(..end + 2).collect();
                let mut kind = String::new();
                let mut data = String::new();
                for line in block.lines() {
                    if let Some(k) = line.strip_prefix("event:") {
                        kind = k.trim().to_string();
                    } else if let Some(d) = line.strip_prefix("data:") {
                        data.push_str(d.trim());
                    }
                }
                if !kind.is_empty() {
                    return (kind, serde_json::from_str(&data).expect("event data is JSON"));
                }
                continue;
            }
            let chunk = tokio::time::timeout(Duration::from_secs(20), self.res.chunk()).await.expect("an event within 20 s").expect("stream").expect("open stream");
            self.buf.push_str(&String::from_utf8_lossy(&chunk));
        }
    }
}

fn xmllint_check(xml: &str) -> Result<(), String> {
    let schema = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/cap/schema/cap12.xsd");
    assert!(schema.is_file(), "the CAP schema is not at {}", schema.display());
    let dir = tempfile::tempdir().expect("dir");
    let file = dir.path().join("alert.xml");
    std::fs::write(&file, xml).expect("write");
    let out = std::process::Command::new("xmllint").arg("--noout").arg("--schema").arg(&schema).arg(&file).output().expect("xmllint (libxml2-utils) is needed");
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

async fn story(backend: Backend) {
    let app = spawn_app(backend).await;
    let admin = app.login("admin").await;
    let analyst = app.login("analyst.de").await;
    let assessor = app.login("assessor.de").await;
    let viewer = app.login("viewer.de").await;
    let operator = app.login("operator.de").await;
    let french = app.login("analyst.fr").await;
    let eu = app.login("viewer.eu").await;
    // The grid operator's liaison officer is operator.de; its supervising authority the EU body.
    let r = admin.send(Method::PUT, "/api/v1/organisations/de-op-grid/sharing", Some(json!({"supervisor": "eu-body", "liaison": "operator.de"}))).await;
    assert_eq!(r.status.as_u16(), 200, "{:?}", r.body);

    // Bad input: nothing is written.
    let (s, e) = post(&analyst, "/api/v1/alerts", json!({"tlp": "TLP:AMBER", "cap": cap_json("x", "52.51,13.39 52.51,13.41 52.525,13.41")})).await;
    assert_eq!(s, 422);
    assert_eq!(e["errors"][0]["field"], "cap.alert/info[0]/area[0]/polygon[0]");
    assert_eq!(e["errors"][0]["message"], "expected a closed ring of at least 4 \"lat,lon\" points; found 3 points");
    let (s, e) = post(&analyst, "/api/v1/alerts", json!({"tlp": "TLP:WHITE", "cap": cap_json("x", AROUND_GRID)})).await;
    assert_eq!((s, e["errors"][0]["field"].as_str()), (422, Some("tlp")));
    let mut refers = cap_json("x", AROUND_GRID);
    refers["msg_type"] = json!("Update");
    refers["references"] = json!("de-authority,nope-1,2026-01-01T00:00:00+00:00");
    let (s, e) = post(&analyst, "/api/v1/alerts", json!({"tlp": "TLP:AMBER", "cap": refers})).await;
    assert_eq!(s, 422);
    assert_eq!(e["errors"][0]["message"], "no published alert de-authority,nope-1,2026-01-01T00:00:00+00:00 that you may read");
    let (s, _) = post(&operator, "/api/v1/alerts", json!({"tlp": "TLP:AMBER", "cap": cap_json("x", AROUND_GRID)})).await;
    assert_eq!(s, 403);
    assert_eq!(app.anonymous().get("/api/v1/alerts").await.status.as_u16(), 401);
    assert_eq!(analyst.get("/api/v1/alerts").await.body["count"], 0);

    // Compose, preview, submit; the author may not approve; a second person does.
    let (s, draft) = post(&analyst, "/api/v1/alerts", json!({"tlp": "TLP:AMBER", "cap": cap_json("Substation threat", AROUND_GRID)})).await;
    assert_eq!(s, 201, "{draft}");
    let id = draft["id"].as_str().expect("id").to_string();
    assert_eq!((draft["state"].as_str(), draft["msg_type"].as_str(), draft["sender"].as_str()), (Some("draft"), Some("Alert"), Some("de-authority")));
    assert_eq!(draft["cap"]["restriction"], "TLP:AMBER");
    // Drafts are seen by their organisation's issuers only.
    for (c, want) in [(&assessor, 200), (&viewer, 404), (&operator, 404), (&french, 404), (&eu, 404)] {
        assert_eq!(c.get(&format!("/api/v1/alerts/{id}")).await.status.as_u16(), want);
    }
    let m = analyst.get(&format!("/api/v1/alerts/{id}/matches")).await.body;
    assert_eq!(m, json!({"items": [{"organisation": "de-op-grid", "asset_ids": ["DE-SUB-1"]}]}));
    let edited = analyst.send(Method::PUT, &format!("/api/v1/alerts/{id}"), Some(json!({"version": 1, "tlp": "TLP:AMBER", "cap": cap_json("Substation threat (edited)", AROUND_GRID)}))).await;
    assert_eq!((edited.status.as_u16(), edited.body["version"].as_i64()), (200, Some(2)));
    let stale = analyst.send(Method::PUT, &format!("/api/v1/alerts/{id}"), Some(json!({"version": 1, "tlp": "TLP:AMBER", "cap": cap_json("late", AROUND_GRID)}))).await;
    assert_eq!(stale.status.as_u16(), 409);
    assert_eq!(post(&analyst, &format!("/api/v1/alerts/{id}/publish"), json!({})).await.0, 409, "a draft is not published");
    assert_eq!(post(&analyst, &format!("/api/v1/alerts/{id}/submit"), json!({})).await.0, 200);
    let (s, e) = post(&analyst, &format!("/api/v1/alerts/{id}/approve"), json!({})).await;
    assert_eq!((s, e["detail"].as_str()), (403, Some("the author may not approve their own alert; a second person of the organisation approves it")));
    let (s, a) = post(&assessor, &format!("/api/v1/alerts/{id}/approve"), json!({})).await;
    assert_eq!((s, a["state"].as_str(), a["approver"].as_str()), (200, Some("approved"), Some("assessor.de")));

    // Live: the operator's stream is open before publication; so is the French analyst's.
    let mut op_stream = Stream::open(&app.base, "operator.de", None).await;
    let mut fr_stream = Stream::open(&app.base, "analyst.fr", None).await;
    app.clock.advance(60_000);
    let (s, p) = post(&analyst, &format!("/api/v1/alerts/{id}/publish"), json!({})).await;
    assert_eq!((s, p["state"].as_str(), p["sent"].as_str()), (200, Some("published"), Some("2026-01-01T00:01:00+00:00")));
    let recipients: Vec<(String, String, Value)> =
        p["recipients"].as_array().expect("recipients").iter().map(|r| (r["organisation"].as_str().unwrap_or("").into(), r["reason"].as_str().unwrap_or("").into(), r["asset_ids"].clone())).collect();
    assert_eq!(recipients, vec![("de-authority".into(), "originator".into(), json!([])), ("de-op-grid".into(), "area".into(), json!(["DE-SUB-1"]))]);
    let (kind, data) = op_stream.next().await;
    assert_eq!((kind.as_str(), data["alert_id"].as_str(), data["seq"].as_i64()), ("published", Some(id.as_str()), Some(1)));

    // Who reads it: AMBER admits the originator's and the recipient's members, nobody else.
    for (c, want) in [(&analyst, 200), (&viewer, 200), (&operator, 200), (&french, 404), (&eu, 404), (&admin, 404)] {
        assert_eq!(c.get(&format!("/api/v1/alerts/{id}")).await.status.as_u16(), want);
        assert_eq!(c.get(&format!("/api/v1/alerts/{id}.xml")).await.status.as_u16(), want);
        assert_eq!(c.get(&format!("/api/v1/alerts/{id}/acks")).await.status.as_u16(), want);
        assert_eq!(c.get("/api/v1/alerts").await.body["count"], if want == 200 { 1 } else { 0 });
    }
    let seen = operator.get(&format!("/api/v1/alerts/{id}")).await.body;
    assert_eq!((seen["may_acknowledge"].as_bool(), seen["acknowledged"].as_bool(), seen.get("recipients")), (Some(true), Some(false), None));
    assert_eq!(operator.get("/api/v1/alerts?unacknowledged=true").await.body["count"], 1);

    // The exported CAP passes the official schema and carries the publication time.
    let xml = analyst.http.get(format!("{}/api/v1/alerts/{id}.xml", app.base)).send().await.expect("xml").text().await.expect("text");
    assert!(xml.contains("<sent>2026-01-01T00:01:00+00:00</sent>"), "{xml}");
    xmllint_check(&xml).unwrap_or_else(|e| panic!("exported alert fails the schema: {e}\n{xml}"));

    // Acknowledgement, once per organisation; the originator may not, strangers do not see it.
    app.clock.advance(60_000);
    let (s, k) = post(&operator, &format!("/api/v1/alerts/{id}/ack"), json!({})).await;
    assert_eq!((s, k["organisation"].as_str(), k["username"].as_str()), (201, Some("de-op-grid"), Some("operator.de")));
    assert_eq!(post(&operator, &format!("/api/v1/alerts/{id}/ack"), json!({})).await.0, 409);
    assert_eq!(post(&analyst, &format!("/api/v1/alerts/{id}/ack"), json!({})).await.0, 403);
    assert_eq!(post(&french, &format!("/api/v1/alerts/{id}/ack"), json!({})).await.0, 404);
    let acks = analyst.get(&format!("/api/v1/alerts/{id}/acks")).await.body;
    assert_eq!((acks["items"].as_array().map(Vec::len), acks["items"][0]["at"].as_str()), (Some(1), Some("2026-01-01T00:02:00.000Z")));
    assert_eq!(analyst.get(&format!("/api/v1/alerts/{id}")).await.body["acks"], 1);
    assert_eq!(operator.get("/api/v1/alerts?unacknowledged=true").await.body["count"], 0);
    let (kind, data) = op_stream.next().await;
    assert_eq!((kind.as_str(), data["alert_id"].as_str()), ("acknowledged", Some(id.as_str())));
    let ack_record = app.state.store.alert_acks(&id).await.expect("acks");
    let ack_cap = rampart_formats::cap::read(&ack_record[0].cap_xml, None).expect("the Ack is CAP");
    assert_eq!((ack_cap.msg_type.as_str(), ack_cap.references.clone()), ("Ack", Some(format!("de-authority,{},2026-01-01T00:01:00+00:00", draft["identifier"].as_str().unwrap_or("")))));
    xmllint_check(&ack_record[0].cap_xml).unwrap_or_else(|e| panic!("Ack fails the schema: {e}"));

    // Labels: a recipient may not change it; the originator relaxes it.
    let (s, e) = post(&operator, &format!("/api/v1/alerts/{id}/label"), json!({"tlp": "TLP:CLEAR"})).await;
    assert_eq!((s, e["detail"].as_str()), (403, Some("you may not change the label of this item")));
    assert_eq!(post(&french, &format!("/api/v1/alerts/{id}/label"), json!({"tlp": "TLP:CLEAR"})).await.0, 404);

    // A second alert, never acknowledged: escalated after 15 min to the liaison officer, after 60 to the EU body.
    let second = publish(&analyst, &assessor, json!({"tlp": "TLP:AMBER", "cap": cap_json("Second", AROUND_GRID)})).await;
    let (kind, data) = op_stream.next().await;
    assert_eq!((kind.as_str(), data["alert_id"].as_str()), ("published", Some(second.as_str())));
    // The French analyst's first event is nothing of the above: the CLEAR alert below.
    app.clock.advance(15 * 60_000 - 1);
    assert_eq!(rampart_server::alerts::escalate(&app.state).await.expect("sweep"), 0);
    app.clock.advance(1);
    assert_eq!(rampart_server::alerts::escalate(&app.state).await.expect("sweep"), 1);
    assert_eq!(rampart_server::alerts::escalate(&app.state).await.expect("sweep"), 0, "each level once");
    assert_eq!(eu.get(&format!("/api/v1/alerts/{second}")).await.status.as_u16(), 404);
    app.clock.advance(45 * 60_000);
    assert_eq!(rampart_server::alerts::escalate(&app.state).await.expect("sweep"), 1);
    assert_eq!(eu.get(&format!("/api/v1/alerts/{second}")).await.status.as_u16(), 200, "the supervising EU body now reads it");
    let rs = analyst.get(&format!("/api/v1/alerts/{second}")).await.body["recipients"].clone();
    let esc: Vec<(Value, Value, Value)> = rs.as_array().expect("recipients").iter().filter(|r| r["reason"] == "escalation").map(|r| (r["organisation"].clone(), r["username"].clone(), r["level"].clone())).collect();
    assert_eq!(esc, vec![(json!("de-op-grid"), json!("operator.de"), json!(1)), (json!("eu-body"), Value::Null, json!(2))]);
    // The acknowledged first alert was never escalated.
    assert_eq!(app.state.store.alert_escalations(&id).await.expect("escalations").len(), 0);

    // Update and cancel: new alerts referencing the earlier one, approved and published in turn.
    let (s, upd) = post(&analyst, &format!("/api/v1/alerts/{id}/update"), json!({"cap": cap_json("Threat widened", AROUND_GRID)})).await;
    assert_eq!(s, 201, "{upd}");
    let upd_id = upd["id"].as_str().expect("id").to_string();
    assert_eq!((upd["msg_type"].as_str(), upd["references"].clone()), (Some("Update"), json!([id])));
    assert_eq!(upd["cap"]["references"], format!("de-authority,{},2026-01-01T00:01:00+00:00", draft["identifier"].as_str().unwrap_or("")));
    assert_eq!(post(&analyst, &format!("/api/v1/alerts/{upd_id}/submit"), json!({})).await.0, 200);
    assert_eq!(post(&assessor, &format!("/api/v1/alerts/{upd_id}/approve"), json!({})).await.0, 200);
    assert_eq!(post(&analyst, &format!("/api/v1/alerts/{upd_id}/publish"), json!({})).await.0, 200);
    assert_eq!(operator.get(&format!("/api/v1/alerts/{id}")).await.body["followed_by"], json!(upd_id));
    assert_eq!(post(&analyst, &format!("/api/v1/alerts/{id}/update"), json!({})).await.0, 409, "the update is what follows now");
    let (s, can) = post(&analyst, &format!("/api/v1/alerts/{upd_id}/cancel"), json!({"note": "all clear"})).await;
    assert_eq!((s, can["msg_type"].as_str(), can["cap"]["note"].as_str()), (201, Some("Cancel"), Some("all clear")));

    // A CLEAR alert reaches everybody, the French analyst's stream included (its first event).
    let clear = publish(&analyst, &assessor, json!({"tlp": "TLP:CLEAR", "cap": cap_json("Public notice", AROUND_GRID)})).await;
    let (kind, data) = fr_stream.next().await;
    assert_eq!((kind.as_str(), data["alert_id"].as_str()), ("published", Some(clear.as_str())));
    // Resuming after a reconnect: the operator replays everything after event 1 it may read.
    let mut again = Stream::open(&app.base, "operator.de", Some(1)).await;
    let (kind, data) = again.next().await;
    assert_eq!((kind.as_str(), data["seq"].as_i64()), ("acknowledged", Some(2)));

    // Import: malformed and schema-invalid CAP is refused with line, column and path.
    let import = |c: &Client, body: &str| {
        let req = c.http.post(format!("{}/api/v1/alerts/import?tlp=TLP:AMBER", app.base)).header("X-CSRF-Token", c.csrf.clone().unwrap_or_default()).body(body.to_string());
        async move {
            let r = req.send().await.expect("import");
            (r.status().as_u16(), r.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (s, e) = import(&analyst, "<alert xmlns=\"urn:oasis:names:tc:emergency:cap:1.2\">\n  <identifier>X1</identifier>\n  <sender>de-authority</sender>\n  <sent>2026-01-01T00:00:00+00:00</sent>\n  <status>Bogus</status>\n  <msgType>Alert</msgType>\n  <scope>Public</scope>\n</alert>").await;
    assert_eq!(s, 422, "{e}");
    assert_eq!(e["errors"][0]["field"], "cap_xml.alert/status");
    assert!(e["errors"][0]["message"].as_str().unwrap_or("").starts_with("line 5, column"), "{e}");
    let (s, e) = import(&analyst, "<alert><oops></alert>").await;
    assert_eq!(s, 422, "{e}");
    let (s, imported) = import(&analyst, &xml.replace(draft["identifier"].as_str().unwrap_or("?"), "IMPORTED-1")).await;
    assert_eq!((s, imported["state"].as_str(), imported["identifier"].as_str()), (201, Some("draft"), Some("IMPORTED-1")));
    assert_eq!(import(&operator, &xml).await.0, 403);
    // The same sender and identifier in another organisation: no clash, so nothing revealed.
    assert_eq!(import(&french, &xml).await.0, 201);
    assert_eq!(import(&analyst, &xml.replace(draft["identifier"].as_str().unwrap_or("?"), "IMPORTED-1")).await.0, 409, "a clash within one's own organisation");
}

#[tokio::test]
async fn alert_story_on_sqlite() {
    story(Backend::Sqlite).await;
}

#[tokio::test]
async fn alert_story_on_postgres() {
    story(Backend::Postgres).await;
}

/// Two server processes on one PostgreSQL database: published on one, received live on the other.
#[tokio::test]
async fn two_servers_share_one_postgres() {
    let app = spawn_app(Backend::Postgres).await;
    let other = crate::helpers::second_server(&app).await;
    let analyst = app.login("analyst.de").await;
    let assessor = app.login("assessor.de").await;
    let mut stream = Stream::open(&other, "operator.de", None).await;
    let id = publish(&analyst, &assessor, json!({"tlp": "TLP:AMBER", "cap": cap_json("Across servers", AROUND_GRID)})).await;
    let (kind, data) = stream.next().await;
    assert_eq!((kind.as_str(), data["alert_id"].as_str()), ("published", Some(id.as_str())));
}

/// The inbox a page at a time: `limit` and `before` walk the readable alerts newest
/// first; an alert the reader may not read is on no page; bad paging parameters are named.
async fn pages(backend: Backend) {
    let app = spawn_app(backend).await;
    let analyst = app.login("analyst.de").await;
    let assessor = app.login("assessor.de").await;
    let operator = app.login("operator.de").await;
    let mut ids = Vec::new();
    for headline in ["first", "second", "third"] {
        ids.push(publish(&analyst, &assessor, json!({"tlp": "TLP:AMBER", "cap": cap_json(headline, AROUND_GRID)})).await);
        app.clock.advance(60_000);
    }
    // Strict to the originator: the operator never sees this one.
    let hidden = publish(&analyst, &assessor, json!({"tlp": "TLP:RED", "recipients": ["assessor.de"], "cap": cap_json("hidden", AROUND_GRID)})).await;
    let first = operator.get("/api/v1/alerts?limit=2").await.body;
    let headlines = |v: &Value| v["items"].as_array().expect("items").iter().map(|a| a["headline"].as_str().unwrap_or("").to_string()).collect::<Vec<_>>();
    assert_eq!((headlines(&first), first["count"].as_i64()), (vec!["third".to_string(), "second".to_string()], Some(2)), "{first}");
    let cursor = first["next_before"].as_str().expect("a next page").to_string();
    let second = operator.get(&format!("/api/v1/alerts?limit=2&before={cursor}")).await.body;
    assert_eq!(headlines(&second), vec!["first".to_string()]);
    assert_eq!(second.get("next_before"), None, "the last page has no next_before: {second}");
    let everything = analyst.get("/api/v1/alerts").await.body;
    assert_eq!(everything["items"][0]["id"].as_str(), Some(hidden.as_str()));
    assert_eq!(everything["count"].as_i64(), Some(4));
    let bad = operator.get("/api/v1/alerts?limit=0&before=yesterday&state=sent").await;
    assert_eq!(bad.status.as_u16(), 400);
    let fields: Vec<&str> = bad.body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, vec!["state", "before", "limit"], "{}", bad.body);
    assert_eq!(ids.len(), 3);
}

#[tokio::test]
async fn alert_pages_on_sqlite() {
    pages(Backend::Sqlite).await;
}

#[tokio::test]
async fn alert_pages_on_postgres() {
    pages(Backend::Postgres).await;
}
