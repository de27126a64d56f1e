//! Vulnerability assessments: the record, its team, its append-only trail and its
//! attachments. The store keeps them and applies the readers' filter in SQL; the rules
//! (which move is allowed, who may make it) are the caller's, passed in as closures that
//! run on the locked row, so a change is checked and written in one transaction.
//! JSON columns (plan, answers, notes, findings, scores) are text the store does not read.

use crate::{on_pool, on_tx, Result, Store, StoreError, Tx};
use rampart_core::assessment::{Action, AssessmentKind, AssessmentState};
use rampart_core::{Invalid, OrgId, Username};
use sqlx::Row;

/// An assessment as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct AssessmentRecord {
    pub id: String,
    pub asset_id: String,
    pub host_org: OrgId,
    pub title: String,
    pub state: AssessmentState,
    pub kind: Option<AssessmentKind>,
    pub methodology_id: Option<String>,
    pub methodology_version: Option<String>,
    pub starts_on: Option<String>,
    pub ends_on: Option<String>,
    /// The plan as JSON text (type, dates, team with expertise).
    pub plan: Option<String>,
    /// The team's usernames; kept in their own table so lists filter on them.
    pub team: Vec<Username>,
    /// Expertise keys per member, comma-separated, in the order of `team`.
    pub team_expertise: Vec<String>,
    /// Question id → answer, JSON text.
    pub answers: String,
    /// Question id → note, JSON text.
    pub notes: String,
    pub findings: Option<String>,
    pub findings_by: Option<Username>,
    /// The last scoring, JSON text.
    pub scores: Option<String>,
    /// The last issued assessment of the same site for the same host.
    pub previous_id: Option<String>,
    pub version: i64,
    pub created_by: String,
    pub created_at: i64,
    pub updated_by: String,
    pub updated_at: i64,
    pub approved_by: Option<String>,
    pub approved_at: Option<i64>,
    pub issued_at: Option<i64>,
}

/// A request for an assessment.
pub struct NewAssessment<'a> {
    pub id: &'a str,
    pub asset_id: &'a str,
    pub host_org: &'a OrgId,
    pub title: &'a str,
    /// The assessor who leads the team; the first member.
    pub lead: &'a Username,
}

/// Whose assessments a list shows.
#[derive(Debug, Clone)]
pub enum AssessmentReader<'a> {
    All,
    /// Those hosted by the organisation or with the user in the team.
    Member { organisation: &'a OrgId, username: &'a Username },
}

/// One line of an assessment's trail.
#[derive(Debug, Clone, PartialEq)]
pub struct TrailEntry {
    pub at: i64,
    pub actor: String,
    pub action: String,
    pub from_state: Option<String>,
    pub to_state: String,
    pub detail: String,
}

/// What a change says about itself in the trail.
#[derive(Debug, Clone)]
pub struct TrailNote {
    pub action: Action,
    pub detail: String,
}

/// An attachment's description (the bytes are read separately).
#[derive(Debug, Clone, PartialEq)]
pub struct AttachmentRecord {
    pub id: i64,
    pub assessment_id: String,
    pub question_id: Option<String>,
    pub filename: String,
    pub content_type: String,
    pub size_bytes: i64,
    pub sha256: String,
    pub uploaded_by: String,
    pub uploaded_at: i64,
}

/// An attachment to store; type and hash were established by the caller from the bytes.
pub struct NewAttachment<'a> {
    pub question_id: Option<&'a str>,
    pub filename: &'a str,
    pub content_type: &'a str,
    pub sha256: &'a str,
    pub data: &'a [u8],
}

const COLUMNS: &str = "id, asset_id, host_org, title, state, kind, methodology_id, methodology_version, starts_on, ends_on, plan, answers, notes, \
    findings, findings_by, scores, previous_id, version, created_by, created_at, updated_by, updated_at, approved_by, approved_at, issued_at";

fn bad(id: &str, e: Invalid) -> StoreError {
    StoreError::Invalid(Invalid::one("", format!("stored assessment {id} does not parse: {e}")))
}

/// Reads a row of [`COLUMNS`]; a macro because the row type differs per backend.
macro_rules! record_of {
    ($r:expr) => {{
        let r = $r;
        let id: String = r.try_get("id")?;
        let kind: Option<String> = r.try_get("kind")?;
        let findings_by: Option<String> = r.try_get("findings_by")?;
        let state: String = r.try_get("state")?;
        let host: String = r.try_get("host_org")?;
        AssessmentRecord {
            asset_id: r.try_get("asset_id")?,
            host_org: OrgId::parse(&host).map_err(|e| bad(&id, e))?,
            title: r.try_get("title")?,
            state: AssessmentState::parse(&state).map_err(|e| bad(&id, e))?,
            kind: kind.map(|k| AssessmentKind::parse(&k)).transpose().map_err(|e| bad(&id, e))?,
            methodology_id: r.try_get("methodology_id")?,
            methodology_version: r.try_get("methodology_version")?,
            starts_on: r.try_get("starts_on")?,
            ends_on: r.try_get("ends_on")?,
            plan: r.try_get("plan")?,
            team: Vec::new(),
            team_expertise: Vec::new(),
            answers: r.try_get("answers")?,
            notes: r.try_get("notes")?,
            findings: r.try_get("findings")?,
            findings_by: findings_by.map(|u| Username::parse(&u)).transpose().map_err(|e| bad(&id, e))?,
            scores: r.try_get("scores")?,
            previous_id: r.try_get("previous_id")?,
            version: r.try_get("version")?,
            created_by: r.try_get("created_by")?,
            created_at: r.try_get("created_at")?,
            updated_by: r.try_get("updated_by")?,
            updated_at: r.try_get("updated_at")?,
            approved_by: r.try_get("approved_by")?,
            approved_at: r.try_get("approved_at")?,
            issued_at: r.try_get("issued_at")?,
            id,
        }
    }};
}

type TeamRow = (String, String, String);
type TrailRow = (i64, String, String, Option<String>, String, String);
type AttachmentRow = (i64, String, Option<String>, String, String, i64, String, String, i64);
const ATTACHMENT_COLUMNS: &str = "id, assessment_id, question_id, filename, content_type, size_bytes, sha256, uploaded_by, uploaded_at";

fn attachment_of(r: AttachmentRow) -> AttachmentRecord {
    let (id, assessment_id, question_id, filename, content_type, size_bytes, sha256, uploaded_by, uploaded_at) = r;
    AttachmentRecord { id, assessment_id, question_id, filename, content_type, size_bytes, sha256, uploaded_by, uploaded_at }
}

/// Adds each record's team, in the order it was planned.
fn with_teams(mut records: Vec<AssessmentRecord>, rows: Vec<TeamRow>) -> Result<Vec<AssessmentRecord>> {
    for (assessment_id, username, expertise) in rows {
        if let Some(r) = records.iter_mut().find(|r| r.id == assessment_id) {
            r.team.push(Username::parse(&username).map_err(|e| bad(&assessment_id, e))?);
            r.team_expertise.push(expertise);
        }
    }
    Ok(records)
}

/// A move to record: the action, the states before and after, and its detail.
struct Move<'a> {
    action: Action,
    from: Option<AssessmentState>,
    to: AssessmentState,
    detail: &'a str,
}

async fn trail(tx: &mut Tx, id: &str, at: i64, actor: &str, m: Move<'_>) -> Result<()> {
    on_tx!(tx, c => sqlx::query(
        "INSERT INTO assessment_trail (assessment_id, at, actor, action, from_state, to_state, detail) VALUES ($1, $2, $3, $4, $5, $6, $7)")
        .bind(id).bind(at).bind(actor).bind(m.action.key()).bind(m.from.map(|s| s.key())).bind(m.to.key()).bind(m.detail)
        .execute(c).await?.rows_affected());
    Ok(())
}

async fn write_team(tx: &mut Tx, r: &AssessmentRecord) -> Result<()> {
    on_tx!(tx, c => sqlx::query("DELETE FROM assessment_team WHERE assessment_id = $1").bind(&r.id).execute(c).await?.rows_affected());
    for (i, u) in r.team.iter().enumerate() {
        let expertise = r.team_expertise.get(i).map(String::as_str).unwrap_or("");
        on_tx!(tx, c => sqlx::query("INSERT INTO assessment_team (assessment_id, username, expertise, position) VALUES ($1, $2, $3, $4)")
            .bind(&r.id).bind(u.as_str()).bind(expertise).bind(i as i64).execute(c).await?.rows_affected());
    }
    Ok(())
}

impl Store {
    /// Records a request; it links the last issued assessment of the same site for the same host.
    pub async fn create_assessment(&self, new: &NewAssessment<'_>, actor: &str, now: i64) -> Result<AssessmentRecord> {
        let mut tx = self.begin().await?;
        let asset: Option<(String,)> = on_tx!(&mut tx, c => sqlx::query_as("SELECT id FROM assets WHERE id = $1").bind(new.asset_id).fetch_optional(c).await?);
        if asset.is_none() {
            return Err(StoreError::Invalid(Invalid::one("asset_id", format!("no asset with id {:?}", new.asset_id))));
        }
        let previous: Option<(String,)> = on_tx!(&mut tx, c => sqlx::query_as(
            "SELECT id FROM assessments WHERE asset_id = $1 AND host_org = $2 AND state = 'issued' ORDER BY issued_at DESC, id DESC LIMIT 1")
            .bind(new.asset_id).bind(new.host_org.as_str()).fetch_optional(c).await?);
        let previous = previous.map(|p| p.0);
        on_tx!(&mut tx, c => sqlx::query(
            "INSERT INTO assessments (id, asset_id, host_org, title, state, previous_id, version, created_by, created_at, updated_by, updated_at)
             VALUES ($1, $2, $3, $4, 'requested', $5, 1, $6, $7, $6, $7)")
            .bind(new.id).bind(new.asset_id).bind(new.host_org.as_str()).bind(new.title).bind(&previous).bind(actor).bind(now)
            .execute(c).await.map(|r| r.rows_affected()))
            .map_err(|e| match &e {
                sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
                    StoreError::Invalid(Invalid::one("host_org", format!("no organisation with id {:?}", new.host_org.as_str())))
                }
                _ => StoreError::unique(e, || format!("assessment {} already exists", new.id)),
            })?;
        on_tx!(&mut tx, c => sqlx::query("INSERT INTO assessment_team (assessment_id, username, expertise, position) VALUES ($1, $2, '', 0)")
            .bind(new.id).bind(new.lead.as_str()).execute(c).await?.rows_affected());
        let detail = format!("{} for {}, led by {}", new.title, new.host_org, new.lead);
        trail(&mut tx, new.id, now, actor, Move { action: Action::Request, from: None, to: AssessmentState::Requested, detail: &detail }).await?;
        let record = Self::load_assessment(&mut tx, new.id).await?;
        tx.commit().await?;
        Ok(record)
    }

    async fn load_assessment(tx: &mut Tx, id: &str) -> Result<AssessmentRecord> {
        let sql = format!("SELECT {COLUMNS} FROM assessments WHERE id = $1");
        let record = on_tx!(tx, c => {
            let row = sqlx::query(&sql).bind(id).fetch_optional(&mut *c).await?;
            match row {
                Some(r) => record_of!(r),
                None => return Err(StoreError::NotFound(format!("assessment {id}"))),
            }
        });
        let team: Vec<TeamRow> = on_tx!(tx, c => sqlx::query_as("SELECT assessment_id, username, expertise FROM assessment_team WHERE assessment_id = $1 ORDER BY position")
            .bind(id).fetch_all(c).await?);
        Ok(with_teams(vec![record], team)?.remove(0))
    }

    pub async fn get_assessment(&self, id: &str) -> Result<Option<AssessmentRecord>> {
        let mut tx = self.begin().await?;
        match Self::load_assessment(&mut tx, id).await {
            Ok(r) => Ok(Some(r)),
            Err(StoreError::NotFound(_)) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// Assessments the reader may see, newest first, optionally of one site.
    pub async fn list_assessments(&self, reader: &AssessmentReader<'_>, asset_id: Option<&str>) -> Result<Vec<AssessmentRecord>> {
        let (all, org, user) = match reader {
            AssessmentReader::All => (true, "", ""),
            AssessmentReader::Member { organisation, username } => (false, organisation.as_str(), username.as_str()),
        };
        let filter = "($1 OR a.host_org = $2 OR EXISTS (SELECT 1 FROM assessment_team t WHERE t.assessment_id = a.id AND t.username = $3)) AND ($4 IS NULL OR a.asset_id = $4)";
        let cols = COLUMNS.split(", ").map(|c| format!("a.{c}")).collect::<Vec<_>>().join(", ");
        let sql = format!("SELECT {cols} FROM assessments a WHERE {filter} ORDER BY a.created_at DESC, a.id DESC");
        let records: Vec<AssessmentRecord> = on_pool!(self, p => {
            let rows = sqlx::query(&sql).bind(all).bind(org).bind(user).bind(asset_id).fetch_all(p).await?;
            let mut out = Vec::with_capacity(rows.len());
            for r in &rows {
                out.push(record_of!(r));
            }
            out
        });
        let team_sql = format!(
            "SELECT t.assessment_id, t.username, t.expertise FROM assessment_team t JOIN assessments a ON a.id = t.assessment_id WHERE {filter} ORDER BY t.position"
        );
        let team: Vec<TeamRow> = on_pool!(self, p => sqlx::query_as(&team_sql).bind(all).bind(org).bind(user).bind(asset_id).fetch_all(p).await?);
        with_teams(records, team)
    }

    /// Changes an assessment in one transaction. `change` runs on the locked, current
    /// record: it checks access and the workflow (refusing with `NotFound` for those who
    /// may not read it) and edits the record; then the expected version is checked, the
    /// record written with the next version and the change recorded in the trail.
    pub async fn change_assessment(
        &self,
        id: &str,
        expected_version: Option<i64>,
        actor: &str,
        now: i64,
        change: impl FnOnce(&mut AssessmentRecord) -> Result<TrailNote>,
    ) -> Result<AssessmentRecord> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query("UPDATE assessments SET version = version WHERE id = $1").bind(id).execute(c).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound(format!("assessment {id}")));
        }
        let old = Self::load_assessment(&mut tx, id).await?;
        let mut new = old.clone();
        let note = change(&mut new)?;
        if let Some(v) = expected_version {
            if v != old.version {
                return Err(StoreError::Conflict(format!(
                    "assessment {id} was changed by {} (now version {}, you edited version {v}); reload it and try again",
                    old.updated_by, old.version
                )));
            }
        }
        new.version = old.version + 1;
        new.updated_by = actor.to_string();
        new.updated_at = now;
        on_tx!(&mut tx, c => sqlx::query(
            "UPDATE assessments SET title = $2, state = $3, kind = $4, methodology_id = $5, methodology_version = $6, starts_on = $7, ends_on = $8,
                plan = $9, answers = $10, notes = $11, findings = $12, findings_by = $13, scores = $14, version = $15, updated_by = $16, updated_at = $17,
                approved_by = $18, approved_at = $19, issued_at = $20
             WHERE id = $1")
            .bind(id).bind(&new.title).bind(new.state.key()).bind(new.kind.map(|k| k.key())).bind(&new.methodology_id).bind(&new.methodology_version)
            .bind(&new.starts_on).bind(&new.ends_on).bind(&new.plan).bind(&new.answers).bind(&new.notes).bind(&new.findings)
            .bind(new.findings_by.as_ref().map(|u| u.as_str())).bind(&new.scores).bind(new.version).bind(actor).bind(now)
            .bind(&new.approved_by).bind(new.approved_at).bind(new.issued_at)
            .execute(c).await?.rows_affected());
        if new.team != old.team || new.team_expertise != old.team_expertise {
            write_team(&mut tx, &new).await?;
        }
        trail(&mut tx, id, now, actor, Move { action: note.action, from: Some(old.state), to: new.state, detail: &note.detail }).await?;
        tx.commit().await?;
        Ok(new)
    }

    /// The trail, oldest first.
    pub async fn assessment_trail(&self, id: &str) -> Result<Vec<TrailEntry>> {
        let rows: Vec<TrailRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT at, actor, action, from_state, to_state, detail FROM assessment_trail WHERE assessment_id = $1 ORDER BY id")
            .bind(id).fetch_all(p).await?);
        Ok(rows.into_iter().map(|(at, actor, action, from_state, to_state, detail)| TrailEntry { at, actor, action, from_state, to_state, detail }).collect())
    }

    /// Stores an attachment. `allowed` runs on the locked record (access and workflow);
    /// the upload is recorded in the trail; the record's version does not change, so a
    /// survey being edited elsewhere is not disturbed.
    pub async fn add_attachment(
        &self,
        id: &str,
        file: &NewAttachment<'_>,
        actor: &str,
        now: i64,
        allowed: impl FnOnce(&AssessmentRecord) -> Result<()>,
    ) -> Result<AttachmentRecord> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query("UPDATE assessments SET version = version WHERE id = $1").bind(id).execute(c).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound(format!("assessment {id}")));
        }
        let record = Self::load_assessment(&mut tx, id).await?;
        allowed(&record)?;
        let size = file.data.len() as i64;
        let (att_id,): (i64,) = on_tx!(&mut tx, c => sqlx::query_as(
            "INSERT INTO assessment_attachments (assessment_id, question_id, filename, content_type, size_bytes, sha256, data, uploaded_by, uploaded_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id")
            .bind(id).bind(file.question_id).bind(file.filename).bind(file.content_type).bind(size).bind(file.sha256).bind(file.data)
            .bind(actor).bind(now).fetch_one(c).await?);
        let detail = format!("{} ({}, {size} bytes, sha256 {})", file.filename, file.content_type, file.sha256);
        trail(&mut tx, id, now, actor, Move { action: Action::Attach, from: Some(record.state), to: record.state, detail: &detail }).await?;
        tx.commit().await?;
        Ok(AttachmentRecord {
            id: att_id,
            assessment_id: id.to_string(),
            question_id: file.question_id.map(String::from),
            filename: file.filename.to_string(),
            content_type: file.content_type.to_string(),
            size_bytes: size,
            sha256: file.sha256.to_string(),
            uploaded_by: actor.to_string(),
            uploaded_at: now,
        })
    }

    pub async fn list_attachments(&self, id: &str) -> Result<Vec<AttachmentRecord>> {
        let sql = format!("SELECT {ATTACHMENT_COLUMNS} FROM assessment_attachments WHERE assessment_id = $1 ORDER BY id");
        let rows: Vec<AttachmentRow> = on_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_all(p).await?);
        Ok(rows.into_iter().map(attachment_of).collect())
    }

    /// One attachment of one assessment, with its bytes.
    pub async fn get_attachment(&self, id: &str, attachment: i64) -> Result<Option<(AttachmentRecord, Vec<u8>)>> {
        let sql = format!("SELECT {ATTACHMENT_COLUMNS} FROM assessment_attachments WHERE assessment_id = $1 AND id = $2");
        let row: Option<AttachmentRow> = on_pool!(self, p => sqlx::query_as(&sql).bind(id).bind(attachment).fetch_optional(p).await?);
        let Some(row) = row else { return Ok(None) };
        let data: Vec<u8> = on_pool!(self, p => sqlx::query_scalar("SELECT data FROM assessment_attachments WHERE id = $1").bind(attachment).fetch_one(p).await?);
        Ok(Some((attachment_of(row), data)))
    }
}
