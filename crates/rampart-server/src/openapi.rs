//! The OpenAPI 3 document, generated from the handlers' annotations.

use crate::auth::Auth;
use crate::{alerts, analysis, assessments, assets, audit, auth, communities, directory, drone, federation, feeds, hvm, incidents, library, meta, network, precursor_reports, taxii, threat, transfer, webhooks};
use axum::response::{IntoResponse, Response};
use utoipa::openapi::security::{ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(title = "Rampart API", description = "The registry of critical infrastructure and public spaces: assets, dependencies, network links, organisations and users; analysis runs of the engine's studies; threat tools (blast stand-off, crowd egress, explosives precursors, drone zones in ED-269 and ED-318, and incursion checks); vulnerability assessments from request to issued report; the sharing network (communities, incident notifications, explosives-precursor reports); the tamper-evident audit trail. Errors are RFC 9457 problem documents."),
    paths(
        auth::login, auth::logout, auth::me, auth::create_token, meta::meta,
        assets::list, assets::list_geojson, assets::map, assets::get, assets::create, assets::update, assets::delete, assets::history,
        network::upstream, network::downstream,
        network::list_dependencies, network::create_dependency, network::get_dependency, network::update_dependency, network::delete_dependency,
        network::list_links, network::create_link, network::get_link, network::delete_link,
        directory::list_organisations, directory::get_organisation, directory::create_organisation, directory::update_organisation, directory::delete_organisation,
        directory::list_users, directory::create_user, directory::get_user, directory::update_user,
        incidents::list, incidents::create, incidents::get, incidents::notify_draft, incidents::update,
        taxii::export, feeds::alerts, feeds::incidents, feeds::community,
        library::search_http, library::list, library::create, library::get, library::update, library::delete, library::upload, library::download_http,
        library::list_events, library::create_event, library::get_event,
        communities::list, communities::get, communities::put, communities::delete, communities::get_profile, communities::put_profile,
        transfer::import, transfer::export_geojson, transfer::export_csv,
        analysis::create_run, analysis::list_runs, analysis::get_run, analysis::cancel_run,
        threat::blast, threat::egress, threat::screen, threat::catalogue_get, threat::report,
        precursor_reports::create, precursor_reports::list, precursor_reports::get,
        drone::zones, drone::import, drone::check,
        hvm::analyse,
        audit::list, audit::verify,
        assessments::list, assessments::methodologies, assessments::create, assessments::get, assessments::methodology, assessments::plan,
        assessments::answers, assessments::attach, assessments::attachment, assessments::score, assessments::suggestions, assessments::findings,
        assessments::submit, assessments::approve, assessments::send_back, assessments::issue, assessments::trail, assessments::changes,
        assessments::report_html, assessments::report_pdf,
        alerts::list, alerts::get, alerts::create, alerts::import, alerts::update_draft, alerts::delete, alerts::submit, alerts::approve,
        alerts::reject, alerts::publish, alerts::update, alerts::cancel, alerts::ack, alerts::acks, alerts::label, alerts::matches, alerts::events,
        webhooks::list, webhooks::create, webhooks::get, webhooks::update, webhooks::delete, webhooks::deliveries, webhooks::test,
        federation::get_identity, federation::list_peers, federation::put_peer, federation::delete_peer, federation::sync,
        federation::receive, federation::serve_pull,
    ),
    modifiers(&Security),
    security(("session" = []), ("token" = [])),
)]
struct ApiDoc;

struct Security;

impl Modify for Security {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme("session", SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new(auth::SESSION_COOKIE))));
        components.add_security_scheme("token", SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()));
    }
}

/// The document as JSON text.
pub fn openapi_json() -> String {
    ApiDoc::openapi().to_pretty_json().unwrap_or_else(|_| "{}".into())
}

pub async fn serve(_auth: Auth) -> Response {
    ([(axum::http::header::CONTENT_TYPE, "application/json")], openapi_json()).into_response()
}
