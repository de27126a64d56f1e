//! Vulnerability assessment with a common methodology, as data.
//!
//! A methodology file (TOML) holds threat scenarios, factors (what asset value, threat
//! and vulnerability are made of), questions grouped by security layer with described
//! answer scales and the scenarios they bear on, the risk bands and the 5 × 5 matrix, and
//! the rules that turn answers into suggested measures. A catalogue file holds the
//! measures with their good-practice family, cost, lead time and effect per threat type.
//! `score` turns a completed survey into risk per scenario before and after measures.
//!
//! Pure: no IO beyond parsing the text it is given, no clock, no randomness. The shipped
//! methodologies and catalogue are embedded. The schema and the arithmetic are written
//! out in docs/assessment-methodology.md.

mod error;
mod model;
mod parse;
mod score;

pub use error::{AnswerError, MethodologyError, Problem, ScoreError};
pub use model::*;
pub use score::{exposure, round2, score, suggest, Band, Scorer, Driver, FactorRating, OverallRating, RiskPoint, ScenarioScore, Scores, Suggestion, Trigger};

/// The shipped methodology files: (file name, text).
pub const SHIPPED_METHODOLOGY_FILES: [(&str, &str); 2] = [
    ("methodologies/eu-public-spaces.toml", include_str!("../methodologies/eu-public-spaces.toml")),
    ("methodologies/carver-shock.toml", include_str!("../methodologies/carver-shock.toml")),
];

/// The shipped catalogue file: (file name, text).
pub const SHIPPED_CATALOGUE_FILE: (&str, &str) = ("measures.toml", include_str!("../measures.toml"));

fn shipped() -> &'static (Vec<Methodology>, Catalogue) {
    static SHIPPED: std::sync::OnceLock<(Vec<Methodology>, Catalogue)> = std::sync::OnceLock::new();
    SHIPPED.get_or_init(|| {
        // The files are checked by the crate's tests; one that did not parse would be left out.
        let methodologies = SHIPPED_METHODOLOGY_FILES.iter().filter_map(|(name, text)| Methodology::from_toml(name, text).ok()).collect();
        let (name, text) = SHIPPED_CATALOGUE_FILE;
        let catalogue = Catalogue::from_toml(name, text).unwrap_or(Catalogue { version: String::new(), measures: Vec::new() });
        (methodologies, catalogue)
    })
}

/// The methodologies that ship with Rampart: "eu-public-spaces" and "carver-shock"
/// (parsed once, then cloned).
pub fn shipped_methodologies() -> Vec<Methodology> {
    shipped().0.clone()
}

pub fn shipped_methodology(id: &str) -> Option<Methodology> {
    shipped().0.iter().find(|m| m.id == id).cloned()
}

/// The catalogue of measures that ships with Rampart.
pub fn shipped_catalogue() -> Catalogue {
    shipped().1.clone()
}
