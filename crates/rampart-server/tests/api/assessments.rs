//! Assessments through the API: the whole workflow, bad input that changes nothing, the
//! second-person review, a re-assessment that shows what changed, and the report.

use crate::helpers::{spawn_app, Client, TestApp, PASSWORD};
use rampart_core::{OrgId, Role, Username};
use rampart_store::{Backend, NewUser};
use reqwest::Method;
use serde_json::{json, Map, Value};

/// A second assessor, in an EU body, so the team has someone to review the findings.
pub async fn add_reviewer(app: &TestApp) -> Client {
    let hash = rampart_server::auth::hash_password(PASSWORD.into()).await.expect("hash");
    let username = Username::parse("assessor.eu").expect("name");
    let org = OrgId::parse("eu-body").expect("org");
    app.state
        .store
        .create_user(&NewUser { username: &username, password_hash: &hash, role: Role::Assessor, organisation_id: &org }, crate::helpers::START_MS)
        .await
        .expect("user");
    app.login("assessor.eu").await
}

/// A complete survey: every question at the lowest value of its scale, "yes", or its first option,
/// except `overrides`.
pub fn complete_answers(methodology: &Value, overrides: &[(&str, Value)]) -> Map<String, Value> {
    let mut answers = Map::new();
    for q in methodology["questions"].as_array().expect("questions") {
        let spec = &q["answer"];
        let value = match spec["kind"].as_str() {
            Some("scale") => spec["min"].clone(),
            Some("yes-no") => json!(true),
            Some("choice") => spec["options"][0]["key"].clone(),
            other => panic!("unexpected answer kind {other:?}"),
        };
        answers.insert(q["id"].as_str().expect("id").to_string(), value);
    }
    for (q, v) in overrides {
        answers.insert(q.to_string(), v.clone());
    }
    answers
}

pub fn plan_body(team: &[&str]) -> Value {
    json!({"kind": "event", "event_name": "Cup final", "methodology": "eu-public-spaces", "starts_on": "2026-03-02", "ends_on": "2026-03-04",
           "team": team.iter().map(|u| json!({"username": u, "expertise": ["explosives_detection", "crisis_management"]})).collect::<Vec<_>>()})
}

/// Requests, plans and completes the survey of an assessment of DE-SUB-1 hosted by the
/// grid operator; returns its id and the methodology.
pub async fn surveyed(operator: &Client, lead: &Client, team: &[&str], overrides: &[(&str, Value)]) -> (String, Value) {
    let r = operator.send(Method::POST, "/api/v1/assessments", Some(json!({"asset_id": "DE-SUB-1", "lead_assessor": "assessor.de"}))).await;
    assert_eq!(r.status.as_u16(), 201, "{:?}", r.body);
    let id = r.body["id"].as_str().expect("id").to_string();
    let r = lead.send(Method::PUT, &format!("/api/v1/assessments/{id}/plan"), Some(plan_body(team))).await;
    assert_eq!(r.status.as_u16(), 200, "{:?}", r.body);
    let m = lead.get(&format!("/api/v1/assessments/{id}/methodology")).await.body;
    let answers = complete_answers(&m, overrides);
    let r = lead.send(Method::PATCH, &format!("/api/v1/assessments/{id}/answers"), Some(json!({"version": r.body["version"], "answers": answers}))).await;
    assert_eq!(r.status.as_u16(), 200, "{:?}", r.body);
    (id, m)
}

async fn flow(backend: Backend) {
    let app = spawn_app(backend).await;
    let operator = app.login("operator.de").await;
    let lead = app.login("assessor.de").await;
    let reviewer = add_reviewer(&app).await;
    let outsider = app.login("analyst.fr").await;

    // Request: the host is the operator's organisation; the lead assessor must be an assessor.
    let r = operator.send(Method::POST, "/api/v1/assessments", Some(json!({"asset_id": "DE-SUB-1", "lead_assessor": "viewer.de", "host_org": "de-op-water"}))).await;
    assert_eq!(r.status.as_u16(), 422);
    assert_eq!(
        r.body["detail"],
        "host_org: you may request assessments only for your own organisation (de-op-grid); lead_assessor: no protective security advisor (assessor) named \"viewer.de\""
    );
    let r = operator.send(Method::POST, "/api/v1/assessments", Some(json!({"asset_id": "DE-SUB-1", "lead_assessor": "assessor.de", "title": "Substation 2026"}))).await;
    assert_eq!(r.status.as_u16(), 201, "{:?}", r.body);
    let id = r.body["id"].as_str().expect("id").to_string();
    assert_eq!((r.body["state"].as_str(), r.body["host_org"].as_str(), r.body["previous_id"].clone()), (Some("requested"), Some("de-op-grid"), Value::Null));
    let path = |sub: &str| format!("/api/v1/assessments/{id}{sub}");

    // Planning: names every bad field; an unknown team member is refused.
    let r = lead.send(Method::PUT, &path("/plan"), Some(json!({"kind": "event", "methodology": "nope", "starts_on": "2026-03-02", "ends_on": "2026-03-04", "team": []}))).await;
    assert_eq!((r.status.as_u16(), r.body["detail"].as_str()), (422, Some("team: name at least one member; event_name: is required for event security advice")));
    let mut bad_plan = plan_body(&["assessor.de", "ghost"]);
    bad_plan["methodology"] = json!("nope");
    let r = lead.send(Method::PUT, &path("/plan"), Some(bad_plan)).await;
    assert_eq!((r.status.as_u16(), r.body["detail"].as_str()), (422, Some("methodology: unknown methodology \"nope\"; expected one of: eu-public-spaces, carver-shock")));
    let r = lead.send(Method::PUT, &path("/plan"), Some(plan_body(&["assessor.de", "ghost"]))).await;
    assert_eq!((r.status.as_u16(), r.body["detail"].as_str()), (422, Some("team[1].username: no assessor named \"ghost\"")));
    let r = lead.send(Method::PUT, &path("/plan"), Some(plan_body(&["assessor.de", "assessor.eu"]))).await;
    assert_eq!(r.status.as_u16(), 200, "{:?}", r.body);
    assert_eq!((r.body["state"].as_str(), r.body["methodology"]["id"].as_str()), (Some("planning"), Some("eu-public-spaces")));
    assert_eq!(r.body["team"][1], json!({"username": "assessor.eu", "expertise": ["explosives_detection", "crisis_management"]}));
    let version = r.body["version"].as_i64().expect("version");

    // The survey: bad answers change nothing and are named by question.
    let m = lead.get(&path("/methodology")).await.body;
    let first_scale = m["questions"].as_array().and_then(|qs| qs.iter().find(|q| q["answer"]["kind"] == "scale")).expect("a scale question");
    let q1 = first_scale["id"].as_str().expect("id").to_string();
    let max = first_scale["answer"]["max"].as_i64().expect("max");
    let r = lead.send(Method::PATCH, &path("/answers"), Some(json!({"version": version, "answers": {q1.clone(): max + 1, "no.such-question": 1}}))).await;
    assert_eq!(r.status.as_u16(), 422, "{:?}", r.body);
    let fields: Vec<&str> = r.body["errors"].as_array().expect("errors").iter().filter_map(|e| e["field"].as_str()).collect();
    assert_eq!(fields, ["answers.no.such-question", format!("answers.{q1}").as_str()]);
    assert_eq!(r.body["errors"][0]["message"], "no question \"no.such-question\" in eu-public-spaces 1.0.0");
    assert!(r.body["errors"][1]["message"].as_str().expect("message").starts_with(&format!("{} is outside its scale", max + 1)), "{:?}", r.body);
    let r = lead.send(Method::PATCH, &path("/answers"), Some(json!({"answers": {q1.clone(): 1}}))).await;
    assert_eq!((r.status.as_u16(), r.body["detail"].as_str()), (422, Some("version: is required: send the version you edited")));
    let unchanged = lead.get(&path("")).await.body;
    assert_eq!((unchanged["version"].as_i64(), unchanged["answers"].clone(), unchanged["state"].as_str()), (Some(version), json!({}), Some("planning")));

    // Autosave of one answer and a note, then a stale version is a conflict.
    let r = lead.send(Method::PATCH, &path("/answers"), Some(json!({"version": version, "answers": {q1.clone(): 1}, "notes": {q1.clone(): "Gate 3 unattended"}}))).await;
    assert_eq!((r.status.as_u16(), r.body["state"].as_str(), r.body["answers"][&q1].as_f64(), r.body["notes"][&q1].as_str()), (200, Some("survey"), Some(1.0), Some("Gate 3 unattended")));
    let r = reviewer.send(Method::PATCH, &path("/answers"), Some(json!({"version": version, "answers": {q1.clone(): 2}}))).await;
    assert_eq!(r.status.as_u16(), 409);
    assert_eq!(r.body["detail"], format!("assessment {id} was changed by assessor.de (now version {}, you edited version {version}); reload it and try again", version + 1));

    // Scoring an incomplete survey names what is missing.
    let r = lead.send(Method::POST, &path("/score"), None).await;
    assert_eq!(r.status.as_u16(), 422);
    assert_eq!(r.body["errors"].as_array().map(|a| a.len()), Some(m["questions"].as_array().map(|q| q.len() - 1).unwrap_or(0)));
    assert_eq!(r.body["errors"][0]["message"], "is unanswered: the survey must be complete before scoring");

    // Attachments: sniffed, limited, hashed.
    let png = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR".to_vec();
    let r = lead.send_bytes(Method::POST, &path(&format!("/attachments?filename=gate3.png&question={q1}")), png.clone()).await;
    assert_eq!(r.status.as_u16(), 201, "{:?}", r.body);
    assert_eq!((r.body["content_type"].as_str(), r.body["size_bytes"].as_i64()), (Some("image/png"), Some(16)));
    assert_eq!(r.body["sha256"], "02a3e298f1533f62558c58e4c70edcab9af5a50d62d925fd5390942020fb0fb8");
    let href = r.body["href"].as_str().expect("href").to_string();
    let (status, ctype, bytes) = lead.get_bytes(&href).await;
    assert_eq!((status.as_u16(), ctype.as_str(), bytes), (200, "image/png", png));
    let r = lead.send_bytes(Method::POST, &path("/attachments?filename=tool.exe"), b"MZ\x90\x00\x03\x00".to_vec()).await;
    assert_eq!((r.status.as_u16(), r.body["detail"].as_str()), (415, Some("tool.exe: only JPEG and PNG photos, PDF documents and plain text may be attached")));
    let r = lead.send_bytes(Method::POST, &path("/attachments?filename=big.pdf"), [b"%PDF-1.7\n".to_vec(), vec![b' '; 10 * 1024 * 1024]].concat()).await;
    assert_eq!((r.status.as_u16(), r.body["detail"].as_str()), (413, Some("the attachment is larger than 10 MiB")));
    let r = lead.send_bytes(Method::POST, &path("/attachments?filename=a/b.txt"), b"note".to_vec()).await;
    assert_eq!((r.status.as_u16(), r.body["errors"][0]["field"].as_str()), (422, Some("filename")));
    assert_eq!(lead.get(&path("")).await.body["attachments"].as_array().map(|a| a.len()), Some(1));

    // Complete the survey and score it.
    let version = lead.get(&path("")).await.body["version"].clone();
    let answers = complete_answers(&m, &[]);
    let r = lead.send(Method::PATCH, &path("/answers"), Some(json!({"version": version, "answers": answers}))).await;
    assert_eq!(r.status.as_u16(), 200, "{:?}", r.body);
    let r = lead.send(Method::POST, &path("/score"), None).await;
    assert_eq!((r.status.as_u16(), r.body["state"].as_str()), (200, Some("scoring")), "{:?}", r.body);
    let scenarios = r.body["scores"]["scenarios"].as_array().expect("scenarios").clone();
    assert_eq!(scenarios.len(), m["scenarios"].as_array().map(|s| s.len()).unwrap_or(0));
    let risk_before: f64 = scenarios[0]["before"]["risk"].as_f64().expect("risk");

    // Suggestions become editable recommendations; measures and scenarios are checked.
    let suggested = lead.get(&path("/suggestions")).await.body["items"].as_array().cloned().unwrap_or_default();
    assert!(!suggested.is_empty(), "the least protective answers suggest measures");
    let measure = suggested[0]["measure"].as_str().expect("measure").to_string();
    let scenario0 = scenarios[0]["scenario"].as_str().expect("scenario").to_string();
    let r = lead
        .send(Method::PUT, &path("/findings"), Some(json!({"recommendations": [{"title": "x", "priority": "now", "cost_band": "cheap", "measure": "no-such-measure"}]})))
        .await;
    assert_eq!(
        r.body["detail"],
        "recommendations[0].priority: unknown priority \"now\"; expected one of: immediate, short, long; recommendations[0].cost_band: unknown cost band \"cheap\"; expected one of: low, medium, high, very_high"
    );
    let r = lead.send(Method::PUT, &path("/findings"), Some(json!({"recommendations": [{"title": "x", "priority": "short", "cost_band": "low", "measure": "no-such-measure"}]}))).await;
    assert_eq!((r.status.as_u16(), r.body["detail"].as_str()), (422, Some("recommendations[0].measure: unknown measure \"no-such-measure\": not in the catalogue")));
    let findings = json!({"summary": "The site is open to vehicles at gate 3. <script>alert(1)</script>", "findings": [{"scenario": scenario0, "text": "No barrier at gate 3."}],
        "recommendations": [{"title": "Trained staff", "priority": "long", "cost_band": "low"},
                            {"measure": measure, "title": suggested[0]["title"], "priority": "immediate", "cost_band": suggested[0]["cost_band"], "scenarios": suggested[0]["scenarios"]}]});
    let r = lead.send(Method::PUT, &path("/findings"), Some(findings.clone())).await;
    assert_eq!((r.status.as_u16(), r.body["state"].as_str(), r.body["findings_by"].as_str()), (200, Some("findings"), Some("assessor.de")), "{:?}", r.body);
    assert_eq!(r.body["findings"]["recommendations"][0]["priority"], "immediate", "sorted by priority");
    assert_eq!(r.body["scores"]["measures"], json!([measure]));

    // Review: the author may not approve; a second person sends back, then approves.
    assert_eq!(reviewer.send(Method::POST, &path("/approve"), None).await.status.as_u16(), 409, "not submitted yet");
    assert_eq!(lead.send(Method::POST, &path("/submit"), None).await.status.as_u16(), 200);
    let r = lead.send(Method::POST, &path("/approve"), None).await;
    assert_eq!((r.status.as_u16(), r.body["detail"].as_str()), (403, Some("assessor.de wrote these findings; a second person must review them")));
    let r = reviewer.send(Method::POST, &path("/send-back"), None).await;
    assert_eq!((r.status.as_u16(), r.body["errors"][0]["field"].as_str()), (422, Some("comment")));
    let r = reviewer.send(Method::POST, &path("/send-back"), Some(json!({"comment": "Cost the barrier."}))).await;
    assert_eq!((r.status.as_u16(), r.body["state"].as_str()), (200, Some("findings")));
    assert_eq!(lead.send(Method::PUT, &path("/findings"), Some(findings)).await.status.as_u16(), 200);
    assert_eq!(lead.send(Method::POST, &path("/submit"), None).await.status.as_u16(), 200);
    let r = reviewer.send(Method::POST, &path("/approve"), Some(json!({"comment": "Good."}))).await;
    assert_eq!((r.status.as_u16(), r.body["state"].as_str(), r.body["approved_by"].as_str()), (200, Some("approved"), Some("assessor.eu")));
    assert_eq!(operator.send(Method::POST, &path("/issue"), None).await.status.as_u16(), 403, "the host reads but does not issue");
    let r = lead.send(Method::POST, &path("/issue"), None).await;
    assert_eq!((r.status.as_u16(), r.body["state"].as_str(), r.body["allowed_actions"].clone()), (200, Some("issued"), json!([])));
    assert_eq!(lead.send(Method::PATCH, &path("/answers"), Some(json!({"version": r.body["version"], "answers": {q1.clone(): 2}}))).await.status.as_u16(), 409);

    // The trail tells the story.
    let trail = operator.get(&path("/trail")).await.body;
    let actions: Vec<&str> = trail["items"].as_array().expect("items").iter().filter_map(|t| t["action"].as_str()).collect();
    assert_eq!(actions, ["request", "plan", "answer", "attach", "answer", "score", "findings", "submit", "send_back", "findings", "submit", "approve", "issue"]);
    assert_eq!(trail["items"][8]["detail"], "Cost the barrier.");

    // The report: self-contained HTML with the marking and TLP label; the PDF from Chromium.
    let (status, ctype, html) = operator.get_bytes(&path("/report.html")).await;
    let html = String::from_utf8(html).expect("utf-8");
    assert_eq!((status.as_u16(), ctype.as_str()), (200, "text/html; charset=utf-8"));
    for needle in ["TLP:AMBER+STRICT", "RESTRICTED — SECURITY ASSESSMENT", "class=\"matrix\"", "class=\"sitemap\"", "No barrier at gate 3.", "Executive summary"] {
        assert!(html.contains(needle), "the report has {needle}");
    }
    assert!(!html.contains("<script") && !html.contains("http://") && !html.contains("https://"), "nothing is loaded from elsewhere");
    assert!(html.contains("gate 3. &lt;script&gt;alert(1)&lt;/script&gt;"), "the team's text is escaped");
    let (status, ctype, pdf) = operator.get_bytes(&path("/report.pdf")).await;
    assert_eq!((status.as_u16(), ctype.as_str(), &pdf[..4]), (200, "application/pdf", &b"%PDF"[..]));
    assert_eq!(outsider.get_bytes(&path("/report.pdf")).await.0.as_u16(), 404);

    // A re-assessment links the issued one and shows what changed.
    let (second, _) = surveyed(&operator, &lead, &["assessor.de"], &[(q1.as_str(), json!(max))]).await;
    let r = lead.send(Method::POST, &format!("/api/v1/assessments/{second}/score"), None).await;
    assert_eq!(r.status.as_u16(), 200);
    let c = operator.get(&format!("/api/v1/assessments/{second}/changes")).await.body;
    assert_eq!(c["previous_id"].as_str(), Some(id.as_str()));
    assert_eq!(c["answers"], json!([{"question": q1, "before": first_scale["answer"]["min"].as_f64(), "now": max as f64}]));
    let changed: Vec<&Value> = c["scenarios"].as_array().expect("scenarios").iter().filter(|s| s["change"].as_f64() != Some(0.0)).collect();
    assert!(!changed.is_empty(), "a changed answer changes some scenario's risk: {c}");
    assert_eq!(c["scenarios"][0]["risk_before"].as_f64(), Some(risk_before));
}

#[tokio::test]
async fn assessment_flow_on_sqlite() {
    flow(Backend::Sqlite).await;
}

#[tokio::test]
async fn assessment_flow_on_postgres() {
    flow(Backend::Postgres).await;
}

/// Without Chromium the PDF is a clear 503; the HTML still works.
#[tokio::test]
async fn pdf_without_chromium_is_unavailable() {
    let app = spawn_app(Backend::Sqlite).await;
    let operator = app.login("operator.de").await;
    let lead = app.login("assessor.de").await;
    let (id, _) = surveyed(&operator, &lead, &["assessor.de"], &[]).await;
    assert_eq!(lead.send(Method::POST, &format!("/api/v1/assessments/{id}/score"), None).await.status.as_u16(), 200);
    let r = rampart_server::report::pdf_of_with("<p>x</p>".into(), std::path::Path::new("/nonexistent/chromium")).await;
    match r {
        Err(rampart_server::error::ApiError::Unavailable(m)) => assert!(m.starts_with("PDF reports need Chromium, which is not installed at /nonexistent/chromium"), "{m}"),
        other => panic!("expected unavailable, got {:?}", other.map(|b| b.len())),
    }
    assert_eq!(lead.get_bytes(&format!("/api/v1/assessments/{id}/report.html")).await.0.as_u16(), 200);
}
