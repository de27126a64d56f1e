//! Incursions of drones into UAS zones: an R*-tree over the volumes' bounding boxes
//! finds the candidates of a position; exact tests (point in polygon, haversine
//! distance to a circle's centre) and the altitude band decide.
//!
//! Altitudes: a report's altitude is compared in the zone's own reference. Where the
//! report does not carry that reference, the band test widens it: WGS 84 ellipsoid and
//! mean-sea-level altitudes differ by the geoid undulation (within ±[`GEOID_BOUND_M`]),
//! and without a terrain model heights above ground are unknown from either. An
//! incursion is *confirmed* when some report is inside the volume for certain, and
//! *possible* when the reports are inside horizontally but their altitude only may be
//! within the band.

use super::schedule::{self, Activity, Window};
use super::track::Report;
use super::zone::{Limit, Restriction, Shape, VerticalReference, Zone, EARTH_RADIUS_M};
use rstar::primitives::{GeomWithData, Rectangle};
use rstar::{RTree, AABB};
use serde::Serialize;
use serde_json::{json, Value};
use std::collections::HashMap;

/// Largest difference between WGS 84 ellipsoidal height and height above mean sea
/// level anywhere (the geoid undulation lies within about −106 m and +85 m).
pub const GEOID_BOUND_M: f64 = 110.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Inside horizontally; the altitude may be within the band.
    Possible,
    /// Inside horizontally and within the band.
    Confirmed,
}

enum Test {
    Circle { lon: f64, lat: f64, radius_m: f64 },
    Polygon { rings: Vec<Vec<[f64; 2]>> },
}

struct IndexedVolume {
    zone: u32,
    lower: Limit,
    upper: Limit,
    test: Test,
}

/// The zones, ready for many position checks.
pub struct ZoneIndex {
    volumes: Vec<IndexedVolume>,
    /// When each zone applies, by zone index.
    windows: Vec<Window>,
    tree: RTree<GeomWithData<Rectangle<[f64; 2]>, u32>>,
}

/// One zone a position is in.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Hit {
    pub zone: usize,
    pub status: Status,
}

impl ZoneIndex {
    pub fn new(zones: &[Zone]) -> Self {
        let mut volumes = Vec::new();
        let mut boxes = Vec::new();
        for (zi, z) in zones.iter().enumerate() {
            for v in &z.volumes {
                let b = v.shape.bbox();
                boxes.push(GeomWithData::new(Rectangle::from_corners([b[0], b[1]], [b[2], b[3]]), volumes.len() as u32));
                let test = match &v.shape {
                    Shape::Circle { lon, lat, radius_m } => Test::Circle { lon: *lon, lat: *lat, radius_m: *radius_m },
                    Shape::Polygon(p) => Test::Polygon {
                        rings: std::iter::once(p.exterior()).chain(p.interiors()).map(|r| r.0.iter().map(|c| [c.x, c.y]).collect()).collect(),
                    },
                };
                volumes.push(IndexedVolume { zone: zi as u32, lower: v.lower, upper: v.upper, test });
            }
        }
        let windows = zones.iter().map(|z| Window::new(&z.applicability).0).collect();
        ZoneIndex { volumes, windows, tree: RTree::bulk_load(boxes) }
    }

    pub fn volume_count(&self) -> usize {
        self.volumes.len()
    }

    /// The zones the report is in (each zone once, with its best status), appended to `out`.
    /// A zone that does not apply at the report's time is not entered; one that may apply
    /// (the report has no date, or the zone's schedule is unreadable) is at most possible.
    pub fn hits(&self, r: &Report, out: &mut Vec<Hit>) {
        let start = out.len();
        let p = [r.lon, r.lat];
        let mut when: Option<Option<i64>> = None;
        for cand in self.tree.locate_in_envelope_intersecting(&AABB::from_point(p)) {
            let v = &self.volumes[cand.data as usize];
            let inside = match &v.test {
                Test::Circle { lon, lat, radius_m } => haversine_m(*lon, *lat, r.lon, r.lat) <= *radius_m,
                Test::Polygon { rings } => in_polygon(rings, r.lon, r.lat),
            };
            if !inside {
                continue;
            }
            let Some(mut status) = band_status(r, &v.lower, &v.upper) else { continue };
            let zone = v.zone as usize;
            let window = &self.windows[zone];
            if !window.always() {
                let t = *when.get_or_insert_with(|| r.time.as_deref().and_then(schedule::rfc3339));
                match window.active_at(t) {
                    Activity::Active => {}
                    Activity::Inactive => continue,
                    Activity::Unknown => status = Status::Possible,
                }
            }
            match out[start..].iter_mut().find(|h| h.zone == zone) {
                Some(h) => h.status = h.status.max(status),
                None => out.push(Hit { zone, status }),
            }
        }
    }
}

fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let (dp, dl) = (p2 - p1, (lon2 - lon1).to_radians());
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// Even-odd rule over the exterior and the holes.
fn in_polygon(rings: &[Vec<[f64; 2]>], x: f64, y: f64) -> bool {
    let mut inside = false;
    for ring in rings {
        for w in ring.windows(2) {
            let ([x1, y1], [x2, y2]) = (w[0], w[1]);
            if (y1 > y) != (y2 > y) && x < (x2 - x1) * (y - y1) / (y2 - y1) + x1 {
                inside = !inside;
            }
        }
    }
    inside
}

/// The report's altitude in `reference`, as an interval (unknown: unbounded).
fn altitude_in(r: &Report, reference: VerticalReference) -> (f64, f64) {
    let exact = |v: f64| (v, v);
    let widened = |v: f64| (v - GEOID_BOUND_M, v + GEOID_BOUND_M);
    let unknown = (f64::NEG_INFINITY, f64::INFINITY);
    match reference {
        VerticalReference::Agl => r.height_agl_m.map(exact).unwrap_or(unknown),
        VerticalReference::Amsl => r.altitude_amsl_m.map(exact).or(r.altitude_wgs84_m.map(widened)).unwrap_or(unknown),
        VerticalReference::Wgs84 => r.altitude_wgs84_m.map(exact).or(r.altitude_amsl_m.map(widened)).unwrap_or(unknown),
    }
}

fn band_status(r: &Report, lower: &Limit, upper: &Limit) -> Option<Status> {
    let (lo_lo, lo_hi) = lower.metres.map(|_| altitude_in(r, lower.reference)).unwrap_or((f64::INFINITY, f64::INFINITY));
    let (up_lo, up_hi) = upper.metres.map(|_| altitude_in(r, upper.reference)).unwrap_or((f64::NEG_INFINITY, f64::NEG_INFINITY));
    let floor = lower.metres.unwrap_or(f64::NEG_INFINITY);
    let ceiling = upper.metres.unwrap_or(f64::INFINITY);
    // Above the floor for certain / perhaps, and below the ceiling for certain / perhaps.
    let (above_surely, above_maybe) = (lower.metres.is_none() || lo_lo >= floor, lower.metres.is_none() || lo_hi >= floor);
    let (below_surely, below_maybe) = (upper.metres.is_none() || up_hi <= ceiling, upper.metres.is_none() || up_lo <= ceiling);
    if above_surely && below_surely {
        Some(Status::Confirmed)
    } else if above_maybe && below_maybe {
        Some(Status::Possible)
    } else {
        None
    }
}

/// A drone's stay in a zone: consecutive reports of that drone inside it. Written so
/// that it can become an alert of the sharing network as it is (see `alert`).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Incursion {
    pub zone_id: String,
    pub zone_name: String,
    /// The registry asset the zone protects, for zones Rampart wrote.
    pub asset_id: Option<String>,
    pub restriction: &'static str,
    pub uas_id: String,
    pub status: Status,
    /// Index (from 0) of the first and last report of the stay in the track.
    pub first_report: usize,
    pub last_report: usize,
    pub reports: usize,
    pub first_time: Option<String>,
    pub last_time: Option<String>,
    /// Where the drone was first seen inside: [lon, lat].
    pub entry: [f64; 2],
}

impl Incursion {
    /// The incursion as an alert (CAP-like fields): what the sharing network will send.
    pub fn alert(&self) -> Value {
        let severity = match (self.status, self.restriction) {
            (Status::Confirmed, "PROHIBITED") => "severe",
            (Status::Confirmed, _) => "moderate",
            (Status::Possible, _) => "minor",
        };
        json!({
            "event": "UAS zone incursion",
            "category": "security",
            "severity": severity,
            "certainty": if self.status == Status::Confirmed { "observed" } else { "possible" },
            "onset": self.first_time,
            "headline": format!("Drone {} inside zone {} ({})", self.uas_id, self.zone_id, self.zone_name),
            "area": {"zone_id": self.zone_id, "asset_id": self.asset_id, "point": self.entry},
        })
    }

    /// Its JSON form: the fields and the alert.
    pub fn to_json(&self) -> Value {
        let mut v = serde_json::to_value(self).unwrap_or(Value::Null);
        if let Some(o) = v.as_object_mut() {
            o.insert("alert".into(), self.alert());
        }
        v
    }
}

/// Every stay of every drone of the track in every zone, in the order they began.
pub fn check(zones: &[Zone], reports: &[Report]) -> Vec<Incursion> {
    check_with(&ZoneIndex::new(zones), zones, reports)
}

/// [`check`] with an index built beforehand.
pub fn check_with(index: &ZoneIndex, zones: &[Zone], reports: &[Report]) -> Vec<Incursion> {
    let mut out: Vec<Incursion> = Vec::new();
    // Per drone: the zones it is inside now and the incursion each belongs to.
    let mut open: HashMap<&str, Vec<(usize, usize)>> = HashMap::new();
    let mut hits = Vec::new();
    for (i, r) in reports.iter().enumerate() {
        hits.clear();
        index.hits(r, &mut hits);
        let now = open.entry(r.uas_id.as_str()).or_default();
        now.retain(|(zone, _)| hits.iter().any(|h| h.zone == *zone));
        for h in &hits {
            match now.iter().find(|(zone, _)| *zone == h.zone) {
                Some(&(_, at)) => {
                    let inc = &mut out[at];
                    inc.last_report = i;
                    inc.last_time = r.time.clone();
                    inc.reports += 1;
                    inc.status = inc.status.max(h.status);
                }
                None => {
                    let z = &zones[h.zone];
                    now.push((h.zone, out.len()));
                    out.push(Incursion {
                        zone_id: z.id.clone(),
                        zone_name: z.name.clone(),
                        asset_id: z.extended.as_ref().and_then(|e| e.get("rampartAssetId")).and_then(Value::as_str).map(str::to_string),
                        restriction: match z.restriction {
                            Restriction::USpace => "USPACE",
                            other => other.key(),
                        },
                        uas_id: r.uas_id.clone(),
                        status: h.status,
                        first_report: i,
                        last_report: i,
                        reports: 1,
                        first_time: r.time.clone(),
                        last_time: r.time.clone(),
                        entry: [r.lon, r.lat],
                    });
                }
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::drone::zone::Volume;
    use geo::{LineString, Polygon};

    fn zone(id: &str, shape: Shape, lower: Option<f64>, upper: Option<f64>, reference: VerticalReference) -> Zone {
        let volume = Volume { lower: Limit { metres: lower, reference }, upper: Limit { metres: upper, reference }, shape };
        Zone::protected(id, "DEU", format!("zone {id}"), volume)
    }

    fn report(uas: &str, lon: f64, lat: f64, agl: Option<f64>, wgs84: Option<f64>) -> Report {
        Report { uas_id: uas.into(), time: Some(format!("{lon}")), lat, lon, altitude_wgs84_m: wgs84, altitude_amsl_m: None, height_agl_m: agl }
    }

    /// A square of about 1.1 km with a 0.22 km hole in its middle, and a 500 m circle east of it.
    fn zones() -> Vec<Zone> {
        let ring = |x0: f64, y0: f64, d: f64| LineString::from(vec![(x0, y0), (x0 + d, y0), (x0 + d, y0 + d), (x0, y0 + d), (x0, y0)]);
        let square = Polygon::new(ring(13.0, 52.0, 0.01), vec![ring(13.004, 52.004, 0.002)]);
        vec![
            zone("SQ", Shape::Polygon(square), Some(0.0), Some(120.0), VerticalReference::Agl),
            zone("CI", Shape::Circle { lon: 13.05, lat: 52.005, radius_m: 500.0 }, Some(0.0), Some(300.0), VerticalReference::Amsl),
        ]
    }

    #[test]
    fn horizontal_and_altitude_tests() {
        let z = zones();
        let idx = ZoneIndex::new(&z);
        let hits = |r: Report| {
            let mut out = Vec::new();
            idx.hits(&r, &mut out);
            out.iter().map(|h| (z[h.zone].id.clone(), h.status)).collect::<Vec<_>>()
        };
        let sq = |s| vec![("SQ".to_string(), s)];
        assert_eq!(hits(report("a", 13.001, 52.001, Some(50.0), None)), sq(Status::Confirmed));
        assert_eq!(hits(report("a", 13.001, 52.001, Some(150.0), None)), vec![], "above the band");
        assert_eq!(hits(report("a", 13.001, 52.001, None, Some(150.0))), sq(Status::Possible), "ground level unknown");
        assert_eq!(hits(report("a", 13.005, 52.005, Some(50.0), None)), vec![], "in the hole");
        assert_eq!(hits(report("a", 13.011, 52.005, Some(50.0), None)), vec![], "just east");
        // The circle (AMSL band 0–300 m): 450 m east of its centre is in, 550 m is out.
        let dlon = |m: f64| m / (EARTH_RADIUS_M * 52.005f64.to_radians().cos()) * 180.0 / std::f64::consts::PI;
        let ci = |s| vec![("CI".to_string(), s)];
        assert_eq!(hits(report("b", 13.05 + dlon(450.0), 52.005, None, Some(150.0))), ci(Status::Confirmed), "150 m ± 110 m of geoid is within 0–300 m");
        assert_eq!(hits(report("b", 13.05 + dlon(550.0), 52.005, None, Some(150.0))), vec![]);
        assert_eq!(hits(report("b", 13.05, 52.005, None, Some(350.0))), ci(Status::Possible), "350 m ellipsoidal may be 240–460 m AMSL");
        assert_eq!(hits(report("b", 13.05, 52.005, None, Some(500.0))), vec![]);
    }

    #[test]
    fn zones_apply_only_on_their_schedule() {
        let mut z = zones();
        // SQ applies on Saturdays 12:00–20:00 UTC in November 2026 only.
        z[0].applicability = crate::drone::zone::Applicability {
            permanent: false,
            start: Some("2026-11-01T00:00:00Z".into()),
            end: Some("2026-12-01T00:00:00Z".into()),
            schedule: vec![json!({"day": ["SAT"], "startTime": "12:00:00Z", "endTime": "20:00:00Z"})],
        };
        let idx = ZoneIndex::new(&z);
        let status = |time: Option<&str>| {
            let mut r = report("a", 13.001, 52.001, Some(50.0), None);
            r.time = time.map(str::to_string);
            let mut out = Vec::new();
            idx.hits(&r, &mut out);
            out.iter().map(|h| h.status).collect::<Vec<_>>()
        };
        assert_eq!(status(Some("2026-11-21T13:00:00Z")), vec![Status::Confirmed], "Saturday afternoon");
        assert_eq!(status(Some("2026-11-21T21:00:00Z")), vec![], "Saturday night: the zone does not apply");
        assert_eq!(status(Some("2026-11-22T13:00:00Z")), vec![], "Sunday");
        assert_eq!(status(Some("2026-12-05T13:00:00Z")), vec![], "after the period");
        assert_eq!(status(Some("34:12.5")), vec![Status::Possible], "a Remote ID time past the hour has no date");
        assert_eq!(status(None), vec![Status::Possible]);
    }

    #[test]
    fn stays_are_grouped_per_drone_and_zone() {
        let z = zones();
        let track = vec![
            report("a", 12.99, 52.001, Some(50.0), None),  // 0 outside
            report("a", 13.001, 52.001, None, Some(90.0)), // 1 in SQ, possible
            report("b", 13.05, 52.005, None, Some(150.0)), // 2 b in CI
            report("a", 13.002, 52.001, Some(60.0), None), // 3 in SQ, confirmed
            report("a", 12.99, 52.001, Some(50.0), None),  // 4 out
            report("a", 13.003, 52.001, Some(60.0), None), // 5 in SQ again: a second stay
        ];
        let inc = check(&z, &track);
        let summary: Vec<_> = inc.iter().map(|i| (i.uas_id.as_str(), i.zone_id.as_str(), i.first_report, i.last_report, i.reports, i.status)).collect();
        assert_eq!(
            summary,
            vec![("a", "SQ", 1, 3, 2, Status::Confirmed), ("b", "CI", 2, 2, 1, Status::Confirmed), ("a", "SQ", 5, 5, 1, Status::Confirmed)]
        );
        let alert = inc[0].to_json();
        assert_eq!((alert["alert"]["severity"].as_str(), alert["status"].as_str()), (Some("severe"), Some("confirmed")));
    }
}
