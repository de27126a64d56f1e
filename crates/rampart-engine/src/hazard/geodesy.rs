//! Small-distance geometry on the sphere: a local equirectangular frame for turning
//! metres around a point into lon/lat, and the haversine distance.

use geo::{LineString, Polygon};

/// Mean Earth radius (IUGG), metres.
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

/// Local equirectangular projection around an origin: x east, y north, in metres.
/// Good to well under 1 % within a few tens of kilometres of the origin away from the
/// poles, which covers blast rings and plume isopleths.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct LocalFrame {
    pub lon0: f64,
    pub lat0: f64,
    m_per_deg_lat: f64,
    m_per_deg_lon: f64,
}

impl LocalFrame {
    pub fn new(lon0: f64, lat0: f64) -> LocalFrame {
        let m_per_deg_lat = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
        LocalFrame { lon0, lat0, m_per_deg_lat, m_per_deg_lon: m_per_deg_lat * lat0.to_radians().cos() }
    }

    /// The point `east_m`, `north_m` metres from the origin, as (lon, lat).
    pub fn to_lon_lat(&self, east_m: f64, north_m: f64) -> (f64, f64) {
        (self.lon0 + east_m / self.m_per_deg_lon, self.lat0 + north_m / self.m_per_deg_lat)
    }

    /// (east, north) metres of a lon/lat point from the origin.
    pub fn to_metres(&self, lon: f64, lat: f64) -> (f64, f64) {
        ((lon - self.lon0) * self.m_per_deg_lon, (lat - self.lat0) * self.m_per_deg_lat)
    }
}

/// Great-circle distance in metres.
pub fn haversine_m(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * EARTH_RADIUS_M * a.sqrt().min(1.0).asin()
}

/// A closed ring of `vertices` points at `radius_m` around (lon, lat), counter-clockwise.
pub fn circle(lon: f64, lat: f64, radius_m: f64, vertices: usize) -> Polygon<f64> {
    let frame = LocalFrame::new(lon, lat);
    let n = vertices.max(8);
    let mut ring: Vec<(f64, f64)> = (0..n)
        .map(|i| {
            let a = std::f64::consts::TAU * i as f64 / n as f64;
            frame.to_lon_lat(radius_m * a.cos(), radius_m * a.sin())
        })
        .collect();
    ring.push(ring[0]);
    Polygon::new(LineString::from(ring), vec![])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_degree_of_latitude_is_about_111_km() {
        let d = haversine_m(10.0, 50.0, 10.0, 51.0);
        assert!((d - 111_195.0).abs() < 5.0, "{d}");
        let frame = LocalFrame::new(10.0, 50.0);
        let (lon, lat) = frame.to_lon_lat(0.0, 111_195.0);
        assert!((lon - 10.0).abs() < 1e-12 && (lat - 51.0).abs() < 1e-4);
    }

    #[test]
    fn local_frame_agrees_with_haversine_at_1_km() {
        let frame = LocalFrame::new(24.94, 60.17);
        let (lon, lat) = frame.to_lon_lat(600.0, 800.0);
        let d = haversine_m(24.94, 60.17, lon, lat);
        assert!((d - 1000.0).abs() < 1.0, "{d}");
    }
}
