//! Dependencies between assets and links of networked sectors.

use crate::assets::record;
use crate::{on_pool, on_tx, Page, Result, Store, StoreError, StoredAsset, Tx};
use rampart_core::{AssetId, Dependency, Invalid, NetworkLink};
use serde_json::{json, Map, Value};

#[derive(Debug, Clone, PartialEq)]
pub struct StoredDependency {
    pub id: i64,
    pub dependency: Dependency,
}

#[derive(Debug, Clone, PartialEq)]
pub struct StoredLink {
    pub id: i64,
    pub link: NetworkLink,
}

/// The dependencies reachable from an asset in one direction, with their assets.
#[derive(Debug, Clone, PartialEq)]
pub struct Neighbourhood {
    pub dependencies: Vec<StoredDependency>,
    pub assets: Vec<StoredAsset>,
}

type DepRow = (i64, String, String, String, i64, i64, f64);
const DEP_COLUMNS: &str = "id, supplier_id, dependent_id, service, k, n, buffer_hours";

fn dep_from_row((id, supplier, dependent, service, k, n, buffer): DepRow) -> Result<StoredDependency> {
    let obj = json!({"supplier_id": supplier, "dependent_id": dependent, "service": service, "k": k, "n": n, "buffer_hours": buffer});
    let dependency = Dependency::from_json(obj.as_object().unwrap_or(&Map::new()))
        .map_err(|e| StoreError::Invalid(Invalid::one("", format!("stored dependency {id} does not parse: {e}"))))?;
    Ok(StoredDependency { id, dependency })
}

type LinkRow = (i64, String, String, String, Option<f64>, Option<f64>);
const LINK_COLUMNS: &str = "id, network, from_id, to_id, capacity, length_km";

fn link_from_row((id, network, from, to, capacity, length): LinkRow) -> Result<StoredLink> {
    let obj = json!({"network": network, "from_id": from, "to_id": to, "capacity": capacity, "length_km": length});
    let link = NetworkLink::from_json(obj.as_object().unwrap_or(&Map::new()))
        .map_err(|e| StoreError::Invalid(Invalid::one("", format!("stored link {id} does not parse: {e}"))))?;
    Ok(StoredLink { id, link })
}

/// Both endpoints must exist; names the field of the first that does not.
async fn check_endpoints(tx: &mut Tx, ends: [(&str, &AssetId); 2]) -> Result<()> {
    let mut errors = Vec::new();
    for (field, id) in ends {
        let found: Option<i32> =
            on_tx!(tx, c => sqlx::query_scalar("SELECT 1 FROM assets WHERE id = $1").bind(id.as_str()).fetch_optional(c).await?);
        if found.is_none() {
            errors.push(rampart_core::FieldError::new(field, format!("no asset with id {:?}", id.as_str())));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(StoreError::Invalid(Invalid(errors)))
    }
}

fn dep_change(d: &Dependency, added: bool) -> Map<String, Value> {
    let mut m = Map::new();
    let v = d.to_json();
    m.insert("dependency".into(), if added { json!({"from": null, "to": v}) } else { json!({"from": v, "to": null}) });
    m
}

impl Store {
    pub async fn create_dependency(&self, d: &Dependency, actor: &str, now: i64) -> Result<StoredDependency> {
        let mut tx = self.begin().await?;
        check_endpoints(&mut tx, [("supplier_id", &d.supplier), ("dependent_id", &d.dependent)]).await?;
        let id: i64 = on_tx!(&mut tx, c => sqlx::query_scalar(
            "INSERT INTO dependencies (supplier_id, dependent_id, service, k, n, buffer_hours) VALUES ($1, $2, $3, $4, $5, $6) RETURNING id")
            .bind(d.supplier.as_str()).bind(d.dependent.as_str()).bind(d.service.key())
            .bind(i64::from(d.k)).bind(i64::from(d.n)).bind(d.buffer_hours).fetch_one(c).await)
            .map_err(|e| StoreError::unique(e, || format!(
                "{} already depends on {} for {}", d.dependent.as_str(), d.supplier.as_str(), d.service.key())))?;
        record(&mut tx, d.dependent.as_str(), now, actor, "dependency_added", &dep_change(d, true)).await?;
        crate::audit::record_audit(&mut tx, crate::NewAuditEntry { at: now, actor, action: crate::AuditAction::Create, object_kind: "dependency", object_id: &id.to_string(), detail: serde_json::json!({"supplier": d.supplier.as_str(), "dependent": d.dependent.as_str(), "service": d.service.key()}) }).await?;
        tx.commit().await?;
        Ok(StoredDependency { id, dependency: d.clone() })
    }

    pub async fn get_dependency(&self, id: i64) -> Result<Option<StoredDependency>> {
        let sql = format!("SELECT {DEP_COLUMNS} FROM dependencies WHERE id = $1");
        let row: Option<DepRow> = on_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await?);
        row.map(dep_from_row).transpose()
    }

    /// Changes a dependency's service, redundancy and buffer (its ends stay).
    pub async fn update_dependency(&self, id: i64, d: &Dependency, actor: &str, now: i64) -> Result<StoredDependency> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query(
            "UPDATE dependencies SET service = $2, k = $3, n = $4, buffer_hours = $5 WHERE id = $1 AND supplier_id = $6 AND dependent_id = $7")
            .bind(id).bind(d.service.key()).bind(i64::from(d.k)).bind(i64::from(d.n)).bind(d.buffer_hours)
            .bind(d.supplier.as_str()).bind(d.dependent.as_str()).execute(c).await.map(|r| r.rows_affected()))
            .map_err(|e| StoreError::unique(e, || format!("{} already depends on {} for {}", d.dependent, d.supplier, d.service)))?;
        if n == 0 {
            return Err(StoreError::NotFound(format!("dependency {id} between {} and {}", d.supplier, d.dependent)));
        }
        record(&mut tx, d.dependent.as_str(), now, actor, "dependency_changed", &dep_change(d, true)).await?;
        crate::audit::record_audit(&mut tx, crate::NewAuditEntry { at: now, actor, action: crate::AuditAction::Change, object_kind: "dependency", object_id: &id.to_string(), detail: serde_json::json!({"supplier": d.supplier.as_str(), "dependent": d.dependent.as_str(), "service": d.service.key()}) }).await?;
        tx.commit().await?;
        Ok(StoredDependency { id, dependency: d.clone() })
    }

    pub async fn delete_dependency(&self, d: &StoredDependency, actor: &str, now: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query("DELETE FROM dependencies WHERE id = $1").bind(d.id).execute(c).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound(format!("dependency {}", d.id)));
        }
        record(&mut tx, d.dependency.dependent.as_str(), now, actor, "dependency_removed", &dep_change(&d.dependency, false)).await?;
        crate::audit::record_audit(&mut tx, crate::NewAuditEntry { at: now, actor, action: crate::AuditAction::Delete, object_kind: "dependency", object_id: &d.id.to_string(), detail: serde_json::json!({"supplier": d.dependency.supplier.as_str(), "dependent": d.dependency.dependent.as_str(), "service": d.dependency.service.key()}) }).await?;
        tx.commit().await
    }

    /// Dependencies in id order, optionally only those touching `asset`.
    pub async fn list_dependencies(&self, asset: Option<&AssetId>, limit: u32, after: Option<i64>) -> Result<Page<StoredDependency>> {
        let sql = format!(
            "SELECT {DEP_COLUMNS} FROM dependencies WHERE id > $1 AND ($2 = '' OR supplier_id = $2 OR dependent_id = $2) ORDER BY id LIMIT $3"
        );
        let rows: Vec<DepRow> = on_pool!(self, p => sqlx::query_as(&sql)
            .bind(after.unwrap_or(0)).bind(asset.map(|a| a.as_str()).unwrap_or("")).bind(i64::from(limit) + 1).fetch_all(p).await?);
        let items = rows.into_iter().map(dep_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::of(items, limit, |d| d.id.to_string()))
    }

    /// What `asset` depends on (`upstream`), or what depends on it, transitively up
    /// to `depth` steps.
    pub async fn neighbourhood(&self, asset: &AssetId, upstream: bool, depth: u32) -> Result<Neighbourhood> {
        let (near, far) = if upstream { ("dependent_id", "supplier_id") } else { ("supplier_id", "dependent_id") };
        let sql = format!(
            "WITH RECURSIVE reach(id, depth) AS (
                SELECT id, 0 FROM assets WHERE id = $1
                UNION
                SELECT d.{far}, reach.depth + 1 FROM dependencies d JOIN reach ON d.{near} = reach.id WHERE reach.depth < $2
            )
            SELECT DISTINCT {cols} FROM dependencies d2 WHERE d2.{near} IN (SELECT id FROM reach WHERE depth < $2) ORDER BY id",
            cols = DEP_COLUMNS.split(", ").map(|c| format!("d2.{c}")).collect::<Vec<_>>().join(", ")
        );
        let rows: Vec<DepRow> =
            on_pool!(self, p => sqlx::query_as(&sql).bind(asset.as_str()).bind(i64::from(depth)).fetch_all(p).await?);
        let dependencies = rows.into_iter().map(dep_from_row).collect::<Result<Vec<_>>>()?;
        let mut ids: Vec<&AssetId> = dependencies
            .iter()
            .flat_map(|d| [&d.dependency.supplier, &d.dependency.dependent])
            .filter(|id| *id != asset)
            .collect();
        ids.sort();
        ids.dedup();
        let mut assets = Vec::with_capacity(ids.len());
        for id in ids {
            if let Some(a) = self.get_asset(id).await? {
                assets.push(a);
            }
        }
        Ok(Neighbourhood { dependencies, assets })
    }

    pub async fn create_link(&self, l: &NetworkLink, actor: &str, now: i64) -> Result<StoredLink> {
        let mut tx = self.begin().await?;
        check_endpoints(&mut tx, [("from_id", &l.from), ("to_id", &l.to)]).await?;
        let id: i64 = on_tx!(&mut tx, c => sqlx::query_scalar(
            "INSERT INTO links (network, from_id, to_id, capacity, length_km) VALUES ($1, $2, $3, $4, $5) RETURNING id")
            .bind(l.network.key()).bind(l.from.as_str()).bind(l.to.as_str()).bind(l.capacity).bind(l.length_km)
            .fetch_one(c).await)
            .map_err(|e| StoreError::unique(e, || format!("a {} link from {} to {} already exists", l.network, l.from, l.to)))?;
        let mut change = Map::new();
        change.insert("link".into(), json!({"from": null, "to": l.to_json()}));
        record(&mut tx, l.from.as_str(), now, actor, "link_added", &change).await?;
        crate::audit::record_audit(&mut tx, crate::NewAuditEntry { at: now, actor, action: crate::AuditAction::Create, object_kind: "link", object_id: &id.to_string(), detail: serde_json::json!({"network": l.network.key(), "from": l.from.as_str(), "to": l.to.as_str()}) }).await?;
        tx.commit().await?;
        Ok(StoredLink { id, link: l.clone() })
    }

    pub async fn get_link(&self, id: i64) -> Result<Option<StoredLink>> {
        let sql = format!("SELECT {LINK_COLUMNS} FROM links WHERE id = $1");
        let row: Option<LinkRow> = on_pool!(self, p => sqlx::query_as(&sql).bind(id).fetch_optional(p).await?);
        row.map(link_from_row).transpose()
    }

    pub async fn delete_link(&self, l: &StoredLink, actor: &str, now: i64) -> Result<()> {
        let mut tx = self.begin().await?;
        let n = on_tx!(&mut tx, c => sqlx::query("DELETE FROM links WHERE id = $1").bind(l.id).execute(c).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound(format!("link {}", l.id)));
        }
        let mut change = Map::new();
        change.insert("link".into(), json!({"from": l.link.to_json(), "to": null}));
        record(&mut tx, l.link.from.as_str(), now, actor, "link_removed", &change).await?;
        crate::audit::record_audit(&mut tx, crate::NewAuditEntry { at: now, actor, action: crate::AuditAction::Delete, object_kind: "link", object_id: &l.id.to_string(), detail: serde_json::json!({"network": l.link.network.key(), "from": l.link.from.as_str(), "to": l.link.to.as_str()}) }).await?;
        tx.commit().await
    }

    pub async fn list_links(&self, asset: Option<&AssetId>, limit: u32, after: Option<i64>) -> Result<Page<StoredLink>> {
        let sql = format!(
            "SELECT {LINK_COLUMNS} FROM links WHERE id > $1 AND ($2 = '' OR from_id = $2 OR to_id = $2) ORDER BY id LIMIT $3"
        );
        let rows: Vec<LinkRow> = on_pool!(self, p => sqlx::query_as(&sql)
            .bind(after.unwrap_or(0)).bind(asset.map(|a| a.as_str()).unwrap_or("")).bind(i64::from(limit) + 1).fetch_all(p).await?);
        let items = rows.into_iter().map(link_from_row).collect::<Result<Vec<_>>>()?;
        Ok(Page::of(items, limit, |l| l.id.to_string()))
    }
}
