//! The one mapping from failures to HTTP: RFC 9457 problem details.
//! Internal errors are logged with the request id and never described to clients.

use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use rampart_core::{FieldError, Invalid};
use rampart_store::StoreError;
use serde::Serialize;
use utoipa::ToSchema;

/// An RFC 9457 problem document.
#[derive(Debug, Serialize, ToSchema)]
pub struct Problem {
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    /// The fields at fault, for validation errors.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    #[schema(value_type = Vec<Object>)]
    pub errors: Vec<FieldError>,
}

#[derive(Debug, thiserror::Error)]
pub enum ApiError {
    #[error("{0}")]
    BadRequest(String),
    #[error("authentication required")]
    Unauthenticated(String),
    #[error("forbidden: {0}")]
    Forbidden(String),
    /// Also what a reader gets for something that exists but that they may not see.
    #[error("{0} not found")]
    NotFound(String),
    #[error("{0}")]
    Conflict(String),
    #[error("invalid")]
    Invalid(Invalid),
    /// A request that cannot be understood at all (400), with the fields at fault.
    #[error("bad request")]
    BadFields(Invalid),
    #[error("too many attempts")]
    TooManyRequests { detail: String, retry_after_s: u64 },
    #[error("{0}")]
    PayloadTooLarge(String),
    #[error("{0}")]
    UnsupportedMediaType(String),
    /// The client accepts none of the media types the endpoint answers in (406).
    #[error("{0}")]
    NotAcceptable(String),
    /// A service the request needs is missing or failed (e.g. Chromium for PDF reports).
    #[error("{0}")]
    Unavailable(String),
    #[error("internal: {0}")]
    Internal(String),
}

pub type ApiResult<T> = Result<T, ApiError>;

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        match e {
            StoreError::NotFound(what) => ApiError::NotFound(what),
            StoreError::Conflict(m) => ApiError::Conflict(m),
            StoreError::Invalid(i) => ApiError::Invalid(i),
            StoreError::Refused(m) => ApiError::Forbidden(m),
            other => ApiError::Internal(other.to_string()),
        }
    }
}

impl From<Invalid> for ApiError {
    fn from(i: Invalid) -> Self {
        ApiError::Invalid(i)
    }
}

impl ApiError {
    /// The answer's status, title, detail and fields at fault. Internal errors are
    /// described to the caller without their cause.
    pub fn parts(&self) -> (StatusCode, &'static str, String, Vec<FieldError>) {
        match self {
            ApiError::BadRequest(d) => (StatusCode::BAD_REQUEST, "Bad request", d.clone(), vec![]),
            ApiError::Unauthenticated(d) => (StatusCode::UNAUTHORIZED, "Authentication required", d.clone(), vec![]),
            ApiError::Forbidden(d) => (StatusCode::FORBIDDEN, "Forbidden", d.clone(), vec![]),
            ApiError::NotFound(what) => (StatusCode::NOT_FOUND, "Not found", format!("{what} not found"), vec![]),
            ApiError::Conflict(d) => (StatusCode::CONFLICT, "Conflict", d.clone(), vec![]),
            ApiError::Invalid(i) => (StatusCode::UNPROCESSABLE_ENTITY, "Invalid input", i.to_string(), i.0.clone()),
            ApiError::BadFields(i) => (StatusCode::BAD_REQUEST, "Bad request", i.to_string(), i.0.clone()),
            ApiError::TooManyRequests { detail, .. } => (StatusCode::TOO_MANY_REQUESTS, "Too many attempts", detail.clone(), vec![]),
            ApiError::PayloadTooLarge(d) => (StatusCode::PAYLOAD_TOO_LARGE, "Payload too large", d.clone(), vec![]),
            ApiError::UnsupportedMediaType(d) => (StatusCode::UNSUPPORTED_MEDIA_TYPE, "Unsupported media type", d.clone(), vec![]),
            ApiError::NotAcceptable(d) => (StatusCode::NOT_ACCEPTABLE, "Not acceptable", d.clone(), vec![]),
            ApiError::Unavailable(d) => (StatusCode::SERVICE_UNAVAILABLE, "Service unavailable", d.clone(), vec![]),
            ApiError::Internal(_) => {
                (StatusCode::INTERNAL_SERVER_ERROR, "Internal error", "an internal error occurred; it has been logged".into(), vec![])
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        match &self {
            ApiError::Unavailable(d) => tracing::warn!(detail = %d, "service unavailable"),
            ApiError::Internal(d) => tracing::error!(error = %d, "internal error"),
            _ => {}
        }
        let (status, title, detail, errors) = self.parts();
        let mut r = problem(status, title, detail, errors);
        if let ApiError::TooManyRequests { retry_after_s, .. } = self {
            if let Ok(v) = HeaderValue::from_str(&retry_after_s.to_string()) {
                r.headers_mut().insert(header::RETRY_AFTER, v);
            }
        }
        r
    }
}

pub fn problem(status: StatusCode, title: &str, detail: String, errors: Vec<FieldError>) -> Response {
    let reason = Reason(detail.clone());
    let body = Problem { kind: "about:blank".into(), title: title.into(), status: status.as_u16(), detail, errors };
    let mut r = (status, axum::Json(body)).into_response();
    r.headers_mut().insert(header::CONTENT_TYPE, HeaderValue::from_static("application/problem+json"));
    r.extensions_mut().insert(reason);
    r
}

/// The detail of a problem answer, kept with the response so the audit layer can record
/// why a write was refused without parsing the body.
#[derive(Clone)]
pub struct Reason(pub String);
