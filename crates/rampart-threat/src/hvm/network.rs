//! The inputs of an approach analysis: the protected perimeter and the road network
//! around it (from OpenStreetMap, or approach paths drawn by hand).

use rampart_core::{BBox, Geometry, Invalid};
use serde_json::Value;
use std::collections::HashMap;

/// A drawn feature: its place in the file, geometry and properties.
type Drawn<'a> = (String, &'a Value, Option<&'a serde_json::Map<String, Value>>);

/// Which way traffic may use a road.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Oneway {
    No,
    /// Only in the order of the road's nodes.
    Forward,
    /// Only against it (OSM `oneway=-1`).
    Backward,
}

/// A road: a line of nodes with what matters to a run-up.
#[derive(Debug, Clone, PartialEq)]
pub struct Road {
    /// Where it came from: `osm:way/123`, `paths.features[2]`.
    pub source: String,
    pub name: Option<String>,
    /// Indices into [`RoadNetwork::nodes`].
    pub nodes: Vec<u32>,
    pub oneway: Oneway,
    /// Legal speed limit, km/h.
    pub maxspeed_kmh: Option<f64>,
    /// Superelevation of its bends (rise over run).
    pub bank: Option<f64>,
}

/// Nodes (longitude, latitude) and the roads between them.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct RoadNetwork {
    pub nodes: Vec<(f64, f64)>,
    pub roads: Vec<Road>,
}

impl RoadNetwork {
    pub fn add_node(&mut self, lon: f64, lat: f64) -> u32 {
        self.nodes.push((lon, lat));
        (self.nodes.len() - 1) as u32
    }

    /// Reads approach paths drawn by hand: a GeoJSON FeatureCollection (or one
    /// Feature, or a bare geometry) of LineStrings or MultiLineStrings. Properties:
    /// `name`, `maxspeed` (km/h), `bank` (superelevation, e.g. 0.05), `oneway`
    /// (`true`: only in the drawn direction). Paths that share an end point (the same
    /// coordinates) are joined there.
    pub fn from_geojson_paths(v: &Value) -> Result<RoadNetwork, Invalid> {
        let mut net = RoadNetwork::default();
        let mut at: HashMap<(u64, u64), u32> = HashMap::new();
        let mut errors = Vec::new();
        let features: Vec<Drawn> = match v.get("type").and_then(Value::as_str) {
            Some("FeatureCollection") => match v.get("features").and_then(Value::as_array) {
                Some(fs) => fs
                    .iter()
                    .enumerate()
                    .map(|(i, f)| (format!("features[{i}]"), f.get("geometry").unwrap_or(&Value::Null), f.get("properties").and_then(Value::as_object)))
                    .collect(),
                None => return Err(Invalid::one("features", "expected an array of features")),
            },
            Some("Feature") => vec![("".into(), v.get("geometry").unwrap_or(&Value::Null), v.get("properties").and_then(Value::as_object))],
            Some(_) => vec![("".into(), v, None)],
            None => return Err(Invalid::one("type", "expected a GeoJSON FeatureCollection of LineStrings")),
        };
        for (place, geometry, props) in features {
            let field = |f: &str| if place.is_empty() { f.to_string() } else { format!("{place}.{f}") };
            let lines: Vec<&Value> = match (geometry.get("type").and_then(Value::as_str), geometry.get("coordinates")) {
                (Some("LineString"), Some(c)) => vec![c],
                (Some("MultiLineString"), Some(Value::Array(ls))) => ls.iter().collect(),
                (other, _) => {
                    errors.push(rampart_core::FieldError::new(
                        field("geometry"),
                        format!("expected a LineString or MultiLineString, found {}", other.map(|t| format!("{t:?}")).unwrap_or_else(|| "none".into())),
                    ));
                    continue;
                }
            };
            let prop_num = |k: &str| props.and_then(|p| p.get(k)).and_then(Value::as_f64);
            let maxspeed = prop_num("maxspeed");
            if let Some(s) = maxspeed.filter(|s| *s <= 0.0) {
                errors.push(rampart_core::FieldError::new(field("properties.maxspeed"), format!("must be a positive speed in km/h, found {s}")));
            }
            let bank = prop_num("bank");
            if let Some(b) = bank.filter(|b| !(-0.5..=0.5).contains(b)) {
                errors.push(rampart_core::FieldError::new(field("properties.bank"), format!("expected a superelevation between -0.5 and 0.5 (rise over run), found {b}")));
            }
            let oneway = if props.and_then(|p| p.get("oneway")).and_then(Value::as_bool) == Some(true) { Oneway::Forward } else { Oneway::No };
            let name = props.and_then(|p| p.get("name")).and_then(Value::as_str).map(str::to_string);
            for (li, line) in lines.iter().enumerate() {
                let lfield = if lines.len() > 1 { field(&format!("geometry.coordinates[{li}]")) } else { field("geometry.coordinates") };
                let Some(points) = line.as_array().filter(|p| p.len() >= 2) else {
                    errors.push(rampart_core::FieldError::new(lfield, "a path needs at least two positions"));
                    continue;
                };
                let mut nodes = Vec::with_capacity(points.len());
                for (pi, p) in points.iter().enumerate() {
                    match Geometry::from_geojson(&serde_json::json!({"type": "Point", "coordinates": p})) {
                        Ok(Geometry::Point { lon, lat }) => {
                            let key = (lon.to_bits(), lat.to_bits());
                            let id = *at.entry(key).or_insert_with(|| {
                                net.nodes.push((lon, lat));
                                (net.nodes.len() - 1) as u32
                            });
                            nodes.push(id);
                        }
                        Ok(_) => {}
                        Err(e) => errors.extend(e.0.into_iter().map(|fe| rampart_core::FieldError::new(format!("{lfield}[{pi}]"), fe.message))),
                    }
                }
                let source = if place.is_empty() { "path".to_string() } else { format!("paths.{place}") };
                net.roads.push(Road { source, name: name.clone(), nodes, oneway, maxspeed_kmh: maxspeed, bank });
            }
        }
        if errors.is_empty() {
            Ok(net)
        } else {
            Err(Invalid(errors))
        }
    }
}

/// The protected perimeter: a simple polygon (holes are ignored: a vehicle is
/// stopped at the outer line).
#[derive(Debug, Clone, PartialEq)]
pub struct Perimeter {
    pub polygon: geo::Polygon<f64>,
}

impl Perimeter {
    /// A perimeter from a registry geometry; a point is refused.
    pub fn from_geometry(g: &Geometry) -> Result<Perimeter, Invalid> {
        match g {
            Geometry::Polygon(p) => Ok(Perimeter { polygon: p.clone() }),
            Geometry::Point { .. } => Err(Invalid::one("type", "expected a Polygon: a perimeter must enclose an area, found a Point")),
        }
    }

    /// A perimeter from GeoJSON: a Polygon geometry, a Feature of one, or a
    /// FeatureCollection whose first polygon feature is taken. The ring must be
    /// closed, have at least four positions and not cross itself.
    pub fn from_geojson(v: &Value) -> Result<Perimeter, Invalid> {
        let geometry = match v.get("type").and_then(Value::as_str) {
            Some("Feature") => return Perimeter::from_geojson(v.get("geometry").unwrap_or(&Value::Null)).map_err(|e| e.within("geometry")),
            Some("FeatureCollection") => {
                let features = v.get("features").and_then(Value::as_array).ok_or_else(|| Invalid::one("features", "expected an array of features"))?;
                let (i, f) = features
                    .iter()
                    .enumerate()
                    .find(|(_, f)| f.pointer("/geometry/type").and_then(Value::as_str) == Some("Polygon"))
                    .ok_or_else(|| Invalid::one("features", "no feature has a Polygon geometry"))?;
                return Perimeter::from_geojson(f).map_err(|e| e.within(&format!("features[{i}]")));
            }
            Some("MultiPolygon") => return Err(Invalid::one("type", "expected a Polygon, found a MultiPolygon: give each part as its own perimeter")),
            _ => Geometry::from_geojson(v)?,
        };
        Perimeter::from_geometry(&geometry)
    }

    /// The perimeter's box widened by `margin_m` metres on every side.
    pub fn search_box(&self, margin_m: f64) -> BBox {
        let b = Geometry::Polygon(self.polygon.clone()).bbox();
        let lat0 = (b.min_lat + b.max_lat) / 2.0;
        let dlat = margin_m / super::approach::METRES_PER_DEGREE;
        let dlon = dlat / lat0.to_radians().cos().max(0.01);
        BBox {
            min_lon: (b.min_lon - dlon).max(-180.0),
            min_lat: (b.min_lat - dlat).max(-90.0),
            max_lon: (b.max_lon + dlon).min(180.0),
            max_lat: (b.max_lat + dlat).min(90.0),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn a_perimeter_that_is_not_a_valid_polygon_is_refused_by_place() {
        let bowtie = json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]});
        assert_eq!(Perimeter::from_geojson(&bowtie).expect_err("bow tie").to_string(), "coordinates[0]: the ring intersects itself (segments 0 and 2)");
        let open = json!({"type": "Feature", "geometry": {"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]}});
        assert_eq!(Perimeter::from_geojson(&open).expect_err("open").to_string(), "geometry.coordinates[0]: the ring is not closed: its first and last positions differ");
        let point = json!({"type": "Point", "coordinates": [24.9, 60.1]});
        assert_eq!(Perimeter::from_geojson(&point).expect_err("point").to_string(), "type: expected a Polygon: a perimeter must enclose an area, found a Point");
    }

    #[test]
    fn drawn_paths_join_at_shared_ends_and_bad_ones_are_named() {
        let paths = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "properties": {"name": "A", "maxspeed": 30}, "geometry": {"type": "LineString", "coordinates": [[24.0, 60.0], [24.001, 60.0]]}},
            {"type": "Feature", "properties": {"oneway": true}, "geometry": {"type": "LineString", "coordinates": [[24.001, 60.0], [24.002, 60.0]]}}]});
        let net = RoadNetwork::from_geojson_paths(&paths).expect("paths");
        assert_eq!(net.nodes.len(), 3);
        assert_eq!(net.roads[1].nodes, [1, 2]);
        assert_eq!((net.roads[0].maxspeed_kmh, net.roads[1].oneway), (Some(30.0), Oneway::Forward));
        let bad = json!({"type": "FeatureCollection", "features": [
            {"type": "Feature", "geometry": {"type": "Point", "coordinates": [24.0, 60.0]}},
            {"type": "Feature", "properties": {"maxspeed": -5}, "geometry": {"type": "LineString", "coordinates": [[24.0, 60.0], [24.0, 95.0]]}}]});
        assert_eq!(
            RoadNetwork::from_geojson_paths(&bad).expect_err("bad").to_string(),
            "features[0].geometry: expected a LineString or MultiLineString, found \"Point\"; features[1].properties.maxspeed: must be a positive speed in km/h, found -5; features[1].geometry.coordinates[1]: latitude must be within ±90, found 95"
        );
    }
}
