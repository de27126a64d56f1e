//! The value rules of CAP: what the schema's simple types require of text
//! (`xs:dateTime` with CAP's pattern, `xs:language`, `xs:integer`, `xs:decimal`) and
//! what the standard's text adds (scope, polygons, circles, references, identifiers).

use super::{Alert, CapError, CapErrors, CapVersion, ResponseType, Scope, NS_XMLDSIG};
use quick_xml::events::Event;
use quick_xml::name::ResolveResult;
use std::fmt;

/// A CAP time: `YYYY-MM-DDThh:mm:ss±hh:mm`. CAP forbids `Z` and fractions of a second;
/// UTC is written `-00:00` or `+00:00`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct CapTime {
    pub year: i32,
    pub month: u8,
    pub day: u8,
    pub hour: u8,
    pub minute: u8,
    pub second: u8,
    /// Offset from UTC in minutes.
    pub offset_minutes: i16,
}

impl CapTime {
    pub fn parse(text: &str) -> Result<CapTime, String> {
        let s = text.trim().as_bytes();
        let err = || {
            format!(
                "expected a date and time with an explicit zone like 2026-11-22T13:05:00+01:00 \
                 (no \"Z\", no fractions of a second); found {text:?}"
            )
        };
        let shape = b"dddd-dd-ddTdd:dd:dd+dd:dd";
        if s.len() != shape.len() {
            return Err(err());
        }
        for (c, want) in s.iter().zip(shape) {
            let ok = match want {
                b'd' => c.is_ascii_digit(),
                b'+' => *c == b'+' || *c == b'-',
                other => c == other,
            };
            if !ok {
                return Err(err());
            }
        }
        let num = |a: usize, b: usize| s[a..b].iter().fold(0u32, |n, c| n * 10 + u32::from(c - b'0'));
        let (year, month, day) = (num(0, 4) as i32, num(5, 7) as u8, num(8, 10) as u8);
        let (hour, minute, second) = (num(11, 13) as u8, num(14, 16) as u8, num(17, 19) as u8);
        let (oh, om) = (num(20, 22) as i16, num(23, 25) as i16);
        let leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
        let days = match month {
            1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
            4 | 6 | 9 | 11 => 30,
            2 if leap => 29,
            2 => 28,
            _ => 0,
        };
        if year == 0 || day == 0 || day > days || hour > 23 || minute > 59 || second > 59 {
            return Err(format!("{}: no such date or time", err()));
        }
        if om > 59 || oh > 14 || (oh == 14 && om > 0) {
            return Err(format!("{}: the zone must be within ±14:00", err()));
        }
        let sign = if s[19] == b'-' { -1 } else { 1 };
        Ok(CapTime { year, month, day, hour, minute, second, offset_minutes: sign * (oh * 60 + om) })
    }

    /// Seconds since 1970-01-01T00:00:00 UTC.
    pub fn unix_seconds(self) -> i64 {
        // Days from civil date (proleptic Gregorian), after Howard Hinnant's algorithm.
        let (y, m, d) = (i64::from(self.year), i64::from(self.month), i64::from(self.day));
        let y = if m <= 2 { y - 1 } else { y };
        let era = y.div_euclid(400);
        let yoe = y - era * 400;
        let mp = (m + 9) % 12;
        let doy = (153 * mp + 2) / 5 + d - 1;
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
        let days = era * 146_097 + doe - 719_468;
        days * 86_400 + i64::from(self.hour) * 3600 + i64::from(self.minute) * 60 + i64::from(self.second)
            - i64::from(self.offset_minutes) * 60
    }
}

impl fmt::Display for CapTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let sign = if self.offset_minutes < 0 { '-' } else { '+' };
        let off = self.offset_minutes.unsigned_abs();
        write!(
            f,
            "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}{sign}{:02}:{:02}",
            self.year,
            self.month,
            self.day,
            self.hour,
            self.minute,
            self.second,
            off / 60,
            off % 60
        )
    }
}

fn coordinate(pair: &str, index: usize) -> Result<(f64, f64), String> {
    let bad = || format!("expected \"lat,lon\" (decimal degrees, WGS 84); point {} is {pair:?}", index + 1);
    let (lat, lon) = pair.split_once(',').ok_or_else(bad)?;
    let lat: f64 = lat.parse().map_err(|_| bad())?;
    let lon: f64 = lon.parse().map_err(|_| bad())?;
    if !lat.is_finite() || !lon.is_finite() {
        return Err(bad());
    }
    if !(-90.0..=90.0).contains(&lat) {
        return Err(format!("latitude must be within ±90; point {} has {lat}", index + 1));
    }
    if !(-180.0..=180.0).contains(&lon) {
        return Err(format!("longitude must be within ±180; point {} has {lon}", index + 1));
    }
    Ok((lat, lon))
}

/// A `polygon`'s points as `(lat, lon)`: a closed ring of at least four
/// space-separated `lat,lon` pairs, the first repeated as the last. An empty polygon
/// (some publishers write `<polygon></polygon>` for areas given by geocodes only) is
/// no points at all.
pub fn parse_polygon(text: &str) -> Result<Vec<(f64, f64)>, String> {
    let points = text
        .split_ascii_whitespace()
        .enumerate()
        .map(|(i, pair)| coordinate(pair, i))
        .collect::<Result<Vec<_>, _>>()?;
    if points.is_empty() {
        return Ok(points);
    }
    if points.len() < 4 {
        return Err(format!(
            "expected a closed ring of at least 4 \"lat,lon\" points; found {} point{}",
            points.len(),
            if points.len() == 1 { "" } else { "s" }
        ));
    }
    let (first, last) = (points[0], points[points.len() - 1]);
    if first != last {
        return Err(format!(
            "expected a closed ring: the last point must repeat the first ({},{}); found {},{}",
            first.0, first.1, last.0, last.1
        ));
    }
    Ok(points)
}

/// A `circle`: centre and radius in kilometres.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Circle {
    pub lat: f64,
    pub lon: f64,
    pub radius_km: f64,
}

/// `lat,lon radius_km`.
pub fn parse_circle(text: &str) -> Result<Circle, String> {
    let mut parts = text.split_ascii_whitespace();
    let bad = || format!("expected \"lat,lon radius\" (radius in km); found {text:?}");
    let (Some(centre), Some(radius), None) = (parts.next(), parts.next(), parts.next()) else {
        return Err(bad());
    };
    let (lat, lon) = coordinate(centre, 0).map_err(|e| format!("{e} (circle {text:?})"))?;
    let radius_km: f64 = radius.parse().map_err(|_| bad())?;
    if !radius_km.is_finite() || radius_km < 0.0 {
        return Err(format!("expected a radius of 0 km or more; found {radius:?}"));
    }
    Ok(Circle { lat, lon, radius_km })
}

/// One earlier message an alert refers to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reference {
    pub sender: String,
    pub identifier: String,
    pub sent: String,
}

/// `references`: space-separated `sender,identifier,sent` triples.
pub fn parse_references(text: &str) -> Result<Vec<Reference>, String> {
    text.split_ascii_whitespace()
        .enumerate()
        .map(|(i, triple)| {
            let parts: Vec<&str> = triple.split(',').collect();
            let [sender, identifier, sent] = parts[..] else {
                return Err(format!(
                    "expected space-separated \"sender,identifier,sent\" triples; reference {} is {triple:?}",
                    i + 1
                ));
            };
            if sender.is_empty() || identifier.is_empty() {
                return Err(format!("reference {} has an empty sender or identifier: {triple:?}", i + 1));
            }
            CapTime::parse(sent).map_err(|e| format!("reference {}: {e}", i + 1))?;
            Ok(Reference { sender: sender.into(), identifier: identifier.into(), sent: sent.into() })
        })
        .collect()
}

fn language(text: &str) -> Result<(), String> {
    let t = text.trim();
    let ok = !t.is_empty()
        && t.split('-').enumerate().all(|(i, part)| {
            (1..=8).contains(&part.len())
                && part.bytes().all(|c| if i == 0 { c.is_ascii_alphabetic() } else { c.is_ascii_alphanumeric() })
        });
    if ok {
        Ok(())
    } else {
        Err(format!("expected a language code like en-US or de (RFC 3066); found {text:?}"))
    }
}

fn integer(text: &str) -> Result<(), String> {
    let t = text.trim();
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if !digits.is_empty() && digits.bytes().all(|c| c.is_ascii_digit()) {
        Ok(())
    } else {
        Err(format!("expected a whole number; found {text:?}"))
    }
}

fn decimal(text: &str) -> Result<(), String> {
    let t = text.trim();
    let unsigned = t.strip_prefix(['+', '-']).unwrap_or(t);
    let (int, frac) = unsigned.split_once('.').unwrap_or((unsigned, ""));
    let digits = |s: &str| s.bytes().all(|c| c.is_ascii_digit());
    if (!int.is_empty() || !frac.is_empty()) && digits(int) && digits(frac) {
        Ok(())
    } else {
        Err(format!("expected a decimal number; found {text:?}"))
    }
}

/// CAP: identifiers and senders "MUST NOT include spaces, commas or restricted
/// characters (< and &)".
fn token(text: &str) -> Result<(), String> {
    if text.is_empty() {
        return Err("must not be empty".into());
    }
    match text.chars().find(|c| c.is_whitespace() || matches!(c, ',' | '<' | '&')) {
        Some(c) => Err(format!("must not contain spaces, commas, '<' or '&'; found {c:?} in {text:?}")),
        None => Ok(()),
    }
}

/// Collects problems with their element paths.
struct Problems(Vec<CapError>);

impl Problems {
    fn check(&mut self, path: impl FnOnce() -> String, result: Result<(), String>) {
        if let Err(message) = result {
            self.0.push(CapError { file: None, position: None, path: path(), message });
        }
    }
    fn opt(&mut self, path: impl FnOnce() -> String, value: &Option<String>, rule: fn(&str) -> Result<(), String>) {
        if let Some(v) = value {
            self.check(path, rule(v));
        }
    }
}

fn time(text: &str) -> Result<(), String> {
    CapTime::parse(text).map(|_| ())
}

/// The rules [`super::read`] applies after the structure: every problem, with its
/// element path but no position (the reader adds positions).
pub(crate) fn check_rules(alert: &Alert) -> Vec<CapError> {
    let mut p = Problems(Vec::new());
    p.check(|| "alert/identifier".into(), token(&alert.identifier));
    p.check(|| "alert/sender".into(), token(&alert.sender));
    p.check(|| "alert/sent".into(), time(&alert.sent));
    match alert.scope {
        Scope::Restricted if alert.restriction.as_deref().is_none_or(|r| r.trim().is_empty()) => p.check(
            || "alert/scope".into(),
            Err("scope is Restricted, so <restriction> is required (the rule for restricted distribution)".into()),
        ),
        Scope::Private if alert.addresses.as_deref().is_none_or(|a| a.trim().is_empty()) => p.check(
            || "alert/scope".into(),
            Err("scope is Private, so <addresses> is required (the intended recipients)".into()),
        ),
        _ => {}
    }
    p.opt(|| "alert/references".into(), &alert.references, |t| parse_references(t).map(|_| ()));
    if alert.version == CapVersion::V1_1 && !alert.signatures.is_empty() {
        p.check(|| "alert".into(), Err("CAP 1.1 alerts cannot carry XML signatures".into()));
    }
    for (i, info) in alert.infos.iter().enumerate() {
        let at = |rest: &str| format!("alert/info[{i}]/{rest}");
        p.opt(|| at("language"), &info.language, language);
        if info.categories.is_empty() {
            p.check(|| at("category"), Err("at least one <category> is required".into()));
        }
        for (j, r) in info.response_types.iter().enumerate() {
            if alert.version == CapVersion::V1_1 && matches!(r, ResponseType::Avoid | ResponseType::AllClear) {
                p.check(|| at(&format!("responseType[{j}]")), Err(format!("{r} is a CAP 1.2 response type, not 1.1")));
            }
        }
        p.opt(|| at("effective"), &info.effective, time);
        p.opt(|| at("onset"), &info.onset, time);
        p.opt(|| at("expires"), &info.expires, time);
        for (j, res) in info.resources.iter().enumerate() {
            let at = |rest: &str| format!("alert/info[{i}]/resource[{j}]/{rest}");
            if alert.version == CapVersion::V1_2 && res.mime_type.is_none() {
                p.check(|| at("mimeType"), Err("<mimeType> is required in CAP 1.2".into()));
            }
            p.opt(|| at("size"), &res.size, integer);
        }
        for (j, area) in info.areas.iter().enumerate() {
            let at = |rest: &str| format!("alert/info[{i}]/area[{j}]/{rest}");
            for (k, poly) in area.polygons.iter().enumerate() {
                p.check(|| at(&format!("polygon[{k}]")), parse_polygon(poly).map(|_| ()));
            }
            for (k, circle) in area.circles.iter().enumerate() {
                p.check(|| at(&format!("circle[{k}]")), parse_circle(circle).map(|_| ()));
            }
            p.opt(|| at("altitude"), &area.altitude, decimal);
            p.opt(|| at("ceiling"), &area.ceiling, decimal);
            if area.ceiling.is_some() && area.altitude.is_none() {
                p.check(|| at("ceiling"), Err("<ceiling> may only be given with <altitude>".into()));
            }
        }
    }
    p.0
}

/// Checks an alert built in code or from JSON against every rule [`super::read`]
/// applies to XML (the structure is the type's), including that each signature is one
/// well-formed element in the XML-signature namespace.
pub fn validate(alert: &Alert) -> Result<(), CapErrors> {
    let mut problems = check_rules(alert);
    for (i, sig) in alert.signatures.iter().enumerate() {
        if let Err(message) = check_signature(sig) {
            problems.push(CapError { file: None, position: None, path: format!("alert/Signature[{i}]"), message });
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(CapErrors(problems))
    }
}

fn check_signature(xml: &str) -> Result<(), String> {
    let mut r = quick_xml::NsReader::from_str(xml);
    let mut depth = 0usize;
    let mut roots = 0usize;
    loop {
        let (ns, event) = r.read_resolved_event().map_err(|e| format!("malformed XML signature: {e}"))?;
        let in_dsig = matches!(ns, ResolveResult::Bound(n) if n.as_ref() == NS_XMLDSIG.as_bytes());
        match event {
            Event::Start(_) | Event::Empty(_) if depth == 0 => {
                if !in_dsig {
                    return Err(format!("expected an element in the {NS_XMLDSIG} namespace"));
                }
                roots += 1;
                if matches!(event, Event::Start(_)) {
                    depth = 1;
                }
            }
            Event::Start(_) => depth += 1,
            Event::End(_) => depth -= 1,
            Event::Text(t) if depth == 0 && !t.iter().all(u8::is_ascii_whitespace) => {
                return Err("expected one XML signature element and nothing else".into())
            }
            Event::Eof => break,
            _ => {}
        }
    }
    if roots == 1 && depth == 0 {
        Ok(())
    } else {
        Err("expected exactly one XML signature element".into())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn times() {
        let t = CapTime::parse("2003-06-11T20:56:00-07:00").unwrap();
        assert_eq!(t.offset_minutes, -420);
        assert_eq!(t.to_string(), "2003-06-11T20:56:00-07:00");
        assert_eq!(CapTime::parse("1970-01-01T01:00:00+01:00").unwrap().unix_seconds(), 0);
        assert_eq!(CapTime::parse("2026-11-22T12:00:00-00:00").unwrap().unix_seconds(), 1_795_348_800);
        for bad in ["2003-06-11T20:56:00Z", "2003-06-11T20:56:00.5-07:00", "2003-06-11 20:56:00-07:00", "2003-02-29T00:00:00+00:00", "2003-06-11T20:56:00+15:00"] {
            assert!(CapTime::parse(bad).is_err(), "{bad}");
        }
        assert!(CapTime::parse("2004-02-29T00:00:00+00:00").is_ok());
    }

    #[test]
    fn polygons_circles_references() {
        assert_eq!(parse_polygon("1,2 3,4 5,6 1,2").unwrap().len(), 4);
        assert_eq!(
            parse_polygon("1,2 3,4 1,2").unwrap_err(),
            "expected a closed ring of at least 4 \"lat,lon\" points; found 3 points"
        );
        assert_eq!(
            parse_polygon("1,2 3,4 5,6 7,8").unwrap_err(),
            "expected a closed ring: the last point must repeat the first (1,2); found 7,8"
        );
        assert_eq!(parse_polygon("1,2 91,4 5,6 1,2").unwrap_err(), "latitude must be within ±90; point 2 has 91");
        assert_eq!(parse_polygon("1;2 3,4 5,6 1,2").unwrap_err(), "expected \"lat,lon\" (decimal degrees, WGS 84); point 1 is \"1;2\"");
        assert_eq!(parse_polygon("  ").unwrap(), vec![]);
        assert_eq!(parse_circle("32.9525,-115.5527 0").unwrap(), Circle { lat: 32.9525, lon: -115.5527, radius_km: 0.0 });
        assert_eq!(parse_circle("32.9,-115.5").unwrap_err(), "expected \"lat,lon radius\" (radius in km); found \"32.9,-115.5\"");
        assert_eq!(parse_circle("32.9,-115.5 -1").unwrap_err(), "expected a radius of 0 km or more; found \"-1\"");
        let refs = parse_references("a@b,ID-1,2003-06-11T20:30:00-07:00 c,ID-2,2003-06-11T20:31:00-07:00").unwrap();
        assert_eq!(refs[1].identifier, "ID-2");
        assert_eq!(
            parse_references("a@b,ID-1").unwrap_err(),
            "expected space-separated \"sender,identifier,sent\" triples; reference 1 is \"a@b,ID-1\""
        );
    }

    #[test]
    fn simple_types() {
        assert!(language("en-US").is_ok() && language("de").is_ok() && language("es-419").is_ok());
        assert!(language("english language").is_err() && language("").is_err() && language("1en").is_err());
        assert!(integer(" 98865 ").is_ok() && integer("1.5").is_err());
        assert!(decimal("-12.5").is_ok() && decimal(".5").is_ok() && decimal("5.").is_ok() && decimal(".").is_err());
        assert!(token("ID-1").is_ok() && token("a b").is_err() && token("a,b").is_err() && token("").is_err());
    }
}
