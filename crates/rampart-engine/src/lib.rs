//! Rampart's analysis engine. It holds the registry as a compact graph with dense
//! indices and runs the models of METHODS.md §1 over it. It does no IO: callers build
//! the graph from the store or from files and write results themselves.

pub mod csr;
pub mod hazard;

pub use csr::Csr;
