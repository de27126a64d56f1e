//! `/api/v1/analysis/runs`: studies of the analysis engine as background jobs.
//!
//! A run is accepted (202), recorded as `queued`, and computed in the process that
//! accepted it: the graph is read from the store, then `rampart_engine::study::run`
//! works on a blocking thread. Live progress and the cancel flag live in memory
//! ([`Jobs`]); a heartbeat writes the progress to the store every second, and learns
//! there when another process cancelled the run. Result or failure is written when the
//! study ends. Runs left unfinished by a stopped process are marked interrupted when a
//! server starts and by a periodic sweep.
//!
//! The server knows nothing of the study kinds: it passes the request to the engine
//! and filters the result generically (see [`for_reader`]), so a new kind of study
//! needs no change here.
//!
//! Access: admins and analysts start runs; a run is seen by its creator and admins
//! (everyone else: not found); per-asset rows of a result are shown only for assets
//! the reader may read, the others are counted in `withheld`.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::{rfc3339, AppState};
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::Json;
use rampart_core::{Invalid, Principal, Role, Scope};
use rampart_engine::study::{self, Request, StudyError};
use rampart_engine::Graph;
use rampart_store::{AssetPlace, Backend, NewRun, RunRecord, RunStatus, INTERRUPTED};
use serde::{Deserialize, Serialize};
use serde_json::{json, Map, Value};
use std::collections::{BTreeSet, HashMap};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::Semaphore;
use utoipa::{IntoParams, ToSchema};

/// How often a running study writes its progress and a sign of life.
const HEARTBEAT: Duration = Duration::from_secs(1);
/// A run silent for this long was left by a process that stopped.
const STALE_MS: i64 = 30_000;
/// How often a server looks for such runs.
const SWEEP: Duration = Duration::from_secs(15);
/// What a reader is told when a run failed for a reason that was logged.
const INTERNAL_FAILURE: &str = "the study failed on the server; the error has been logged";

/// A run in progress in this process.
#[derive(Default)]
pub struct LiveRun {
    progress: AtomicU64,
    cancel: AtomicBool,
}

impl LiveRun {
    fn progress(&self) -> f64 {
        f64::from_bits(self.progress.load(Ordering::Relaxed))
    }

    fn set_progress(&self, f: f64) {
        self.progress.store(f.clamp(0.0, 1.0).to_bits(), Ordering::Relaxed);
    }

    fn cancelled(&self) -> bool {
        self.cancel.load(Ordering::Relaxed)
    }
}

/// The runs this process is computing, and how many it computes at once.
pub struct Jobs {
    live: Mutex<HashMap<String, Arc<LiveRun>>>,
    slots: Arc<Semaphore>,
    /// The registry's graph as last read, with the registry version it was read at:
    /// reading a continental registry takes seconds, a study of it often less.
    graph: tokio::sync::Mutex<Option<(String, Arc<Graph>)>>,
}

impl Jobs {
    /// Computes at most `parallel` studies at once.
    pub fn new(parallel: usize) -> Self {
        Jobs { live: Mutex::new(HashMap::new()), slots: Arc::new(Semaphore::new(parallel)), graph: tokio::sync::Mutex::new(None) }
    }

    fn map(&self) -> std::sync::MutexGuard<'_, HashMap<String, Arc<LiveRun>>> {
        // A panic while holding the lock leaves the map usable: entries are independent.
        self.live.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn register(&self, id: &str) -> Arc<LiveRun> {
        let live = Arc::new(LiveRun::default());
        self.map().insert(id.to_string(), live.clone());
        live
    }

    fn get(&self, id: &str) -> Option<Arc<LiveRun>> {
        self.map().get(id).cloned()
    }

    fn forget(&self, id: &str) {
        self.map().remove(id);
    }

    fn ids(&self) -> Vec<String> {
        self.map().keys().cloned().collect()
    }
}


/// A run is seen by the user who started it and by admins.
fn may_see(p: &Principal, run: &RunRecord) -> bool {
    p.role == Role::Admin || run.created_by == p.username.as_str()
}

/// A run as the API shows it.
#[derive(Serialize, ToSchema)]
pub struct RunOut {
    /// Random and unguessable.
    pub id: String,
    /// The study kind: `scenario`, `criticality`, `connectivity`, …
    pub kind: String,
    /// `queued`, `running`, `done`, `failed` or `cancelled`.
    pub status: String,
    /// Fraction done, 0 to 1.
    pub progress: f64,
    pub created_by: String,
    pub created_at: String,
    pub started_at: Option<String>,
    pub finished_at: Option<String>,
    /// From start to finish, in milliseconds.
    pub duration_ms: Option<i64>,
    /// The study request as it was sent.
    #[schema(value_type = Object)]
    pub request: Value,
    /// The result when done, with the rows about assets the reader may not see left out
    /// (counted in `withheld`) and `places`: where each asset named lies.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<Object>)]
    pub result: Option<Value>,
    /// Why the run failed or was cancelled.
    pub error: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct RunPage {
    /// Newest first, without results.
    pub items: Vec<RunOut>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RunQuery {
    /// At most this many runs (1–200, default 50).
    pub limit: Option<i64>,
    /// Admins: only their own runs.
    pub mine: Option<bool>,
}

fn run_out(state: &AppState, run: RunRecord, result: Option<Value>) -> RunOut {
    let progress = match state.jobs.get(&run.id) {
        Some(live) if run.status.is_unfinished() => live.progress().max(run.progress),
        _ => run.progress,
    };
    let request = serde_json::from_str(&run.request).unwrap_or(Value::Null);
    RunOut {
        id: run.id,
        kind: run.kind,
        status: run.status.key().into(),
        progress,
        created_by: run.created_by,
        created_at: rfc3339(run.created_at),
        started_at: run.started_at.map(rfc3339),
        finished_at: run.finished_at.map(rfc3339),
        duration_ms: run.started_at.zip(run.finished_at).map(|(s, f)| f - s),
        request,
        result,
        error: run.error,
    }
}

/// The run if the caller may see it; not found otherwise.
async fn visible_run(state: &AppState, p: &Principal, id: &str) -> ApiResult<RunRecord> {
    match state.store.get_run(id).await? {
        Some(run) if may_see(p, &run) => Ok(run),
        _ => Err(ApiError::NotFound(format!("analysis run {id}"))),
    }
}

fn bad_request(e: StudyError) -> ApiError {
    match e {
        StudyError::Invalid { field, message } => ApiError::BadFields(Invalid::one(field, message)),
        other => ApiError::BadRequest(other.to_string()),
    }
}

/// Assets a request names must be readable by the caller, or it could learn that an
/// asset it may not see exists. They are reported like unknown ones.
async fn check_named_assets(state: &AppState, p: &Principal, body: &Value) -> ApiResult<()> {
    let scope = p.read_scope();
    if scope == Scope::All {
        return Ok(());
    }
    let Some(list) = body.get("assets").and_then(Value::as_array) else { return Ok(()) };
    let ids: Vec<&str> = list.iter().filter_map(Value::as_str).collect();
    let places = state.store.asset_places(&ids).await?;
    let readable: BTreeSet<&str> = places.iter().filter(|a| scope.allows(&a.country, a.operator_id.as_ref())).map(|a| a.id.as_str()).collect();
    let errors: Vec<_> = list
        .iter()
        .enumerate()
        .filter_map(|(i, v)| v.as_str().filter(|id| !readable.contains(id)).map(|id| (i, id)))
        .map(|(i, id)| rampart_core::FieldError::new(format!("assets[{i}]"), format!("unknown asset id {id:?}")))
        .collect();
    if errors.is_empty() {
        Ok(())
    } else {
        Err(ApiError::BadFields(Invalid(errors)))
    }
}

/// Starts a study. The body is the study request: `{"kind": "scenario", …}`,
/// `{"kind": "criticality", …}` or `{"kind": "connectivity", …}` (see docs/analysis-api.md).
#[utoipa::path(post, path = "/api/v1/analysis/runs", tag = "analysis",
    request_body(content = Object, description = "A study request: kind (scenario, criticality, connectivity) and its parameters"),
    responses((status = 202, body = RunOut, description = "Accepted: queued, computed in the background"),
        (status = 400, body = crate::error::Problem, description = "The request is invalid; `errors` names the field"),
        (status = 403, body = crate::error::Problem, description = "Only admins and analysts run studies")))]
pub async fn create_run(
    State(state): State<AppState>,
    Auth(p): Auth,
    JsonBody(body): JsonBody<Value>,
) -> ApiResult<(StatusCode, [(header::HeaderName, String); 1], Json<RunOut>)> {
    if !p.can_run_analyses() {
        return Err(ApiError::Forbidden("only administrators and analysts run analyses".into()));
    }
    let request = Request::from_json(&body).map_err(bad_request)?;
    check_named_assets(&state, &p, &body).await?;
    let id = hex::encode(rand::random::<[u8; 16]>());
    let text = body.to_string();
    let run = state.store.create_run(&NewRun { id: &id, kind: request.kind(), request: &text, created_by: p.username.as_str() }, state.clock.now_ms()).await?;
    let live = state.jobs.register(&id);
    tokio::spawn(drive(state.clone(), id.clone(), request, live));
    tracing::info!(run = %id, kind = run.kind, user = %p.username, "analysis run accepted");
    let location = format!("/api/v1/analysis/runs/{id}");
    Ok((StatusCode::ACCEPTED, [(header::LOCATION, location)], Json(run_out(&state, run, None))))
}

/// The caller's runs (admins: everybody's), newest first, without results.
#[utoipa::path(get, path = "/api/v1/analysis/runs", tag = "analysis", params(RunQuery),
    responses((status = 200, body = RunPage)))]
pub async fn list_runs(State(state): State<AppState>, Auth(p): Auth, Query(q): Query<RunQuery>) -> ApiResult<Json<RunPage>> {
    let limit = q.limit.unwrap_or(50);
    if !(1..=200).contains(&limit) {
        return Err(ApiError::Invalid(Invalid::one("limit", format!("expected 1 to 200, found {limit}"))));
    }
    let only = if p.role == Role::Admin && !q.mine.unwrap_or(false) { None } else { Some(p.username.as_str()) };
    let runs = state.store.list_runs(only, limit).await?;
    Ok(Json(RunPage { items: runs.into_iter().map(|r| run_out(&state, r, None)).collect() }))
}

/// A run: status, progress, timing, request, and the result when done.
#[utoipa::path(get, path = "/api/v1/analysis/runs/{id}", tag = "analysis", params(("id" = String, Path)),
    responses((status = 200, body = RunOut), (status = 404, body = crate::error::Problem)))]
pub async fn get_run(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<RunOut>> {
    let mut run = visible_run(&state, &p, &id).await?;
    let result = match run.result.take() {
        Some(text) => {
            let value: Value = serde_json::from_str(&text).map_err(|e| ApiError::Internal(format!("stored result of run {id}: {e}")))?;
            Some(for_reader(&state, &p, value).await?)
        }
        None => None,
    };
    Ok(Json(run_out(&state, run, result)))
}

/// Stops a queued or running study.
#[utoipa::path(post, path = "/api/v1/analysis/runs/{id}/cancel", tag = "analysis", params(("id" = String, Path)),
    responses((status = 200, body = RunOut), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem, description = "The run has already finished")))]
pub async fn cancel_run(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<RunOut>> {
    let run = visible_run(&state, &p, &id).await?;
    if let Some(live) = state.jobs.get(&id) {
        live.cancel.store(true, Ordering::Relaxed);
    }
    if !state.store.cancel_run(&id, p.username.as_str(), state.clock.now_ms()).await? && run.status != RunStatus::Cancelled {
        let now = visible_run(&state, &p, &id).await?;
        if now.status != RunStatus::Cancelled {
            return Err(ApiError::Conflict(format!("analysis run {id} has already finished ({})", now.status.key())));
        }
    }
    let mut run = visible_run(&state, &p, &id).await?;
    run.result = None;
    Ok(Json(run_out(&state, run, None)))
}

enum Outcome {
    Done(Value),
    Failed(String),
    Cancelled,
    /// Cancelled before it started.
    NotStarted,
}

/// Computes a run and records how it ended.
async fn drive(state: AppState, id: String, request: Request, live: Arc<LiveRun>) {
    let outcome = compute(&state, &id, request, &live).await;
    let now = state.clock.now_ms();
    let written = match outcome {
        Outcome::Done(result) => state.store.finish_run(&id, &result.to_string(), now).await,
        Outcome::Failed(message) => state.store.fail_run(&id, &message, now).await,
        Outcome::Cancelled => state.store.cancel_run(&id, "the server", now).await,
        Outcome::NotStarted => Ok(false),
    };
    if let Err(e) = written {
        tracing::error!(run = %id, error = %e, "analysis run: recording the outcome failed");
    }
    state.jobs.forget(&id);
}

async fn compute(state: &AppState, id: &str, request: Request, live: &Arc<LiveRun>) -> Outcome {
    let Ok(_slot) = state.jobs.slots.clone().acquire_owned().await else {
        return Outcome::Failed(INTERNAL_FAILURE.into());
    };
    if live.cancelled() {
        return Outcome::Cancelled;
    }
    match state.store.mark_run_running(id, state.clock.now_ms()).await {
        Ok(true) => {}
        Ok(false) => return Outcome::NotStarted,
        Err(e) => {
            tracing::error!(run = %id, error = %e, "analysis run: marking it running failed");
            return Outcome::Failed(INTERNAL_FAILURE.into());
        }
    }
    let heartbeat = tokio::spawn(heartbeat(state.clone(), id.to_string(), live.clone()));
    let outcome = study_on_registry(state, id, request, live).await;
    heartbeat.abort();
    outcome
}

async fn study_on_registry(state: &AppState, id: &str, request: Request, live: &Arc<LiveRun>) -> Outcome {
    let started = std::time::Instant::now();
    let graph = match registry_graph(state).await {
        Ok(g) => g,
        Err(e) => {
            tracing::error!(run = %id, error = %e, "analysis run: reading the registry failed");
            return Outcome::Failed(INTERNAL_FAILURE.into());
        }
    };
    let loaded = started.elapsed();
    if live.cancelled() {
        return Outcome::Cancelled;
    }
    let job = live.clone();
    let computed = tokio::task::spawn_blocking(move || study::run(&graph, &request, &|f| job.set_progress(f), &job.cancel)).await;
    tracing::info!(run = %id, load_ms = loaded.as_millis() as u64, total_ms = started.elapsed().as_millis() as u64, "analysis run computed");
    match computed {
        Ok(Ok(result)) => Outcome::Done(result),
        Ok(Err(StudyError::Cancelled(_))) => Outcome::Cancelled,
        Ok(Err(e)) => Outcome::Failed(e.to_string()),
        Err(e) => {
            tracing::error!(run = %id, error = %e, "analysis run: the study panicked");
            Outcome::Failed(INTERNAL_FAILURE.into())
        }
    }
}

/// The registry's graph: the one read last while the registry has not changed since,
/// else read anew (one reader at a time; the others wait for it).
async fn registry_graph(state: &AppState) -> Result<Arc<Graph>, String> {
    let mut cached = state.jobs.graph.lock().await;
    let version = state.store.registry_version().await.map_err(|e| e.to_string())?;
    if let Some((v, g)) = cached.as_ref() {
        if *v == version {
            return Ok(g.clone());
        }
    }
    *cached = None;
    let graph = Arc::new(rampart_formats::engine::graph_from_store(&state.store).await.map_err(|e| e.to_string())?);
    *cached = Some((version, graph.clone()));
    Ok(graph)
}

/// Writes progress every second; stops the study when the store says the run has
/// finished meanwhile (cancelled by another process).
async fn heartbeat(state: AppState, id: String, live: Arc<LiveRun>) {
    let mut tick = tokio::time::interval(HEARTBEAT);
    tick.tick().await;
    loop {
        tick.tick().await;
        match state.store.set_run_progress(&id, live.progress(), state.clock.now_ms()).await {
            Ok(true) => {}
            Ok(false) => {
                live.cancel.store(true, Ordering::Relaxed);
                return;
            }
            Err(e) => tracing::warn!(run = %id, error = %e, "analysis run: writing progress failed"),
        }
    }
}

/// Marks as interrupted the runs that stopped processes left unfinished. One SQLite
/// database has one server, so at start every unfinished run is such a run; servers
/// sharing PostgreSQL only take runs silent for a while.
pub(crate) async fn interrupt_left_runs(state: &AppState, at_start: bool) {
    let now = state.clock.now_ms();
    let stale_before = if at_start && state.store.backend() == Backend::Sqlite { now } else { now - STALE_MS };
    match state.store.interrupt_unfinished(now, stale_before).await {
        Ok(0) => {}
        Ok(n) => tracing::warn!(runs = n, "analysis runs left unfinished by a stopped server marked interrupted"),
        Err(e) => tracing::error!(error = %e, "marking interrupted analysis runs failed"),
    }
}

/// Every little while, looks for runs that a stopped process left behind.
pub(crate) async fn sweep(state: AppState) {
    let mut tick = tokio::time::interval(SWEEP);
    tick.tick().await;
    loop {
        tick.tick().await;
        interrupt_left_runs(&state, false).await;
    }
}

/// At shutdown: stops this process's studies and records them as interrupted.
pub(crate) async fn interrupt_own_runs(state: &AppState) {
    for id in state.jobs.ids() {
        if let Some(live) = state.jobs.get(&id) {
            live.cancel.store(true, Ordering::Relaxed);
        }
        if let Err(e) = state.store.fail_run(&id, INTERRUPTED, state.clock.now_ms()).await {
            tracing::error!(run = %id, error = %e, "marking an analysis run interrupted failed");
        }
    }
}

/// Keys of a result row that name the asset the row is about: the row is shown only
/// when the reader may read every one of them.
const ROW_KEYS: [&str; 3] = ["asset", "a", "b"];
/// Keys of a row that refer to another asset: shown as `null` when unreadable.
const REF_KEYS: [&str; 1] = ["root"];
/// Lists of bare asset ids.
const ID_LISTS: [&str; 1] = ["damaged"];

/// The result as `p` may see it: per-asset rows only for assets `p` may read (the
/// others are dropped and counted in `withheld`), aggregates whole, and `places`
/// (name, class, country, position) of the assets shown.
pub async fn for_reader(state: &AppState, p: &Principal, mut result: Value) -> ApiResult<Value> {
    let mut ids = BTreeSet::new();
    collect_ids(&result, None, &mut ids);
    let ids: Vec<&str> = ids.into_iter().collect();
    let places = state.store.asset_places(&ids).await?;
    let scope = p.read_scope();
    let readable: HashMap<&str, &AssetPlace> =
        places.iter().filter(|a| scope.allows(&a.country, a.operator_id.as_ref())).map(|a| (a.id.as_str(), a)).collect();
    let mut withheld = 0u64;
    let mut shown = BTreeSet::new();
    filter_rows(&mut result, None, &readable, &mut withheld, &mut shown);
    if let Value::Object(obj) = &mut result {
        let places: Map<String, Value> = shown
            .iter()
            .filter_map(|id| readable.get(id.as_str()))
            .map(|a| (a.id.clone(), json!({"name": a.name, "class": a.class, "country": a.country.to_string(), "lon": a.lon, "lat": a.lat})))
            .collect();
        obj.insert("withheld".into(), json!(withheld));
        obj.insert("places".into(), Value::Object(places));
    }
    Ok(result)
}

fn collect_ids<'a>(v: &'a Value, key: Option<&str>, out: &mut BTreeSet<&'a str>) {
    match v {
        Value::Array(items) => {
            for item in items {
                match item {
                    Value::String(s) if key.is_some_and(|k| ID_LISTS.contains(&k)) => {
                        out.insert(s.as_str());
                    }
                    _ => collect_ids(item, None, out),
                }
            }
        }
        Value::Object(obj) => {
            for (k, v) in obj {
                match v {
                    Value::String(s) if ROW_KEYS.contains(&k.as_str()) || REF_KEYS.contains(&k.as_str()) => {
                        out.insert(s.as_str());
                    }
                    _ => collect_ids(v, Some(k), out),
                }
            }
        }
        _ => {}
    }
}

fn row_ids(obj: &Map<String, Value>) -> impl Iterator<Item = &str> {
    ROW_KEYS.iter().filter_map(|k| obj.get(*k).and_then(Value::as_str))
}

fn filter_rows(v: &mut Value, key: Option<&str>, readable: &HashMap<&str, &AssetPlace>, withheld: &mut u64, shown: &mut BTreeSet<String>) {
    match v {
        Value::Array(items) => {
            let id_list = key.is_some_and(|k| ID_LISTS.contains(&k));
            items.retain(|item| {
                let keep = match item {
                    Value::String(s) if id_list => readable.contains_key(s.as_str()),
                    Value::Object(obj) => row_ids(obj).all(|id| readable.contains_key(id)),
                    _ => true,
                };
                if !keep {
                    *withheld += 1;
                }
                keep
            });
            for item in items.iter_mut() {
                match item {
                    Value::String(s) if id_list => {
                        shown.insert(s.clone());
                    }
                    _ => filter_rows(item, None, readable, withheld, shown),
                }
            }
        }
        Value::Object(obj) => {
            let ids: Vec<String> = row_ids(obj).map(String::from).collect();
            shown.extend(ids);
            for k in REF_KEYS {
                if let Some(Value::String(s)) = obj.get(k) {
                    if readable.contains_key(s.as_str()) {
                        shown.insert(s.clone());
                    } else {
                        obj.insert(k.into(), Value::Null);
                    }
                }
            }
            for (k, child) in obj.iter_mut() {
                if !ROW_KEYS.contains(&k.as_str()) {
                    filter_rows(child, Some(k), readable, withheld, shown);
                }
            }
        }
        _ => {}
    }
}
