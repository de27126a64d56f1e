//! Earthquake ground shaking: peak ground acceleration from magnitude and distance.
//!
//! Model: S. Akkar and J. J. Bommer, "Empirical Equations for the Prediction of PGA,
//! PGV, and Spectral Accelerations in Europe, the Mediterranean Region, and the
//! Middle East", *Seismological Research Letters* 81(2), 195–206, 2010:
//!
//! `log10 PGA[cm/s²] = b1 + b2·M + b3·M² + (b4 + b5·M)·log10 √(Rjb² + b6²) + b7·Ss + b8·Sa + b9·Fn + b10·Fr`
//!
//! with the PGA coefficients of the update in J. J. Bommer, S. Akkar and S. Drouet,
//! "Extending ground-motion prediction equations for spectral accelerations to higher
//! response frequencies", *Bull. Earthquake Eng.* 10, 379–399, 2012, table 5 — the set
//! the OpenQuake engine uses for its `AkkarBommer2010` model. Ss = 1 for soft soil
//! (Vs30 < 360 m/s), Sa = 1 for stiff soil (360–750 m/s), both 0 for rock; Fn, Fr
//! flag normal and reverse faulting. Valid for Mw 5.0–7.6 and Rjb ≤ 100 km; outside
//! that an error. Result: the median, geometric mean of the horizontal components, in g.
//!
//! Simplification: an epicentre stands for the rupture, so Rjb is taken as the
//! epicentral (great-circle) distance — reasonable for moderate magnitudes, an
//! overestimate of distance (underestimate of shaking) near large ruptures.

use std::fmt;

use super::geodesy::haversine_m;

const B1: f64 = 1.43525;
const B2: f64 = 0.74866;
const B3: f64 = -0.06520;
const B4: f64 = -2.72950;
const B5: f64 = 0.25139;
const B6: f64 = 7.74959;
const B7: f64 = 0.08320;
const B8: f64 = 0.00766;
const B9: f64 = -0.05823;
const B10: f64 = 0.07087;
/// Total standard deviation of log10 PGA.
pub const SIGMA_LOG10: f64 = 0.281646179;

/// Standard gravity, m/s².
const G: f64 = 9.80665;

pub const MAGNITUDE_RANGE: (f64, f64) = (5.0, 7.6);
pub const MAX_DISTANCE_KM: f64 = 100.0;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Site {
    Rock,
    /// 360 ≤ Vs30 ≤ 750 m/s.
    StiffSoil,
    /// Vs30 < 360 m/s.
    SoftSoil,
}

impl Site {
    /// The class of a site by its Vs30 (m/s).
    pub fn from_vs30(vs30: f64) -> Site {
        if vs30 < 360.0 {
            Site::SoftSoil
        } else if vs30 <= 750.0 {
            Site::StiffSoil
        } else {
            Site::Rock
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Faulting {
    StrikeSlip,
    Normal,
    Reverse,
}

#[derive(Debug, Clone, PartialEq)]
pub enum QuakeError {
    MagnitudeOutOfRange(f64),
    DistanceOutOfRange(f64),
}

impl fmt::Display for QuakeError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            QuakeError::MagnitudeOutOfRange(m) => {
                write!(f, "magnitude {m} is outside the model's range Mw {} to {}", MAGNITUDE_RANGE.0, MAGNITUDE_RANGE.1)
            }
            QuakeError::DistanceOutOfRange(r) => write!(f, "distance {r:.1} km is outside the model's range 0 to {MAX_DISTANCE_KM} km"),
        }
    }
}

impl std::error::Error for QuakeError {}

/// Median PGA (g) for moment magnitude `mw` at Joyner–Boore distance `rjb_km`.
pub fn pga_g(mw: f64, rjb_km: f64, site: Site, faulting: Faulting) -> Result<f64, QuakeError> {
    if !(mw >= MAGNITUDE_RANGE.0 && mw <= MAGNITUDE_RANGE.1) {
        return Err(QuakeError::MagnitudeOutOfRange(mw));
    }
    if !(0.0..=MAX_DISTANCE_KM).contains(&rjb_km) {
        return Err(QuakeError::DistanceOutOfRange(rjb_km));
    }
    let (ss, sa) = match site {
        Site::Rock => (0.0, 0.0),
        Site::StiffSoil => (0.0, 1.0),
        Site::SoftSoil => (1.0, 0.0),
    };
    let (fn_, fr) = match faulting {
        Faulting::StrikeSlip => (0.0, 0.0),
        Faulting::Normal => (1.0, 0.0),
        Faulting::Reverse => (0.0, 1.0),
    };
    let log10_cm_s2 = B1 + B2 * mw + B3 * mw * mw + (B4 + B5 * mw) * (rjb_km * rjb_km + B6 * B6).sqrt().log10()
        + B7 * ss
        + B8 * sa
        + B9 * fn_
        + B10 * fr;
    Ok(10f64.powf(log10_cm_s2) / 100.0 / G)
}

/// An earthquake: epicentre, magnitude and mechanism.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Quake {
    pub lon: f64,
    pub lat: f64,
    pub mw: f64,
    pub faulting: Faulting,
}

impl Quake {
    /// Median PGA (g) at a point on `site`; an error beyond [`MAX_DISTANCE_KM`].
    pub fn pga_at(&self, lon: f64, lat: f64, site: Site) -> Result<f64, QuakeError> {
        pga_g(self.mw, haversine_m(self.lon, self.lat, lon, lat) / 1000.0, site, self.faulting)
    }

    /// PGA (g) at many points (e.g. an event set's centroids), all on `site`; points
    /// beyond [`MAX_DISTANCE_KM`] get 0 (outside the model, no shaking counted).
    pub fn pga_at_points(&self, lon: &[f64], lat: &[f64], site: Site) -> Result<Vec<f64>, QuakeError> {
        if !(self.mw >= MAGNITUDE_RANGE.0 && self.mw <= MAGNITUDE_RANGE.1) {
            return Err(QuakeError::MagnitudeOutOfRange(self.mw));
        }
        Ok(lon
            .iter()
            .zip(lat)
            .map(|(&x, &y)| self.pga_at(x, y, site).unwrap_or(0.0))
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Mw 6, Rjb 10 km, rock, strike-slip:
    /// 1.43525 + 0.74866·6 − 0.06520·36 + (−2.72950 + 0.25139·6)·log10 √(100 + 7.74959²)
    /// = 3.58001 − 1.22116·1.102132 = 2.234125 → 171.45 cm/s² = 0.174825 g.
    #[test]
    fn pga_by_hand() {
        let pga = pga_g(6.0, 10.0, Site::Rock, Faulting::StrikeSlip).unwrap();
        assert!((pga - 0.174825).abs() < 1e-5, "{pga}");
        // Mw 7, 30 km, soft soil: + b7 → 0.133869 g.
        let pga = pga_g(7.0, 30.0, Site::SoftSoil, Faulting::StrikeSlip).unwrap();
        assert!((pga - 0.133869).abs() < 1e-5, "{pga}");
    }

    #[test]
    fn shaking_falls_with_distance_and_is_bounded() {
        let q = Quake { lon: 13.4, lat: 42.35, mw: 6.3, faulting: Faulting::Normal };
        let near = q.pga_at(13.4, 42.36, Site::Rock).unwrap();
        let far = q.pga_at(13.4, 42.8, Site::Rock).unwrap();
        assert!(near > far && far > 0.0);
        assert_eq!(q.pga_at(13.4, 44.0, Site::Rock).unwrap_err().to_string(), "distance 183.5 km is outside the model's range 0 to 100 km");
        assert_eq!(
            pga_g(4.0, 1.0, Site::Rock, Faulting::Normal).unwrap_err().to_string(),
            "magnitude 4 is outside the model's range Mw 5 to 7.6"
        );
        assert_eq!(q.pga_at_points(&[13.4, 13.4], &[42.36, 44.0], Site::Rock).unwrap()[1], 0.0);
    }
}
