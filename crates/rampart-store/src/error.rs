use rampart_core::Invalid;

/// What can go wrong in the store. `Database` carries details for the log only.
#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    #[error("{0} not found")]
    NotFound(String),
    /// A uniqueness or version conflict: the message says which.
    #[error("{0}")]
    Conflict(String),
    /// The request refers to something that does not exist or breaks a rule the
    /// store checks (a dependency on a missing asset).
    #[error("{0}")]
    Invalid(Invalid),
    /// The caller's access check refused the change (see `update_asset`).
    #[error("{0}")]
    Refused(String),
    #[error("configuration: {0}")]
    Config(String),
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    #[error("migration failed: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
}

impl StoreError {
    /// Maps unique-key violations to a conflict that names `what`.
    pub(crate) fn unique(e: sqlx::Error, what: impl FnOnce() -> String) -> StoreError {
        match &e {
            sqlx::Error::Database(d) if d.is_unique_violation() => StoreError::Conflict(what()),
            _ => StoreError::Database(e),
        }
    }
}
