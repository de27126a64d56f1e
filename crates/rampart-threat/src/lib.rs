//! Threat-specific tools for planners of public spaces and events (PRODUCT.md C6,
//! METHODS.md §3, §4, §7, §8). Everything here is pure computation: callers read files,
//! databases and the network, and pass values in. Blast stand-off lives with the
//! analysis engine's hazards (`rampart_engine::hazard::blast`), whose explosion
//! footprints both use.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod drone;
pub mod egress;
pub mod hvm;
pub mod precursor;
