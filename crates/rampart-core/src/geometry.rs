//! WGS 84 geometries of assets: a point or a simple polygon (with holes).

use crate::error::{FieldError, Invalid};
use geo::{Centroid, Coord, LineString, Polygon};
use serde_json::{json, Value};

/// Rings longer than this are refused: a site outline, not a coastline.
pub const MAX_RING_POSITIONS: usize = 10_000;

/// A validated asset geometry: coordinates are finite, longitude within ±180,
/// latitude within ±90; polygon rings are closed, have at least four positions and
/// do not cross themselves.
#[derive(Debug, Clone, PartialEq)]
pub enum Geometry {
    Point { lon: f64, lat: f64 },
    Polygon(Polygon<f64>),
}

/// An axis-aligned box in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct BBox {
    pub min_lon: f64,
    pub min_lat: f64,
    pub max_lon: f64,
    pub max_lat: f64,
}

impl BBox {
    /// Parses `minLon,minLat,maxLon,maxLat`.
    pub fn parse(s: &str) -> Result<Self, Invalid> {
        let parts: Vec<Result<f64, _>> = s.split(',').map(|p| p.trim().parse::<f64>()).collect();
        let expected = "expected minLon,minLat,maxLon,maxLat in degrees";
        if parts.len() != 4 || parts.iter().any(|p| p.is_err()) {
            return Err(Invalid::one("", format!("{expected}, found {s:?}")));
        }
        let v: Vec<f64> = parts.into_iter().flatten().collect();
        let b = BBox { min_lon: v[0], min_lat: v[1], max_lon: v[2], max_lat: v[3] };
        let in_range = b.min_lon >= -180.0 && b.max_lon <= 180.0 && b.min_lat >= -90.0 && b.max_lat <= 90.0;
        if !in_range || b.min_lon > b.max_lon || b.min_lat > b.max_lat {
            return Err(Invalid::one("", format!("{expected} with min <= max, longitudes within ±180 and latitudes within ±90, found {s:?}")));
        }
        Ok(b)
    }

    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        lon >= self.min_lon && lon <= self.max_lon && lat >= self.min_lat && lat <= self.max_lat
    }

    pub fn intersects(&self, o: &BBox) -> bool {
        self.min_lon <= o.max_lon && o.min_lon <= self.max_lon && self.min_lat <= o.max_lat && o.min_lat <= self.max_lat
    }
}

fn position(v: &Value, field: &str) -> Result<Coord<f64>, FieldError> {
    let arr = v.as_array().filter(|a| a.len() == 2 || a.len() == 3);
    let nums: Option<Vec<f64>> = arr.map(|a| a.iter().filter_map(Value::as_f64).collect());
    let Some(n) = nums.filter(|n| n.len() >= 2 && n.iter().all(|x| x.is_finite())) else {
        return Err(FieldError::new(field, "expected a position [longitude, latitude] of two numbers"));
    };
    if !(-180.0..=180.0).contains(&n[0]) {
        return Err(FieldError::new(field, format!("longitude must be within ±180, found {}", n[0])));
    }
    if !(-90.0..=90.0).contains(&n[1]) {
        return Err(FieldError::new(field, format!("latitude must be within ±90, found {}", n[1])));
    }
    Ok(Coord { x: n[0], y: n[1] })
}

fn ring(v: &Value, field: &str) -> Result<LineString<f64>, FieldError> {
    let Some(arr) = v.as_array() else {
        return Err(FieldError::new(field, "expected a linear ring: an array of positions"));
    };
    if arr.len() < 4 {
        return Err(FieldError::new(field, format!("a linear ring needs at least 4 positions, found {}", arr.len())));
    }
    if arr.len() > MAX_RING_POSITIONS {
        return Err(FieldError::new(field, format!("a linear ring may have at most {MAX_RING_POSITIONS} positions")));
    }
    let coords = arr
        .iter()
        .enumerate()
        .map(|(i, p)| position(p, &format!("{field}[{i}]")))
        .collect::<Result<Vec<_>, _>>()?;
    if coords.first() != coords.last() {
        return Err(FieldError::new(field, "the ring is not closed: its first and last positions differ"));
    }
    if let Some((a, b)) = first_self_intersection(&coords) {
        return Err(FieldError::new(field, format!("the ring intersects itself (segments {a} and {b})")));
    }
    Ok(LineString::new(coords))
}

/// Finds two non-adjacent segments of a closed ring that touch or cross, or adjacent
/// ones that overlap. Quadratic, bounded by [`MAX_RING_POSITIONS`].
fn first_self_intersection(c: &[Coord<f64>]) -> Option<(usize, usize)> {
    use geo::line_intersection::{line_intersection, LineIntersection};
    let n = c.len() - 1; // segments
    let seg = |i: usize| geo::Line::new(c[i], c[i + 1]);
    for i in 0..n {
        let (a, a_box) = (seg(i), seg_box(c[i], c[i + 1]));
        for j in (i + 1)..n {
            if !a_box.intersects(&seg_box(c[j], c[j + 1])) {
                continue;
            }
            let adjacent = j == i + 1 || (i == 0 && j == n - 1);
            match line_intersection(a, seg(j)) {
                None => {}
                Some(LineIntersection::Collinear { .. }) => return Some((i, j)),
                Some(LineIntersection::SinglePoint { .. }) if adjacent => {}
                Some(LineIntersection::SinglePoint { .. }) => return Some((i, j)),
            }
        }
    }
    None
}

fn seg_box(a: Coord<f64>, b: Coord<f64>) -> BBox {
    BBox { min_lon: a.x.min(b.x), min_lat: a.y.min(b.y), max_lon: a.x.max(b.x), max_lat: a.y.max(b.y) }
}

impl Geometry {
    pub fn point(lon: f64, lat: f64) -> Result<Self, Invalid> {
        let c = position(&json!([lon, lat]), "coordinates").map_err(|e| Invalid(vec![e]))?;
        Ok(Geometry::Point { lon: c.x, lat: c.y })
    }

    /// Parses a GeoJSON `Point` or `Polygon` geometry object.
    pub fn from_geojson(v: &Value) -> Result<Self, Invalid> {
        let one = |f: &str, m: &str| Invalid::one(f, m);
        let Some(obj) = v.as_object() else {
            return Err(one("", "expected a GeoJSON geometry object"));
        };
        let coords = obj.get("coordinates").ok_or_else(|| one("coordinates", "missing"))?;
        match obj.get("type").and_then(Value::as_str) {
            Some("Point") => {
                let c = position(coords, "coordinates").map_err(|e| Invalid(vec![e]))?;
                Ok(Geometry::Point { lon: c.x, lat: c.y })
            }
            Some("Polygon") => {
                let Some(rings) = coords.as_array().filter(|r| !r.is_empty()) else {
                    return Err(one("coordinates", "expected an array of linear rings"));
                };
                let mut parsed = rings
                    .iter()
                    .enumerate()
                    .map(|(i, r)| ring(r, &format!("coordinates[{i}]")))
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| Invalid(vec![e]))?;
                let exterior = parsed.remove(0);
                Ok(Geometry::Polygon(Polygon::new(exterior, parsed)))
            }
            Some(other) => Err(one("type", &format!("expected \"Point\" or \"Polygon\", found {other:?}"))),
            None => Err(one("type", "missing; expected \"Point\" or \"Polygon\"")),
        }
    }

    pub fn to_geojson(&self) -> Value {
        match self {
            Geometry::Point { lon, lat } => json!({"type": "Point", "coordinates": [lon, lat]}),
            Geometry::Polygon(p) => {
                let ring = |l: &LineString<f64>| l.0.iter().map(|c| json!([c.x, c.y])).collect::<Vec<_>>();
                let mut rings = vec![ring(p.exterior())];
                rings.extend(p.interiors().iter().map(ring));
                json!({"type": "Polygon", "coordinates": rings})
            }
        }
    }

    pub fn bbox(&self) -> BBox {
        match self {
            Geometry::Point { lon, lat } => BBox { min_lon: *lon, min_lat: *lat, max_lon: *lon, max_lat: *lat },
            Geometry::Polygon(p) => {
                let mut b = BBox { min_lon: f64::MAX, min_lat: f64::MAX, max_lon: f64::MIN, max_lat: f64::MIN };
                for c in &p.exterior().0 {
                    b.min_lon = b.min_lon.min(c.x);
                    b.min_lat = b.min_lat.min(c.y);
                    b.max_lon = b.max_lon.max(c.x);
                    b.max_lat = b.max_lat.max(c.y);
                }
                b
            }
        }
    }

    /// A representative point: the point itself or the polygon's centroid.
    pub fn centroid(&self) -> (f64, f64) {
        match self {
            Geometry::Point { lon, lat } => (*lon, *lat),
            Geometry::Polygon(p) => p.centroid().map(|c| (c.x(), c.y())).unwrap_or_else(|| {
                let b = self.bbox();
                ((b.min_lon + b.max_lon) / 2.0, (b.min_lat + b.max_lat) / 2.0)
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn err(v: Value) -> String {
        Geometry::from_geojson(&v).unwrap_err().to_string()
    }

    #[test]
    fn point_round_trips() {
        let g = Geometry::from_geojson(&json!({"type":"Point","coordinates":[24.94, 60.17]}));
        assert_eq!(g.as_ref().map(Geometry::centroid), Ok((24.94, 60.17)));
        assert_eq!(g.map(|g| g.to_geojson()), Ok(json!({"type":"Point","coordinates":[24.94, 60.17]})));
    }

    #[test]
    fn latitude_out_of_range_names_the_position() {
        assert_eq!(err(json!({"type":"Point","coordinates":[10.0, 91.0]})), "coordinates: latitude must be within ±90, found 91");
        assert_eq!(
            err(json!({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,100],[0,0]]]})),
            "coordinates[0][2]: latitude must be within ±90, found 100"
        );
    }

    #[test]
    fn unclosed_and_short_rings_are_rejected() {
        assert_eq!(
            err(json!({"type":"Polygon","coordinates":[[[0,0],[1,0],[1,1],[0,1]]]})),
            "coordinates[0]: the ring is not closed: its first and last positions differ"
        );
        assert_eq!(
            err(json!({"type":"Polygon","coordinates":[[[0,0],[1,0],[0,0]]]})),
            "coordinates[0]: a linear ring needs at least 4 positions, found 3"
        );
    }

    #[test]
    fn bow_tie_is_self_intersecting() {
        assert_eq!(
            err(json!({"type":"Polygon","coordinates":[[[0,0],[1,1],[1,0],[0,1],[0,0]]]})),
            "coordinates[0]: the ring intersects itself (segments 0 and 2)"
        );
    }

    #[test]
    fn square_is_valid_and_has_centre() {
        let g = Geometry::from_geojson(&json!({"type":"Polygon","coordinates":[[[0,0],[2,0],[2,2],[0,2],[0,0]]]}));
        assert_eq!(g.map(|g| g.centroid()), Ok((1.0, 1.0)));
    }

    #[test]
    fn other_types_are_refused() {
        assert_eq!(
            err(json!({"type":"LineString","coordinates":[[0,0],[1,1]]})),
            "type: expected \"Point\" or \"Polygon\", found \"LineString\""
        );
    }

    #[test]
    fn bbox_parsing() {
        assert_eq!(
            BBox::parse("24.9,60.1,25.0,60.2"),
            Ok(BBox { min_lon: 24.9, min_lat: 60.1, max_lon: 25.0, max_lat: 60.2 })
        );
        assert!(BBox::parse("1,2,3").is_err());
        assert!(BBox::parse("5,0,1,1").is_err());
    }
}
