//! Rampart's domain: the registry of critical infrastructure and public spaces.
//!
//! Everything here is pure: no IO, no clock, no randomness. Values from outside
//! (JSON bodies, CSV rows, GeoJSON features, OSM tags) are parsed into these types
//! at the boundary; a value of a type from this crate is valid by construction.

#![cfg_attr(test, allow(clippy::unwrap_used))]

pub mod access;
pub mod assessment;
pub mod alert;
pub mod asset;
pub mod community;
pub mod country;
pub mod dependency;
pub mod error;
pub mod federation;
pub mod fields;
pub mod geometry;
pub mod incident;
pub mod library;
pub mod ids;
pub mod org;
pub mod taxonomy;
pub mod tlp;

pub use access::{AssessmentParties, Principal, Role, Scope};
pub use alert::{AlertAccess, AlertState, RecipientReason};
pub use asset::{Asset, Kind};
pub use country::CountryCode;
pub use dependency::{Dependency, Network, NetworkLink};
pub use error::{FieldError, Invalid};
pub use geometry::{BBox, Geometry};
pub use community::{Community, SharingProfile};
pub use ids::{AssetId, CommunityId, OrgId, Username};
pub use org::{OrgKind, Organisation};
pub use taxonomy::{Category, Sector, Service, Subsector};
pub use tlp::{may_read, Relation, Relations, Tlp};
