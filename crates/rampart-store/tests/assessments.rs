//! The assessment story, told on SQLite and on PostgreSQL: request, plan, survey, a
//! refused change that leaves nothing behind, a stale version, attachments, the trail,
//! readers' lists, and a re-assessment that links the issued one.

use rampart_core::assessment::{transition, Action, AssessmentState};
use rampart_core::*;
use rampart_store::test_support::fresh;
use rampart_store::{AssessmentReader, Backend, NewAssessment, NewAttachment, Store, StoreError, TrailNote};
use serde_json::{json, Value};

fn parse<T>(v: Value, f: fn(&serde_json::Map<String, Value>) -> Result<T, Invalid>) -> T {
    f(v.as_object().expect("object")).expect("valid test value")
}

fn name(s: &str) -> Username {
    Username::parse(s).expect("username")
}

/// A move of the workflow, as the server makes it.
fn moved(action: Action, detail: &str) -> impl FnOnce(&mut rampart_store::AssessmentRecord) -> rampart_store::Result<TrailNote> + '_ {
    move |r| {
        r.state = transition(r.state, action).map_err(StoreError::Invalid)?;
        Ok(TrailNote { action, detail: detail.to_string() })
    }
}

async fn story(store: Store) {
    for (id, kind) in [("stadium-op", "operator"), ("psa-team", "authority"), ("other-op", "operator")] {
        store.put_organisation(&parse(json!({"id": id, "name": id, "kind": kind, "country": "DE"}), Organisation::from_json)).await.expect("org");
    }
    let stadium = parse(
        json!({"id": "DE-STA-1", "name": "Demo stadium", "kind": "public_space", "category": "stadium", "country": "DE", "operator_id": "stadium-op",
               "geometry": {"type": "Point", "coordinates": [7.0, 51.5]}}),
        Asset::from_json,
    );
    store.create_asset(&stadium, "seed", 1).await.expect("asset");
    let host = OrgId::parse("stadium-op").expect("org");
    let lead = name("ana");

    // A request for an unknown site or host changes nothing.
    let bad = NewAssessment { id: "asm-0", asset_id: "DE-NOPE", host_org: &host, title: "x", lead: &lead };
    match store.create_assessment(&bad, "op", 10).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.to_string(), "asset_id: no asset with id \"DE-NOPE\""),
        other => panic!("expected invalid, got {other:?}"),
    }
    let nobody = OrgId::parse("nobody").expect("org");
    let bad = NewAssessment { id: "asm-0", asset_id: "DE-STA-1", host_org: &nobody, title: "x", lead: &lead };
    match store.create_assessment(&bad, "op", 10).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.to_string(), "host_org: no organisation with id \"nobody\""),
        other => panic!("expected invalid, got {other:?}"),
    }
    assert_eq!(store.get_assessment("asm-0").await.expect("get"), None);

    let first = store
        .create_assessment(&NewAssessment { id: "asm-1", asset_id: "DE-STA-1", host_org: &host, title: "Stadium 2026", lead: &lead }, "op", 100)
        .await
        .expect("request");
    assert_eq!((first.state, first.version, first.team.clone(), first.previous_id.clone()), (AssessmentState::Requested, 1, vec![lead.clone()], None));

    // Planning: the team grows; the team table follows.
    let planned = store
        .change_assessment("asm-1", Some(1), "ana", 200, |r| {
            r.state = transition(r.state, Action::Plan).map_err(StoreError::Invalid)?;
            r.team = vec![name("ana"), name("ben")];
            r.team_expertise = vec!["drones".into(), "explosives_detection,cbrn_detection".into()];
            r.methodology_id = Some("eu-public-spaces".into());
            Ok(TrailNote { action: Action::Plan, detail: "team of 2".into() })
        })
        .await
        .expect("plan");
    assert_eq!((planned.state, planned.version), (AssessmentState::Planning, 2));
    let again = store.get_assessment("asm-1").await.expect("get").expect("exists");
    assert_eq!(again, planned);
    assert_eq!(again.team_expertise[1], "explosives_detection,cbrn_detection");

    // A stale version is a conflict and changes nothing; a refused move likewise.
    match store.change_assessment("asm-1", Some(1), "ben", 300, moved(Action::Answer, "q1")).await {
        Err(StoreError::Conflict(m)) => {
            assert_eq!(m, "assessment asm-1 was changed by ana (now version 2, you edited version 1); reload it and try again")
        }
        other => panic!("expected a conflict, got {other:?}"),
    }
    match store.change_assessment("asm-1", Some(2), "ben", 300, moved(Action::Approve, "")).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.to_string(), "state: cannot approve an assessment that is planning; only when it is review"),
        other => panic!("expected invalid, got {other:?}"),
    }
    match store.change_assessment("asm-missing", None, "ben", 300, moved(Action::Answer, "")).await {
        Err(StoreError::NotFound(m)) => assert_eq!(m, "assessment asm-missing"),
        other => panic!("expected not found, got {other:?}"),
    }
    assert_eq!(store.get_assessment("asm-1").await.expect("get").expect("exists"), planned);

    // Attachments: stored with their hash, listed, read back; the version stays.
    let att = store
        .add_attachment(
            "asm-1",
            &NewAttachment { question_id: Some("perimeter"), filename: "gate.png", content_type: "image/png", sha256: "abc", data: b"\x89PNG...." },
            "ben",
            400,
            |_| Ok(()),
        )
        .await
        .expect("attach");
    let refused = store
        .add_attachment("asm-1", &NewAttachment { question_id: None, filename: "x.txt", content_type: "text/plain", sha256: "d", data: b"x" }, "eve", 401, |_| {
            Err(StoreError::NotFound("assessment asm-1".into()))
        })
        .await;
    assert!(matches!(refused, Err(StoreError::NotFound(_))));
    assert_eq!(store.list_attachments("asm-1").await.expect("list"), vec![att.clone()]);
    let (meta, bytes) = store.get_attachment("asm-1", att.id).await.expect("get").expect("exists");
    assert_eq!((meta.size_bytes, bytes.as_slice()), (8, &b"\x89PNG...."[..]));
    assert_eq!(store.get_attachment("asm-other", att.id).await.expect("get"), None);

    // Through the workflow to issue.
    for (who, action) in [("ben", Action::Answer), ("ben", Action::Score), ("ana", Action::WriteFindings), ("ana", Action::Submit), ("ben", Action::Approve), ("ana", Action::Issue)] {
        store.change_assessment("asm-1", None, who, 500, moved(action, "")).await.expect("move");
    }
    let trail = store.assessment_trail("asm-1").await.expect("trail");
    let steps: Vec<(String, Option<String>, String)> = trail.iter().map(|t| (t.action.clone(), t.from_state.clone(), t.to_state.clone())).collect();
    let s = |x: &str| x.to_string();
    assert_eq!(
        steps,
        vec![
            (s("request"), None, s("requested")),
            (s("plan"), Some(s("requested")), s("planning")),
            (s("attach"), Some(s("planning")), s("planning")),
            (s("answer"), Some(s("planning")), s("survey")),
            (s("score"), Some(s("survey")), s("scoring")),
            (s("findings"), Some(s("scoring")), s("findings")),
            (s("submit"), Some(s("findings")), s("review")),
            (s("approve"), Some(s("review")), s("approved")),
            (s("issue"), Some(s("approved")), s("issued")),
        ]
    );
    assert_eq!(trail[2].detail, "gate.png (image/png, 8 bytes, sha256 abc)");

    // The trail is append-only, even for someone with SQL access through the store's pool.
    assert!(store.tamper_with_trail_for_tests("asm-1").await.is_err());

    // A re-assessment links the issued one; another host's request does not.
    let second = store
        .create_assessment(&NewAssessment { id: "asm-2", asset_id: "DE-STA-1", host_org: &host, title: "Stadium 2027", lead: &lead }, "op", 600)
        .await
        .expect("second");
    assert_eq!(second.previous_id.as_deref(), Some("asm-1"));
    let other = OrgId::parse("other-op").expect("org");
    let third = store
        .create_assessment(&NewAssessment { id: "asm-3", asset_id: "DE-STA-1", host_org: &other, title: "Other", lead: &name("cy") }, "op2", 700)
        .await
        .expect("third");
    assert_eq!(third.previous_id, None);

    // Lists: the host sees its two, a team member the ones they are in, admins all.
    let ids = |v: Vec<rampart_store::AssessmentRecord>| v.into_iter().map(|r| r.id).collect::<Vec<_>>();
    assert_eq!(ids(store.list_assessments(&AssessmentReader::All, None).await.expect("all")), ["asm-3", "asm-2", "asm-1"]);
    let host_reader = AssessmentReader::Member { organisation: &host, username: &name("someone") };
    assert_eq!(ids(store.list_assessments(&host_reader, None).await.expect("host")), ["asm-2", "asm-1"]);
    let psa = OrgId::parse("psa-team").expect("org");
    let ben = name("ben");
    assert_eq!(ids(store.list_assessments(&AssessmentReader::Member { organisation: &psa, username: &ben }, None).await.expect("ben")), ["asm-1"]);
    let cy = name("cy");
    let listed = store.list_assessments(&AssessmentReader::Member { organisation: &psa, username: &cy }, Some("DE-STA-1")).await.expect("cy");
    assert_eq!((ids(listed.clone()), listed[0].team.clone()), (vec!["asm-3".to_string()], vec![cy.clone()]));
    assert_eq!(store.list_assessments(&AssessmentReader::Member { organisation: &psa, username: &cy }, Some("DE-X")).await.expect("none").len(), 0);
}

#[tokio::test]
async fn assessment_story_on_sqlite() {
    let db = fresh(Backend::Sqlite).await;
    story(db.store.clone()).await;
}

#[tokio::test]
async fn assessment_story_on_postgres() {
    let db = fresh(Backend::Postgres).await;
    story(db.store.clone()).await;
}
