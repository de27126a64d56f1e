//! Incident notifications under Directive (EU) 2022/2557 (CER) Art. 15: a critical
//! entity notifies its competent authority of an incident that significantly disrupts,
//! or may significantly disrupt, an essential service — an initial notification no later
//! than 24 hours after becoming aware of it, followed where relevant by a detailed report
//! no later than one month thereafter. Significance is judged by the number and
//! proportion of users affected, the duration and the geographic area. The authority
//! informs, through the single points of contact, the other member states affected
//! (Art. 15(2)); with six or more member states affected the Commission is informed
//! (Art. 15(3)).
//!
//! Everything here is pure: times are Unix milliseconds given by the caller, so tests
//! travel through time.

use crate::error::{Collector, Invalid};
use crate::fields::{self, optional, required, text, Object};
use crate::tlp::Tlp;
use crate::{AssetId, CountryCode, OrgId, Organisation, Sector, SharingProfile};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// The initial notification is due this long after the entity became aware.
pub const INITIAL_WITHIN_MS: i64 = 24 * 3_600_000;
/// Member states affected from which the Commission is informed (Art. 15(3)).
pub const COMMISSION_FROM_STATES: usize = 6;

/// How significant the incident is (Art. 15(1) second subparagraph).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Significance {
    pub users_affected: u64,
    /// Users relying on the service, to give the proportion affected.
    pub users_total: Option<u64>,
    /// How long the disruption lasted; `None` while it goes on.
    pub duration_hours: Option<f64>,
    /// The area affected, in words.
    pub area: String,
    /// The area is geographically isolated (an island, a remote valley).
    pub isolated_area: bool,
    /// Member states whose essential services are or may be affected, the entity's own included.
    pub member_states: Vec<CountryCode>,
}

impl Significance {
    /// Share of the users relying on the service who are affected, 0–1.
    pub fn proportion(&self) -> Option<f64> {
        self.users_total.filter(|t| *t > 0).map(|t| self.users_affected as f64 / t as f64)
    }
}

/// What an entity says about an incident, initially or in a later report.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct IncidentReport {
    pub title: String,
    pub description: String,
    pub sector: Option<Sector>,
    /// Registry assets concerned.
    pub assets: Vec<AssetId>,
    /// When the entity became aware of the incident: the clock starts here.
    pub aware_at_ms: i64,
    pub occurred_at_ms: Option<i64>,
    pub significance: Significance,
    pub tlp: Tlp,
}

fn instant(now_ms: i64) -> impl Fn(&Value) -> Result<i64, Invalid> {
    move |v| {
        let s = v.as_str().ok_or_else(|| Invalid::one("", "expected a date and time such as \"2026-11-22T08:30:00Z\""))?;
        let t = OffsetDateTime::parse(s.trim(), &Rfc3339)
            .map_err(|_| Invalid::one("", format!("expected an RFC 3339 date and time such as \"2026-11-22T08:30:00Z\", found {s:?}")))?;
        let ms = (t.unix_timestamp_nanos() / 1_000_000) as i64;
        if ms > now_ms {
            return Err(Invalid::one("", format!("{s} is in the future")));
        }
        Ok(ms)
    }
}

impl IncidentReport {
    /// Reads a report; `now_ms` is the present, which no time given may be after.
    ///
    /// `{"title", "description", "sector"?, "assets"?: [ids], "aware_at", "occurred_at"?,
    ///   "tlp"? (default TLP:AMBER+STRICT), "significance": {"users_affected", "users_total"?,
    ///   "duration_hours"?, "area", "isolated_area"?, "member_states": ["DE", …]}}`
    pub fn from_json(obj: &Object, now_ms: i64) -> Result<IncidentReport, Invalid> {
        let mut c = Collector::default();
        let title = required(&mut c, obj, "title", fields::string);
        let description = required(&mut c, obj, "description", fields::string);
        let sector = optional(&mut c, obj, "sector", text(Sector::parse));
        let assets = optional(&mut c, obj, "assets", |v| list(v, AssetId::parse));
        let aware_at = required(&mut c, obj, "aware_at", instant(now_ms));
        let occurred_at = optional(&mut c, obj, "occurred_at", instant(now_ms));
        let tlp = optional(&mut c, obj, "tlp", text(Tlp::parse));
        if let Some(Some(Tlp::Red)) = tlp {
            c.push("tlp", "TLP:RED is for named people; an incident notification goes to organisations (use TLP:AMBER+STRICT)");
        }
        if let (Some(a), Some(Some(o))) = (aware_at, occurred_at) {
            if o > a {
                c.push("occurred_at", "is after aware_at: an entity cannot become aware of an incident before it happens");
            }
        }
        let significance = required(&mut c, obj, "significance", significance);
        c.finish(|| {
            Some(IncidentReport {
                title: title?,
                description: description?,
                sector: sector?,
                assets: assets?.unwrap_or_default(),
                aware_at_ms: aware_at?,
                occurred_at_ms: occurred_at?,
                significance: significance?,
                tlp: tlp?.unwrap_or(Tlp::AmberStrict),
            })
        })
    }

    /// Member states affected other than `own`.
    pub fn other_member_states(&self, own: CountryCode) -> Vec<CountryCode> {
        self.significance.member_states.iter().copied().filter(|c| *c != own).collect()
    }

    /// Six or more member states affected: the Commission is to be informed.
    pub fn commission_flag(&self) -> bool {
        self.significance.member_states.len() >= COMMISSION_FROM_STATES
    }
}

fn list<T>(v: &Value, parse: impl Fn(&str) -> Result<T, Invalid>) -> Result<Vec<T>, Invalid> {
    let items = v.as_array().ok_or_else(|| Invalid::one("", "expected a list"))?;
    let mut c = Collector::default();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.as_str() {
            Some(s) => {
                if let Some(x) = c.take(parse(s).map_err(|e| e.within(&format!("[{i}]")))) {
                    out.push(x);
                }
            }
            None => c.push(format!("[{i}]"), "expected a string"),
        }
    }
    c.finish(|| Some(out))
}

fn significance(v: &Value) -> Result<Significance, Invalid> {
    let obj = v.as_object().ok_or_else(|| Invalid::one("", "expected an object"))?;
    let mut c = Collector::default();
    let users_affected = required(&mut c, obj, "users_affected", fields::count);
    let users_total = optional(&mut c, obj, "users_total", fields::count);
    let duration = optional(&mut c, obj, "duration_hours", fields::non_negative);
    let area = required(&mut c, obj, "area", fields::string);
    let isolated = match obj.get("isolated_area") {
        None | Some(Value::Null) => Some(false),
        Some(Value::Bool(b)) => Some(*b),
        Some(_) => {
            c.push("isolated_area", "expected true or false");
            None
        }
    };
    let states = required(&mut c, obj, "member_states", |v| list(v, CountryCode::parse));
    if let (Some(a), Some(Some(t))) = (users_affected, users_total) {
        if a > t {
            c.push("users_affected", format!("{a} is more than users_total ({t})"));
        }
    }
    if let Some(s) = &states {
        if s.is_empty() {
            c.push("member_states", "name at least the member state where the entity provides the service");
        }
        for (i, x) in s.iter().enumerate() {
            if s[..i].contains(x) {
                c.push(format!("member_states[{i}]"), format!("{x} is listed twice"));
            }
        }
    }
    c.finish(|| {
        Some(Significance {
            users_affected: users_affected?,
            users_total: users_total?,
            duration_hours: duration?,
            area: area?,
            isolated_area: isolated?,
            member_states: states?,
        })
    })
}

/// One month after `ms` on the calendar (UTC): the same day of the next month, or its
/// last day when the next month is shorter (31 January → 28 or 29 February).
pub fn one_month_after(ms: i64) -> i64 {
    let Ok(t) = OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000) else { return ms };
    let (year, month) = if t.month() == time::Month::December { (t.year() + 1, time::Month::January) } else { (t.year(), t.month().next()) };
    let day = t.day().min(month.length(year));
    let date = time::Date::from_calendar_date(year, month, day).unwrap_or(t.date());
    let shifted = t.replace_date(date);
    (shifted.unix_timestamp_nanos() / 1_000_000) as i64
}

/// Where a deadline stands at some moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(tag = "state", rename_all = "snake_case")]
pub enum Deadline {
    /// Not done; this much time is left.
    Open { due_ms: i64, left_ms: i64 },
    /// Not done and past due by this much.
    Overdue { due_ms: i64, late_ms: i64 },
    /// Done in time.
    Met { due_ms: i64, done_ms: i64 },
    /// Done after the deadline.
    MetLate { due_ms: i64, done_ms: i64 },
}

impl Deadline {
    pub fn at(due_ms: i64, done_ms: Option<i64>, now_ms: i64) -> Deadline {
        match done_ms {
            Some(d) if d <= due_ms => Deadline::Met { due_ms, done_ms: d },
            Some(d) => Deadline::MetLate { due_ms, done_ms: d },
            None if now_ms <= due_ms => Deadline::Open { due_ms, left_ms: due_ms - now_ms },
            None => Deadline::Overdue { due_ms, late_ms: now_ms - due_ms },
        }
    }

    pub fn is_overdue(&self) -> bool {
        matches!(self, Deadline::Overdue { .. })
    }
}

/// The two Art. 15 clocks of an incident.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Clocks {
    pub initial: Deadline,
    /// One month after the initial notification (or after its due time while none was sent).
    pub detailed: Deadline,
}

impl Clocks {
    pub fn at(aware_at_ms: i64, initial_at_ms: Option<i64>, detailed_at_ms: Option<i64>, now_ms: i64) -> Clocks {
        let initial_due = aware_at_ms + INITIAL_WITHIN_MS;
        let detailed_due = one_month_after(initial_at_ms.unwrap_or(initial_due));
        Clocks { initial: Deadline::at(initial_due, initial_at_ms, now_ms), detailed: Deadline::at(detailed_due, detailed_at_ms, now_ms) }
    }

    pub fn overdue(&self) -> bool {
        self.initial.is_overdue() || self.detailed.is_overdue()
    }
}

/// What an entry of an incident's record is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum UpdateKind {
    /// The initial notification (the draft becomes a notification).
    Initial,
    /// An intermediate update.
    Update,
    /// The detailed report.
    Detailed,
    /// The incident is closed; nothing more is added.
    Close,
}

impl UpdateKind {
    pub const ALL: [UpdateKind; 4] = [UpdateKind::Initial, UpdateKind::Update, UpdateKind::Detailed, UpdateKind::Close];

    pub fn key(self) -> &'static str {
        match self {
            UpdateKind::Initial => "initial",
            UpdateKind::Update => "update",
            UpdateKind::Detailed => "detailed",
            UpdateKind::Close => "close",
        }
    }

    pub fn parse(s: &str) -> Result<UpdateKind, Invalid> {
        UpdateKind::ALL.into_iter().find(|k| k.key() == s.trim()).ok_or_else(|| Invalid::one("", format!("expected update, detailed or close, found {s:?}")))
    }
}

/// Why an organisation receives a notification.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RouteReason {
    /// The entity's competent (supervising) authority.
    CompetentAuthority,
    /// The single point of contact of the entity's member state.
    ContactPoint,
    /// The single point of contact of another member state affected.
    AffectedMemberState,
}

impl RouteReason {
    pub fn key(self) -> &'static str {
        match self {
            RouteReason::CompetentAuthority => "competent_authority",
            RouteReason::ContactPoint => "contact_point",
            RouteReason::AffectedMemberState => "affected_member_state",
        }
    }

    pub fn parse(s: &str) -> Option<RouteReason> {
        [RouteReason::CompetentAuthority, RouteReason::ContactPoint, RouteReason::AffectedMemberState].into_iter().find(|r| r.key() == s)
    }
}

/// Who receives a notification, and what could not be routed.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Routing {
    pub recipients: Vec<Recipient>,
    /// Member states affected that have no single point of contact in the directory.
    pub unrouted: Vec<CountryCode>,
    pub commission: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Recipient {
    pub organisation: OrgId,
    pub reason: RouteReason,
    pub country: Option<CountryCode>,
}

/// Routes a notification of `entity`: to its supervising authority (or, without one,
/// its member state's single point of contact), to that contact point too, and to the
/// contact points of the other member states affected. `contact_point` looks up a
/// member state's single point of contact.
pub fn route(entity: &Organisation, profile: &SharingProfile, report: &IncidentReport, contact_point: impl Fn(CountryCode) -> Option<OrgId>) -> Result<Routing, Invalid> {
    let own = entity.country;
    let own_spoc = own.and_then(&contact_point);
    let mut recipients: Vec<Recipient> = Vec::new();
    let mut add = |organisation: OrgId, reason: RouteReason, country: Option<CountryCode>| {
        if organisation != entity.id && !recipients.iter().any(|r| r.organisation == organisation) {
            recipients.push(Recipient { organisation, reason, country });
        }
    };
    match (&profile.supervisor, &own_spoc) {
        (Some(s), _) => add(s.clone(), RouteReason::CompetentAuthority, own),
        (None, Some(spoc)) => add(spoc.clone(), RouteReason::CompetentAuthority, own),
        (None, None) => {
            return Err(Invalid::one(
                "entity",
                format!(
                    "{} has no supervising authority and {} no single point of contact: there is nobody to notify (an administrator sets them with `rampart org sharing`)",
                    entity.id,
                    own.map(|c| c.to_string()).unwrap_or_else(|| "its member state".into())
                ),
            ))
        }
    }
    if let Some(spoc) = own_spoc {
        add(spoc, RouteReason::ContactPoint, own);
    }
    let mut unrouted = Vec::new();
    for country in own.map(|o| report.other_member_states(o)).unwrap_or_else(|| report.significance.member_states.clone()) {
        match contact_point(country) {
            Some(spoc) => add(spoc, RouteReason::AffectedMemberState, Some(country)),
            None => unrouted.push(country),
        }
    }
    Ok(Routing { recipients, unrouted, commission: report.commission_flag() })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::OrgKind;
    use serde_json::json;

    const NOW: i64 = 1_795_340_000_000; // 2026-11-22T06:53:20Z

    fn ms(s: &str) -> i64 {
        (OffsetDateTime::parse(s, &Rfc3339).expect("time").unix_timestamp_nanos() / 1_000_000) as i64
    }

    fn report(v: Value) -> Result<IncidentReport, Invalid> {
        IncidentReport::from_json(v.as_object().expect("object"), NOW)
    }

    fn flood(states: &[&str]) -> IncidentReport {
        report(json!({"title": "Substation flooded", "description": "Water in the 110 kV hall", "sector": "energy", "aware_at": "2026-11-21T08:00:00Z",
            "significance": {"users_affected": 42_000, "users_total": 168_000, "duration_hours": 6.5, "area": "Lower Rhine", "member_states": states}}))
        .expect("valid")
    }

    #[test]
    fn reports_are_read_and_bad_fields_named() {
        let r = flood(&["DE", "NL"]);
        assert_eq!((r.aware_at_ms, r.tlp, r.significance.proportion()), (ms("2026-11-21T08:00:00Z"), Tlp::AmberStrict, Some(0.25)));
        let err = report(json!({"title": "x", "aware_at": "2027-01-01T00:00:00Z", "occurred_at": "yesterday", "tlp": "TLP:RED",
            "significance": {"users_affected": 10, "users_total": 5, "area": "x", "member_states": ["DE", "XX", "DE"]}}))
        .expect_err("invalid");
        let got: Vec<String> = err.0.iter().map(ToString::to_string).collect();
        assert_eq!(
            got,
            [
                "description: is required",
                "aware_at: 2027-01-01T00:00:00Z is in the future",
                "occurred_at: expected an RFC 3339 date and time such as \"2026-11-22T08:30:00Z\", found \"yesterday\"",
                "tlp: TLP:RED is for named people; an incident notification goes to organisations (use TLP:AMBER+STRICT)",
                "significance.member_states[1]: expected an ISO 3166-1 alpha-2 country code such as \"DE\", found \"XX\"",
                "significance.users_affected: 10 is more than users_total (5)",
            ],
            "{err}"
        );
        let err = report(json!({"title": "x", "description": "y", "aware_at": "2026-11-21T08:00:00Z",
            "significance": {"users_affected": 10, "users_total": 5, "area": "x", "member_states": ["DE", "DE"]}}))
        .expect_err("invalid");
        assert_eq!(err.to_string(), "significance.users_affected: 10 is more than users_total (5); significance.member_states[1]: DE is listed twice");
    }

    #[test]
    fn a_month_is_a_calendar_month() {
        assert_eq!(one_month_after(ms("2026-11-22T08:00:00Z")), ms("2026-12-22T08:00:00Z"));
        assert_eq!(one_month_after(ms("2026-12-15T23:30:00Z")), ms("2027-01-15T23:30:00Z"));
        assert_eq!(one_month_after(ms("2027-01-31T10:00:00Z")), ms("2027-02-28T10:00:00Z"));
        assert_eq!(one_month_after(ms("2028-01-31T10:00:00Z")), ms("2028-02-29T10:00:00Z"), "a leap year");
    }

    #[test]
    fn the_clocks_run_from_awareness() {
        let aware = ms("2026-11-21T08:00:00Z");
        // Not yet notified, 20 h after becoming aware: 4 h left for the initial notification.
        let c = Clocks::at(aware, None, None, ms("2026-11-22T04:00:00Z"));
        assert_eq!(c.initial, Deadline::Open { due_ms: ms("2026-11-22T08:00:00Z"), left_ms: 4 * 3_600_000 });
        assert!(!c.overdue());
        // 25 h after: overdue by an hour.
        let c = Clocks::at(aware, None, None, ms("2026-11-22T09:00:00Z"));
        assert_eq!(c.initial, Deadline::Overdue { due_ms: ms("2026-11-22T08:00:00Z"), late_ms: 3_600_000 });
        // Notified after 30 h (late); the detailed report is due a month after the notification.
        let notified = ms("2026-11-22T14:00:00Z");
        let c = Clocks::at(aware, Some(notified), None, ms("2026-12-22T14:00:01Z"));
        assert_eq!(c.initial, Deadline::MetLate { due_ms: ms("2026-11-22T08:00:00Z"), done_ms: notified });
        assert_eq!(c.detailed, Deadline::Overdue { due_ms: ms("2026-12-22T14:00:00Z"), late_ms: 1000 });
        let c = Clocks::at(aware, Some(notified), Some(ms("2026-12-20T10:00:00Z")), ms("2027-03-01T00:00:00Z"));
        assert!(!c.overdue());
    }

    fn org(id: &str, kind: OrgKind, country: &str) -> Organisation {
        Organisation { id: OrgId::parse(id).expect("id"), name: id.into(), kind, country: CountryCode::parse(country).ok() }
    }

    #[test]
    fn routing_follows_the_directory() {
        let entity = org("de-op-grid", OrgKind::Operator, "DE");
        let supervised = SharingProfile { supervisor: Some(OrgId::parse("de-bnetza").expect("id")), ..Default::default() };
        let spoc = |c: CountryCode| match c.to_string().as_str() {
            "DE" => Some(OrgId::parse("de-bbk").expect("id")),
            "NL" => Some(OrgId::parse("nl-nctv").expect("id")),
            "FR" => Some(OrgId::parse("fr-sgdsn").expect("id")),
            _ => None,
        };
        let r = route(&entity, &supervised, &flood(&["DE", "NL", "PL"]), spoc).expect("routed");
        let got: Vec<(&str, RouteReason)> = r.recipients.iter().map(|x| (x.organisation.as_str(), x.reason)).collect();
        assert_eq!(
            got,
            [("de-bnetza", RouteReason::CompetentAuthority), ("de-bbk", RouteReason::ContactPoint), ("nl-nctv", RouteReason::AffectedMemberState)]
        );
        assert_eq!((r.unrouted.iter().map(ToString::to_string).collect::<Vec<_>>(), r.commission), (vec!["PL".to_string()], false));
        // Without a supervisor the member state's contact point is the competent authority; six states: the Commission.
        let r = route(&entity, &SharingProfile::default(), &flood(&["DE", "NL", "FR", "BE", "LU", "AT"]), spoc).expect("routed");
        assert_eq!(r.recipients[0].organisation.as_str(), "de-bbk");
        assert_eq!(r.recipients[0].reason, RouteReason::CompetentAuthority);
        assert_eq!(r.recipients.len(), 3, "de-bbk once, nl-nctv, fr-sgdsn");
        assert!(r.commission);
        let lone = org("mt-op-port", OrgKind::Operator, "MT");
        let err = route(&lone, &SharingProfile::default(), &flood(&["MT"]), spoc).expect_err("nobody");
        assert!(err.to_string().starts_with("entity: mt-op-port has no supervising authority and MT no single point of contact"), "{err}");
    }
}
