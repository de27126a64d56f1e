//! Hazard models and the CLIMADA-style impact calculation (METHODS.md §1.2–1.4).
//!
//! - [`blast`]: Kingery–Bulmash airblast (overpressure, impulse, stand-off rings).
//! - [`plume`]: Gaussian plume with Pasquill–Gifford classes and Briggs σ (isopleths).
//! - [`quake`]: Akkar & Bommer (2010) PGA from magnitude and distance.
//! - [`footprint`]: polygons with an intensity; blast rings and plume isopleths become one.
//! - [`impact_fn`]: impact functions (MDD, PAA) and lognormal fragility curves.
//! - [`events`]: event sets (events, centroids, sparse intensities) read from CSV.
//! - [`risk`]: impact per event, expected annual impact, exceedance curves, Monte Carlo.
//! - [`synthetic`]: seeded synthetic event sets and exposure for benchmarks.
//!
//! Everything here is pure: parsers take text or readers, callers do the IO. Values
//! marked \[R\] in the shipped data files and in `docs/analysis-hazards.md` are recalled
//! defaults, not normative figures.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod blast;
pub mod events;
pub mod footprint;
pub mod geodesy;
pub mod impact_fn;
pub mod plume;
pub mod quake;
pub mod risk;
pub mod synthetic;
mod table;

pub use table::DataError;
