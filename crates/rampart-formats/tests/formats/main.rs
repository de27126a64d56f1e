//! The import/export story of Rampart's registry files, in one test binary.

mod cap;
mod errors;
mod osm;
mod story;

use rampart_core::Scope;
use rampart_formats::{import, Format, ImportError, ImportOptions, ImportReport, NoProgress, Source, Table};
use rampart_store::{AssetFilter, Store};
use serde_json::{json, Value};

pub fn geojson(name: &str, v: &Value) -> Source {
    Source::bytes(name, v.to_string().into_bytes(), Format::GeoJson)
}

pub fn geojson_text(name: &str, text: &str) -> Source {
    Source::bytes(name, text.as_bytes().to_vec(), Format::GeoJson)
}

pub fn csv(name: &str, table: Table, text: &str) -> Source {
    Source::bytes(name, text.as_bytes().to_vec(), Format::Csv(table))
}

pub fn opts() -> ImportOptions {
    ImportOptions::new("importer", 1_700_000_000_000)
}

pub async fn run(store: &Store, sources: &[Source]) -> Result<ImportReport, ImportError> {
    import(store, sources, &opts(), &NoProgress).await
}

/// The problems of an import that must fail, one line each.
pub async fn problems(store: &Store, sources: &[Source]) -> Vec<String> {
    match run(store, sources).await {
        Ok(r) => panic!("expected the import to fail, it wrote {r}"),
        Err(ImportError::Invalid { issues, .. }) => issues.iter().map(ToString::to_string).collect(),
        Err(e) => panic!("expected invalid input, got {e}"),
    }
}

pub async fn count(store: &Store) -> i64 {
    store.count_assets(&AssetFilter::default(), &Scope::All).await.expect("count")
}

pub fn point(lon: f64, lat: f64) -> Value {
    json!({"type": "Point", "coordinates": [lon, lat]})
}

/// A feature of an energy asset at a point.
pub fn asset(id: &str, lon: f64, lat: f64) -> Value {
    json!({"type": "Feature", "id": id, "geometry": point(lon, lat),
           "properties": {"name": format!("Asset {id}"), "sector": "energy", "subsector": "electricity", "country": "FI"}})
}

pub fn collection(features: Vec<Value>) -> Value {
    json!({"type": "FeatureCollection", "features": features})
}
