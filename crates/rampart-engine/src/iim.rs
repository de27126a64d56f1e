//! The Inoperability Input–Output Model (METHODS.md §1.1, sector-level cascade):
//! Y. Y. Haimes and P. Jiang, "Leontief-based model of risk in complex interconnected
//! infrastructures", J. Infrastructure Systems 7(1):1–12 (2001); demand-reduction form
//! from J. R. Santos and Y. Y. Haimes, "Modeling the demand reduction input-output (I-O)
//! inoperability due to terrorism of interconnected infrastructures", Risk Analysis
//! 24(6):1437–1451 (2004); dynamic form from C. Lian and Y. Y. Haimes, "Managing the risk
//! of terrorism to interdependent infrastructure systems through the dynamic
//! inoperability input–output model", Systems Engineering 9(3):241–258 (2006).
//!
//! - static: `q = (I − A*)⁻¹ c*`, then clipped to [0, 1] (the clip is applied after
//!   solving, as METHODS.md states; it is not a constrained solve);
//! - dynamic: `q(t+1) = q(t) + K (A* q(t) + c*(t) − q(t))`, K diagonal (per-sector
//!   resilience in [0, 1]); each step is clipped to [0, 1];
//! - economic loss of a step: `Σ_i x_i q_i(t)` for as-planned output `x`.
//!
//! Sizes are sectors (n ≤ a few hundred), so `I − A*` is factorised once by dense LU
//! with partial pivoting (O(n³)), and each solve costs O(n²).

use std::io::BufRead;
use thiserror::Error;

/// Pivots smaller than this, relative to the largest entry of `I − A*`, mean singular.
pub const PIVOT_TOLERANCE: f64 = 1e-12;

#[derive(Debug, Clone, PartialEq, Error)]
pub enum IimError {
    #[error("{file}: cannot read line {line}: {message}")]
    Read { file: String, line: usize, message: String },
    #[error("{file}: no header row naming the sectors")]
    Empty { file: String },
    #[error("{file}:{line}: {found} values for {expected} sectors; the matrix must be square (one column per sector named in the header)")]
    NotSquare { file: String, line: usize, expected: usize, found: usize },
    #[error("{file}:{line}: row {found:?} where the header order asks for {expected:?}; rows must name the sectors in the header's order")]
    RowOrder { file: String, line: usize, expected: String, found: String },
    #[error("{file}:{line}: expected {expected} sector rows (one per header column), found {found}; the matrix must be square")]
    RowCount { file: String, line: usize, expected: usize, found: usize },
    #[error("{file}:{line}: sector {sector:?} named twice")]
    Duplicate { file: String, line: usize, sector: String },
    #[error("{file}:{line}: unknown sector {sector:?}")]
    UnknownSector { file: String, line: usize, sector: String },
    #[error("{file}:{line}, field {field:?}: {text:?} is not a number")]
    NotANumber { file: String, line: usize, field: String, text: String },
    #[error("{file}:{line}, field {field:?}: {value} is outside [0, 1]")]
    OutOfRange { file: String, line: usize, field: String, value: f64 },
    #[error("{file}:{line}: expected 2 fields (sector, value), found {found}")]
    FieldCount { file: String, line: usize, found: usize },
    #[error("I − A* is singular: pivot {pivot:e} at sector {sector:?} is below the tolerance {tolerance:e}; check that no group of sectors passes on all of its inoperability (row sums of 1)")]
    Singular { sector: String, pivot: f64, tolerance: f64 },
    #[error("{what}: expected {expected} values, found {found}")]
    Length { what: &'static str, expected: usize, found: usize },
    #[error("{what} of sector {sector:?} is {value}, outside [0, 1]")]
    Invalid { what: &'static str, sector: String, value: f64 },
}

/// The interdependency matrix A*: `a*_ij` is the inoperability sector `i` takes on per
/// unit inoperability of sector `j`. Entries are finite and in [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct InterdependencyMatrix {
    sectors: Vec<String>,
    /// Row-major, `n × n`.
    values: Vec<f64>,
}

impl InterdependencyMatrix {
    /// Build from sector names and row-major values; checks shape and range.
    pub fn new(sectors: Vec<String>, values: Vec<f64>) -> Result<InterdependencyMatrix, IimError> {
        let n = sectors.len();
        if values.len() != n * n {
            return Err(IimError::Length { what: "interdependency matrix", expected: n * n, found: values.len() });
        }
        for (index, &value) in values.iter().enumerate() {
            if !(0.0..=1.0).contains(&value) {
                let sector = sectors[index / n].clone();
                return Err(IimError::Invalid { what: "interdependency", sector, value });
            }
        }
        Ok(InterdependencyMatrix { sectors, values })
    }

    /// A* from technical coefficients `a_ij` (input from `i` per unit output of `j`)
    /// and as-planned outputs `x`: `a*_ij = a_ij · x_j / x_i` (Santos & Haimes 2004).
    pub fn from_technical(sectors: Vec<String>, technical: &[f64], output: &[f64]) -> Result<InterdependencyMatrix, IimError> {
        let n = sectors.len();
        if output.len() != n {
            return Err(IimError::Length { what: "sector outputs", expected: n, found: output.len() });
        }
        if technical.len() != n * n {
            return Err(IimError::Length { what: "technical coefficients", expected: n * n, found: technical.len() });
        }
        let values = (0..n * n)
            .map(|k| {
                let (i, j) = (k / n, k % n);
                if output[i] > 0.0 { technical[k] * output[j] / output[i] } else { 0.0 }
            })
            .collect();
        InterdependencyMatrix::new(sectors, values)
    }

    pub fn sectors(&self) -> &[String] {
        &self.sectors
    }

    pub fn len(&self) -> usize {
        self.sectors.len()
    }

    pub fn is_empty(&self) -> bool {
        self.sectors.is_empty()
    }

    pub fn get(&self, i: usize, j: usize) -> f64 {
        self.values[i * self.len() + j]
    }

    /// `A* q`.
    pub fn apply(&self, q: &[f64]) -> Vec<f64> {
        let n = self.len();
        (0..n).map(|i| (0..n).map(|j| self.values[i * n + j] * q[j]).sum()).collect()
    }
}

/// Perturbation c* from a final-demand reduction (Santos & Haimes 2004):
/// `c*_i = δf_i / x_i`, with `x` the as-planned output (0 where `x_i = 0`).
pub fn demand_reduction_perturbation(demand_reduction: &[f64], output: &[f64]) -> Vec<f64> {
    demand_reduction.iter().zip(output).map(|(&f, &x)| if x > 0.0 { f / x } else { 0.0 }).collect()
}

/// `Σ_i x_i q_i`: the output lost at inoperabilities `q`.
pub fn economic_loss(output: &[f64], q: &[f64]) -> f64 {
    output.iter().zip(q).map(|(x, q)| x * q).sum()
}

/// A static solution.
#[derive(Debug, Clone, PartialEq)]
pub struct StaticSolution {
    /// `(I − A*)⁻¹ c*` as solved.
    pub unclipped: Vec<f64>,
    /// Clipped to [0, 1]: the inoperabilities to report.
    pub inoperability: Vec<f64>,
}

/// A dynamic run: `q(0)` and each of the `steps` states after it.
#[derive(Debug, Clone, PartialEq)]
pub struct Trajectory {
    pub inoperability: Vec<Vec<f64>>,
    /// `Σ_i x_i q_i(t)` per state, when outputs were given.
    pub economic_loss: Option<Vec<f64>>,
}

/// The model with `I − A*` factorised once.
///
/// ```
/// use rampart_engine::iim::{self, Iim};
/// let csv = "sector,Power,Water\nPower,0,0.9\nWater,0.4,0\n";
/// let matrix = iim::parse_matrix("deps.csv", csv.as_bytes())?;
/// let q = Iim::new(matrix)?.solve(&[0.1, 0.0])?;
/// assert!((q.inoperability[0] - 0.15625).abs() < 1e-12);
/// # Ok::<(), iim::IimError>(())
/// ```
#[derive(Debug, Clone)]
pub struct Iim {
    matrix: InterdependencyMatrix,
    lu: Lu,
}

impl Iim {
    /// Factorise `I − A*`; fails when it is singular.
    pub fn new(matrix: InterdependencyMatrix) -> Result<Iim, IimError> {
        let n = matrix.len();
        let mut leontief: Vec<f64> = matrix.values.iter().map(|a| -a).collect();
        for i in 0..n {
            leontief[i * n + i] += 1.0;
        }
        let lu = Lu::factorise(n, leontief).map_err(|(row, pivot, tolerance)| IimError::Singular {
            sector: matrix.sectors[row].clone(),
            pivot,
            tolerance,
        })?;
        Ok(Iim { matrix, lu })
    }

    pub fn matrix(&self) -> &InterdependencyMatrix {
        &self.matrix
    }

    /// `q = (I − A*)⁻¹ c*`, clipped to [0, 1].
    pub fn solve(&self, perturbation: &[f64]) -> Result<StaticSolution, IimError> {
        self.check("perturbation", perturbation)?;
        let unclipped = self.lu.solve(perturbation);
        let inoperability = unclipped.iter().map(|q| q.clamp(0.0, 1.0)).collect();
        Ok(StaticSolution { unclipped, inoperability })
    }

    /// Run `q(t+1) = q(t) + K (A* q(t) + c*(t) − q(t))` for `steps` steps from `start`,
    /// clipping each state to [0, 1]. `perturbation(t)` gives c*(t); `resilience` is the
    /// diagonal of K. With `output`, also the economic loss of every state.
    pub fn dynamic(
        &self,
        resilience: &[f64],
        start: &[f64],
        steps: usize,
        perturbation: impl Fn(usize) -> Vec<f64>,
        output: Option<&[f64]>,
    ) -> Result<Trajectory, IimError> {
        self.check("resilience", resilience)?;
        self.check("initial inoperability", start)?;
        if let Some(x) = output {
            if x.len() != self.matrix.len() {
                return Err(IimError::Length { what: "sector outputs", expected: self.matrix.len(), found: x.len() });
            }
        }
        for (i, &k) in resilience.iter().enumerate() {
            if !(0.0..=1.0).contains(&k) {
                return Err(IimError::Invalid { what: "resilience", sector: self.matrix.sectors[i].clone(), value: k });
            }
        }
        let mut states = Vec::with_capacity(steps + 1);
        let mut q = start.to_vec();
        states.push(q.clone());
        for t in 0..steps {
            let c = perturbation(t);
            self.check("perturbation", &c)?;
            let spread = self.matrix.apply(&q);
            q = (0..q.len())
                .map(|i| (q[i] + resilience[i] * (spread[i] + c[i] - q[i])).clamp(0.0, 1.0))
                .collect();
            states.push(q.clone());
        }
        let economic_loss = output.map(|x| states.iter().map(|q| economic_loss(x, q)).collect());
        Ok(Trajectory { inoperability: states, economic_loss })
    }

    fn check(&self, what: &'static str, values: &[f64]) -> Result<(), IimError> {
        if values.len() != self.matrix.len() {
            return Err(IimError::Length { what, expected: self.matrix.len(), found: values.len() });
        }
        if let Some(i) = values.iter().position(|v| !v.is_finite()) {
            return Err(IimError::Invalid { what, sector: self.matrix.sectors[i].clone(), value: values[i] });
        }
        Ok(())
    }
}

/// Dense LU factorisation with partial pivoting, `P M = L U`, L and U packed in one matrix.
#[derive(Debug, Clone)]
struct Lu {
    n: usize,
    packed: Vec<f64>,
    permutation: Vec<usize>,
}

impl Lu {
    /// Fails with (original row, pivot, tolerance) when a pivot is below tolerance.
    fn factorise(n: usize, mut m: Vec<f64>) -> Result<Lu, (usize, f64, f64)> {
        let scale = m.iter().fold(0.0f64, |a, b| a.max(b.abs()));
        let tolerance = PIVOT_TOLERANCE * scale.max(f64::MIN_POSITIVE);
        let mut permutation: Vec<usize> = (0..n).collect();
        for k in 0..n {
            let (best, size) = (k..n)
                .map(|r| (r, m[r * n + k].abs()))
                .fold((k, -1.0), |acc, x| if x.1 > acc.1 { x } else { acc });
            if size <= tolerance {
                return Err((permutation[k], m[best * n + k], tolerance));
            }
            if best != k {
                for c in 0..n {
                    m.swap(k * n + c, best * n + c);
                }
                permutation.swap(k, best);
            }
            let pivot = m[k * n + k];
            for r in k + 1..n {
                let factor = m[r * n + k] / pivot;
                m[r * n + k] = factor;
                if factor != 0.0 {
                    for c in k + 1..n {
                        m[r * n + c] -= factor * m[k * n + c];
                    }
                }
            }
        }
        Ok(Lu { n, packed: m, permutation })
    }

    fn solve(&self, b: &[f64]) -> Vec<f64> {
        let n = self.n;
        let mut x: Vec<f64> = self.permutation.iter().map(|&p| b[p]).collect();
        for r in 0..n {
            let s: f64 = (0..r).map(|c| self.packed[r * n + c] * x[c]).sum();
            x[r] -= s;
        }
        for r in (0..n).rev() {
            let s: f64 = (r + 1..n).map(|c| self.packed[r * n + c] * x[c]).sum();
            x[r] = (x[r] - s) / self.packed[r * n + r];
        }
        x
    }
}

/// Read an interdependency matrix from CSV: a header row (a corner cell, then the
/// sector names), then one row per sector in the header's order, starting with its
/// name. Blank lines and lines starting with `#` are skipped; fields may be quoted.
/// `file` names the source in errors.
pub fn parse_matrix(file: &str, reader: impl BufRead) -> Result<InterdependencyMatrix, IimError> {
    let mut rows = records(file, reader);
    let (header_line, header) = rows.next().transpose()?.ok_or_else(|| IimError::Empty { file: file.into() })?;
    let sectors: Vec<String> = header.into_iter().skip(1).collect();
    for (i, s) in sectors.iter().enumerate() {
        if sectors[..i].contains(s) {
            return Err(IimError::Duplicate { file: file.into(), line: header_line, sector: s.clone() });
        }
    }
    let n = sectors.len();
    if n == 0 {
        return Err(IimError::Empty { file: file.into() });
    }
    let mut values = Vec::with_capacity(n * n);
    let mut last_line = header_line;
    let mut row_count = 0;
    for record in rows {
        let (line, fields) = record?;
        last_line = line;
        if row_count == n {
            return Err(IimError::RowCount { file: file.into(), line, expected: n, found: n + 1 });
        }
        let name = fields.first().cloned().unwrap_or_default();
        if name != sectors[row_count] {
            if !sectors.contains(&name) {
                return Err(IimError::UnknownSector { file: file.into(), line, sector: name });
            }
            return Err(IimError::RowOrder { file: file.into(), line, expected: sectors[row_count].clone(), found: name });
        }
        if fields.len() - 1 != n {
            return Err(IimError::NotSquare { file: file.into(), line, expected: n, found: fields.len() - 1 });
        }
        for (j, text) in fields[1..].iter().enumerate() {
            values.push(unit_value(file, line, &sectors[j], text)?);
        }
        row_count += 1;
    }
    if row_count != n {
        return Err(IimError::RowCount { file: file.into(), line: last_line, expected: n, found: row_count });
    }
    Ok(InterdependencyMatrix { sectors, values })
}

/// Read a perturbation c* from CSV rows `sector,value` (an optional header row whose
/// value field is not a number and whose first field is `sector` is skipped). Sectors
/// not named get 0; values must be in [0, 1].
pub fn parse_perturbation(file: &str, reader: impl BufRead, sectors: &[String]) -> Result<Vec<f64>, IimError> {
    let mut perturbation = vec![0.0; sectors.len()];
    let mut named = vec![false; sectors.len()];
    for (index, record) in records(file, reader).enumerate() {
        let (line, fields) = record?;
        if fields.len() != 2 {
            return Err(IimError::FieldCount { file: file.into(), line, found: fields.len() });
        }
        if index == 0 && fields[0].eq_ignore_ascii_case("sector") && fields[1].parse::<f64>().is_err() {
            continue;
        }
        let Some(i) = sectors.iter().position(|s| *s == fields[0]) else {
            return Err(IimError::UnknownSector { file: file.into(), line, sector: fields[0].clone() });
        };
        if named[i] {
            return Err(IimError::Duplicate { file: file.into(), line, sector: fields[0].clone() });
        }
        named[i] = true;
        perturbation[i] = unit_value(file, line, &fields[0], &fields[1])?;
    }
    Ok(perturbation)
}

fn unit_value(file: &str, line: usize, field: &str, text: &str) -> Result<f64, IimError> {
    let value: f64 = text.parse().map_err(|_| IimError::NotANumber {
        file: file.into(),
        line,
        field: field.into(),
        text: text.into(),
    })?;
    if value.is_nan() {
        return Err(IimError::NotANumber { file: file.into(), line, field: field.into(), text: text.into() });
    }
    if !(0.0..=1.0).contains(&value) {
        return Err(IimError::OutOfRange { file: file.into(), line, field: field.into(), value });
    }
    Ok(value)
}

/// Non-blank, non-comment CSV records with their 1-based line numbers.
fn records<'a>(file: &'a str, reader: impl BufRead + 'a) -> impl Iterator<Item = Result<(usize, Vec<String>), IimError>> + 'a {
    reader.lines().enumerate().filter_map(move |(index, line)| {
        let line_number = index + 1;
        match line {
            Err(e) => Some(Err(IimError::Read { file: file.into(), line: line_number, message: e.to_string() })),
            Ok(text) => {
                let text = if index == 0 { text.trim_start_matches('\u{feff}').to_string() } else { text };
                let trimmed = text.trim();
                if trimmed.is_empty() || trimmed.starts_with('#') {
                    None
                } else {
                    Some(Ok((line_number, split_fields(trimmed))))
                }
            }
        }
    })
}

/// Split one CSV line on commas; double-quoted fields may hold commas and `""`.
fn split_fields(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, quoted) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', _) => quoted = !quoted,
            (',', false) => fields.push(std::mem::take(&mut field).trim().to_string()),
            _ => field.push(c),
        }
    }
    fields.push(field.trim().to_string());
    fields
}
