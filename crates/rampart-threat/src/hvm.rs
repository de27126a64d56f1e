//! Hostile vehicle mitigation: vehicle approaches into a protected perimeter and the
//! barrier rating each needs.
