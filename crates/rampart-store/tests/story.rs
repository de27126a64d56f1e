//! One storage story, told on SQLite and on PostgreSQL: the backends must agree.

use rampart_core::*;
use rampart_store::test_support::fresh;
use rampart_store::{AssetFilter, Backend, MapItem, NewRun, NewUser, RunRecord, RunStatus, Store, StoreError, INTERRUPTED};
use serde_json::{json, Value};

fn parse<T>(v: Value, f: fn(&serde_json::Map<String, Value>) -> Result<T, Invalid>) -> T {
    f(v.as_object().expect("object")).expect("valid test value")
}

fn asset(id: &str, name: &str, country: &str, sector: &str, lon: f64, lat: f64, operator: &str) -> Asset {
    parse(
        json!({"id": id, "name": name, "sector": sector, "country": country, "operator_id": operator,
               "geometry": {"type": "Point", "coordinates": [lon, lat]}, "people_served": 1000}),
        Asset::from_json,
    )
}

fn dep(supplier: &str, dependent: &str, service: &str) -> Dependency {
    parse(json!({"supplier_id": supplier, "dependent_id": dependent, "service": service, "k": 1, "n": 2, "buffer_hours": 24}), Dependency::from_json)
}

async fn story(store: Store) {
    let empty = store.registry_version().await.expect("version");

    // Organisations.
    for (id, kind, country) in [("fi-authority", "authority", Some("FI")), ("fi-op-grid", "operator", Some("FI")), ("ee-op-grid", "operator", Some("EE"))] {
        store.put_organisation(&parse(json!({"id": id, "name": id, "kind": kind, "country": country}), Organisation::from_json)).await.expect("org");
    }
    assert_eq!(store.list_organisations().await.expect("orgs").len(), 3);

    // Assets: create, read, duplicate, unknown operator.
    let sub = asset("FI-SUB-1", "Helsinki substation", "FI", "energy", 24.94, 60.17, "fi-op-grid");
    store.create_asset(&sub, "ana", 1_000).await.expect("create");
    let got = store.get_asset(&sub.id).await.expect("get").expect("exists");
    assert_eq!((got.asset.clone(), got.version, got.updated_by.as_str()), (sub.clone(), 1, "ana"));
    match store.create_asset(&sub, "ana", 1_001).await {
        Err(StoreError::Conflict(m)) => assert_eq!(m, "an asset with id \"FI-SUB-1\" already exists"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let orphan = asset("FI-X", "x", "FI", "energy", 25.0, 60.0, "nobody");
    match store.create_asset(&orphan, "ana", 1_002).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.to_string(), "operator_id: no organisation with id \"nobody\""),
        other => panic!("expected invalid, got {other:?}"),
    }

    // A bulk load of more assets, dependencies and a cross-border link.
    let hospital = asset("FI-HOS-1", "Meilahti hospital", "FI", "health", 24.90, 60.19, "fi-op-grid");
    let water = asset("FI-WAT-1", "Pitkäkoski water works", "FI", "drinking_water", 24.98, 60.25, "fi-op-grid");
    let tallinn = asset("EE-SUB-1", "Tallinn substation", "EE", "energy", 24.75, 59.44, "ee-op-grid");
    let mut w = store.bulk_writer("loader", "import", 2_000).await.expect("writer");
    w.assets(&[hospital.clone(), water.clone(), tallinn.clone()]).await.expect("assets");
    w.dependencies(&[dep("FI-SUB-1", "FI-HOS-1", "electricity"), dep("FI-WAT-1", "FI-HOS-1", "water"), dep("FI-SUB-1", "FI-WAT-1", "electricity")])
        .await
        .expect("deps");
    w.links(&[parse(json!({"network": "grid", "from_id": "EE-SUB-1", "to_id": "FI-SUB-1", "capacity": 1016, "length_km": 170}), NetworkLink::from_json)])
        .await
        .expect("links");
    let counts = w.commit().await.expect("commit");
    assert_eq!((counts.assets, counts.dependencies, counts.links), (3, 3, 1));

    // A load that fails half-way changes nothing.
    let mut w = store.bulk_writer("loader", "import", 3_000).await.expect("writer");
    w.assets(&[asset("FI-NEW-1", "new", "FI", "energy", 25.0, 60.0, "fi-op-grid")]).await.expect("first batch");
    match w.assets(&[asset("FI-HOS-1", "again", "FI", "health", 25.0, 60.0, "fi-op-grid")]).await {
        Err(StoreError::Conflict(m)) => assert_eq!(m, "an asset with id \"FI-HOS-1\" already exists"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    drop(w);
    assert_eq!(store.get_asset(&AssetId::parse("FI-NEW-1").expect("id")).await.expect("get"), None);

    // Lists: scope, filters, bounding box (indexed), cursor pagination.
    let all = Scope::All;
    let fi = Scope::Country(CountryCode::parse("FI").expect("FI"));
    assert_eq!(store.count_assets(&AssetFilter::default(), &all).await.expect("count"), 4);
    assert_eq!(store.count_assets(&AssetFilter::default(), &fi).await.expect("count"), 3);
    assert_eq!(store.count_assets(&AssetFilter::default(), &Scope::Operator(OrgId::parse("ee-op-grid").expect("id"))).await.expect("count"), 1);
    assert_eq!(store.count_assets(&AssetFilter::default(), &Scope::Nothing).await.expect("count"), 0);
    let helsinki = AssetFilter { bbox: Some(BBox::parse("24.85,60.10,24.96,60.20").expect("bbox")), ..Default::default() };
    let page = store.list_assets(&helsinki, &all, 10, None).await.expect("list");
    let ids: Vec<String> = page.items.iter().map(|a| a.asset.id.to_string()).collect();
    assert_eq!(ids, vec!["FI-HOS-1", "FI-SUB-1"]);
    let energy = AssetFilter { sector: Some(Sector::Energy), ..Default::default() };
    let p1 = store.list_assets(&energy, &all, 1, None).await.expect("page 1");
    assert_eq!((p1.items[0].asset.id.as_str(), p1.next_cursor.as_deref()), ("EE-SUB-1", Some("EE-SUB-1")));
    let p2 = store.list_assets(&energy, &all, 1, p1.next_cursor.as_deref()).await.expect("page 2");
    assert_eq!((p2.items[0].asset.id.as_str(), p2.next_cursor), ("FI-SUB-1", None));
    let text = AssetFilter { text: Some("MEILAHTI".into()), ..Default::default() };
    assert_eq!(store.count_assets(&text, &all).await.expect("count"), 1);
    let percent = AssetFilter { text: Some("%".into()), ..Default::default() };
    assert_eq!(store.count_assets(&percent, &all).await.expect("count"), 0);

    // Within a polygon: a triangle around the hospital (24.90, 60.19) that leaves out the substation (24.94, 60.17).
    let triangle = match Geometry::from_geojson(&json!({"type": "Polygon", "coordinates": [[[24.85, 60.18], [24.95, 60.18], [24.90, 60.22], [24.85, 60.18]]]})) {
        Ok(Geometry::Polygon(p)) => p,
        other => panic!("a polygon: {other:?}"),
    };
    let within = AssetFilter { within: Some(triangle), ..Default::default() };
    let page = store.list_assets(&within, &all, 10, None).await.expect("within");
    assert_eq!(page.items.iter().map(|a| a.asset.id.as_str()).collect::<Vec<_>>(), vec!["FI-HOS-1"]);
    assert_eq!(store.count_assets(&within, &all).await.expect("count"), 1);
    assert_eq!(store.map_items(&within, &all, 10, 8).await.expect("map").len(), 1);
    assert_eq!(store.count_assets(&within, &Scope::Country(CountryCode::parse("EE").expect("EE"))).await.expect("count"), 0);

    // The map: points when few, grid cells when many.
    let europe = AssetFilter { bbox: Some(BBox::parse("20,55,30,65").expect("bbox")), ..Default::default() };
    let points = store.map_items(&europe, &all, 10, 8).await.expect("map");
    assert_eq!(points.len(), 4);
    assert!(matches!(&points[0], MapItem::Asset { id, .. } if id == "EE-SUB-1"));
    let cells = store.map_items(&europe, &all, 2, 8).await.expect("map");
    let mut described: Vec<String> = cells
        .iter()
        .map(|c| match c {
            MapItem::Cluster(c) => format!("cluster of {}", c.count),
            MapItem::Asset { id, .. } => id.clone(),
        })
        .collect();
    described.sort();
    assert_eq!(described, vec!["EE-SUB-1".to_string(), "cluster of 3".to_string()], "Tallinn alone in its cell, the Helsinki assets together");

    // Update with optimistic concurrency; history records who changed what.
    let mut renamed = sub.clone();
    renamed.name = "Helsinki Central substation".into();
    let updated = store.update_asset(&renamed, Some(1), |_| Ok(()), "ben", 4_000).await.expect("update");
    assert_eq!(updated.version, 2);
    match store.update_asset(&renamed, Some(1), |_| Ok(()), "cem", 4_001).await {
        Err(StoreError::Conflict(m)) => assert!(m.starts_with("asset FI-SUB-1 was changed by ben (now version 2"), "{m}"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    let refused = store.update_asset(&renamed, None, |_| Err(StoreError::NotFound("asset FI-SUB-1".into())), "eve", 4_002).await;
    assert!(matches!(refused, Err(StoreError::NotFound(_))));
    let history = store.asset_history(&sub.id, 10).await.expect("history");
    let actions: Vec<(&str, &str)> = history.iter().map(|h| (h.action.as_str(), h.actor.as_str())).collect();
    assert_eq!(actions, vec![("update", "ben"), ("create", "ana")]);
    assert_eq!(history[0].changes, json!({"name": {"from": "Helsinki substation", "to": "Helsinki Central substation"}}));

    // Upstream and downstream.
    let up = store.neighbourhood(&hospital.id, true, 3).await.expect("upstream");
    let mut up_ids: Vec<String> = up.assets.iter().map(|a| a.asset.id.to_string()).collect();
    up_ids.sort();
    assert_eq!(up_ids, vec!["FI-SUB-1", "FI-WAT-1"]);
    assert_eq!(up.dependencies.len(), 3, "hospital <- substation, hospital <- water <- substation");
    let down = store.neighbourhood(&sub.id, false, 1).await.expect("downstream");
    assert_eq!(down.dependencies.len(), 2);
    let deps = store.list_dependencies(Some(&hospital.id), 10, None).await.expect("deps");
    assert_eq!(deps.items.len(), 2);
    match store.create_dependency(&dep("FI-SUB-1", "NOWHERE", "electricity"), "ana", 5_000).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.to_string(), "dependent_id: no asset with id \"NOWHERE\""),
        other => panic!("expected invalid, got {other:?}"),
    }
    match store.create_dependency(&dep("FI-SUB-1", "FI-HOS-1", "electricity"), "ana", 5_000).await {
        Err(StoreError::Conflict(m)) => assert_eq!(m, "FI-HOS-1 already depends on FI-SUB-1 for electricity"),
        other => panic!("expected a conflict, got {other:?}"),
    }

    // Deleting an asset removes its dependencies and links and keeps its history.
    let before_delete = store.registry_version().await.expect("version");
    assert_ne!(before_delete, empty, "loads change the registry's version");
    assert_eq!(store.registry_version().await.expect("version"), before_delete, "reading does not");
    store.delete_asset(&sub.id, |_| Ok(()), "ana", 6_000).await.expect("delete");
    assert_ne!(store.registry_version().await.expect("version"), before_delete, "deleting changes it");
    assert_eq!(store.list_dependencies(None, 10, None).await.expect("deps").items.len(), 1);
    assert_eq!(store.list_links(None, 10, None).await.expect("links").items.len(), 0);
    assert_eq!(store.asset_history(&sub.id, 10).await.expect("history")[0].action, "delete");

    // Accounts: users, sessions, tokens, failed logins.
    let username = Username::parse("ana").expect("name");
    let org = OrgId::parse("fi-authority").expect("org");
    store.create_user(&NewUser { username: &username, password_hash: "$argon2id$x", role: Role::Analyst, organisation_id: &org }, 7_000).await.expect("user");
    assert!(matches!(
        store.create_user(&NewUser { username: &username, password_hash: "h", role: Role::Viewer, organisation_id: &org }, 7_001).await,
        Err(StoreError::Conflict(_))
    ));
    let p = store.principal("ana").await.expect("principal").expect("enabled");
    assert_eq!((p.role, p.read_scope()), (Role::Analyst, fi.clone()));
    store.create_session("hash1", "ana", "csrf1", 8_000, 9_000).await.expect("session");
    assert_eq!(store.session("hash1", 8_500).await.expect("session").map(|(p, c)| (p.username.to_string(), c)), Some(("ana".into(), "csrf1".into())));
    assert_eq!(store.session("hash1", 9_000).await.expect("session"), None, "expired");
    store.create_session("hash2", "ana", "csrf2", 8_000, 99_000).await.expect("session");
    store.create_api_token("tok1", "ana", "script", 8_000, None).await.expect("token");
    assert!(store.api_token("tok1", 50_000).await.expect("token").is_some());
    store.update_user(&username, None, None, Some(true)).await.expect("disable");
    assert_eq!(store.session("hash2", 8_500).await.expect("session"), None, "disabling ends sessions");
    assert_eq!(store.api_token("tok1", 50_000).await.expect("token"), None, "disabled users' tokens stop working");
    for t in [10, 20, 30] {
        store.record_login_failure("ana", t).await.expect("failure");
    }
    assert_eq!(store.login_failures_since("ana", 15).await.expect("count"), 2);

    runs(&store).await;
    sharing_directory(&store).await;
    incidents(&store).await;
    library(&store).await;
}

/// Analysis runs: queued, running with progress, then done, failed or cancelled once;
/// lists newest first; runs left behind by a stopped process are marked interrupted.
async fn runs(store: &Store) {
    let new = |id: &'static str, by: &'static str| NewRun { id, kind: "scenario", request: r#"{"kind":"scenario","assets":["FI-HOS-1"]}"#, created_by: by };
    let r = store.create_run(&new("run-a", "ana"), 10_000).await.expect("create");
    assert_eq!((r.status, r.progress, r.created_at, r.heartbeat_at, r.started_at, r.result.clone()), (RunStatus::Queued, 0.0, 10_000, 10_000, None, None));
    assert!(matches!(store.create_run(&new("run-a", "ana"), 10_001).await, Err(StoreError::Conflict(_))));
    store.create_run(&new("run-b", "bob"), 11_000).await.expect("create");
    store.create_run(&new("run-c", "ana"), 12_000).await.expect("create");

    // run-a: running, progress, done. A finished run does not change again.
    assert!(store.mark_run_running("run-a", 10_100).await.expect("running"));
    assert!(!store.mark_run_running("run-a", 10_150).await.expect("only once"));
    assert!(store.set_run_progress("run-a", 0.25, 10_200).await.expect("progress"));
    assert!(store.set_run_progress("run-a", 7.0, 10_300).await.expect("progress is clamped"));
    let r = store.get_run("run-a").await.expect("get").expect("exists");
    assert_eq!((r.status, r.progress, r.started_at, r.heartbeat_at), (RunStatus::Running, 1.0, Some(10_100), 10_300));
    assert!(store.finish_run("run-a", r#"{"kind":"scenario"}"#, 10_400).await.expect("finish"));
    assert!(!store.fail_run("run-a", "late", 10_500).await.expect("no longer unfinished"));
    assert!(!store.cancel_run("run-a", "ana", 10_500).await.expect("no longer unfinished"));
    assert!(!store.set_run_progress("run-a", 0.5, 10_500).await.expect("no longer unfinished"));
    let r = store.get_run("run-a").await.expect("get").expect("exists");
    assert_eq!((r.status, r.progress, r.finished_at, r.result.as_deref(), r.error), (RunStatus::Done, 1.0, Some(10_400), Some(r#"{"kind":"scenario"}"#), None));

    // run-b fails, run-c is cancelled while queued and then cannot start.
    assert!(store.fail_run("run-b", "footprint: no asset lies in it", 11_100).await.expect("fail"));
    assert!(store.cancel_run("run-c", "ana", 12_100).await.expect("cancel"));
    assert!(!store.mark_run_running("run-c", 12_200).await.expect("cancelled runs do not start"));
    let c = store.get_run("run-c").await.expect("get").expect("exists");
    assert_eq!((c.status, c.error.as_deref(), c.finished_at), (RunStatus::Cancelled, Some("cancelled by ana"), Some(12_100)));
    assert_eq!(store.get_run("nope").await.expect("get"), None);

    // Lists: newest first, without results; one user's or everybody's.
    let ids = |v: Vec<RunRecord>| v.into_iter().map(|r| (r.id, r.status, r.result)).collect::<Vec<_>>();
    assert_eq!(
        ids(store.list_runs(None, 10).await.expect("list")),
        vec![("run-c".into(), RunStatus::Cancelled, None), ("run-b".into(), RunStatus::Failed, None), ("run-a".into(), RunStatus::Done, None)]
    );
    assert_eq!(ids(store.list_runs(Some("ana"), 10).await.expect("list")).into_iter().map(|r| r.0).collect::<Vec<_>>(), vec!["run-c", "run-a"]);
    assert_eq!(store.list_runs(Some("ana"), 1).await.expect("list").len(), 1);

    // A stopped process left run-d running (last sign of life at 20_000) and run-e queued
    // (at 25_000). Only runs silent since the given time are marked interrupted.
    store.create_run(&new("run-d", "ana"), 19_000).await.expect("create");
    assert!(store.mark_run_running("run-d", 20_000).await.expect("running"));
    store.create_run(&new("run-e", "bob"), 25_000).await.expect("create");
    assert_eq!(store.interrupt_unfinished(30_000, 22_000).await.expect("interrupt"), 1);
    assert_eq!(store.interrupt_unfinished(30_000, 30_000).await.expect("interrupt"), 1);
    for id in ["run-d", "run-e"] {
        let r = store.get_run(id).await.expect("get").expect("exists");
        assert_eq!((r.status, r.error.as_deref(), r.finished_at), (RunStatus::Failed, Some(INTERRUPTED), Some(30_000)), "{id}");
    }
    assert_eq!(store.get_run("run-a").await.expect("get").expect("exists").status, RunStatus::Done, "finished runs are left alone");
    assert_eq!(store.interrupt_unfinished(40_000, 40_000).await.expect("interrupt"), 0);

    // The places of assets a result names; deleted ones are simply absent.
    let places = store.asset_places(&["FI-HOS-1", "FI-SUB-1", "EE-SUB-1"]).await.expect("places");
    let mut got: Vec<(String, String, String, Option<String>, f64)> =
        places.into_iter().map(|p| (p.id, p.class, p.country.to_string(), p.operator_id.map(|o| o.to_string()), p.lon)).collect();
    got.sort_by(|a, b| a.0.cmp(&b.0));
    assert_eq!(
        got,
        vec![
            ("EE-SUB-1".into(), "energy".into(), "EE".into(), Some("ee-op-grid".into()), 24.75),
            ("FI-HOS-1".into(), "health".into(), "FI".into(), Some("fi-op-grid".into()), 24.90)
        ]
    );
}

/// Communities and sharing profiles: members must exist, profiles are checked against
/// the directory, a member state has one single point of contact, refusals write nothing.
async fn sharing_directory(store: &Store) {
    let community = |v: Value| parse(v, Community::from_json);
    let grids = community(json!({"id": "baltic-grids", "name": "Baltic grid operators", "members": ["fi-op-grid", "ee-op-grid"]}));
    store.put_community(&grids).await.expect("community");
    let got = store.get_community(&grids.id).await.expect("get").expect("exists");
    assert_eq!(got.members.iter().map(OrgId::as_str).collect::<Vec<_>>(), ["ee-op-grid", "fi-op-grid"]);
    // Unknown members are named and the community is left as it was.
    let bad = community(json!({"id": "baltic-grids", "name": "renamed", "members": ["fi-op-grid", "lv-op-grid", "lt-op-grid"]}));
    match store.put_community(&bad).await {
        Err(StoreError::Invalid(e)) => assert_eq!(e.to_string(), "members[1]: no organisation lv-op-grid; members[2]: no organisation lt-op-grid"),
        other => panic!("expected invalid, got {other:?}"),
    }
    assert_eq!(store.get_community(&grids.id).await.expect("get"), Some(got));
    store.put_community(&community(json!({"id": "fi-cip", "name": "Finnish CIP", "members": ["fi-authority", "fi-op-grid"]}))).await.expect("second");
    let ids = |cs: Vec<Community>| cs.into_iter().map(|c| c.id.to_string()).collect::<Vec<_>>();
    assert_eq!(ids(store.list_communities(None).await.expect("all")), ["baltic-grids", "fi-cip"]);
    let ee = OrgId::parse("ee-op-grid").expect("id");
    assert_eq!(ids(store.list_communities(Some(&ee)).await.expect("of ee")), ["baltic-grids"]);

    // Profiles: the Finnish grid operator is a client of the Finnish authority, with a liaison officer.
    let (fi_op, fi_auth) = (OrgId::parse("fi-op-grid").expect("id"), OrgId::parse("fi-authority").expect("id"));
    let slo = Username::parse("slo.fingrid").expect("name");
    store.create_user(&NewUser { username: &slo, password_hash: "x", role: Role::Operator, organisation_id: &fi_op }, 20_000).await.expect("user");
    let profile = |v: Value| parse(v, SharingProfile::from_json);
    store.set_sharing_profile(&fi_op, &profile(json!({"supervisor": "fi-authority", "liaison": "slo.fingrid"}))).await.expect("profile");
    store.set_sharing_profile(&fi_auth, &profile(json!({"contact_point": true}))).await.expect("contact point");
    assert_eq!(store.clients_of(&fi_auth).await.expect("clients"), vec![fi_op.clone()]);
    assert_eq!(store.contact_point(CountryCode::parse("FI").expect("FI")).await.expect("spoc"), Some(fi_auth.clone()));
    assert_eq!(store.contact_point(CountryCode::parse("EE").expect("EE")).await.expect("spoc"), None);
    // The Estonian operator names a Finnish liaison and an operator as supervisor: both refused, nothing written.
    match store.set_sharing_profile(&ee, &profile(json!({"supervisor": "fi-op-grid", "liaison": "slo.fingrid"}))).await {
        Err(StoreError::Invalid(e)) => assert_eq!(
            e.to_string(),
            "supervisor: fi-op-grid is Operator (operator); a supervisor is an authority or an EU body; liaison: slo.fingrid belongs to fi-op-grid, not ee-op-grid"
        ),
        other => panic!("expected invalid, got {other:?}"),
    }
    assert_eq!(store.sharing_profile(&ee).await.expect("profile"), SharingProfile::default());
    // A second Finnish contact point is a conflict.
    let fi2 = parse(json!({"id": "fi-traficom", "name": "Traficom", "kind": "authority", "country": "FI"}), Organisation::from_json);
    store.put_organisation(&fi2).await.expect("org");
    match store.set_sharing_profile(&fi2.id, &profile(json!({"contact_point": true}))).await {
        Err(StoreError::Conflict(m)) => assert_eq!(m, "contact_point: FI already has a single point of contact (fi-authority)"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    // Explosives precursors: one national contact point per member state; reports go to it and are read by both ends.
    store.set_sharing_profile(&fi_auth, &profile(json!({"contact_point": true, "precursor_contact_point": true}))).await.expect("ncp");
    match store.set_sharing_profile(&fi2.id, &profile(json!({"precursor_contact_point": true}))).await {
        Err(StoreError::Conflict(m)) => assert_eq!(m, "precursor_contact_point: FI already has a national contact point for explosives precursors (fi-authority)"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(store.precursor_contact_point(CountryCode::parse("FI").expect("FI")).await.expect("ncp"), Some(fi_auth.clone()));
    let report = rampart_store::PrecursorReportRecord {
        id: "str-1".into(), country: "FI".into(), kind: "suspicious_transaction".into(), report: "{}".into(), prepared_by: "slo.fingrid".into(),
        organisation_id: fi_op.clone(), recipient_id: fi_auth.clone(), detected_at: 1_000, due_at: 86_401_000, submitted_at: 5_000,
    };
    store.submit_precursor_report(&report).await.expect("submit");
    assert_eq!(store.precursor_reports_for(Some(&fi_auth)).await.expect("to ncp"), vec![report.clone()]);
    assert_eq!(store.precursor_reports_for(Some(&fi_op)).await.expect("by op"), vec![report.clone()]);
    assert_eq!(store.precursor_reports_for(Some(&ee)).await.expect("other"), vec![]);
    assert_eq!(store.get_precursor_report("str-1").await.expect("get"), Some(report));
    store.delete_community(&grids.id).await.expect("delete");
    assert!(matches!(store.delete_community(&grids.id).await, Err(StoreError::NotFound(_))));
}

/// The library: documents written all-or-nothing with a change for each write, updates
/// under optimistic versions, attachments, deletion, events.
async fn library(store: &Store) {
    use rampart_core::library::{DocumentContent, EventContent, LibraryDocument};
    use rampart_store::{AttachmentMeta, EventRecord};
    store.put_community(&parse(json!({"id": "lib-grids", "name": "Grid people", "members": ["fi-op-grid", "ee-op-grid"]}), Community::from_json))
        .await
        .expect("community");
    let doc = |id: &str, title: &str| LibraryDocument {
        id: id.into(),
        organisation: OrgId::parse("fi-op-grid").expect("org"),
        author: Username::parse("ana").expect("user"),
        content: parse(json!({"kind": "lessons_learnt", "title": title, "body": "Cable *cut*", "tlp": "TLP:GREEN", "community": "lib-grids", "tags": ["cables"]}),
            DocumentContent::from_json),
        version: 1,
        created_at_ms: 60_000,
        updated_at_ms: 60_000,
    };
    let (start, none) = store.library_snapshot().await.expect("snapshot");
    assert!(none.is_empty());
    store.insert_library_documents(&[doc("doc-1", "Storm damage"), doc("doc-2", "Excavator")]).await.expect("insert");
    // A batch with a duplicate stores nothing.
    match store.insert_library_documents(&[doc("doc-3", "Third"), doc("doc-1", "Again")]).await {
        Err(StoreError::Conflict(m)) => assert_eq!(m, "document doc-1 already exists"),
        other => panic!("expected a conflict, got {other:?}"),
    }
    assert_eq!(store.get_library_document("doc-3").await.expect("get"), None);
    let changes = store.library_changes_since(start).await.expect("changes");
    assert_eq!(changes.iter().map(|c| c.document_id.as_str()).collect::<Vec<_>>(), ["doc-1", "doc-2"]);
    assert!(changes[1].seq > changes[0].seq);
    let mut changed = doc("doc-1", "Storm damage in Lapland").content;
    changed.tlp = Tlp::Amber;
    changed.community = None;
    assert_eq!(store.update_library_document("doc-1", &changed, 1, 70_000).await.expect("update"), 2);
    assert!(matches!(store.update_library_document("doc-1", &changed, 1, 71_000).await, Err(StoreError::Conflict(_))));
    let got = store.get_library_document("doc-1").await.expect("get").expect("exists");
    assert_eq!((got.content.title.as_str(), got.content.tlp, got.version, got.updated_at_ms), ("Storm damage in Lapland", Tlp::Amber, 2, 70_000));
    let meta = AttachmentMeta {
        id: "att-1".into(), document_id: "doc-2".into(), name: "notes.txt".into(), content_type: "text/plain".into(), size: 5,
        sha256: "2cf24dba5fb0a30e26e83b2ac5b9e29e1b161e5c1fa7425e73043362938b9824".into(), author: "ana".into(), created_at: 80_000,
    };
    store.add_library_attachment(&meta, b"hello").await.expect("attach");
    assert_eq!(store.library_attachments("doc-2").await.expect("list"), vec![meta.clone()]);
    assert_eq!(store.library_attachment("doc-2", "att-1").await.expect("get"), Some((meta, b"hello".to_vec())));
    assert_eq!(store.library_attachment("doc-1", "att-1").await.expect("get"), None, "an attachment is reached through its own document");
    store.delete_library_document("doc-2", 90_000).await.expect("delete");
    assert!(matches!(store.delete_library_document("doc-2", 90_001).await, Err(StoreError::NotFound(_))));
    assert_eq!(store.library_attachments("doc-2").await.expect("list"), vec![]);
    let after = store.library_changes_since(changes[1].seq).await.expect("changes");
    assert_eq!(after.iter().map(|c| c.document_id.as_str()).collect::<Vec<_>>(), ["doc-1", "doc-2"]);
    let (last, docs) = store.library_snapshot().await.expect("snapshot");
    assert_eq!((last, docs.iter().map(|d| d.id.as_str()).collect::<Vec<_>>()), (after[1].seq, vec!["doc-1"]));
    assert_eq!(store.library_documents_by_id(&["doc-1".into(), "doc-2".into()]).await.expect("by id").len(), 1);
    let event = EventRecord {
        id: "ev-1".into(), organisation: OrgId::parse("fi-op-grid").expect("org"), author: Username::parse("ana").expect("user"),
        content: parse(json!({"title": "Winter drill", "starts_at": "2026-12-01T09:00:00Z", "ends_at": "2026-12-01T12:00:00Z", "place": "Helsinki",
            "community": "lib-grids"}), EventContent::from_json),
        created_at: 95_000,
    };
    store.create_library_event(&event).await.expect("event");
    assert_eq!(store.library_events(None).await.expect("events"), vec![event.clone()]);
    assert_eq!(store.library_events(Some("ev-1")).await.expect("event"), vec![event]);
    // A community that is still an audience is not deleted.
    match store.delete_community(&CommunityId::parse("lib-grids").expect("id")).await {
        Err(StoreError::Conflict(m)) => assert_eq!(m, "community lib-grids is still the audience of library documents or events"),
        other => panic!("expected a conflict, got {other:?}"),
    }
}

/// Incident notifications: a draft, its notification with recipients, updates under
/// version checks, the detailed report, closing; who is concerned; all-or-nothing writes.
async fn incidents(store: &Store) {
    use rampart_core::incident::{IncidentReport, Recipient, RouteReason, Routing, UpdateKind};
    let org = |s: &str| OrgId::parse(s).expect("org");
    let report = |title: &str| {
        let v = json!({"title": title, "description": "Feeder cable cut", "aware_at": "2026-11-21T08:00:00Z",
            "significance": {"users_affected": 1200, "area": "Espoo", "member_states": ["FI", "EE"]}});
        IncidentReport::from_json(v.as_object().expect("object"), 1_800_000_000_000).expect("report")
    };
    let routing = Routing {
        recipients: vec![Recipient { organisation: org("fi-authority"), reason: RouteReason::CompetentAuthority, country: CountryCode::parse("FI").ok() }],
        unrouted: vec![CountryCode::parse("EE").expect("EE")],
        commission: false,
    };
    let (fi_op, ee_op, fi_auth) = (org("fi-op-grid"), org("ee-op-grid"), org("fi-authority"));
    store.create_incident("inc-1", &fi_op, "slo.fingrid", &report("Cable cut"), None, 30_000).await.expect("draft");
    let draft = store.get_incident("inc-1").await.expect("get").expect("exists");
    assert_eq!((draft.initial_at, draft.recipients.len(), draft.version), (None, 0, 1));
    // A draft concerns only its entity.
    let ids = |v: Vec<rampart_store::IncidentRecord>| v.into_iter().map(|i| i.id).collect::<Vec<_>>();
    assert_eq!(ids(store.incidents_for(Some((&fi_auth, None))).await.expect("list")), Vec::<String>::new());
    assert_eq!(ids(store.incidents_for(Some((&fi_op, None))).await.expect("list")), ["inc-1"]);
    store.notify_incident("inc-1", &routing, "slo.fingrid", 1, 31_000).await.expect("notify");
    assert!(matches!(store.notify_incident("inc-1", &routing, "slo.fingrid", 1, 31_500).await, Err(StoreError::Conflict(_))));
    let notified = store.get_incident("inc-1").await.expect("get").expect("exists");
    assert_eq!((notified.initial_at, notified.recipients, notified.unrouted.clone(), notified.version), (Some(31_000), routing.recipients.clone(), routing.unrouted.clone(), 2));
    assert_eq!(ids(store.incidents_for(Some((&fi_auth, None))).await.expect("list")), ["inc-1"]);
    // The Estonian operator is not concerned; a client of the recipient authority is (its label decides the rest).
    assert_eq!(ids(store.incidents_for(Some((&ee_op, None))).await.expect("list")), Vec::<String>::new());
    assert_eq!(ids(store.incidents_for(Some((&ee_op, Some(&fi_auth)))).await.expect("list")), ["inc-1"]);
    // Updates check the version; the detailed report replaces the account; closing ends the record.
    assert!(matches!(store.add_incident_update("inc-1", UpdateKind::Update, "slo.fingrid", "stale", None, 1, 32_000).await, Err(StoreError::Conflict(_))));
    store.add_incident_update("inc-1", UpdateKind::Update, "slo.fingrid", "repair crew on site", None, 2, 32_000).await.expect("update");
    store.add_incident_update("inc-1", UpdateKind::Detailed, "slo.fingrid", "root cause: excavator", Some(&report("Cable cut by excavator")), 3, 40_000).await.expect("detailed");
    store.add_incident_update("inc-1", UpdateKind::Close, "slo.fingrid", "", None, 4, 50_000).await.expect("close");
    assert!(matches!(store.add_incident_update("inc-1", UpdateKind::Update, "slo.fingrid", "late", None, 5, 51_000).await, Err(StoreError::Conflict(_))));
    let done = store.get_incident("inc-1").await.expect("get").expect("exists");
    assert_eq!((done.report.title.as_str(), done.detailed_at, done.closed_at, done.version), ("Cable cut by excavator", Some(40_000), Some(50_000), 5));
    let log: Vec<(i64, UpdateKind, String)> = store.incident_updates("inc-1").await.expect("updates").into_iter().map(|u| (u.seq, u.kind, u.note)).collect();
    assert_eq!(
        log,
        [
            (1, UpdateKind::Initial, String::new()),
            (2, UpdateKind::Update, "repair crew on site".into()),
            (3, UpdateKind::Detailed, "root cause: excavator".into()),
            (4, UpdateKind::Close, String::new())
        ]
    );
    // A notification routed to an organisation that does not exist writes nothing.
    let mut broken = routing.clone();
    broken.recipients.push(Recipient { organisation: org("xx-ghost"), reason: RouteReason::AffectedMemberState, country: None });
    assert!(store.create_incident("inc-2", &fi_op, "slo.fingrid", &report("Ghost"), Some(&broken), 60_000).await.is_err());
    assert_eq!(store.get_incident("inc-2").await.expect("get"), None);
}

#[tokio::test]
async fn story_on_sqlite() {
    let db = fresh(Backend::Sqlite).await;
    story(db.store.clone()).await;
}

#[tokio::test]
async fn story_on_postgres() {
    let db = fresh(Backend::Postgres).await;
    story(db.store.clone()).await;
}

/// The indexes of the registry's tables, as the database describes them.
async fn schema(store: &Store) -> Vec<String> {
    store.index_definitions().await.expect("catalogue")
}

async fn first_load(backend: Backend) {
    let db = fresh(backend).await;
    let store = db.store.clone();
    let before = schema(&store).await;
    assert!(before.iter().any(|d| d.contains("assets_country_sector")), "migration 0002 applied: {before:?}");
    store.put_organisation(&parse(json!({"id": "fi-op", "name": "op", "kind": "operator", "country": "FI"}), Organisation::from_json)).await.expect("org");
    let assets = [asset("FI-A", "a", "FI", "energy", 24.9, 60.1, "fi-op"), asset("FI-B", "b", "FI", "health", 25.5, 60.5, "fi-op")];

    // A first load that is abandoned leaves the indexes as they were.
    let mut w = store.bulk_writer("loader", "import", 1).await.expect("writer");
    w.assets(&assets).await.expect("assets");
    drop(w);
    assert_eq!(schema(&store).await, before);

    // A first load that commits rebuilds exactly the same indexes, and the spatial index answers.
    let mut w = store.bulk_writer("loader", "import", 1).await.expect("writer");
    w.assets(&assets).await.expect("assets");
    w.dependencies(&[dep("FI-A", "FI-B", "electricity")]).await.expect("deps");
    w.commit().await.expect("commit");
    assert_eq!(schema(&store).await, before);
    let near_a = AssetFilter { bbox: Some(BBox::parse("24.8,60.0,25.0,60.2").expect("bbox")), ..Default::default() };
    assert_eq!(store.count_assets(&near_a, &Scope::All).await.expect("count"), 1);
    assert_eq!(store.neighbourhood(&AssetId::parse("FI-B").expect("id"), true, 1).await.expect("up").dependencies.len(), 1);
}

#[tokio::test]
async fn first_load_on_sqlite_builds_indexes_at_the_end() {
    first_load(Backend::Sqlite).await;
}

#[tokio::test]
async fn first_load_on_postgres_builds_indexes_at_the_end() {
    first_load(Backend::Postgres).await;
}

/// The audit trail: registry writes append in their own transaction, the chain
/// verifies, the log refuses changes, and a row changed behind the store's back is
/// named by its seq.
async fn audit_story(db: rampart_store::test_support::TestDb) {
    use rampart_store::{AuditAction, NewAuditEntry};
    let store = db.store.clone();
    let ok = store.audit_verify().await.expect("verify");
    assert_eq!((ok.entries, ok.first_break), (0, None));

    store.put_organisation(&parse(json!({"id": "fi-op", "name": "Grid", "kind": "operator", "country": "FI"}), Organisation::from_json)).await.expect("org");
    let sub = asset("FI-SUB-1", "Helsinki substation", "FI", "energy", 24.94, 60.17, "fi-op");
    let hos = asset("FI-HOS-1", "Meilahti hospital", "FI", "health", 24.90, 60.19, "fi-op");
    store.create_asset(&sub, "ana", 1_000).await.expect("create");
    store.create_asset(&hos, "ana", 1_001).await.expect("create");
    let mut renamed = sub.clone();
    renamed.name = "Helsinki main substation".into();
    store.update_asset(&renamed, Some(1), |_| Ok(()), "ben", 1_002).await.expect("update");
    let d = store.create_dependency(&dep("FI-SUB-1", "FI-HOS-1", "electricity"), "ben", 1_003).await.expect("dep");
    // A refused change writes nothing, not even an audit entry.
    let refused = store.update_asset(&sub, None, |_| Err(StoreError::Refused("no".into())), "eve", 1_004).await;
    assert!(matches!(refused, Err(StoreError::Refused(_))));
    store
        .audit_append(&NewAuditEntry { at: 1_005, actor: "ana", action: AuditAction::Export, object_kind: "registry", object_id: "", detail: json!({"format": "geojson", "assets": 2}) })
        .await
        .expect("append");
    store.delete_dependency(&d, "ben", 1_006).await.expect("delete dep");

    let entries = store.audit_list(None, None, 100).await.expect("list");
    let summary: Vec<(i64, &str, &str, &str, &str)> =
        entries.iter().map(|e| (e.seq, e.actor.as_str(), e.action.as_str(), e.object_kind.as_str(), e.object_id.as_str())).collect();
    let dep_id = d.id.to_string();
    assert_eq!(
        summary,
        [
            (1, "ana", "create", "asset", "FI-SUB-1"),
            (2, "ana", "create", "asset", "FI-HOS-1"),
            (3, "ben", "change", "asset", "FI-SUB-1"),
            (4, "ben", "create", "dependency", dep_id.as_str()),
            (5, "ana", "export", "registry", ""),
            (6, "ben", "delete", "dependency", dep_id.as_str()),
        ]
    );
    assert_eq!(entries[2].detail, json!({"version": 2, "fields": ["name"]}));
    assert_eq!(entries[0].prev_hash, rampart_store::GENESIS_HASH);
    assert!(entries.windows(2).all(|w| w[1].prev_hash == w[0].hash));
    assert_eq!(store.audit_list(Some(1_003), None, 100).await.expect("since").len(), 3);
    assert_eq!(store.audit_list(None, Some(4), 1).await.expect("after").iter().map(|e| e.seq).collect::<Vec<_>>(), [5]);

    let ok = store.audit_verify().await.expect("verify");
    assert_eq!((ok.entries, ok.first_break, ok.last_hash.as_str()), (6, None, entries[5].hash.as_str()));

    // A bulk load is one entry.
    let mut w = store.bulk_writer("loader", "import", 2_000).await.expect("writer");
    w.assets(&[asset("FI-WAT-1", "Water works", "FI", "drinking_water", 24.98, 60.25, "fi-op")]).await.expect("assets");
    w.commit().await.expect("commit");
    let last = store.audit_list(None, Some(6), 10).await.expect("list");
    assert_eq!(last.len(), 1);
    assert_eq!((last[0].action.as_str(), last[0].detail["assets"].as_u64()), ("import", Some(1)));

    // The log is append-only for anyone going through SQL without dropping its guard.
    let url = db.url.clone();
    let raw = Store::connect(&rampart_store::StoreOptions::new(&url)).await.expect("connect");
    let err = raw.execute_sql_for_tests("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3").await.expect_err("append-only");
    assert!(err.to_string().contains("the audit log is append-only"), "{err}");
    assert_eq!(store.audit_verify().await.expect("verify").first_break, None);

    // Someone with the database's keys drops the guard and rewrites entry 3.
    let drop_guard = match store.backend() {
        Backend::Sqlite => "DROP TRIGGER audit_log_no_update",
        Backend::Postgres => "DROP TRIGGER audit_log_no_change ON audit_log",
    };
    raw.execute_sql_for_tests(drop_guard).await.expect("drop trigger");
    raw.execute_sql_for_tests("UPDATE audit_log SET actor = 'mallory' WHERE seq = 3").await.expect("tamper");
    let report = store.audit_verify().await.expect("verify");
    assert_eq!(report.entries, 2);
    assert_eq!(
        report.first_break,
        Some(rampart_store::AuditBreak { seq: 3, reason: "its hash does not match its content: the entry was changed".into() })
    );
    // Recomputing its hash does not help: entry 4 no longer follows.
    let e3 = &entries[2];
    let forged = rampart_store::entry_hash(3, e3.at, "mallory", &e3.action, &e3.object_kind, &e3.object_id, &e3.detail.to_string(), &e3.prev_hash);
    raw.execute_sql_for_tests(&format!("UPDATE audit_log SET hash = '{forged}' WHERE seq = 3")).await.expect("forge");
    let report = store.audit_verify().await.expect("verify");
    assert_eq!(
        report.first_break,
        Some(rampart_store::AuditBreak { seq: 4, reason: "its prev_hash is not the hash of entry 3".into() })
    );
    raw.close().await;
}

#[tokio::test]
async fn audit_on_sqlite() {
    audit_story(fresh(Backend::Sqlite).await).await;
}

#[tokio::test]
async fn audit_on_postgres() {
    audit_story(fresh(Backend::Postgres).await).await;
}

/// Parallel appends (on several connections) form one unbroken chain.
async fn concurrent_appends(db: rampart_store::test_support::TestDb) {
    use rampart_store::{AuditAction, NewAuditEntry};
    let mut tasks = Vec::new();
    for t in 0..8 {
        let store = db.store.clone();
        tasks.push(tokio::spawn(async move {
            for i in 0..25 {
                let id = format!("{t}-{i}");
                store
                    .audit_append(&NewAuditEntry { at: i, actor: "worker", action: AuditAction::Read, object_kind: "asset", object_id: &id, detail: json!({}) })
                    .await
                    .expect("append");
            }
        }));
    }
    for t in tasks {
        t.await.expect("task");
    }
    let report = db.store.audit_verify().await.expect("verify");
    assert_eq!((report.entries, report.first_break), (200, None));
    let all = db.store.audit_list(None, None, 1000).await.expect("list");
    let mut ids: Vec<&str> = all.iter().map(|e| e.object_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), 200, "every append is in the chain once");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_audit_appends_on_sqlite() {
    concurrent_appends(fresh(Backend::Sqlite).await).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_audit_appends_on_postgres() {
    concurrent_appends(fresh(Backend::Postgres).await).await;
}
