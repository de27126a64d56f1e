//! The access rules, endpoint by endpoint, user by user, on both backends.
//!
//! Columns: admin, analyst.de, assessor.de, viewer.de, operator.de, analyst.fr,
//! viewer.eu, anonymous. "Not found" is what a reader gets for what they may not see.

use crate::helpers::{asset_json, spawn_app, Client, TestApp, USERS};
use rampart_store::Backend;
use reqwest::Method;
use serde_json::{json, Value};


pub(crate) const W: [&str; 8] = ["admin", "analyst.de", "assessor.de", "viewer.de", "operator.de", "analyst.fr", "viewer.eu", "anonymous"];

pub(crate) async fn clients(app: &TestApp) -> Vec<Client> {
    let mut out = Vec::new();
    for (name, _, _) in USERS {
        out.push(app.login(name).await);
    }
    out.push(app.anonymous());
    out
}

/// Sends the same request as every user and compares the statuses with `expected`.
pub(crate) async fn check(clients: &[Client], method: Method, path: &str, body: impl Fn(&str) -> Option<Value>, expected: [u16; 8]) {
    let mut got = [0u16; 8];
    for (i, c) in clients.iter().enumerate() {
        let p = path.replace("{user}", &W[i].replace('.', "-"));
        got[i] = c.send(method.clone(), &p, body(W[i])).await.status.as_u16();
    }
    assert_eq!(got, expected, "{method} {path}: statuses for {W:?}");
}

/// How many items (or features) each user sees.
pub(crate) async fn count(clients: &[Client], path: &str, key: &str, expected: [i64; 7]) {
    let mut got = [0i64; 7];
    for (i, c) in clients.iter().take(7).enumerate() {
        let r = c.get(path).await;
        got[i] = r.body[key].as_array().map(|a| a.len() as i64).unwrap_or(-1);
    }
    assert_eq!(got, expected, "GET {path}: item counts for {:?}", &W[..7]);
}

pub(crate) fn none(_: &str) -> Option<Value> {
    None
}

async fn matrix(backend: Backend) {
    let app = spawn_app(backend).await;
    let c = clients(&app).await;

    // Open to everybody.
    check(&c, Method::GET, "/health", none, [200; 8]).await;
    // Everybody logged in; nobody else.
    for path in ["/api/v1/auth/me", "/api/v1/meta", "/api/v1/organisations", "/api/v1/organisations/de-op-grid", "/api/v1/openapi.json"] {
        check(&c, Method::GET, path, none, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    }
    // Administrators only.
    for path in ["/api/v1/users", "/api/v1/users/viewer.de", "/metrics", "/api/v1/audit", "/api/v1/audit/verify"] {
        check(&c, Method::GET, path, none, [200, 403, 403, 403, 403, 403, 403, 401]).await;
    }

    // Reading assets: the country's registry, the operator's own sites, everything for EU bodies.
    for sub in ["", "/history", "/upstream", "/downstream"] {
        check(&c, Method::GET, &format!("/api/v1/assets/DE-SUB-1{sub}"), none, [200, 200, 200, 200, 200, 404, 200, 401]).await;
        check(&c, Method::GET, &format!("/api/v1/assets/DE-WAT-1{sub}"), none, [200, 200, 200, 200, 404, 404, 200, 401]).await;
        check(&c, Method::GET, &format!("/api/v1/assets/FR-SUB-1{sub}"), none, [200, 404, 404, 404, 404, 200, 200, 401]).await;
    }
    check(&c, Method::GET, "/api/v1/assets/NOPE-1", none, [404, 404, 404, 404, 404, 404, 404, 401]).await;
    for path in ["/api/v1/assets", "/api/v1/assets.geojson", "/api/v1/map?bbox=-10,40,30,60", "/api/v1/dependencies", "/api/v1/links"] {
        check(&c, Method::GET, path, none, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    }
    for path in ["/api/v1/export.geojson", "/api/v1/export.csv", "/api/v1/export.csv?table=dependencies"] {
        check(&c, Method::GET, path, none, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    }
    // Energy: DE-SUB-1 and FR-SUB-1, with the dependency and the link between them for those who see both.
    count(&c, "/api/v1/export.geojson?sector=energy", "features", [4, 1, 1, 1, 1, 1, 4]).await;
    count(&c, "/api/v1/assets", "items", [4, 3, 3, 3, 1, 1, 4]).await;
    count(&c, "/api/v1/assets.geojson", "features", [4, 3, 3, 3, 1, 1, 4]).await;
    count(&c, "/api/v1/map?bbox=-10,40,30,60&zoom=5", "features", [4, 3, 3, 3, 1, 1, 4]).await;
    count(&c, "/api/v1/assets?country=FR", "items", [1, 0, 0, 0, 0, 1, 1]).await;
    // A dependency is visible to readers of either end.
    count(&c, "/api/v1/dependencies", "items", [3, 3, 3, 3, 2, 1, 3]).await;
    count(&c, "/api/v1/links", "items", [1, 1, 1, 1, 1, 1, 1]).await;
    // Upstream of the German substation: the French supplier is listed by id to German readers, never as an asset.
    count(&c, "/api/v1/assets/DE-SUB-1/upstream", "assets", [1, 0, 0, 0, 0, -1, 1]).await;
    count(&c, "/api/v1/assets/DE-SUB-1/upstream", "dependencies", [1, 1, 1, 1, 1, -1, 1]).await;
    count(&c, "/api/v1/assets/DE-HOS-1/upstream", "assets", [3, 2, 2, 2, -1, -1, 3]).await;

    // Changing assets. A PUT of the unchanged asset is a no-op that still needs write access.
    let unchanged = |a: &str, country: &str, sector: &str, op: Option<&str>, lon: f64, lat: f64| {
        let body = asset_json(a, country, sector, op, lon, lat);
        move |_: &str| Some(body.clone())
    };
    check(&c, Method::PUT, "/api/v1/assets/DE-SUB-1", unchanged("DE-SUB-1", "DE", "energy", Some("de-op-grid"), 13.40, 52.52), [200, 200, 403, 403, 200, 404, 403, 401]).await;
    check(&c, Method::PUT, "/api/v1/assets/DE-WAT-1", unchanged("DE-WAT-1", "DE", "drinking_water", Some("de-op-water"), 13.45, 52.50), [200, 200, 403, 403, 404, 404, 403, 401]).await;
    check(&c, Method::PUT, "/api/v1/assets/FR-SUB-1", unchanged("FR-SUB-1", "FR", "energy", None, 7.75, 48.58), [200, 404, 404, 404, 404, 200, 403, 401]).await;
    // Moving a site: the admin moves the German substation to France; then German readers no longer see it,
    // its operator still does, and the French analyst now may edit it. Then the admin moves it back.
    let in_france = |_: &str| Some(asset_json("DE-SUB-1", "FR", "energy", Some("de-op-grid"), 13.40, 52.52));
    check(&c, Method::PUT, "/api/v1/assets/DE-SUB-1", in_france, [200, 404, 404, 404, 200, 200, 403, 401]).await;
    check(&c, Method::PUT, "/api/v1/assets/DE-SUB-1", unchanged("DE-SUB-1", "DE", "energy", Some("de-op-grid"), 13.40, 52.52), [200, 200, 403, 403, 200, 404, 403, 401]).await;
    // An operator may not hand its site to another operator, nor create one for somebody else.
    let handed_over = |_: &str| Some(asset_json("DE-SUB-1", "DE", "energy", Some("de-op-water"), 13.40, 52.52));
    check(&c, Method::PUT, "/api/v1/assets/DE-SUB-1", handed_over, [200, 200, 403, 403, 404, 404, 403, 401]).await;
    check(&c, Method::PUT, "/api/v1/assets/DE-SUB-1", unchanged("DE-SUB-1", "DE", "energy", Some("de-op-grid"), 13.40, 52.52), [200, 200, 403, 403, 200, 404, 403, 401]).await;

    // Creating: each user tries to add its own German asset operated by the grid operator, then to delete it.
    let new_asset = |u: &str| Some(asset_json(&format!("DE-NEW-{}", u.replace('.', "-")), "DE", "energy", Some("de-op-grid"), 13.0, 52.0));
    check(&c, Method::POST, "/api/v1/assets", new_asset, [201, 201, 403, 403, 201, 403, 403, 401]).await;
    check(&c, Method::DELETE, "/api/v1/assets/DE-NEW-{user}", none, [204, 204, 404, 404, 204, 404, 404, 401]).await;
    // Deleting somebody else's asset: readers who may not change it are refused, the others do not see it.
    let admin_created = json!({"id": "DE-DEL-1", "name": "to delete", "sector": "energy", "country": "DE", "operator_id": "de-op-grid",
        "geometry": {"type": "Point", "coordinates": [13.1, 52.1]}});
    assert_eq!(c[0].send(Method::POST, "/api/v1/assets", Some(admin_created)).await.status.as_u16(), 201);
    check(&c, Method::DELETE, "/api/v1/assets/DE-WAT-1", none, [204, 404, 404, 404, 404, 404, 404, 401]).await;
    let mut got = Vec::new();
    for i in [2, 3, 5, 6, 7, 4] {
        got.push(c[i].send(Method::DELETE, "/api/v1/assets/DE-DEL-1", None).await.status.as_u16());
    }
    assert_eq!(got, vec![403, 403, 404, 403, 401, 204], "DELETE DE-DEL-1 as assessor.de, viewer.de, analyst.fr, viewer.eu, anonymous, operator.de");

    // Dependencies: write access to the dependent, read access to the supplier.
    let dep = |_: &str| Some(json!({"supplier_id": "DE-HOS-1", "dependent_id": "DE-SUB-1", "service": "telecom"}));
    check(&c, Method::POST, "/api/v1/dependencies", dep, [201, 409, 403, 403, 422, 422, 403, 401]).await;
    let id = c[0].get("/api/v1/dependencies?asset=DE-SUB-1&limit=100").await.body["items"]
        .as_array()
        .and_then(|items| items.iter().find(|d| d["service"] == "telecom"))
        .and_then(|d| d["id"].as_i64())
        .expect("the telecom dependency");
    check(&c, Method::GET, &format!("/api/v1/dependencies/{id}"), none, [200, 200, 200, 200, 200, 404, 200, 401]).await;
    let change = |_: &str| Some(json!({"service": "telecom", "k": 1, "n": 1, "buffer_hours": 6}));
    check(&c, Method::PUT, &format!("/api/v1/dependencies/{id}"), change, [200, 200, 403, 403, 422, 404, 403, 401]).await;
    let mut got = Vec::new();
    for i in [2, 3, 5, 6, 7, 4] {
        got.push(c[i].send(Method::DELETE, &format!("/api/v1/dependencies/{id}"), None).await.status.as_u16());
    }
    assert_eq!(got, vec![403, 403, 404, 403, 401, 204]);
    // The French analyst cannot even learn that a German supplier exists.
    let r = c[5].send(Method::POST, "/api/v1/dependencies", Some(json!({"supplier_id": "DE-HOS-1", "dependent_id": "FR-SUB-1", "service": "telecom"}))).await;
    assert_eq!((r.status.as_u16(), r.body["errors"][0]["message"].as_str()), (422, Some("no asset with id \"DE-HOS-1\"")));

    // Links: write access to `from`, read access to `to`.
    let link = |_: &str| Some(json!({"network": "telecom", "from_id": "DE-SUB-1", "to_id": "DE-HOS-1"}));
    check(&c, Method::POST, "/api/v1/links", link, [201, 409, 403, 403, 422, 422, 403, 401]).await;
    check(&c, Method::GET, "/api/v1/links/1", none, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    check(&c, Method::DELETE, "/api/v1/links/2", none, [204, 404, 404, 404, 404, 404, 404, 401]).await;

    // Organisations and users: administrators.
    let org = |u: &str| Some(json!({"id": format!("op-{}", u.replace('.', "-")), "name": "New operator", "kind": "operator", "country": "DE"}));
    check(&c, Method::POST, "/api/v1/organisations", org, [201, 403, 403, 403, 403, 403, 403, 401]).await;
    let rename = |_: &str| Some(json!({"name": "Renamed operator", "kind": "operator", "country": "DE"}));
    check(&c, Method::PUT, "/api/v1/organisations/op-admin", rename, [200, 403, 403, 403, 403, 403, 403, 401]).await;
    check(&c, Method::DELETE, "/api/v1/organisations/op-admin", none, [204, 403, 403, 403, 403, 403, 403, 401]).await;
    let user = |u: &str| Some(json!({"username": format!("new-{}", u), "password": "a long enough password", "role": "viewer", "organisation_id": "de-authority"}));
    check(&c, Method::POST, "/api/v1/users", user, [201, 403, 403, 403, 403, 403, 403, 401]).await;
    check(&c, Method::PATCH, "/api/v1/users/new-admin", |_: &str| Some(json!({"role": "analyst"})), [200, 403, 403, 403, 403, 403, 403, 401]).await;
    // Imports: viewers and assessors never; others within what they may change (a GeoJSON body with one French asset).
    let french = |_: &str| Some(json!({"type": "FeatureCollection", "features": [{"type": "Feature", "id": "FR-IMP-1",
        "geometry": {"type": "Point", "coordinates": [2.35, 48.85]}, "properties": {"name": "Imported", "sector": "energy", "country": "FR"}}]}));
    check(&c, Method::POST, "/api/v1/import?name=x.geojson&check=true", french, [200, 422, 403, 403, 422, 200, 403, 401]).await;
    // Analysis runs: admins and analysts start them (each on an asset they may read);
    // a run is seen and cancelled by its creator and admins, nobody else.
    let study = |u: &str| Some(json!({"kind": "scenario", "assets": [if u == "analyst.fr" { "FR-SUB-1" } else { "DE-SUB-1" }], "horizon_h": 12}));
    check(&c, Method::POST, "/api/v1/analysis/runs", study, [202, 202, 403, 403, 403, 202, 403, 401]).await;
    check(&c, Method::GET, "/api/v1/analysis/runs", none, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    count(&c, "/api/v1/analysis/runs", "items", [3, 1, 0, 0, 0, 1, 0]).await;
    let runs = c[0].get("/api/v1/analysis/runs").await.body;
    let run_of = |who: &str| {
        runs["items"].as_array().and_then(|a| a.iter().find(|r| r["created_by"] == who)).and_then(|r| r["id"].as_str()).map(String::from).expect("a run")
    };
    let (by_admin, by_analyst) = (run_of("admin"), run_of("analyst.de"));
    for id in [&by_admin, &by_analyst] {
        crate::analysis::wait(&c[0], id).await;
    }
    check(&c, Method::GET, &format!("/api/v1/analysis/runs/{by_admin}"), none, [200, 404, 404, 404, 404, 404, 404, 401]).await;
    check(&c, Method::GET, &format!("/api/v1/analysis/runs/{by_analyst}"), none, [200, 200, 404, 404, 404, 404, 404, 401]).await;
    check(&c, Method::GET, "/api/v1/analysis/runs/0123456789abcdef0123456789abcdef", none, [404, 404, 404, 404, 404, 404, 404, 401]).await;
    // Finished runs cannot be cancelled; those who may not see them are told they do not exist.
    check(&c, Method::POST, &format!("/api/v1/analysis/runs/{by_analyst}/cancel"), none, [409, 409, 404, 404, 404, 404, 404, 401]).await;
    check(&c, Method::POST, &format!("/api/v1/analysis/runs/{by_admin}/cancel"), none, [409, 404, 404, 404, 404, 404, 404, 401]).await;
    // The French analyst may not name a German asset: it is unknown to them.
    let r = c[5].send(Method::POST, "/api/v1/analysis/runs", Some(json!({"kind": "scenario", "assets": ["DE-SUB-1"]}))).await;
    assert_eq!((r.status.as_u16(), r.body["errors"][0]["message"].as_str()), (400, Some("unknown asset id \"DE-SUB-1\"")));

    // Threat tools: every logged-in user computes; a blast's exposure lists only what the caller may read.
    // A semi-trailer bomb at the German substation: its 0.7 kPa ring (≈ 2.8 km) holds DE-SUB-1 and DE-HOS-1 (1.75 km), not DE-WAT-1 (3.8 km).
    let bomb = |_: &str| Some(json!({"item": "semi_trailer", "lon": 13.40, "lat": 52.52}));
    check(&c, Method::POST, "/api/v1/blast", bomb, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    let mut sites = [0i64; 7];
    for (i, cl) in c.iter().take(7).enumerate() {
        let r = cl.send(Method::POST, "/api/v1/blast", bomb("")).await;
        sites[i] = r.body["exposure"]["sites"].as_array().map(|a| a.len() as i64).unwrap_or(-1);
    }
    assert_eq!(sites, [2, 2, 2, 2, 1, 0, 2], "blast exposure: sites listed for {:?}", &W[..7]);
    let hall = |_: &str| Some(json!({"rules": "green-guide", "venue": {"areas": [{"id": "a", "occupants": 100}], "exits": [{"id": "x", "width_m": 1}]}}));
    check(&c, Method::POST, "/api/v1/egress", hall, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    let product = |_: &str| Some(json!({"components": [{"cas": "7722-84-1", "percent": 30}]}));
    check(&c, Method::POST, "/api/v1/precursors/screen", product, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    check(&c, Method::GET, "/api/v1/precursors/catalogue", none, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    let report = |_: &str| Some(json!({"kind": "theft", "country": "DE", "products": [{"components": [{"cas": "67-64-1", "percent": 100}]}]}));
    check(&c, Method::POST, "/api/v1/precursors/reports", report, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    // Drone zones of sites: what the caller may read; a named site they may not read is not found.
    check(&c, Method::GET, "/api/v1/drone/zones?assets=DE-SUB-1", none, [200, 200, 200, 200, 200, 404, 200, 401]).await;
    check(&c, Method::GET, "/api/v1/drone/zones?assets=FR-SUB-1&format=ed269", none, [200, 404, 404, 404, 404, 200, 200, 401]).await;
    count(&c, "/api/v1/drone/zones?sector=energy&format=json", "zones", [2, 1, 1, 1, 1, 1, 2]).await;
    count(&c, "/api/v1/drone/zones?country=DE", "features", [2, 2, 2, 2, 1, 0, 2]).await;
    // Reading zone files and checking tracks: everybody logged in (nothing is stored or read from the registry).
    let zone_file = json!({"type": "FeatureCollection", "features": [{"type": "Feature",
        "geometry": {"type": "Point", "coordinates": [13.4, 52.52], "extent": {"subType": "Circle", "radius": 500},
            "layer": {"upper": 120, "upperReference": "AGL", "lower": 0, "lowerReference": "AGL", "uom": "m"}},
        "properties": {"identifier": "T1", "country": "DEU", "name": [{"text": "Test", "lang": "en-GB"}], "type": "PROHIBITED", "variant": "COMMON", "reason": ["SENSITIVE"]}}]});
    let zf = zone_file.clone();
    check(&c, Method::POST, "/api/v1/drone/zones/import", move |_: &str| Some(zf.clone()), [200, 200, 200, 200, 200, 200, 200, 401]).await;
    let zf = zone_file.clone();
    let track = move |_: &str| Some(json!({"zones": zf.clone(), "track": {"reports": [{"uas_id": "D1", "lat": 52.52, "lon": 13.4, "height_agl_m": 50}]}}));
    check(&c, Method::POST, "/api/v1/drone/check", track, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    // Hostile-vehicle approaches: everybody signed in may compute them over a perimeter in the body;
    // a registry perimeter must be readable (DE-SUB-1 is a point: its readers are told so, others that it does not exist).
    let road = json!({"type": "FeatureCollection", "features": [{"type": "Feature", "properties": {},
        "geometry": {"type": "LineString", "coordinates": [[13.390, 52.5205], [13.4005, 52.5205]]}}]});
    let drawn = json!({"type": "Polygon", "coordinates": [[[13.400, 52.520], [13.401, 52.520], [13.401, 52.521], [13.400, 52.521], [13.400, 52.520]]]});
    let in_body = |_: &str| Some(json!({"perimeter": drawn, "paths": road}));
    check(&c, Method::POST, "/api/v1/hvm", in_body, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    let registry = |_: &str| Some(json!({"asset_id": "DE-SUB-1", "paths": road}));
    check(&c, Method::POST, "/api/v1/hvm", registry, [422, 422, 422, 422, 422, 404, 422, 401]).await;

    // The sharing directory: administrators manage communities and profiles; members read
    // their communities, everyone else is told they do not exist; profiles are reference data.
    let community = |_: &str| Some(json!({"name": "German grid", "members": ["de-authority", "de-op-grid"]}));
    check(&c, Method::PUT, "/api/v1/communities/de-grid", community, [201, 403, 403, 403, 403, 403, 403, 401]).await;
    check(&c, Method::GET, "/api/v1/communities/de-grid", none, [200, 200, 200, 200, 200, 404, 404, 401]).await;
    check(&c, Method::GET, "/api/v1/communities", none, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    count(&c, "/api/v1/communities", "items", [1, 1, 1, 1, 1, 0, 0]).await;
    let profile = |_: &str| Some(json!({"supervisor": "de-authority", "liaison": "operator.de"}));
    check(&c, Method::PUT, "/api/v1/organisations/de-op-grid/sharing", profile, [200, 403, 403, 403, 403, 403, 403, 401]).await;
    check(&c, Method::GET, "/api/v1/organisations/de-op-grid/sharing", none, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    check(&c, Method::DELETE, "/api/v1/communities/de-grid", none, [204, 403, 403, 403, 403, 403, 403, 401]).await;

    // Incident notifications: each user records one for their own organisation (the administrator for the grid
    // operator); an organisation nobody can be notified for (France has no contact point here) is refused.
    assert_eq!(c[0].send(Method::PUT, "/api/v1/organisations/de-authority/sharing", Some(json!({"contact_point": true}))).await.status.as_u16(), 200);
    let incident = |u: &str| {
        let mut v = json!({"title": "Outage", "description": "x", "aware_at": "2025-12-31T20:00:00Z",
            "significance": {"users_affected": 10, "area": "Berlin", "member_states": ["DE"]}});
        if u == "admin" {
            v["entity"] = json!("de-op-grid");
        }
        Some(v)
    };
    check(&c, Method::POST, "/api/v1/incidents", incident, [201, 201, 201, 403, 201, 422, 403, 401]).await;
    check(&c, Method::GET, "/api/v1/incidents", none, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    // The grid operator's incidents go to its supervising authority; the French analyst and the EU body are not told.
    count(&c, "/api/v1/incidents", "items", [4, 4, 4, 4, 2, 0, 0]).await;
    let r = c[4].send(Method::POST, "/api/v1/incidents", incident("operator.de")).await;
    let id = r.body["id"].as_str().expect("incident id").to_string();
    check(&c, Method::GET, &format!("/api/v1/incidents/{id}"), none, [200, 200, 200, 200, 200, 404, 404, 401]).await;
    let stale = |_: &str| Some(json!({"kind": "update", "version": 99}));
    check(&c, Method::POST, &format!("/api/v1/incidents/{id}/updates"), stale, [409, 403, 403, 403, 409, 404, 404, 401]).await;
    check(&c, Method::POST, &format!("/api/v1/incidents/{id}/notify"), |_: &str| Some(json!({"version": 1})), [409, 403, 403, 403, 409, 404, 404, 401]).await;
    check(&c, Method::GET, "/api/v1/incidents/inc-0000000000000000", none, [404, 404, 404, 404, 404, 404, 404, 401]).await;

    // Explosives-precursor reports go to the national contact point of their country (the German authority here);
    // the sender's and the contact point's people read them, nobody else.
    assert_eq!(c[0].send(Method::PUT, "/api/v1/organisations/de-authority/sharing", Some(json!({"contact_point": true, "precursor_contact_point": true}))).await.status.as_u16(), 200);
    let theft = |country: &'static str| move |_: &str| Some(json!({"kind": "theft", "country": country, "products": [{"components": [{"cas": "67-64-1", "percent": 100}]}]}));
    check(&c, Method::POST, "/api/v1/precursors/reports/sent", theft("DE"), [201, 201, 201, 403, 201, 201, 403, 401]).await;
    check(&c, Method::POST, "/api/v1/precursors/reports/sent", theft("FR"), [422, 422, 422, 403, 422, 422, 403, 401]).await;
    check(&c, Method::GET, "/api/v1/precursors/reports/sent", none, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    // (The administrator belongs to the EU body, so the EU viewer reads the report the administrator sent.)
    count(&c, "/api/v1/precursors/reports/sent", "items", [5, 5, 5, 5, 1, 1, 1]).await;
    let sent = c[4].get("/api/v1/precursors/reports/sent").await;
    let id = sent.body["items"][0]["id"].as_str().expect("report id").to_string();
    check(&c, Method::GET, &format!("/api/v1/precursors/reports/sent/{id}"), none, [200, 200, 200, 200, 200, 404, 404, 401]).await;
    // Assessments: confidential to the host (the grid operator), the team (assessor.de) and
    // administrators; to everybody else every endpoint answers "not found". The host reads
    // but only the team (and administrators) change; the author of the findings may not approve them.
    let r = c[4].send(Method::POST, "/api/v1/assessments", Some(json!({"asset_id": "DE-SUB-1", "lead_assessor": "assessor.de"}))).await;
    assert_eq!(r.status.as_u16(), 201, "{:?}", r.body);
    let asm = r.body["id"].as_str().expect("id").to_string();
    let a = |sub: &str| format!("/api/v1/assessments/{asm}{sub}");
    const READERS: [u16; 8] = [200, 404, 200, 404, 200, 404, 404, 401];
    const TEAM: [u16; 8] = [200, 404, 200, 404, 403, 404, 404, 401];
    check(&c, Method::GET, "/api/v1/assessments", none, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    check(&c, Method::GET, "/api/v1/assessments/methodologies", none, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    count(&c, "/api/v1/assessments", "items", [1, 0, 1, 0, 1, 0, 0]).await;
    count(&c, "/api/v1/assessments?asset=DE-SUB-1", "items", [1, 0, 1, 0, 1, 0, 0]).await;
    check(&c, Method::GET, "/api/v1/assessments/asm-0123456789abcdef", none, [404, 404, 404, 404, 404, 404, 404, 401]).await;
    let plan = crate::assessments::plan_body(&["assessor.de"]);
    check(&c, Method::PUT, &a("/plan"), |_: &str| Some(plan.clone()), TEAM).await;
    let m = c[0].get(&a("/methodology")).await.body;
    let answers = crate::assessments::complete_answers(&m, &[]);
    let mut got = [0u16; 8];
    for (i, cl) in c.iter().enumerate() {
        let version = c[0].get(&a("")).await.body["version"].clone();
        got[i] = cl.send(Method::PATCH, &a("/answers"), Some(json!({"version": version, "answers": answers}))).await.status.as_u16();
    }
    assert_eq!(got, TEAM, "PATCH answers: statuses for {W:?}");
    check(&c, Method::POST, &a("/score"), none, TEAM).await;
    for sub in ["", "/methodology", "/trail", "/changes", "/suggestions", "/report.html", "/report.pdf"] {
        check(&c, Method::GET, &a(sub), none, READERS).await;
    }
    let mut got = [0u16; 8];
    for (i, cl) in c.iter().enumerate() {
        got[i] = cl.send_bytes(Method::POST, &a("/attachments?filename=note.txt"), b"Gate 3 is open.".to_vec()).await.status.as_u16();
    }
    assert_eq!(got, [201, 404, 201, 404, 403, 404, 404, 401], "POST attachments: statuses for {W:?}");
    let first = c[0].get(&a("")).await.body["attachments"][0]["id"].as_i64().expect("an attachment");
    check(&c, Method::GET, &a(&format!("/attachments/{first}")), none, READERS).await;
    check(&c, Method::GET, &a("/attachments/999999"), none, [404, 404, 404, 404, 404, 404, 404, 401]).await;
    let findings = json!({"summary": "s", "findings": [], "recommendations": [{"title": "Training", "priority": "short", "cost_band": "low"}]});
    check(&c, Method::PUT, &a("/findings"), |_: &str| Some(findings.clone()), TEAM).await;
    // The administrator submits first, so the assessor finds it already in review.
    check(&c, Method::POST, &a("/submit"), none, [200, 404, 409, 404, 403, 404, 404, 401]).await;
    // assessor.de wrote the findings last: they may not approve or send them back.
    check(&c, Method::POST, &a("/approve"), none, [200, 404, 403, 404, 403, 404, 404, 401]).await;
    check(&c, Method::POST, &a("/send-back"), |_: &str| Some(json!({"comment": "again"})), [409, 404, 403, 404, 403, 404, 404, 401]).await;
    check(&c, Method::POST, &a("/issue"), none, [200, 404, 409, 404, 403, 404, 404, 401]).await;
    for sub in ["", "/trail", "/report.html"] {
        check(&c, Method::GET, &a(sub), none, READERS).await;
    }
    // Requests: host authorities and operators for a site they may read; the French analyst may not name a German site.
    let request = |_: &str| Some(json!({"asset_id": "DE-SUB-1", "lead_assessor": "assessor.de"}));
    check(&c, Method::POST, "/api/v1/assessments", request, [201, 201, 403, 403, 201, 422, 403, 401]).await;
    // Each request is hosted by the requester's organisation: the EU body's (admin, seen by viewer.eu),
    // the German authority's (analyst.de, seen by its viewer and assessor) and the grid operator's.
    count(&c, "/api/v1/assessments", "items", [4, 1, 4, 1, 2, 0, 1]).await;
    // Alerts: authorities', EU bodies' and administrators' issuers compose; drafts are
    // seen by their organisation's issuers; approval by a second person; once published,
    // TLP:AMBER admits the originator's and the recipient operator's members only.
    let around_grid = "52.51,13.39 52.51,13.41 52.525,13.41 52.525,13.39 52.51,13.39";
    let cap = json!({"status": "Exercise", "infos": [{"categories": ["Infra"], "event": "Grid attack", "urgency": "Immediate",
        "severity": "Severe", "certainty": "Likely", "headline": "Substation threat", "areas": [{"area_desc": "Mitte", "polygons": [around_grid]}]}]});
    let compose = {
        let cap = cap.clone();
        move |_: &str| Some(json!({"tlp": "TLP:AMBER", "cap": cap.clone()}))
    };
    check(&c, Method::POST, "/api/v1/alerts", compose.clone(), [201, 201, 201, 403, 403, 201, 403, 401]).await;
    let made = c[1].send(Method::POST, "/api/v1/alerts", compose(""))
        .await;
    let alert = made.body["id"].as_str().expect("an alert id").to_string();
    let path = |sub: &str| format!("/api/v1/alerts/{alert}{sub}");
    check(&c, Method::GET, &path(""), none, [404, 200, 200, 404, 404, 404, 404, 401]).await;
    check(&c, Method::GET, &path("/matches"), none, [404, 200, 200, 404, 404, 404, 404, 401]).await;
    let edit = {
        let cap = cap.clone();
        move |_: &str| Some(json!({"version": 1, "tlp": "TLP:AMBER", "cap": cap.clone()}))
    };
    check(&c, Method::PUT, &path(""), edit, [404, 200, 409, 404, 404, 404, 404, 401]).await;
    check(&c, Method::POST, &path("/submit"), none, [404, 200, 409, 404, 404, 404, 404, 401]).await;
    check(&c, Method::POST, &path("/approve"), none, [404, 403, 200, 404, 404, 404, 404, 401]).await;
    check(&c, Method::POST, &path("/publish"), none, [404, 200, 409, 403, 403, 404, 404, 401]).await;
    for sub in ["", ".xml", "/acks"] {
        check(&c, Method::GET, &path(sub), none, [404, 200, 200, 200, 200, 404, 404, 401]).await;
    }
    check(&c, Method::GET, "/api/v1/alerts", none, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    // Own drafts (admin's, analyst.fr's; analyst.de's and assessor.de's two) and the published alert.
    count(&c, "/api/v1/alerts", "items", [1, 3, 3, 1, 1, 1, 0]).await;
    check(&c, Method::GET, &path("/matches"), none, [404, 200, 200, 403, 403, 404, 404, 401]).await;
    check(&c, Method::POST, &path("/ack"), none, [404, 403, 403, 403, 201, 404, 404, 401]).await;
    check(&c, Method::POST, &path("/label"), |_: &str| Some(json!({"tlp": "TLP:AMBER+STRICT"})), [404, 200, 200, 403, 403, 404, 404, 401]).await;
    check(&c, Method::POST, &path("/label"), |_: &str| Some(json!({"tlp": "TLP:CLEAR"})), [404, 200, 200, 403, 403, 403, 403, 401]).await;
    check(&c, Method::POST, &path("/label"), |_: &str| Some(json!({"tlp": "TLP:AMBER"})), [403, 200, 200, 403, 403, 404, 404, 401]).await;
    check(&c, Method::POST, &path("/reject"), none, [404, 409, 409, 403, 403, 404, 404, 401]).await;
    check(&c, Method::POST, &path("/update"), |_: &str| Some(json!({})), [404, 201, 201, 403, 403, 404, 404, 401]).await;
    check(&c, Method::POST, &path("/cancel"), |_: &str| Some(json!({"note": "over"})), [404, 201, 201, 403, 403, 404, 404, 401]).await;
    check(&c, Method::DELETE, &path(""), none, [404, 409, 409, 403, 403, 404, 404, 401]).await;
    let draft = c[1].send(Method::POST, "/api/v1/alerts", compose("")).await.body["id"].as_str().expect("id").to_string();
    check(&c, Method::DELETE, &format!("/api/v1/alerts/{draft}"), none, [404, 204, 404, 404, 404, 404, 404, 401]).await;
    check(&c, Method::GET, "/api/v1/alerts/0123456789abcdef01234567", none, [404, 404, 404, 404, 404, 404, 404, 401]).await;
    // Import (a CAP XML body) and the event stream (status only: it stays open).
    let xml = c[1].get(&path(".xml")).await.body.as_str().expect("CAP XML").to_string();
    let mut got = [0u16; 8];
    for (i, cl) in c.iter().enumerate() {
        let body = xml.replacen("<identifier>", &format!("<identifier>import-{i}-"), 1);
        let mut req = cl.http.post(format!("{}/api/v1/alerts/import", app.base)).body(body);
        if let Some(t) = &cl.csrf {
            req = req.header("X-CSRF-Token", t);
        }
        got[i] = req.send().await.expect("import").status().as_u16();
    }
    assert_eq!(got, [201, 201, 201, 403, 403, 201, 403, 401], "POST /api/v1/alerts/import: statuses for {W:?}");
    for (i, cl) in c.iter().enumerate() {
        got[i] = cl.http.get(format!("{}/api/v1/events?after=0", app.base)).send().await.expect("events").status().as_u16();
    }
    assert_eq!(got, [200, 200, 200, 200, 200, 200, 200, 401], "GET /api/v1/events: statuses for {W:?}");

    // STIX and TAXII: every signed-in user, each getting what their labels allow (tests/api/taxii.rs);
    // anonymous callers nothing.
    let all = "/taxii2/api/collections/{all}/";
    let all_id = c[0].get("/taxii2/api/collections/").await.body["collections"][0]["id"].as_str().expect("collection id").to_string();
    for path in ["/taxii2/", "/taxii2/api/", "/taxii2/api/collections/", "/api/v1/stix/bundle", "/api/v1/feeds/alerts.atom", "/api/v1/feeds/incidents.atom"] {
        check(&c, Method::GET, path, none, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    }
    for sub in ["", "objects/"] {
        check(&c, Method::GET, &format!("{}{sub}", all.replace("{all}", &all_id)), none, [200, 200, 200, 200, 200, 200, 200, 401]).await;
    }
    check(&c, Method::GET, "/taxii2/api/collections/00000000-0000-0000-0000-000000000000/objects/", none, [404, 404, 404, 404, 404, 404, 404, 401]).await;
    check(&c, Method::GET, "/api/v1/feeds/communities/nowhere.atom", none, [404, 404, 404, 404, 404, 404, 404, 401]).await;
    // The library: documents of every label, search, attachments, events (tests/api/library.rs).
    crate::library::access_rows(&app, &c).await;
    // Webhooks: an organisation's own, administrators see (not redirect) all (tests/api/webhooks.rs).
    crate::webhooks::access_rows(&c).await;

    // Every user may make API tokens for themselves.
    check(&c, Method::POST, "/api/v1/tokens", |_: &str| Some(json!({"name": "script"})), [201, 201, 201, 201, 201, 201, 201, 401]).await;
}

/// Federation: the administration endpoints are for administrators; the peer
/// endpoints answer to a peer's signature only, never to a user session.
async fn federation_matrix(backend: Backend) {
    use rampart_core::federation::{link_signing_bytes, InstanceName, SecretKey};
    let own = SecretKey::from_seed([5; 32]);
    let identity = rampart_server::federation::Identity { name: InstanceName::parse("de").expect("name"), key: std::sync::Arc::new(own) };
    let app = crate::helpers::spawn_app_with(backend, |s| {
        s.federation.identity = Some(identity);
        s.federation.rounds_in_background = false;
    })
    .await;
    let c = clients(&app).await;
    let peer = SecretKey::from_seed([6; 32]);
    let body = |_: &str| Some(json!({"public_key": SecretKey::from_seed([6; 32]).public().to_string(), "hosts": ["*"]}));
    check(&c, Method::PUT, "/api/v1/federation/peers/eu-hub", body, [201, 403, 403, 403, 403, 403, 403, 401]).await;
    check(&c, Method::PUT, "/api/v1/federation/peers/eu-hub", body, [200, 403, 403, 403, 403, 403, 403, 401]).await;
    for path in ["/api/v1/federation", "/api/v1/federation/peers"] {
        check(&c, Method::GET, path, none, [200, 403, 403, 403, 403, 403, 403, 401]).await;
    }
    check(&c, Method::POST, "/api/v1/federation/sync", |_| Some(json!({})), [200, 403, 403, 403, 403, 403, 403, 401]).await;
    // A session is no signature.
    check(&c, Method::POST, "/federation/v1/messages", |_| Some(json!({"from": "eu-hub", "head": 0, "entries": []})), [401; 8]).await;
    check(&c, Method::GET, "/federation/v1/messages?after=0", none, [401; 8]).await;
    // The peer's signature is: a heartbeat, and a pull.
    let now = app.state.clock.now_ms();
    let hub = InstanceName::parse("eu-hub").expect("name");
    let beat = serde_json::to_vec(&json!({"from": "eu-hub", "head": 0, "entries": []})).expect("json");
    let sig = peer.sign(&link_signing_bytes("POST", "/federation/v1/messages", &hub, now, &beat));
    let r = reqwest::Client::new().post(format!("{}/federation/v1/messages", app.base)).header("rampart-peer", "eu-hub").header("rampart-at", now.to_string())
        .header("rampart-signature", sig).body(beat).send().await.expect("push");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Value>().await.expect("json"), json!({"cursor": 0, "head": 0}));
    let sig = peer.sign(&link_signing_bytes("GET", "/federation/v1/messages?after=0", &hub, now, b""));
    let r = reqwest::Client::new().get(format!("{}/federation/v1/messages?after=0", app.base)).header("rampart-peer", "eu-hub").header("rampart-at", now.to_string())
        .header("rampart-signature", sig).send().await.expect("pull");
    assert_eq!(r.status().as_u16(), 200);
    assert_eq!(r.json::<Value>().await.expect("json"), json!({"from": "de", "head": 0, "entries": []}));
    check(&c, Method::DELETE, "/api/v1/federation/peers/eu-hub", none, [204, 403, 403, 403, 403, 403, 403, 401]).await;
    check(&c, Method::DELETE, "/api/v1/federation/peers/eu-hub", none, [404, 403, 403, 403, 403, 403, 403, 401]).await;
}

#[tokio::test]
async fn federation_access_on_sqlite() {
    federation_matrix(Backend::Sqlite).await;
}

#[tokio::test]
async fn federation_access_on_postgres() {
    federation_matrix(Backend::Postgres).await;
}

#[tokio::test]
async fn access_rules_on_sqlite() {
    matrix(Backend::Sqlite).await;
}

#[tokio::test]
async fn access_rules_on_postgres() {
    matrix(Backend::Postgres).await;
}

