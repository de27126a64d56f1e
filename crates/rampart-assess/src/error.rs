use serde::{Deserialize, Serialize};

/// One fault in a methodology or catalogue file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// The file (or other source) name given to the parser.
    pub source: String,
    /// 1-based line, where the fault can be placed.
    pub line: Option<usize>,
    /// The key path, e.g. `questions[3].bears_on.vehicle-ramming`.
    pub key: String,
    /// What was expected.
    pub message: String,
}

impl std::fmt::Display for Problem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}:{}: {}: {}", self.source, line, self.key, self.message),
            None => write!(f, "{}: {}: {}", self.source, self.key, self.message),
        }
    }
}

/// Everything wrong with a methodology or catalogue file (at least one problem).
/// Displayed one problem per line: `<source>:<line>: <key path>: <what was expected>`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodologyError {
    pub problems: Vec<Problem>,
}

impl std::fmt::Display for MethodologyError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for (i, p) in self.problems.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{p}")?;
        }
        Ok(())
    }
}

impl std::error::Error for MethodologyError {}

/// An answer that does not fit the methodology.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum AnswerError {
    #[error("{question}: no such question in this methodology")]
    UnknownQuestion { question: String },
    #[error("{question}: {value} is outside its scale: expected {expected}")]
    OutOfScale { question: String, value: String, expected: String },
}

impl AnswerError {
    pub fn question(&self) -> &str {
        match self {
            AnswerError::UnknownQuestion { question } | AnswerError::OutOfScale { question, .. } => question,
        }
    }
}

/// Why a survey cannot be scored.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, thiserror::Error)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum ScoreError {
    #[error("{}", .errors.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("; "))]
    InvalidAnswers { errors: Vec<AnswerError> },
    #[error("unknown measure(s) {}: not in the catalogue", .measures.join(", "))]
    UnknownMeasures { measures: Vec<String> },
    #[error("the survey is incomplete: {} question(s) unanswered: {}", .missing.len(), .missing.join(", "))]
    Incomplete { missing: Vec<String> },
}
