//! Threat-specific tools for planners of public spaces and events (PRODUCT.md C6,
//! METHODS.md §1.3, §3, §4, §7, §8). Everything here is pure computation: callers read
//! files, databases and the network, and pass values in. The blast physics lives with the
//! analysis engine's hazards (`rampart_engine::hazard::blast`), whose explosion
//! footprints both use; [`blast`] arranges it for stand-off planning.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod blast;
pub mod drone;
pub mod egress;
pub mod hvm;
pub mod precursor;
