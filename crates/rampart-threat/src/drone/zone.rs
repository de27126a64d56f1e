//! The UAS geographical zone model shared by the ED-269 and ED-318 readers and writers,
//! and zones drawn around registry sites.

use super::country::alpha3;
use geo::{Coord, LineString, MultiPolygon, Polygon};
use rampart_core::{Asset, FieldError, Geometry, Invalid};
use serde_json::{json, Value};

/// Longest ED-269 zone identifier.
pub const MAX_ID_CHARS: usize = 7;
/// Longest ED-269 zone name.
pub const MAX_NAME_CHARS: usize = 200;
/// The upper limit written for a zone without one, as published data encode "unlimited".
pub const UNLIMITED_M: f64 = 99_999.0;
/// Metres per foot.
pub const FOOT_M: f64 = 0.3048;
/// Mean Earth radius used for circles and buffers (the haversine sphere).
pub const EARTH_RADIUS_M: f64 = 6_371_008.8;

macro_rules! keyed {
    ($(#[$m:meta])* $name:ident { $($v:ident = $k:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name { $($v),+ }
        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$v),+];
            /// The model's spelling.
            pub fn key(self) -> &'static str {
                match self { $($name::$v => $k),+ }
            }
            /// The model's spelling, case-insensitive.
            pub fn parse(s: &str) -> Option<Self> {
                let up = s.trim().to_ascii_uppercase();
                $(if up == $k { return Some($name::$v); })+
                None
            }
        }
    };
}

keyed!(
    /// ED-269 `type` (ED-318 `variant`).
    ZoneType { Common = "COMMON", Customized = "CUSTOMIZED" }
);
keyed!(
    /// ED-269 `restriction` (ED-318 `type`, which spells `REQ_AUTHORIZATION` with a z and adds `USPACE`).
    Restriction {
        Prohibited = "PROHIBITED",
        ReqAuthorisation = "REQ_AUTHORISATION",
        Conditional = "CONDITIONAL",
        NoRestriction = "NO_RESTRICTION",
        USpace = "USPACE",
    }
);
keyed!(
    /// Why a zone exists. Protected sites are `SENSITIVE`; the model has no "security".
    Reason {
        AirTraffic = "AIR_TRAFFIC",
        Sensitive = "SENSITIVE",
        Privacy = "PRIVACY",
        Population = "POPULATION",
        Nature = "NATURE",
        Noise = "NOISE",
        ForeignTerritory = "FOREIGN_TERRITORY",
        Emergency = "EMERGENCY",
        Other = "OTHER",
    }
);
keyed!(
    /// What a vertical limit is measured from: the ground, mean sea level or the WGS 84 ellipsoid.
    VerticalReference { Agl = "AGL", Amsl = "AMSL", Wgs84 = "WGS84" }
);

/// A lower or upper limit in metres; `None` is "from the surface" (lower) or "unlimited" (upper).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Limit {
    pub metres: Option<f64>,
    pub reference: VerticalReference,
}

/// The horizontal extent of a volume.
#[derive(Debug, Clone, PartialEq)]
pub enum Shape {
    /// Longitude/latitude, WGS 84; a valid polygon (closed simple rings).
    Polygon(Polygon<f64>),
    Circle { lon: f64, lat: f64, radius_m: f64 },
}

/// One airspace volume of a zone: a shape between two limits.
#[derive(Debug, Clone, PartialEq)]
pub struct Volume {
    pub lower: Limit,
    pub upper: Limit,
    pub shape: Shape,
}

/// When a zone applies. Schedules are kept as read (ED-269 `dailyPeriod`, ED-318
/// `schedule`) and written back; incursion checks read them through
/// [`super::schedule::Window`].
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Applicability {
    pub permanent: bool,
    pub start: Option<String>,
    pub end: Option<String>,
    pub schedule: Vec<Value>,
}

/// Who to contact about a zone.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Authority {
    pub name: Option<String>,
    pub service: Option<String>,
    pub contact_name: Option<String>,
    pub email: Option<String>,
    pub phone: Option<String>,
    pub site_url: Option<String>,
    pub purpose: Option<String>,
    pub interval_before: Option<String>,
}

/// A UAS geographical zone (ED-269 `UASZoneVersion`, one ED-318 feature per volume).
#[derive(Debug, Clone, PartialEq)]
pub struct Zone {
    pub id: String,
    /// ISO 3166-1 alpha-3.
    pub country: String,
    pub name: String,
    pub zone_type: ZoneType,
    pub restriction: Restriction,
    pub reasons: Vec<Reason>,
    pub restriction_conditions: Option<String>,
    pub message: Option<String>,
    pub region: Option<i64>,
    pub volumes: Vec<Volume>,
    pub applicability: Applicability,
    pub authorities: Vec<Authority>,
    /// `extendedProperties`, kept as read; zones of registry sites name their asset here.
    pub extended: Option<Value>,
}

impl Zone {
    /// A permanent, prohibited zone around a sensitive site with one volume: the
    /// shape of zone a protected site gets (callers change what differs).
    pub fn protected(id: impl Into<String>, country: impl Into<String>, name: impl Into<String>, volume: Volume) -> Zone {
        Zone {
            id: id.into(),
            country: country.into(),
            name: name.into(),
            zone_type: ZoneType::Common,
            restriction: Restriction::Prohibited,
            reasons: vec![Reason::Sensitive],
            restriction_conditions: None,
            message: None,
            region: None,
            volumes: vec![volume],
            applicability: Applicability { permanent: true, ..Default::default() },
            authorities: vec![],
            extended: None,
        }
    }
}

/// The result of reading a zone file: its zones and what was read leniently.
#[derive(Debug, Clone, PartialEq)]
pub struct ZoneFile {
    /// `ed269` or `ed318`.
    pub format: &'static str,
    pub zones: Vec<Zone>,
    /// Departures from the model that were accepted, each naming the field.
    pub warnings: Vec<FieldError>,
}

impl Shape {
    /// The bounding box `[min_lon, min_lat, max_lon, max_lat]`.
    pub fn bbox(&self) -> [f64; 4] {
        match self {
            Shape::Polygon(p) => {
                let mut b = [f64::INFINITY, f64::INFINITY, f64::NEG_INFINITY, f64::NEG_INFINITY];
                for c in &p.exterior().0 {
                    b = [b[0].min(c.x), b[1].min(c.y), b[2].max(c.x), b[3].max(c.y)];
                }
                b
            }
            Shape::Circle { lon, lat, radius_m } => {
                let dlat = (radius_m / EARTH_RADIUS_M).to_degrees();
                let dlon = dlat / lat.to_radians().cos().max(1e-6);
                [lon - dlon, lat - dlat, lon + dlon, lat + dlat]
            }
        }
    }

    /// GeoJSON of the shape; circles as a 64-sided polygon (for maps).
    pub fn to_geojson(&self) -> Value {
        match self {
            Shape::Polygon(p) => Geometry::Polygon(p.clone()).to_geojson(),
            Shape::Circle { lon, lat, radius_m } => {
                let ring: Vec<[f64; 2]> = circle_ring(*lon, *lat, *radius_m, 64).0.iter().map(|c| [c.x, c.y]).collect();
                json!({"type": "Polygon", "coordinates": [ring]})
            }
        }
    }
}

/// A closed ring of `n` positions approximating a circle on the sphere.
pub fn circle_ring(lon: f64, lat: f64, radius_m: f64, n: usize) -> LineString<f64> {
    let mut coords: Vec<Coord<f64>> = (0..n)
        .map(|i| {
            let bearing = std::f64::consts::TAU * i as f64 / n as f64;
            destination(lon, lat, bearing, radius_m)
        })
        .collect();
    if let Some(first) = coords.first().copied() {
        coords.push(first);
    }
    LineString::new(coords)
}

/// The point `distance_m` away along `bearing` (radians from north) on the haversine sphere.
fn destination(lon: f64, lat: f64, bearing: f64, distance_m: f64) -> Coord<f64> {
    let (phi1, lambda1, delta) = (lat.to_radians(), lon.to_radians(), distance_m / EARTH_RADIUS_M);
    let phi2 = (phi1.sin() * delta.cos() + phi1.cos() * delta.sin() * bearing.cos()).asin();
    let lambda2 = lambda1 + (bearing.sin() * delta.sin() * phi1.cos()).atan2(delta.cos() - phi1.sin() * phi2.sin());
    Coord { x: (lambda2.to_degrees() + 540.0) % 360.0 - 180.0, y: phi2.to_degrees() }
}

/// How zones are drawn around registry sites.
#[derive(Debug, Clone, PartialEq)]
pub struct SiteZoneOptions {
    /// Distance added around the site, in metres (a point site needs more than zero).
    pub buffer_m: f64,
    pub lower_m: f64,
    pub upper_m: f64,
    pub reference: VerticalReference,
    pub restriction: Restriction,
}

impl Default for SiteZoneOptions {
    fn default() -> Self {
        SiteZoneOptions { buffer_m: 500.0, lower_m: 0.0, upper_m: 120.0, reference: VerticalReference::Agl, restriction: Restriction::Prohibited }
    }
}

impl SiteZoneOptions {
    /// Checks the numbers, naming the option at fault.
    pub fn check(&self) -> Result<(), Invalid> {
        let mut errors = Vec::new();
        if !self.buffer_m.is_finite() || !(0.0..=50_000.0).contains(&self.buffer_m) {
            errors.push(FieldError::new("buffer", format!("must be between 0 and 50000 metres, found {}", self.buffer_m)));
        }
        if !self.lower_m.is_finite() || !self.upper_m.is_finite() || self.lower_m < -1000.0 || self.upper_m > UNLIMITED_M {
            errors.push(FieldError::new("lower", "limits must be finite metres between -1000 and 99999"));
        } else if self.lower_m >= self.upper_m {
            errors.push(FieldError::new("upper", format!("must be above the lower limit {}, found {}", self.lower_m, self.upper_m)));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Invalid(errors))
        }
    }
}

/// A short identifier (at most 7 characters, as ED-269 requires) derived from an asset
/// id: `R` and six base-36 digits of its FNV-1a hash. The asset id itself is kept in
/// `extendedProperties.rampartAssetId`.
pub fn zone_id_of(asset_id: &str) -> String {
    let mut h: u64 = 0xcbf2_9ce4_8422_2325;
    for b in asset_id.bytes() {
        h = (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3);
    }
    let mut n = h % 36u64.pow(6);
    let mut digits = [b'0'; 6];
    for d in digits.iter_mut().rev() {
        *d = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"[(n % 36) as usize];
        n /= 36;
    }
    format!("R{}", String::from_utf8_lossy(&digits))
}

/// The zone protecting a registry site: its outline (or a circle around its point)
/// grown by the buffer, between the altitude limits, reason SENSITIVE.
pub fn site_zone(asset: &Asset, opts: &SiteZoneOptions) -> Result<Zone, Invalid> {
    opts.check()?;
    let shape = match &asset.geometry {
        Geometry::Point { lon, lat } if opts.buffer_m > 0.0 => Shape::Circle { lon: *lon, lat: *lat, radius_m: opts.buffer_m },
        Geometry::Point { .. } => {
            return Err(Invalid::one("buffer", format!("asset {} is a point: its zone needs a buffer of more than 0 metres", asset.id)))
        }
        Geometry::Polygon(p) if opts.buffer_m > 0.0 => Shape::Polygon(buffer_polygon(p, opts.buffer_m)),
        Geometry::Polygon(p) => Shape::Polygon(Polygon::new(p.exterior().clone(), vec![])),
    };
    let limit = |m: f64| Limit { metres: Some(m), reference: opts.reference };
    let name: String = asset.name.chars().take(MAX_NAME_CHARS).collect();
    let volume = Volume { lower: limit(opts.lower_m), upper: limit(opts.upper_m), shape };
    Ok(Zone {
        restriction: opts.restriction,
        message: Some(format!("Protected site; keep {} m clear", opts.buffer_m)),
        extended: Some(json!({"rampartAssetId": asset.id.as_str()})),
        ..Zone::protected(zone_id_of(asset.id.as_str()), alpha3(asset.country), name, volume)
    })
}

/// The outline grown by `distance_m`: the union of the polygon with a disc at every
/// vertex and a rectangle along every edge of its exterior, computed in a local
/// equirectangular projection around the polygon (metres; exact enough at site scale).
/// Holes are dropped: a protected zone covers its courtyards.
pub fn buffer_polygon(p: &Polygon<f64>, distance_m: f64) -> Polygon<f64> {
    use geo::orient::{Direction, Orient};
    use geo::{Area, Centroid};
    let (lon0, lat0) = p.centroid().map(|c| (c.x(), c.y())).unwrap_or((0.0, 0.0));
    let kx = EARTH_RADIUS_M * lat0.to_radians().cos() * std::f64::consts::PI / 180.0;
    let ky = EARTH_RADIUS_M * std::f64::consts::PI / 180.0;
    let to_m = |c: &Coord<f64>| Coord { x: (c.x - lon0) * kx, y: (c.y - lat0) * ky };
    let to_deg = |c: &Coord<f64>| Coord { x: c.x / kx + lon0, y: c.y / ky + lat0 };
    let ring: Vec<Coord<f64>> = p.exterior().0.iter().map(to_m).collect();
    let mut pieces = vec![Polygon::new(LineString::new(ring.clone()), vec![])];
    const SIDES: usize = 32;
    for w in ring.windows(2) {
        let (a, b) = (w[0], w[1]);
        let disc: Vec<Coord<f64>> = (0..=SIDES)
            .map(|i| {
                let t = std::f64::consts::TAU * (i % SIDES) as f64 / SIDES as f64;
                Coord { x: a.x + distance_m * t.cos(), y: a.y + distance_m * t.sin() }
            })
            .collect();
        pieces.push(Polygon::new(LineString::new(disc), vec![]));
        let len = ((b.x - a.x).powi(2) + (b.y - a.y).powi(2)).sqrt();
        if len > 0.0 {
            let (nx, ny) = (-(b.y - a.y) / len * distance_m, (b.x - a.x) / len * distance_m);
            let quad = vec![
                Coord { x: a.x + nx, y: a.y + ny },
                Coord { x: b.x + nx, y: b.y + ny },
                Coord { x: b.x - nx, y: b.y - ny },
                Coord { x: a.x - nx, y: a.y - ny },
                Coord { x: a.x + nx, y: a.y + ny },
            ];
            pieces.push(Polygon::new(LineString::new(quad), vec![]));
        }
    }
    // The union needs one winding order: exteriors counter-clockwise.
    let pieces: Vec<Polygon<f64>> = pieces.iter().map(|p| p.orient(Direction::Default)).collect();
    let union: MultiPolygon<f64> = geo::unary_union(pieces.iter());
    let largest = union.0.into_iter().max_by(|a, b| a.unsigned_area().total_cmp(&b.unsigned_area()));
    let exterior = largest.map(|l| l.exterior().clone()).unwrap_or_else(|| LineString::new(ring));
    let mut coords: Vec<Coord<f64>> = exterior.0.iter().map(to_deg).collect();
    if coords.first() != coords.last() {
        if let Some(f) = coords.first().copied() {
            coords.push(f);
        }
    }
    Polygon::new(LineString::new(coords), vec![])
}

/// A zone as Rampart's own JSON (what `rampart drone import` prints and the API returns):
/// limits in metres, shapes as GeoJSON (circles also as centre and radius).
pub fn zone_summary(z: &Zone) -> Value {
    let limit = |l: &Limit| json!({"metres": l.metres, "reference": l.reference.key()});
    json!({
        "id": z.id,
        "name": z.name,
        "country": z.country,
        "type": z.zone_type.key(),
        "restriction": z.restriction.key(),
        "reason": z.reasons.iter().map(|r| r.key()).collect::<Vec<_>>(),
        "message": z.message,
        "permanent": z.applicability.permanent,
        "asset_id": z.extended.as_ref().and_then(|e| e.get("rampartAssetId")).cloned(),
        "volumes": z.volumes.iter().map(|v| json!({
            "lower": limit(&v.lower),
            "upper": limit(&v.upper),
            "geometry": v.shape.to_geojson(),
            "circle": match v.shape {
                Shape::Circle { lon, lat, radius_m } => json!({"center": [lon, lat], "radius_m": radius_m}),
                Shape::Polygon(_) => Value::Null,
            },
        })).collect::<Vec<_>>(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use geo::{Area, Contains, Point};

    fn asset(geometry: Value) -> Asset {
        let obj = json!({"id": "DE-STA-1", "name": "Olympiastadion", "category": "stadium", "country": "DE", "geometry": geometry});
        Asset::from_json(obj.as_object().unwrap()).unwrap()
    }

    #[test]
    fn ids_are_short_stable_and_distinct() {
        assert_eq!(zone_id_of("DE-STA-1"), zone_id_of("DE-STA-1"));
        assert_eq!(zone_id_of("DE-STA-1").chars().count(), MAX_ID_CHARS);
        let ids: std::collections::HashSet<String> = (0..10_000).map(|i| zone_id_of(&format!("DE-STA-{i}"))).collect();
        assert_eq!(ids.len(), 10_000);
    }

    #[test]
    fn a_point_site_becomes_a_circle_and_needs_a_buffer() {
        let a = asset(json!({"type": "Point", "coordinates": [13.2395, 52.5147]}));
        let z = site_zone(&a, &SiteZoneOptions::default()).unwrap();
        assert_eq!((z.country.as_str(), z.reasons.as_slice(), z.restriction), ("DEU", &[Reason::Sensitive][..], Restriction::Prohibited));
        assert_eq!(z.volumes[0].shape, Shape::Circle { lon: 13.2395, lat: 52.5147, radius_m: 500.0 });
        assert_eq!((z.volumes[0].lower.metres, z.volumes[0].upper.metres), (Some(0.0), Some(120.0)));
        let e = site_zone(&a, &SiteZoneOptions { buffer_m: 0.0, ..Default::default() }).unwrap_err();
        assert_eq!(e.0[0].field, "buffer");
        let e = site_zone(&a, &SiteZoneOptions { lower_m: 200.0, ..Default::default() }).unwrap_err();
        assert_eq!(e.0[0].field, "upper");
    }

    #[test]
    fn a_polygon_site_grows_by_the_buffer() {
        // A square about 111 m × 68 m at 52.5° N.
        let sq = json!({"type": "Polygon", "coordinates": [[[13.0, 52.5], [13.001, 52.5], [13.001, 52.501], [13.0, 52.501], [13.0, 52.5]]]});
        let a = asset(sq);
        let z = site_zone(&a, &SiteZoneOptions { buffer_m: 100.0, ..Default::default() }).unwrap();
        let Shape::Polygon(p) = &z.volumes[0].shape else { panic!("a polygon") };
        // 100 m east of the east edge is inside (at 52.5° N, 100 m ≈ 0.00148° of longitude); 120 m is not.
        assert!(p.contains(&Point::new(13.001 + 0.00145, 52.5005)));
        assert!(!p.contains(&Point::new(13.001 + 0.00178, 52.5005)));
        // Area: the square, four 100 m strips and a disc of 100 m.
        let (w, h) = (0.001 * 111_195.0 * 52.5f64.to_radians().cos(), 111.195);
        let expected = w * h + 2.0 * 100.0 * (w + h) + std::f64::consts::PI * 100.0 * 100.0;
        let kx = 111_195.0 * 52.5f64.to_radians().cos();
        let got = p.unsigned_area() * kx * 111_195.0;
        assert!((got / expected - 1.0).abs() < 0.01, "area {got} vs {expected}");
        // The buffered ring is a valid registry geometry.
        Geometry::from_geojson(&z.volumes[0].shape.to_geojson()).unwrap();
    }

    #[test]
    fn circles_are_drawn_at_their_radius() {
        let ring = circle_ring(7.0, 46.0, 1000.0, 64);
        assert_eq!(ring.0.len(), 65);
        for c in &ring.0 {
            use geo::Distance;
            let d = geo::Haversine.distance(Point::new(7.0, 46.0), Point::new(c.x, c.y));
            assert!((d - 1000.0).abs() < 1.0, "{d}");
        }
    }
}
