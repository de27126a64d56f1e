//! CAP areas as geometry, so alerts can be matched against the registry.

use super::rules::{parse_circle, parse_polygon};
use super::Area;
use geo::{Coord, LineString, MultiPolygon, Polygon};

/// Mean Earth radius (IUGG), km.
const EARTH_RADIUS_KM: f64 = 6371.0088;
const CIRCLE_SIDES: usize = 64;

pub(super) fn area_to_geo(area: &Area) -> MultiPolygon<f64> {
    let mut polygons = Vec::new();
    for text in &area.polygons {
        if let Ok(points) = parse_polygon(text) {
            if !points.is_empty() {
                let ring: Vec<Coord<f64>> = points.iter().map(|&(lat, lon)| Coord { x: lon, y: lat }).collect();
                polygons.push(Polygon::new(LineString::new(ring), vec![]));
            }
        }
    }
    for text in &area.circles {
        if let Ok(c) = parse_circle(text) {
            if c.radius_km > 0.0 {
                polygons.push(circle(c.lat, c.lon, c.radius_km));
            }
        }
    }
    MultiPolygon::new(polygons)
}

/// The circle as a polygon of points at `radius_km` along great circles from the
/// centre, every 360/64 degrees of bearing.
fn circle(lat: f64, lon: f64, radius_km: f64) -> Polygon<f64> {
    let (phi1, lambda1) = (lat.to_radians(), lon.to_radians());
    let delta = radius_km / EARTH_RADIUS_KM;
    let mut ring: Vec<Coord<f64>> = (0..CIRCLE_SIDES)
        .map(|i| {
            let theta = (i as f64) * std::f64::consts::TAU / CIRCLE_SIDES as f64;
            let phi2 = (phi1.sin() * delta.cos() + phi1.cos() * delta.sin() * theta.cos()).asin();
            let lambda2 =
                lambda1 + (theta.sin() * delta.sin() * phi1.cos()).atan2(delta.cos() - phi1.sin() * phi2.sin());
            Coord { x: lambda2.to_degrees(), y: phi2.to_degrees() }
        })
        .collect();
    ring.push(ring[0]);
    Polygon::new(LineString::new(ring), vec![])
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use geo::{Area as _, Contains, Point};

    #[test]
    fn polygons_and_circles() {
        let area = Area {
            area_desc: "test".into(),
            polygons: vec!["38.47,-120.14 38.34,-119.95 38.52,-119.74 38.62,-119.89 38.47,-120.14".into(), "".into()],
            circles: vec!["52.52,13.40 10".into(), "32.9,-115.5 0".into()],
            geocodes: vec![],
            altitude: None,
            ceiling: None,
        };
        let geo = area.to_geo();
        assert_eq!(geo.0.len(), 2);
        assert!(geo.contains(&Point::new(-119.9, 38.45)));
        assert!(geo.contains(&Point::new(13.40, 52.60)), "8.9 km north of the centre");
        assert!(!geo.contains(&Point::new(13.40, 52.62)), "11.1 km north of the centre");
        // A 10 km circle is about π·10² km² = 0.01 sq deg of latitude × 0.0164 of longitude per km².
        let deg2 = geo.0[1].unsigned_area();
        let km2 = deg2 * 111.19 * 111.19 * 52.52f64.to_radians().cos();
        assert!((km2 - 314.16).abs() < 3.0, "{km2}");
    }
}
