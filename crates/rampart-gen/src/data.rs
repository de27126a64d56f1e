//! The embedded reference data: Natural Earth country borders (1:50m, public domain)
//! and GeoNames populated places (`cities1000`, CC BY 4.0), parsed once on first use.
//!
//! Point-in-country tests are exact against the 1:50m polygons and cheap: every
//! country's polygon edges are bucketed into latitude bands, and a test casts a ray
//! only across the edges of the point's band (tens of edges instead of thousands).

use geo::{ChamberlainDuquetteArea, Coord, LineString, MultiPolygon, Polygon};
use rampart_core::CountryCode;
use serde_json::Value;
use std::collections::{BTreeSet, HashMap};
use std::sync::OnceLock;

const COUNTRIES_GEOJSON: &str = include_str!("../../../data/europe-countries.geojson");
const CITIES_CSV: &str = include_str!("../../../data/europe-cities.csv");

/// The countries the generator populates, sorted by code: the EU-27, EFTA and the
/// United Kingdom, the Western Balkans, Ukraine and Moldova.
pub const SCOPE: [&str; 40] = [
    "AL", "AT", "BA", "BE", "BG", "CH", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GB", "GR", "HR", "HU", "IE", "IS",
    "IT", "LI", "LT", "LU", "LV", "MD", "ME", "MK", "MT", "NL", "NO", "PL", "PT", "RO", "RS", "SE", "SI", "SK", "UA", "XK",
];

/// Height of the latitude bands of the point-in-polygon index, in degrees.
const BAND: f64 = 0.25;

/// One country or territory of the border file.
pub struct Shape {
    /// `None` for features without an ISO code (Northern Cyprus).
    pub code: Option<CountryCode>,
    pub name: String,
    pub polygon: MultiPolygon<f64>,
    /// min lon, min lat, max lon, max lat
    pub bbox: [f64; 4],
    /// Edges `[x0, y0, x1, y1]` of every ring, per latitude band from `bbox[1]`.
    bands: Vec<Vec<[f64; 4]>>,
}

impl Shape {
    /// Whether the point lies inside the country (even-odd rule over all rings).
    pub fn contains(&self, lon: f64, lat: f64) -> bool {
        let [x0, y0, x1, y1] = self.bbox;
        if lon < x0 || lon > x1 || lat < y0 || lat > y1 {
            return false;
        }
        let band = ((lat - y0) / BAND) as usize;
        let Some(edges) = self.bands.get(band) else { return false };
        let mut inside = false;
        for e in edges {
            if (e[1] > lat) != (e[3] > lat) {
                let x = e[0] + (lat - e[1]) * (e[2] - e[0]) / (e[3] - e[1]);
                if lon < x {
                    inside = !inside;
                }
            }
        }
        inside
    }
}

/// A populated place of a country in scope.
pub struct City {
    pub name: String,
    /// Index into [`SCOPE`].
    pub country: usize,
    pub lon: f64,
    pub lat: f64,
    pub pop: u64,
    /// Within about 12 km of the sea (only computed for places of 20,000 or more).
    pub coastal: bool,
    /// Direction of the nearest sea sample, radians from east, counter-clockwise.
    pub sea_bearing: f64,
}

/// A country in scope.
pub struct ScopeCountry {
    pub code: CountryCode,
    /// Index into [`World::shapes`].
    pub shape: Option<usize>,
    /// Its cities, a range of [`World::cities`], largest first.
    pub cities: std::ops::Range<usize>,
    pub pop: u64,
    /// Land area in km² from the border polygon.
    pub area_km2: f64,
}

/// Two countries in scope that share a land border or face each other across a
/// narrow sea (places of 10,000 or more within 150 km).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Neighbours {
    pub a: usize,
    pub b: usize,
    pub land: bool,
}

pub struct World {
    pub shapes: Vec<Shape>,
    pub scope: Vec<ScopeCountry>,
    pub cities: Vec<City>,
    pub neighbours: Vec<Neighbours>,
}

/// The parsed reference data. Panics if the embedded files are corrupt, which the
/// crate's tests rule out.
pub fn world() -> &'static World {
    static WORLD: OnceLock<World> = OnceLock::new();
    WORLD.get_or_init(|| match load() {
        Ok(w) => w,
        Err(e) => panic!("rampart-gen: the embedded reference data is corrupt: {e}"),
    })
}

impl World {
    pub fn country_at(&self, lon: f64, lat: f64) -> Option<usize> {
        self.shapes.iter().position(|s| s.contains(lon, lat))
    }

    /// Whether a point is inside the given country in scope.
    pub fn in_country(&self, country: usize, lon: f64, lat: f64) -> bool {
        self.scope[country].shape.and_then(|s| self.shapes.get(s)).is_some_and(|s| s.contains(lon, lat))
    }

    pub fn scope_index(&self, code: &str) -> Option<usize> {
        SCOPE.iter().position(|c| *c == code)
    }
}

/// Distance in km between two points (haversine, mean Earth radius).
pub fn km(lon1: f64, lat1: f64, lon2: f64, lat2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0 * a.sqrt().min(1.0).asin()
}

/// Moves a point by `dx` km east and `dy` km north.
pub fn offset(lon: f64, lat: f64, dx: f64, dy: f64) -> (f64, f64) {
    let lat2 = (lat + dy / 110.574).clamp(-89.9, 89.9);
    let lon2 = lon + dx / (111.320 * lat.to_radians().cos().max(0.05));
    (((lon2 + 540.0) % 360.0) - 180.0, lat2)
}

fn load() -> Result<World, String> {
    let shapes = load_shapes()?;
    let mut scope: Vec<ScopeCountry> = SCOPE
        .iter()
        .map(|c| {
            let code = CountryCode::parse(c).map_err(|e| e.to_string())?;
            let shape = shapes.iter().position(|s| s.code == Some(code));
            let area_km2 = shape.map(|s| shapes[s].polygon.chamberlain_duquette_unsigned_area() / 1e6).unwrap_or(1.0);
            Ok(ScopeCountry { code, shape, cities: 0..0, pop: 0, area_km2 })
        })
        .collect::<Result<_, String>>()?;
    let mut cities = load_cities()?;
    // Largest first within a country; the file is already so sorted, this makes it certain.
    cities.sort_by(|a, b| a.country.cmp(&b.country).then(b.pop.cmp(&a.pop)).then(a.name.cmp(&b.name)));
    let mut i = 0;
    while i < cities.len() {
        let c = cities[i].country;
        let start = i;
        while i < cities.len() && cities[i].country == c {
            scope[c].pop += cities[i].pop;
            i += 1;
        }
        scope[c].cities = start..i;
    }
    let mut world = World { shapes, scope, cities, neighbours: Vec::new() };
    mark_coasts(&mut world);
    world.neighbours = neighbours(&world);
    Ok(world)
}

fn coord(v: &Value) -> Option<Coord<f64>> {
    let a = v.as_array()?;
    Some(Coord { x: a.first()?.as_f64()?, y: a.get(1)?.as_f64()? })
}

fn ring(v: &Value) -> Option<LineString<f64>> {
    let mut pts: Vec<Coord<f64>> = v.as_array()?.iter().map(coord).collect::<Option<_>>()?;
    if pts.first() != pts.last() {
        let first = *pts.first()?;
        pts.push(first);
    }
    Some(LineString::new(pts))
}

fn polygon(v: &Value) -> Option<Polygon<f64>> {
    let mut rings: Vec<LineString<f64>> = v.as_array()?.iter().map(ring).collect::<Option<_>>()?;
    if rings.is_empty() {
        return None;
    }
    let exterior = rings.remove(0);
    Some(Polygon::new(exterior, rings))
}

fn load_shapes() -> Result<Vec<Shape>, String> {
    let doc: Value = serde_json::from_str(COUNTRIES_GEOJSON).map_err(|e| format!("europe-countries.geojson: {e}"))?;
    let features = doc.get("features").and_then(Value::as_array).ok_or("europe-countries.geojson: no features")?;
    let mut shapes = Vec::with_capacity(features.len());
    for (i, f) in features.iter().enumerate() {
        let bad = || format!("europe-countries.geojson: feature {i} is malformed");
        let props = f.get("properties").ok_or_else(bad)?;
        let name = props.get("name").and_then(Value::as_str).unwrap_or("").to_string();
        let code = props.get("iso_a2").and_then(Value::as_str).and_then(|c| CountryCode::parse(c).ok());
        let geom = f.get("geometry").ok_or_else(bad)?;
        let coords = geom.get("coordinates").ok_or_else(bad)?;
        let polygon = match geom.get("type").and_then(Value::as_str) {
            Some("Polygon") => MultiPolygon(vec![polygon(coords).ok_or_else(bad)?]),
            Some("MultiPolygon") => MultiPolygon(
                coords.as_array().ok_or_else(bad)?.iter().map(polygon).collect::<Option<Vec<_>>>().ok_or_else(bad)?,
            ),
            _ => return Err(bad()),
        };
        shapes.push(index_shape(code, name, polygon));
    }
    Ok(shapes)
}

fn index_shape(code: Option<CountryCode>, name: String, polygon: MultiPolygon<f64>) -> Shape {
    let mut bbox = [f64::MAX, f64::MAX, f64::MIN, f64::MIN];
    let rings = || polygon.0.iter().flat_map(|p| std::iter::once(p.exterior()).chain(p.interiors()));
    for r in rings() {
        for c in &r.0 {
            bbox = [bbox[0].min(c.x), bbox[1].min(c.y), bbox[2].max(c.x), bbox[3].max(c.y)];
        }
    }
    let n_bands = (((bbox[3] - bbox[1]) / BAND) as usize) + 1;
    let mut bands: Vec<Vec<[f64; 4]>> = vec![Vec::new(); n_bands];
    for r in rings() {
        for w in r.0.windows(2) {
            let (a, b) = (w[0], w[1]);
            if a.y == b.y {
                continue; // horizontal edges never cross a horizontal ray
            }
            let lo = ((a.y.min(b.y) - bbox[1]) / BAND) as usize;
            let hi = (((a.y.max(b.y) - bbox[1]) / BAND) as usize).min(n_bands - 1);
            for band in &mut bands[lo..=hi] {
                band.push([a.x, a.y, b.x, b.y]);
            }
        }
    }
    Shape { code, name, polygon, bbox, bands }
}

fn load_cities() -> Result<Vec<City>, String> {
    let mut rd = csv::ReaderBuilder::new().has_headers(true).from_reader(CITIES_CSV.as_bytes());
    let mut cities = Vec::with_capacity(52_000);
    for (i, rec) in rd.records().enumerate() {
        let line = i + 2;
        let rec = rec.map_err(|e| format!("europe-cities.csv line {line}: {e}"))?;
        let field = |k: usize| rec.get(k).ok_or_else(|| format!("europe-cities.csv line {line}: missing column {}", k + 1));
        let num = |k: usize| -> Result<f64, String> {
            field(k)?.trim().parse::<f64>().map_err(|e| format!("europe-cities.csv line {line} column {}: {e}", k + 1))
        };
        let cc = field(1)?;
        let Some(country) = SCOPE.iter().position(|c| *c == cc) else { continue };
        let (lat, lon, pop) = (num(2)?, num(3)?, num(4)?);
        if pop < 1.0 || !(-90.0..=90.0).contains(&lat) || !(-180.0..=180.0).contains(&lon) {
            continue;
        }
        let name = field(0)?.trim().to_string();
        if name.is_empty() {
            continue;
        }
        cities.push(City { name, country, lon, lat, pop: pop as u64, coastal: false, sea_bearing: 0.0 });
    }
    Ok(cities)
}

/// Marks places of 20,000 or more as coastal when a point 6 or 12 km away lies in no
/// country at all (the border file also holds every neighbour of the countries in
/// scope, so "no country" is the sea).
fn mark_coasts(w: &mut World) {
    use rayon::prelude::*;
    let shapes = &w.shapes;
    let flags: Vec<Option<f64>> = w
        .cities
        .par_iter()
        .map(|c| {
            if c.pop < 20_000 {
                return None;
            }
            for dist in [6.0, 12.0] {
                for k in 0..16 {
                    let ang = k as f64 * std::f64::consts::TAU / 16.0;
                    let (x, y) = offset(c.lon, c.lat, dist * ang.cos(), dist * ang.sin());
                    if !shapes.iter().any(|s| s.contains(x, y)) {
                        return Some(ang);
                    }
                }
            }
            None
        })
        .collect();
    for (c, f) in w.cities.iter_mut().zip(flags) {
        if let Some(a) = f {
            c.coastal = true;
            c.sea_bearing = a;
        }
    }
}

/// Countries in scope that share a land border (their border vertices come within
/// about 2 km of each other) or have places of 10,000 or more within 150 km of each
/// other across the sea.
fn neighbours(w: &World) -> Vec<Neighbours> {
    let cell = 0.02;
    let mut grid: HashMap<(i64, i64), Vec<usize>> = HashMap::new();
    for (ci, sc) in w.scope.iter().enumerate() {
        let Some(s) = sc.shape else { continue };
        for p in &w.shapes[s].polygon.0 {
            for c in &p.exterior().0 {
                let key = ((c.x / cell).floor() as i64, (c.y / cell).floor() as i64);
                let v = grid.entry(key).or_default();
                if !v.contains(&ci) {
                    v.push(ci);
                }
            }
        }
    }
    let mut land = BTreeSet::new();
    for (&(x, y), here) in &grid {
        for dx in -1..=1 {
            for dy in -1..=1 {
                if let Some(there) = grid.get(&(x + dx, y + dy)) {
                    for &a in here {
                        for &b in there {
                            if a != b {
                                land.insert((a.min(b), a.max(b)));
                            }
                        }
                    }
                }
            }
        }
    }
    // Across the sea: places of 10,000+ within 150 km, by a sweep over latitude.
    let mut big: Vec<&City> = w.cities.iter().filter(|c| c.pop >= 10_000).collect();
    big.sort_by(|a, b| a.lat.total_cmp(&b.lat));
    let mut sea = BTreeSet::new();
    // Pairs of countries tried, with how many place pairs were tested (bounded).
    let mut tries: HashMap<(usize, usize), u32> = HashMap::new();
    for (i, a) in big.iter().enumerate() {
        for b in &big[i + 1..] {
            if b.lat - a.lat > 1.4 {
                break;
            }
            if a.country != b.country {
                let key = (a.country.min(b.country), a.country.max(b.country));
                if land.contains(&key) || sea.contains(&key) || km(a.lon, a.lat, b.lon, b.lat) > 150.0 {
                    continue;
                }
                let n = tries.entry(key).or_insert(0);
                *n += 1;
                if *n <= 40 && crosses_only_sea(w, a, b) {
                    sea.insert(key);
                }
            }
        }
    }
    let mut out: Vec<Neighbours> = land.iter().map(|&(a, b)| Neighbours { a, b, land: true }).collect();
    out.extend(sea.iter().map(|&(a, b)| Neighbours { a, b, land: false }));
    out.sort_by_key(|n| (n.a, n.b));
    out
}

/// Whether the straight line between two places of different countries passes only
/// through those two countries and the sea (not through a third country).
fn crosses_only_sea(w: &World, a: &City, b: &City) -> bool {
    let mut saw_sea = false;
    for k in 1..40 {
        let t = k as f64 / 40.0;
        let (x, y) = (a.lon + (b.lon - a.lon) * t, a.lat + (b.lat - a.lat) * t);
        match w.country_at(x, y) {
            None => saw_sea = true,
            Some(s) => {
                let code = w.shapes[s].code;
                if code != Some(w.scope[a.country].code) && code != Some(w.scope[b.country].code) {
                    return false;
                }
            }
        }
    }
    saw_sea
}
