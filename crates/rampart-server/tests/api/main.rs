//! API tests against a real server on a random port. All in one test binary.

mod access;
mod alerts;
mod analysis;
mod audit;
mod assessments;
mod auth;
mod drone;
mod federation;
mod federation_items;
mod helpers;
mod hvm;
mod incidents;
mod library;
mod registry;
mod sharing;
mod taxii;
mod threat;
mod webhooks;
