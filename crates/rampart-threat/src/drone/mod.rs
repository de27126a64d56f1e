//! Drones (PRODUCT.md C6, METHODS.md §7): protected sites as UAS geographical zones in
//! EUROCAE ED-269 and ED-318 JSON (read leniently, written strictly), ASTM F3411 Remote
//! ID broadcast messages, drone tracks, and incursions of tracks into zones.
//! See docs/drones.md.

mod country;
pub mod ed269;
pub mod ed318;
pub mod incursion;
mod lenient;
pub mod remote_id;
pub mod schedule;
pub mod track;
pub mod zone;

pub use country::alpha3;
pub use incursion::{check, Incursion, Status, ZoneIndex};
pub use remote_id::{decode, decode_hex, Message, RemoteIdError};
pub use track::{Report, Track};
pub use zone::{site_zone, zone_summary, Limit, Reason, Restriction, Shape, SiteZoneOptions, VerticalReference, Volume, Zone, ZoneFile, ZoneType};

use rampart_core::Invalid;
use serde_json::Value;

/// Reads a zone file of either format: ED-318 when it is a GeoJSON FeatureCollection
/// (its features carry `properties`), ED-269 otherwise.
pub fn read_zones(doc: &Value) -> Result<ZoneFile, Invalid> {
    let features = doc.get("features").and_then(Value::as_array);
    let is_geojson = doc.get("type").and_then(Value::as_str) == Some("FeatureCollection")
        || features.and_then(|f| f.first()).is_some_and(|f| f.get("properties").is_some());
    if is_geojson {
        ed318::read(doc)
    } else {
        ed269::read(doc)
    }
}

/// Reads a zone file from its text.
pub fn read_zones_text(text: &str) -> Result<ZoneFile, Invalid> {
    let doc: Value = serde_json::from_str(text).map_err(|e| Invalid::one("", format!("malformed JSON: {e}")))?;
    read_zones(&doc)
}

/// The two formats zones are written in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoneFormat {
    Ed269,
    Ed318,
}

impl ZoneFormat {
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        match s.trim().to_ascii_lowercase().replace(['-', '_'], "").as_str() {
            "ed269" => Ok(ZoneFormat::Ed269),
            "ed318" => Ok(ZoneFormat::Ed318),
            other => Err(Invalid::one("format", format!("expected ed269 or ed318, found {other:?}"))),
        }
    }

    /// Writes the zones in this format.
    pub fn write(self, zones: &[Zone], title: &str) -> Result<Value, Invalid> {
        match self {
            ZoneFormat::Ed269 => ed269::write(zones, title),
            ZoneFormat::Ed318 => ed318::write(zones, title),
        }
    }
}

#[cfg(test)]
mod tests;
