//! The web app's files (built into `web/dist` by `web/build.mjs`), embedded in the
//! binary. They hold no registry data: the app fetches everything from the API.

use axum::http::{header, StatusCode, Uri};
use axum::response::{IntoResponse, Response};

#[derive(rust_embed::RustEmbed)]
#[folder = "../../web/dist/"]
struct WebAssets;

pub async fn serve(uri: Uri) -> Response {
    let path = uri.path().trim_start_matches('/');
    let path = if path.is_empty() { "index.html" } else { path };
    match WebAssets::get(path) {
        Some(file) => {
            let mime = match path.rsplit('.').next() {
                Some("html") => "text/html; charset=utf-8",
                Some("js") | Some("mjs") => "text/javascript; charset=utf-8",
                Some("css") => "text/css; charset=utf-8",
                Some("json") => "application/json",
                Some("geojson") => "application/geo+json",
                Some("svg") => "image/svg+xml",
                Some("png") => "image/png",
                _ => "application/octet-stream",
            };
            let cache = if path == "index.html" { "no-cache" } else { "public, max-age=300" };
            ([(header::CONTENT_TYPE, mime), (header::CACHE_CONTROL, cache)], file.data).into_response()
        }
        None if path == "index.html" => (
            StatusCode::SERVICE_UNAVAILABLE,
            "The web app is not built into this binary: run `cd web && npm ci && node build.mjs`, then rebuild.",
        )
            .into_response(),
        None => crate::error::ApiError::NotFound(format!("/{path}")).into_response(),
    }
}
