//! Vulnerability assessments of a facility or an event: the workflow's states and the
//! moves between them, the plan (type, team with expertise, dates) and the findings with
//! their prioritised recommendations. Who may make which move is in [`crate::access`].
//!
//! request → planning → survey → scoring → findings → review → approved → issued,
//! and review → findings when the reviewer sends the findings back.

use crate::error::{Collector, Invalid};
use crate::fields::{self, optional, required, text, Object};
use crate::Username;
use serde::Serialize;
use serde_json::{json, Value};

crate::vocabulary!(
    /// Where an assessment is in its workflow.
    AssessmentState, "assessment state" {
        Requested = "requested", "Requested";
        Planning = "planning", "Planning";
        Survey = "survey", "Survey";
        Scoring = "scoring", "Scoring";
        Findings = "findings", "Findings and recommendations";
        Review = "review", "In review";
        Approved = "approved", "Approved";
        Issued = "issued", "Issued";
    }
);

crate::vocabulary!(
    /// What the host asked for (the two services of the EU's protective security advisors).
    AssessmentKind, "assessment type" {
        Facility = "facility", "Facility pre-assessment";
        Event = "event", "Event security advice";
    }
);

crate::vocabulary!(
    /// What a team member brings.
    Expertise, "expertise" {
        Drones = "drones", "Drones and counter-drone";
        ExplosivesDetection = "explosives_detection", "Explosives detection";
        CbrnDetection = "cbrn_detection", "CBRN detection";
        InterventionTactics = "intervention_tactics", "Intervention tactics";
        CrisisManagement = "crisis_management", "Crisis management";
        PhysicalSecurity = "physical_security", "Physical protection and security by design";
    }
);

crate::vocabulary!(
    /// How soon a recommendation should be carried out.
    Priority, "priority" {
        Immediate = "immediate", "Immediate";
        Short = "short", "Within a year";
        Long = "long", "Longer term";
    }
);

crate::vocabulary!(
    /// The order of magnitude of what a recommendation costs.
    CostBand, "cost band" {
        Low = "low", "under €10,000";
        Medium = "medium", "€10,000 – €100,000";
        High = "high", "€100,000 – €1 million";
        VeryHigh = "very_high", "over €1 million";
    }
);

crate::vocabulary!(
    /// A move in the workflow, as recorded in the assessment's trail.
    Action, "action" {
        Request = "request", "request";
        Plan = "plan", "plan";
        Answer = "answer", "answer";
        Attach = "attach", "attach a file to";
        Score = "score", "score";
        WriteFindings = "findings", "write findings for";
        Submit = "submit", "submit for review";
        SendBack = "send_back", "send back";
        Approve = "approve", "approve";
        Issue = "issue", "issue";
    }
);

/// The state an assessment is in after `action`, or why the action is not possible now.
/// Answering a survey that was already scored sends it back to the survey: the scores
/// no longer match the answers.
pub fn transition(from: AssessmentState, action: Action) -> Result<AssessmentState, Invalid> {
    target(from, action).ok_or_else(|| {
        let allowed: Vec<&str> = AssessmentState::ALL.iter().filter(|s| target(**s, action).is_some()).map(|s| s.key()).collect();
        let when = if allowed.is_empty() { "never".to_string() } else { format!("only when it is {}", allowed.join(" or ")) };
        Invalid::one("state", format!("cannot {} an assessment that is {}; {when}", action.label(), from.key()))
    })
}

fn target(from: AssessmentState, action: Action) -> Option<AssessmentState> {
    use AssessmentState as S;
    Some(match (action, from) {
        (Action::Plan, S::Requested | S::Planning) => S::Planning,
        (Action::Answer, S::Planning | S::Survey | S::Scoring) => S::Survey,
        (Action::Attach, S::Planning | S::Survey | S::Scoring | S::Findings) => from,
        (Action::Score, S::Survey | S::Scoring) => S::Scoring,
        (Action::WriteFindings, S::Scoring | S::Findings) => S::Findings,
        (Action::Submit, S::Findings) => S::Review,
        (Action::SendBack, S::Review) => S::Findings,
        (Action::Approve, S::Review) => S::Approved,
        (Action::Issue, S::Approved) => S::Issued,
        _ => return None,
    })
}

/// A member of the assessing team.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TeamMember {
    pub username: Username,
    pub expertise: Vec<Expertise>,
}

/// A calendar date `YYYY-MM-DD`, checked for a real day.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(into = "String")]
pub struct Day {
    pub year: u16,
    pub month: u8,
    pub day: u8,
}

impl From<Day> for String {
    fn from(d: Day) -> String {
        d.to_string()
    }
}

impl std::fmt::Display for Day {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{:04}-{:02}-{:02}", self.year, self.month, self.day)
    }
}

impl Day {
    pub fn parse(s: &str) -> Result<Day, Invalid> {
        let bad = || Invalid::one("", format!("expected a date as YYYY-MM-DD, found {s:?}"));
        let parts: Vec<&str> = s.trim().split('-').collect();
        let [y, m, d] = parts.as_slice() else { return Err(bad()) };
        if y.len() != 4 || m.len() != 2 || d.len() != 2 {
            return Err(bad());
        }
        let (year, month, day): (u16, u8, u8) = (y.parse().map_err(|_| bad())?, m.parse().map_err(|_| bad())?, d.parse().map_err(|_| bad())?);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => return Err(Invalid::one("", format!("{s:?} has no month {month}"))),
        };
        if day == 0 || day > days {
            return Err(Invalid::one("", format!("{s:?} is not a day: month {month} of {year} has {days} days")));
        }
        Ok(Day { year, month, day })
    }
}

/// Who assesses what, when: set while planning.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Plan {
    pub kind: AssessmentKind,
    /// The methodology's id, e.g. `eu-public-spaces` (checked against the shipped ones by the caller).
    pub methodology: String,
    pub starts_on: Day,
    pub ends_on: Day,
    /// For event security advice: the event.
    pub event_name: Option<String>,
    pub team: Vec<TeamMember>,
}

fn list<T>(c: &mut Collector, obj: &Object, key: &str, parse: impl Fn(&Value) -> Result<T, Invalid>) -> Option<Vec<T>> {
    match obj.get(key) {
        None | Some(Value::Null) => Some(Vec::new()),
        Some(Value::Array(items)) => {
            let mut out = Vec::with_capacity(items.len());
            let mut ok = true;
            for (i, v) in items.iter().enumerate() {
                match parse(v) {
                    Ok(x) => out.push(x),
                    Err(e) => {
                        ok = false;
                        c.take::<()>(Err(e.within(&format!("{key}[{i}]"))));
                    }
                }
            }
            ok.then_some(out)
        }
        Some(_) => {
            c.push(key, "expected a list");
            None
        }
    }
}

fn member(v: &Value) -> Result<TeamMember, Invalid> {
    let obj = v.as_object().ok_or_else(|| Invalid::one("", "expected an object with username and expertise"))?;
    let mut c = Collector::default();
    let username = required(&mut c, obj, "username", text(Username::parse));
    let expertise = list(&mut c, obj, "expertise", |v| text(Expertise::parse)(v));
    c.finish(|| Some(TeamMember { username: username?, expertise: expertise? }))
}

impl Plan {
    pub fn from_json(obj: &Object) -> Result<Plan, Invalid> {
        let mut c = Collector::default();
        let kind = required(&mut c, obj, "kind", text(AssessmentKind::parse));
        let methodology = required(&mut c, obj, "methodology", fields::string);
        let starts_on = required(&mut c, obj, "starts_on", text(Day::parse));
        let ends_on = required(&mut c, obj, "ends_on", text(Day::parse));
        let event_name = optional(&mut c, obj, "event_name", fields::string);
        let team = list(&mut c, obj, "team", member);
        if let (Some(s), Some(e)) = (starts_on, ends_on) {
            if e < s {
                c.push("ends_on", format!("{e} is before starts_on {s}"));
            }
        }
        if let Some(t) = &team {
            if t.is_empty() {
                c.push("team", "name at least one member");
            }
            for (i, m) in t.iter().enumerate() {
                if t[..i].iter().any(|o| o.username == m.username) {
                    c.push(format!("team[{i}].username"), format!("{} is named twice", m.username));
                }
            }
        }
        if let (Some(AssessmentKind::Event), Some(None)) = (kind, &event_name) {
            c.push("event_name", "is required for event security advice");
        }
        c.finish(|| Some(Plan { kind: kind?, methodology: methodology?, starts_on: starts_on?, ends_on: ends_on?, event_name: event_name?, team: team? }))
    }

    pub fn to_json(&self) -> Value {
        json!({"kind": self.kind, "methodology": self.methodology, "starts_on": self.starts_on, "ends_on": self.ends_on,
               "event_name": self.event_name, "team": self.team})
    }
}

/// What the team found about one threat scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Finding {
    pub scenario: String,
    pub text: String,
}

/// A recommendation to the host: a measure of the catalogue (or one of the team's own
/// words), how soon, what it costs and which scenarios it addresses.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recommendation {
    /// A measure id of the catalogue; `None` for the team's own recommendation.
    pub measure: Option<String>,
    pub title: String,
    pub text: String,
    pub priority: Priority,
    pub cost_band: CostBand,
    pub scenarios: Vec<String>,
}

/// The findings and recommendations of an assessment, as the team wrote them.
#[derive(Debug, Clone, PartialEq, Serialize, Default)]
pub struct Findings {
    pub summary: String,
    pub findings: Vec<Finding>,
    pub recommendations: Vec<Recommendation>,
}

fn finding(v: &Value) -> Result<Finding, Invalid> {
    let obj = v.as_object().ok_or_else(|| Invalid::one("", "expected an object with scenario and text"))?;
    let mut c = Collector::default();
    let scenario = required(&mut c, obj, "scenario", fields::string);
    let text_ = required(&mut c, obj, "text", fields::string);
    c.finish(|| Some(Finding { scenario: scenario?, text: text_? }))
}

fn recommendation(v: &Value) -> Result<Recommendation, Invalid> {
    let obj = v.as_object().ok_or_else(|| Invalid::one("", "expected an object with title, priority and cost_band"))?;
    let mut c = Collector::default();
    let measure = optional(&mut c, obj, "measure", fields::string);
    let title = required(&mut c, obj, "title", fields::string);
    let text_ = optional(&mut c, obj, "text", fields::string);
    let priority = required(&mut c, obj, "priority", text(Priority::parse));
    let cost_band = required(&mut c, obj, "cost_band", text(CostBand::parse));
    let scenarios = list(&mut c, obj, "scenarios", fields::string);
    c.finish(|| {
        Some(Recommendation { measure: measure?, title: title?, text: text_?.unwrap_or_default(), priority: priority?, cost_band: cost_band?, scenarios: scenarios? })
    })
}

impl Findings {
    /// Recommendations come back sorted by priority (immediate first), keeping the
    /// team's order within a priority.
    pub fn from_json(obj: &Object) -> Result<Findings, Invalid> {
        let mut c = Collector::default();
        let summary = optional(&mut c, obj, "summary", fields::string);
        let findings = list(&mut c, obj, "findings", finding);
        let recommendations = list(&mut c, obj, "recommendations", recommendation);
        c.finish(|| {
            let mut recommendations = recommendations?;
            recommendations.sort_by_key(|r| r.priority);
            Some(Findings { summary: summary?.unwrap_or_default(), findings: findings?, recommendations })
        })
    }

    pub fn to_json(&self) -> Value {
        json!({"summary": self.summary, "findings": self.findings, "recommendations": self.recommendations})
    }

    /// The catalogue measures the recommendations name, for residual-risk scoring.
    pub fn measures(&self) -> Vec<String> {
        let mut m: Vec<String> = self.recommendations.iter().filter_map(|r| r.measure.clone()).collect();
        m.sort();
        m.dedup();
        m
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use AssessmentState as S;

    fn obj(v: Value) -> Object {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn the_workflow_runs_from_request_to_issue() {
        let mut s = S::Requested;
        for (a, want) in [
            (Action::Plan, S::Planning),
            (Action::Answer, S::Survey),
            (Action::Attach, S::Survey),
            (Action::Score, S::Scoring),
            (Action::WriteFindings, S::Findings),
            (Action::Submit, S::Review),
            (Action::SendBack, S::Findings),
            (Action::Submit, S::Review),
            (Action::Approve, S::Approved),
            (Action::Issue, S::Issued),
        ] {
            s = transition(s, a).unwrap();
            assert_eq!(s, want, "after {a}");
        }
    }

    #[test]
    fn answering_after_scoring_returns_to_the_survey() {
        assert_eq!(transition(S::Scoring, Action::Answer).unwrap(), S::Survey);
    }

    #[test]
    fn moves_out_of_order_say_when_they_are_possible() {
        assert_eq!(
            transition(S::Survey, Action::Approve).unwrap_err().to_string(),
            "state: cannot approve an assessment that is survey; only when it is review"
        );
        assert_eq!(
            transition(S::Issued, Action::Answer).unwrap_err().to_string(),
            "state: cannot answer an assessment that is issued; only when it is planning or survey or scoring"
        );
        assert_eq!(
            transition(S::Scoring, Action::Submit).unwrap_err().to_string(),
            "state: cannot submit for review an assessment that is scoring; only when it is findings"
        );
        assert!(transition(S::Issued, Action::Request).is_err());
    }

    #[test]
    fn every_state_but_issued_has_a_way_forward() {
        for s in S::ALL {
            let next = Action::ALL.iter().filter(|a| transition(*s, **a).is_ok_and(|t| t != *s)).count();
            assert_eq!(next == 0, *s == S::Issued, "{s}");
        }
    }

    #[test]
    fn plans_name_every_bad_field() {
        let e = Plan::from_json(&obj(json!({"kind": "event", "methodology": "eu-public-spaces", "starts_on": "2026-02-30", "ends_on": "2026-01-01",
            "team": [{"username": "a b", "expertise": ["drones", "magic"]}]})))
        .unwrap_err();
        assert_eq!(
            e.to_string(),
            "starts_on: \"2026-02-30\" is not a day: month 2 of 2026 has 28 days; team[0].username: a username may not contain ' '; \
             team[0].expertise[1]: unknown expertise \"magic\"; expected one of: drones, explosives_detection, cbrn_detection, intervention_tactics, crisis_management, physical_security; \
             event_name: is required for event security advice"
        );
        let p = Plan::from_json(&obj(json!({"kind": "facility", "methodology": "eu-public-spaces", "starts_on": "2026-03-02", "ends_on": "2026-03-04",
            "team": [{"username": "ana", "expertise": ["drones"]}, {"username": "ben", "expertise": []}]})))
        .unwrap();
        assert_eq!((p.team.len(), p.starts_on.to_string()), (2, "2026-03-02".to_string()));
        let e = Plan::from_json(&obj(json!({"kind": "facility", "methodology": "m", "starts_on": "2026-03-05", "ends_on": "2026-03-04", "team": []}))).unwrap_err();
        assert_eq!(e.to_string(), "ends_on: 2026-03-04 is before starts_on 2026-03-05; team: name at least one member");
    }

    #[test]
    fn recommendations_are_sorted_by_priority_and_measures_listed_once() {
        let f = Findings::from_json(&obj(json!({"summary": "s", "recommendations": [
            {"title": "Train staff", "priority": "long", "cost_band": "low", "measure": "awareness-training"},
            {"title": "Bollards", "priority": "immediate", "cost_band": "high", "measure": "hvm-barriers", "scenarios": ["vehicle_ramming"]},
            {"title": "More bollards", "priority": "immediate", "cost_band": "medium", "measure": "hvm-barriers"}]})))
        .unwrap();
        let titles: Vec<&str> = f.recommendations.iter().map(|r| r.title.as_str()).collect();
        assert_eq!(titles, ["Bollards", "More bollards", "Train staff"]);
        assert_eq!(f.measures(), ["awareness-training", "hvm-barriers"]);
        let e = Findings::from_json(&obj(json!({"recommendations": [{"title": "x", "priority": "soon", "cost_band": "low"}]}))).unwrap_err();
        assert_eq!(e.to_string(), "recommendations[0].priority: unknown priority \"soon\"; expected one of: immediate, short, long");
    }
}
