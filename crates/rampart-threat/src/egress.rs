//! Crowd egress: capacity and egress time of a venue under a chosen rule set
//! (METHODS.md §4).
//!
//! A venue has areas, each with its occupant load (given, from seats, or from floor area
//! and a density or an occupant load factor), and exits, each with a clear width and a
//! type (level, stairs, ramp) and optionally the areas it serves (none listed: all).
//! Each area's occupants share its exits in proportion to their flow capacity, the
//! usual hand-calculation assumption (people balance between the exits they can reach);
//! an exit's egress time is its load over its flow, the venue's the slowest exit's.
//!
//! Rule sets:
//! - **Green Guide** (Guide to Safety at Sports Grounds) \[C\]: rates of passage 82
//!   persons per metre per minute on the level and 66 on stairs \[R\] (ramps taken as
//!   level); egress time target 8 minutes.
//! - **UK places of entertainment** \[C\]: whole exit units of 525 mm, each passing 40
//!   persons a minute; target 2.5 minutes \[R\] (the usual evacuation time for
//!   buildings of traditional construction).
//! - **NFPA 101** \[C\]: egress capacity of a component is its width over 7.6 mm per
//!   person (stairs) or 5 mm per person (level, ramps); it sets no time, so the check is
//!   load against capacity.
//!
//! Fruin's walkway level of service \[C\] grades a flow per metre of width: A < 23, B
//! 23–33, C 33–49, D 49–66, E 66–82, F > 82 persons/m/min.

use std::fmt;

use rampart_core::error::Collector;
use rampart_core::fields::{self, Object};
use rampart_core::Invalid;
use serde::Serialize;
use serde_json::Value;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ExitType {
    Level,
    Stairs,
    Ramp,
}

impl ExitType {
    fn parse(s: &str) -> Option<ExitType> {
        match s {
            "level" => Some(ExitType::Level),
            "stairs" => Some(ExitType::Stairs),
            "ramp" => Some(ExitType::Ramp),
            _ => None,
        }
    }
}

/// Which guidance the venue is checked against.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub enum RuleSet {
    #[serde(rename = "green-guide")]
    GreenGuide,
    #[serde(rename = "uk-entertainment")]
    UkEntertainment,
    #[serde(rename = "nfpa101")]
    Nfpa101,
}

impl RuleSet {
    pub const ALL: &'static [RuleSet] = &[RuleSet::GreenGuide, RuleSet::UkEntertainment, RuleSet::Nfpa101];

    pub fn key(self) -> &'static str {
        match self {
            RuleSet::GreenGuide => "green-guide",
            RuleSet::UkEntertainment => "uk-entertainment",
            RuleSet::Nfpa101 => "nfpa101",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            RuleSet::GreenGuide => "Green Guide (Guide to Safety at Sports Grounds)",
            RuleSet::UkEntertainment => "UK guide to fire precautions in places of entertainment (exit units)",
            RuleSet::Nfpa101 => "NFPA 101 Life Safety Code (capacity factors)",
        }
    }

    pub fn parse(s: &str) -> Option<RuleSet> {
        RuleSet::ALL.iter().copied().find(|r| r.key() == s.trim())
    }

    /// The default egress time target in minutes; `None` for rule sets without one.
    pub fn default_target_min(self) -> Option<f64> {
        match self {
            RuleSet::GreenGuide => Some(GREEN_GUIDE_TARGET_MIN),
            RuleSet::UkEntertainment => Some(UK_ENTERTAINMENT_TARGET_MIN),
            RuleSet::Nfpa101 => None,
        }
    }
}

/// Green Guide rates of passage, persons per metre per minute \[R\].
pub const GREEN_GUIDE_LEVEL_RATE: f64 = 82.0;
pub const GREEN_GUIDE_STAIRS_RATE: f64 = 66.0;
pub const GREEN_GUIDE_TARGET_MIN: f64 = 8.0;
/// An exit unit of the UK places-of-entertainment guidance: 525 mm, 40 persons/min.
pub const EXIT_UNIT_M: f64 = 0.525;
pub const EXIT_UNIT_RATE: f64 = 40.0;
pub const UK_ENTERTAINMENT_TARGET_MIN: f64 = 2.5;
/// NFPA 101 capacity factors, mm of width per person.
pub const NFPA_STAIRS_MM: f64 = 7.6;
pub const NFPA_LEVEL_MM: f64 = 5.0;
/// Occupant load factors, m² per person: standing and dance areas (UK entertainment
/// guidance), terraces (Green Guide: at most 47 persons per 10 m²).
pub const STANDING_M2: f64 = 0.3;
pub const DANCE_M2: f64 = 0.55;
pub const TERRACE_M2: f64 = 10.0 / 47.0;

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Area {
    pub id: String,
    pub occupants: u64,
    /// How the load was found, e.g. `1200 m² at 0.3 m²/person (standing)`.
    pub basis: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exit {
    pub id: String,
    pub width_m: f64,
    #[serde(rename = "type")]
    pub kind: ExitType,
    /// Indices of the areas it serves; empty: every area.
    #[serde(skip)]
    pub serves: Vec<usize>,
}

/// A flow to grade on Fruin's scale.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Flow {
    pub id: String,
    pub persons_per_min: f64,
    pub width_m: f64,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Venue {
    pub name: Option<String>,
    pub areas: Vec<Area>,
    pub exits: Vec<Exit>,
    /// Overrides the rule set's target, minutes.
    pub target_min: Option<f64>,
    pub flows: Vec<Flow>,
}

/// A venue file that could not be read: where and why.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum VenueError {
    #[error("{file}: {message}")]
    Syntax { file: String, message: String },
    #[error("{file}: {invalid}")]
    Invalid { file: String, invalid: Invalid },
}

fn positive(what: &'static str) -> impl Fn(&Value) -> Result<f64, Invalid> {
    move |v| match fields::non_negative(v) {
        Ok(x) if x > 0.0 => Ok(x),
        _ => Err(Invalid::one("", format!("{what} must be a number above 0, found {v}"))),
    }
}

fn list<'a>(c: &mut Collector, obj: &'a Object, key: &str, what: &str) -> &'a [Value] {
    match obj.get(key) {
        Some(Value::Array(items)) if !items.is_empty() => items,
        Some(Value::Array(_)) | None | Some(Value::Null) => {
            c.push(key, format!("list at least one {what}"));
            &[]
        }
        Some(_) => {
            c.push(key, format!("expected a list of {what}s"));
            &[]
        }
    }
}

fn merge(c: &mut Collector, r: Result<(), Invalid>, at: &str) {
    if let Err(e) = r {
        for fe in e.within(at).0 {
            c.push(fe.field, fe.message);
        }
    }
}

impl Venue {
    /// Reads a venue from a `.json` or `.toml` file's text; errors name the file and
    /// the line (syntax) or the field (content), e.g. `exits[1].width_m`.
    pub fn parse_file(file: &str, text: &str) -> Result<Venue, VenueError> {
        let value: Value = if file.ends_with(".toml") {
            toml::from_str(text).map_err(|e| VenueError::Syntax { file: file.into(), message: e.to_string().trim().replace('\n', " ") })?
        } else {
            serde_json::from_str(text).map_err(|e| VenueError::Syntax { file: file.into(), message: e.to_string() })?
        };
        Venue::from_json(&value).map_err(|invalid| VenueError::Invalid { file: file.into(), invalid })
    }

    /// `{"name": …, "target_min": 8, "areas": [{"id": "north", "seats": 4200},
    /// {"id": "pitch", "area_m2": 1200, "use": "standing"}, {"id": "bar", "area_m2": 300,
    /// "m2_per_person": 0.5}, {"id": "foyer", "area_m2": 200, "density_per_m2": 2},
    /// {"id": "vip", "occupants": 80}], "exits": [{"id": "A", "width_m": 2.4, "type":
    /// "level", "serves": ["north"]}], "flows": [{"id": "bridge", "persons_per_min":
    /// 300, "width_m": 5}]}`
    pub fn from_json(v: &Value) -> Result<Venue, Invalid> {
        let obj = fields::object(v)?;
        let mut c = Collector::default();
        let name = fields::optional(&mut c, &obj, "name", fields::string).flatten();
        let target_min = fields::optional(&mut c, &obj, "target_min", positive("a target")).flatten();
        let mut areas: Vec<Area> = Vec::new();
        for (i, item) in list(&mut c, &obj, "areas", "area").iter().enumerate() {
            let at = format!("areas[{i}]");
            match Self::area(item) {
                Ok(a) if areas.iter().any(|x| x.id == a.id) => c.push(format!("{at}.id"), format!("{:?} is used twice", a.id)),
                Ok(a) => areas.push(a),
                Err(e) => merge(&mut c, Err(e), &at),
            }
        }
        let mut exits: Vec<Exit> = Vec::new();
        for (i, item) in list(&mut c, &obj, "exits", "exit").iter().enumerate() {
            let at = format!("exits[{i}]");
            match Self::exit(item, &areas) {
                Ok(x) if exits.iter().any(|e| e.id == x.id) => c.push(format!("{at}.id"), format!("{:?} is used twice", x.id)),
                Ok(x) => exits.push(x),
                Err(e) => merge(&mut c, Err(e), &at),
            }
        }
        for (i, a) in areas.iter().enumerate() {
            if !exits.is_empty() && !exits.iter().any(|x| x.serves.is_empty() || x.serves.contains(&i)) {
                c.push(format!("areas[{i}]"), format!("no exit serves area {:?}", a.id));
            }
        }
        let mut flows = Vec::new();
        if let Some(items) = obj.get("flows").filter(|v| !v.is_null()) {
            match items {
                Value::Array(items) => {
                    for (i, item) in items.iter().enumerate() {
                        match Self::flow(item) {
                            Ok(f) => flows.push(f),
                            Err(e) => merge(&mut c, Err(e), &format!("flows[{i}]")),
                        }
                    }
                }
                _ => c.push("flows", "expected a list of flows"),
            }
        }
        c.finish(|| Some(Venue { name, areas, exits, target_min, flows }))
    }

    fn area(v: &Value) -> Result<Area, Invalid> {
        let obj = fields::object(v)?;
        let mut c = Collector::default();
        let id = fields::required(&mut c, &obj, "id", fields::string);
        let occupants = fields::optional(&mut c, &obj, "occupants", fields::count).flatten();
        let seats = fields::optional(&mut c, &obj, "seats", fields::count).flatten();
        let area_m2 = fields::optional(&mut c, &obj, "area_m2", positive("a floor area")).flatten();
        let per_person = fields::optional(&mut c, &obj, "m2_per_person", positive("an occupant load factor")).flatten();
        let density = fields::optional(&mut c, &obj, "density_per_m2", positive("a density")).flatten();
        let use_ = fields::optional(&mut c, &obj, "use", |v| {
            let s = fields::string(v)?;
            match s.as_str() {
                "standing" => Ok((STANDING_M2, "standing")),
                "dance" => Ok((DANCE_M2, "dance")),
                "terrace" => Ok((TERRACE_M2, "terrace")),
                _ => Err(Invalid::one("", format!("expected standing, dance or terrace, found {s:?}"))),
            }
        })
        .flatten();
        let given = [occupants.is_some(), seats.is_some(), area_m2.is_some()].iter().filter(|b| **b).count();
        let factors = [per_person.is_some(), density.is_some(), use_.is_some()].iter().filter(|b| **b).count();
        let mut load = None;
        if given > 1 {
            c.push("", "give one of occupants, seats or area_m2");
        } else if let Some(n) = occupants {
            load = Some((n, format!("{n} occupants")));
        } else if let Some(n) = seats {
            load = Some((n, format!("{n} seats")));
        } else if let Some(a) = area_m2 {
            if factors != 1 {
                c.push("area_m2", "give exactly one of m2_per_person, density_per_m2 or use (standing, dance, terrace) with a floor area");
            } else if let Some(f) = per_person {
                load = Some(((a / f).floor() as u64, format!("{a} m² at {f} m²/person")));
            } else if let Some(d) = density {
                load = Some(((a * d).floor() as u64, format!("{a} m² at {d} persons/m²")));
            } else if let Some((f, u)) = use_ {
                load = Some(((a / f + 1e-9).floor() as u64, format!("{a} m² at {f:.3} m²/person ({u})")));
            }
        } else if given == 0 && load_fields_absent(&obj) {
            c.push("", "give the occupant load: occupants, seats, or area_m2 with a density");
        }
        c.finish(|| {
            let (occupants, basis) = load?;
            Some(Area { id: id?, occupants, basis })
        })
    }

    fn exit(v: &Value, areas: &[Area]) -> Result<Exit, Invalid> {
        let obj = fields::object(v)?;
        let mut c = Collector::default();
        let id = fields::required(&mut c, &obj, "id", fields::string);
        let width_m = fields::required(&mut c, &obj, "width_m", |v| match fields::non_negative(v) {
            Ok(x) if x > 0.0 => Ok(x),
            _ => Err(Invalid::one("", format!("an exit needs a clear width above 0 m, found {v}"))),
        });
        let kind = fields::optional(&mut c, &obj, "type", |v| {
            let s = fields::string(v)?;
            ExitType::parse(&s).ok_or_else(|| Invalid::one("", format!("expected level, stairs or ramp, found {s:?}")))
        })
        .map(|k| k.unwrap_or(ExitType::Level));
        let mut serves = Vec::new();
        match obj.get("serves") {
            None | Some(Value::Null) => {}
            Some(Value::Array(ids)) => {
                for (j, id) in ids.iter().enumerate() {
                    match id.as_str().and_then(|s| areas.iter().position(|a| a.id == s)) {
                        Some(k) => serves.push(k),
                        None => c.push(format!("serves[{j}]"), format!("no area with id {id}")),
                    }
                }
            }
            Some(_) => c.push("serves", "expected a list of area ids"),
        }
        c.finish(|| Some(Exit { id: id?, width_m: width_m?, kind: kind?, serves }))
    }

    fn flow(v: &Value) -> Result<Flow, Invalid> {
        let obj = fields::object(v)?;
        let mut c = Collector::default();
        let id = fields::required(&mut c, &obj, "id", fields::string);
        let persons_per_min = fields::required(&mut c, &obj, "persons_per_min", fields::non_negative);
        let width_m = fields::required(&mut c, &obj, "width_m", positive("a width"));
        c.finish(|| Some(Flow { id: id?, persons_per_min: persons_per_min?, width_m: width_m? }))
    }
}

/// Whether the area names none of the load fields (when one is there but failed to
/// parse, its own message is more precise than "give the occupant load").
fn load_fields_absent(obj: &Object) -> bool {
    !["occupants", "seats", "area_m2"].iter().any(|k| obj.contains_key(*k))
}

/// Fruin's walkway level of service for a flow in persons per metre per minute.
pub fn fruin_level(persons_per_m_min: f64) -> char {
    match persons_per_m_min {
        f if f < 23.0 => 'A',
        f if f < 33.0 => 'B',
        f if f < 49.0 => 'C',
        f if f < 66.0 => 'D',
        f if f <= 82.0 => 'E',
        _ => 'F',
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ExitResult {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: ExitType,
    pub width_m: f64,
    /// Whole exit units (UK places of entertainment only).
    pub units: Option<u32>,
    /// Persons per minute (Green Guide, UK entertainment).
    pub flow_per_min: Option<f64>,
    /// Persons it can pass: within the target (timed rule sets) or its NFPA capacity.
    pub capacity: f64,
    /// Occupants assigned to it.
    pub load: f64,
    /// `load / flow`, minutes; `None` under NFPA 101 or when the exit passes nobody.
    pub time_min: Option<f64>,
    /// The width at which its load clears within the target (or fits its capacity).
    pub width_needed_m: f64,
    pub meets_target: bool,
    /// Fruin level of service of its flow per metre of width.
    pub fruin: Option<char>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct FlowResult {
    pub id: String,
    pub persons_per_m_min: f64,
    pub fruin: char,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Bottleneck {
    pub exit: String,
    pub time_min: Option<f64>,
    pub width_m: f64,
    pub width_needed_m: f64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct EgressResult {
    pub name: Option<String>,
    pub rules: RuleSet,
    pub rules_label: &'static str,
    pub target_min: Option<f64>,
    pub occupants: u64,
    pub areas: Vec<Area>,
    pub exits: Vec<ExitResult>,
    /// The slowest exit's time, minutes (timed rule sets).
    pub egress_time_min: Option<f64>,
    /// Persons the exits pass within the target, or their NFPA capacity.
    pub capacity: f64,
    pub meets_target: bool,
    pub bottleneck: Option<Bottleneck>,
    /// Width to add over all exits falling short so that every one meets the target.
    pub extra_width_needed_m: f64,
    pub flows: Vec<FlowResult>,
}

impl fmt::Display for ExitType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            ExitType::Level => "level",
            ExitType::Stairs => "stairs",
            ExitType::Ramp => "ramp",
        })
    }
}

/// Flow capacity of an exit in persons/min (timed rule sets) or persons (NFPA 101),
/// with its exit units where they apply.
fn exit_capacity(rules: RuleSet, x: &Exit) -> (f64, Option<u32>) {
    match rules {
        RuleSet::GreenGuide => {
            let rate = if x.kind == ExitType::Stairs { GREEN_GUIDE_STAIRS_RATE } else { GREEN_GUIDE_LEVEL_RATE };
            (rate * x.width_m, None)
        }
        RuleSet::UkEntertainment => {
            let units = (x.width_m / EXIT_UNIT_M + 1e-9).floor() as u32;
            (f64::from(units) * EXIT_UNIT_RATE, Some(units))
        }
        RuleSet::Nfpa101 => {
            let mm = if x.kind == ExitType::Stairs { NFPA_STAIRS_MM } else { NFPA_LEVEL_MM };
            (x.width_m * 1000.0 / mm, None)
        }
    }
}

/// The width (m) an exit of this type needs to pass `load` within `target` minutes
/// (or, under NFPA 101, to hold `load`).
fn width_needed(rules: RuleSet, kind: ExitType, load: f64, target: f64) -> f64 {
    match rules {
        RuleSet::GreenGuide => {
            let rate = if kind == ExitType::Stairs { GREEN_GUIDE_STAIRS_RATE } else { GREEN_GUIDE_LEVEL_RATE };
            load / (rate * target)
        }
        RuleSet::UkEntertainment => (load / (EXIT_UNIT_RATE * target) - 1e-9).ceil().max(0.0) * EXIT_UNIT_M,
        RuleSet::Nfpa101 => load * if kind == ExitType::Stairs { NFPA_STAIRS_MM } else { NFPA_LEVEL_MM } / 1000.0,
    }
}

/// Egress capacity and time of `venue` under `rules`.
pub fn assess(venue: &Venue, rules: RuleSet) -> EgressResult {
    let target = venue.target_min.or(rules.default_target_min());
    let caps: Vec<(f64, Option<u32>)> = venue.exits.iter().map(|x| exit_capacity(rules, x)).collect();
    let serves = |xi: usize, ai: usize| venue.exits[xi].serves.is_empty() || venue.exits[xi].serves.contains(&ai);
    // Each area's occupants split over its exits in proportion to their capacity; an
    // area whose exits all pass nobody splits evenly (its time is then unbounded).
    let mut load = vec![0.0; venue.exits.len()];
    for (ai, a) in venue.areas.iter().enumerate() {
        let mine: Vec<usize> = (0..venue.exits.len()).filter(|&xi| serves(xi, ai)).collect();
        let total: f64 = mine.iter().map(|&xi| caps[xi].0).sum();
        for &xi in &mine {
            let share = if total > 0.0 { caps[xi].0 / total } else { 1.0 / mine.len() as f64 };
            load[xi] += a.occupants as f64 * share;
        }
    }
    let timed = rules != RuleSet::Nfpa101;
    let exits: Vec<ExitResult> = venue
        .exits
        .iter()
        .enumerate()
        .map(|(xi, x)| {
            let (cap, units) = caps[xi];
            let l = load[xi];
            let time = if timed && cap > 0.0 { Some(l / cap) } else { None };
            let needed = width_needed(rules, x.kind, l, target.unwrap_or(1.0));
            let meets = match (timed, time, target) {
                (true, Some(t), Some(tt)) => t <= tt + 1e-9,
                (true, None, _) => l == 0.0,
                (true, Some(_), None) => true,
                (false, _, _) => l <= cap + 1e-9,
            };
            ExitResult {
                id: x.id.clone(),
                kind: x.kind,
                width_m: x.width_m,
                units,
                flow_per_min: timed.then_some(cap),
                capacity: if timed { cap * target.unwrap_or(0.0) } else { cap },
                load: l,
                time_min: time,
                width_needed_m: needed,
                meets_target: meets,
                fruin: timed.then(|| fruin_level(cap / x.width_m)),
            }
        })
        .collect();
    // The bottleneck: the slowest exit (timed), or the most overloaded one (NFPA 101).
    let pressure = |e: &ExitResult| if timed { e.time_min.unwrap_or(f64::INFINITY) } else { e.load / e.capacity.max(1e-12) };
    let worst = exits.iter().filter(|e| e.load > 0.0).max_by(|a, b| pressure(a).total_cmp(&pressure(b)));
    let bottleneck =
        worst.map(|e| Bottleneck { exit: e.id.clone(), time_min: e.time_min, width_m: e.width_m, width_needed_m: e.width_needed_m });
    // `None` under NFPA 101, and when a loaded exit passes nobody (unbounded).
    let egress_time_min = if timed { worst.map_or(Some(0.0), |e| e.time_min) } else { None };
    let extra = exits.iter().filter(|e| !e.meets_target).map(|e| (e.width_needed_m - e.width_m).max(0.0)).sum();
    let flows = venue
        .flows
        .iter()
        .map(|f| {
            let q = f.persons_per_min / f.width_m;
            FlowResult { id: f.id.clone(), persons_per_m_min: q, fruin: fruin_level(q) }
        })
        .collect();
    EgressResult {
        name: venue.name.clone(),
        rules,
        rules_label: rules.label(),
        target_min: target,
        occupants: venue.areas.iter().map(|a| a.occupants).sum(),
        areas: venue.areas.clone(),
        capacity: exits.iter().map(|e| e.capacity).sum(),
        meets_target: exits.iter().all(|e| e.meets_target),
        exits,
        egress_time_min,
        bottleneck,
        extra_width_needed_m: extra,
        flows,
    }
}

#[cfg(test)]
mod tests;
