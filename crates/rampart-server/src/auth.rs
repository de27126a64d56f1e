//! Authentication: argon2id passwords, login sessions with CSRF tokens, API tokens,
//! and slowing down repeated failed logins.

use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::AppState;
use argon2::password_hash::{PasswordHash, PasswordHasher, PasswordVerifier, SaltString};
use argon2::Argon2;
use axum::extract::{FromRequestParts, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use base64::Engine;
use rampart_core::{Principal, Role};
use rampart_store::AuditAction;
use serde_json::json;
use rand::RngCore;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};
use utoipa::ToSchema;

pub const SESSION_COOKIE: &str = "rampart_session";
pub const CSRF_HEADER: &str = "x-csrf-token";
/// Shortest accepted password.
pub const MIN_PASSWORD: usize = 10;
/// Failed logins within [`FAILURE_WINDOW_MS`] before further attempts are refused.
pub const MAX_FAILURES: i64 = 5;
pub const FAILURE_WINDOW_MS: i64 = 15 * 60 * 1000;

/// Hashes a password with argon2id (the crate's defaults: 19 MiB, 2 passes), off the
/// async threads.
pub async fn hash_password(password: String) -> ApiResult<String> {
    check_password(&password)?;
    tokio::task::spawn_blocking(move || {
        let salt = SaltString::generate(&mut rand::rngs::OsRng);
        Argon2::default().hash_password(password.as_bytes(), &salt).map(|h| h.to_string())
    })
    .await
    .map_err(|e| ApiError::Internal(e.to_string()))?
    .map_err(|e| ApiError::Internal(format!("password hashing: {e}")))
}

pub fn check_password(password: &str) -> ApiResult<()> {
    if password.chars().count() < MIN_PASSWORD {
        return Err(ApiError::Invalid(rampart_core::Invalid::one(
            "password",
            format!("must be at least {MIN_PASSWORD} characters long"),
        )));
    }
    Ok(())
}

async fn verify_password(hash: String, password: String) -> bool {
    tokio::task::spawn_blocking(move || {
        PasswordHash::new(&hash).map(|h| Argon2::default().verify_password(password.as_bytes(), &h).is_ok()).unwrap_or(false)
    })
    .await
    .unwrap_or(false)
}

/// A fresh 256-bit secret, URL-safe base64.
pub fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Sessions and tokens are stored as SHA-256 hashes: a copy of the database does not
/// hand out live credentials.
pub fn secret_hash(secret: &str) -> String {
    hex::encode(Sha256::digest(secret.as_bytes()))
}

fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|kv| kv.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The authenticated caller. Extracting it rejects anonymous requests with 401, and
/// cookie-authenticated state-changing requests without the session's CSRF token with 403.
pub struct Auth(pub Principal);

impl FromRequestParts<AppState> for Auth {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let now = state.clock.now_ms();
        let bearer = parts
            .headers
            .get(header::AUTHORIZATION)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.strip_prefix("Bearer "));
        if let Some(token) = bearer {
            return match state.store.api_token(&secret_hash(token.trim()), now).await? {
                Some(p) => Ok(Auth(crate::audit::Actor::note(parts, p))),
                None => Err(ApiError::Unauthenticated("the API token is unknown, expired or revoked".into())),
            };
        }
        let Some(session) = cookie(&parts.headers, SESSION_COOKIE) else {
            return Err(ApiError::Unauthenticated("log in first".into()));
        };
        let Some((principal, csrf)) = state.store.session(&secret_hash(session), now).await? else {
            return Err(ApiError::Unauthenticated("the session has expired; log in again".into()));
        };
        let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
        if !safe {
            let sent = parts.headers.get(CSRF_HEADER).map(|v| v.as_bytes()).unwrap_or_default();
            if !constant_time_eq(sent, csrf.as_bytes()) {
                return Err(ApiError::Forbidden("missing or wrong X-CSRF-Token header".into()));
            }
        }
        Ok(Auth(crate::audit::Actor::note(parts, principal)))
    }
}

impl Auth {
    pub fn require_admin(&self) -> ApiResult<()> {
        if self.0.role == Role::Admin {
            Ok(())
        } else {
            Err(ApiError::Forbidden("only administrators may do this".into()))
        }
    }
}

#[derive(Deserialize, ToSchema)]
pub struct LoginRequest {
    pub username: String,
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct UserInfo {
    pub username: String,
    pub role: String,
    pub organisation_id: String,
    pub country: Option<String>,
    /// May compose, approve and publish alerts.
    pub may_issue_alerts: bool,
}

#[derive(Serialize, ToSchema)]
pub struct SessionInfo {
    pub user: UserInfo,
    /// Send back as `X-CSRF-Token` on every state-changing request.
    pub csrf_token: String,
}

fn user_info(p: &Principal) -> UserInfo {
    UserInfo {
        username: p.username.to_string(),
        role: p.role.key().to_string(),
        organisation_id: p.organisation.to_string(),
        country: p.country.map(|c| c.to_string()),
        may_issue_alerts: p.can_issue_alerts(),
    }
}

fn session_cookie(state: &AppState, value: &str, max_age_s: i64) -> ApiResult<HeaderValue> {
    let secure = if state.settings.secure_cookies { "; Secure" } else { "" };
    HeaderValue::from_str(&format!("{SESSION_COOKIE}={value}; Path=/; HttpOnly; SameSite=Strict; Max-Age={max_age_s}{secure}"))
        .map_err(|e| ApiError::Internal(e.to_string()))
}

/// Logs in with a username and password and sets the session cookie.
#[utoipa::path(post, path = "/api/v1/auth/login", tag = "auth", request_body = LoginRequest,
    responses((status = 200, body = SessionInfo), (status = 401, body = crate::error::Problem), (status = 429, body = crate::error::Problem)))]
pub async fn login(State(state): State<AppState>, JsonBody(req): JsonBody<LoginRequest>) -> ApiResult<Response> {
    let now = state.clock.now_ms();
    let failures = state.store.login_failures_since(&req.username, now - FAILURE_WINDOW_MS).await?;
    if failures >= MAX_FAILURES {
        tracing::warn!(username = %req.username, failures, "login refused: too many failures");
        return Err(ApiError::TooManyRequests {
            detail: "too many failed logins for this user; wait 15 minutes and try again".into(),
            retry_after_s: (FAILURE_WINDOW_MS / 1000) as u64,
        });
    }
    let user = state.store.get_user(&req.username).await?;
    // Verify against a fixed hash for unknown users, so timing does not tell them apart.
    let hash = user.as_ref().map(|u| u.password_hash.clone()).unwrap_or_else(|| state.dummy_hash.clone());
    let ok = verify_password(hash, req.password).await && user.as_ref().is_some_and(|u| !u.disabled);
    if !ok {
        let audit = crate::audit::entry(&state, &req.username, AuditAction::Reject, "session", "", json!({"reason": "wrong username or password"}));
        state.store.record_login_failure_audited(&req.username, now, &audit).await?;
        tracing::info!(username = %req.username, "failed login");
        return Err(ApiError::Unauthenticated("wrong username or password".into()));
    }
    state.store.clear_login_failures(&req.username).await?;
    let principal = state.store.principal(&req.username).await?.ok_or_else(|| ApiError::Unauthenticated("wrong username or password".into()))?;
    let token = new_secret();
    let csrf = new_secret();
    let ttl_ms = state.settings.session_hours * 3_600_000;
    let audit = crate::audit::entry(&state, &req.username, AuditAction::Login, "session", "", json!({}));
    state.store.create_session_audited(&secret_hash(&token), &req.username, &csrf, now, now + ttl_ms, &audit).await?;
    tracing::info!(username = %req.username, "login");
    let mut r = Json(SessionInfo { user: user_info(&principal), csrf_token: csrf }).into_response();
    r.headers_mut().insert(header::SET_COOKIE, session_cookie(&state, &token, ttl_ms / 1000)?);
    Ok(r)
}

/// Ends the session.
#[utoipa::path(post, path = "/api/v1/auth/logout", tag = "auth", responses((status = 204)))]
pub async fn logout(State(state): State<AppState>, auth: Auth, headers: HeaderMap) -> ApiResult<Response> {
    let session = cookie(&headers, SESSION_COOKIE).map(secret_hash);
    let audit = crate::audit::entry(&state, auth.0.username.as_str(), AuditAction::Logout, "session", "", json!({}));
    state.store.delete_session_audited(session.as_deref(), &audit).await?;
    let mut r = StatusCode::NO_CONTENT.into_response();
    r.headers_mut().insert(header::SET_COOKIE, session_cookie(&state, "", 0)?);
    Ok(r)
}

/// Who is logged in, with the CSRF token of the session.
#[utoipa::path(get, path = "/api/v1/auth/me", tag = "auth", responses((status = 200, body = SessionInfo), (status = 401, body = crate::error::Problem)))]
pub async fn me(State(state): State<AppState>, Auth(p): Auth, headers: HeaderMap) -> ApiResult<Json<SessionInfo>> {
    let csrf = match cookie(&headers, SESSION_COOKIE) {
        Some(s) => state.store.session(&secret_hash(s), state.clock.now_ms()).await?.map(|(_, c)| c).unwrap_or_default(),
        None => String::new(),
    };
    Ok(Json(SessionInfo { user: user_info(&p), csrf_token: csrf }))
}

#[derive(Deserialize, ToSchema)]
pub struct TokenRequest {
    /// What the token is for, e.g. "nightly export".
    pub name: String,
    /// Days until it expires; no expiry when absent.
    pub expires_in_days: Option<u32>,
}

#[derive(Serialize, ToSchema)]
pub struct TokenResponse {
    /// Shown once: send as `Authorization: Bearer <token>`.
    pub token: String,
    pub expires_at: Option<i64>,
}

/// Creates an API token for the caller, for scripts.
#[utoipa::path(post, path = "/api/v1/tokens", tag = "auth", request_body = TokenRequest, responses((status = 201, body = TokenResponse)))]
pub async fn create_token(State(state): State<AppState>, Auth(p): Auth, JsonBody(req): JsonBody<TokenRequest>) -> ApiResult<(StatusCode, Json<TokenResponse>)> {
    if req.name.trim().is_empty() {
        return Err(ApiError::Invalid(rampart_core::Invalid::one("name", "must not be empty")));
    }
    let now = state.clock.now_ms();
    let token = new_secret();
    let expires_at = req.expires_in_days.map(|d| now + i64::from(d) * 86_400_000);
    let audit = crate::audit::entry(&state, p.username.as_str(), AuditAction::Create, "token", req.name.trim(), json!({"expires_at": expires_at}));
    state.store.create_api_token_audited(&secret_hash(&token), p.username.as_str(), req.name.trim(), now, expires_at, &audit).await?;
    Ok((StatusCode::CREATED, Json(TokenResponse { token, expires_at })))
}

/// A fixed argon2id hash to verify against when the user does not exist.
pub fn dummy_hash() -> String {
    let salt = SaltString::generate(&mut rand::rngs::OsRng);
    Argon2::default().hash_password(b"no such user", &salt).map(|h| h.to_string()).unwrap_or_default()
}
