//! Crowd egress: capacity and egress time of a venue under a chosen rule set.
