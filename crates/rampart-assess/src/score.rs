//! The scoring engine: answers → per-scenario asset value, threat, vulnerability and
//! risk, before and after measures; the matrix cell; the answers that drive each risk;
//! suggested measures. Pure and deterministic: the same inputs give the same scores,
//! bit for bit. The arithmetic is written out in docs/assessment-methodology.md.

use crate::error::{AnswerError, ScoreError};
use crate::model::*;
use crate::parse::expected_answer;
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;

/// Risk band of a 1–1000 risk (FEMA 426/452 style bins, from the methodology file).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Band {
    Low,
    Medium,
    High,
}

impl std::fmt::Display for Band {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.pad(match self {
            Band::Low => "Low",
            Band::Medium => "Medium",
            Band::High => "High",
        })
    }
}

/// One scenario's ratings at one point (before or after measures).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RiskPoint {
    /// 1–10.
    pub asset_value: f64,
    /// 1–10.
    pub threat: f64,
    /// 1–10.
    pub vulnerability: f64,
    /// asset value × threat × vulnerability, 1–1000.
    pub risk: f64,
    pub band: Band,
    /// Matrix row, 1–5 (from threat × vulnerability).
    pub likelihood: u8,
    /// Matrix column, 1–5 (from asset value).
    pub consequence: u8,
    /// The matrix level of the cell.
    pub level: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FactorRating {
    pub factor: String,
    pub role: Role,
    /// 1–10.
    pub rating: f64,
}

/// A vulnerability answer that raises a scenario's risk, and by how much: the risk
/// points that would go if this answer alone were at its least exposed value. Asset
/// value and threat answers describe the site and the threat picture rather than what
/// the site can change, so they are not named as drivers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Driver {
    pub question: String,
    pub answer: AnswerValue,
    pub factor: String,
    pub contribution: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ScenarioScore {
    pub scenario: String,
    pub title: String,
    pub threat: ThreatType,
    pub before: RiskPoint,
    /// With the given measures (the residual risk of this scenario).
    pub after: RiskPoint,
    pub factors: Vec<FactorRating>,
    /// The given measures that act on this scenario's threat type.
    pub measures: Vec<String>,
    /// Largest contribution first.
    pub drivers: Vec<Driver>,
}

/// The site's rating over all scenarios.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct OverallRating {
    /// The band of the largest scenario risk.
    pub band: Band,
    pub max_risk: f64,
    pub mean_risk: f64,
    /// The scenario with the largest risk (the first in methodology order on a tie).
    pub worst_scenario: String,
    /// The highest matrix level reached by any scenario.
    pub level: String,
    pub high: usize,
    pub medium: usize,
    pub low: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Scores {
    pub methodology: String,
    pub version: String,
    /// The measures applied for `after`, deduplicated, in the order given.
    pub measures: Vec<String>,
    pub scenarios: Vec<ScenarioScore>,
    /// Before measures.
    pub overall: OverallRating,
    /// After the given measures.
    pub residual: OverallRating,
}

/// A measure suggested by the answers.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Suggestion {
    pub measure: String,
    pub title: String,
    pub family: Family,
    pub cost: CostBand,
    pub lead_time: LeadTime,
    /// The scenarios it acts on among those the triggering questions bear on.
    pub scenarios: Vec<String>,
    /// The band of the largest (provisional) risk among those scenarios.
    pub priority: Band,
    /// Risk points removed over those scenarios if this measure alone were added.
    pub risk_reduction: f64,
    /// The answers that triggered it.
    pub triggers: Vec<Trigger>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Trigger {
    pub question: String,
    pub answer: AnswerValue,
}

/// Rounds half away from zero to two decimals: every rating and risk is reported, and
/// carried into the next step, at this precision.
pub fn round2(x: f64) -> f64 {
    (x * 100.0).round() / 100.0
}

/// The exposure of an answer, 0 (contributes nothing) to 1 (the most); None when the
/// answer does not fit the question.
pub fn exposure(spec: &AnswerSpec, value: &AnswerValue) -> Option<f64> {
    match (spec, value) {
        (AnswerSpec::Scale { min, max, higher, .. }, AnswerValue::Number(n)) => {
            if !n.is_finite() || n.fract() != 0.0 || *n < *min as f64 || *n > *max as f64 {
                return None;
            }
            let share = (n - *min as f64) / (*max - *min) as f64;
            Some(match higher {
                Direction::Protects => 1.0 - share,
                Direction::Exposes => share,
            })
        }
        (AnswerSpec::YesNo { yes }, AnswerValue::Bool(b)) => Some(match (yes, b) {
            (Direction::Protects, true) | (Direction::Exposes, false) => 0.0,
            _ => 1.0,
        }),
        (AnswerSpec::Choice { options }, AnswerValue::Choice(key)) => options.iter().find(|o| &o.key == key).map(|o| o.exposure),
        _ => None,
    }
}

impl Methodology {
    pub fn question(&self, id: &str) -> Option<&Question> {
        self.questions.iter().find(|q| q.id == id)
    }

    pub fn scenario(&self, id: &str) -> Option<&Scenario> {
        self.scenarios.iter().find(|s| s.id == id)
    }

    /// Checks one answer: the question exists and the value is on its scale.
    pub fn check_answer(&self, question_id: &str, value: &AnswerValue) -> Result<(), AnswerError> {
        let q = self.question(question_id).ok_or_else(|| AnswerError::UnknownQuestion { question: question_id.to_string() })?;
        match exposure(&q.answer, value) {
            Some(_) => Ok(()),
            None => Err(AnswerError::OutOfScale { question: question_id.to_string(), value: value.to_string(), expected: expected_answer(&q.answer) }),
        }
    }

    /// Every answer checked; all faults at once, in question-id order.
    pub fn check_answers(&self, answers: &Answers) -> Result<(), Vec<AnswerError>> {
        let errors: Vec<AnswerError> = answers.iter().filter_map(|(id, v)| self.check_answer(id, v).err()).collect();
        if errors.is_empty() {
            Ok(())
        } else {
            Err(errors)
        }
    }

    /// The questions not yet answered, in methodology order.
    pub fn missing(&self, answers: &Answers) -> Vec<String> {
        self.questions.iter().filter(|q| !answers.contains_key(&q.id)).map(|q| q.id.clone()).collect()
    }

    pub fn band(&self, risk: f64) -> Band {
        if risk <= self.scoring.low_max {
            Band::Low
        } else if risk <= self.scoring.medium_max {
            Band::Medium
        } else {
            Band::High
        }
    }

    /// The matrix cell and its level for ratings already rounded.
    pub fn cell(&self, asset_value: f64, threat: f64, vulnerability: f64) -> (u8, u8, &str) {
        let matrix = &self.scoring.matrix;
        let bin = |v: f64, bounds: &[f64; 4]| 1 + bounds.iter().filter(|b| v > **b).count() as u8;
        let likelihood = bin(threat * vulnerability, &matrix.likelihood_bounds);
        let consequence = bin(asset_value, &matrix.consequence_bounds);
        let level = matrix.cells.get(likelihood as usize - 1).and_then(|row| row.get(consequence as usize - 1)).map(String::as_str).unwrap_or("");
        (likelihood, consequence, level)
    }

    fn level_rank(&self, level: &str) -> usize {
        self.scoring.matrix.levels.iter().position(|l| l.id == level).unwrap_or(0)
    }
}

/// The unrounded ratings of one scenario, with what is needed to name its drivers.
struct Rated {
    roles: [f64; 3],
    factors: Vec<FactorRating>,
    /// (question index, exposure, d role rating / d exposure, role).
    terms: Vec<(usize, f64, f64, Role)>,
}

fn role_index(role: Role) -> usize {
    match role {
        Role::AssetValue => 0,
        Role::Threat => 1,
        Role::Vulnerability => 2,
    }
}

/// A methodology and a catalogue prepared for scoring many surveys: which factor each
/// question feeds and, per scenario, the questions bearing on it with their weights.
/// `score` and `suggest` build one per call; keep one to score in bulk.
pub struct Scorer<'a> {
    m: &'a Methodology,
    c: &'a Catalogue,
    factor_of: Vec<usize>,
    /// Per scenario: (question index, weight).
    terms: Vec<Vec<(usize, f64)>>,
    /// Per suggestion rule: its question's index and the measures found in the catalogue.
    /// Built on the first `suggest`.
    rules: std::sync::OnceLock<Vec<(Option<usize>, Vec<&'a Measure>)>>,
}

impl<'a> Scorer<'a> {
    pub fn new(m: &'a Methodology, c: &'a Catalogue) -> Self {
        let factor_of = m.questions.iter().map(|q| m.factors.iter().position(|f| f.id == q.factor).unwrap_or(0)).collect();
        let scenario_index: std::collections::BTreeMap<&str, usize> = m.scenarios.iter().enumerate().map(|(i, s)| (s.id.as_str(), i)).collect();
        let mut terms: Vec<Vec<(usize, f64)>> = vec![Vec::new(); m.scenarios.len()];
        for (qi, q) in m.questions.iter().enumerate() {
            for (scenario, w) in &q.bears_on {
                if let Some(&si) = scenario_index.get(scenario.as_str()) {
                    terms[si].push((qi, *w));
                }
            }
        }
        Scorer { m, c, factor_of, terms, rules: std::sync::OnceLock::new() }
    }

    /// The exposure of every question (None: unanswered or not fitting), and whether
    /// every answer given is for a question of the methodology and fits it.
    fn exposures(&self, answers: &Answers) -> (Vec<Option<f64>>, bool) {
        let mut found = 0;
        let mut fits = true;
        let exposures = self
            .m
            .questions
            .iter()
            .map(|q| {
                let v = answers.get(&q.id)?;
                found += 1;
                let x = exposure(&q.answer, v);
                fits &= x.is_some();
                x
            })
            .collect();
        (exposures, fits && found == answers.len())
    }

    /// Rates scenario `si` from the exposures (None: unanswered, taken as 0.5).
    fn rate(&self, si: usize, exposures: &[Option<f64>]) -> Rated {
        let m = self.m;
        let nf = m.factors.len();
        let mut sum_w = vec![0.0; nf];
        let mut sum_wx = vec![0.0; nf];
        for &(qi, w) in &self.terms[si] {
            let x = exposures[qi].unwrap_or(0.5);
            sum_w[self.factor_of[qi]] += w;
            sum_wx[self.factor_of[qi]] += w * x;
        }
        let mut role_w = [0.0; 3];
        let mut role_sum = [0.0; 3];
        let mut factors = Vec::with_capacity(nf);
        for (fi, f) in m.factors.iter().enumerate() {
            if sum_w[fi] > 0.0 {
                let rating = 1.0 + 9.0 * sum_wx[fi] / sum_w[fi];
                role_w[role_index(f.role)] += f.weight;
                role_sum[role_index(f.role)] += f.weight * rating;
                factors.push(FactorRating { factor: f.id.clone(), role: f.role, rating: round2(rating) });
            }
        }
        let mut roles = [1.0; 3];
        for r in 0..3 {
            if role_w[r] > 0.0 {
                roles[r] = role_sum[r] / role_w[r];
            }
        }
        let terms = self.terms[si]
            .iter()
            .map(|&(qi, w)| {
                let f = &m.factors[self.factor_of[qi]];
                let slope = f.weight / role_w[role_index(f.role)] * 9.0 * w / sum_w[self.factor_of[qi]];
                (qi, exposures[qi].unwrap_or(0.5), slope, f.role)
            })
            .collect();
        Rated { roles, factors, terms }
    }

    /// Scores a completed survey, before and after `measures` (catalogue ids).
    ///
    /// Errors, checked in this order, nothing computed on error: answers that do not fit
    /// (unknown question, outside the scale), measures not in the catalogue, unanswered
    /// questions.
    pub fn score(&self, answers: &Answers, measures: &[String]) -> Result<Scores, ScoreError> {
        let (m, c) = (self.m, self.c);
        let (exposures, fits) = self.exposures(answers);
        if !fits {
            m.check_answers(answers).map_err(|errors| ScoreError::InvalidAnswers { errors })?;
        }
        let mut applied: Vec<&Measure> = Vec::new();
        let mut unknown = Vec::new();
        let mut seen = BTreeSet::new();
        for id in measures {
            if !seen.insert(id.as_str()) {
                continue;
            }
            match c.measure(id) {
                Some(measure) => applied.push(measure),
                None => unknown.push(id.clone()),
            }
        }
        if !unknown.is_empty() {
            return Err(ScoreError::UnknownMeasures { measures: unknown });
        }
        if exposures.iter().any(Option::is_none) {
            return Err(ScoreError::Incomplete { missing: m.missing(answers) });
        }

        let mut scenarios = Vec::with_capacity(m.scenarios.len());
        for (si, s) in m.scenarios.iter().enumerate() {
            let rated = self.rate(si, &exposures);
            let [a, t, v] = rated.roles;
            let before = point(m, round2(a), round2(t), round2(v));
            let v_after = round2(1.0 + (v - 1.0) * remaining(&applied, s.threat));
            let after = point(m, before.asset_value, before.threat, v_after);

            // (contribution, question index); only the largest become Drivers.
            let r = role_index(Role::Vulnerability);
            let mut ranked: Vec<(f64, usize)> = rated
                .terms
                .iter()
                .filter(|(_, x, _, role)| *x > 0.0 && *role == Role::Vulnerability)
                .map(|&(qi, x, slope, _)| (round2(a * t * v * (1.0 - (rated.roles[r] - slope * x) / rated.roles[r])), qi))
                .filter(|(contribution, _)| *contribution > 0.0)
                .collect();
            // Stable sort: equal contributions keep methodology order.
            ranked.sort_by(|x, y| y.0.total_cmp(&x.0));
            ranked.truncate(m.scoring.drivers);
            let drivers = ranked
                .into_iter()
                .map(|(contribution, qi)| {
                    let q = &m.questions[qi];
                    Driver { question: q.id.clone(), answer: answers.get(&q.id).cloned().unwrap_or(AnswerValue::Bool(false)), factor: q.factor.clone(), contribution }
                })
                .collect();

            scenarios.push(ScenarioScore {
                scenario: s.id.clone(),
                title: s.title.clone(),
                threat: s.threat,
                before,
                after,
                factors: rated.factors,
                measures: applied.iter().filter(|x| x.effects.contains_key(&s.threat)).map(|x| x.id.clone()).collect(),
                drivers,
            });
        }
        let before: Vec<(&str, &RiskPoint)> = scenarios.iter().map(|s| (s.scenario.as_str(), &s.before)).collect();
        let after: Vec<(&str, &RiskPoint)> = scenarios.iter().map(|s| (s.scenario.as_str(), &s.after)).collect();
        let overall_before = overall(m, &before);
        let residual = overall(m, &after);
        Ok(Scores {
            methodology: m.id.clone(),
            version: m.version.clone(),
            measures: applied.iter().map(|x| x.id.clone()).collect(),
            scenarios,
            overall: overall_before,
            residual,
        })
    }

    /// The measures the answers call for, most urgent first (see `suggest`).
    pub fn suggest(&self, answers: &Answers) -> Vec<Suggestion> {
        let (m, c) = (self.m, self.c);
        let rules = self.rules.get_or_init(|| {
            m.suggestions
                .iter()
                .map(|r| (m.questions.iter().position(|q| q.id == r.question), r.measures.iter().filter_map(|id| c.measure(id)).collect()))
                .collect()
        });
        let (exposures, _) = self.exposures(answers);
        let mut by_measure: Vec<(&Measure, Vec<bool>, Vec<Trigger>)> = Vec::new();
        for (rule, (qi, measures)) in m.suggestions.iter().zip(rules) {
            let Some(qi) = *qi else { continue };
            let q = &m.questions[qi];
            let Some(value) = answers.get(&q.id) else { continue };
            if exposures[qi].is_none() || !rule.when.matches(value) {
                continue;
            }
            for &measure in measures {
                let id = &measure.id;
                let acts: Vec<bool> = m.scenarios.iter().map(|s| q.bears_on.contains_key(&s.id) && measure.effects.contains_key(&s.threat)).collect();
                let trigger = Trigger { question: q.id.clone(), answer: value.clone() };
                match by_measure.iter_mut().find(|(x, _, _)| x.id == *id) {
                    Some((_, on, triggers)) => {
                        for (o, a) in on.iter_mut().zip(acts) {
                            *o |= a;
                        }
                        if !triggers.contains(&trigger) {
                            triggers.push(trigger);
                        }
                    }
                    None => by_measure.push((measure, acts, vec![trigger])),
                }
            }
        }
        if by_measure.is_empty() {
            return Vec::new();
        }
        // Each scenario rated once: rounded (A, T, V), unrounded V, risk.
        let rated: Vec<(f64, f64, f64, f64, f64)> = (0..m.scenarios.len())
            .map(|si| {
                let [a, t, v] = self.rate(si, &exposures).roles;
                let (a, t, vr) = (round2(a), round2(t), round2(v));
                (a, t, vr, v, round2(a * t * vr))
            })
            .collect();
        let mut suggestions: Vec<Suggestion> = by_measure
            .into_iter()
            .map(|(measure, on, triggers)| {
                let mut priority = Band::Low;
                let mut reduction = 0.0;
                let mut scenarios = Vec::new();
                for (si, s) in m.scenarios.iter().enumerate().filter(|(si, _)| on[*si]) {
                    let (a, t, _, v, before) = rated[si];
                    let v_after = round2(1.0 + (v - 1.0) * remaining(&[measure], s.threat));
                    reduction += before - round2(a * t * v_after);
                    priority = priority.max(m.band(before));
                    scenarios.push(s.id.clone());
                }
                Suggestion {
                    measure: measure.id.clone(),
                    title: measure.title.clone(),
                    family: measure.family,
                    cost: measure.cost,
                    lead_time: measure.lead_time,
                    scenarios,
                    priority,
                    risk_reduction: round2(reduction),
                    triggers,
                }
            })
            .collect();
        suggestions.sort_by(|x, y| y.priority.cmp(&x.priority).then(y.risk_reduction.total_cmp(&x.risk_reduction)).then(x.measure.cmp(&y.measure)));
        suggestions
    }
}

fn point(m: &Methodology, asset_value: f64, threat: f64, vulnerability: f64) -> RiskPoint {
    let risk = round2(asset_value * threat * vulnerability);
    let (likelihood, consequence, level) = m.cell(asset_value, threat, vulnerability);
    RiskPoint { asset_value, threat, vulnerability, risk, band: m.band(risk), likelihood, consequence, level: level.to_string() }
}

/// The share of vulnerability above 1 that remains after the measures acting on `threat`.
fn remaining(measures: &[&Measure], threat: ThreatType) -> f64 {
    measures.iter().filter_map(|m| m.effects.get(&threat)).fold(1.0, |acc, e| acc * (1.0 - e))
}

fn overall(m: &Methodology, points: &[(&str, &RiskPoint)]) -> OverallRating {
    let mut worst = 0;
    for (i, (_, p)) in points.iter().enumerate() {
        if p.risk > points[worst].1.risk {
            worst = i;
        }
    }
    let level = points.iter().map(|(_, p)| p.level.as_str()).max_by_key(|l| m.level_rank(l)).unwrap_or("");
    let count = |b: Band| points.iter().filter(|(_, p)| p.band == b).count();
    let max_risk = points.get(worst).map(|(_, p)| p.risk).unwrap_or(0.0);
    let mean = if points.is_empty() { 0.0 } else { points.iter().map(|(_, p)| p.risk).sum::<f64>() / points.len() as f64 };
    OverallRating {
        band: m.band(max_risk),
        max_risk,
        mean_risk: round2(mean),
        worst_scenario: points.get(worst).map(|(s, _)| s.to_string()).unwrap_or_default(),
        level: level.to_string(),
        high: count(Band::High),
        medium: count(Band::Medium),
        low: count(Band::Low),
    }
}

/// Scores a completed survey, before and after `measures` (catalogue ids).
///
/// Errors, checked in this order, nothing computed on error: answers that do not fit
/// (unknown question, outside the scale), measures not in the catalogue, unanswered
/// questions.
pub fn score(m: &Methodology, c: &Catalogue, answers: &Answers, measures: &[String]) -> Result<Scores, ScoreError> {
    Scorer::new(m, c).score(answers, measures)
}

/// The measures the answers call for, most urgent first. Works on a partial survey:
/// unanswered questions count as half exposed for the priorities, answers that do not
/// fit are ignored, rules naming measures missing from the catalogue are skipped.
pub fn suggest(m: &Methodology, c: &Catalogue, answers: &Answers) -> Vec<Suggestion> {
    Scorer::new(m, c).suggest(answers)
}
