//! Bulk loading for imports and the generator: one transaction for the whole load,
//! so an error or a killed process leaves the registry as it was.
//!
//! SQLite takes multi-row `INSERT`s; PostgreSQL takes `COPY … FROM STDIN`.

use crate::rows::{AssetValues, INSERT_COLUMNS};
use crate::{on_pool, Result, Store, StoreError, Tx};
use rampart_core::{Asset, Dependency, NetworkLink, Organisation};
use std::fmt::Write as _;

/// What a load wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ImportCounts {
    pub organisations: u64,
    pub assets: u64,
    pub dependencies: u64,
    pub links: u64,
}

/// Rows per multi-row `INSERT` on SQLite (23 parameters each, under SQLite's limit).
const SQLITE_ROWS: usize = 400;

/// An open load. Dropping it without [`BulkWriter::commit`] rolls everything back.
pub struct BulkWriter {
    store: Store,
    tx: Tx,
    actor: String,
    action: String,
    now: i64,
    counts: ImportCounts,
    /// For a load into an empty registry: the statements that rebuild the indexes
    /// dropped at the start (see [`defer_indexes`]).
    rebuild: Option<Vec<String>>,
}

/// The registry's tables whose secondary indexes a first load builds at the end.
const LOADED_TABLES: &str = "'assets', 'dependencies', 'links', 'asset_history'";

/// For a load into an empty registry, drops the secondary indexes (and on SQLite the
/// trigger that fills the R*Tree) inside the load's transaction and returns the
/// statements that recreate them, read from the database's own catalogue: building an
/// index once over sorted data is much cheaper than maintaining it row by row. Unique
/// indexes stay, they catch duplicates. A rollback restores everything.
async fn defer_indexes(tx: &mut Tx) -> Result<Option<Vec<String>>> {
    let any: Option<i32> = crate::on_tx!(tx, c => sqlx::query_scalar("SELECT 1 FROM assets LIMIT 1").fetch_optional(c).await?);
    if any.is_some() {
        return Ok(None);
    }
    let mut rebuild = Vec::new();
    match tx {
        Tx::Sqlite(t) => {
            let rows: Vec<(String, String, String)> = sqlx::query_as(&format!(
                "SELECT type, name, sql FROM sqlite_master WHERE tbl_name IN ({LOADED_TABLES}) AND sql IS NOT NULL
                 AND ((type = 'index' AND sql NOT LIKE 'CREATE UNIQUE%') OR name = 'assets_rtree_insert') ORDER BY name"
            ))
            .fetch_all(&mut **t)
            .await?;
            for (kind, name, sql) in rows {
                sqlx::query(&format!("DROP {} {name}", kind.to_uppercase())).execute(&mut **t).await?;
                if name == "assets_rtree_insert" {
                    rebuild.insert(0, "INSERT INTO assets_rtree SELECT rid, min_lon, max_lon, min_lat, max_lat FROM assets".to_string());
                }
                rebuild.push(sql);
            }
        }
        Tx::Postgres(t) => {
            let rows: Vec<(String, String)> = sqlx::query_as(&format!(
                "SELECT indexname::text, indexdef FROM pg_indexes WHERE schemaname = current_schema()
                 AND tablename IN ({LOADED_TABLES}) AND indexdef NOT LIKE 'CREATE UNIQUE%' ORDER BY indexname"
            ))
            .fetch_all(&mut **t)
            .await?;
            for (name, sql) in rows {
                sqlx::query(&format!("DROP INDEX {name}")).execute(&mut **t).await?;
                rebuild.push(sql);
            }
        }
    }
    Ok(Some(rebuild))
}

impl Store {
    /// Starts a load; `action` names it in every asset's history (`import`, `generate`).
    pub async fn bulk_writer(&self, actor: &str, action: &str, now: i64) -> Result<BulkWriter> {
        let mut tx = self.begin().await?;
        let rebuild = defer_indexes(&mut tx).await?;
        Ok(BulkWriter {
            store: self.clone(),
            tx,
            actor: actor.to_string(),
            action: action.to_string(),
            now,
            counts: ImportCounts::default(),
            rebuild,
        })
    }

    /// Which of `ids` are already in the registry.
    pub async fn existing_asset_ids(&self, ids: &[&str]) -> Result<Vec<String>> {
        let mut found = Vec::new();
        for chunk in ids.chunks(500) {
            let placeholders: Vec<String> = (1..=chunk.len()).map(|i| format!("${i}")).collect();
            let sql = format!("SELECT id FROM assets WHERE id IN ({}) ORDER BY id", placeholders.join(", "));
            let rows: Vec<String> = on_pool!(self, p => {
                let mut q = sqlx::query_scalar(&sql);
                for id in chunk {
                    q = q.bind(*id);
                }
                q.fetch_all(p).await?
            });
            found.extend(rows);
        }
        Ok(found)
    }
}

/// CSV field for PostgreSQL `COPY … (FORMAT csv)`: `None` is an unquoted empty field (NULL).
fn csv_text(out: &mut String, v: Option<&str>) {
    if let Some(s) = v {
        out.push('"');
        out.push_str(&s.replace('"', "\"\""));
        out.push('"');
    }
}

fn csv_num<T: std::fmt::Display>(out: &mut String, v: Option<T>) {
    if let Some(n) = v {
        let _ = write!(out, "{n}");
    }
}

impl BulkWriter {
    pub async fn organisations(&mut self, orgs: &[Organisation]) -> Result<()> {
        for o in orgs {
            crate::on_tx!(&mut self.tx, c => sqlx::query(
                "INSERT INTO organisations (id, name, kind, country) VALUES ($1, $2, $3, $4)
                 ON CONFLICT (id) DO UPDATE SET name = excluded.name, kind = excluded.kind, country = excluded.country")
                .bind(o.id.as_str()).bind(&o.name).bind(o.kind.key()).bind(o.country.map(|c| c.to_string()))
                .execute(c).await?.rows_affected());
        }
        self.counts.organisations += orgs.len() as u64;
        Ok(())
    }

    pub async fn assets(&mut self, assets: &[Asset]) -> Result<()> {
        let values: Vec<AssetValues> = assets.iter().map(AssetValues::of).collect();
        let result = match &mut self.tx {
            Tx::Sqlite(t) => sqlite_assets(t, &values, &self.actor, &self.action, self.now).await,
            Tx::Postgres(t) => postgres_assets(t, &values, &self.actor, &self.action, self.now).await,
        };
        if let Err(e) = result {
            return Err(self.explain_duplicate(e, &values).await);
        }
        self.counts.assets += assets.len() as u64;
        Ok(())
    }

    /// Turns a unique violation into a conflict naming an id that already exists.
    async fn explain_duplicate(&self, e: sqlx::Error, values: &[AssetValues]) -> StoreError {
        let sqlx::Error::Database(d) = &e else { return e.into() };
        if !d.is_unique_violation() {
            return e.into();
        }
        let ids: Vec<&str> = values.iter().map(|v| v.id.as_str()).collect();
        match self.store.existing_asset_ids(&ids).await {
            Ok(found) if !found.is_empty() => StoreError::Conflict(format!("an asset with id {:?} already exists", found[0])),
            _ => StoreError::Conflict("an asset id already exists".to_string()),
        }
    }

    pub async fn dependencies(&mut self, deps: &[Dependency]) -> Result<()> {
        match &mut self.tx {
            Tx::Sqlite(t) => {
                for chunk in deps.chunks(SQLITE_ROWS) {
                    let mut qb = sqlx::QueryBuilder::new("INSERT INTO dependencies (supplier_id, dependent_id, service, k, n, buffer_hours) ");
                    qb.push_values(chunk, |mut b, d| {
                        b.push_bind(d.supplier.as_str()).push_bind(d.dependent.as_str()).push_bind(d.service.key())
                            .push_bind(i64::from(d.k)).push_bind(i64::from(d.n)).push_bind(d.buffer_hours);
                    });
                    qb.build().execute(&mut **t).await.map_err(|e| dependency_error(e, chunk))?;
                }
            }
            Tx::Postgres(t) => {
                let mut data = String::with_capacity(deps.len() * 64);
                for d in deps {
                    csv_text(&mut data, Some(d.supplier.as_str()));
                    data.push(',');
                    csv_text(&mut data, Some(d.dependent.as_str()));
                    let _ = writeln!(data, ",{},{},{},{}", d.service.key(), d.k, d.n, d.buffer_hours);
                }
                copy(t, "COPY dependencies (supplier_id, dependent_id, service, k, n, buffer_hours) FROM STDIN (FORMAT csv)", data)
                    .await
                    .map_err(|e| dependency_error(e, deps))?;
            }
        }
        self.counts.dependencies += deps.len() as u64;
        Ok(())
    }

    pub async fn links(&mut self, links: &[NetworkLink]) -> Result<()> {
        match &mut self.tx {
            Tx::Sqlite(t) => {
                for chunk in links.chunks(SQLITE_ROWS) {
                    let mut qb = sqlx::QueryBuilder::new("INSERT INTO links (network, from_id, to_id, capacity, length_km) ");
                    qb.push_values(chunk, |mut b, l| {
                        b.push_bind(l.network.key()).push_bind(l.from.as_str()).push_bind(l.to.as_str())
                            .push_bind(l.capacity).push_bind(l.length_km);
                    });
                    qb.build().execute(&mut **t).await.map_err(link_error)?;
                }
            }
            Tx::Postgres(t) => {
                let mut data = String::with_capacity(links.len() * 64);
                for l in links {
                    data.push_str(l.network.key());
                    data.push(',');
                    csv_text(&mut data, Some(l.from.as_str()));
                    data.push(',');
                    csv_text(&mut data, Some(l.to.as_str()));
                    data.push(',');
                    csv_num(&mut data, l.capacity);
                    data.push(',');
                    csv_num(&mut data, l.length_km);
                    data.push('\n');
                }
                copy(t, "COPY links (network, from_id, to_id, capacity, length_km) FROM STDIN (FORMAT csv)", data)
                    .await
                    .map_err(link_error)?;
            }
        }
        self.counts.links += links.len() as u64;
        Ok(())
    }

    /// Makes the whole load visible at once (after rebuilding deferred indexes).
    pub async fn commit(mut self) -> Result<ImportCounts> {
        for sql in self.rebuild.take().unwrap_or_default() {
            crate::on_tx!(&mut self.tx, c => sqlx::query(&sql).execute(c).await?.rows_affected());
        }
        let c = &self.counts;
        let detail = serde_json::json!({
            "how": self.action, "organisations": c.organisations, "assets": c.assets,
            "dependencies": c.dependencies, "links": c.links,
        });
        let entry = crate::NewAuditEntry {
            at: self.now,
            actor: &self.actor,
            action: crate::AuditAction::Import,
            object_kind: "registry",
            object_id: "",
            detail,
        };
        crate::audit::record_audit(&mut self.tx, entry).await?;
        self.tx.commit().await?;
        Ok(self.counts)
    }
}

fn dependency_error(e: sqlx::Error, deps: &[Dependency]) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict("the same dependency (supplier, dependent, service) is listed twice or exists already".into())
        }
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => StoreError::Conflict(format!(
            "a dependency refers to an asset that does not exist (first of this batch: {} -> {})",
            deps.first().map(|d| d.supplier.as_str()).unwrap_or(""),
            deps.first().map(|d| d.dependent.as_str()).unwrap_or("")
        )),
        _ => e.into(),
    }
}

fn link_error(e: sqlx::Error) -> StoreError {
    match &e {
        sqlx::Error::Database(d) if d.is_unique_violation() => {
            StoreError::Conflict("the same network link (network, from, to) is listed twice or exists already".into())
        }
        sqlx::Error::Database(d) if d.is_foreign_key_violation() => {
            StoreError::Conflict("a network link refers to an asset that does not exist".into())
        }
        _ => e.into(),
    }
}

async fn copy(conn: &mut sqlx::PgConnection, statement: &str, data: String) -> std::result::Result<u64, sqlx::Error> {
    let mut sink = conn.copy_in_raw(statement).await?;
    sink.send(data.into_bytes()).await?;
    sink.finish().await
}

async fn sqlite_assets(
    conn: &mut sqlx::SqliteConnection,
    values: &[AssetValues],
    actor: &str,
    action: &str,
    now: i64,
) -> std::result::Result<(), sqlx::Error> {
    for chunk in values.chunks(SQLITE_ROWS) {
        let mut qb = sqlx::QueryBuilder::new(format!("INSERT INTO assets ({INSERT_COLUMNS}) "));
        qb.push_values(chunk, |mut b, v| {
            b.push_bind(v.id.as_str()).push_bind(v.name.as_str()).push_bind(v.kind).push_bind(v.sector)
                .push_bind(v.subsector).push_bind(v.category).push_bind(v.country.as_str())
                .push_bind(v.operator_id.as_deref()).push_bind(v.geometry.as_str()).push_bind(v.lon).push_bind(v.lat)
                .push_bind(v.min_lon).push_bind(v.min_lat).push_bind(v.max_lon).push_bind(v.max_lat)
                .push_bind(v.people_served).push_bind(v.peak_occupancy).push_bind(v.value_per_day)
                .push_bind(v.restoration_hours).push_bind(v.attributes.as_str()).push_bind(1i64).push_bind(now)
                .push_bind(actor);
        });
        qb.build().execute(&mut *conn).await?;
        let mut qb = sqlx::QueryBuilder::new("INSERT INTO asset_history (asset_id, at, actor, action, changes) ");
        qb.push_values(chunk, |mut b, v| {
            b.push_bind(v.id.as_str()).push_bind(now).push_bind(actor).push_bind(action).push_bind("{}");
        });
        qb.build().execute(&mut *conn).await?;
    }
    Ok(())
}

async fn postgres_assets(
    conn: &mut sqlx::PgConnection,
    values: &[AssetValues],
    actor: &str,
    action: &str,
    now: i64,
) -> std::result::Result<(), sqlx::Error> {
    let mut data = String::with_capacity(values.len() * 256);
    let mut history = String::with_capacity(values.len() * 48);
    for v in values {
        for t in [Some(v.id.as_str()), Some(v.name.as_str()), Some(v.kind), v.sector, v.subsector, v.category, Some(v.country.as_str()), v.operator_id.as_deref(), Some(v.geometry.as_str())] {
            csv_text(&mut data, t);
            data.push(',');
        }
        for n in [v.lon, v.lat, v.min_lon, v.min_lat, v.max_lon, v.max_lat] {
            let _ = write!(data, "{n},");
        }
        csv_num(&mut data, v.people_served);
        data.push(',');
        csv_num(&mut data, v.peak_occupancy);
        data.push(',');
        csv_num(&mut data, v.value_per_day);
        data.push(',');
        csv_num(&mut data, v.restoration_hours);
        data.push(',');
        csv_text(&mut data, Some(&v.attributes));
        let _ = write!(data, ",1,{now},");
        csv_text(&mut data, Some(actor));
        data.push('\n');

        csv_text(&mut history, Some(&v.id));
        let _ = write!(history, ",{now},");
        csv_text(&mut history, Some(actor));
        history.push(',');
        csv_text(&mut history, Some(action));
        history.push_str(",\"{}\"\n");
    }
    copy(conn, &format!("COPY assets ({INSERT_COLUMNS}) FROM STDIN (FORMAT csv)"), data).await?;
    copy(conn, "COPY asset_history (asset_id, at, actor, action, changes) FROM STDIN (FORMAT csv)", history).await?;
    Ok(())
}
