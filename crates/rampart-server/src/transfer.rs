//! `/api/v1/import` and `/api/v1/export.*`: the registry in and out as files, under
//! the caller's access rules.

use crate::assets::FilterQuery;
use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::AppState;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::Json;
use rampart_core::{FieldError, Invalid, Principal, Role, Scope};
use rampart_formats::{ExportScope, Format, ImportError, ImportOptions, NoProgress, Record, Source, Table};
use rampart_store::AuditAction;
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use utoipa::{IntoParams, ToSchema};

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ImportQuery {
    /// `geojson`, `csv` or `osm`; guessed from `name` and the content when absent.
    pub format: Option<String>,
    /// For CSV: `assets`, `dependencies`, `links` or `organisations` (guessed from `name` and the header when absent).
    pub table: Option<String>,
    /// The uploaded file's name, used in messages and to guess the format.
    pub name: Option<String>,
    /// `true`: check everything and write nothing.
    pub check: Option<bool>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportResult {
    /// False for a check: nothing was written.
    pub committed: bool,
    pub organisations: u64,
    pub assets: u64,
    pub dependencies: u64,
    pub links: u64,
    pub warning_count: u64,
    /// The first warnings: `{file, position, field, message, text}`.
    #[schema(value_type = Vec<Object>)]
    pub warnings: Vec<rampart_formats::Issue>,
    #[schema(value_type = Object)]
    pub skipped: std::collections::BTreeMap<String, u64>,
    pub elapsed_ms: u64,
}

/// What a user may import: administrators anything; others assets within what
/// they may change. Organisations, dependencies and links in files are for
/// administrators and analysts of EU bodies; others add them one by one.
fn allow(p: &Principal) -> rampart_formats::Allow {
    let scope = p.write_scope();
    let role = p.role;
    Arc::new(move |record: &Record| match record {
        _ if role == Role::Admin => Ok(()),
        Record::Asset(a) if scope.allows_asset(a) => Ok(()),
        Record::Asset(a) => Err(format!(
            "you may not import an asset of country {} operated by {}",
            a.country,
            a.operator_id.as_ref().map(|o| o.as_str()).unwrap_or("nobody")
        )),
        Record::Dependency(_) | Record::Link(_) if scope == Scope::All => Ok(()),
        Record::Organisation(_) => Err("only administrators may import organisations".into()),
        Record::Dependency(_) | Record::Link(_) => {
            Err("only administrators may import dependencies and links from files; add them through /api/v1/dependencies and /api/v1/links".into())
        }
    })
}

fn source(q: &ImportQuery, body: Bytes, state: &AppState) -> ApiResult<Source> {
    let name = q.name.clone().unwrap_or_else(|| "upload".into());
    let refused = |e: ImportError| ApiError::Invalid(issues(&e));
    let table = |t: &str| match t {
        "assets" => Ok(Table::Assets),
        "dependencies" => Ok(Table::Dependencies),
        "links" => Ok(Table::Links),
        "organisations" => Ok(Table::Organisations),
        other => Err(ApiError::Invalid(Invalid::one("table", format!("expected assets, dependencies, links or organisations, found {other:?}")))),
    };
    let mut source = match q.format.as_deref() {
        None => Source::detect_bytes(&name, body.to_vec()).map_err(refused)?,
        Some("geojson") => Source::bytes(&name, body.to_vec(), Format::GeoJson),
        Some("osm") => Source::bytes(&name, body.to_vec(), Format::OsmPbf(Default::default())),
        Some("csv") => match q.table.as_deref() {
            Some(t) => Source::bytes(&name, body.to_vec(), Format::Csv(table(t)?)),
            None => Source::detect_bytes(&name, body.to_vec()).map_err(refused)?,
        },
        Some(other) => return Err(ApiError::Invalid(Invalid::one("format", format!("expected geojson, csv or osm, found {other:?}")))),
    };
    if let Format::OsmPbf(_) = source.format {
        source.format = Format::OsmPbf(rampart_formats::OsmOptions { locate: state.locate.clone(), ..Default::default() });
    }
    Ok(source)
}

/// The problems of an import as field errors naming file, record and field.
fn issues(e: &ImportError) -> Invalid {
    Invalid(
        e.issues()
            .iter()
            .map(|i| {
                let text = i.to_string();
                let place = text.strip_suffix(&format!(": {}", i.message)).unwrap_or(&text).to_string();
                FieldError::new(place, i.message.clone())
            })
            .collect(),
    )
}

/// Imports a GeoJSON, CSV or OpenStreetMap PBF file: all of it, or on any problem nothing.
#[utoipa::path(post, path = "/api/v1/import", tag = "transfer", params(ImportQuery),
    request_body(content = String, description = "The file's bytes", content_type = "application/octet-stream"),
    responses((status = 200, body = ImportResult), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn import(
    State(state): State<AppState>,
    Auth(p): Auth,
    Query(q): Query<ImportQuery>,
    body: Result<Bytes, axum::extract::rejection::BytesRejection>,
) -> ApiResult<Json<ImportResult>> {
    if p.role == Role::Viewer || p.role == Role::Assessor {
        return Err(ApiError::Forbidden("viewers and assessors may not import".into()));
    }
    let body = body.map_err(|e| match e.status() {
        axum::http::StatusCode::PAYLOAD_TOO_LARGE => ApiError::PayloadTooLarge(format!(
            "the file is larger than the {} MiB an upload may have; import it with `rampart import`",
            state.settings.max_import_bytes / (1024 * 1024)
        )),
        _ => ApiError::BadRequest(e.body_text()),
    })?;
    let source = source(&q, body, &state)?;
    let mut opts = ImportOptions::new(p.username.as_str(), state.clock.now_ms());
    opts.check = q.check.unwrap_or(false);
    opts.allow = Some(allow(&p));
    match rampart_formats::import(&state.store, &[source], &opts, &NoProgress).await {
        Ok(r) => {
            tracing::info!(user = %p.username, assets = r.assets, dependencies = r.dependencies, committed = r.committed, "import");
            Ok(Json(ImportResult {
                committed: r.committed,
                organisations: r.organisations,
                assets: r.assets,
                dependencies: r.dependencies,
                links: r.links,
                warning_count: r.warning_count,
                warnings: r.warnings,
                skipped: r.skipped,
                elapsed_ms: r.elapsed.as_millis() as u64,
            }))
        }
        Err(e @ ImportError::Invalid { .. }) => {
            let problems = issues(&e);
            let detail = serde_json::json!({"what": "import", "problems": problems.0.len(), "first": problems.0.first().map(|p| p.to_string())});
            crate::audit::record(&state, p.username.as_str(), AuditAction::Reject, "registry", "", detail).await?;
            Err(ApiError::Invalid(problems))
        }
        Err(ImportError::Store(s)) => Err(s.into()),
        Err(ImportError::Internal(m)) => Err(ApiError::Internal(m)),
    }
}

fn attachment(content_type: &'static str, filename: &str, body: Vec<u8>) -> Response {
    let disposition = format!("attachment; filename=\"{filename}\"");
    ([(header::CONTENT_TYPE, content_type.to_string()), (header::CONTENT_DISPOSITION, disposition)], body).into_response()
}

/// Exports what the caller may read (narrowed by the filters) as one GeoJSON file that imports back.
#[utoipa::path(get, path = "/api/v1/export.geojson", tag = "transfer", params(FilterQuery),
    responses((status = 200, description = "GeoJSON FeatureCollection with assets, dependency and link features and an organisations member", content_type = "application/geo+json")))]
pub async fn export_geojson(State(state): State<AppState>, Auth(p): Auth, Query(f): Query<FilterQuery>) -> ApiResult<Response> {
    let filter = serde_json::to_value(&f).unwrap_or_default();
    let what = ExportScope { filter: f.parse()?, scope: p.read_scope() };
    let mut out = Vec::new();
    rampart_formats::export_geojson(&state.store, &what, &mut out).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    let detail = serde_json::json!({"format": "geojson", "filter": filter});
    crate::audit::record(&state, p.username.as_str(), AuditAction::Export, "registry", "", detail).await?;
    Ok(attachment("application/geo+json", "rampart-registry.geojson", out))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TableQuery {
    /// `assets` (default), `dependencies`, `links` or `organisations`.
    pub table: Option<String>,
}

/// Exports one CSV table of what the caller may read (see docs/formats.md for the columns).
#[utoipa::path(get, path = "/api/v1/export.csv", tag = "transfer", params(FilterQuery, TableQuery),
    responses((status = 200, description = "CSV with a header row", content_type = "text/csv")))]
pub async fn export_csv(State(state): State<AppState>, Auth(p): Auth, Query(f): Query<FilterQuery>, Query(t): Query<TableQuery>) -> ApiResult<Response> {
    let table = t.table.unwrap_or_else(|| "assets".into());
    if !["assets", "dependencies", "links", "organisations"].contains(&table.as_str()) {
        return Err(ApiError::Invalid(Invalid::one("table", format!("expected assets, dependencies, links or organisations, found {table:?}"))));
    }
    let filter = serde_json::to_value(&f).unwrap_or_default();
    let what = ExportScope { filter: f.parse()?, scope: p.read_scope() };
    let dir = tempfile::tempdir().map_err(|e| ApiError::Internal(e.to_string()))?;
    rampart_formats::export_csv(&state.store, &what, dir.path()).await.map_err(|e| ApiError::Internal(e.to_string()))?;
    let file = format!("{table}.csv");
    let body = std::fs::read(dir.path().join(&file)).map_err(|e| ApiError::Internal(e.to_string()))?;
    let detail = serde_json::json!({"format": "csv", "table": table, "filter": filter});
    crate::audit::record(&state, p.username.as_str(), AuditAction::Export, "registry", "", detail).await?;
    Ok(attachment("text/csv; charset=utf-8", &file, body))
}
