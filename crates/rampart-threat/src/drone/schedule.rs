//! When a zone applies: its applicability period (ED-269 `startDateTime`/`endDateTime`,
//! ED-318 `limitedApplicability`) and its daily schedule (ED-269 `dailyPeriod`, ED-318
//! `schedule`: days of the week with a start and end time of day, UTC unless the time
//! carries an offset). Incursion checks ask [`Window::active_at`] with each report's time.

use super::zone::Applicability;
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

/// Whether a zone applies at some moment.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Activity {
    Active,
    Inactive,
    /// The moment is not known (a report without a date) or the zone's schedule could
    /// not be read: the zone may apply.
    Unknown,
}

/// One daily period: the days it is on and its time span in seconds after midnight UTC.
/// A span whose end is not after its start runs past midnight into the next day.
#[derive(Debug, Clone, PartialEq)]
struct Period {
    /// Bit 0 = Monday … bit 6 = Sunday.
    days: u8,
    from_s: i64,
    to_s: i64,
}

/// A zone's applicability, read for checking.
#[derive(Debug, Clone, PartialEq)]
pub struct Window {
    permanent: bool,
    start: Option<i64>,
    end: Option<i64>,
    periods: Vec<Period>,
    /// Set when a part could not be read: the zone's activity is then never certain.
    unreadable: bool,
}

const DAY_S: i64 = 86_400;

impl Window {
    /// Reads an applicability; `Err` names the first part that could not be read (the
    /// window then answers [`Activity::Unknown`] outside the parts it could read).
    pub fn new(a: &Applicability) -> (Window, Option<String>) {
        let mut problem = None;
        let mut instant = |field: &str, v: &Option<String>| match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => None,
            Some(s) => match rfc3339(s) {
                Some(t) => Some(t),
                None => {
                    problem.get_or_insert(format!("{field}: expected an RFC 3339 date and time, found {s:?}"));
                    None
                }
            },
        };
        let start = instant("startDateTime", &a.start);
        let end = instant("endDateTime", &a.end);
        let mut periods = Vec::new();
        for (i, p) in a.schedule.iter().enumerate() {
            match period(p) {
                Ok(p) => periods.push(p),
                Err(e) => {
                    problem.get_or_insert(format!("schedule[{i}]: {e}"));
                }
            }
        }
        let unreadable = problem.is_some();
        (Window { permanent: a.permanent && a.schedule.is_empty(), start, end, periods, unreadable }, problem)
    }

    /// Applies at all times: nothing to check per report.
    pub fn always(&self) -> bool {
        self.permanent && !self.unreadable
    }

    /// Whether the zone applies at `t` (seconds since 1970 UTC), or may apply when `t` is unknown.
    pub fn active_at(&self, t: Option<i64>) -> Activity {
        if self.always() {
            return Activity::Active;
        }
        let Some(t) = t else { return Activity::Unknown };
        if self.start.is_some_and(|s| t < s) || self.end.is_some_and(|e| t >= e) {
            return Activity::Inactive;
        }
        let in_schedule = self.periods.is_empty() || self.periods.iter().any(|p| p.covers(t));
        match (in_schedule, self.unreadable) {
            (true, false) => Activity::Active,
            (false, false) => Activity::Inactive,
            (_, true) => Activity::Unknown,
        }
    }
}

impl Period {
    fn covers(&self, t: i64) -> bool {
        let day = t.div_euclid(DAY_S);
        let sec = t.rem_euclid(DAY_S);
        // 1970-01-01 was a Thursday (index 3 from Monday).
        let weekday = |d: i64| (d + 3).rem_euclid(7) as u8;
        let on = |d: i64| self.days & (1 << weekday(d)) != 0;
        if self.from_s < self.to_s {
            on(day) && (self.from_s..self.to_s).contains(&sec)
        } else {
            // Past midnight: the evening part on a listed day, the morning part on the day after one.
            (on(day) && sec >= self.from_s) || (on(day - 1) && sec < self.to_s)
        }
    }
}

/// Seconds since 1970 UTC of an RFC 3339 date and time.
pub fn rfc3339(s: &str) -> Option<i64> {
    OffsetDateTime::parse(s.trim(), &Rfc3339).ok().map(OffsetDateTime::unix_timestamp)
}

fn period(v: &Value) -> Result<Period, String> {
    let o = v.as_object().ok_or("expected an object with day, startTime and endTime")?;
    let days = match o.get("day") {
        None | Some(Value::Null) => 0x7f,
        Some(Value::String(s)) => day_bits(s)?,
        Some(Value::Array(a)) if a.is_empty() => 0x7f,
        Some(Value::Array(a)) => {
            let mut bits = 0;
            for d in a {
                bits |= day_bits(d.as_str().ok_or("day: expected names of days such as MON")?)?;
            }
            bits
        }
        Some(_) => return Err("day: expected a list of days such as [\"MON\", \"TUE\"] or \"ANY\"".into()),
    };
    let clock = |k: &str, default: i64| match o.get(k) {
        None | Some(Value::Null) => Ok(default),
        Some(Value::String(s)) => time_of_day(s).ok_or(format!("{k}: expected a time of day hh:mm[:ss][Z|±hh:mm], found {s:?}")),
        Some(other) => Err(format!("{k}: expected a time of day such as \"08:00:00Z\", found {other}")),
    };
    let from_s = clock("startTime", 0)?;
    let to_s = clock("endTime", DAY_S)?;
    Ok(Period { days, from_s, to_s: if to_s == from_s { from_s + DAY_S } else { to_s } })
}

fn day_bits(s: &str) -> Result<u8, String> {
    const NAMES: [&str; 7] = ["MON", "TUE", "WED", "THU", "FRI", "SAT", "SUN"];
    let key = s.trim().to_ascii_uppercase();
    if key == "ANY" {
        return Ok(0x7f);
    }
    NAMES
        .iter()
        .position(|n| key.starts_with(n))
        .map(|i| 1u8 << i)
        .ok_or(format!("day: expected MON, TUE, WED, THU, FRI, SAT, SUN or ANY, found {s:?}"))
}

/// Seconds after midnight UTC of "hh:mm[:ss[.fff]][Z|±hh:mm]" (24:00 is the end of the day).
fn time_of_day(s: &str) -> Option<i64> {
    let s = s.trim();
    let (clock, offset_s) = match s.find(['Z', 'z', '+', '-']) {
        None => (s, 0),
        Some(i) => {
            let (clock, zone) = s.split_at(i);
            let offset = match zone {
                "Z" | "z" => 0,
                _ => {
                    let sign = if zone.starts_with('-') { -1 } else { 1 };
                    let (h, m) = zone[1..].split_once(':').unwrap_or((&zone[1..], "0"));
                    sign * (h.parse::<i64>().ok()? * 3600 + m.parse::<i64>().ok()? * 60)
                }
            };
            (clock, offset)
        }
    };
    let mut parts = clock.split(':');
    let h: i64 = parts.next()?.parse().ok()?;
    let m: i64 = parts.next()?.parse().ok()?;
    let sec: f64 = parts.next().map_or(Some(0.0), |p| p.parse().ok())?;
    if parts.next().is_some() || !(0..=24).contains(&h) || !(0..60).contains(&m) || !(0.0..61.0).contains(&sec) || (h == 24 && (m, sec) != (0, 0.0)) {
        return None;
    }
    Some(h * 3600 + m * 60 + sec as i64 - offset_s)
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn window(permanent: bool, start: Option<&str>, end: Option<&str>, schedule: Value) -> Window {
        let a = Applicability {
            permanent,
            start: start.map(str::to_string),
            end: end.map(str::to_string),
            schedule: schedule.as_array().cloned().unwrap_or_default(),
        };
        let (w, problem) = Window::new(&a);
        assert_eq!(problem, None);
        w
    }

    fn at(s: &str) -> Option<i64> {
        Some(rfc3339(s).expect("test instant"))
    }

    #[test]
    fn period_and_daily_schedule() {
        // Match days at a stadium: Saturdays and Sundays 12:00–20:00 UTC during the 2026/27 season.
        let w = window(false, Some("2026-08-01T00:00:00Z"), Some("2027-06-01T00:00:00Z"), json!([{"day": ["SAT", "SUN"], "startTime": "12:00:00Z", "endTime": "20:00:00Z"}]));
        assert_eq!(w.active_at(at("2026-11-21T15:00:00Z")), Activity::Active, "a Saturday afternoon");
        assert_eq!(w.active_at(at("2026-11-21T20:00:00Z")), Activity::Inactive, "the end is excluded");
        assert_eq!(w.active_at(at("2026-11-21T11:59:59Z")), Activity::Inactive);
        assert_eq!(w.active_at(at("2026-11-23T15:00:00Z")), Activity::Inactive, "a Monday");
        assert_eq!(w.active_at(at("2026-11-22T16:00:00+01:00")), Activity::Active, "15:00 UTC on a Sunday");
        assert_eq!(w.active_at(at("2027-06-05T15:00:00Z")), Activity::Inactive, "after the period");
        assert_eq!(w.active_at(at("2026-07-25T15:00:00Z")), Activity::Inactive, "before the period");
        assert_eq!(w.active_at(None), Activity::Unknown);
    }

    #[test]
    fn spans_past_midnight_and_offsets() {
        // Friday nights 22:00–04:00 local time at UTC+01:00 = 21:00–03:00 UTC.
        let w = window(false, None, None, json!([{"day": "FRI", "startTime": "22:00+01:00", "endTime": "04:00+01:00"}]));
        assert_eq!(w.active_at(at("2026-11-20T21:30:00Z")), Activity::Active, "Friday evening");
        assert_eq!(w.active_at(at("2026-11-21T02:59:00Z")), Activity::Active, "early Saturday");
        assert_eq!(w.active_at(at("2026-11-21T03:00:00Z")), Activity::Inactive);
        assert_eq!(w.active_at(at("2026-11-19T22:00:00Z")), Activity::Inactive, "a Thursday");
        assert_eq!(w.active_at(at("2026-11-20T02:00:00Z")), Activity::Inactive, "Friday early morning follows a Thursday");
    }

    #[test]
    fn permanent_zones_always_apply() {
        let w = window(true, None, None, json!([]));
        assert!(w.always());
        assert_eq!(w.active_at(None), Activity::Active);
        // A temporary zone without a schedule applies throughout its period.
        let w = window(false, Some("2026-12-31T18:00:00Z"), Some("2027-01-01T02:00:00Z"), json!([]));
        assert_eq!(w.active_at(at("2026-12-31T23:59:00Z")), Activity::Active);
        assert_eq!(w.active_at(at("2027-01-01T02:00:00Z")), Activity::Inactive);
    }

    #[test]
    fn unreadable_parts_are_named_and_make_the_zone_uncertain() {
        let a = Applicability { permanent: false, start: Some("next Tuesday".into()), end: None, schedule: vec![json!({"day": ["MON", "FUNDAY"]})] };
        let (w, problem) = Window::new(&a);
        assert_eq!(problem.as_deref(), Some("startDateTime: expected an RFC 3339 date and time, found \"next Tuesday\""));
        assert_eq!(w.active_at(at("2026-11-23T10:00:00Z")), Activity::Unknown);
        let (_, problem) = Window::new(&Applicability { schedule: vec![json!({"day": ["FUNDAY"]})], ..Default::default() });
        assert_eq!(problem.as_deref(), Some("schedule[0]: day: expected MON, TUE, WED, THU, FRI, SAT, SUN or ANY, found \"FUNDAY\""));
        let (_, problem) = Window::new(&Applicability { schedule: vec![json!({"day": "ANY", "startTime": "25:00"})], ..Default::default() });
        assert_eq!(problem.as_deref(), Some("schedule[0]: startTime: expected a time of day hh:mm[:ss][Z|±hh:mm], found \"25:00\""));
    }
}
