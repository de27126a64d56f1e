//! Position reports of drones: Rampart's JSON track form, or Remote ID messages in
//! hexadecimal (one per line, or `{"hex": …}` items of the JSON form).
//!
//! ```json
//! {"reports": [
//!   {"uas_id": "1596F3A7E5B4C2D19E00", "time": "2025-06-01T14:03:07Z",
//!    "lat": 52.5147, "lon": 13.2395, "altitude_m": 150, "altitude_reference": "WGS84", "height_agl_m": 80},
//!   {"hex": "1224305...", "time": "2025-06-01T14:03:08Z"}
//! ]}
//! ```
//! A bare array of reports is accepted too. `altitude_reference` is `WGS84` (the
//! ellipsoid, what Remote ID broadcasts; the default) or `AMSL`. See docs/drones.md.

use super::remote_id::{self, Message};
use rampart_core::{FieldError, Invalid};
use serde::Serialize;
use serde_json::Value;

/// One position of one drone.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Report {
    pub uas_id: String,
    /// As given: RFC 3339 in JSON tracks; `mm:ss.s` past the hour for Remote ID messages.
    pub time: Option<String>,
    pub lat: f64,
    pub lon: f64,
    /// Height above the WGS 84 ellipsoid, metres.
    pub altitude_wgs84_m: Option<f64>,
    /// Altitude above mean sea level, metres.
    pub altitude_amsl_m: Option<f64>,
    /// Height above ground, metres.
    pub height_agl_m: Option<f64>,
}

/// What a track source held: its reports, and the lines or items that were skipped.
#[derive(Debug, Clone, Default)]
pub struct Track {
    pub reports: Vec<Report>,
    pub skipped: Vec<FieldError>,
}

/// Follows a stream of Remote ID messages: Basic ID messages name the drone of the
/// Location messages after them.
#[derive(Default)]
struct Receiver {
    uas_id: Option<String>,
}

impl Receiver {
    fn take(&mut self, m: &Message, time: Option<&str>, out: &mut Vec<Report>) {
        match m {
            Message::BasicId(b) => self.uas_id = Some(b.uas_id.clone()),
            Message::Pack { messages, .. } => {
                // The Basic ID of a pack names the pack's location, whatever the order.
                for inner in messages.iter().filter(|m| matches!(m, Message::BasicId(_))) {
                    self.take(inner, time, out);
                }
                for inner in messages.iter().filter(|m| !matches!(m, Message::BasicId(_))) {
                    self.take(inner, time, out);
                }
            }
            // Latitude and longitude 0 mean "unknown": no position.
            Message::Location(l) if l.lat != 0.0 || l.lon != 0.0 => out.push(Report {
                uas_id: self.uas_id.clone().unwrap_or_else(|| "unidentified".into()),
                time: time.map(str::to_string).or_else(|| l.timestamp_ds.map(|t| format!("{:02}:{:04.1}", t / 600, f64::from(t % 600) / 10.0))),
                lat: l.lat,
                lon: l.lon,
                altitude_wgs84_m: l.geodetic_altitude_m,
                altitude_amsl_m: None,
                height_agl_m: if l.height_agl { l.height_m } else { None },
            }),
            _ => {}
        }
    }
}

/// Reads a track: JSON (starting with `{` or `[`) or hexadecimal Remote ID messages,
/// one per line (`#` starts a comment). Any unreadable report or message is an error
/// naming its item or line; nothing is read then.
pub fn read(text: &str) -> Result<Track, Invalid> {
    let t = text.trim_start();
    if t.starts_with('{') || t.starts_with('[') {
        let v: Value = serde_json::from_str(t).map_err(|e| Invalid::one("track", format!("malformed JSON: {e}")))?;
        return read_json(&v);
    }
    let mut rx = Receiver::default();
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    for (i, line) in text.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        match remote_id::decode_hex(line) {
            Ok(m) => rx.take(&m, None, &mut reports),
            Err(e) => errors.push(FieldError::new(format!("line {}", i + 1), e.to_string())),
        }
    }
    if errors.is_empty() {
        Ok(Track { reports, skipped: vec![] })
    } else {
        Err(Invalid(errors))
    }
}

/// Reads the JSON track form (see the module's documentation).
pub fn read_json(v: &Value) -> Result<Track, Invalid> {
    let items = match v {
        Value::Array(a) => a,
        Value::Object(o) => match o.get("reports") {
            Some(Value::Array(a)) => a,
            _ => return Err(Invalid::one("reports", "expected an array of position reports")),
        },
        _ => return Err(Invalid::one("reports", "expected an array of position reports")),
    };
    let mut rx = Receiver::default();
    let mut reports = Vec::new();
    let mut errors = Vec::new();
    for (i, item) in items.iter().enumerate() {
        let at = format!("reports[{i}]");
        let time = item.get("time").and_then(|t| match t {
            Value::String(s) => Some(s.clone()),
            Value::Number(n) => Some(n.to_string()),
            _ => None,
        });
        if let Some(hex) = item.get("hex") {
            match hex.as_str().map(remote_id::decode_hex) {
                Some(Ok(m)) => rx.take(&m, time.as_deref(), &mut reports),
                Some(Err(e)) => errors.push(FieldError::new(format!("{at}.hex"), e.to_string())),
                None => errors.push(FieldError::new(format!("{at}.hex"), "expected a Remote ID message in hexadecimal")),
            }
            continue;
        }
        let num = |keys: &[&str]| keys.iter().find_map(|k| item.get(*k)).and_then(Value::as_f64);
        let lat = num(&["lat", "latitude"]);
        let lon = num(&["lon", "lng", "longitude"]);
        match (lat, lon) {
            (Some(lat), Some(lon)) if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) => {
                let altitude = num(&["altitude_m", "alt"]);
                let reference = item.get("altitude_reference").and_then(Value::as_str).unwrap_or("WGS84").to_ascii_uppercase();
                let (wgs84, amsl) = match reference.as_str() {
                    "WGS84" | "W84" => (altitude, None),
                    "AMSL" | "MSL" => (None, altitude),
                    other => {
                        errors.push(FieldError::new(format!("{at}.altitude_reference"), format!("expected WGS84 or AMSL, found {other:?}")));
                        continue;
                    }
                };
                let uas_id = item.get("uas_id").or_else(|| item.get("id")).and_then(|v| match v {
                    Value::String(s) => Some(s.clone()),
                    Value::Number(n) => Some(n.to_string()),
                    _ => None,
                });
                reports.push(Report {
                    uas_id: uas_id.or_else(|| rx.uas_id.clone()).unwrap_or_else(|| "unidentified".into()),
                    time,
                    lat,
                    lon,
                    altitude_wgs84_m: wgs84,
                    altitude_amsl_m: amsl,
                    height_agl_m: num(&["height_agl_m"]),
                });
            }
            (Some(_), Some(_)) => errors.push(FieldError::new(at, "lat must be within ±90 and lon within ±180")),
            _ => errors.push(FieldError::new(at, "expected lat and lon in degrees (or a Remote ID message as \"hex\")")),
        }
    }
    if errors.is_empty() {
        Ok(Track { reports, skipped: vec![] })
    } else {
        Err(Invalid(errors))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn json_reports_and_hex_items() {
        // Basic ID then Location (the vector of remote_id's tests) as hex items.
        let basic = "02 12 31353936463341374535423443324431394530300000 00";
        let loc = "12 24 5A 30 FA 781B4D1F F82FE407 9808 FC08 7008 4B 34 3930 02 00";
        let v = json!({"reports": [
            {"uas_id": "A", "time": "2025-06-01T14:00:00Z", "lat": 52.5, "lon": 13.2, "altitude_m": 100, "altitude_reference": "AMSL"},
            {"hex": basic.replace(' ', "")},
            {"hex": loc, "time": "2025-06-01T14:00:01Z"},
        ]});
        let t = read_json(&v).unwrap();
        assert_eq!(t.reports.len(), 2);
        assert_eq!((t.reports[0].altitude_amsl_m, t.reports[0].altitude_wgs84_m), (Some(100.0), None));
        let r = &t.reports[1];
        assert_eq!((r.uas_id.as_str(), r.time.as_deref(), r.altitude_wgs84_m, r.height_agl_m), ("1596F3A7E5B4C2D19E00", Some("2025-06-01T14:00:01Z"), Some(150.0), Some(80.0)));
        // Hex lines: the time is the message's own, past the hour.
        let t = read(&format!("# a capture\n{basic}\n{loc}\n")).unwrap();
        assert_eq!(t.reports[0].time.as_deref(), Some("20:34.5"));
    }

    #[test]
    fn bad_reports_are_named() {
        let e = read_json(&json!([{"lat": 95, "lon": 1}, {"lon": 1}, {"hex": "1224"}])).unwrap_err();
        let fields: Vec<&str> = e.0.iter().map(|f| f.field.as_str()).collect();
        assert_eq!(fields, ["reports[0]", "reports[1]", "reports[2].hex"]);
        assert_eq!(e.0[2].message, "a Remote ID message is 25 bytes; found 2");
        let e = read("0212\nzz\n").unwrap_err();
        assert_eq!((e.0[0].field.as_str(), e.0[1].field.as_str()), ("line 1", "line 2"));
    }
}
