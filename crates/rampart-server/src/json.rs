//! JSON bodies whose errors are problems naming the place (line, column, field).

use crate::error::ApiError;
use crate::AppState;
use axum::extract::rejection::JsonRejection;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

/// Like `axum::Json`, with errors as problem documents.
pub struct JsonBody<T>(pub T);

impl<T: DeserializeOwned> FromRequest<AppState> for JsonBody<T> {
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &AppState) -> Result<Self, ApiError> {
        match axum::Json::<T>::from_request(req, state).await {
            Ok(axum::Json(v)) => Ok(JsonBody(v)),
            Err(JsonRejection::MissingJsonContentType(_)) => {
                Err(ApiError::UnsupportedMediaType("send the body as JSON with Content-Type: application/json".into()))
            }
            Err(JsonRejection::JsonSyntaxError(e)) => Err(ApiError::BadRequest(format!("malformed JSON: {}", source_text(&e)))),
            Err(JsonRejection::JsonDataError(e)) => Err(ApiError::BadRequest(format!("unexpected JSON: {}", source_text(&e)))),
            Err(JsonRejection::BytesRejection(e)) => {
                if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                    Err(ApiError::PayloadTooLarge("the request body is larger than this endpoint accepts".into()))
                } else {
                    Err(ApiError::BadRequest(e.body_text()))
                }
            }
            Err(e) => Err(ApiError::BadRequest(e.body_text())),
        }
    }
}

/// The innermost error message (serde's, with line and column).
fn source_text(e: &dyn std::error::Error) -> String {
    let mut cur: &dyn std::error::Error = e;
    while let Some(next) = cur.source() {
        cur = next;
    }
    cur.to_string()
}
