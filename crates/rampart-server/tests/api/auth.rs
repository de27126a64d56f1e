//! Logging in, sessions, CSRF, tokens and throttling.

use crate::helpers::{spawn_app, PASSWORD};
use rampart_store::Backend;
use reqwest::Method;
use serde_json::json;

#[tokio::test]
async fn wrong_password_then_throttled_then_allowed_again() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = app.anonymous();
    for _ in 0..5 {
        let r = c.send(Method::POST, "/api/v1/auth/login", Some(json!({"username": "viewer.de", "password": "wrong password"}))).await;
        assert_eq!((r.status.as_u16(), r.body["detail"].as_str()), (401, Some("wrong username or password")));
        assert_eq!(r.content_type, "application/problem+json");
    }
    // Even the right password is refused while the window lasts.
    let r = c.send(Method::POST, "/api/v1/auth/login", Some(json!({"username": "viewer.de", "password": PASSWORD}))).await;
    assert_eq!(r.status.as_u16(), 429);
    app.clock.advance(15 * 60 * 1000 + 1);
    let r = c.send(Method::POST, "/api/v1/auth/login", Some(json!({"username": "viewer.de", "password": PASSWORD}))).await;
    assert_eq!(r.status.as_u16(), 200);
    // Unknown users get the same answer as a wrong password.
    let r = c.send(Method::POST, "/api/v1/auth/login", Some(json!({"username": "nobody", "password": PASSWORD}))).await;
    assert_eq!((r.status.as_u16(), r.body["detail"].as_str()), (401, Some("wrong username or password")));
}

#[tokio::test]
async fn sessions_expire_and_logout_ends_them() {
    let app = spawn_app(Backend::Sqlite).await;
    let c = app.login("analyst.de").await;
    assert_eq!(c.get("/api/v1/auth/me").await.body["user"]["role"], "analyst");
    app.clock.advance(12 * 3_600_000);
    let r = c.get("/api/v1/assets").await;
    assert_eq!((r.status.as_u16(), r.body["detail"].as_str()), (401, Some("the session has expired; log in again")));

    let c = app.login("analyst.de").await;
    assert_eq!(c.send(Method::POST, "/api/v1/auth/logout", None).await.status.as_u16(), 204);
    assert_eq!(c.get("/api/v1/auth/me").await.status.as_u16(), 401);
}

#[tokio::test]
async fn state_changes_with_a_cookie_need_the_csrf_token() {
    let app = spawn_app(Backend::Sqlite).await;
    let mut c = app.login("admin").await;
    let good = c.csrf.take();
    let body = json!({"name": "x", "kind": "operator", "country": "DE", "id": "op-x"});
    let r = c.send(Method::POST, "/api/v1/organisations", Some(body.clone())).await;
    assert_eq!((r.status.as_u16(), r.body["detail"].as_str()), (403, Some("missing or wrong X-CSRF-Token header")));
    c.csrf = Some("forged".into());
    assert_eq!(c.send(Method::POST, "/api/v1/organisations", Some(body.clone())).await.status.as_u16(), 403);
    c.csrf = good;
    assert_eq!(c.send(Method::POST, "/api/v1/organisations", Some(body)).await.status.as_u16(), 201);
}

#[tokio::test]
async fn api_tokens_work_without_cookies_or_csrf_and_die_with_the_user() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.login("admin").await;
    let analyst = app.login("analyst.de").await;
    let r = analyst.send(Method::POST, "/api/v1/tokens", Some(json!({"name": "nightly export", "expires_in_days": 30}))).await;
    assert_eq!(r.status.as_u16(), 201);
    let mut script = app.anonymous();
    script.bearer = r.body["token"].as_str().map(String::from);
    assert_eq!(script.get("/api/v1/assets").await.body["items"].as_array().map(Vec::len), Some(3));
    let renamed = json!({"id": "DE-SUB-1", "name": "Renamed by script", "sector": "energy", "country": "DE", "operator_id": "de-op-grid",
        "geometry": {"type": "Point", "coordinates": [13.40, 52.52]}});
    assert_eq!(script.send(Method::PUT, "/api/v1/assets/DE-SUB-1", Some(renamed)).await.status.as_u16(), 200);
    assert_eq!(admin.send(Method::PATCH, "/api/v1/users/analyst.de", Some(json!({"disabled": true}))).await.status.as_u16(), 200);
    let r = script.get("/api/v1/assets").await;
    assert_eq!((r.status.as_u16(), r.body["detail"].as_str()), (401, Some("the API token is unknown, expired or revoked")));
    assert_eq!(analyst.get("/api/v1/assets").await.status.as_u16(), 401, "disabling ends sessions");
    app.clock.advance(31 * 86_400_000);
}

#[tokio::test]
async fn passwords_are_checked_and_admins_cannot_lock_themselves_out() {
    let app = spawn_app(Backend::Sqlite).await;
    let admin = app.login("admin").await;
    let r = admin.send(Method::POST, "/api/v1/users", Some(json!({"username": "new user", "password": "short", "role": "boss", "organisation_id": "de-authority"}))).await;
    assert_eq!(r.status.as_u16(), 422);
    let fields: Vec<&str> = r.body["errors"].as_array().map(|e| e.iter().filter_map(|x| x["field"].as_str()).collect()).unwrap_or_default();
    assert_eq!(fields, vec!["username", "role"]);
    let r = admin.send(Method::POST, "/api/v1/users", Some(json!({"username": "newuser", "password": "short", "role": "viewer", "organisation_id": "de-authority"}))).await;
    assert_eq!((r.status.as_u16(), r.body["detail"].as_str()), (422, Some("password: must be at least 10 characters long")));
    let r = admin.send(Method::PATCH, "/api/v1/users/admin", Some(json!({"disabled": true}))).await;
    assert_eq!(r.status.as_u16(), 409);
    // A new password works at once and ends the user's other sessions.
    let old = app.login("viewer.de").await;
    assert_eq!(admin.send(Method::PATCH, "/api/v1/users/viewer.de", Some(json!({"password": "a brand new password"}))).await.status.as_u16(), 200);
    assert_eq!(old.get("/api/v1/auth/me").await.status.as_u16(), 401);
    let c = app.anonymous();
    let r = c.send(Method::POST, "/api/v1/auth/login", Some(json!({"username": "viewer.de", "password": "a brand new password"}))).await;
    assert_eq!(r.status.as_u16(), 200);
}
