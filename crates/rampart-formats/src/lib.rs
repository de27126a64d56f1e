//! Rampart's import and export: GeoJSON, CSV and OpenStreetMap PBF.
//!
//! The readers ([`geojson::read`], [`csv::read`], [`osm::read`]) are pure and
//! streaming: they turn a file into [`Event`]s — a parsed [`Record`] with the
//! [`Place`] it came from, or an [`Issue`] naming file, feature or line, and field —
//! and hand them to a sink one at a time, so memory does not grow with the file.
//! Every record goes through the domain parsers of `rampart-core`
//! (`Asset::from_json` and friends), so a CSV row, a GeoJSON feature and a JSON API
//! body are validated by the same code.
//!
//! [`import()`] checks a whole input (syntax, fields, duplicate ids, references
//! to assets and organisations in the input or the registry) and writes it through
//! one store transaction: all of it or nothing. [`export_geojson`] and
//! [`export_csv`] write the registry back out, page by page.
//!
//! ```
//! use rampart_formats::{geojson, Event, Record};
//! use std::ops::ControlFlow;
//!
//! let file = r#"{"type": "FeatureCollection", "features": [
//!   {"type": "Feature", "id": "FI-SUB-1", "geometry": {"type": "Point", "coordinates": [24.94, 60.17]},
//!    "properties": {"name": "Helsinki substation", "sector": "energy", "country": "FI"}},
//!   {"type": "Feature", "id": "FI-SUB-2", "geometry": {"type": "Point", "coordinates": [24.94, 91]},
//!    "properties": {"name": "Nowhere", "sector": "energy", "country": "FI"}}]}"#;
//! let mut lines = Vec::new();
//! geojson::read(file.as_bytes(), &"assets.geojson".into(), &mut |event| {
//!     match event {
//!         Event::Record(place, Record::Asset(a)) => lines.push(format!("{place}: {}", a.name)),
//!         Event::Invalid(issues) => lines.extend(issues.iter().map(|i| i.to_string())),
//!         _ => {}
//!     }
//!     ControlFlow::Continue(())
//! });
//! assert_eq!(lines, [
//!     "assets.geojson: features[0]: Helsinki substation",
//!     "assets.geojson: features[1].geometry.coordinates: latitude must be within ±90, found 91",
//! ]);
//! ```

pub mod csv;
mod bench;
pub mod cap;
pub mod engine;
mod export;
pub mod geojson;
mod import;
pub mod osm;
pub mod osm_roads;
mod place;
mod progress;

pub use bench::{bench_import, synthetic_geojson, BenchOptions, BenchReport};
pub use export::{export_csv, export_geojson, ExportCounts, ExportError, ExportScope};
pub use crate::csv::Table;
pub use import::{import, Allow, Data, Format, ImportError, ImportOptions, ImportReport, Source};
pub use osm::{OsmOptions, TagMapping};
pub use place::{At, Issue, OsmElement, Place};
pub use progress::{BarProgress, NoProgress, Progress};

use rampart_core::{Asset, Dependency, NetworkLink, Organisation};

/// One registry record read from a file.
#[derive(Debug, Clone, PartialEq)]
pub enum Record {
    Organisation(Organisation),
    Asset(Asset),
    Dependency(Dependency),
    Link(NetworkLink),
}

/// What a reader hands its sink, in file order.
#[derive(Debug, Clone, PartialEq)]
pub enum Event {
    /// A valid record and where it was read.
    Record(Place, Record),
    /// A record (or the file) is invalid, with every field at fault; the import
    /// will be refused.
    Invalid(Vec<Issue>),
    /// Something was imported differently than written (an OSM polygon that crosses
    /// itself becomes its centroid); the import goes on.
    Warning(Issue),
    /// An element was left out on purpose, e.g. an OSM multipolygon relation.
    Skipped { reason: &'static str },
}

/// What a sink tells the reader: go on, or stop reading (enough errors seen).
pub type Flow = std::ops::ControlFlow<()>;

impl Event {
    pub fn invalid(issue: Issue) -> Event {
        Event::Invalid(vec![issue])
    }
}
