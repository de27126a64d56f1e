//! Export of the registry, page by page: one GeoJSON FeatureCollection, or four
//! CSV files. Both read back into the same registry with [`crate::import`].

use crate::csv::Table;
use crate::geojson::{asset_feature, dependency_feature, link_feature};
use rampart_core::{Asset, Geometry, Organisation, Scope};
use rampart_store::{AssetFilter, Store, StoreError, StoredDependency, StoredLink};
use serde_json::Value;
use std::collections::HashMap;
use std::io::Write;
use std::path::Path;

/// Rows per page read from the store.
const PAGE: u32 = 2_000;

/// Which part of the registry to export: the assets a filter selects within a
/// reader's scope, the dependencies and links among them, and all organisations
/// (reference data, needed to import the assets again).
#[derive(Debug, Clone)]
pub struct ExportScope {
    pub filter: AssetFilter,
    pub scope: Scope,
}

impl ExportScope {
    pub fn all() -> ExportScope {
        ExportScope { filter: AssetFilter::default(), scope: Scope::All }
    }
}

/// What an export wrote.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct ExportCounts {
    pub organisations: u64,
    pub assets: u64,
    pub dependencies: u64,
    pub links: u64,
}

#[derive(Debug, thiserror::Error)]
pub enum ExportError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error("{file}: cannot write: {source}")]
    Io { file: String, source: std::io::Error },
}

fn io(file: &str) -> impl Fn(std::io::Error) -> ExportError + '_ {
    move |source| ExportError::Io { file: file.to_string(), source }
}

async fn organisations(store: &Store) -> Result<Vec<Organisation>, StoreError> {
    let mut orgs = store.list_organisations().await?;
    orgs.sort_by(|a, b| a.id.cmp(&b.id));
    Ok(orgs)
}

/// Pages through the selected assets, calling `each` for every one.
pub(crate) async fn each_asset(store: &Store, what: &ExportScope, mut each: impl FnMut(&Asset) -> Result<(), ExportError>) -> Result<(), ExportError> {
    let mut cursor: Option<String> = None;
    loop {
        let page = store.list_assets(&what.filter, &what.scope, PAGE, cursor.as_deref()).await?;
        for a in &page.items {
            each(&a.asset)?;
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return Ok(()),
        }
    }
}

pub(crate) async fn each_dependency(store: &Store, mut each: impl FnMut(&StoredDependency) -> Result<(), ExportError>) -> Result<(), ExportError> {
    let mut after = None;
    loop {
        let page = store.list_dependencies(None, PAGE, after).await?;
        for d in &page.items {
            each(d)?;
        }
        match page.items.last() {
            Some(last) if page.next_cursor.is_some() => after = Some(last.id),
            _ => return Ok(()),
        }
    }
}

pub(crate) async fn each_link(store: &Store, mut each: impl FnMut(&StoredLink) -> Result<(), ExportError>) -> Result<(), ExportError> {
    let mut after = None;
    loop {
        let page = store.list_links(None, PAGE, after).await?;
        for l in &page.items {
            each(l)?;
        }
        match page.items.last() {
            Some(last) if page.next_cursor.is_some() => after = Some(last.id),
            _ => return Ok(()),
        }
    }
}

/// Writes one FeatureCollection: organisations in the foreign member
/// `"organisations"` (first, so a streaming reader has them before the assets),
/// then one feature per line: assets in id order, dependencies, network links.
pub async fn export_geojson(store: &Store, what: &ExportScope, out: &mut (impl Write + Send)) -> Result<ExportCounts, ExportError> {
    let file = "GeoJSON output";
    let mut counts = ExportCounts::default();
    out.write_all(b"{\"type\":\"FeatureCollection\",\"organisations\":[").map_err(io(file))?;
    for (i, o) in organisations(store).await?.iter().enumerate() {
        let sep = if i == 0 { "\n" } else { ",\n" };
        write!(out, "{sep}{}", o.to_json()).map_err(io(file))?;
        counts.organisations += 1;
    }
    out.write_all(b"\n],\"features\":[").map_err(io(file))?;
    // The position of every exported asset, for the lines of dependencies and links.
    let mut anchors: HashMap<String, (f64, f64)> = HashMap::new();
    let mut first = true;
    let mut feature = |out: &mut dyn Write, v: &Value| -> Result<(), ExportError> {
        let sep = if first { "\n" } else { ",\n" };
        first = false;
        write!(out, "{sep}{v}").map_err(io(file))
    };
    each_asset(store, what, |a| {
        anchors.insert(a.id.to_string(), a.geometry.centroid());
        counts.assets += 1;
        feature(out, &asset_feature(a))
    })
    .await?;
    each_dependency(store, |d| {
        let d = &d.dependency;
        let (s, t) = (anchors.get(d.supplier.as_str()), anchors.get(d.dependent.as_str()));
        if s.is_none() || t.is_none() {
            return Ok(());
        }
        counts.dependencies += 1;
        feature(out, &dependency_feature(d, s.copied(), t.copied()))
    })
    .await?;
    each_link(store, |l| {
        let l = &l.link;
        let (a, b) = (anchors.get(l.from.as_str()), anchors.get(l.to.as_str()));
        if a.is_none() || b.is_none() {
            return Ok(());
        }
        counts.links += 1;
        feature(out, &link_feature(l, a.copied(), b.copied()))
    })
    .await?;
    out.write_all(b"\n]}\n").map_err(io(file))?;
    out.flush().map_err(io(file))?;
    Ok(counts)
}

/// A number as CSV text: the shortest form that reads back to the same value.
fn num<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|n| n.to_string()).unwrap_or_default()
}

fn text<T: std::fmt::Display>(v: Option<T>) -> String {
    v.map(|t| t.to_string()).unwrap_or_default()
}

/// One asset as the cells of [`crate::csv::ASSET_COLUMNS`]: points in `lon`/`lat`, polygons
/// as GeoJSON in `geometry`, attributes as a JSON object (empty when none).
fn asset_row(a: &Asset) -> Vec<String> {
    let (lon, lat, geometry) = match &a.geometry {
        Geometry::Point { lon, lat } => (lon.to_string(), lat.to_string(), String::new()),
        g @ Geometry::Polygon(_) => (String::new(), String::new(), g.to_geojson().to_string()),
    };
    let attributes = if a.attributes.is_empty() { String::new() } else { Value::Object(a.attributes.clone()).to_string() };
    vec![
        a.id.to_string(),
        a.name.clone(),
        a.kind.key().to_string(),
        text(a.sector),
        text(a.subsector),
        text(a.category),
        lon,
        lat,
        geometry,
        a.country.to_string(),
        text(a.operator_id.as_ref()),
        num(a.people_served),
        num(a.peak_occupancy),
        num(a.value_per_day),
        num(a.restoration_hours),
        attributes,
    ]
}

/// Writes `organisations.csv`, `assets.csv`, `dependencies.csv` and `links.csv`
/// into `dir` (which must exist), with the columns of docs/formats.md.
pub async fn export_csv(store: &Store, what: &ExportScope, dir: &Path) -> Result<ExportCounts, ExportError> {
    let mut counts = ExportCounts::default();
    let open = |t: Table| -> Result<(::csv::Writer<std::fs::File>, String), ExportError> {
        let path = dir.join(t.file_name());
        let name = path.display().to_string();
        let mut w = ::csv::Writer::from_path(&path).map_err(|e| ExportError::Io { file: name.clone(), source: e.into() })?;
        w.write_record(t.columns()).map_err(|e| ExportError::Io { file: name.clone(), source: e.into() })?;
        Ok((w, name))
    };
    let csv_err = |name: &str| {
        let name = name.to_string();
        move |e: ::csv::Error| ExportError::Io { file: name.clone(), source: e.into() }
    };

    let (mut w, name) = open(Table::Organisations)?;
    for o in organisations(store).await? {
        w.write_record([o.id.to_string(), o.name.clone(), o.kind.key().to_string(), text(o.country)]).map_err(csv_err(&name))?;
        counts.organisations += 1;
    }
    w.flush().map_err(io(&name))?;

    let (mut w, name) = open(Table::Assets)?;
    let mut exported = std::collections::HashSet::new();
    each_asset(store, what, |a| {
        exported.insert(a.id.to_string());
        counts.assets += 1;
        w.write_record(asset_row(a)).map_err(csv_err(&name))
    })
    .await?;
    w.flush().map_err(io(&name))?;

    let (mut w, name) = open(Table::Dependencies)?;
    each_dependency(store, |d| {
        let d = &d.dependency;
        if !exported.contains(d.supplier.as_str()) || !exported.contains(d.dependent.as_str()) {
            return Ok(());
        }
        counts.dependencies += 1;
        let row = [d.supplier.to_string(), d.dependent.to_string(), d.service.key().to_string(), d.k.to_string(), d.n.to_string(), d.buffer_hours.to_string()];
        w.write_record(row).map_err(csv_err(&name))
    })
    .await?;
    w.flush().map_err(io(&name))?;

    let (mut w, name) = open(Table::Links)?;
    each_link(store, |l| {
        let l = &l.link;
        if !exported.contains(l.from.as_str()) || !exported.contains(l.to.as_str()) {
            return Ok(());
        }
        counts.links += 1;
        let row = [l.network.key().to_string(), l.from.to_string(), l.to.to_string(), num(l.capacity), num(l.length_km)];
        w.write_record(row).map_err(csv_err(&name))
    })
    .await?;
    w.flush().map_err(io(&name))?;
    Ok(counts)
}
