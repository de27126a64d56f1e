//! Assets: create, read, update, delete, list, map and history.

use crate::rows::{bind_asset, AssetRow, AssetValues, ASSET_COLUMNS, INSERT_COLUMNS};
use crate::{on_pool, on_tx, Backend, Result, Store, StoreError, Tx};
use rampart_core::{Asset, AssetId, BBox, Category, CountryCode, Invalid, Kind, OrgId, Scope, Sector};
use serde_json::{json, Map, Value};

/// An asset as stored: the value plus its version and last change.
#[derive(Debug, Clone, PartialEq)]
pub struct StoredAsset {
    pub asset: Asset,
    /// Starts at 1, grows by one with every update (optimistic concurrency).
    pub version: i64,
    pub updated_at: i64,
    pub updated_by: String,
}

/// Filters of an asset list; all given ones must hold.
#[derive(Debug, Clone, Default)]
pub struct AssetFilter {
    pub sector: Option<Sector>,
    pub kind: Option<Kind>,
    pub country: Option<CountryCode>,
    pub category: Option<Category>,
    pub operator: Option<OrgId>,
    pub bbox: Option<BBox>,
    /// Case-insensitive substring of the name or the id.
    pub text: Option<String>,
    /// Assets whose representative point (point or polygon centroid) lies inside this
    /// polygon. The polygon's bounding box goes through the spatial index; the exact
    /// test runs on the candidates.
    pub within: Option<geo::Polygon<f64>>,
}

impl AssetFilter {
    /// The box the spatial index is asked for: `bbox`, narrowed to `within`'s box.
    fn index_box(&self) -> Option<BBox> {
        use geo::BoundingRect;
        let poly = self.within.as_ref().and_then(|p| p.bounding_rect()).map(|r| BBox {
            min_lon: r.min().x,
            min_lat: r.min().y,
            max_lon: r.max().x,
            max_lat: r.max().y,
        });
        match (self.bbox, poly) {
            (Some(a), Some(b)) => Some(BBox {
                min_lon: a.min_lon.max(b.min_lon),
                min_lat: a.min_lat.max(b.min_lat),
                max_lon: a.max_lon.min(b.max_lon),
                max_lat: a.max_lat.min(b.max_lat),
            }),
            (a, b) => a.or(b),
        }
    }

    fn keeps(&self, lon: f64, lat: f64) -> bool {
        use geo::Intersects;
        self.within.as_ref().is_none_or(|p| p.intersects(&geo::Point::new(lon, lat)))
    }
}

#[derive(Debug, Clone, PartialEq)]
pub struct Page<T> {
    pub items: Vec<T>,
    /// Pass back to get the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

impl<T> Page<T> {
    /// A page from up to `limit + 1` rows: the extra row only says there is more.
    pub(crate) fn of(mut items: Vec<T>, limit: u32, cursor: impl Fn(&T) -> String) -> Page<T> {
        let next_cursor = if items.len() > limit as usize {
            items.truncate(limit as usize);
            items.last().map(cursor)
        } else {
            None
        };
        Page { items, next_cursor }
    }
}

/// One entry of an asset's change history.
#[derive(Debug, Clone, PartialEq)]
pub struct HistoryEntry {
    pub at: i64,
    pub actor: String,
    pub action: String,
    /// `{"field": {"from": old, "to": new}}` for every changed field.
    pub changes: Value,
}

/// What a map shows for an area: single assets, or counts per grid cell when the
/// area holds more than the caller wants to draw.
#[derive(Debug, Clone, PartialEq)]
pub enum MapItem {
    Asset {
        id: String,
        name: String,
        kind: String,
        sector: Option<String>,
        subsector: Option<String>,
        category: Option<String>,
        country: String,
        lon: f64,
        lat: f64,
    },
    Cluster(Cluster),
}

#[derive(Debug, Clone, PartialEq)]
pub struct Cluster {
    pub count: i64,
    pub lon: f64,
    pub lat: f64,
}

pub(crate) enum Param {
    Text(String),
    Real(f64),
}

/// Binds collected parameters in order.
macro_rules! bind_params {
    ($q:expr, $params:expr) => {{
        let mut q = $q;
        for p in $params {
            q = match p {
                Param::Text(s) => q.bind(s.clone()),
                Param::Real(f) => q.bind(*f),
            };
        }
        q
    }};
}

impl Store {
    /// `WHERE` conditions for a filter within a scope; parameters are appended.
    fn conditions(&self, f: &AssetFilter, scope: &Scope, params: &mut Vec<Param>) -> Vec<String> {
        let mut conds = Vec::new();
        let eq = |column: &str, value: String, params: &mut Vec<Param>, conds: &mut Vec<String>| {
            params.push(Param::Text(value));
            conds.push(format!("{column} = ${}", params.len()));
        };
        match scope {
            Scope::All => {}
            Scope::Country(c) => eq("country", c.to_string(), params, &mut conds),
            Scope::Operator(o) => eq("operator_id", o.to_string(), params, &mut conds),
            Scope::Nothing => conds.push("1 = 0".into()),
        }
        if let Some(s) = f.sector {
            eq("sector", s.key().into(), params, &mut conds);
        }
        if let Some(k) = f.kind {
            eq("kind", k.key().into(), params, &mut conds);
        }
        if let Some(c) = f.country {
            eq("country", c.to_string(), params, &mut conds);
        }
        if let Some(c) = f.category {
            eq("category", c.key().into(), params, &mut conds);
        }
        if let Some(o) = &f.operator {
            eq("operator_id", o.to_string(), params, &mut conds);
        }
        if let Some(t) = f.text.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            let escaped = t.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
            params.push(Param::Text(format!("%{escaped}%")));
            let n = params.len();
            conds.push(format!("(lower(name) LIKE ${n} ESCAPE '\\' OR lower(id) LIKE ${n} ESCAPE '\\')"));
        }
        if let Some(b) = f.index_box() {
            let first = params.len() + 1;
            for v in [b.min_lon, b.min_lat, b.max_lon, b.max_lat] {
                params.push(Param::Real(v));
            }
            let (a, b_, c, d) = (first, first + 1, first + 2, first + 3);
            conds.push(match self.backend() {
                // The R*Tree answers the overlap test; the join key is the integer rowid.
                Backend::Sqlite => format!(
                    "rid IN (SELECT rid FROM assets_rtree WHERE max_lon >= ${a} AND min_lon <= ${c} AND max_lat >= ${b_} AND min_lat <= ${d})"
                ),
                // The expression matches the GiST index `assets_bbox`.
                Backend::Postgres => format!(
                    "box(point(min_lon, min_lat), point(max_lon, max_lat)) && box(point(${a}, ${b_}), point(${c}, ${d}))"
                ),
            });
        }
        conds
    }

    fn where_sql(conds: &[String]) -> String {
        if conds.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", conds.join(" AND "))
        }
    }

    pub async fn get_asset(&self, id: &AssetId) -> Result<Option<StoredAsset>> {
        let sql = format!("SELECT {ASSET_COLUMNS} FROM assets WHERE id = $1");
        let row: Option<AssetRow> =
            on_pool!(self, p => sqlx::query_as(&sql).bind(id.as_str()).fetch_optional(p).await?);
        row.map(StoredAsset::try_from).transpose()
    }

    /// Lists assets in id order, `limit` at a time, after `cursor` (an asset id).
    pub async fn list_assets(&self, f: &AssetFilter, scope: &Scope, limit: u32, cursor: Option<&str>) -> Result<Page<StoredAsset>> {
        if f.within.is_some() {
            return self.list_within(f, scope, limit, cursor).await;
        }
        self.list_sql(f, scope, limit, cursor).await
    }

    /// One page of the SQL filter (everything but `within`).
    async fn list_sql(&self, f: &AssetFilter, scope: &Scope, limit: u32, cursor: Option<&str>) -> Result<Page<StoredAsset>> {
        let mut params = Vec::new();
        let mut conds = self.conditions(f, scope, &mut params);
        if let Some(c) = cursor {
            params.push(Param::Text(c.to_string()));
            conds.push(format!("id > ${}", params.len()));
        }
        let sql = format!("SELECT {ASSET_COLUMNS} FROM assets{} ORDER BY id LIMIT {}", Self::where_sql(&conds), limit + 1);
        let rows: Vec<AssetRow> = on_pool!(self, p => bind_params!(sqlx::query_as(&sql), &params).fetch_all(p).await?);
        let items = rows.into_iter().map(StoredAsset::try_from).collect::<Result<Vec<_>>>()?;
        Ok(Page::of(items, limit, |a| a.asset.id.to_string()))
    }

    /// Pages through the index's candidates and keeps those inside the polygon.
    async fn list_within(&self, f: &AssetFilter, scope: &Scope, limit: u32, cursor: Option<&str>) -> Result<Page<StoredAsset>> {
        let mut kept: Vec<StoredAsset> = Vec::new();
        let mut after = cursor.map(str::to_string);
        let candidates = AssetFilter { within: None, bbox: f.index_box(), ..f.clone() };
        loop {
            let page = self.list_sql(&candidates, scope, 1000, after.as_deref()).await?;
            for a in page.items {
                let (lon, lat) = a.asset.geometry.centroid();
                if f.keeps(lon, lat) {
                    kept.push(a);
                }
            }
            if kept.len() > limit as usize {
                kept.truncate(limit as usize);
                let next_cursor = kept.last().map(|a| a.asset.id.to_string());
                return Ok(Page { items: kept, next_cursor });
            }
            match page.next_cursor {
                Some(c) => after = Some(c),
                None => return Ok(Page { items: kept, next_cursor: None }),
            }
        }
    }

    pub async fn count_assets(&self, f: &AssetFilter, scope: &Scope) -> Result<i64> {
        if f.within.is_some() {
            return Ok(self.points(f, scope).await?.len() as i64);
        }
        let mut params = Vec::new();
        let conds = self.conditions(f, scope, &mut params);
        let sql = format!("SELECT count(*) FROM assets{}", Self::where_sql(&conds));
        let n: i64 = on_pool!(self, p => bind_params!(sqlx::query_scalar(&sql), &params).fetch_one(p).await?);
        Ok(n)
    }

    /// What to draw for `f.bbox`: the assets themselves when there are at most
    /// `max_points`, else counts on a `grid` × `grid` raster of the box.
    pub async fn map_items(&self, f: &AssetFilter, scope: &Scope, max_points: i64, grid: u32) -> Result<Vec<MapItem>> {
        if f.within.is_some() {
            let points = self.points(f, scope).await?;
            if points.len() as i64 <= max_points {
                return Ok(points);
            }
            return Ok(cluster(&points, f.index_box(), grid));
        }
        let total = self.count_assets(f, scope).await?;
        let mut params = Vec::new();
        let conds = self.conditions(f, scope, &mut params);
        let where_sql = Self::where_sql(&conds);
        if total <= max_points {
            let sql = format!(
                "SELECT id, name, kind, sector, subsector, category, country, lon, lat FROM assets{where_sql} ORDER BY id"
            );
            type Row = (String, String, String, Option<String>, Option<String>, Option<String>, String, f64, f64);
            let rows: Vec<Row> = on_pool!(self, p => bind_params!(sqlx::query_as(&sql), &params).fetch_all(p).await?);
            return Ok(rows
                .into_iter()
                .map(|(id, name, kind, sector, subsector, category, country, lon, lat)| MapItem::Asset {
                    id, name, kind, sector, subsector, category, country, lon, lat,
                })
                .collect());
        }
        let b = f.bbox.unwrap_or(BBox { min_lon: -180.0, min_lat: -90.0, max_lon: 180.0, max_lat: 90.0 });
        let cell_lon = ((b.max_lon - b.min_lon) / f64::from(grid.max(1))).max(1e-6);
        let cell_lat = ((b.max_lat - b.min_lat) / f64::from(grid.max(1))).max(1e-6);
        // Grid cell numbers; floor() differs between the dialects.
        let cell = |col: &str, origin: f64, size: f64| match self.backend() {
            Backend::Sqlite => format!("CAST(({col} - ({origin})) / {size} AS INTEGER)"),
            Backend::Postgres => format!("CAST(floor(({col} - ({origin})) / {size}) AS BIGINT)"),
        };
        // A cell with one asset is that asset: the min() of one row is its value.
        let sql = format!(
            "SELECT count(*), avg(lon), avg(lat), min(id), min(name), min(kind), min(sector), min(subsector), min(category), min(country)
             FROM assets{where_sql} GROUP BY {}, {}",
            cell("lon", b.min_lon, cell_lon),
            cell("lat", b.min_lat, cell_lat)
        );
        type Row = (i64, f64, f64, String, String, String, Option<String>, Option<String>, Option<String>, String);
        let rows: Vec<Row> = on_pool!(self, p => bind_params!(sqlx::query_as(&sql), &params).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(count, lon, lat, id, name, kind, sector, subsector, category, country)| match count {
                1 => MapItem::Asset { id, name, kind, sector, subsector, category, country, lon, lat },
                _ => MapItem::Cluster(Cluster { count, lon, lat }),
            })
            .collect())
    }

    /// The map points of every asset the filter selects (exact polygon test in Rust).
    async fn points(&self, f: &AssetFilter, scope: &Scope) -> Result<Vec<MapItem>> {
        let mut params = Vec::new();
        let conds = self.conditions(f, scope, &mut params);
        let sql = format!(
            "SELECT id, name, kind, sector, subsector, category, country, lon, lat FROM assets{} ORDER BY id",
            Self::where_sql(&conds)
        );
        type Row = (String, String, String, Option<String>, Option<String>, Option<String>, String, f64, f64);
        let rows: Vec<Row> = on_pool!(self, p => bind_params!(sqlx::query_as(&sql), &params).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .filter(|r| f.keeps(r.7, r.8))
            .map(|(id, name, kind, sector, subsector, category, country, lon, lat)| MapItem::Asset {
                id, name, kind, sector, subsector, category, country, lon, lat,
            })
            .collect())
    }

    async fn check_operator(tx: &mut Tx, asset: &Asset) -> Result<()> {
        if let Some(op) = &asset.operator_id {
            let found: Option<i32> = on_tx!(tx, c => sqlx::query_scalar("SELECT 1 FROM organisations WHERE id = $1")
                .bind(op.as_str()).fetch_optional(c).await?);
            if found.is_none() {
                return Err(StoreError::Invalid(Invalid::one("operator_id", format!("no organisation with id {:?}", op.as_str()))));
            }
        }
        Ok(())
    }

    pub async fn create_asset(&self, asset: &Asset, actor: &str, now: i64) -> Result<StoredAsset> {
        let mut tx = self.begin().await?;
        Self::check_operator(&mut tx, asset).await?;
        let v = AssetValues::of(asset);
        let placeholders: Vec<String> = (1..=23).map(|i| format!("${i}")).collect();
        let sql = format!("INSERT INTO assets ({INSERT_COLUMNS}) VALUES ({})", placeholders.join(", "));
        on_tx!(&mut tx, c => bind_asset!(sqlx::query(&sql), v).bind(1i64).bind(now).bind(actor).execute(c).await.map(|r| r.rows_affected()))
            .map_err(|e| StoreError::unique(e, || format!("an asset with id {:?} already exists", asset.id.as_str())))?;
        let changes = diff(&Map::new(), &asset.to_json());
        record(&mut tx, asset.id.as_str(), now, actor, "create", &changes).await?;
        crate::audit::record_audit(&mut tx, crate::NewAuditEntry { at: now, actor, action: crate::AuditAction::Create, object_kind: "asset", object_id: asset.id.as_str(), detail: serde_json::json!({"name": asset.name}) }).await?;
        tx.commit().await?;
        Ok(StoredAsset { asset: asset.clone(), version: 1, updated_at: now, updated_by: actor.to_string() })
    }

    /// Takes the row's write lock first, so the read that follows is current on
    /// both backends (SQLite upgrades the transaction to a writer here).
    async fn lock_asset(tx: &mut Tx, id: &AssetId) -> Result<StoredAsset> {
        let n = on_tx!(tx, c => sqlx::query("UPDATE assets SET version = version WHERE id = $1")
            .bind(id.as_str()).execute(c).await?.rows_affected());
        if n == 0 {
            return Err(StoreError::NotFound(format!("asset {id}")));
        }
        let sql = format!("SELECT {ASSET_COLUMNS} FROM assets WHERE id = $1");
        let row: AssetRow = on_tx!(tx, c => sqlx::query_as(&sql).bind(id.as_str()).fetch_one(c).await?);
        StoredAsset::try_from(row)
    }

    /// Replaces an asset. With `expected_version`, a concurrent change since that
    /// version is a conflict. `allowed` sees the current value before anything
    /// changes, so callers can refuse without revealing or touching it.
    pub async fn update_asset(
        &self,
        asset: &Asset,
        expected_version: Option<i64>,
        allowed: impl FnOnce(&StoredAsset) -> Result<()>,
        actor: &str,
        now: i64,
    ) -> Result<StoredAsset> {
        let mut tx = self.begin().await?;
        let old = Self::lock_asset(&mut tx, &asset.id).await?;
        allowed(&old)?;
        if let Some(v) = expected_version {
            if v != old.version {
                return Err(StoreError::Conflict(format!(
                    "asset {} was changed by {} (now version {}, you edited version {v}); reload it and edit again",
                    asset.id, old.updated_by, old.version
                )));
            }
        }
        let changes = diff(&old.asset.to_json(), &asset.to_json());
        if changes.is_empty() {
            return Ok(old);
        }
        Self::check_operator(&mut tx, asset).await?;
        let v = AssetValues::of(asset);
        let sets: Vec<String> =
            INSERT_COLUMNS.split(", ").enumerate().skip(1).map(|(i, c)| format!("{} = ${}", c.trim(), i + 1)).collect();
        let sql = format!("UPDATE assets SET {} WHERE id = $1", sets.join(", "));
        let version = old.version + 1;
        on_tx!(&mut tx, c => bind_asset!(sqlx::query(&sql), v).bind(version).bind(now).bind(actor).execute(c).await?.rows_affected());
        record(&mut tx, asset.id.as_str(), now, actor, "update", &changes).await?;
        crate::audit::record_audit(&mut tx, crate::NewAuditEntry { at: now, actor, action: crate::AuditAction::Change, object_kind: "asset", object_id: asset.id.as_str(), detail: serde_json::json!({"version": version, "fields": changes.keys().collect::<Vec<_>>()}) }).await?;
        tx.commit().await?;
        Ok(StoredAsset { asset: asset.clone(), version, updated_at: now, updated_by: actor.to_string() })
    }

    /// Deletes an asset with its dependencies and links.
    pub async fn delete_asset(
        &self,
        id: &AssetId,
        allowed: impl FnOnce(&StoredAsset) -> Result<()>,
        actor: &str,
        now: i64,
    ) -> Result<()> {
        let mut tx = self.begin().await?;
        let old = Self::lock_asset(&mut tx, id).await?;
        allowed(&old)?;
        on_tx!(&mut tx, c => sqlx::query("DELETE FROM assets WHERE id = $1").bind(id.as_str()).execute(c).await?.rows_affected());
        let changes = diff(&old.asset.to_json(), &Map::new());
        record(&mut tx, id.as_str(), now, actor, "delete", &changes).await?;
        crate::audit::record_audit(&mut tx, crate::NewAuditEntry { at: now, actor, action: crate::AuditAction::Delete, object_kind: "asset", object_id: id.as_str(), detail: serde_json::json!({"name": old.asset.name}) }).await?;
        tx.commit().await
    }

    /// The asset's history, newest first.
    pub async fn asset_history(&self, id: &AssetId, limit: u32) -> Result<Vec<HistoryEntry>> {
        let rows: Vec<(i64, String, String, String)> = on_pool!(self, p => sqlx::query_as(
            "SELECT at, actor, action, changes FROM asset_history WHERE asset_id = $1 ORDER BY id DESC LIMIT $2")
            .bind(id.as_str()).bind(i64::from(limit)).fetch_all(p).await?);
        Ok(rows
            .into_iter()
            .map(|(at, actor, action, changes)| HistoryEntry {
                at,
                actor,
                action,
                changes: serde_json::from_str(&changes).unwrap_or(Value::Null),
            })
            .collect())
    }
}

/// Counts points on a `grid` × `grid` raster of `b`, like the SQL path of `map_items`.
fn cluster(points: &[MapItem], b: Option<BBox>, grid: u32) -> Vec<MapItem> {
    let b = b.unwrap_or(BBox { min_lon: -180.0, min_lat: -90.0, max_lon: 180.0, max_lat: 90.0 });
    let g = f64::from(grid.max(1));
    let (w, h) = (((b.max_lon - b.min_lon) / g).max(1e-6), ((b.max_lat - b.min_lat) / g).max(1e-6));
    let mut cells: std::collections::BTreeMap<(i64, i64), (i64, f64, f64, &MapItem)> = Default::default();
    for p in points {
        if let MapItem::Asset { lon, lat, .. } = p {
            let key = (((lon - b.min_lon) / w).floor() as i64, ((lat - b.min_lat) / h).floor() as i64);
            let c = cells.entry(key).or_insert((0, 0.0, 0.0, p));
            *c = (c.0 + 1, c.1 + lon, c.2 + lat, c.3);
        }
    }
    cells
        .into_values()
        .map(|(count, lon, lat, first)| match count {
            1 => first.clone(),
            _ => MapItem::Cluster(Cluster { count, lon: lon / count as f64, lat: lat / count as f64 }),
        })
        .collect()
}

/// `{"field": {"from": a, "to": b}}` for every field that differs.
pub(crate) fn diff(old: &Map<String, Value>, new: &Map<String, Value>) -> Map<String, Value> {
    let mut out = Map::new();
    for field in Asset::FIELDS {
        let (a, b) = (old.get(field).unwrap_or(&Value::Null), new.get(field).unwrap_or(&Value::Null));
        if a != b {
            out.insert(field.to_string(), json!({"from": a, "to": b}));
        }
    }
    out
}

pub(crate) async fn record(tx: &mut Tx, id: &str, now: i64, actor: &str, action: &str, changes: &Map<String, Value>) -> Result<()> {
    let changes = Value::Object(changes.clone()).to_string();
    on_tx!(tx, c => sqlx::query("INSERT INTO asset_history (asset_id, at, actor, action, changes) VALUES ($1, $2, $3, $4, $5)")
        .bind(id).bind(now).bind(actor).bind(action).bind(changes).execute(c).await?.rows_affected());
    Ok(())
}
