//! Fresh databases for tests: a SQLite file in a temporary folder, or a new
//! database in the PostgreSQL cluster named by `RAMPART_TEST_POSTGRES` (an admin
//! URL such as `postgres://postgres@127.0.0.1:5433/postgres`). The README's test
//! command starts a throwaway cluster and sets the variable.

use crate::{Backend, Store, StoreOptions};
use rand::Rng;

/// Keeps the temporary database alive; dropping it removes the SQLite folder.
pub struct TestDb {
    pub store: Store,
    pub url: String,
    _dir: Option<tempfile::TempDir>,
}

/// The PostgreSQL admin URL for tests. Panics with instructions when unset, so a
/// PostgreSQL test never passes without having run.
pub fn postgres_admin_url() -> String {
    std::env::var("RAMPART_TEST_POSTGRES").unwrap_or_else(|_| {
        panic!("RAMPART_TEST_POSTGRES is not set: run the README's test command (scripts/test.sh), which starts a throwaway PostgreSQL cluster")
    })
}

/// A fresh, migrated, empty store on `backend`.
pub async fn fresh(backend: Backend) -> TestDb {
    match backend {
        Backend::Sqlite => {
            let dir = tempfile::tempdir().expect("temporary directory");
            let url = format!("sqlite://{}", dir.path().join("rampart.db").display());
            let store = Store::open(&StoreOptions::new(&url)).await.expect("open SQLite store");
            TestDb { store, url, _dir: Some(dir) }
        }
        Backend::Postgres => {
            let admin_url = postgres_admin_url();
            let name = format!("rampart_test_{:016x}", rand::thread_rng().gen::<u64>());
            let admin = Store::connect(&StoreOptions { url: admin_url.clone(), max_connections: 1 }).await.expect("connect to the test cluster");
            admin.create_database(&name).await.expect("create test database");
            admin.close().await;
            let url = match admin_url.rsplit_once('/') {
                Some((base, _)) => format!("{base}/{name}"),
                None => panic!("RAMPART_TEST_POSTGRES must end in /<database>"),
            };
            let store = Store::open(&StoreOptions::new(&url)).await.expect("open PostgreSQL store");
            TestDb { store, url, _dir: None }
        }
    }
}

impl Store {
    /// Tries to rewrite an assessment's trail, which the schema must refuse.
    pub async fn tamper_with_trail_for_tests(&self, assessment_id: &str) -> crate::Result<u64> {
        Ok(crate::on_pool!(self, p => sqlx::query("UPDATE assessment_trail SET detail = 'rewritten' WHERE assessment_id = $1")
            .bind(assessment_id).execute(p).await?.rows_affected()))
    }

    async fn create_database(&self, name: &str) -> crate::Result<()> {
        if let crate::Pool::Postgres(p) = &self.pool {
            // `name` is generated above from hex digits only.
            sqlx::query(&format!("CREATE DATABASE {name}")).execute(p).await?;
        }
        Ok(())
    }
}

impl Store {
    /// Runs raw SQL (tests that play an attacker with the database's keys).
    pub async fn execute_sql_for_tests(&self, sql: &str) -> crate::Result<()> {
        crate::on_pool!(self, p => sqlx::query(sql).execute(p).await?.rows_affected());
        Ok(())
    }
}
