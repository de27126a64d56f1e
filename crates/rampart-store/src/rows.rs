//! Rows as the database returns them, and their conversion to domain values.

use crate::{StoreError, StoredAsset};
use rampart_core::{Asset, Invalid};
use serde_json::{Map, Value};

pub(crate) const ASSET_COLUMNS: &str = "id, name, kind, sector, subsector, category, country, operator_id, geometry, \
    people_served, peak_occupancy, value_per_day, restoration_hours, attributes, version, updated_at, updated_by";

#[derive(sqlx::FromRow)]
pub(crate) struct AssetRow {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub sector: Option<String>,
    pub subsector: Option<String>,
    pub category: Option<String>,
    pub country: String,
    pub operator_id: Option<String>,
    pub geometry: String,
    pub people_served: Option<i64>,
    pub peak_occupancy: Option<i64>,
    pub value_per_day: Option<f64>,
    pub restoration_hours: Option<f64>,
    pub attributes: String,
    pub version: i64,
    pub updated_at: i64,
    pub updated_by: String,
}

fn corrupt(id: &str, e: impl std::fmt::Display) -> StoreError {
    StoreError::Invalid(Invalid::one("", format!("stored asset {id} does not parse: {e}")))
}

impl TryFrom<AssetRow> for StoredAsset {
    type Error = StoreError;

    /// Stored rows went through the same parser on the way in; a failure here means
    /// the database was edited by hand.
    fn try_from(r: AssetRow) -> Result<Self, StoreError> {
        let geometry: Value = serde_json::from_str(&r.geometry).map_err(|e| corrupt(&r.id, e))?;
        let attributes: Value = serde_json::from_str(&r.attributes).map_err(|e| corrupt(&r.id, e))?;
        let mut obj = Map::new();
        obj.insert("id".into(), Value::from(r.id.clone()));
        obj.insert("name".into(), Value::from(r.name));
        obj.insert("kind".into(), Value::from(r.kind));
        obj.insert("sector".into(), r.sector.map(Value::from).unwrap_or(Value::Null));
        obj.insert("subsector".into(), r.subsector.map(Value::from).unwrap_or(Value::Null));
        obj.insert("category".into(), r.category.map(Value::from).unwrap_or(Value::Null));
        obj.insert("country".into(), Value::from(r.country));
        obj.insert("operator_id".into(), r.operator_id.map(Value::from).unwrap_or(Value::Null));
        obj.insert("geometry".into(), geometry);
        obj.insert("people_served".into(), r.people_served.map(Value::from).unwrap_or(Value::Null));
        obj.insert("peak_occupancy".into(), r.peak_occupancy.map(Value::from).unwrap_or(Value::Null));
        obj.insert("value_per_day".into(), r.value_per_day.map(Value::from).unwrap_or(Value::Null));
        obj.insert("restoration_hours".into(), r.restoration_hours.map(Value::from).unwrap_or(Value::Null));
        obj.insert("attributes".into(), attributes);
        let asset = Asset::from_json(&obj).map_err(|e| corrupt(&r.id, e))?;
        Ok(StoredAsset { asset, version: r.version, updated_at: r.updated_at, updated_by: r.updated_by })
    }
}

/// The column values of an asset, in the order of [`INSERT_COLUMNS`].
pub(crate) struct AssetValues {
    pub id: String,
    pub name: String,
    pub kind: &'static str,
    pub sector: Option<&'static str>,
    pub subsector: Option<&'static str>,
    pub category: Option<&'static str>,
    pub country: String,
    pub operator_id: Option<String>,
    pub geometry: String,
    pub lon: f64,
    pub lat: f64,
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
    pub people_served: Option<i64>,
    pub peak_occupancy: Option<i64>,
    pub value_per_day: Option<f64>,
    pub restoration_hours: Option<f64>,
    pub attributes: String,
}

pub(crate) const INSERT_COLUMNS: &str = "id, name, kind, sector, subsector, category, country, operator_id, geometry, \
    lon, lat, min_lon, min_lat, max_lon, max_lat, people_served, peak_occupancy, value_per_day, restoration_hours, \
    attributes, version, updated_at, updated_by";

impl AssetValues {
    pub fn of(a: &Asset) -> AssetValues {
        let (lon, lat) = a.geometry.centroid();
        let b = a.geometry.bbox();
        AssetValues {
            id: a.id.to_string(),
            name: a.name.clone(),
            kind: a.kind.key(),
            sector: a.sector.map(|s| s.key()),
            subsector: a.subsector.map(|s| s.key()),
            category: a.category.map(|s| s.key()),
            country: a.country.to_string(),
            operator_id: a.operator_id.as_ref().map(|o| o.to_string()),
            geometry: a.geometry.to_geojson().to_string(),
            lon,
            lat,
            min_lon: b.min_lon,
            min_lat: b.min_lat,
            max_lon: b.max_lon,
            max_lat: b.max_lat,
            people_served: a.people_served.map(|v| v.min(i64::MAX as u64) as i64),
            peak_occupancy: a.peak_occupancy.map(|v| v.min(i64::MAX as u64) as i64),
            value_per_day: a.value_per_day,
            restoration_hours: a.restoration_hours,
            attributes: Value::Object(a.attributes.clone()).to_string(),
        }
    }
}

/// Binds an [`AssetValues`] onto a query in column order (without the trailing
/// version / updated_at / updated_by, which the caller binds).
macro_rules! bind_asset {
    ($q:expr, $v:expr) => {
        $q.bind($v.id.clone())
            .bind($v.name.clone())
            .bind($v.kind)
            .bind($v.sector)
            .bind($v.subsector)
            .bind($v.category)
            .bind($v.country.clone())
            .bind($v.operator_id.clone())
            .bind($v.geometry.clone())
            .bind($v.lon)
            .bind($v.lat)
            .bind($v.min_lon)
            .bind($v.min_lat)
            .bind($v.max_lon)
            .bind($v.max_lat)
            .bind($v.people_served)
            .bind($v.peak_occupancy)
            .bind($v.value_per_day)
            .bind($v.restoration_hours)
            .bind($v.attributes.clone())
    };
}
pub(crate) use bind_asset;
