//! Validation errors that name the field at fault.

use serde::Serialize;
use std::fmt;

/// One problem with one field of an input value.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FieldError {
    /// Dotted path of the field, e.g. `geometry.coordinates[0][3]`.
    pub field: String,
    /// What was wrong and what was expected.
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self { field: field.into(), message: message.into() }
    }
}

impl fmt::Display for FieldError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field, self.message)
    }
}

/// A value was rejected; every field at fault is listed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct Invalid(pub Vec<FieldError>);

impl Invalid {
    pub fn one(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self(vec![FieldError::new(field, message)])
    }

    /// Prefix every field path, e.g. with `feature[12].properties`.
    pub fn within(self, prefix: &str) -> Self {
        Invalid(
            self.0
                .into_iter()
                .map(|e| FieldError {
                    field: if e.field.is_empty() || e.field.starts_with('[') { format!("{prefix}{}", e.field) } else { format!("{prefix}.{}", e.field) },
                    message: e.message,
                })
                .collect(),
        )
    }
}

impl fmt::Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

/// Collects field errors while a value is parsed field by field.
#[derive(Default)]
pub struct Collector(Vec<FieldError>);

impl Collector {
    pub fn take<T>(&mut self, r: Result<T, Invalid>) -> Option<T> {
        match r {
            Ok(v) => Some(v),
            Err(Invalid(errs)) => {
                self.0.extend(errs);
                None
            }
        }
    }

    pub fn push(&mut self, field: impl Into<String>, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    pub fn finish<T>(self, value: impl FnOnce() -> Option<T>) -> Result<T, Invalid> {
        if self.0.is_empty() {
            // `value` only returns None when an error was collected.
            value().ok_or_else(|| Invalid::one("", "invalid value"))
        } else {
            Err(Invalid(self.0))
        }
    }
}
