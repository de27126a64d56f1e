//! The road network of an OpenStreetMap PBF extract around a place, for the
//! hostile-vehicle approach analysis (`rampart_threat::hvm`).
//!
//! One pass over the file, its blocks decoded in parallel: nodes inside the box are
//! kept with their positions, ways with a `highway` tag that a vehicle can drive
//! with their node lists; afterwards each way is cut to the runs of its nodes inside
//! the box. The file's order does not matter.
//!
//! Drivable: every `highway` value but footways, paths, cycleways, steps, bridleways,
//! corridors, elevators, platforms, proposed and abandoned roads. Pedestrian streets,
//! service roads and tracks count (vehicle attacks have used them), and `access`
//! tags are ignored: a hostile driver obeys no sign.

use osmpbf::{BlobDecode, BlobReader, Element};
use rampart_core::BBox;
use rampart_threat::hvm::{Oneway, Road, RoadNetwork};
use rayon::prelude::*;
use std::collections::HashMap;
use std::path::Path;

/// `highway` values no car drives.
const NOT_DRIVABLE: [&str; 12] =
    ["footway", "path", "cycleway", "steps", "bridleway", "corridor", "elevator", "platform", "proposed", "abandoned", "construction", "bus_stop"];

/// What the reader found, besides the network.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoadsReport {
    pub ways: usize,
    pub nodes: usize,
}

/// A file that cannot be read.
#[derive(Debug, thiserror::Error)]
#[error("{file}: cannot read the OpenStreetMap file: {message}")]
pub struct RoadsError {
    pub file: String,
    pub message: String,
}

struct WayIn {
    id: i64,
    name: Option<String>,
    oneway: Oneway,
    maxspeed_kmh: Option<f64>,
    bank: Option<f64>,
    refs: Vec<i64>,
}

#[derive(Default)]
struct Part {
    nodes: Vec<(i64, f64, f64)>,
    ways: Vec<WayIn>,
}

/// Reads the drivable roads of `path` inside `bbox`.
pub fn read_roads(path: &Path, bbox: BBox) -> Result<(RoadNetwork, RoadsReport), RoadsError> {
    let file = path.display().to_string();
    let fail = |message: String| RoadsError { file: file.clone(), message };
    let reader = BlobReader::from_path(path).map_err(|e| fail(e.to_string()))?;
    let parts: Vec<Result<Part, String>> = reader
        .par_bridge()
        .map(|blob| {
            let blob = blob.map_err(|e| e.to_string())?;
            let mut part = Part::default();
            if let BlobDecode::OsmData(block) = blob.decode().map_err(|e| e.to_string())? {
                block.for_each_element(|el| match el {
                    Element::DenseNode(n) => {
                        let (lon, lat) = (n.lon(), n.lat());
                        if bbox.contains(lon, lat) {
                            part.nodes.push((n.id(), lon, lat));
                        }
                    }
                    Element::Node(n) => {
                        let (lon, lat) = (n.lon(), n.lat());
                        if bbox.contains(lon, lat) {
                            part.nodes.push((n.id(), lon, lat));
                        }
                    }
                    Element::Way(w) => {
                        let tags: Vec<(&str, &str)> = w.tags().collect();
                        let tag = |k: &str| tags.iter().find(|(key, _)| *key == k).map(|(_, v)| *v);
                        if tag("highway").is_some_and(|h| !NOT_DRIVABLE.contains(&h)) && tag("area") != Some("yes") {
                            part.ways.push(WayIn {
                                id: w.id(),
                                name: tag("name").map(str::to_string),
                                oneway: oneway(tag("oneway"), tag("junction"), tag("highway")),
                                maxspeed_kmh: tag("maxspeed").and_then(maxspeed_kmh),
                                bank: tag("superelevation").and_then(superelevation),
                                refs: w.refs().collect(),
                            });
                        }
                    }
                    Element::Relation(_) => {}
                });
            }
            Ok(part)
        })
        .collect();
    let mut positions: HashMap<i64, (f64, f64)> = HashMap::new();
    let mut ways = Vec::new();
    for part in parts {
        let part = part.map_err(fail)?;
        positions.extend(part.nodes.into_iter().map(|(id, lon, lat)| (id, (lon, lat))));
        ways.extend(part.ways);
    }
    ways.sort_by_key(|w| w.id);
    let mut net = RoadNetwork::default();
    let mut index: HashMap<i64, u32> = HashMap::new();
    let mut report = RoadsReport::default();
    for w in ways {
        // Each run of consecutive nodes inside the box becomes one road.
        let mut run: Vec<u32> = Vec::new();
        let flush = |run: &mut Vec<u32>, net: &mut RoadNetwork| {
            if run.len() >= 2 {
                net.roads.push(Road {
                    source: format!("osm:way/{}", w.id),
                    name: w.name.clone(),
                    nodes: std::mem::take(run),
                    oneway: w.oneway,
                    maxspeed_kmh: w.maxspeed_kmh,
                    bank: w.bank,
                });
            } else {
                run.clear();
            }
        };
        let before = net.roads.len();
        for r in &w.refs {
            match positions.get(r) {
                Some(&(lon, lat)) => {
                    let id = *index.entry(*r).or_insert_with(|| net.add_node(lon, lat));
                    run.push(id);
                }
                None => flush(&mut run, &mut net),
            }
        }
        flush(&mut run, &mut net);
        if net.roads.len() > before {
            report.ways += 1;
        }
    }
    report.nodes = net.nodes.len();
    Ok((net, report))
}

fn oneway(tag: Option<&str>, junction: Option<&str>, highway: Option<&str>) -> Oneway {
    match tag {
        Some("yes" | "true" | "1") => Oneway::Forward,
        Some("-1" | "reverse") => Oneway::Backward,
        Some(_) => Oneway::No,
        None if matches!(junction, Some("roundabout" | "circular")) || highway == Some("motorway") => Oneway::Forward,
        None => Oneway::No,
    }
}

/// `50`, `50 km/h`, `30 mph`, `50;30` (the lowest); country codes such as
/// `FI:urban` and `none` give no number.
pub fn maxspeed_kmh(v: &str) -> Option<f64> {
    v.split(';')
        .filter_map(|part| {
            let p = part.trim().to_ascii_lowercase();
            let (num, factor) = match p.strip_suffix("mph") {
                Some(n) => (n.trim().to_string(), 1.609_344),
                None => (p.trim_end_matches("km/h").trim_end_matches("kmh").trim().to_string(), 1.0),
            };
            num.parse::<f64>().ok().filter(|s| *s > 0.0).map(|s| s * factor)
        })
        .reduce(f64::min)
}

/// `superelevation` as a ratio: `0.05`, or a percentage `5%`.
fn superelevation(v: &str) -> Option<f64> {
    let v = v.trim();
    let x = match v.strip_suffix('%') {
        Some(p) => p.trim().parse::<f64>().ok()? / 100.0,
        None => v.parse::<f64>().ok()?,
    };
    (x.is_finite() && x.abs() <= 0.5).then_some(x)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn speed_limits_read_as_km_h() {
        assert_eq!(maxspeed_kmh("50"), Some(50.0));
        assert_eq!(maxspeed_kmh("30 mph").map(|v| (v * 10.0).round() / 10.0), Some(48.3));
        assert_eq!(maxspeed_kmh("50;30"), Some(30.0));
        assert_eq!(maxspeed_kmh("40 km/h"), Some(40.0));
        assert_eq!(maxspeed_kmh("FI:urban"), None);
        assert_eq!(maxspeed_kmh("none"), None);
        assert_eq!(superelevation("5%"), Some(0.05));
    }

    #[test]
    fn the_helsinki_extract_gives_its_streets() {
        let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/osm/Helsinki.osm.pbf");
        let bbox = BBox { min_lon: 24.93, min_lat: 60.16, max_lon: 24.96, max_lat: 60.175 };
        let (net, report) = read_roads(&path, bbox).expect("read");
        assert!(report.ways > 100, "{report:?}");
        assert!(net.nodes.iter().all(|&(lon, lat)| bbox.contains(lon, lat)));
        assert!(net.roads.iter().any(|r| r.name.as_deref() == Some("Mannerheimintie")), "Mannerheimintie is in central Helsinki");
        let missing = read_roads(std::path::Path::new("/nonexistent.osm.pbf"), bbox).expect_err("missing");
        assert!(missing.to_string().starts_with("/nonexistent.osm.pbf: cannot read the OpenStreetMap file: "), "{missing}");
    }
}
