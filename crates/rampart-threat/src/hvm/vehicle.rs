//! Test vehicle classes of the impact-test standards and the run-up defaults used
//! for each.
//!
//! Masses are the standards' test-vehicle masses (PAS 68, IWA 14-1 / ISO 22343-1,
//! ASTM F2656; METHODS.md §3, [C] except the IWA classes other than N3C, [R]).
//! Accelerations follow SUMO's vehicle-class defaults by kind (passenger car 2.9,
//! truck 1.3, semitrailer 1.1 m/s²) — SUMO's "convenient" values, not the most a
//! determined driver gets; all are configurable. Top speeds are Rampart defaults
//! ([R]: cars and vans unrestricted in practice, trucks held to 90 km/h by EU speed
//! limiters), also configurable.

use rampart_core::Invalid;
use serde::{Deserialize, Serialize};

/// The standard whose notation a rating uses.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Standard {
    /// IWA 14-1:2013, replaced in 2023 by ISO 22343-1 (same notation).
    Iwa14,
    /// BSI PAS 68.
    Pas68,
    /// ASTM F2656.
    Astm,
}

/// A test vehicle class and how fast it gathers speed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VehicleClass {
    /// The class code as rating strings write it: `M1`, `N3C`, `PU` …
    pub code: String,
    pub label: String,
    pub mass_kg: f64,
    /// Acceleration on the run-up, m/s².
    pub accel: f64,
    /// Highest speed the vehicle reaches on a long enough straight, km/h.
    pub top_speed_kmh: f64,
    /// The standards whose notation has this class.
    pub standards: Vec<Standard>,
}

const CAR: f64 = 2.9;
const TRUCK: f64 = 1.3;
const SEMITRAILER: f64 = 1.1;

fn class(code: &str, label: &str, mass_kg: f64, accel: f64, top_speed_kmh: f64, standards: &[Standard]) -> VehicleClass {
    VehicleClass { code: code.into(), label: label.into(), mass_kg, accel, top_speed_kmh, standards: standards.to_vec() }
}

/// Every class Rampart knows, PAS 68 and IWA 14-1 first, then ASTM F2656.
pub fn catalogue() -> Vec<VehicleClass> {
    use Standard::*;
    vec![
        class("M1", "car", 1500.0, CAR, 160.0, &[Pas68, Iwa14]),
        class("N1G", "4×4 pick-up", 2500.0, CAR, 150.0, &[Pas68, Iwa14]),
        class("N1", "van", 3500.0, CAR, 140.0, &[Pas68, Iwa14]),
        class("N2", "rigid truck", 7500.0, TRUCK, 90.0, &[Pas68]),
        class("N3", "rigid truck", 7500.0, TRUCK, 90.0, &[Pas68]),
        class("N2A", "two-axle truck", 7200.0, TRUCK, 90.0, &[Iwa14]),
        class("N2B", "day-cab truck", 6800.0, TRUCK, 90.0, &[Iwa14]),
        class("N3C", "flat-bed truck", 7200.0, TRUCK, 90.0, &[Iwa14]),
        class("N3D", "three-axle truck", 12000.0, TRUCK, 90.0, &[Iwa14]),
        class("N3E", "four-axle truck", 30000.0, SEMITRAILER, 90.0, &[Iwa14]),
        class("N3F", "articulated truck", 30000.0, SEMITRAILER, 90.0, &[Iwa14]),
        class("C", "small passenger car", 1100.0, CAR, 160.0, &[Astm]),
        class("PU", "pick-up truck", 2300.0, CAR, 150.0, &[Astm]),
        class("M", "medium-duty truck", 6800.0, TRUCK, 90.0, &[Astm]),
        class("H", "heavy goods vehicle", 29500.0, SEMITRAILER, 90.0, &[Astm]),
    ]
}

/// The classes analysed when none are asked for: PAS 68's five and IWA's N3C.
pub const DEFAULT_CLASSES: [&str; 6] = ["M1", "N1G", "N1", "N2", "N3", "N3C"];

/// A class by its code (case-insensitive).
pub fn by_code(code: &str) -> Option<VehicleClass> {
    let code = code.trim();
    catalogue().into_iter().find(|c| c.code.eq_ignore_ascii_case(code))
}

impl VehicleClass {
    /// Checks a class given by a caller (e.g. with its own mass or acceleration).
    pub fn check(&self, field: &str) -> Result<(), Invalid> {
        let mut errors = Vec::new();
        let mut want = |name: &str, v: f64, what: &str| {
            if !(v.is_finite() && v > 0.0) {
                errors.push(rampart_core::FieldError::new(
                    if field.is_empty() { name.to_string() } else { format!("{field}.{name}") },
                    format!("{what} must be a positive number, found {v}"),
                ));
            }
        };
        want("mass_kg", self.mass_kg, "the mass");
        want("accel", self.accel, "the acceleration");
        want("top_speed_kmh", self.top_speed_kmh, "the top speed");
        if self.code.trim().is_empty() {
            errors.push(rampart_core::FieldError::new(format!("{field}.code"), "is empty"));
        }
        if errors.is_empty() {
            Ok(())
        } else {
            Err(Invalid(errors))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn catalogue_holds_the_standard_masses() {
        let mass = |c: &str| by_code(c).map(|v| v.mass_kg);
        assert_eq!(mass("m1"), Some(1500.0));
        assert_eq!(mass("N3"), Some(7500.0));
        assert_eq!(mass("N3C"), Some(7200.0));
        assert_eq!(mass("H"), Some(29500.0));
        assert_eq!(mass("X9"), None);
        assert!(DEFAULT_CLASSES.iter().all(|c| by_code(c).is_some()));
    }

    #[test]
    fn a_negative_mass_is_refused_by_name() {
        let mut v = by_code("N3").expect("N3");
        v.mass_kg = -7500.0;
        let e = v.check("vehicles[0]").expect_err("negative mass");
        assert_eq!(e.to_string(), "vehicles[0].mass_kg: the mass must be a positive number, found -7500");
    }
}
