//! Rampart's HTTP face: the JSON API under `/api/v1`, the web app's files, `/health`
//! and `/metrics`. This is the only crate that knows HTTP. The server is a library:
//! [`launch`] serves a [`Router`] on a listener the caller bound, so tests bind
//! `127.0.0.1:0`.
//!
//! Invariants: every route but `/health`, the web app's static files and the
//! federation peer endpoints (authenticated by the peer's signature, see [`federation`])
//! requires an authenticated [`auth::Auth`]; what a caller may see is decided by
//! `rampart_core::access` and applied in the store's queries; errors leave through
//! [`error::ApiError`] only.

pub mod alerts;
pub mod analysis;
pub mod assessments;
pub mod assets;
pub mod audit;
pub mod auth;
pub mod clock;
pub mod communities;
pub mod directory;
pub mod drone;
pub mod error;
pub mod federation;
pub mod federation_items;
pub mod feeds;
pub mod hvm;
pub mod incidents;
pub mod json;
pub mod library;
pub mod library_index;
pub mod meta;
mod metrics;
pub mod network;
pub mod precursor_reports;
mod openapi;
pub mod report;
pub mod taxii;
pub mod threat;
pub mod transfer;
mod web;
pub mod webhooks;

use axum::extract::{DefaultBodyLimit, State};
use axum::http::{header, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{middleware, Json, Router};
use clock::Clock;
use rampart_store::Store;
use std::sync::Arc;
use std::time::Duration;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::set_header::SetResponseHeaderLayer;
use tower_http::trace::TraceLayer;

pub use openapi::openapi_json;

/// Server settings that are not about where to listen.
#[derive(Debug, Clone)]
pub struct Settings {
    /// Mark the session cookie `Secure` (browsers still send it to http://localhost).
    pub secure_cookies: bool,
    /// How long a login lasts.
    pub session_hours: i64,
    /// Largest accepted request body, in bytes.
    pub max_body_bytes: usize,
    /// Largest accepted import upload, in bytes.
    pub max_import_bytes: usize,
    /// Analysis runs computed at once by this process; later ones wait, queued.
    pub parallel_studies: usize,
    /// An OpenStreetMap extract whose roads `/api/v1/hvm` may use (`"roads": "osm"`).
    pub hvm_osm: Option<std::path::PathBuf>,
    /// An alert not acknowledged this long after publication is escalated to the
    /// recipient's security liaison officer (level 1) …
    pub alert_liaison_after_ms: i64,
    /// … and this long after, to its supervising authority (level 2).
    pub alert_authority_after_ms: i64,
    /// How often the escalation sweep runs.
    pub alert_sweep_ms: u64,
    /// How often the live event stream looks for new events in the database.
    pub events_poll_ms: u64,
    /// How often the webhook worker looks for due deliveries; 0: no worker (tests call
    /// `webhooks::tick` themselves).
    pub webhook_poll_ms: u64,
    /// Allow plain-http webhook targets other than this machine (https otherwise).
    pub webhook_allow_http: bool,
    /// Federation with other Rampart instances (off without an identity).
    pub federation: federation::FederationSettings,
}

impl Default for Settings {
    fn default() -> Self {
        Settings { secure_cookies: true, session_hours: 12, max_body_bytes: 2 * 1024 * 1024, max_import_bytes: 512 * 1024 * 1024, parallel_studies: 2, hvm_osm: None,
            alert_liaison_after_ms: 15 * 60_000, alert_authority_after_ms: 60 * 60_000, alert_sweep_ms: 30_000, events_poll_ms: 250,
            webhook_poll_ms: 1000, webhook_allow_http: false, federation: federation::FederationSettings::default() }
    }
}

/// What every handler can reach.
#[derive(Clone)]
pub struct AppState {
    pub store: Store,
    pub clock: Arc<dyn Clock>,
    pub settings: Arc<Settings>,
    /// Verified against when a login names an unknown user (equal timing).
    pub dummy_hash: String,
    /// Finds the country of a position for OpenStreetMap imports (set by the binary).
    pub locate: Option<rampart_formats::osm::Locate>,
    metrics: Arc<metrics::Metrics>,
    /// Analysis runs computed by this process.
    pub jobs: Arc<analysis::Jobs>,
    /// The live event stream's poller, shared by this process's streams.
    pub events: Arc<alerts::EventHub>,
    /// The library's search index in this process.
    pub library: Arc<library::Library>,
    /// Webhook deliveries from this process.
    pub webhooks: Arc<webhooks::Deliverer>,
}

impl AppState {
    pub fn new(store: Store, clock: Arc<dyn Clock>, settings: Settings) -> Self {
        let jobs = Arc::new(analysis::Jobs::new(settings.parallel_studies));
        AppState {
            store,
            clock,
            settings: Arc::new(settings),
            dummy_hash: auth::dummy_hash(),
            locate: None,
            metrics: Arc::new(metrics::Metrics::default()),
            jobs,
            events: Arc::new(alerts::EventHub::default()),
            library: Arc::new(library::Library::default()),
            webhooks: Arc::new(webhooks::Deliverer::default()),
        }
    }
}

/// Milliseconds since the epoch as RFC 3339 UTC.
pub fn rfc3339(ms: i64) -> String {
    let t = std::time::UNIX_EPOCH + Duration::from_millis(ms.max(0) as u64);
    humantime::format_rfc3339_millis(t).to_string()
}

/// Largest zone file or track accepted by the drone endpoints.
const DRONE_MAX_BODY: usize = 32 * 1024 * 1024;

/// The whole application.
pub fn router(state: AppState) -> Router {
    use axum::routing::post;
    let api = Router::new()
        .route("/auth/login", post(auth::login))
        .route("/auth/logout", post(auth::logout))
        .route("/auth/me", get(auth::me))
        .route("/tokens", post(auth::create_token))
        .route("/meta", get(meta::meta))
        .route("/map", get(assets::map))
        .route("/assets", get(assets::list).post(assets::create))
        .route("/assets.geojson", get(assets::list_geojson))
        .route("/assets/{id}", get(assets::get).put(assets::update).delete(assets::delete))
        .route("/assets/{id}/history", get(assets::history))
        .route("/assets/{id}/upstream", get(network::upstream))
        .route("/assets/{id}/downstream", get(network::downstream))
        .route("/dependencies", get(network::list_dependencies).post(network::create_dependency))
        .route(
            "/dependencies/{id}",
            get(network::get_dependency).put(network::update_dependency).delete(network::delete_dependency),
        )
        .route("/links", get(network::list_links).post(network::create_link))
        .route("/links/{id}", get(network::get_link).delete(network::delete_link))
        .route("/organisations", get(directory::list_organisations).post(directory::create_organisation))
        .route(
            "/organisations/{id}",
            get(directory::get_organisation).put(directory::update_organisation).delete(directory::delete_organisation),
        )
        .route("/organisations/{id}/sharing", get(communities::get_profile).put(communities::put_profile))
        .route("/incidents", get(incidents::list).post(incidents::create))
        .route("/incidents/{id}", get(incidents::get))
        .route("/incidents/{id}/notify", post(incidents::notify_draft))
        .route("/incidents/{id}/updates", post(incidents::update))
        .route("/stix/bundle", get(taxii::export))
        .route("/feeds/alerts.atom", get(feeds::alerts))
        .route("/feeds/incidents.atom", get(feeds::incidents))
        .route("/feeds/communities/{file}", get(feeds::community))
        .route("/library/search", get(library::search_http))
        .route("/library/documents", get(library::list).post(library::create))
        .route("/library/documents/{id}", get(library::get).put(library::update).delete(library::delete))
        .route(
            "/library/documents/{id}/attachments",
            post(library::upload).layer(DefaultBodyLimit::max(library::MAX_ATTACHMENT + 1)),
        )
        .route("/library/documents/{id}/attachments/{attachment}", get(library::download_http))
        .route("/library/events", get(library::list_events).post(library::create_event))
        .route("/library/events/{id}", get(library::get_event))
        .route("/communities", get(communities::list))
        .route("/communities/{id}", get(communities::get).put(communities::put).delete(communities::delete))
        .route("/users", get(directory::list_users).post(directory::create_user))
        .route("/users/{username}", get(directory::get_user).patch(directory::update_user))
        .route("/import", post(transfer::import).layer(DefaultBodyLimit::max(state.settings.max_import_bytes)))
        .route("/export.geojson", get(transfer::export_geojson))
        .route("/export.csv", get(transfer::export_csv))
        .route("/analysis/runs", get(analysis::list_runs).post(analysis::create_run))
        .route("/analysis/runs/{id}", get(analysis::get_run))
        .route("/analysis/runs/{id}/cancel", post(analysis::cancel_run))
        .route("/alerts", get(alerts::list).post(alerts::create))
        .route("/alerts/import", post(alerts::import))
        .route("/alerts/{id}", get(alerts::get).put(alerts::update_draft).delete(alerts::delete))
        .route("/alerts/{id}/submit", post(alerts::submit))
        .route("/alerts/{id}/approve", post(alerts::approve))
        .route("/alerts/{id}/reject", post(alerts::reject))
        .route("/alerts/{id}/publish", post(alerts::publish))
        .route("/alerts/{id}/update", post(alerts::update))
        .route("/alerts/{id}/cancel", post(alerts::cancel))
        .route("/alerts/{id}/ack", post(alerts::ack))
        .route("/alerts/{id}/acks", get(alerts::acks))
        .route("/alerts/{id}/label", post(alerts::label))
        .route("/alerts/{id}/matches", get(alerts::matches))
        .route("/events", get(alerts::events))
        .route("/webhooks", get(webhooks::list).post(webhooks::create))
        .route("/webhooks/{id}", get(webhooks::get).patch(webhooks::update).delete(webhooks::delete))
        .route("/webhooks/{id}/deliveries", get(webhooks::deliveries))
        .route("/webhooks/{id}/test", post(webhooks::test))
        .route("/blast", post(threat::blast))
        .route("/egress", post(threat::egress))
        .route("/precursors/screen", post(threat::screen))
        .route("/precursors/catalogue", get(threat::catalogue_get))
        .route("/precursors/reports", post(threat::report))
        .route("/precursors/reports/sent", get(precursor_reports::list).post(precursor_reports::create))
        .route("/precursors/reports/sent/{id}", get(precursor_reports::get))
        .route("/drone/zones", get(drone::zones))
        .route("/drone/zones/import", post(drone::import).layer(DefaultBodyLimit::max(DRONE_MAX_BODY)))
        .route("/drone/check", post(drone::check).layer(DefaultBodyLimit::max(DRONE_MAX_BODY)))
        .route("/hvm", post(hvm::analyse))
        .route("/audit", get(audit::list))
        .route("/audit/verify", get(audit::verify))
        .route("/assessments", get(assessments::list).post(assessments::create))
        .route("/assessments/methodologies", get(assessments::methodologies))
        .route("/assessments/{id}", get(assessments::get))
        .route("/assessments/{id}/methodology", get(assessments::methodology))
        .route("/assessments/{id}/plan", axum::routing::put(assessments::plan))
        .route("/assessments/{id}/answers", axum::routing::patch(assessments::answers))
        .route(
            "/assessments/{id}/attachments",
            post(assessments::attach).layer(DefaultBodyLimit::max(assessments::ATTACHMENT_MAX_BYTES + 1)),
        )
        .route("/assessments/{id}/attachments/{attachment}", get(assessments::attachment))
        .route("/assessments/{id}/score", post(assessments::score))
        .route("/assessments/{id}/suggestions", get(assessments::suggestions))
        .route("/assessments/{id}/findings", axum::routing::put(assessments::findings))
        .route("/assessments/{id}/submit", post(assessments::submit))
        .route("/assessments/{id}/approve", post(assessments::approve))
        .route("/assessments/{id}/send-back", post(assessments::send_back))
        .route("/assessments/{id}/issue", post(assessments::issue))
        .route("/assessments/{id}/trail", get(assessments::trail))
        .route("/assessments/{id}/changes", get(assessments::changes))
        .route("/assessments/{id}/report.html", get(assessments::report_html))
        .route("/assessments/{id}/report.pdf", get(assessments::report_pdf))
        .route("/federation", get(federation::get_identity))
        .route("/federation/peers", get(federation::list_peers))
        .route("/federation/peers/{name}", axum::routing::put(federation::put_peer).delete(federation::delete_peer))
        .route("/federation/sync", post(federation::sync))
        .route("/openapi.json", get(openapi::serve))
        .fallback(api_not_found);

    let max_body = state.settings.max_body_bytes;
    Router::new()
        .nest("/api/v1", api)
        .route("/health", get(health))
        .route("/taxii2/", get(taxii::discovery))
        .route("/taxii2/api/", get(taxii::api_root))
        .route("/taxii2/api/collections/", get(taxii::list_collections))
        .route("/taxii2/api/collections/{id}/", get(taxii::get_collection))
        .route("/taxii2/api/collections/{id}/objects/", get(taxii::get_objects))
        .route("/metrics", get(metrics::serve))
        .route(
            "/federation/v1/messages",
            get(federation::serve_pull).post(federation::receive).layer(DefaultBodyLimit::max(federation::MAX_BATCH_BYTES)),
        )
        .fallback(web::serve)
        .layer(middleware::from_fn_with_state(state.clone(), audit::refusals))
        .layer(DefaultBodyLimit::max(max_body))
        .layer(middleware::from_fn_with_state(state.clone(), metrics::track))
        .layer(SetResponseHeaderLayer::if_not_present(header::CONTENT_SECURITY_POLICY, HeaderValue::from_static(CSP)))
        .layer(SetResponseHeaderLayer::overriding(header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")))
        .layer(SetResponseHeaderLayer::overriding(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY")))
        .layer(SetResponseHeaderLayer::overriding(header::REFERRER_POLICY, HeaderValue::from_static("no-referrer")))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(TraceLayer::new_for_http().make_span_with(|req: &axum::http::Request<_>| {
            let id = req.headers().get("x-request-id").and_then(|v| v.to_str().ok()).unwrap_or("");
            tracing::info_span!("request", method = %req.method(), path = %req.uri().path(), request_id = %id)
        }))
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}

/// Only the app's own origin may load scripts, styles, workers and data.
const CSP: &str = "default-src 'self'; img-src 'self' data: blob:; worker-src 'self' blob:; style-src 'self' 'unsafe-inline'; \
    connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

async fn api_not_found() -> Response {
    error::ApiError::NotFound("this API path".into()).into_response()
}

/// Liveness and database reachability; the only route without authentication.
async fn health(State(state): State<AppState>) -> Response {
    match state.store.ping().await {
        Ok(()) => Json(serde_json::json!({"status": "ok"})).into_response(),
        Err(e) => {
            tracing::error!(error = %e, "health check: database unreachable");
            (StatusCode::SERVICE_UNAVAILABLE, Json(serde_json::json!({"status": "database unreachable"}))).into_response()
        }
    }
}

/// Serves the application on `listener` until `shutdown` completes, then finishes
/// the requests in flight. Analysis runs that a stopped server left unfinished are
/// marked interrupted at start and then every little while; this server's own runs
/// still in progress at shutdown are stopped and marked interrupted.
pub async fn launch(
    state: AppState,
    listener: tokio::net::TcpListener,
    shutdown: impl std::future::Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    analysis::interrupt_left_runs(&state, true).await;
    let sweeper = tokio::spawn(analysis::sweep(state.clone()));
    let alert_sweeper = tokio::spawn(alerts::sweep_forever(state.clone()));
    alerts::EventHub::start(&state);
    let deliverer = (state.settings.webhook_poll_ms > 0).then(|| tokio::spawn(webhooks::deliver_forever(state.clone())));
    let federation = (state.settings.federation.identity.is_some() && state.settings.federation.rounds_in_background).then(|| tokio::spawn(federation::run_forever(state.clone())));
    let served = axum::serve(listener, router(state.clone())).with_graceful_shutdown(shutdown).await;
    sweeper.abort();
    alert_sweeper.abort();
    if let Some(f) = federation {
        f.abort();
    }
    if let Some(d) = deliverer {
        d.abort();
    }
    analysis::interrupt_own_runs(&state).await;
    served
}
