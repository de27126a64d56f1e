//! `/api/v1/assessments`: vulnerability assessments from request to issued report.
//!
//! An assessment is confidential to its host organisation, its team and administrators:
//! to anyone else every endpoint answers 404, exactly as for an id that does not exist.
//! Every change goes through [`act`]: access, the workflow move and the edit are checked
//! on the locked row and written with a trail entry in one transaction.

use crate::auth::Auth;
use crate::error::{ApiError, ApiResult};
use crate::json::JsonBody;
use crate::report;
use crate::{rfc3339, AppState};
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, Query, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use rampart_assess::{Answers, AnswerValue, Methodology, Scores};
use rampart_core::assessment::{transition, Action, CostBand, Findings, Plan, Priority};
use rampart_core::error::Collector;
use rampart_core::{AssessmentParties, AssetId, FieldError, Invalid, OrgId, Principal, Role, Username};
use rampart_store::{AssessmentReader, AssessmentRecord, AttachmentRecord, NewAssessment, NewAttachment, StoreError, TrailNote};
use serde::Deserialize;
use serde_json::{json, Map, Value};
use sha2::{Digest, Sha256};
use std::collections::BTreeMap;
use utoipa::IntoParams;

/// Largest attachment: a photo from a tablet or a site plan.
pub const ATTACHMENT_MAX_BYTES: usize = 10 * 1024 * 1024;

pub(crate) fn parties(r: &AssessmentRecord) -> AssessmentParties<'_> {
    AssessmentParties { host: &r.host_org, team: &r.team, findings_by: r.findings_by.as_ref() }
}

fn not_found(id: &str) -> ApiError {
    ApiError::NotFound(format!("assessment {id}"))
}

/// The assessment, if the caller may read it; otherwise "not found".
pub async fn readable(state: &AppState, p: &Principal, id: &str) -> ApiResult<AssessmentRecord> {
    match state.store.get_assessment(id).await? {
        Some(r) if p.can_read_assessment(&parties(&r)) => Ok(r),
        _ => Err(not_found(id)),
    }
}

fn state_conflict(e: Invalid) -> StoreError {
    StoreError::Conflict(e.0.into_iter().map(|f| f.message).collect::<Vec<_>>().join("; "))
}

/// Makes one move of the workflow: checks that the caller may read the assessment (else
/// not found) and make the move (else forbidden), that the move is possible now (else
/// conflict), runs `edit` (which may refuse with invalid input), and records it.
async fn act(
    state: &AppState,
    p: &Principal,
    id: &str,
    version: Option<i64>,
    action: Action,
    edit: impl FnOnce(&mut AssessmentRecord) -> Result<String, StoreError>,
) -> ApiResult<AssessmentRecord> {
    let now = state.clock.now_ms();
    let r = state
        .store
        .change_assessment(id, version, p.username.as_str(), now, |r| {
            if !p.can_read_assessment(&parties(r)) {
                return Err(StoreError::NotFound(format!("assessment {id}")));
            }
            p.may_act_on_assessment(action, &parties(r)).map_err(StoreError::Refused)?;
            let to = transition(r.state, action).map_err(state_conflict)?;
            let detail = edit(r)?;
            r.state = to;
            Ok(TrailNote { action, detail })
        })
        .await?;
    Ok(r)
}

/// The methodology the assessment was planned with, at the version it was planned with.
pub(crate) fn methodology_of(r: &AssessmentRecord) -> Result<Methodology, StoreError> {
    let id = r.methodology_id.as_deref().ok_or_else(|| StoreError::Conflict("plan the assessment first: it has no methodology yet".into()))?;
    let m = rampart_assess::shipped_methodology(id)
        .ok_or_else(|| StoreError::Conflict(format!("methodology {id:?} of this assessment is not shipped with this Rampart")))?;
    if r.methodology_version.as_deref() != Some(m.version.as_str()) {
        return Err(StoreError::Conflict(format!(
            "this assessment was planned with {id} version {}, this Rampart ships version {}",
            r.methodology_version.as_deref().unwrap_or("?"),
            m.version
        )));
    }
    Ok(m)
}

fn stored_json<T: serde::de::DeserializeOwned + Default>(r: &AssessmentRecord, text: Option<&str>, what: &str) -> Result<T, StoreError> {
    match text {
        None => Ok(T::default()),
        Some(t) => serde_json::from_str(t)
            .map_err(|e| StoreError::Invalid(Invalid::one("", format!("stored {what} of assessment {} does not parse: {e}", r.id)))),
    }
}

pub(crate) fn answers_of(r: &AssessmentRecord) -> Result<Answers, StoreError> {
    stored_json(r, Some(&r.answers), "answers")
}

pub(crate) fn notes_of(r: &AssessmentRecord) -> Result<BTreeMap<String, String>, StoreError> {
    stored_json(r, Some(&r.notes), "notes")
}

pub(crate) fn scores_of(r: &AssessmentRecord) -> Result<Option<Scores>, StoreError> {
    r.scores.as_deref().map(|t| stored_json::<Option<Scores>>(r, Some(t), "scores")).transpose().map(Option::flatten)
}

pub(crate) fn findings_of(r: &AssessmentRecord) -> Result<Option<Findings>, StoreError> {
    let Some(text) = r.findings.as_deref() else { return Ok(None) };
    let v: Value = stored_json(r, Some(text), "findings")?;
    let obj = v.as_object().cloned().unwrap_or_default();
    Findings::from_json(&obj).map(Some).map_err(|e| StoreError::Invalid(Invalid::one("", format!("stored findings of assessment {} do not parse: {e}", r.id))))
}

fn to_text(v: &impl serde::Serialize) -> Result<String, StoreError> {
    serde_json::to_string(v).map_err(|e| StoreError::Invalid(Invalid::one("", format!("cannot write JSON: {e}"))))
}

/// The actions the caller may take now, for the web app's buttons.
fn allowed_actions(p: &Principal, r: &AssessmentRecord) -> Vec<&'static str> {
    Action::ALL
        .iter()
        .filter(|a| **a != Action::Request && transition(r.state, **a).is_ok() && p.may_act_on_assessment(**a, &parties(r)).is_ok())
        .map(|a| a.key())
        .collect()
}

fn summary(r: &AssessmentRecord) -> Value {
    json!({"id": r.id, "title": r.title, "asset_id": r.asset_id, "host_org": r.host_org, "state": r.state, "kind": r.kind,
           "methodology": r.methodology_id, "starts_on": r.starts_on, "ends_on": r.ends_on, "team": r.team,
           "previous_id": r.previous_id, "version": r.version, "created_at": rfc3339(r.created_at), "updated_at": rfc3339(r.updated_at),
           "issued_at": r.issued_at.map(rfc3339)})
}

fn attachment_json(a: &AttachmentRecord) -> Value {
    json!({"id": a.id, "question_id": a.question_id, "filename": a.filename, "content_type": a.content_type, "size_bytes": a.size_bytes,
           "sha256": a.sha256, "uploaded_by": a.uploaded_by, "uploaded_at": rfc3339(a.uploaded_at),
           "href": format!("/api/v1/assessments/{}/attachments/{}", a.assessment_id, a.id)})
}

async fn full(state: &AppState, p: &Principal, r: &AssessmentRecord) -> ApiResult<Value> {
    let site = state.store.get_asset(&AssetId::parse(&r.asset_id)?).await?;
    let plan: Value = stored_json(r, r.plan.as_deref(), "plan")?;
    let attachments = state.store.list_attachments(&r.id).await?;
    Ok(json!({
        "id": r.id, "title": r.title, "asset_id": r.asset_id, "host_org": r.host_org, "state": r.state, "kind": r.kind,
        // The team assesses the site, so its readers see the site's essentials even outside their registry scope.
        "site": site.map(|s| json!({"name": s.asset.name, "category": s.asset.category, "country": s.asset.country, "geometry": s.asset.geometry.to_geojson()})),
        "methodology": r.methodology_id.as_ref().map(|m| json!({"id": m, "version": r.methodology_version})),
        "starts_on": r.starts_on, "ends_on": r.ends_on, "plan": plan,
        "team": r.team.iter().zip(&r.team_expertise).map(|(u, e)| json!({"username": u, "expertise": e.split(',').filter(|x| !x.is_empty()).collect::<Vec<_>>()})).collect::<Vec<_>>(),
        "answers": answers_of(r)?, "notes": notes_of(r)?, "findings": findings_of(r)?.map(|f| f.to_json()), "findings_by": r.findings_by,
        "scores": scores_of(r)?, "previous_id": r.previous_id, "version": r.version,
        "created_by": r.created_by, "created_at": rfc3339(r.created_at), "updated_by": r.updated_by, "updated_at": rfc3339(r.updated_at),
        "approved_by": r.approved_by, "approved_at": r.approved_at.map(rfc3339), "issued_at": r.issued_at.map(rfc3339),
        "attachments": attachments.iter().map(attachment_json).collect::<Vec<_>>(),
        "allowed_actions": allowed_actions(p, r),
    }))
}

fn version_of(body: &Value) -> ApiResult<Option<i64>> {
    match body.get("version") {
        None | Some(Value::Null) => Ok(None),
        Some(v) => v.as_i64().map(Some).ok_or_else(|| ApiError::Invalid(Invalid::one("version", format!("expected a whole number, found {v}")))),
    }
}

fn object(body: &Value) -> ApiResult<Map<String, Value>> {
    body.as_object().cloned().ok_or_else(|| ApiError::BadRequest("expected a JSON object".into()))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Only assessments of this site.
    pub asset: Option<String>,
}

/// The assessments the caller may read, newest first.
#[utoipa::path(get, path = "/api/v1/assessments", tag = "assessments", params(ListQuery),
    responses((status = 200, description = "{items: [summary]}")))]
pub async fn list(State(state): State<AppState>, Auth(p): Auth, Query(q): Query<ListQuery>) -> ApiResult<Json<Value>> {
    let reader = if p.role == Role::Admin { AssessmentReader::All } else { AssessmentReader::Member { organisation: &p.organisation, username: &p.username } };
    let items = state.store.list_assessments(&reader, q.asset.as_deref().filter(|a| !a.is_empty())).await?;
    Ok(Json(json!({"items": items.iter().map(summary).collect::<Vec<_>>()})))
}

/// The methodologies an assessment may be planned with.
#[utoipa::path(get, path = "/api/v1/assessments/methodologies", tag = "assessments",
    responses((status = 200, description = "{items: [{id, version, title, description}]}")))]
pub async fn methodologies(Auth(_p): Auth) -> Json<Value> {
    let items: Vec<Value> = rampart_assess::shipped_methodologies()
        .iter()
        .map(|m| json!({"id": m.id, "version": m.version, "title": m.title, "description": m.description}))
        .collect();
    Json(json!({"items": items}))
}

/// Requests an assessment of a site: `{asset_id, title?, lead_assessor, host_org?}`. The host
/// is the caller's organisation (administrators may name another); the lead assessor
/// becomes the first member of the team.
#[utoipa::path(post, path = "/api/v1/assessments", tag = "assessments", request_body(content = Object, description = "{asset_id, title, lead_assessor, host_org}"),
    responses((status = 201, description = "the assessment"), (status = 403, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn create(State(state): State<AppState>, Auth(p): Auth, JsonBody(body): JsonBody<Value>) -> ApiResult<(StatusCode, Json<Value>)> {
    if !p.can_request_assessments() {
        return Err(ApiError::Forbidden("host authorities, operators and administrators request assessments".into()));
    }
    let obj = object(&body)?;
    let mut c = Collector::default();
    let asset_id = rampart_core::fields::required(&mut c, &obj, "asset_id", rampart_core::fields::text(AssetId::parse));
    let title = rampart_core::fields::optional(&mut c, &obj, "title", rampart_core::fields::string);
    let lead = rampart_core::fields::required(&mut c, &obj, "lead_assessor", rampart_core::fields::text(Username::parse));
    let host = rampart_core::fields::optional(&mut c, &obj, "host_org", rampart_core::fields::text(OrgId::parse));
    c.finish(|| Some(()))?;
    let (Some(asset_id), Some(title), Some(lead), Some(host)) = (asset_id, title, lead, host) else {
        return Err(ApiError::Invalid(Invalid::one("", "invalid request")));
    };
    let mut errors = Vec::new();
    // A site the caller may not read does not exist for them.
    let site = state.store.get_asset(&asset_id).await?.filter(|s| p.read_scope().allows_asset(&s.asset));
    if site.is_none() {
        errors.push(FieldError::new("asset_id", format!("no asset with id {:?}", asset_id.as_str())));
    }
    let host = match host {
        Some(h) if h != p.organisation && p.role != Role::Admin => {
            errors.push(FieldError::new("host_org", format!("you may request assessments only for your own organisation ({})", p.organisation)));
            h
        }
        Some(h) => h,
        None => p.organisation.clone(),
    };
    match state.store.get_user(lead.as_str()).await? {
        Some(u) if u.role == Role::Assessor && !u.disabled => {}
        _ => errors.push(FieldError::new("lead_assessor", format!("no protective security advisor (assessor) named {:?}", lead.as_str()))),
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(Invalid(errors)));
    }
    let title = title.unwrap_or_else(|| format!("Assessment of {}", site.as_ref().map(|s| s.asset.name.as_str()).unwrap_or("the site")));
    let id = format!("asm-{}", hex::encode(rand::random::<[u8; 8]>()));
    let r = state
        .store
        .create_assessment(&NewAssessment { id: &id, asset_id: asset_id.as_str(), host_org: &host, title: &title, lead: &lead }, p.username.as_str(), state.clock.now_ms())
        .await?;
    Ok((StatusCode::CREATED, Json(full(&state, &p, &r).await?)))
}

/// One assessment with its plan, answers, notes, attachments, scores, findings and the
/// actions the caller may take now.
#[utoipa::path(get, path = "/api/v1/assessments/{id}", tag = "assessments", params(("id" = String, Path)),
    responses((status = 200, description = "the assessment"), (status = 404, body = crate::error::Problem)))]
pub async fn get(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let r = readable(&state, &p, &id).await?;
    Ok(Json(full(&state, &p, &r).await?))
}

/// The assessment's methodology: scenarios, layers, questions with help text and scales.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/methodology", tag = "assessments", params(("id" = String, Path)),
    responses((status = 200, description = "the methodology"), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn methodology(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let r = readable(&state, &p, &id).await?;
    let m = methodology_of(&r)?;
    Ok(Json(serde_json::to_value(&m).map_err(|e| ApiError::Internal(e.to_string()))?))
}

/// Plans the assessment: `{version?, kind, methodology, starts_on, ends_on, event_name?, team: [{username, expertise}]}`.
#[utoipa::path(put, path = "/api/v1/assessments/{id}/plan", tag = "assessments", params(("id" = String, Path)), request_body(content = Object),
    responses((status = 200, description = "the assessment"), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn plan(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, JsonBody(body): JsonBody<Value>) -> ApiResult<Json<Value>> {
    readable(&state, &p, &id).await?;
    let version = version_of(&body)?;
    let plan = Plan::from_json(&object(&body)?)?;
    let mut errors = Vec::new();
    let Some(m) = rampart_assess::shipped_methodology(&plan.methodology) else {
        let ids: Vec<String> = rampart_assess::shipped_methodologies().into_iter().map(|m| m.id).collect();
        return Err(ApiError::Invalid(Invalid::one("methodology", format!("unknown methodology {:?}; expected one of: {}", plan.methodology, ids.join(", ")))));
    };
    for (i, member) in plan.team.iter().enumerate() {
        match state.store.get_user(member.username.as_str()).await? {
            Some(u) if matches!(u.role, Role::Assessor | Role::Admin) && !u.disabled => {}
            _ => errors.push(FieldError::new(format!("team[{i}].username"), format!("no assessor named {:?}", member.username.as_str()))),
        }
    }
    if !errors.is_empty() {
        return Err(ApiError::Invalid(Invalid(errors)));
    }
    let r = act(&state, &p, &id, version, Action::Plan, |r| {
        r.kind = Some(plan.kind);
        r.methodology_id = Some(m.id.clone());
        r.methodology_version = Some(m.version.clone());
        r.starts_on = Some(plan.starts_on.to_string());
        r.ends_on = Some(plan.ends_on.to_string());
        r.plan = Some(plan.to_json().to_string());
        r.team = plan.team.iter().map(|t| t.username.clone()).collect();
        r.team_expertise = plan.team.iter().map(|t| t.expertise.iter().map(|e| e.key()).collect::<Vec<_>>().join(",")).collect();
        Ok(format!("{} with {} {}, {} to {}, team {}", plan.kind.label(), m.id, m.version, plan.starts_on, plan.ends_on,
            plan.team.iter().map(|t| t.username.as_str()).collect::<Vec<_>>().join(", ")))
    })
    .await?;
    Ok(Json(full(&state, &p, &r).await?))
}

/// Checks answers and notes against the methodology: every fault is named by question.
fn merge_answers(m: &Methodology, answers: &mut Answers, notes: &mut BTreeMap<String, String>, body: &Map<String, Value>) -> Result<Vec<String>, Invalid> {
    let mut errors = Vec::new();
    let mut changed = Vec::new();
    match body.get("answers") {
        None | Some(Value::Null) => {}
        Some(Value::Object(given)) => {
            for (q, v) in given {
                let field = format!("answers.{q}");
                if v.is_null() {
                    if m.question(q).is_none() {
                        errors.push(FieldError::new(field, format!("no question {q:?} in {} {}", m.id, m.version)));
                    } else if answers.remove(q).is_some() {
                        changed.push(q.clone());
                    }
                    continue;
                }
                let value: AnswerValue = match serde_json::from_value(v.clone()) {
                    Ok(a) => a,
                    Err(_) => {
                        errors.push(FieldError::new(field, format!("expected a number, a choice key or true/false, found {v}")));
                        continue;
                    }
                };
                match m.check_answer(q, &value) {
                    Ok(()) => {
                        if answers.get(q) != Some(&value) {
                            changed.push(q.clone());
                        }
                        answers.insert(q.clone(), value);
                    }
                    Err(rampart_assess::AnswerError::UnknownQuestion { .. }) => {
                        errors.push(FieldError::new(field, format!("no question {q:?} in {} {}", m.id, m.version)))
                    }
                    Err(e) => errors.push(FieldError::new(field, e.to_string().trim_start_matches(&format!("{q}: ")).to_string())),
                }
            }
        }
        Some(other) => errors.push(FieldError::new("answers", format!("expected an object of question id → answer, found {other}"))),
    }
    match body.get("notes") {
        None | Some(Value::Null) => {}
        Some(Value::Object(given)) => {
            for (q, v) in given {
                let field = format!("notes.{q}");
                if m.question(q).is_none() {
                    errors.push(FieldError::new(field, format!("no question {q:?} in {} {}", m.id, m.version)));
                    continue;
                }
                match v {
                    Value::Null => {
                        notes.remove(q);
                    }
                    Value::String(s) if s.trim().is_empty() => {
                        notes.remove(q);
                    }
                    Value::String(s) if s.len() <= 20_000 => {
                        notes.insert(q.clone(), s.clone());
                    }
                    Value::String(_) => errors.push(FieldError::new(field, "a note may be at most 20000 characters")),
                    other => errors.push(FieldError::new(field, format!("expected text, found {other}"))),
                }
                changed.push(format!("note {q}"));
            }
        }
        Some(other) => errors.push(FieldError::new("notes", format!("expected an object of question id → note, found {other}"))),
    }
    if errors.is_empty() {
        Ok(changed)
    } else {
        Err(Invalid(errors))
    }
}

/// Saves answers and notes (autosave): `{version, answers: {question: value | null}, notes: {question: text | null}}`.
/// All or nothing: one bad answer changes nothing. Answering after scoring returns the
/// assessment to the survey and drops the scores.
#[utoipa::path(patch, path = "/api/v1/assessments/{id}/answers", tag = "assessments", params(("id" = String, Path)), request_body(content = Object),
    responses((status = 200, description = "the assessment"), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn answers(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, JsonBody(body): JsonBody<Value>) -> ApiResult<Json<Value>> {
    readable(&state, &p, &id).await?;
    let version = version_of(&body)?.ok_or_else(|| ApiError::Invalid(Invalid::one("version", "is required: send the version you edited")))?;
    let obj = object(&body)?;
    let r = act(&state, &p, &id, Some(version), Action::Answer, |r| {
        let m = methodology_of(r)?;
        let mut answers = answers_of(r)?;
        let mut notes = notes_of(r)?;
        let changed = merge_answers(&m, &mut answers, &mut notes, &obj).map_err(StoreError::Invalid)?;
        r.answers = to_text(&answers)?;
        r.notes = to_text(&notes)?;
        r.scores = None;
        Ok(if changed.is_empty() { "no change".into() } else { changed.join(", ") })
    })
    .await?;
    Ok(Json(full(&state, &p, &r).await?))
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttachQuery {
    /// The file's name as shown to readers.
    pub filename: String,
    /// The question the file documents.
    pub question: Option<String>,
}

/// The content type established from the bytes: JPEG, PNG, PDF or UTF-8 plain text.
pub fn sniff(bytes: &[u8]) -> Option<&'static str> {
    if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        Some("image/jpeg")
    } else if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        Some("image/png")
    } else if bytes.starts_with(b"%PDF-") {
        Some("application/pdf")
    } else if !bytes.is_empty()
        && std::str::from_utf8(bytes).is_ok_and(|s| s.chars().all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t')))
    {
        Some("text/plain; charset=utf-8")
    } else {
        None
    }
}

/// Adds a photo or document to the survey. The body is the file's bytes; its type is
/// sniffed from them (JPEG, PNG, PDF or plain text), whatever the client says; at most 10 MiB.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/attachments", tag = "assessments", params(("id" = String, Path), AttachQuery),
    request_body(content = Vec<u8>, description = "the file", content_type = "application/octet-stream"),
    responses((status = 201, description = "the attachment"), (status = 404, body = crate::error::Problem), (status = 413, body = crate::error::Problem),
        (status = 415, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn attach(
    State(state): State<AppState>,
    Auth(p): Auth,
    Path(id): Path<String>,
    Query(q): Query<AttachQuery>,
    body: Result<Bytes, BytesRejection>,
) -> ApiResult<(StatusCode, Json<Value>)> {
    let r = readable(&state, &p, &id).await?;
    let too_large = || ApiError::PayloadTooLarge(format!("the attachment is larger than {} MiB", ATTACHMENT_MAX_BYTES / 1024 / 1024));
    let body = body.map_err(|e| if e.status() == StatusCode::PAYLOAD_TOO_LARGE { too_large() } else { ApiError::BadRequest(e.body_text()) })?;
    if body.len() > ATTACHMENT_MAX_BYTES {
        return Err(too_large());
    }
    let filename = q.filename.trim();
    if filename.is_empty() || filename.len() > 200 || filename.contains(['/', '\\', '"']) || filename.chars().any(char::is_control) {
        return Err(ApiError::Invalid(Invalid::one("filename", "expected a file name of 1 to 200 characters without / \\ \" or control characters")));
    }
    let question = q.question.as_deref().map(str::trim).filter(|s| !s.is_empty());
    if let Some(qid) = question {
        let m = methodology_of(&r)?;
        if m.question(qid).is_none() {
            return Err(ApiError::Invalid(Invalid::one("question", format!("no question {qid:?} in {} {}", m.id, m.version))));
        }
    }
    let Some(content_type) = sniff(&body) else {
        return Err(ApiError::UnsupportedMediaType(format!("{filename}: only JPEG and PNG photos, PDF documents and plain text may be attached")));
    };
    let sha256 = hex::encode(Sha256::digest(&body));
    let file = NewAttachment { question_id: question, filename, content_type, sha256: &sha256, data: &body };
    let a = state
        .store
        .add_attachment(&id, &file, p.username.as_str(), state.clock.now_ms(), |r| {
            if !p.can_read_assessment(&parties(r)) {
                return Err(StoreError::NotFound(format!("assessment {id}")));
            }
            p.may_act_on_assessment(Action::Attach, &parties(r)).map_err(StoreError::Refused)?;
            transition(r.state, Action::Attach).map_err(state_conflict)?;
            Ok(())
        })
        .await?;
    Ok((StatusCode::CREATED, Json(attachment_json(&a))))
}

/// One attachment's bytes, as a download.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/attachments/{attachment}", tag = "assessments", params(("id" = String, Path), ("attachment" = i64, Path)),
    responses((status = 200, description = "the file"), (status = 404, body = crate::error::Problem)))]
pub async fn attachment(State(state): State<AppState>, Auth(p): Auth, Path((id, att)): Path<(String, String)>) -> ApiResult<Response> {
    readable(&state, &p, &id).await?;
    let missing = || ApiError::NotFound(format!("attachment {att} of assessment {id}"));
    let att_id: i64 = att.parse().map_err(|_| missing())?;
    let (a, data) = state.store.get_attachment(&id, att_id).await?.ok_or_else(missing)?;
    let disposition = format!("attachment; filename=\"{}\"", a.filename.replace(|c: char| !c.is_ascii() || c == '"', "_"));
    Ok(([(header::CONTENT_TYPE, a.content_type), (header::CONTENT_DISPOSITION, disposition)], data).into_response())
}

/// Scores the completed survey (risk per scenario before measures). An incomplete survey
/// is refused with the unanswered questions named.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/score", tag = "assessments", params(("id" = String, Path)),
    request_body(content = Object, description = "{version?, comment?}, or an empty body"),
    responses((status = 200, description = "the assessment with its scores"), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn score(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, body: Bytes) -> ApiResult<Json<Value>> {
    readable(&state, &p, &id).await?;
    let version = match optional_body(&body)? {
        Some(b) => version_of(&b)?,
        None => None,
    };
    let r = act(&state, &p, &id, version, Action::Score, |r| {
        let m = methodology_of(r)?;
        let scores = compute(&m, &answers_of(r)?, &[])?;
        let detail = format!("overall {} (highest risk {} in {})", scores.overall.band, scores.overall.max_risk, scores.overall.worst_scenario);
        r.scores = Some(to_text(&scores)?);
        Ok(detail)
    })
    .await?;
    Ok(Json(full(&state, &p, &r).await?))
}

fn compute(m: &Methodology, answers: &Answers, measures: &[String]) -> Result<Scores, StoreError> {
    rampart_assess::score(m, &rampart_assess::shipped_catalogue(), answers, measures).map_err(|e| match e {
        rampart_assess::ScoreError::Incomplete { missing } => StoreError::Invalid(Invalid(
            missing.iter().map(|q| FieldError::new(format!("answers.{q}"), "is unanswered: the survey must be complete before scoring")).collect(),
        )),
        rampart_assess::ScoreError::UnknownMeasures { measures } => StoreError::Invalid(Invalid(
            measures.iter().map(|id| FieldError::new("recommendations", format!("unknown measure {id:?}: not in the catalogue"))).collect(),
        )),
        rampart_assess::ScoreError::InvalidAnswers { errors } => {
            StoreError::Invalid(Invalid(errors.iter().map(|e| FieldError::new(format!("answers.{}", e.question()), e.to_string())).collect()))
        }
    })
}

fn cost_band(c: rampart_assess::CostBand) -> CostBand {
    match c {
        rampart_assess::CostBand::Low => CostBand::Low,
        rampart_assess::CostBand::Medium => CostBand::Medium,
        rampart_assess::CostBand::High => CostBand::High,
        rampart_assess::CostBand::VeryHigh => CostBand::VeryHigh,
    }
}

fn priority(b: rampart_assess::Band) -> Priority {
    match b {
        rampart_assess::Band::High => Priority::Immediate,
        rampart_assess::Band::Medium => Priority::Short,
        rampart_assess::Band::Low => Priority::Long,
    }
}

/// Recommendations suggested by the answers, ready to be edited into the findings.
pub(crate) fn suggestions_of(r: &AssessmentRecord) -> Result<Vec<Value>, StoreError> {
    let m = methodology_of(r)?;
    let catalogue = rampart_assess::shipped_catalogue();
    let suggested = rampart_assess::suggest(&m, &catalogue, &answers_of(r)?);
    Ok(suggested
        .iter()
        .map(|s| {
            let description = catalogue.measure(&s.measure).map(|x| x.description.clone()).unwrap_or_default();
            json!({"measure": s.measure, "title": s.title, "text": description, "priority": priority(s.priority), "cost_band": cost_band(s.cost),
                   "scenarios": s.scenarios, "risk_reduction": s.risk_reduction, "lead_time": s.lead_time, "family": s.family,
                   "triggers": s.triggers})
        })
        .collect())
}

/// Recommendations suggested by the answers (measure, priority, cost band, scenarios, the answers that triggered them).
#[utoipa::path(get, path = "/api/v1/assessments/{id}/suggestions", tag = "assessments", params(("id" = String, Path)),
    responses((status = 200, description = "{items: [suggestion]}"), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn suggestions(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let r = readable(&state, &p, &id).await?;
    Ok(Json(json!({"items": suggestions_of(&r)?})))
}

/// Writes the findings and prioritised recommendations: `{version?, summary, findings: [{scenario, text}],
/// recommendations: [{measure?, title, text, priority, cost_band, scenarios}]}`. The residual
/// risk is scored with the recommended catalogue measures.
#[utoipa::path(put, path = "/api/v1/assessments/{id}/findings", tag = "assessments", params(("id" = String, Path)), request_body(content = Object),
    responses((status = 200, description = "the assessment"), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem), (status = 422, body = crate::error::Problem)))]
pub async fn findings(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, JsonBody(body): JsonBody<Value>) -> ApiResult<Json<Value>> {
    readable(&state, &p, &id).await?;
    let version = version_of(&body)?;
    let f = Findings::from_json(&object(&body)?)?;
    let author = p.username.clone();
    let r = act(&state, &p, &id, version, Action::WriteFindings, |r| {
        let m = methodology_of(r)?;
        let catalogue = rampart_assess::shipped_catalogue();
        let mut errors = Vec::new();
        for (i, x) in f.findings.iter().enumerate() {
            if m.scenario(&x.scenario).is_none() {
                errors.push(FieldError::new(format!("findings[{i}].scenario"), format!("no scenario {:?} in {}", x.scenario, m.id)));
            }
        }
        for (i, rec) in f.recommendations.iter().enumerate() {
            if let Some(measure) = &rec.measure {
                if catalogue.measure(measure).is_none() {
                    errors.push(FieldError::new(format!("recommendations[{i}].measure"), format!("unknown measure {measure:?}: not in the catalogue")));
                }
            }
            for s in &rec.scenarios {
                if m.scenario(s).is_none() {
                    errors.push(FieldError::new(format!("recommendations[{i}].scenarios"), format!("no scenario {s:?} in {}", m.id)));
                }
            }
        }
        if !errors.is_empty() {
            return Err(StoreError::Invalid(Invalid(errors)));
        }
        let scores = compute(&m, &answers_of(r)?, &f.measures())?;
        let detail = format!("{} findings, {} recommendations; residual {} (highest risk {})", f.findings.len(), f.recommendations.len(), scores.residual.band, scores.residual.max_risk);
        r.scores = Some(to_text(&scores)?);
        r.findings = Some(f.to_json().to_string());
        r.findings_by = Some(author);
        Ok(detail)
    })
    .await?;
    Ok(Json(full(&state, &p, &r).await?))
}

/// A JSON body that may be left out (an empty body).
fn optional_body(body: &Bytes) -> ApiResult<Option<Value>> {
    if body.iter().all(u8::is_ascii_whitespace) {
        return Ok(None);
    }
    serde_json::from_slice(body).map(Some).map_err(|e| ApiError::BadRequest(format!("malformed JSON: {e}")))
}

fn comment_of(body: &Bytes) -> ApiResult<(Option<i64>, String)> {
    match optional_body(body)? {
        None => Ok((None, String::new())),
        Some(b) => {
            let comment = match b.get("comment") {
                None | Some(Value::Null) => String::new(),
                Some(Value::String(s)) => s.trim().to_string(),
                Some(other) => return Err(ApiError::Invalid(Invalid::one("comment", format!("expected text, found {other}")))),
            };
            Ok((version_of(&b)?, comment))
        }
    }
}

async fn simple_move(state: &AppState, p: &Principal, id: &str, body: &Bytes, action: Action) -> ApiResult<Json<Value>> {
    readable(state, p, id).await?;
    let (version, comment) = comment_of(body)?;
    if action == Action::SendBack && comment.is_empty() {
        return Err(ApiError::Invalid(Invalid::one("comment", "say what must change before the findings can be approved")));
    }
    let now = state.clock.now_ms();
    let who = p.username.to_string();
    let r = act(state, p, id, version, action, |r| {
        match action {
            Action::Approve => {
                r.approved_by = Some(who);
                r.approved_at = Some(now);
            }
            Action::Issue => r.issued_at = Some(now),
            _ => {}
        }
        Ok(comment)
    })
    .await?;
    Ok(Json(full(state, p, &r).await?))
}

/// Submits the findings for review by a second person.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/submit", tag = "assessments", params(("id" = String, Path)),
    request_body(content = Object, description = "{version?, comment?}, or an empty body"),
    responses((status = 200, description = "the assessment"), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn submit(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, body: Bytes) -> ApiResult<Json<Value>> {
    simple_move(&state, &p, &id, &body, Action::Submit).await
}

/// Approves the findings; the approver must not be their author. `{comment?}`
#[utoipa::path(post, path = "/api/v1/assessments/{id}/approve", tag = "assessments", params(("id" = String, Path)),
    request_body(content = Object, description = "{version?, comment?}, or an empty body"),
    responses((status = 200, description = "the assessment"), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn approve(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, body: Bytes) -> ApiResult<Json<Value>> {
    simple_move(&state, &p, &id, &body, Action::Approve).await
}

/// Sends the findings back to their author: `{comment}` says what must change.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/send-back", tag = "assessments", params(("id" = String, Path)),
    request_body(content = Object, description = "{version?, comment?}, or an empty body"),
    responses((status = 200, description = "the assessment"), (status = 403, body = crate::error::Problem), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn send_back(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, body: Bytes) -> ApiResult<Json<Value>> {
    simple_move(&state, &p, &id, &body, Action::SendBack).await
}

/// Issues the approved report to the host.
#[utoipa::path(post, path = "/api/v1/assessments/{id}/issue", tag = "assessments", params(("id" = String, Path)),
    request_body(content = Object, description = "{version?, comment?}, or an empty body"),
    responses((status = 200, description = "the assessment"), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn issue(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>, body: Bytes) -> ApiResult<Json<Value>> {
    simple_move(&state, &p, &id, &body, Action::Issue).await
}

/// Who did what, when: the append-only trail.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/trail", tag = "assessments", params(("id" = String, Path)),
    responses((status = 200, description = "{items: [{at, actor, action, from_state, to_state, detail}]}"), (status = 404, body = crate::error::Problem)))]
pub async fn trail(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    readable(&state, &p, &id).await?;
    let items: Vec<Value> = state
        .store
        .assessment_trail(&id)
        .await?
        .iter()
        .map(|t| json!({"at": rfc3339(t.at), "actor": t.actor, "action": t.action, "from_state": t.from_state, "to_state": t.to_state, "detail": t.detail}))
        .collect();
    Ok(Json(json!({"items": items})))
}

/// What changed since the previous issued assessment of the site: answers and each scenario's risk.
pub(crate) async fn changes_of(state: &AppState, r: &AssessmentRecord) -> ApiResult<Option<Value>> {
    let Some(prev_id) = &r.previous_id else { return Ok(None) };
    let Some(prev) = state.store.get_assessment(prev_id).await? else { return Ok(None) };
    let (old, new) = (answers_of(&prev)?, answers_of(r)?);
    let mut keys: Vec<&String> = old.keys().chain(new.keys()).collect();
    keys.sort();
    keys.dedup();
    let answers: Vec<Value> = keys
        .into_iter()
        .filter(|k| old.get(*k) != new.get(*k))
        .map(|k| json!({"question": k, "before": old.get(k), "now": new.get(k)}))
        .collect();
    let (old_scores, new_scores) = (scores_of(&prev)?, scores_of(r)?);
    let scenarios: Vec<Value> = match (&old_scores, &new_scores) {
        (Some(o), Some(n)) => n
            .scenarios
            .iter()
            .map(|s| {
                let before = o.scenarios.iter().find(|x| x.scenario == s.scenario).map(|x| x.before.risk);
                json!({"scenario": s.scenario, "title": s.title, "risk_before": before, "risk_now": s.before.risk,
                       "band_before": o.scenarios.iter().find(|x| x.scenario == s.scenario).map(|x| x.before.band), "band_now": s.before.band,
                       "change": before.map(|b| rampart_assess::round2(s.before.risk - b))})
            })
            .collect(),
        _ => Vec::new(),
    };
    Ok(Some(json!({"previous_id": prev.id, "previous_title": prev.title, "previous_issued_at": prev.issued_at.map(rfc3339),
                   "answers": answers, "scenarios": scenarios, "scored": new_scores.is_some() && old_scores.is_some()})))
}

/// Changes since the last issued assessment of the same site for the same host.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/changes", tag = "assessments", params(("id" = String, Path)),
    responses((status = 200, description = "{previous_id, answers: [{question, before, now}], scenarios: [{scenario, risk_before, risk_now, change}]} or {previous_id: null}"),
        (status = 404, body = crate::error::Problem)))]
pub async fn changes(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Json<Value>> {
    let r = readable(&state, &p, &id).await?;
    Ok(Json(changes_of(&state, &r).await?.unwrap_or_else(|| json!({"previous_id": null, "answers": [], "scenarios": []}))))
}

/// The report as one self-contained HTML page.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/report.html", tag = "assessments", params(("id" = String, Path)),
    responses((status = 200, description = "the report", content_type = "text/html"), (status = 404, body = crate::error::Problem), (status = 409, body = crate::error::Problem)))]
pub async fn report_html(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Response> {
    let r = readable(&state, &p, &id).await?;
    let html = report::html_of(&state, &r).await?;
    // The report is a document, not part of the app: no scripts, nothing from elsewhere.
    Ok((
        [
            (header::CONTENT_TYPE, "text/html; charset=utf-8".to_string()),
            (header::CONTENT_SECURITY_POLICY, "default-src 'none'; style-src 'unsafe-inline'; img-src data:".to_string()),
            (header::CONTENT_DISPOSITION, format!("inline; filename=\"{}.html\"", r.id)),
        ],
        html,
    )
        .into_response())
}

/// The report as PDF, printed from the HTML by headless Chromium.
#[utoipa::path(get, path = "/api/v1/assessments/{id}/report.pdf", tag = "assessments", params(("id" = String, Path)),
    responses((status = 200, description = "the report", content_type = "application/pdf"), (status = 404, body = crate::error::Problem),
        (status = 409, body = crate::error::Problem), (status = 503, body = crate::error::Problem)))]
pub async fn report_pdf(State(state): State<AppState>, Auth(p): Auth, Path(id): Path<String>) -> ApiResult<Response> {
    let r = readable(&state, &p, &id).await?;
    let html = report::html_of(&state, &r).await?;
    let pdf = report::pdf_of(html).await?;
    Ok((
        [(header::CONTENT_TYPE, "application/pdf".to_string()), (header::CONTENT_DISPOSITION, format!("attachment; filename=\"{}.pdf\"", r.id))],
        pdf,
    )
        .into_response())
}

#[cfg(test)]
mod tests {
    use super::sniff;

    #[test]
    fn attachments_are_typed_by_their_bytes() {
        assert_eq!(sniff(b"\xFF\xD8\xFF\xE0rest"), Some("image/jpeg"));
        assert_eq!(sniff(b"\x89PNG\r\n\x1a\nrest"), Some("image/png"));
        assert_eq!(sniff(b"%PDF-1.7\n"), Some("application/pdf"));
        assert_eq!(sniff("Gate 3: bollards missing.\n".as_bytes()), Some("text/plain; charset=utf-8"));
        assert_eq!(sniff(b"MZ\x90\x00\x03"), None);
        assert_eq!(sniff(b"GIF89a\x01\x00"), None);
        assert_eq!(sniff(b""), None);
    }
}
