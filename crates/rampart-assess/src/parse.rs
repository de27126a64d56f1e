//! Methodology and catalogue files (TOML) → checked `Methodology` / `Catalogue`.
//!
//! The file is first read into raw structures that keep where each value stood
//! (`toml::Spanned`), so that every problem found afterwards — an unknown layer, a
//! question bearing on no scenario, a scenario nobody asks about — names the file, the
//! line and the key. Syntax and type errors carry the key path from
//! `serde_path_to_error` and the line from the TOML parser. All problems are collected;
//! nothing is returned unless the whole file is sound.

use crate::error::{MethodologyError, Problem};
use crate::model::*;
use serde::Deserialize;
use std::collections::{BTreeMap, BTreeSet};
use std::ops::Range;
use toml::Spanned;

struct Check<'a> {
    source: &'a str,
    text: &'a str,
    problems: Vec<Problem>,
}

impl<'a> Check<'a> {
    fn new(source: &'a str, text: &'a str) -> Self {
        Check { source, text, problems: Vec::new() }
    }

    fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.text.len());
        self.text.as_bytes()[..end].iter().filter(|&&b| b == b'\n').count() + 1
    }

    fn at(&mut self, span: Range<usize>, key: impl Into<String>, message: impl Into<String>) {
        let line = Some(self.line(span.start));
        self.problems.push(Problem { source: self.source.to_string(), line, key: key.into(), message: message.into() });
    }

    fn finish<T>(self, value: T) -> Result<T, MethodologyError> {
        if self.problems.is_empty() {
            Ok(value)
        } else {
            Err(MethodologyError { problems: self.problems })
        }
    }

    fn id(&mut self, id: &Spanned<String>, key: String) {
        let ok = !id.get_ref().is_empty()
            && id.get_ref().bytes().all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.' || b == b'_')
            && id.get_ref().as_bytes()[0].is_ascii_alphanumeric();
        if !ok {
            self.at(id.span(), key, format!("{:?} is not an id: expected lower-case letters, digits, '-', '_' or '.', starting with a letter or digit", id.get_ref()));
        }
    }

    fn not_empty(&mut self, value: &Spanned<String>, key: String) {
        if value.get_ref().trim().is_empty() {
            self.at(value.span(), key, "expected a non-empty text");
        }
    }
}

/// Reads `text` into `T`, turning a syntax or type error into one problem.
fn read<T: for<'de> Deserialize<'de>>(source: &str, text: &str) -> Result<T, MethodologyError> {
    let deserializer = toml::Deserializer::new(text);
    serde_path_to_error::deserialize(deserializer).map_err(|e| {
        // `Spanned` wrappers show up as a path segment of their own; they are not keys.
        let path = e.path().to_string().replace(".$__serde_spanned_private_value", "").replace("$__serde_spanned_private_value", "");
        let inner = e.into_inner();
        let check = Check::new(source, text);
        let line = inner.span().map(|s| check.line(s.start));
        let key = if path == "." || path.is_empty() { "(file)".to_string() } else { path };
        let message = inner.message().trim().replace('\n', "; ");
        MethodologyError { problems: vec![Problem { source: source.to_string(), line, key, message }] }
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMethodology {
    id: Spanned<String>,
    version: Spanned<String>,
    title: Spanned<String>,
    #[serde(default)]
    description: String,
    #[serde(default)]
    sources: Vec<String>,
    scoring: Spanned<RawScoring>,
    factors: Spanned<Vec<Spanned<RawFactor>>>,
    scenarios: Spanned<Vec<Spanned<RawScenario>>>,
    layers: Spanned<Vec<Spanned<RawLayer>>>,
    #[serde(default)]
    scales: BTreeMap<String, Spanned<RawScale>>,
    questions: Spanned<Vec<Spanned<RawQuestion>>>,
    #[serde(default)]
    suggestions: Vec<Spanned<RawRule>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScoring {
    low_max: Spanned<f64>,
    medium_max: Spanned<f64>,
    #[serde(default = "default_drivers")]
    drivers: usize,
    matrix: Spanned<RawMatrix>,
}

fn default_drivers() -> usize {
    5
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMatrix {
    likelihood_bounds: Spanned<Vec<f64>>,
    consequence_bounds: Spanned<Vec<f64>>,
    levels: Spanned<Vec<MatrixLevel>>,
    cells: Spanned<Vec<Vec<Spanned<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawFactor {
    id: Spanned<String>,
    title: Spanned<String>,
    role: Role,
    #[serde(default = "one")]
    weight: Spanned<f64>,
    #[serde(default)]
    description: String,
}

fn one() -> Spanned<f64> {
    Spanned::new(0..0, 1.0)
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScenario {
    id: Spanned<String>,
    title: Spanned<String>,
    threat: Spanned<String>,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLayer {
    id: Spanned<String>,
    title: Spanned<String>,
    #[serde(default)]
    description: String,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawScale {
    higher: Direction,
    levels: Option<Vec<String>>,
    min: Option<i64>,
    max: Option<i64>,
    #[serde(default)]
    labels: Vec<ScaleLabel>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    layer: Spanned<String>,
    factor: Spanned<String>,
    text: Spanned<String>,
    #[serde(default)]
    guidance: String,
    scale: Option<Spanned<String>>,
    levels: Option<Spanned<Vec<String>>>,
    higher: Option<Direction>,
    yes: Option<Direction>,
    choices: Option<Spanned<Vec<ChoiceOption>>>,
    bears_on: Spanned<BTreeMap<String, Spanned<f64>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRule {
    question: Spanned<String>,
    at_most: Option<i64>,
    at_least: Option<i64>,
    is: Option<bool>,
    any_of: Option<Vec<String>>,
    measures: Spanned<Vec<String>>,
}

fn levels_scale(levels: &[String], higher: Direction) -> AnswerSpec {
    let labels = levels.iter().enumerate().map(|(i, l)| ScaleLabel { from: i as i64, to: i as i64, label: l.clone() }).collect();
    AnswerSpec::Scale { min: 0, max: levels.len() as i64 - 1, higher, labels }
}

fn check_scale(check: &mut Check, span: Range<usize>, key: &str, raw: &RawScale) -> Option<AnswerSpec> {
    match (&raw.levels, raw.min, raw.max) {
        (Some(levels), None, None) if raw.labels.is_empty() => {
            if levels.len() < 2 {
                check.at(span, format!("{key}.levels"), "expected at least two described levels");
                return None;
            }
            Some(levels_scale(levels, raw.higher))
        }
        (None, Some(min), Some(max)) => {
            if min >= max {
                check.at(span, key.to_string(), format!("min {min} must be below max {max}"));
                return None;
            }
            for (i, l) in raw.labels.iter().enumerate() {
                if l.from > l.to || l.from < min || l.to > max {
                    check.at(span.clone(), format!("{key}.labels[{i}]"), format!("from {}..to {} must lie within {min}..{max}, from ≤ to", l.from, l.to));
                }
            }
            Some(AnswerSpec::Scale { min, max, higher: raw.higher, labels: raw.labels.clone() })
        }
        _ => {
            check.at(span, key.to_string(), "expected either `levels` (described levels from 0) or `min`, `max` and optional `labels`");
            None
        }
    }
}

impl Methodology {
    /// Parses and checks a methodology file; `source` names it in errors.
    pub fn from_toml(source: &str, text: &str) -> Result<Methodology, MethodologyError> {
        let raw: RawMethodology = read(source, text)?;
        let mut check = Check::new(source, text);
        check.id(&raw.id, "id".into());
        check.not_empty(&raw.version, "version".into());
        check.not_empty(&raw.title, "title".into());

        let scoring = check_scoring(&mut check, &raw.scoring);

        let mut factors = Vec::new();
        let mut factor_ids = BTreeSet::new();
        for (i, f) in raw.factors.get_ref().iter().enumerate() {
            let key = format!("factors[{i}]");
            let r = f.get_ref();
            check.id(&r.id, format!("{key}.id"));
            check.not_empty(&r.title, format!("{key}.title"));
            if !factor_ids.insert(r.id.get_ref().clone()) {
                check.at(r.id.span(), format!("{key}.id"), format!("{:?} is defined twice", r.id.get_ref()));
            }
            let w = *r.weight.get_ref();
            if !(w.is_finite() && w > 0.0) {
                check.at(r.id.span(), format!("{key}.weight"), format!("{w} is not a positive weight"));
            }
            factors.push(Factor { id: r.id.get_ref().clone(), title: r.title.get_ref().clone(), role: r.role, weight: w, description: r.description.clone() });
        }
        for role in Role::ALL {
            if !factors.iter().any(|f| f.role == role) {
                check.at(raw.factors.span(), "factors", format!("expected at least one factor with role {:?}", role.key()));
            }
        }

        let mut scenarios = Vec::new();
        let mut scenario_ids = BTreeSet::new();
        for (i, s) in raw.scenarios.get_ref().iter().enumerate() {
            let key = format!("scenarios[{i}]");
            let r = s.get_ref();
            check.id(&r.id, format!("{key}.id"));
            check.not_empty(&r.title, format!("{key}.title"));
            if !scenario_ids.insert(r.id.get_ref().clone()) {
                check.at(r.id.span(), format!("{key}.id"), format!("{:?} is defined twice", r.id.get_ref()));
            }
            let Some(threat) = ThreatType::parse(r.threat.get_ref()) else {
                let known: Vec<&str> = ThreatType::ALL.iter().map(|t| t.key()).collect();
                check.at(r.threat.span(), format!("{key}.threat"), format!("unknown threat type {:?}: expected one of {}", r.threat.get_ref(), known.join(", ")));
                continue;
            };
            scenarios.push(Scenario { id: r.id.get_ref().clone(), title: r.title.get_ref().clone(), threat, description: r.description.clone() });
        }
        if raw.scenarios.get_ref().is_empty() {
            check.at(raw.scenarios.span(), "scenarios", "expected at least one scenario");
        }

        let mut layers = Vec::new();
        for (i, l) in raw.layers.get_ref().iter().enumerate() {
            let key = format!("layers[{i}]");
            let r = l.get_ref();
            check.id(&r.id, format!("{key}.id"));
            check.not_empty(&r.title, format!("{key}.title"));
            if layers.iter().any(|x: &Layer| &x.id == r.id.get_ref()) {
                check.at(r.id.span(), format!("{key}.id"), format!("{:?} is defined twice", r.id.get_ref()));
            }
            layers.push(Layer { id: r.id.get_ref().clone(), title: r.title.get_ref().clone(), description: r.description.clone() });
        }

        let mut scales = BTreeMap::new();
        for (name, s) in &raw.scales {
            if let Some(spec) = check_scale(&mut check, s.span(), &format!("scales.{name}"), s.get_ref()) {
                scales.insert(name.clone(), spec);
            }
        }

        let mut questions: Vec<Question> = Vec::new();
        for (i, q) in raw.questions.get_ref().iter().enumerate() {
            let key = format!("questions[{i}]");
            let r = q.get_ref();
            check.id(&r.id, format!("{key}.id"));
            check.not_empty(&r.text, format!("{key}.text"));
            if questions.iter().any(|x| &x.id == r.id.get_ref()) {
                check.at(r.id.span(), format!("{key}.id"), format!("{:?} is defined twice", r.id.get_ref()));
            }
            if !layers.iter().any(|l| &l.id == r.layer.get_ref()) {
                check.at(r.layer.span(), format!("{key}.layer"), format!("unknown layer {:?}: expected one of the ids under [[layers]]", r.layer.get_ref()));
            }
            if !factor_ids.contains(r.factor.get_ref()) {
                check.at(r.factor.span(), format!("{key}.factor"), format!("unknown factor {:?}: expected one of {}", r.factor.get_ref(), factor_ids.iter().cloned().collect::<Vec<_>>().join(", ")));
            }
            let answer = question_answer(&mut check, r.id.span(), &key, r, &scales);
            let mut bears_on = BTreeMap::new();
            if r.bears_on.get_ref().is_empty() {
                check.at(r.bears_on.span(), format!("{key}.bears_on"), "expected at least one scenario id (or \"*\" for every scenario) with its weight");
            }
            if let Some(all) = r.bears_on.get_ref().get("*") {
                for s in &scenarios {
                    bears_on.insert(s.id.clone(), *all.get_ref());
                }
            }
            for (scenario, weight) in r.bears_on.get_ref() {
                let w = *weight.get_ref();
                if !(w.is_finite() && w > 0.0) {
                    check.at(weight.span(), format!("{key}.bears_on.{scenario}"), format!("{w} is not a positive weight"));
                }
                if scenario == "*" {
                    continue;
                }
                if !scenario_ids.contains(scenario) {
                    check.at(weight.span(), format!("{key}.bears_on.{scenario}"), format!("unknown scenario {scenario:?}: expected a scenario id or \"*\""));
                }
                bears_on.insert(scenario.clone(), w);
            }
            if let Some(answer) = answer {
                questions.push(Question {
                    id: r.id.get_ref().clone(),
                    layer: r.layer.get_ref().clone(),
                    factor: r.factor.get_ref().clone(),
                    text: r.text.get_ref().clone(),
                    guidance: r.guidance.clone(),
                    answer,
                    bears_on,
                });
            }
        }
        if raw.questions.get_ref().is_empty() {
            check.at(raw.questions.span(), "questions", "expected at least one question");
        }

        // Every scenario needs a rating for each of asset value, threat and vulnerability.
        if check.problems.is_empty() {
            for (i, s) in raw.scenarios.get_ref().iter().enumerate() {
                let id = s.get_ref().id.get_ref();
                for role in Role::ALL {
                    let asked = questions.iter().any(|q| q.bears_on.contains_key(id) && factors.iter().any(|f| f.id == q.factor && f.role == role));
                    if !asked {
                        check.at(s.get_ref().id.span(), format!("scenarios[{i}]"), format!("no question bears on scenario {id:?} for {}: expected at least one", role.key()));
                    }
                }
            }
        }

        let mut suggestions = Vec::new();
        for (i, rule) in raw.suggestions.iter().enumerate() {
            let key = format!("suggestions[{i}]");
            let r = rule.get_ref();
            let line = Some(check.line(r.question.span().start));
            if r.measures.get_ref().is_empty() {
                check.at(r.measures.span(), format!("{key}.measures"), "expected at least one measure id");
            }
            let conditions = [r.at_most.is_some(), r.at_least.is_some(), r.is.is_some(), r.any_of.is_some()].iter().filter(|c| **c).count();
            if conditions != 1 {
                check.at(r.question.span(), key.clone(), "expected exactly one condition: at_most, at_least, is or any_of");
                continue;
            }
            let when = match (r.at_most, r.at_least, r.is, &r.any_of) {
                (Some(n), ..) => Condition::AtMost(n),
                (_, Some(n), ..) => Condition::AtLeast(n),
                (_, _, Some(b), _) => Condition::Is(b),
                (.., Some(keys)) => Condition::AnyOf(keys.clone()),
                _ => continue,
            };
            let Some(question) = questions.iter().find(|q| &q.id == r.question.get_ref()) else {
                // A question that is there but faulty has its own problem already.
                let declared = raw.questions.get_ref().iter().any(|q| q.get_ref().id.get_ref() == r.question.get_ref());
                if declared {
                    continue;
                }
                check.at(r.question.span(), format!("{key}.question"), format!("unknown question {:?}", r.question.get_ref()));
                continue;
            };
            let fits = match (&when, &question.answer) {
                (Condition::AtMost(n) | Condition::AtLeast(n), AnswerSpec::Scale { min, max, .. }) => n >= min && n <= max,
                (Condition::Is(_), AnswerSpec::YesNo { .. }) => true,
                (Condition::AnyOf(keys), AnswerSpec::Choice { options }) => !keys.is_empty() && keys.iter().all(|k| options.iter().any(|o| &o.key == k)),
                _ => false,
            };
            if !fits {
                check.at(r.question.span(), key.clone(), format!("the condition does not fit question {:?}: expected {}", question.id, expected_answer(&question.answer)));
            }
            suggestions.push(SuggestionRule { question: question.id.clone(), when, measures: r.measures.get_ref().clone(), line });
        }

        let m = Methodology {
            id: raw.id.into_inner(),
            version: raw.version.into_inner(),
            title: raw.title.into_inner(),
            description: raw.description,
            sources: raw.sources,
            scoring: scoring.unwrap_or_else(placeholder_scoring),
            factors,
            scenarios,
            layers,
            questions,
            suggestions,
        };
        check.finish(m)
    }

    /// The source of the problems found against a catalogue: every measure a suggestion rule names must exist.
    pub fn check_catalogue(&self, source: &str, catalogue: &Catalogue) -> Result<(), MethodologyError> {
        let mut problems = Vec::new();
        for (i, rule) in self.suggestions.iter().enumerate() {
            for (j, id) in rule.measures.iter().enumerate() {
                if catalogue.measure(id).is_none() {
                    problems.push(Problem {
                        source: source.to_string(),
                        line: rule.line,
                        key: format!("suggestions[{i}].measures[{j}]"),
                        message: format!("unknown measure {id:?}: not in the catalogue"),
                    });
                }
            }
        }
        if problems.is_empty() {
            Ok(())
        } else {
            Err(MethodologyError { problems })
        }
    }
}

fn placeholder_scoring() -> Scoring {
    Scoring {
        low_max: 0.0,
        medium_max: 0.0,
        drivers: 0,
        matrix: Matrix { likelihood_bounds: [0.0; 4], consequence_bounds: [0.0; 4], levels: Vec::new(), cells: Vec::new() },
    }
}

/// What answers a question accepts, in words (for errors).
pub(crate) fn expected_answer(spec: &AnswerSpec) -> String {
    match spec {
        AnswerSpec::Scale { min, max, .. } => format!("a whole number from {min} to {max}"),
        AnswerSpec::YesNo { .. } => "true or false".to_string(),
        AnswerSpec::Choice { options } => {
            format!("one of {}", options.iter().map(|o| format!("{:?}", o.key)).collect::<Vec<_>>().join(", "))
        }
    }
}

fn question_answer(check: &mut Check, span: Range<usize>, key: &str, r: &RawQuestion, scales: &BTreeMap<String, AnswerSpec>) -> Option<AnswerSpec> {
    let given = [r.scale.is_some(), r.levels.is_some(), r.yes.is_some(), r.choices.is_some()].iter().filter(|g| **g).count();
    if given != 1 {
        check.at(span, key.to_string(), "expected exactly one way to answer: `scale` (a named scale), `levels` with `higher`, `yes`, or `choices`");
        return None;
    }
    if r.higher.is_some() && r.levels.is_none() {
        check.at(span, format!("{key}.higher"), "`higher` only goes with inline `levels`");
        return None;
    }
    if let Some(name) = &r.scale {
        return match scales.get(name.get_ref()) {
            Some(spec) => Some(spec.clone()),
            None => {
                check.at(name.span(), format!("{key}.scale"), format!("unknown scale {:?}: expected one of the [scales.*] tables", name.get_ref()));
                None
            }
        };
    }
    if let Some(levels) = &r.levels {
        let Some(higher) = r.higher else {
            check.at(levels.span(), format!("{key}.higher"), "inline `levels` need `higher = \"protects\"` or `higher = \"exposes\"`");
            return None;
        };
        if levels.get_ref().len() < 2 {
            check.at(levels.span(), format!("{key}.levels"), "expected at least two described levels");
            return None;
        }
        return Some(levels_scale(levels.get_ref(), higher));
    }
    if let Some(yes) = r.yes {
        return Some(AnswerSpec::YesNo { yes });
    }
    if let Some(choices) = &r.choices {
        let options = choices.get_ref();
        let mut ok = options.len() >= 2;
        if !ok {
            check.at(choices.span(), format!("{key}.choices"), "expected at least two choices");
        }
        for (j, o) in options.iter().enumerate() {
            if !(0.0..=1.0).contains(&o.exposure) {
                check.at(choices.span(), format!("{key}.choices[{j}].exposure"), format!("{} is outside 0..1", o.exposure));
                ok = false;
            }
            if options[..j].iter().any(|p| p.key == o.key) {
                check.at(choices.span(), format!("{key}.choices[{j}].key"), format!("{:?} is given twice", o.key));
                ok = false;
            }
        }
        return ok.then(|| AnswerSpec::Choice { options: options.clone() });
    }
    None
}

fn check_scoring(check: &mut Check, raw: &Spanned<RawScoring>) -> Option<Scoring> {
    let r = raw.get_ref();
    let low = *r.low_max.get_ref();
    let medium = *r.medium_max.get_ref();
    let mut ok = true;
    if !(1.0..1000.0).contains(&low) || !(low..1000.0).contains(&medium) || low >= medium {
        check.at(r.low_max.span(), "scoring.low_max", format!("expected 1 ≤ low_max < medium_max < 1000, found {low} and {medium}"));
        ok = false;
    }
    let m = r.matrix.get_ref();
    let bounds = |check: &mut Check, v: &Spanned<Vec<f64>>, key: &str, top: f64| -> Option<[f64; 4]> {
        let b = v.get_ref();
        let good = b.len() == 4 && b.windows(2).all(|w| w[0] < w[1]) && b[0] >= 1.0 && b[3] < top;
        if good {
            Some([b[0], b[1], b[2], b[3]])
        } else {
            check.at(v.span(), format!("scoring.matrix.{key}"), format!("expected four increasing upper bounds from 1 to below {top}"));
            None
        }
    };
    let likelihood = bounds(check, &m.likelihood_bounds, "likelihood_bounds", 100.0);
    let consequence = bounds(check, &m.consequence_bounds, "consequence_bounds", 10.0);
    if m.levels.get_ref().is_empty() {
        check.at(m.levels.span(), "scoring.matrix.levels", "expected at least one level");
        ok = false;
    }
    let cells = m.cells.get_ref();
    if cells.len() != 5 || cells.iter().any(|row| row.len() != 5) {
        check.at(m.cells.span(), "scoring.matrix.cells", "expected 5 rows (likelihood 1 to 5) of 5 level ids (consequence 1 to 5)");
        ok = false;
    } else {
        for (i, row) in cells.iter().enumerate() {
            for (j, cell) in row.iter().enumerate() {
                if !m.levels.get_ref().iter().any(|l| &l.id == cell.get_ref()) {
                    check.at(cell.span(), format!("scoring.matrix.cells[{i}][{j}]"), format!("unknown level {:?}: expected one of scoring.matrix.levels", cell.get_ref()));
                    ok = false;
                }
            }
        }
    }
    if r.drivers == 0 {
        check.at(raw.span(), "scoring.drivers", "expected at least 1");
        ok = false;
    }
    let (Some(likelihood_bounds), Some(consequence_bounds), true) = (likelihood, consequence, ok) else {
        return None;
    };
    Some(Scoring {
        low_max: low,
        medium_max: medium,
        drivers: r.drivers,
        matrix: Matrix {
            likelihood_bounds,
            consequence_bounds,
            levels: m.levels.get_ref().clone(),
            cells: cells.iter().map(|row| row.iter().map(|c| c.get_ref().clone()).collect()).collect(),
        },
    })
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCatalogue {
    version: Spanned<String>,
    measures: Spanned<Vec<Spanned<RawMeasure>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawMeasure {
    id: Spanned<String>,
    title: Spanned<String>,
    family: Family,
    cost: CostBand,
    lead_time: LeadTime,
    #[serde(default)]
    description: String,
    effects: Spanned<BTreeMap<String, Spanned<f64>>>,
}

impl Catalogue {
    /// Parses and checks a catalogue of measures; `source` names it in errors.
    pub fn from_toml(source: &str, text: &str) -> Result<Catalogue, MethodologyError> {
        let raw: RawCatalogue = read(source, text)?;
        let mut check = Check::new(source, text);
        check.not_empty(&raw.version, "version".into());
        let mut measures: Vec<Measure> = Vec::new();
        for (i, m) in raw.measures.get_ref().iter().enumerate() {
            let key = format!("measures[{i}]");
            let r = m.get_ref();
            check.id(&r.id, format!("{key}.id"));
            check.not_empty(&r.title, format!("{key}.title"));
            if measures.iter().any(|x| &x.id == r.id.get_ref()) {
                check.at(r.id.span(), format!("{key}.id"), format!("{:?} is defined twice", r.id.get_ref()));
            }
            if r.effects.get_ref().is_empty() {
                check.at(r.effects.span(), format!("{key}.effects"), "expected at least one threat type with the share of vulnerability removed");
            }
            let mut effects = BTreeMap::new();
            for (threat, share) in r.effects.get_ref() {
                let s = *share.get_ref();
                if !(s > 0.0 && s <= 0.9) {
                    check.at(share.span(), format!("{key}.effects.{threat}"), format!("{s} is outside 0 < share ≤ 0.9"));
                }
                match ThreatType::parse(threat) {
                    Some(t) => {
                        effects.insert(t, s);
                    }
                    None => {
                        let known: Vec<&str> = ThreatType::ALL.iter().map(|t| t.key()).collect();
                        check.at(share.span(), format!("{key}.effects.{threat}"), format!("unknown threat type {threat:?}: expected one of {}", known.join(", ")));
                    }
                }
            }
            measures.push(Measure {
                id: r.id.get_ref().clone(),
                title: r.title.get_ref().clone(),
                family: r.family,
                cost: r.cost,
                lead_time: r.lead_time,
                description: r.description.clone(),
                effects,
            });
        }
        if measures.is_empty() {
            check.at(raw.measures.span(), "measures", "expected at least one measure");
        }
        check.finish(Catalogue { version: raw.version.into_inner(), measures })
    }
}
