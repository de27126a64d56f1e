//! The methodology and the catalogue once parsed and checked: every reference resolves,
//! every scale is well formed. Built by `Methodology::from_toml` and `Catalogue::from_toml`
//! (parse.rs); the scoring engine (score.rs) relies on these invariants.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A vulnerability-assessment methodology: scenarios, questions by security layer,
/// scoring rules and the rules that turn answers into suggested measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Methodology {
    pub id: String,
    pub version: String,
    pub title: String,
    pub description: String,
    /// The public sources whose structure the methodology follows.
    pub sources: Vec<String>,
    pub scoring: Scoring,
    /// The rated factors; each feeds asset value, threat or vulnerability.
    pub factors: Vec<Factor>,
    pub scenarios: Vec<Scenario>,
    pub layers: Vec<Layer>,
    pub questions: Vec<Question>,
    pub suggestions: Vec<SuggestionRule>,
}

/// Risk bands and the likelihood × consequence matrix.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scoring {
    /// Risk (1–1000) up to and including `low_max` is Low, up to `medium_max` Medium, above High.
    pub low_max: f64,
    pub medium_max: f64,
    pub matrix: Matrix,
    /// How many drivers to name per scenario.
    pub drivers: usize,
}

/// A 5 × 5 matrix. Likelihood comes from threat × vulnerability (1–100), consequence
/// from asset value (1–10): a value up to and including `bounds[0]` is level 1, up to
/// `bounds[1]` level 2, …, above `bounds[3]` level 5.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Matrix {
    pub likelihood_bounds: [f64; 4],
    pub consequence_bounds: [f64; 4],
    /// The levels, lowest first.
    pub levels: Vec<MatrixLevel>,
    /// `cells[likelihood - 1][consequence - 1]` is a level id.
    pub cells: Vec<Vec<String>>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct MatrixLevel {
    pub id: String,
    pub title: String,
}

/// What a factor feeds in risk = asset value × threat × vulnerability.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Role {
    AssetValue,
    Threat,
    Vulnerability,
}

impl Role {
    pub const ALL: [Role; 3] = [Role::AssetValue, Role::Threat, Role::Vulnerability];
    pub fn key(self) -> &'static str {
        match self {
            Role::AssetValue => "asset-value",
            Role::Threat => "threat",
            Role::Vulnerability => "vulnerability",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Factor {
    pub id: String,
    pub title: String,
    pub role: Role,
    /// Weight among the factors of the same role.
    pub weight: f64,
    pub description: String,
}

/// The threat types scenarios are written for and measures mitigate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ThreatType {
    VehicleRamming,
    Pbied,
    Vbied,
    ArmedAttack,
    BladedWeapon,
    Cbrn,
    Drone,
    Insider,
    Arson,
    CyberPhysical,
    Contamination,
    Sabotage,
}

impl ThreatType {
    pub const ALL: [ThreatType; 12] = [
        ThreatType::VehicleRamming,
        ThreatType::Pbied,
        ThreatType::Vbied,
        ThreatType::ArmedAttack,
        ThreatType::BladedWeapon,
        ThreatType::Cbrn,
        ThreatType::Drone,
        ThreatType::Insider,
        ThreatType::Arson,
        ThreatType::CyberPhysical,
        ThreatType::Contamination,
        ThreatType::Sabotage,
    ];
    pub fn key(self) -> &'static str {
        match self {
            ThreatType::VehicleRamming => "vehicle-ramming",
            ThreatType::Pbied => "pbied",
            ThreatType::Vbied => "vbied",
            ThreatType::ArmedAttack => "armed-attack",
            ThreatType::BladedWeapon => "bladed-weapon",
            ThreatType::Cbrn => "cbrn",
            ThreatType::Drone => "drone",
            ThreatType::Insider => "insider",
            ThreatType::Arson => "arson",
            ThreatType::CyberPhysical => "cyber-physical",
            ThreatType::Contamination => "contamination",
            ThreatType::Sabotage => "sabotage",
        }
    }
    pub fn parse(key: &str) -> Option<ThreatType> {
        ThreatType::ALL.into_iter().find(|t| t.key() == key)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scenario {
    pub id: String,
    pub title: String,
    pub threat: ThreatType,
    pub description: String,
}

/// A security layer: the questions of one part of the site visit.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Layer {
    pub id: String,
    pub title: String,
    pub description: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Question {
    pub id: String,
    pub layer: String,
    pub factor: String,
    pub text: String,
    pub guidance: String,
    pub answer: AnswerSpec,
    /// Scenario id → weight of this question in that scenario's factor rating.
    pub bears_on: BTreeMap<String, f64>,
}

/// Whether more of something lowers or raises risk.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Direction {
    Protects,
    Exposes,
}

/// How a question is answered and how an answer becomes an exposure between 0 (no
/// contribution to risk) and 1 (the most).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AnswerSpec {
    /// A whole number from `min` to `max`.
    Scale { min: i64, max: i64, higher: Direction, labels: Vec<ScaleLabel> },
    /// true or false.
    YesNo { yes: Direction },
    /// One of the options, by key.
    Choice { options: Vec<ChoiceOption> },
}

/// The description of the scale values `from..=to`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScaleLabel {
    pub from: i64,
    pub to: i64,
    pub label: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ChoiceOption {
    pub key: String,
    pub label: String,
    /// 0 (no contribution to risk) to 1 (the most).
    pub exposure: f64,
}

/// An answer: a number on the question's scale, a choice key, or yes/no.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum AnswerValue {
    Bool(bool),
    Number(f64),
    Choice(String),
}

impl std::fmt::Display for AnswerValue {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            AnswerValue::Bool(b) => write!(f, "{}", if *b { "yes" } else { "no" }),
            AnswerValue::Number(n) => write!(f, "{n}"),
            AnswerValue::Choice(c) => write!(f, "{c:?}"),
        }
    }
}

/// Question id → answer.
pub type Answers = BTreeMap<String, AnswerValue>;

/// When an answer suggests measures.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Condition {
    AtMost(i64),
    AtLeast(i64),
    Is(bool),
    AnyOf(Vec<String>),
}

impl Condition {
    pub fn matches(&self, value: &AnswerValue) -> bool {
        match (self, value) {
            (Condition::AtMost(limit), AnswerValue::Number(n)) => *n <= *limit as f64,
            (Condition::AtLeast(limit), AnswerValue::Number(n)) => *n >= *limit as f64,
            (Condition::Is(expected), AnswerValue::Bool(b)) => b == expected,
            (Condition::AnyOf(keys), AnswerValue::Choice(c)) => keys.iter().any(|k| k == c),
            _ => false,
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SuggestionRule {
    pub question: String,
    pub when: Condition,
    pub measures: Vec<String>,
    /// The rule's line in its file, for errors found against a catalogue.
    #[serde(skip)]
    pub line: Option<usize>,
}

/// The good-practice families of Commission SWD(2019) 140.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Family {
    /// Vulnerability assessment and planning.
    AssessmentPlanning,
    /// Awareness and training.
    AwarenessTraining,
    /// Physical protection and security by design.
    PhysicalProtection,
    /// Cooperation between public and private stakeholders.
    Cooperation,
}

impl Family {
    pub const ALL: [Family; 4] = [Family::AssessmentPlanning, Family::AwarenessTraining, Family::PhysicalProtection, Family::Cooperation];
    pub fn key(self) -> &'static str {
        match self {
            Family::AssessmentPlanning => "assessment-planning",
            Family::AwarenessTraining => "awareness-training",
            Family::PhysicalProtection => "physical-protection",
            Family::Cooperation => "cooperation",
        }
    }
}

/// Indicative cost of a measure (see docs/assessment-methodology.md for the ranges).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum CostBand {
    Low,
    Medium,
    High,
    VeryHigh,
}

/// Time from decision to a measure in place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum LeadTime {
    Days,
    Weeks,
    Months,
    YearPlus,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Measure {
    pub id: String,
    pub title: String,
    pub family: Family,
    pub cost: CostBand,
    pub lead_time: LeadTime,
    pub description: String,
    /// Threat type → the share (0–0.9) of vulnerability above the floor of 1 that the measure removes.
    pub effects: BTreeMap<ThreatType, f64>,
}

/// The catalogue of measures that methodologies suggest from.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Catalogue {
    pub version: String,
    pub measures: Vec<Measure>,
}

impl Catalogue {
    pub fn measure(&self, id: &str) -> Option<&Measure> {
        self.measures.iter().find(|m| m.id == id)
    }
}
