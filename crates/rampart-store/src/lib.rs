//! Rampart's storage: one [`Store`] over SQLite (embedded default) or PostgreSQL.
//!
//! Both backends share the SQL text wherever the dialects agree (numbered `$n`
//! parameters work on both); the few places where they differ (spatial index,
//! bulk loading, text search) are marked. Every write runs in one transaction and
//! records who changed what in `asset_history`. Times are Unix milliseconds passed
//! in by the caller, so tests control the clock.

mod accounts;
mod assessments;
mod alerts;
mod alert_list;
mod assets;
mod audit;
mod bulk;
mod error;
mod failpoint;
mod federation;
mod federation_items;
mod incidents;
mod library;
mod network;
mod precursors;
mod rows;
mod runs;
mod sharing;
mod webhooks;
#[cfg(feature = "test-support")]
pub mod test_support;

pub use accounts::{NewUser, UserRecord};
pub use audit::{entry_hash, AuditAction, AuditBreak, AuditEntry, AuditReport, NewAuditEntry, GENESIS_HASH};
pub use assessments::{AssessmentReader, AssessmentRecord, AttachmentRecord, NewAssessment, NewAttachment, TrailEntry, TrailNote};
pub use alert_list::{AlertCursor, AlertListQuery, AlertPage, LoadedAlert};
pub use alerts::{AlertAck, AlertDoc, AlertRecipient, Event, NewAlert, Publication, StoredAlert};
pub use assets::{AssetFilter, Cluster, HistoryEntry, MapItem, Page, StoredAsset};
pub use bulk::{BulkWriter, ImportCounts};
pub use error::StoreError;
pub use failpoint::failpoint;
pub use federation::{Backlog, BatchOutcome, KnownItem, PeerConfig, PeerRecord, PendingChange, SharedItem};
pub use incidents::{IncidentRecord, IncidentUpdate};
pub use precursors::PrecursorReportRecord;
pub use library::{AttachmentMeta, EventRecord, LibraryChange};
pub use network::{Neighbourhood, StoredDependency, StoredLink};
pub use runs::{AssetPlace, NewRun, RunRecord, RunStatus, INTERRUPTED};
pub use webhooks::{WebhookAttempt, WebhookChange, WebhookFailure, WebhookRecord};

use sqlx::postgres::{PgConnectOptions, PgPool, PgPoolOptions};
use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqlitePool, SqlitePoolOptions, SqliteSynchronous};
use std::str::FromStr;
use std::time::Duration;

pub type Result<T, E = StoreError> = std::result::Result<T, E>;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

#[derive(Clone)]
enum Pool {
    Sqlite(SqlitePool),
    Postgres(PgPool),
}

/// Runs `$body` with `$pool` bound to the backend's pool; the body is compiled once
/// per backend, so shared SQL is written once.
macro_rules! on_pool {
    ($store:expr, $pool:ident => $body:expr) => {
        match &$store.pool {
            $crate::Pool::Sqlite($pool) => $body,
            $crate::Pool::Postgres($pool) => $body,
        }
    };
}
pub(crate) use on_pool;

/// A transaction on either backend.
pub(crate) enum Tx {
    Sqlite(sqlx::Transaction<'static, sqlx::Sqlite>),
    Postgres(sqlx::Transaction<'static, sqlx::Postgres>),
}

/// Runs `$body` with `$conn` bound to the transaction's connection.
macro_rules! on_tx {
    ($tx:expr, $conn:ident => $body:expr) => {
        match $tx {
            $crate::Tx::Sqlite(t) => {
                let $conn = &mut **t;
                $body
            }
            $crate::Tx::Postgres(t) => {
                let $conn = &mut **t;
                $body
            }
        }
    };
}
pub(crate) use on_tx;

impl Tx {
    pub(crate) async fn commit(self) -> Result<()> {
        match self {
            Tx::Sqlite(t) => t.commit().await?,
            Tx::Postgres(t) => t.commit().await?,
        }
        Ok(())
    }
}

/// How to open the store.
#[derive(Debug, Clone)]
pub struct StoreOptions {
    /// `sqlite://path/to/rampart.db` or `postgres://user@host/db`.
    pub url: String,
    pub max_connections: u32,
}

impl StoreOptions {
    pub fn new(url: impl Into<String>) -> Self {
        Self { url: url.into(), max_connections: 16 }
    }
}

/// The registry store. Cheap to clone: it holds a connection pool.
#[derive(Clone)]
pub struct Store {
    pool: Pool,
}

static SQLITE_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/sqlite");
static POSTGRES_MIGRATIONS: sqlx::migrate::Migrator = sqlx::migrate!("./migrations/postgres");

impl Store {
    /// Connects without touching the schema.
    pub async fn connect(opts: &StoreOptions) -> Result<Store> {
        let url = opts.url.as_str();
        let pool = if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            let connect = PgConnectOptions::from_str(url).map_err(|e| StoreError::Config(format!("database URL: {e}")))?;
            Pool::Postgres(
                PgPoolOptions::new()
                    .max_connections(opts.max_connections)
                    .acquire_timeout(Duration::from_secs(30))
                    .connect_with(connect)
                    .await?,
            )
        } else if url.starts_with("sqlite:") {
            let connect = SqliteConnectOptions::from_str(url)
                .map_err(|e| StoreError::Config(format!("database URL: {e}")))?
                .create_if_missing(true)
                .journal_mode(SqliteJournalMode::Wal)
                // FULL: a commit is on disk before it is acknowledged, even across a power cut.
                .synchronous(SqliteSynchronous::Full)
                .foreign_keys(true)
                .busy_timeout(Duration::from_secs(30));
            Pool::Sqlite(SqlitePoolOptions::new().max_connections(opts.max_connections).connect_with(connect).await?)
        } else {
            return Err(StoreError::Config(format!(
                "database URL must start with sqlite: or postgres://, found {:?}",
                url.split(':').next().unwrap_or("")
            )));
        };
        Ok(Store { pool })
    }

    /// Connects and applies the embedded migrations of the backend.
    pub async fn open(opts: &StoreOptions) -> Result<Store> {
        let store = Store::connect(opts).await?;
        store.migrate().await?;
        Ok(store)
    }

    /// Applies any migration not yet applied. Safe to run at every start.
    pub async fn migrate(&self) -> Result<()> {
        match &self.pool {
            Pool::Sqlite(p) => SQLITE_MIGRATIONS.run(p).await?,
            Pool::Postgres(p) => POSTGRES_MIGRATIONS.run(p).await?,
        }
        Ok(())
    }

    pub fn backend(&self) -> Backend {
        match self.pool {
            Pool::Sqlite(_) => Backend::Sqlite,
            Pool::Postgres(_) => Backend::Postgres,
        }
    }

    pub(crate) async fn begin(&self) -> Result<Tx> {
        Ok(match &self.pool {
            Pool::Sqlite(p) => Tx::Sqlite(p.begin().await?),
            Pool::Postgres(p) => Tx::Postgres(p.begin().await?),
        })
    }

    /// A cheap query that proves the database answers.
    pub async fn ping(&self) -> Result<()> {
        on_pool!(self, p => sqlx::query("SELECT 1").execute(p).await?.rows_affected());
        Ok(())
    }

    /// The definitions of every index and trigger, sorted (for schema checks).
    pub async fn index_definitions(&self) -> Result<Vec<String>> {
        let mut defs: Vec<String> = match &self.pool {
            Pool::Sqlite(p) => sqlx::query_scalar("SELECT sql FROM sqlite_master WHERE type IN ('index', 'trigger') AND sql IS NOT NULL")
                .fetch_all(p)
                .await?,
            Pool::Postgres(p) => sqlx::query_scalar("SELECT indexdef FROM pg_indexes WHERE schemaname = current_schema()").fetch_all(p).await?,
        };
        defs.sort();
        Ok(defs)
    }

    pub async fn close(&self) {
        on_pool!(self, p => p.close().await)
    }
}
