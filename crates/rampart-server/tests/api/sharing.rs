//! The sharing directory through the API: communities and sharing profiles.

use crate::helpers::spawn_app;
use rampart_store::Backend;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn communities_and_profiles() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.login("admin").await;
    let r = admin.send(Method::PUT, "/api/v1/communities/stadiums", Some(json!({"name": "Stadium security", "members": ["fr-authority", "de-authority"]}))).await;
    assert_eq!((r.status.as_u16(), r.body["members"].clone()), (201, json!(["de-authority", "fr-authority"])));
    let r = admin.send(Method::PUT, "/api/v1/communities/stadiums", Some(json!({"name": "Stadium security", "members": ["de-authority", "xx-nobody"]}))).await;
    assert_eq!((r.status.as_u16(), r.body["errors"][0]["field"].as_str(), r.body["errors"][0]["message"].as_str()), (422, Some("members[1]"), Some("no organisation xx-nobody")));
    let r = admin.get("/api/v1/communities/stadiums").await;
    assert_eq!(r.body["members"], json!(["de-authority", "fr-authority"]), "a refused change leaves the community as it was");
    let r = admin.send(Method::PUT, "/api/v1/communities/stadiums", Some(json!({"name": "Stadium security", "members": ["de-authority"]}))).await;
    assert_eq!(r.status.as_u16(), 200);
    assert_eq!(app.login("analyst.fr").await.get("/api/v1/communities/stadiums").await.status.as_u16(), 404, "no longer a member");

    // The grid operator becomes a client of the German authority; the authority is Germany's contact point.
    let r = admin.send(Method::PUT, "/api/v1/organisations/de-op-grid/sharing", Some(json!({"supervisor": "de-authority", "liaison": "operator.de"}))).await;
    assert_eq!((r.status.as_u16(), r.body["supervisor"].as_str(), r.body["liaison"].as_str()), (200, Some("de-authority"), Some("operator.de")));
    admin.send(Method::PUT, "/api/v1/organisations/de-authority/sharing", Some(json!({"contact_point": true}))).await;
    let r = admin.get("/api/v1/organisations/de-authority/sharing").await;
    assert_eq!((r.body["contact_point"].as_bool(), r.body["clients"].clone()), (Some(true), json!(["de-op-grid"])));
    let r = admin.send(Method::PUT, "/api/v1/organisations/de-op-water/sharing", Some(json!({"supervisor": "de-op-grid", "liaison": "viewer.de"}))).await;
    assert_eq!(r.status.as_u16(), 422);
    assert_eq!(
        r.body["detail"].as_str(),
        Some("supervisor: de-op-grid is Operator (operator); a supervisor is an authority or an EU body; liaison: viewer.de belongs to de-authority, not de-op-water")
    );
    assert_eq!(admin.get("/api/v1/organisations/nowhere/sharing").await.status.as_u16(), 404);
}
