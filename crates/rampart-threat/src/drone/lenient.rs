//! What the ED-269 and ED-318 readers share: reading values leniently, remembering
//! every departure from the model as a warning and every unreadable field as an error,
//! each named by its path in the file.

use super::country::is_alpha3;
use super::zone::{Authority, Limit, Shape, VerticalReference, FOOT_M};
use rampart_core::{CountryCode, FieldError, Geometry};
use serde_json::{Map, Value};

#[derive(Default)]
pub(crate) struct Notes {
    pub errors: Vec<FieldError>,
    pub warnings: Vec<FieldError>,
}

impl Notes {
    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.errors.push(FieldError::new(field, message));
    }
    pub fn warn(&mut self, field: &str, message: impl Into<String>) {
        self.warnings.push(FieldError::new(field, message));
    }
}

/// A text: a string, a number, or ED-318's multilingual `[{"text", "lang"}]` (English
/// first, else the first entry).
pub(crate) fn text(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::String(s) if !s.trim().is_empty() => Some(s.clone()),
        Value::Number(n) => Some(n.to_string()),
        Value::Array(items) => {
            let of = |i: &Value| i.get("text").and_then(Value::as_str).map(str::to_string);
            let english = items.iter().find(|i| i.get("lang").and_then(Value::as_str).is_some_and(|l| l.to_ascii_lowercase().starts_with("en")));
            english.and_then(of).or_else(|| items.iter().find_map(of))
        }
        _ => None,
    }
}

/// A number, also when written as a string (warned); `null` and absence are `None`.
pub(crate) fn number(v: Option<&Value>, field: &str, notes: &mut Notes) -> Option<f64> {
    match v {
        None | Some(Value::Null) => None,
        Some(Value::Number(n)) => n.as_f64(),
        Some(Value::String(s)) => match s.trim().parse::<f64>() {
            Ok(x) if x.is_finite() => {
                notes.warn(field, format!("read the string {s:?} as a number"));
                Some(x)
            }
            _ => {
                notes.error(field, format!("expected a number, found {s:?}"));
                None
            }
        },
        Some(other) => {
            notes.error(field, format!("expected a number, found {other}"));
            None
        }
    }
}

/// An enumerated value by its key, case-insensitive; `aliases` are accepted spellings (warned).
pub(crate) fn keyed<T: Copy>(
    v: Option<&Value>,
    field: &str,
    notes: &mut Notes,
    parse: fn(&str) -> Option<T>,
    aliases: &[(&str, T)],
    expected: &str,
) -> Option<T> {
    let Some(s) = v.and_then(Value::as_str) else {
        notes.error(field, format!("expected one of {expected}, found {}", v.map(|v| v.to_string()).unwrap_or_else(|| "nothing".into())));
        return None;
    };
    if let Some(x) = parse(s) {
        return Some(x);
    }
    let up = s.trim().to_ascii_uppercase();
    if let Some((_, x)) = aliases.iter().find(|(a, _)| *a == up) {
        notes.warn(field, format!("accepted {s:?}, spelt outside the model ({expected})"));
        return Some(*x);
    }
    notes.error(field, format!("expected one of {expected}, found {s:?}"));
    None
}

/// An alpha-3 country; alpha-2 codes are converted (warned).
pub(crate) fn country(v: Option<&Value>, field: &str, notes: &mut Notes) -> Option<String> {
    let s = v.and_then(Value::as_str).map(|s| s.trim().to_ascii_uppercase());
    match s {
        Some(s) if is_alpha3(&s) => Some(s),
        Some(s) if s.len() == 2 && CountryCode::parse(&s).is_ok() => {
            let a3 = CountryCode::parse(&s).map(super::country::alpha3).unwrap_or("XXX");
            notes.warn(field, format!("read the alpha-2 code {s:?} as {a3:?}"));
            Some(a3.to_string())
        }
        Some(s) => {
            notes.error(field, format!("expected an ISO 3166-1 alpha-3 country code such as \"CHE\", found {s:?}"));
            None
        }
        None => {
            notes.error(field, "expected an ISO 3166-1 alpha-3 country code such as \"CHE\"");
            None
        }
    }
}

/// A vertical reference; missing ones are AGL (warned).
pub(crate) fn reference(v: Option<&Value>, field: &str, notes: &mut Notes) -> VerticalReference {
    if v.is_none() || v == Some(&Value::Null) {
        notes.warn(field, "missing; read as AGL");
        return VerticalReference::Agl;
    }
    let aliases = [("SFC", VerticalReference::Agl), ("MSL", VerticalReference::Amsl), ("WGS-84", VerticalReference::Wgs84), ("W84", VerticalReference::Wgs84)];
    keyed(v, field, notes, VerticalReference::parse, &aliases, "AGL, AMSL, WGS84").unwrap_or(VerticalReference::Agl)
}

/// Metres per unit of `uom` (`M`/`m`, `FT`/`ft`); missing units are metres (warned).
pub(crate) fn unit(v: Option<&Value>, field: &str, notes: &mut Notes) -> f64 {
    match v.and_then(Value::as_str).map(|s| s.trim().to_ascii_uppercase()) {
        Some(u) if u == "M" => 1.0,
        Some(u) if u == "FT" => FOOT_M,
        Some(u) => {
            notes.error(field, format!("expected M or FT, found {u:?}"));
            1.0
        }
        None => {
            notes.warn(field, "missing; read limits as metres");
            1.0
        }
    }
}

pub(crate) fn limit(value: Option<&Value>, reference_v: Option<&Value>, per_unit: f64, field: &str, ref_field: &str, notes: &mut Notes) -> Limit {
    let metres = number(value, field, notes).map(|x| x * per_unit);
    Limit { metres, reference: reference(reference_v, ref_field, notes) }
}

/// A GeoJSON polygon, with unclosed rings closed (warned); errors name the position.
pub(crate) fn polygon(obj: &Map<String, Value>, field: &str, notes: &mut Notes) -> Option<Shape> {
    let mut fixed = obj.clone();
    if let Some(Value::Array(rings)) = fixed.get_mut("coordinates") {
        for (i, ring) in rings.iter_mut().enumerate() {
            if let Value::Array(pos) = ring {
                if pos.len() >= 3 && pos.first() != pos.last() {
                    if let Some(first) = pos.first().cloned() {
                        pos.push(first);
                        notes.warn(&format!("{field}.coordinates[{i}]"), "the ring was not closed; closed it");
                    }
                }
            }
        }
    }
    fixed.insert("type".into(), Value::String("Polygon".into()));
    match Geometry::from_geojson(&Value::Object(fixed)) {
        Ok(Geometry::Polygon(p)) => Some(Shape::Polygon(p)),
        Ok(Geometry::Point { .. }) => None,
        Err(e) => {
            notes.errors.extend(e.within(field).0);
            None
        }
    }
}

/// A circle from a centre position and a radius in metres.
pub(crate) fn circle(center: Option<&Value>, radius_m: Option<f64>, field: &str, center_field: &str, notes: &mut Notes) -> Option<Shape> {
    let c = center.and_then(Value::as_array).map(|a| a.iter().filter_map(Value::as_f64).collect::<Vec<_>>());
    let (lon, lat) = match c.as_deref() {
        Some([lon, lat, ..]) if (-180.0..=180.0).contains(lon) && (-90.0..=90.0).contains(lat) => (*lon, *lat),
        _ => {
            notes.error(&format!("{field}.{center_field}"), "expected a centre [longitude, latitude] within ±180 and ±90");
            return None;
        }
    };
    match radius_m {
        Some(r) if r > 0.0 && r.is_finite() => Some(Shape::Circle { lon, lat, radius_m: r }),
        Some(r) => {
            notes.error(&format!("{field}.radius"), format!("expected a radius of more than 0 metres, found {r}"));
            None
        }
        None => {
            notes.error(&format!("{field}.radius"), "expected a radius in metres");
            None
        }
    }
}

pub(crate) fn authority(v: &Value) -> Authority {
    let t = |k: &str| text(v.get(k));
    Authority {
        name: t("name"),
        service: t("service"),
        contact_name: t("contactName"),
        email: t("email"),
        phone: t("phone"),
        site_url: t("siteURL"),
        purpose: t("purpose"),
        interval_before: t("intervalBefore"),
    }
}

pub(crate) fn opt_str(v: Option<&Value>) -> Option<String> {
    text(v)
}
