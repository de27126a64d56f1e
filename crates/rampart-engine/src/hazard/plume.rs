//! Toxic release: the steady Gaussian plume with ground reflection.
//!
//! `C(x, y, z) = Q / (2π u σy σz) · exp(−y² / 2σy²) · [exp(−(z−H)² / 2σz²) + exp(−(z+H)² / 2σz²)]`
//!
//! with Q the release rate (g/s), u the wind speed (m/s), H the release height (m),
//! x downwind, y crosswind and z the receptor height (m). At ground level (z = 0):
//! `C = Q / (π u σy σz) · exp(−y² / 2σy²) · exp(−H² / 2σz²)`. Results are in mg/m³.
//!
//! Dispersion σy(x), σz(x) for the Pasquill–Gifford stability classes A–F follow the
//! Briggs (1973) open-country (rural) formulas, as tabulated in e.g. the AIChE/CCPS
//! *Guidelines for Consequence Analysis of Chemical Releases* (1999): G. A. Briggs,
//! "Diffusion Estimation for Small Emissions", ATDL contribution 79, NOAA, 1973
//! (doi:10.2172/5118833). They are stated for 100 m < x < 10 km; closer in they are
//! extrapolated (the isopleths start at the source), and isopleths are cut at
//! `x_max_m` (10 km by default) with [`Isopleth::truncated`] set.
//!
//! Wind direction is meteorological: the direction the wind blows **from**, in degrees
//! clockwise from north; the plume travels the opposite way.

use std::fmt;

use geo::{LineString, MultiPolygon, Polygon};

use super::footprint::{Footprint, Zone};
use super::geodesy::LocalFrame;

/// Pasquill–Gifford stability class: A very unstable … D neutral … F moderately stable.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Stability {
    A,
    B,
    C,
    D,
    E,
    F,
}

impl Stability {
    pub fn parse(s: &str) -> Option<Stability> {
        match s.trim() {
            "A" | "a" => Some(Stability::A),
            "B" | "b" => Some(Stability::B),
            "C" | "c" => Some(Stability::C),
            "D" | "d" => Some(Stability::D),
            "E" | "e" => Some(Stability::E),
            "F" | "f" => Some(Stability::F),
            _ => None,
        }
    }

    /// Crosswind spread σy (m) at `x` m downwind (Briggs 1973, open country).
    pub fn sigma_y(self, x: f64) -> f64 {
        let a = match self {
            Stability::A => 0.22,
            Stability::B => 0.16,
            Stability::C => 0.11,
            Stability::D => 0.08,
            Stability::E => 0.06,
            Stability::F => 0.04,
        };
        a * x / (1.0 + 0.0001 * x).sqrt()
    }

    /// Vertical spread σz (m) at `x` m downwind (Briggs 1973, open country).
    pub fn sigma_z(self, x: f64) -> f64 {
        match self {
            Stability::A => 0.20 * x,
            Stability::B => 0.12 * x,
            Stability::C => 0.08 * x / (1.0 + 0.0002 * x).sqrt(),
            Stability::D => 0.06 * x / (1.0 + 0.0015 * x).sqrt(),
            Stability::E => 0.03 * x / (1.0 + 0.0003 * x),
            Stability::F => 0.016 * x / (1.0 + 0.0003 * x),
        }
    }
}

/// A continuous release at a point.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Release {
    pub lon: f64,
    pub lat: f64,
    /// Release rate, g/s.
    pub rate_g_s: f64,
    /// Effective release height, m (no plume rise is added).
    pub height_m: f64,
    /// Wind speed at release height, m/s.
    pub wind_speed_m_s: f64,
    /// Where the wind comes from, degrees clockwise from north.
    pub wind_from_deg: f64,
    pub stability: Stability,
}

#[derive(Debug, Clone, PartialEq)]
pub enum PlumeError {
    Invalid { field: &'static str, message: String },
}

impl fmt::Display for PlumeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PlumeError::Invalid { field, message } => write!(f, "{field}: {message}"),
        }
    }
}

impl std::error::Error for PlumeError {}

/// Below this wind speed the plume model does not hold (calm: no advection).
pub const MIN_WIND_M_S: f64 = 0.5;

impl Release {
    /// Checks the release: coordinates in range, positive rate, height ≥ 0, wind at
    /// least [`MIN_WIND_M_S`], direction finite.
    pub fn validate(self) -> Result<Release, PlumeError> {
        let bad = |field, message: String| Err(PlumeError::Invalid { field, message });
        if !(self.lon.is_finite() && (-180.0..=180.0).contains(&self.lon)) {
            return bad("lon", format!("must be within -180..180, got {}", self.lon));
        }
        if !(self.lat.is_finite() && (-90.0..=90.0).contains(&self.lat)) {
            return bad("lat", format!("must be within -90..90, got {}", self.lat));
        }
        if !(self.rate_g_s.is_finite() && self.rate_g_s > 0.0) {
            return bad("rate_g_s", format!("must be positive, got {}", self.rate_g_s));
        }
        if !(self.height_m.is_finite() && self.height_m >= 0.0) {
            return bad("height_m", format!("must be zero or more, got {}", self.height_m));
        }
        if !(self.wind_speed_m_s.is_finite() && self.wind_speed_m_s >= MIN_WIND_M_S) {
            return bad("wind_speed_m_s", format!("must be at least {MIN_WIND_M_S} m/s, got {}", self.wind_speed_m_s));
        }
        if !self.wind_from_deg.is_finite() {
            return bad("wind_from_deg", format!("must be a direction in degrees, got {}", self.wind_from_deg));
        }
        Ok(self)
    }

    /// Concentration (mg/m³) at `x` m downwind, `y` m crosswind, `z` m above ground.
    /// Zero at and upwind of the source.
    pub fn concentration_mg_m3(&self, x: f64, y: f64, z: f64) -> f64 {
        if x <= 0.0 {
            return 0.0;
        }
        let (sy, sz) = (self.stability.sigma_y(x), self.stability.sigma_z(x));
        let h = self.height_m;
        let vertical = (-(z - h).powi(2) / (2.0 * sz * sz)).exp() + (-(z + h).powi(2) / (2.0 * sz * sz)).exp();
        let g_m3 = self.rate_g_s / (2.0 * std::f64::consts::PI * self.wind_speed_m_s * sy * sz)
            * (-(y * y) / (2.0 * sy * sy)).exp()
            * vertical;
        g_m3 * 1000.0
    }

    /// Ground-level concentration on the plume axis, mg/m³.
    pub fn centreline_mg_m3(&self, x: f64) -> f64 {
        self.concentration_mg_m3(x, 0.0, 0.0)
    }

    /// Unit vectors (east, north) of the downwind and the left-crosswind directions.
    fn axes(&self) -> ((f64, f64), (f64, f64)) {
        let (s, c) = self.wind_from_deg.to_radians().sin_cos();
        ((-s, -c), (c, -s))
    }

    /// (downwind, crosswind) metres of a lon/lat point from the source.
    pub fn plume_coordinates(&self, lon: f64, lat: f64) -> (f64, f64) {
        let (east, north) = LocalFrame::new(self.lon, self.lat).to_metres(lon, lat);
        let ((de, dn), (ce, cn)) = self.axes();
        (east * de + north * dn, east * ce + north * cn)
    }

    /// Ground-level concentration (mg/m³) at a lon/lat point.
    pub fn ground_concentration_at(&self, lon: f64, lat: f64) -> f64 {
        let (x, y) = self.plume_coordinates(lon, lat);
        self.concentration_mg_m3(x, y, 0.0)
    }

    fn place(&self, frame: &LocalFrame, x: f64, y: f64) -> (f64, f64) {
        let ((de, dn), (ce, cn)) = self.axes();
        frame.to_lon_lat(x * de + y * ce, x * dn + y * cn)
    }
}

/// A named concentration level, e.g. AEGL-2 for a substance and exposure time.
#[derive(Debug, Clone, PartialEq)]
pub struct Level {
    pub id: String,
    pub mg_m3: f64,
}

/// How isopleths are traced.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IsoplethConfig {
    /// Nearest downwind distance examined, m.
    pub x_min_m: f64,
    /// Farthest downwind distance; beyond it the isopleth is cut.
    pub x_max_m: f64,
    /// Samples along x (log-spaced) per edge of the polygon.
    pub samples: usize,
}

impl Default for IsoplethConfig {
    fn default() -> Self {
        IsoplethConfig { x_min_m: 1.0, x_max_m: 10_000.0, samples: 200 }
    }
}

/// The ground-level area where the concentration reaches a level.
#[derive(Debug, Clone, PartialEq)]
pub struct Isopleth {
    pub level: Level,
    /// Closed polygon in lon/lat; `None` when the level is reached nowhere.
    pub polygon: Option<Polygon<f64>>,
    /// Downwind range (m) over which the axis concentration reaches the level.
    pub downwind_from_m: f64,
    pub downwind_to_m: f64,
    /// Largest half-width (m) of the area.
    pub max_half_width_m: f64,
    /// The area continues beyond `x_max_m` and was cut there.
    pub truncated: bool,
}

/// Traces one isopleth per level. Along the axis the area spans the x where
/// `C(x, 0, 0) ≥ level`; at each such x its half-width is
/// `σy · √(2 ln(C(x,0,0) / level))`. The outline (upper edge out, lower edge back) is
/// rotated to the wind and placed around the source with a local equirectangular frame.
pub fn isopleths(release: &Release, levels: &[Level], config: &IsoplethConfig) -> Vec<Isopleth> {
    levels.iter().map(|level| isopleth(release, level, config)).collect()
}

fn isopleth(release: &Release, level: &Level, config: &IsoplethConfig) -> Isopleth {
    let none = Isopleth {
        level: level.clone(),
        polygon: None,
        downwind_from_m: 0.0,
        downwind_to_m: 0.0,
        max_half_width_m: 0.0,
        truncated: false,
    };
    let target = level.mg_m3;
    if !(target.is_finite() && target > 0.0) {
        return none;
    }
    let n = config.samples.max(16);
    let (x_lo, x_hi) = (config.x_min_m.max(1e-3), config.x_max_m.max(config.x_min_m * 2.0));
    let step = (x_hi / x_lo).ln() / (n - 1) as f64;
    let xs: Vec<f64> = (0..n).map(|i| if i == n - 1 { x_hi } else { x_lo * (step * i as f64).exp() }).collect();
    let above = |x: f64| release.centreline_mg_m3(x) >= target;
    let Some(first) = xs.iter().position(|&x| above(x)) else { return none };
    let last = first + xs[first..].iter().take_while(|&&x| above(x)).count() - 1;
    let bisect = |mut inside: f64, mut outside: f64| {
        for _ in 0..80 {
            let mid = 0.5 * (inside + outside);
            if above(mid) {
                inside = mid;
            } else {
                outside = mid;
            }
        }
        inside
    };
    // A ground-level (or low) release exceeds the level right from the source.
    let from = if first == 0 { 0.0 } else { bisect(xs[first], xs[first - 1]) };
    let truncated = last == n - 1;
    let to = if truncated { x_hi } else { bisect(xs[last], xs[last + 1]) };
    let half_width = |x: f64| {
        let c = release.centreline_mg_m3(x);
        if x <= 0.0 || c <= target {
            0.0
        } else {
            release.stability.sigma_y(x) * (2.0 * (c / target).ln()).sqrt()
        }
    };
    let mut edge: Vec<(f64, f64)> = Vec::with_capacity(n + 2);
    edge.push((from, half_width(from)));
    edge.extend(xs[first..=last].iter().filter(|&&x| x > from && x < to).map(|&x| (x, half_width(x))));
    edge.push((to, half_width(to)));
    let max_half_width_m = edge.iter().map(|e| e.1).fold(0.0, f64::max);

    let frame = LocalFrame::new(release.lon, release.lat);
    let mut ring: Vec<(f64, f64)> = Vec::with_capacity(2 * edge.len() + 1);
    ring.extend(edge.iter().map(|&(x, w)| release.place(&frame, x, -w)));
    ring.extend(edge.iter().rev().filter(|e| e.1 > 0.0).map(|&(x, w)| release.place(&frame, x, w)));
    ring.push(ring[0]);
    Isopleth {
        level: level.clone(),
        polygon: Some(Polygon::new(LineString::from(ring), vec![])),
        downwind_from_m: from,
        downwind_to_m: to,
        max_half_width_m,
        truncated,
    }
}

/// The isopleths as a footprint: one zone per traced level, intensity = level (mg/m³).
pub fn footprint(isopleths: &[Isopleth]) -> Footprint {
    Footprint::new(
        isopleths
            .iter()
            .filter_map(|iso| {
                Some(Zone {
                    label: iso.level.id.clone(),
                    intensity: iso.level.mg_m3,
                    area: MultiPolygon(vec![iso.polygon.clone()?]),
                })
            })
            .collect(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn release(stability: Stability, height_m: f64) -> Release {
        Release { lon: 10.0, lat: 50.0, rate_g_s: 100.0, height_m, wind_speed_m_s: 5.0, wind_from_deg: 0.0, stability }
            .validate()
            .unwrap()
    }

    /// Class D, Q = 100 g/s, u = 5 m/s, H = 0, at x = 1000 m, y = 50 m, z = 0:
    /// σy = 0.08·1000/√1.1 = 76.2770 m, σz = 0.06·1000/√2.5 = 37.9473 m,
    /// C = 100 / (π·5·76.2770·37.9473) · exp(−50²/(2·76.2770²)) g/m³
    ///   = 2.19941e-3 · 0.806667 g/m³ = 1.77419 mg/m³.
    #[test]
    fn class_d_concentration_by_hand() {
        let r = release(Stability::D, 0.0);
        assert!((Stability::D.sigma_y(1000.0) - 76.2770).abs() < 1e-3);
        assert!((Stability::D.sigma_z(1000.0) - 37.9473).abs() < 1e-3);
        let c = r.concentration_mg_m3(1000.0, 50.0, 0.0);
        assert!((c - 1.77419).abs() < 1e-4, "{c}");
        assert_eq!(r.concentration_mg_m3(-10.0, 0.0, 0.0), 0.0);
    }

    /// Elevated release, H = 20 m: the axis value is damped by exp(−H²/2σz²).
    #[test]
    fn elevated_release_is_damped_near_the_source() {
        let ground = release(Stability::D, 0.0);
        let high = release(Stability::D, 20.0);
        let sz = Stability::D.sigma_z(1000.0);
        let ratio = high.centreline_mg_m3(1000.0) / ground.centreline_mg_m3(1000.0);
        assert!((ratio - (-(400.0) / (2.0 * sz * sz)).exp()).abs() < 1e-12);
        assert!(high.centreline_mg_m3(10.0) < 1e-6);
    }

    #[test]
    fn isopleth_points_downwind_and_nests() {
        // Wind from the north: the plume goes south.
        let r = release(Stability::D, 0.0);
        let levels = [Level { id: "aegl_1".into(), mg_m3: 1.5 }, Level { id: "aegl_3".into(), mg_m3: 58.0 }];
        let isos = isopleths(&r, &levels, &IsoplethConfig::default());
        let (low, high) = (&isos[0], &isos[1]);
        assert!(low.downwind_to_m > high.downwind_to_m && !low.truncated);
        // At its far end the axis concentration equals the level.
        assert!((r.centreline_mg_m3(low.downwind_to_m) / 1.5 - 1.0).abs() < 1e-6);
        let fp = footprint(&isos);
        let frame = LocalFrame::new(10.0, 50.0);
        let (lon, lat) = frame.to_lon_lat(0.0, -0.5 * low.downwind_to_m);
        assert_eq!(fp.intensity_at(lon, lat), 1.5);
        let (lon, lat) = frame.to_lon_lat(0.0, 0.5 * low.downwind_to_m);
        assert_eq!(fp.intensity_at(lon, lat), 0.0, "nothing upwind");
        let (lon, lat) = frame.to_lon_lat(0.0, -0.5 * high.downwind_to_m);
        assert_eq!(fp.intensity_at(lon, lat), 58.0);
        // The footprint agrees with the point model inside the polygon.
        assert!(r.ground_concentration_at(lon, lat) >= 58.0);
    }

    #[test]
    fn calm_wind_is_rejected() {
        let mut r = release(Stability::F, 0.0);
        r.wind_speed_m_s = 0.1;
        assert_eq!(r.validate().unwrap_err().to_string(), "wind_speed_m_s: must be at least 0.5 m/s, got 0.1");
    }
}
