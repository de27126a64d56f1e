//! Reading typed fields out of a loose JSON object, naming the field on failure.
//! Every input format (JSON body, GeoJSON properties, CSV row) is first turned into
//! a JSON object, so they all share one parser per domain type.

use crate::error::{Collector, Invalid};
use serde_json::{Map, Value};

pub type Object = Map<String, Value>;

fn present<'a>(obj: &'a Object, key: &str) -> Option<&'a Value> {
    obj.get(key).filter(|v| !v.is_null() && v.as_str() != Some(""))
}

/// A required field parsed by `parse`.
pub fn required<T>(c: &mut Collector, obj: &Object, key: &str, parse: impl FnOnce(&Value) -> Result<T, Invalid>) -> Option<T> {
    match present(obj, key) {
        None => {
            c.push(key, "is required");
            None
        }
        Some(v) => c.take(parse(v).map_err(|e| e.within(key))),
    }
}

/// An optional field parsed by `parse`; absent, null and "" are `None`.
pub fn optional<T>(c: &mut Collector, obj: &Object, key: &str, parse: impl FnOnce(&Value) -> Result<T, Invalid>) -> Option<Option<T>> {
    match present(obj, key) {
        None => Some(None),
        Some(v) => c.take(parse(v).map_err(|e| e.within(key))).map(Some),
    }
}

pub fn string(v: &Value) -> Result<String, Invalid> {
    match v {
        Value::String(s) => Ok(s.trim().to_string()),
        Value::Number(n) => Ok(n.to_string()),
        _ => Err(Invalid::one("", "expected a string")),
    }
}

/// A string parsed by a domain parser such as `CountryCode::parse`.
pub fn text<T>(parse: impl FnOnce(&str) -> Result<T, Invalid>) -> impl FnOnce(&Value) -> Result<T, Invalid> {
    move |v| parse(&string(v)?)
}

/// A whole number `>= 0`; numeric strings (from CSV) are accepted.
pub fn count(v: &Value) -> Result<u64, Invalid> {
    let n = match v {
        Value::Number(n) => n.as_u64().or_else(|| n.as_f64().filter(|f| f.fract() == 0.0 && *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse::<u64>().ok(),
        _ => None,
    };
    n.ok_or_else(|| Invalid::one("", format!("expected a whole number >= 0, found {v}")))
}

/// A finite number `>= 0`; numeric strings (from CSV) are accepted.
pub fn non_negative(v: &Value) -> Result<f64, Invalid> {
    let n = match v {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse::<f64>().ok(),
        _ => None,
    };
    n.filter(|f| f.is_finite() && *f >= 0.0).ok_or_else(|| Invalid::one("", format!("expected a number >= 0, found {v}")))
}

/// A JSON object; a string holding a JSON object (from CSV) is accepted.
pub fn object(v: &Value) -> Result<Object, Invalid> {
    match v {
        Value::Object(m) => Ok(m.clone()),
        Value::String(s) => match serde_json::from_str::<Value>(s) {
            Ok(Value::Object(m)) => Ok(m),
            _ => Err(Invalid::one("", "expected a JSON object")),
        },
        _ => Err(Invalid::one("", "expected a JSON object")),
    }
}

/// A JSON object or a string holding one (a CSV cell), for nested geometry values.
pub fn json_value(v: &Value) -> Result<Value, Invalid> {
    match v {
        Value::String(s) => serde_json::from_str(s).map_err(|e| Invalid::one("", format!("expected JSON: {e}"))),
        other => Ok(other.clone()),
    }
}
