//! Rampart's analysis engine. It holds the registry as a compact graph with dense
//! indices and runs the models of METHODS.md §1 over it. It does no IO: callers build
//! the graph from the store or from files and write results themselves.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod cascade;
pub mod connectivity;
pub mod criticality;
pub mod csr;
pub mod graph;
pub mod hazard;
pub mod iim;
pub mod impact;
pub mod motter_lai;
pub mod percolation;
pub mod single;
pub mod study;

pub use cascade::{Cascade, Cause, Change, Damage, Rules};
pub use csr::Csr;
pub use graph::{BuildError, Graph, GraphBuilder, Node};
