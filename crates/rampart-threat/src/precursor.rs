//! Explosives precursors: screening under Regulation (EU) 2019/1148 (METHODS.md §8).
//!
//! The catalogue of regulated substances is a shipped data file
//! (`data/precursors.csv`): Annex I (restricted above a limit value, licensable up to an
//! upper limit where a Member State runs a licensing regime) and Annex II (reportable).
//! A product formulation (substances with % w/w) is screened into one of
//! [`Outcome::Free`], [`Outcome::Reportable`], [`Outcome::Licence`] or
//! [`Outcome::NotAvailable`]:
//!
//! - an Annex I substance *higher than* its limit is restricted: licensable when it is
//!   not higher than the licence upper limit, otherwise not available to the general
//!   public; at or below the limit it is still a regulated precursor (reportable);
//! - ammonium nitrate's limit is 16 % by weight of *nitrogen* in relation to ammonium
//!   nitrate: x % w/w of NH₄NO₃ carries x · 28.0134 / 80.0434 % nitrogen, so the limit is
//!   reached at about 45.7 % w/w;
//! - chlorates and perchlorates in one mixture are summed against the 40 % limit
//!   (Art 5(2));
//! - aluminium and magnesium powders are Annex II entries only as powders (particles
//!   < 200 µm and ≥ 70 % w/w metal);
//! - homogeneous mixtures of more than five ingredients in which every regulated
//!   substance is below 1 % w/w are not regulated (Art 3(2)).
//!
//! Suspicious transactions, disappearances and thefts are reported to the national
//! contact point within 24 hours (Art 9): [`Report`].

use std::collections::BTreeSet;
use std::fmt;

use rampart_core::error::Collector;
use rampart_core::fields::{self, Object};
use rampart_core::{CountryCode, Invalid};
use serde::Serialize;
use serde_json::Value;

/// A CAS registry number whose check digit is right, e.g. `7722-84-1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Cas(u64);

impl Cas {
    /// Parses `NNNNNNN-NN-N` (2 to 7 digits, 2 digits, the check digit) and verifies
    /// the check digit: the digits before it, weighted 1, 2, 3 … from the right, sum to
    /// it modulo 10.
    pub fn parse(s: &str) -> Result<Cas, String> {
        let s = s.trim();
        let parts: Vec<&str> = s.split('-').collect();
        let shape_ok = parts.len() == 3
            && (2..=7).contains(&parts[0].len())
            && parts[1].len() == 2
            && parts[2].len() == 1
            && parts.iter().all(|p| p.bytes().all(|b| b.is_ascii_digit()));
        if !shape_ok {
            return Err(format!("{s:?} is not a CAS number (expected digits as NNNNNNN-NN-N, e.g. 7722-84-1)"));
        }
        let digits: Vec<u64> = s.bytes().filter(u8::is_ascii_digit).map(|b| u64::from(b - b'0')).collect();
        let (body, check) = digits.split_at(digits.len() - 1);
        let sum: u64 = body.iter().rev().enumerate().map(|(i, d)| (i as u64 + 1) * d).sum();
        if sum % 10 != check[0] {
            return Err(format!("{s:?} is not a valid CAS number: its check digit should be {}", sum % 10));
        }
        Ok(Cas(digits.iter().fold(0, |acc, d| acc * 10 + d)))
    }
}

impl fmt::Display for Cas {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let s = self.0.to_string();
        let n = s.len();
        write!(f, "{}-{}-{}", &s[..n - 3], &s[n - 3..n - 1], &s[n - 1..])
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum Annex {
    /// Restricted above a limit value.
    I,
    /// Reportable.
    II,
}

/// What a limit is measured in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Basis {
    /// % by weight of the mixture.
    WeightPercent,
    /// % by weight of nitrogen in relation to ammonium nitrate.
    Nitrogen,
}

/// Mass fraction of nitrogen in ammonium nitrate, NH₄NO₃ (2 N: 28.0134 g/mol of 80.0434).
pub const NITROGEN_IN_AMMONIUM_NITRATE: f64 = 28.0134 / 80.0434;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Group {
    /// Chlorates and perchlorates: summed against the limit.
    ChloratePerchlorate,
    /// Aluminium and magnesium: only as powders.
    MetalPowder,
}

/// A catalogue entry.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Substance {
    #[serde(serialize_with = "display")]
    pub cas: Cas,
    pub name: String,
    pub annex: Annex,
    /// Annex I: the limit value; above it the substance is restricted.
    pub limit_pct: Option<f64>,
    /// Annex I: the upper limit for licences (Art 5(3)); `None` when none is possible.
    pub licence_upper_pct: Option<f64>,
    pub basis: Basis,
    pub group: Option<Group>,
    pub common_names: Vec<String>,
}

fn display<T: fmt::Display, S: serde::Serializer>(v: &T, s: S) -> Result<S::Ok, S::Error> {
    s.collect_str(v)
}

/// A problem in a catalogue file, with its line.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}, line {line}: {message}")]
pub struct CatalogueError {
    pub file: String,
    pub line: usize,
    pub message: String,
}

/// The substances regulated by the Regulation, in file order.
#[derive(Debug, Clone, PartialEq)]
pub struct Catalogue {
    substances: Vec<Substance>,
}

/// The shipped catalogue (`data/precursors.csv`).
pub const DEFAULT_CATALOGUE_CSV: &str = include_str!("../data/precursors.csv");

const COLUMNS: [&str; 8] = ["cas", "name", "annex", "limit_pct", "licence_upper_pct", "basis", "group", "common_names"];

impl Catalogue {
    /// The shipped catalogue. Its file is checked by the tests, so reading it cannot fail.
    pub fn shipped() -> Catalogue {
        Catalogue::parse("precursors.csv", DEFAULT_CATALOGUE_CSV).unwrap_or(Catalogue { substances: Vec::new() })
    }

    /// Reads a catalogue: `#` comments, a header naming [`COLUMNS`], one substance a line.
    pub fn parse(file: &str, text: &str) -> Result<Catalogue, CatalogueError> {
        let err = |line: usize, message: String| CatalogueError { file: file.to_string(), line, message };
        let mut substances: Vec<Substance> = Vec::new();
        let mut header_seen = false;
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let raw = raw.trim();
            if raw.is_empty() || raw.starts_with('#') {
                continue;
            }
            let cells: Vec<&str> = raw.split(',').map(str::trim).collect();
            if !header_seen {
                if cells != COLUMNS {
                    return Err(err(line, format!("expected the header {}", COLUMNS.join(","))));
                }
                header_seen = true;
                continue;
            }
            if cells.len() != COLUMNS.len() {
                return Err(err(line, format!("expected {} cells, found {}", COLUMNS.len(), cells.len())));
            }
            let cas = Cas::parse(cells[0]).map_err(|m| err(line, format!("cas: {m}")))?;
            if substances.iter().any(|s| s.cas == cas) {
                return Err(err(line, format!("cas: {cas} is listed twice")));
            }
            let annex = match cells[2] {
                "I" => Annex::I,
                "II" => Annex::II,
                other => return Err(err(line, format!("annex: expected I or II, found {other:?}"))),
            };
            let pct = |col: usize| -> Result<Option<f64>, CatalogueError> {
                if cells[col].is_empty() {
                    return Ok(None);
                }
                match cells[col].parse::<f64>() {
                    Ok(v) if v > 0.0 && v <= 100.0 => Ok(Some(v)),
                    _ => Err(err(line, format!("{}: expected a percentage in (0, 100], found {:?}", COLUMNS[col], cells[col]))),
                }
            };
            let (limit_pct, licence_upper_pct) = (pct(3)?, pct(4)?);
            match (annex, limit_pct, licence_upper_pct) {
                (Annex::I, None, _) => return Err(err(line, "limit_pct: an Annex I substance needs a limit".into())),
                (Annex::II, Some(_), _) | (Annex::II, _, Some(_)) => {
                    return Err(err(line, "limit_pct: Annex II substances have no limits".into()))
                }
                (_, Some(l), Some(u)) if u < l => return Err(err(line, format!("licence_upper_pct: {u} is below the limit {l}"))),
                _ => {}
            }
            let basis = match cells[5] {
                "w/w" => Basis::WeightPercent,
                "nitrogen" => Basis::Nitrogen,
                other => return Err(err(line, format!("basis: expected w/w or nitrogen, found {other:?}"))),
            };
            let group = match cells[6] {
                "" => None,
                "chlorate_perchlorate" => Some(Group::ChloratePerchlorate),
                "metal_powder" => Some(Group::MetalPowder),
                other => return Err(err(line, format!("group: expected chlorate_perchlorate or metal_powder, found {other:?}"))),
            };
            let common_names = cells[7].split(';').map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect();
            substances.push(Substance { cas, name: cells[1].to_string(), annex, limit_pct, licence_upper_pct, basis, group, common_names });
        }
        if substances.is_empty() {
            return Err(err(0, "lists no substances".into()));
        }
        Ok(Catalogue { substances })
    }

    pub fn substances(&self) -> &[Substance] {
        &self.substances
    }

    fn index(&self, cas: Cas) -> Option<usize> {
        self.substances.iter().position(|s| s.cas == cas)
    }

    pub fn get(&self, cas: Cas) -> Option<&Substance> {
        self.index(cas).map(|i| &self.substances[i])
    }

    /// A regulated substance named by its CAS number.
    pub fn lookup(&self, text: &str) -> Result<usize, String> {
        let cas = Cas::parse(text)?;
        self.index(cas).ok_or_else(|| {
            format!(
                "unknown CAS number {cas}: not a substance of Annex I or II (list other ingredients by name only, without a CAS number)"
            )
        })
    }
}

/// One ingredient of a product.
#[derive(Debug, Clone, PartialEq)]
pub struct Component {
    /// Index into the catalogue, or `None` for an ingredient that is not regulated.
    pub substance: Option<usize>,
    pub name: Option<String>,
    /// % by weight of the product.
    pub percent: f64,
    /// Largest particle size in µm, for metal powders.
    pub particle_um: Option<f64>,
}

/// A product formulation.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Formulation {
    pub name: Option<String>,
    pub components: Vec<Component>,
    /// A homogeneous mixture (the more-than-five-ingredients exemption applies only to these).
    pub homogeneous: bool,
}

fn percent(v: &Value) -> Result<f64, Invalid> {
    let p = fields::non_negative(v).map_err(|_| Invalid::one("", format!("expected a percentage from 0 to 100, found {v}")))?;
    if p > 100.0 {
        return Err(Invalid::one("", format!("a concentration cannot be above 100 %, found {p}")));
    }
    Ok(p)
}

impl Formulation {
    /// Parses `{"name": …, "homogeneous": false, "components": [{"cas": "7722-84-1",
    /// "percent": 30}, {"name": "water", "percent": 70}, {"cas": "7429-90-5",
    /// "percent": 95, "particle_um": 50}]}`; every field at fault is named.
    pub fn from_json(v: &Value, catalogue: &Catalogue) -> Result<Formulation, Invalid> {
        let obj = fields::object(v)?;
        let mut c = Collector::default();
        let name = fields::optional(&mut c, &obj, "name", fields::string).flatten();
        let homogeneous = match obj.get("homogeneous") {
            None | Some(Value::Null) => false,
            Some(Value::Bool(b)) => *b,
            Some(other) => {
                c.push("homogeneous", format!("expected true or false, found {other}"));
                false
            }
        };
        let mut components = Vec::new();
        match obj.get("components") {
            Some(Value::Array(items)) if !items.is_empty() => {
                for (i, item) in items.iter().enumerate() {
                    let at = format!("components[{i}]");
                    match Self::component(item, catalogue) {
                        Ok(comp) => components.push(comp),
                        Err(e) => {
                            for fe in e.within(&at).0 {
                                c.push(fe.field, fe.message);
                            }
                        }
                    }
                }
            }
            Some(Value::Array(_)) => c.push("components", "lists no ingredients"),
            None | Some(Value::Null) => c.push("components", "is required"),
            Some(_) => c.push("components", "expected a list of {\"cas\", \"percent\"} objects"),
        }
        let mut seen = BTreeSet::new();
        for (i, comp) in components.iter().enumerate() {
            if let Some(s) = comp.substance {
                if !seen.insert(s) {
                    c.push(format!("components[{i}].cas"), format!("{} is listed twice", catalogue.substances[s].cas));
                }
            }
        }
        let total: f64 = components.iter().map(|x| x.percent).sum();
        if total > 100.0 + 1e-6 {
            c.push("components", format!("the concentrations add up to {total} %, above 100 %"));
        }
        c.finish(|| Some(Formulation { name, components, homogeneous }))
    }

    fn component(v: &Value, catalogue: &Catalogue) -> Result<Component, Invalid> {
        let obj: Object = fields::object(v)?;
        let mut c = Collector::default();
        let substance = fields::optional(&mut c, &obj, "cas", |v| {
            let s = fields::string(v)?;
            catalogue.lookup(&s).map_err(|m| Invalid::one("", m))
        })
        .flatten();
        let name = fields::optional(&mut c, &obj, "name", fields::string).flatten();
        let pct = fields::required(&mut c, &obj, "percent", percent);
        let particle_um = fields::optional(&mut c, &obj, "particle_um", |v| {
            let x = fields::non_negative(v)?;
            if x > 0.0 {
                Ok(x)
            } else {
                Err(Invalid::one("", "expected a particle size above 0 µm"))
            }
        })
        .flatten();
        if obj.get("cas").is_none() && obj.get("name").is_none() {
            c.push("cas", "give the CAS number of a regulated substance, or the name of another ingredient");
        }
        c.finish(|| Some(Component { substance, name, percent: pct?, particle_um }))
    }

    /// A formulation from `CAS=PCT` pairs (the command line's `--substance`).
    pub fn from_pairs(pairs: &[String], catalogue: &Catalogue) -> Result<Formulation, Invalid> {
        let mut comps = Vec::new();
        for p in pairs {
            let (cas, pct) = p.split_once('=').unwrap_or((p.as_str(), ""));
            let pct: Value = pct.trim().trim_end_matches('%').parse::<f64>().map(Value::from).unwrap_or(Value::String(pct.to_string()));
            comps.push(serde_json::json!({"cas": cas, "percent": pct}));
        }
        Formulation::from_json(&serde_json::json!({"components": comps}), catalogue)
            .map_err(|e| Invalid(e.0.into_iter().map(|fe| rampart_core::FieldError::new(fe.field.replacen("components", "substance", 1), fe.message)).collect()))
    }
}

/// How a product may be sold, from least to most restricted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// No regulated precursor (or exempt).
    Free,
    /// A regulated precursor available to the general public: suspicious transactions,
    /// disappearances and thefts are reported.
    Reportable,
    /// Restricted: only under a national licence (where a Member State runs a regime).
    Licence,
    /// Restricted: not to be made available to members of the general public.
    NotAvailable,
}

impl Outcome {
    pub fn key(self) -> &'static str {
        match self {
            Outcome::Free => "free",
            Outcome::Reportable => "reportable",
            Outcome::Licence => "licence",
            Outcome::NotAvailable => "not_available",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Outcome::Free => "free",
            Outcome::Reportable => "reportable (regulated precursor available to the general public)",
            Outcome::Licence => "restricted: licence needed",
            Outcome::NotAvailable => "restricted: not available to the general public",
        }
    }
}

/// What one regulated ingredient contributes to the outcome.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub cas: String,
    pub substance: String,
    pub annex: Annex,
    pub percent: f64,
    /// The value compared with the limit: % w/w, % nitrogen, or the chlorate and
    /// perchlorate sum.
    pub compared_pct: Option<f64>,
    pub limit_pct: Option<f64>,
    pub licence_upper_pct: Option<f64>,
    pub outcome: Outcome,
    pub reason: String,
}

/// The result of screening one product.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Screening {
    pub name: Option<String>,
    pub outcome: Outcome,
    /// When the outcome is `licence`: the substances and the upper limit for each.
    pub licence_up_to: Vec<LicenceLimit>,
    /// Suspicious transactions must be reported (Art 9): any regulated precursor.
    pub reportable: bool,
    pub findings: Vec<Finding>,
    pub summary: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LicenceLimit {
    pub cas: String,
    pub substance: String,
    pub upper_pct: f64,
}

fn fmt_pct(x: f64) -> String {
    let s = format!("{x:.3}");
    let s = s.trim_end_matches('0').trim_end_matches('.');
    format!("{s} %")
}

/// Screens a product against the catalogue.
pub fn screen(catalogue: &Catalogue, f: &Formulation) -> Screening {
    let subs = &catalogue.substances;
    let regulated = || f.components.iter().filter_map(|c| c.substance.map(|s| (c, &subs[s])));
    // Art 3(2): homogeneous mixtures of more than five ingredients, each regulated one below 1 %.
    let exempt = f.homogeneous && f.components.len() > 5 && regulated().all(|(c, _)| c.percent < 1.0);
    let chlorate_sum: f64 =
        regulated().filter(|(_, s)| s.group == Some(Group::ChloratePerchlorate)).map(|(c, _)| c.percent).sum();
    let mut findings = Vec::new();
    for (c, s) in regulated() {
        let mut compared = None;
        let (outcome, reason) = if exempt {
            (Outcome::Free, "homogeneous mixture of more than five ingredients, every regulated one below 1 % (Art 3(2))".to_string())
        } else {
            match s.annex {
                Annex::II => match s.group {
                    Some(Group::MetalPowder) => match c.particle_um {
                        _ if c.percent < 70.0 => (Outcome::Free, format!("{} below 70 % w/w metal: not a regulated powder", fmt_pct(c.percent))),
                        Some(um) if um >= 200.0 => (Outcome::Free, format!("particles of {um} µm: not a powder (< 200 µm)")),
                        Some(um) => (Outcome::Reportable, format!("powder of {um} µm particles, {} metal: Annex II", fmt_pct(c.percent))),
                        None => (Outcome::Reportable, "particle size not given: treated as a powder (< 200 µm), Annex II".to_string()),
                    },
                    _ => (Outcome::Reportable, "Annex II: reportable".to_string()),
                },
                Annex::I => {
                    let limit = s.limit_pct.unwrap_or(0.0);
                    let (value, what) = match (s.basis, s.group) {
                        (Basis::Nitrogen, _) => (c.percent * NITROGEN_IN_AMMONIUM_NITRATE, "nitrogen"),
                        (_, Some(Group::ChloratePerchlorate)) => (chlorate_sum, "chlorates and perchlorates together"),
                        _ => (c.percent, "w/w"),
                    };
                    compared = Some(value);
                    let shown = format!("{} {what}", fmt_pct(value));
                    if value <= limit {
                        (Outcome::Reportable, format!("{shown}, not above the limit {}: available, reportable", fmt_pct(limit)))
                    } else {
                        match s.licence_upper_pct {
                            Some(u) if value <= u => (
                                Outcome::Licence,
                                format!("{shown}, above the limit {} and not above {}: only under a licence", fmt_pct(limit), fmt_pct(u)),
                            ),
                            Some(u) => (Outcome::NotAvailable, format!("{shown}, above the licence upper limit {}", fmt_pct(u))),
                            None => (Outcome::NotAvailable, format!("{shown}, above the limit {}; no licence possible", fmt_pct(limit))),
                        }
                    }
                }
            }
        };
        findings.push(Finding {
            cas: s.cas.to_string(),
            substance: s.name.clone(),
            annex: s.annex,
            percent: c.percent,
            compared_pct: compared,
            limit_pct: s.limit_pct,
            licence_upper_pct: s.licence_upper_pct,
            outcome,
            reason,
        });
    }
    let outcome = findings.iter().map(|x| x.outcome).max().unwrap_or(Outcome::Free);
    let licence_up_to = if outcome == Outcome::Licence {
        findings
            .iter()
            .filter(|x| x.outcome == Outcome::Licence)
            .map(|x| LicenceLimit { cas: x.cas.clone(), substance: x.substance.clone(), upper_pct: x.licence_upper_pct.unwrap_or(0.0) })
            .collect()
    } else {
        Vec::new()
    };
    let reportable = findings.iter().any(|x| x.outcome != Outcome::Free);
    let summary = match outcome {
        Outcome::Free if findings.is_empty() => "no regulated explosives precursor".to_string(),
        Outcome::Licence => format!(
            "{}: {}",
            outcome.label(),
            licence_up_to.iter().map(|l| format!("{} up to {}", l.substance, fmt_pct(l.upper_pct))).collect::<Vec<_>>().join(", ")
        ),
        o => o.label().to_string(),
    };
    Screening { name: f.name.clone(), outcome, licence_up_to, reportable, findings, summary }
}

/// The Art 9 indicators of a suspicious transaction.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Indicator {
    UnclearIntendedUse,
    ImplausibleExplanation,
    UnusualQuantity,
    UnusualCombination,
    UnusualConcentration,
    RefusesIdentity,
    RefusesProfessionalStatus,
    UnusualPayment,
}

impl Indicator {
    pub const ALL: &'static [Indicator] = &[
        Indicator::UnclearIntendedUse,
        Indicator::ImplausibleExplanation,
        Indicator::UnusualQuantity,
        Indicator::UnusualCombination,
        Indicator::UnusualConcentration,
        Indicator::RefusesIdentity,
        Indicator::RefusesProfessionalStatus,
        Indicator::UnusualPayment,
    ];

    pub fn key(self) -> &'static str {
        match self {
            Indicator::UnclearIntendedUse => "unclear_intended_use",
            Indicator::ImplausibleExplanation => "implausible_explanation",
            Indicator::UnusualQuantity => "unusual_quantity",
            Indicator::UnusualCombination => "unusual_combination",
            Indicator::UnusualConcentration => "unusual_concentration",
            Indicator::RefusesIdentity => "refuses_identity",
            Indicator::RefusesProfessionalStatus => "refuses_professional_status",
            Indicator::UnusualPayment => "unusual_payment",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Indicator::UnclearIntendedUse => "the customer is unclear about the intended use",
            Indicator::ImplausibleExplanation => "the intended use is implausible or the explanation unconvincing",
            Indicator::UnusualQuantity => "unusual quantity for private use",
            Indicator::UnusualCombination => "unusual combination of products",
            Indicator::UnusualConcentration => "unusual concentration for private use",
            Indicator::RefusesIdentity => "unwilling to provide proof of identity or place of residence",
            Indicator::RefusesProfessionalStatus => "unwilling to provide proof of professional, commercial or agricultural status",
            Indicator::UnusualPayment => "unusual method of payment, such as large amounts of cash",
        }
    }

    pub fn parse(s: &str) -> Option<Indicator> {
        Indicator::ALL.iter().copied().find(|i| i.key() == s.trim())
    }
}

/// What is being reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ReportKind {
    SuspiciousTransaction,
    Disappearance,
    Theft,
}

impl ReportKind {
    fn parse(s: &str) -> Option<ReportKind> {
        match s.trim() {
            "suspicious_transaction" => Some(ReportKind::SuspiciousTransaction),
            "disappearance" => Some(ReportKind::Disappearance),
            "theft" => Some(ReportKind::Theft),
            _ => None,
        }
    }
}

/// How long after detection a report is due (Art 9(1), Art 9(2)).
pub const REPORT_DUE_MS: i64 = 24 * 3600 * 1000;

/// A report to the national contact point, ready to send.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub kind: ReportKind,
    /// The Member State whose national contact point receives the report.
    pub country: String,
    pub routed_to: String,
    /// Milliseconds since the epoch.
    pub detected_at_ms: i64,
    /// `detected_at + 24 h`.
    pub due_by_ms: i64,
    pub indicators: Vec<ReportIndicator>,
    pub products: Vec<ReportedProduct>,
    pub quantity: Option<String>,
    pub customer: Option<String>,
    pub description: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportIndicator {
    pub key: &'static str,
    pub label: &'static str,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ReportedProduct {
    pub screening: Screening,
}

impl Report {
    /// Parses a report request and screens its products. `detected_at_ms` is the
    /// caller's clock unless the request names an earlier `detected_at_ms`: Art 9 counts
    /// 24 hours from the moment the transaction was considered suspicious.
    ///
    /// `{"kind": "suspicious_transaction", "country": "DE", "indicators":
    /// ["unusual_quantity"], "products": [FORMULATION …], "quantity": "20 l",
    /// "customer": "…", "description": "…"}`
    pub fn from_json(v: &Value, catalogue: &Catalogue, now_ms: i64) -> Result<Report, Invalid> {
        let obj = fields::object(v)?;
        let mut c = Collector::default();
        let kind = fields::required(&mut c, &obj, "kind", |v| {
            let s = fields::string(v)?;
            ReportKind::parse(&s)
                .ok_or_else(|| Invalid::one("", format!("expected suspicious_transaction, disappearance or theft, found {s:?}")))
        });
        let country = fields::required(&mut c, &obj, "country", fields::text(CountryCode::parse));
        let detected_at_ms = fields::optional(&mut c, &obj, "detected_at_ms", |v| match v.as_i64() {
            Some(t) if t <= now_ms && t >= 0 => Ok(t),
            Some(_) => Err(Invalid::one("", "must not lie in the future")),
            None => Err(Invalid::one("", format!("expected milliseconds since the epoch, found {v}"))),
        })
        .flatten()
        .unwrap_or(now_ms);
        let mut indicators = Vec::new();
        match obj.get("indicators") {
            None | Some(Value::Null) => {}
            Some(Value::Array(items)) => {
                for (i, item) in items.iter().enumerate() {
                    match item.as_str().and_then(Indicator::parse) {
                        Some(ind) if !indicators.contains(&ind) => indicators.push(ind),
                        Some(_) => c.push(format!("indicators[{i}]"), "is listed twice"),
                        None => c.push(
                            format!("indicators[{i}]"),
                            format!(
                                "unknown indicator {item}; expected one of {}",
                                Indicator::ALL.iter().map(|x| x.key()).collect::<Vec<_>>().join(", ")
                            ),
                        ),
                    }
                }
            }
            Some(_) => c.push("indicators", "expected a list of indicator keys"),
        }
        if kind == Some(ReportKind::SuspiciousTransaction) && indicators.is_empty() && obj.get("indicators").is_none_or(Value::is_array) {
            c.push("indicators", "a suspicious transaction names at least one Art 9 indicator");
        }
        let mut products = Vec::new();
        match obj.get("products") {
            Some(Value::Array(items)) if !items.is_empty() => {
                for (i, item) in items.iter().enumerate() {
                    match Formulation::from_json(item, catalogue) {
                        Ok(f) => {
                            let s = screen(catalogue, &f);
                            if !s.reportable {
                                c.push(format!("products[{i}]"), "holds no regulated explosives precursor: Art 9 does not apply");
                            }
                            products.push(ReportedProduct { screening: s });
                        }
                        Err(e) => {
                            for fe in e.within(&format!("products[{i}]")).0 {
                                c.push(fe.field, fe.message);
                            }
                        }
                    }
                }
            }
            _ => c.push("products", "list at least one product formulation"),
        }
        let quantity = fields::optional(&mut c, &obj, "quantity", fields::string).flatten();
        let customer = fields::optional(&mut c, &obj, "customer", fields::string).flatten();
        let description = fields::optional(&mut c, &obj, "description", fields::string).flatten();
        c.finish(|| {
            let country = country?;
            Some(Report {
                kind: kind?,
                routed_to: format!("the national contact point of {} ({}) under Art 9(1)", country.name(), country.as_str()),
                country: country.as_str().to_string(),
                detected_at_ms,
                due_by_ms: detected_at_ms + REPORT_DUE_MS,
                indicators: indicators.iter().map(|i| ReportIndicator { key: i.key(), label: i.label() }).collect(),
                products,
                quantity,
                customer,
                description,
            })
        })
    }
}

#[cfg(test)]
mod tests;
