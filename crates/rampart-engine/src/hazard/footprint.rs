//! A scenario footprint: areas (lon/lat polygons) each with a hazard intensity, as
//! produced by blast rings, plume isopleths or drawn by hand.

use geo::{BoundingRect, Coord, Intersects, MultiPolygon, Point, Rect};

/// One area of a footprint: inside `area` the intensity is at least `intensity`.
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    /// What the zone stands for, e.g. a threshold id (`eardrum_rupture`, `aegl_2`).
    pub label: String,
    pub intensity: f64,
    /// Polygons in (lon, lat) degrees.
    pub area: MultiPolygon<f64>,
}

/// Zones with their bounding boxes, for point queries.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Footprint {
    zones: Vec<Zone>,
    boxes: Vec<Option<Rect<f64>>>,
}

impl Footprint {
    pub fn new(zones: Vec<Zone>) -> Footprint {
        let boxes = zones.iter().map(|z| z.area.bounding_rect()).collect();
        Footprint { zones, boxes }
    }

    pub fn zones(&self) -> &[Zone] {
        &self.zones
    }

    pub fn is_empty(&self) -> bool {
        self.zones.is_empty()
    }

    /// The highest intensity among the zones containing (lon, lat) — boundary included —
    /// or 0 when no zone does.
    pub fn intensity_at(&self, lon: f64, lat: f64) -> f64 {
        let point = Point::new(lon, lat);
        let mut best = 0.0f64;
        for (zone, bbox) in self.zones.iter().zip(&self.boxes) {
            let Some(bbox) = bbox else { continue };
            if zone.intensity <= best || !in_rect(bbox, lon, lat) {
                continue;
            }
            if zone.area.intersects(&point) {
                best = zone.intensity;
            }
        }
        best
    }

    /// [`Footprint::intensity_at`] for many points (e.g. the centroids of an event set).
    pub fn intensity_at_points(&self, lon: &[f64], lat: &[f64]) -> Vec<f64> {
        lon.iter().zip(lat).map(|(&x, &y)| self.intensity_at(x, y)).collect()
    }

    /// The box around all zones, if any.
    pub fn bounding_rect(&self) -> Option<Rect<f64>> {
        self.boxes.iter().flatten().copied().reduce(|a, b| {
            Rect::new(
                Coord { x: a.min().x.min(b.min().x), y: a.min().y.min(b.min().y) },
                Coord { x: a.max().x.max(b.max().x), y: a.max().y.max(b.max().y) },
            )
        })
    }
}

fn in_rect(r: &Rect<f64>, x: f64, y: f64) -> bool {
    x >= r.min().x && x <= r.max().x && y >= r.min().y && y <= r.max().y
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{polygon, MultiPolygon};

    #[test]
    fn nested_zones_give_the_highest_intensity() {
        let outer = polygon![(x: 0.0, y: 0.0), (x: 2.0, y: 0.0), (x: 2.0, y: 2.0), (x: 0.0, y: 2.0), (x: 0.0, y: 0.0)];
        let inner = polygon![(x: 0.5, y: 0.5), (x: 1.0, y: 0.5), (x: 1.0, y: 1.0), (x: 0.5, y: 1.0), (x: 0.5, y: 0.5)];
        let fp = Footprint::new(vec![
            Zone { label: "low".into(), intensity: 1.0, area: MultiPolygon(vec![outer]) },
            Zone { label: "high".into(), intensity: 5.0, area: MultiPolygon(vec![inner]) },
        ]);
        assert_eq!(fp.intensity_at(0.75, 0.75), 5.0);
        assert_eq!(fp.intensity_at(1.5, 1.5), 1.0);
        assert_eq!(fp.intensity_at(2.0, 1.0), 1.0, "boundary counts as inside");
        assert_eq!(fp.intensity_at(3.0, 1.0), 0.0);
        assert_eq!(fp.intensity_at_points(&[0.75, 3.0], &[0.75, 3.0]), vec![5.0, 0.0]);
    }
}
