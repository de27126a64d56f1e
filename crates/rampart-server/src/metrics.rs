//! Prometheus metrics: requests by route and status, and their durations; the
//! federation links' status and backlog (updated every federation round).

use crate::auth::Auth;
use crate::error::ApiResult;
use crate::AppState;
use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;
use std::time::Instant;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RequestLabels {
    method: String,
    route: String,
    status: u16,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
struct RouteLabels {
    route: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct PeerStatusLabels {
    pub peer: String,
    pub status: String,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub(crate) struct PeerLabels {
    pub peer: String,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    durations: Family<RouteLabels, Histogram>,
    /// 1 for each federation peer's current status (ok, lagging, silent), 0 for the others.
    pub(crate) federation_status: Family<PeerStatusLabels, Gauge>,
    /// Messages queued for each federation peer and not yet confirmed.
    pub(crate) federation_backlog: Family<PeerLabels, Gauge>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("rampart");
        let requests = Family::<RequestLabels, Counter>::default();
        let durations = Family::<RouteLabels, Histogram>::new_with_constructor(|| Histogram::new(exponential_buckets(0.0005, 2.0, 16)));
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register("http_request_duration_seconds", "Time to answer an HTTP request", durations.clone());
        let federation_status = Family::<PeerStatusLabels, Gauge>::default();
        let federation_backlog = Family::<PeerLabels, Gauge>::default();
        registry.register("federation_peer_status", "1 for a federation peer's current status (ok, lagging, silent)", federation_status.clone());
        registry.register("federation_backlog", "Messages queued for a federation peer and not yet confirmed", federation_backlog.clone());
        Metrics { registry, requests, durations, federation_status, federation_backlog }
    }
}

/// Counts and times every request under its route template (not its raw path, so ids
/// do not become labels).
pub async fn track(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req.extensions().get::<MatchedPath>().map(|m| m.as_str().to_string()).unwrap_or_else(|| "other".into());
    let method = req.method().to_string();
    let start = Instant::now();
    let response = next.run(req).await;
    let m = &state.metrics;
    m.requests.get_or_create(&RequestLabels { method, route: route.clone(), status: response.status().as_u16() }).inc();
    m.durations.get_or_create(&RouteLabels { route }).observe(start.elapsed().as_secs_f64());
    response
}

/// The Prometheus text exposition (administrators and their API tokens).
pub async fn serve(State(state): State<AppState>, auth: Auth) -> ApiResult<Response> {
    auth.require_admin()?;
    let mut out = String::new();
    prometheus_client::encoding::text::encode(&mut out, &state.metrics.registry)
        .map_err(|e| crate::error::ApiError::Internal(e.to_string()))?;
    Ok(([(axum::http::header::CONTENT_TYPE, "application/openmetrics-text; version=1.0.0; charset=utf-8")], out).into_response())
}
