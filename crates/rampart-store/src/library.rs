//! The library: documents, their attachments and community events, and the change
//! sequence search indexes follow.
//!
//! Every write to a document appends to `library_changes` in the same transaction. On
//! PostgreSQL the writer first locks that table, so changes commit in sequence order and
//! an index that has applied every change up to `n` never misses one numbered below `n`
//! (an identity column alone hands out numbers before commit, so a slower transaction
//! could commit a lower number after a reader moved past it). SQLite has one writer at a
//! time anyway.

use crate::{on_pool, on_tx, Backend, Result, Store, StoreError, Tx};
use rampart_core::library::{DocumentContent, EventContent, LibraryDocument};
use rampart_core::{CommunityId, Invalid, OrgId, Username};

fn bad(what: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(Invalid::one(what, format!("stored value unreadable: {e}")))
}

/// An attachment's description (its bytes are read separately).
#[derive(Debug, Clone, PartialEq)]
pub struct AttachmentMeta {
    pub id: String,
    pub document_id: String,
    pub name: String,
    pub content_type: String,
    pub size: i64,
    pub sha256: String,
    pub author: String,
    pub created_at: i64,
}

/// A community event as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRecord {
    pub id: String,
    pub organisation: OrgId,
    pub author: Username,
    pub content: EventContent,
    pub created_at: i64,
}

/// One change to the library: the document to (re)index, or to drop if it is gone.
#[derive(Debug, Clone, PartialEq)]
pub struct LibraryChange {
    pub seq: i64,
    pub document_id: String,
}

type DocRow = (String, String, String, String, i64, i64, i64);
/// id, document, name, content type, size, SHA-256, author, created.
type AttachmentRow = (String, String, String, String, i64, String, String, i64);
/// name, content type, size, SHA-256, bytes, author, created.
type AttachmentData = (String, String, i64, String, Vec<u8>, String, i64);
const DOC_COLUMNS: &str = "id, organisation_id, author, content, version, created_at, updated_at";

fn doc_from_row((id, org, author, content, version, created_at, updated_at): DocRow) -> Result<LibraryDocument> {
    Ok(LibraryDocument {
        organisation: OrgId::parse(&org).map_err(|e| bad("organisation", e))?,
        author: Username::parse(&author).map_err(|e| bad("author", e))?,
        content: serde_json::from_str(&content).map_err(|e| bad("content", e))?,
        version,
        created_at_ms: created_at,
        updated_at_ms: updated_at,
        id,
    })
}

fn content_json(c: &DocumentContent) -> Result<String> {
    serde_json::to_string(c).map_err(|e| bad("content", e))
}

pub(crate) async fn record_change(tx: &mut Tx, id: &str, at: i64) -> Result<()> {
    on_tx!(tx, t => sqlx::query("INSERT INTO library_changes (document_id, at) VALUES ($1, $2)").bind(id).bind(at).execute(t).await?.rows_affected());
    Ok(())
}

impl Store {
    async fn begin_library_write(&self) -> Result<Tx> {
        let mut tx = self.begin().await?;
        if self.backend() == Backend::Postgres {
            on_tx!(&mut tx, t => sqlx::query("LOCK TABLE library_changes IN EXCLUSIVE MODE").execute(t).await?.rows_affected());
        }
        Ok(tx)
    }

    /// Stores new documents (one, or many at once for loading), all or none.
    pub async fn insert_library_documents(&self, docs: &[LibraryDocument]) -> Result<()> {
        let mut tx = self.begin_library_write().await?;
        for d in docs {
            let text = content_json(&d.content)?;
            let r = on_tx!(&mut tx, t => sqlx::query(
                "INSERT INTO library_documents (id, organisation_id, author, kind, title, tlp, community_id, content, version, created_at, updated_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
                .bind(&d.id).bind(d.organisation.as_str()).bind(d.author.as_str()).bind(d.content.kind.key()).bind(&d.content.title)
                .bind(d.content.tlp.as_str()).bind(d.content.community.as_ref().map(CommunityId::as_str)).bind(&text).bind(d.version)
                .bind(d.created_at_ms).bind(d.updated_at_ms).execute(t).await.map(|r| r.rows_affected()));
            r.map_err(|e| StoreError::unique(e, || format!("document {} already exists", d.id)))?;
            record_change(&mut tx, &d.id, d.updated_at_ms).await?;
            crate::federation::queue_local_change(&mut tx, "library", &d.id, d.updated_at_ms).await?;
        }
        tx.commit().await
    }

    /// Replaces a document's content if it is still at `version`; returns the new version.
    pub async fn update_library_document(&self, id: &str, content: &DocumentContent, version: i64, now: i64) -> Result<i64> {
        let mut tx = self.begin_library_write().await?;
        let text = content_json(content)?;
        let n = on_tx!(&mut tx, t => sqlx::query(
            "UPDATE library_documents SET content = $2, kind = $3, title = $4, tlp = $5, community_id = $6, version = version + 1, updated_at = $7
             WHERE id = $1 AND version = $8")
            .bind(id).bind(&text).bind(content.kind.key()).bind(&content.title).bind(content.tlp.as_str())
            .bind(content.community.as_ref().map(CommunityId::as_str)).bind(now).bind(version).execute(t).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::Conflict(format!("document {id} was changed meanwhile (version {version} is no longer current)")));
        }
        record_change(&mut tx, id, now).await?;
        crate::federation::queue_local_change(&mut tx, "library", id, now).await?;
        tx.commit().await?;
        Ok(version + 1)
    }

    /// Deletes a document and its attachments.
    pub async fn delete_library_document(&self, id: &str, now: i64) -> Result<()> {
        let mut tx = self.begin_library_write().await?;
        on_tx!(&mut tx, t => sqlx::query("DELETE FROM library_attachments WHERE document_id = $1").bind(id).execute(t).await?.rows_affected());
        let n = on_tx!(&mut tx, t => sqlx::query("DELETE FROM library_documents WHERE id = $1").bind(id).execute(t).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound(format!("document {id}")));
        }
        record_change(&mut tx, id, now).await?;
        crate::federation::queue_local_change(&mut tx, "library", id, now).await?;
        tx.commit().await
    }

    pub async fn get_library_document(&self, id: &str) -> Result<Option<LibraryDocument>> {
        let sql = format!("SELECT {DOC_COLUMNS} FROM library_documents WHERE id = $1");
        let row: Option<DocRow> = on_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await?);
        row.map(doc_from_row).transpose()
    }

    /// The documents with these ids that still exist, in no particular order.
    pub async fn library_documents_by_id(&self, ids: &[String]) -> Result<Vec<LibraryDocument>> {
        let mut out = Vec::with_capacity(ids.len());
        for chunk in ids.chunks(200) {
            let params: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT {DOC_COLUMNS} FROM library_documents WHERE id IN ({})", params.join(", "));
            let rows: Vec<DocRow> = on_pool!(self, p => {
                let mut q = sqlx::query_as::<_, DocRow>(&sql);
                for id in chunk {
                    q = q.bind(id);
                }
                q.fetch_all(p).await?
            });
            for r in rows {
                out.push(doc_from_row(r)?);
            }
        }
        Ok(out)
    }

    /// The last change number, then every document: what a new index starts from
    /// (changes after that number are applied on top; applying one twice is harmless).
    pub async fn library_snapshot(&self) -> Result<(i64, Vec<LibraryDocument>)> {
        let (seq,): (i64,) = on_pool!(self, p => sqlx::query_as("SELECT COALESCE(MAX(seq), 0) FROM library_changes").fetch_one(p).await?);
        let sql = format!("SELECT {DOC_COLUMNS} FROM library_documents ORDER BY id");
        let rows: Vec<DocRow> = on_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await?);
        Ok((seq, rows.into_iter().map(doc_from_row).collect::<Result<_>>()?))
    }

    /// Changes after `seq`, in order.
    pub async fn library_changes_since(&self, seq: i64) -> Result<Vec<LibraryChange>> {
        let rows: Vec<(i64, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT seq, document_id FROM library_changes WHERE seq > $1 ORDER BY seq").bind(seq).fetch_all(p).await?);
        Ok(rows.into_iter().map(|(seq, document_id)| LibraryChange { seq, document_id }).collect())
    }

    /// Stores an attachment of a document.
    pub async fn add_library_attachment(&self, meta: &AttachmentMeta, data: &[u8]) -> Result<()> {
        on_pool!(self, p => sqlx::query(
            "INSERT INTO library_attachments (id, document_id, name, content_type, size, sha256, data, author, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)")
            .bind(&meta.id).bind(&meta.document_id).bind(&meta.name).bind(&meta.content_type).bind(meta.size).bind(&meta.sha256)
            .bind(data).bind(&meta.author).bind(meta.created_at).execute(p).await?.rows_affected());
        Ok(())
    }

    pub async fn library_attachments(&self, document_id: &str) -> Result<Vec<AttachmentMeta>> {
        let rows: Vec<AttachmentRow> = on_pool!(self, p => sqlx::query_as(
            "SELECT id, document_id, name, content_type, size, sha256, author, created_at FROM library_attachments
             WHERE document_id = $1 ORDER BY created_at, id").bind(document_id).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(id, document_id, name, content_type, size, sha256, author, created_at)| AttachmentMeta {
                id,
                document_id,
                name,
                content_type,
                size,
                sha256,
                author,
                created_at,
            })
            .collect())
    }

    /// An attachment of a document with its bytes.
    pub async fn library_attachment(&self, document_id: &str, id: &str) -> Result<Option<(AttachmentMeta, Vec<u8>)>> {
        let row: Option<AttachmentData> = on_pool!(self, p => sqlx::query_as(
            "SELECT name, content_type, size, sha256, data, author, created_at FROM library_attachments WHERE document_id = $1 AND id = $2")
            .bind(document_id).bind(id).fetch_optional(p).await?);
        Ok(row.map(|(name, content_type, size, sha256, data, author, created_at)| {
            (AttachmentMeta { id: id.to_string(), document_id: document_id.to_string(), name, content_type, size, sha256, author, created_at }, data)
        }))
    }

    pub async fn create_library_event(&self, e: &EventRecord) -> Result<()> {
        let c = &e.content;
        on_pool!(self, p => sqlx::query(
            "INSERT INTO library_events (id, organisation_id, author, community_id, tlp, title, starts_at, ends_at, place, description, created_at)
             VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)")
            .bind(&e.id).bind(e.organisation.as_str()).bind(e.author.as_str()).bind(c.community.as_str()).bind(c.tlp.as_str()).bind(&c.title)
            .bind(c.starts_at_ms).bind(c.ends_at_ms).bind(&c.place).bind(&c.description).bind(e.created_at).execute(p).await?.rows_affected());
        Ok(())
    }

    /// Events, soonest first; `id` picks one.
    pub async fn library_events(&self, id: Option<&str>) -> Result<Vec<EventRecord>> {
        type Row = (String, String, String, String, String, String, i64, i64, String, String, i64);
        let cols = "id, organisation_id, author, community_id, tlp, title, starts_at, ends_at, place, description, created_at";
        let rows: Vec<Row> = match id {
            Some(id) => {
                let sql = format!("SELECT {cols} FROM library_events WHERE id = $1");
                on_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_all(p).await?)
            }
            None => {
                let sql = format!("SELECT {cols} FROM library_events ORDER BY starts_at, id");
                on_pool!(self, p => sqlx::query_as(&sql).fetch_all(p).await?)
            }
        };
        rows.into_iter()
            .map(|(id, org, author, community, tlp, title, starts, ends, place, description, created_at)| {
                Ok(EventRecord {
                    organisation: OrgId::parse(&org).map_err(|e| bad("organisation", e))?,
                    author: Username::parse(&author).map_err(|e| bad("author", e))?,
                    content: EventContent {
                        title,
                        starts_at_ms: starts,
                        ends_at_ms: ends,
                        place,
                        community: CommunityId::parse(&community).map_err(|e| bad("community", e))?,
                        tlp: rampart_core::Tlp::parse(&tlp).map_err(|e| bad("tlp", e))?,
                        description,
                    },
                    created_at,
                    id,
                })
            })
            .collect()
    }
}
