//! GeoJSON: a streaming reader of one `FeatureCollection`, and the features the
//! exporter writes.
//!
//! Layout: every feature is an asset unless its `properties.feature_type` is
//! `"dependency"` or `"link"`; organisations are in a top-level foreign member
//! `"organisations"`. The reader walks the top-level object with a serde visitor and
//! parses one feature at a time, so a file of a million features never becomes one
//! `serde_json::Value`.

use crate::{At, Event, Flow, Issue, Place, Record};
use rampart_core::fields::Object;
use rampart_core::{Asset, Dependency, Invalid, NetworkLink, Organisation};
use serde::de::{self, DeserializeSeed, IgnoredAny, MapAccess, SeqAccess, Visitor};
use serde_json::{json, Value};
use std::fmt;
use std::io::{BufRead, Read};
use std::sync::Arc;

/// Reads a GeoJSON `FeatureCollection`, handing every record, problem and skip
/// to `sink` in file order. Malformed JSON ends the file with one issue naming
/// line and column.
pub fn read(input: impl Read, file: &Arc<str>, sink: &mut dyn FnMut(Event) -> Flow) {
    // A UTF-8 byte-order mark (some Windows tools write one) is not JSON.
    let mut input = std::io::BufReader::with_capacity(64 * 1024, input);
    if input.fill_buf().map(|h| h.starts_with(b"\xEF\xBB\xBF")).unwrap_or(false) {
        input.consume(3);
    }
    let mut de = serde_json::Deserializer::from_reader(input);
    let mut top = Top { file: file.clone(), sink, stopped: false, saw_features: false };
    let result = (&mut top).deserialize(&mut de).and_then(|()| de.end());
    if top.stopped {
        return;
    }
    match result {
        Ok(()) if !top.saw_features => {
            let _ = (top.sink)(Event::invalid(Place::new(file, At::File).issue("features", "is required: expected a GeoJSON FeatureCollection")));
        }
        Ok(()) => {}
        Err(e) => {
            let _ = (top.sink)(Event::invalid(json_error(file, &e)));
        }
    }
}

/// A serde_json error as an issue at its line and column.
pub(crate) fn json_error(file: &Arc<str>, e: &serde_json::Error) -> Issue {
    if e.is_io() {
        return Place::new(file, At::File).issue("", format!("cannot read the file: {e}"));
    }
    let text = e.to_string();
    // serde_json appends " at line L column C"; the place says that already.
    let message = match text.rfind(" at line ") {
        Some(i) => text[..i].to_string(),
        None => text,
    };
    Issue { place: Place::new(file, At::Position { line: e.line() as u64, column: e.column() as u64 }), field: None, message }
}

/// Marks the serde error we raise to stop reading when the sink says so.
const STOP: &str = "\u{0}rampart: stop reading";

struct Top<'s> {
    file: Arc<str>,
    sink: &'s mut dyn FnMut(Event) -> Flow,
    stopped: bool,
    saw_features: bool,
}

impl Top<'_> {
    fn emit<E: de::Error>(&mut self, event: Event) -> Result<(), E> {
        if (self.sink)(event).is_break() {
            self.stopped = true;
            return Err(E::custom(STOP));
        }
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for &mut Top<'_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_map(self)
    }
}

impl<'de> Visitor<'de> for &mut Top<'_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a GeoJSON FeatureCollection object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(key) = map.next_key::<String>()? {
            match key.as_str() {
                "type" => {
                    let t: Value = map.next_value()?;
                    if t.as_str() != Some("FeatureCollection") {
                        let issue = Place::new(&self.file, At::File).issue("type", format!("expected \"FeatureCollection\", found {t}"));
                        self.emit(Event::invalid(issue))?;
                    }
                }
                "features" => {
                    self.saw_features = true;
                    map.next_value_seed(Features(&mut *self))?;
                }
                "organisations" => map.next_value_seed(Organisations(&mut *self))?,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(())
    }
}

struct Features<'a, 's>(&'a mut Top<'s>);

impl<'de> DeserializeSeed<'de> for Features<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Features<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of GeoJSON features")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0u64;
        while let Some(feature) = seq.next_element::<Object>()? {
            let place = Place::new(&self.0.file, At::Feature(i));
            self.0.emit(feature_event(feature, place))?;
            i += 1;
        }
        Ok(())
    }
}

struct Organisations<'a, 's>(&'a mut Top<'s>);

impl<'de> DeserializeSeed<'de> for Organisations<'_, '_> {
    type Value = ();
    fn deserialize<D: de::Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_seq(self)
    }
}

impl<'de> Visitor<'de> for Organisations<'_, '_> {
    type Value = ();
    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of organisations")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        let mut i = 0u64;
        while let Some(obj) = seq.next_element::<Object>()? {
            let place = Place::new(&self.0.file, At::Organisation(i));
            let event = match unknown_keys(&obj, &ORG_FIELDS, "property") {
                Some(e) => Event::invalid(place.issue(e.0, e.1)),
                None => match Organisation::from_json(&obj) {
                    Ok(o) => Event::Record(place, Record::Organisation(o)),
                    Err(e) => invalid(&place, e, |f| f.to_string()),
                },
            };
            self.0.emit(event)?;
            i += 1;
        }
        Ok(())
    }
}

/// The fields of an organisation (files carry them; `Organisation` has no list).
pub const ORG_FIELDS: [&str; 4] = ["id", "name", "kind", "country"];

/// The first key of `obj` that is not one of `allowed`, as (key, message).
fn unknown_keys(obj: &Object, allowed: &[&str], what: &str) -> Option<(String, String)> {
    let key = obj.keys().find(|k| !allowed.contains(&k.as_str()))?;
    Some((key.clone(), format!("unknown {what}; expected one of: {}", allowed.join(", "))))
}

/// Every field at fault in a record, as issues at `place`; `field` says where a
/// record field lives in the file.
pub(crate) fn invalid(place: &Place, e: Invalid, field: impl Fn(&str) -> String) -> Event {
    Event::Invalid(e.0.into_iter().map(|f| place.issue(field(&f.field), f.message)).collect())
}

/// Turns one feature object into a record or a problem.
pub fn feature_event(mut feature: Object, place: Place) -> Event {
    match feature.get("type").and_then(Value::as_str) {
        Some("Feature") => {}
        _ => {
            let found = feature.get("type").cloned().unwrap_or(Value::Null);
            return Event::invalid(place.issue("type", format!("expected \"Feature\", found {found}")));
        }
    }
    let mut props = match feature.remove("properties") {
        Some(Value::Object(p)) => p,
        None | Some(Value::Null) => Object::new(),
        Some(other) => return Event::invalid(place.issue("properties", format!("expected an object, found {}", kind_of(&other)))),
    };
    let feature_type = props.remove("feature_type");
    match feature_type.as_ref().map(|v| (v, v.as_str())) {
        None | Some((Value::Null, _)) | Some((_, Some("asset"))) => asset_event(feature, props, place),
        Some((_, Some("dependency"))) => relation_event(props, place, &Dependency::FIELDS, |o| Dependency::from_json(o).map(Record::Dependency)),
        Some((_, Some("link"))) => relation_event(props, place, &NetworkLink::FIELDS, |o| NetworkLink::from_json(o).map(Record::Link)),
        Some((v, _)) => Event::invalid(place.issue(
            "properties.feature_type",
            format!("expected \"asset\", \"dependency\" or \"link\", found {v}"),
        )),
    }
}

fn kind_of(v: &Value) -> &'static str {
    match v {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

fn asset_event(mut feature: Object, mut props: Object, place: Place) -> Event {
    let allowed: Vec<&str> = Asset::FIELDS.iter().copied().filter(|f| *f != "geometry").collect();
    if let Some((key, message)) = unknown_keys(&props, &allowed, "property") {
        return Event::invalid(place.issue(format!("properties.{key}"), format!("{message} (free attributes go under \"attributes\")")));
    }
    let id_from_feature = match feature.remove("id") {
        None | Some(Value::Null) => false,
        Some(id) => {
            let id = match id {
                Value::Number(n) => Value::String(n.to_string()),
                other => other,
            };
            match props.get("id") {
                Some(p) if !p.is_null() && *p != id => {
                    return Event::invalid(place.issue("id", format!("the feature id {id} differs from properties.id {p}")));
                }
                _ => {}
            }
            props.insert("id".into(), id);
            true
        }
    };
    if let Some(g) = feature.remove("geometry") {
        props.insert("geometry".into(), g);
    }
    match Asset::from_json(&props) {
        Ok(a) => Event::Record(place, Record::Asset(a)),
        Err(e) => invalid(&place, e, |f| asset_field(f, id_from_feature)),
    }
}

/// Where an asset field lives in a feature.
fn asset_field(field: &str, id_from_feature: bool) -> String {
    let head = field.split(['.', '[']).next().unwrap_or(field);
    match head {
        "geometry" => field.to_string(),
        "id" if id_from_feature => field.to_string(),
        _ => format!("properties.{field}"),
    }
}

fn relation_event(props: Object, place: Place, fields: &[&str], parse: impl Fn(&Object) -> Result<Record, Invalid>) -> Event {
    if let Some((key, message)) = unknown_keys(&props, fields, "property") {
        return Event::invalid(place.issue(format!("properties.{key}"), message));
    }
    match parse(&props) {
        Ok(r) => Event::Record(place, r),
        Err(e) => invalid(&place, e, |f| format!("properties.{f}")),
    }
}

/// An asset as a GeoJSON feature: id at the feature level, null fields left out.
pub fn asset_feature(a: &Asset) -> Value {
    let mut props = a.to_json();
    props.remove("id");
    let geometry = props.remove("geometry").unwrap_or(Value::Null);
    props.retain(|_, v| !v.is_null());
    json!({"type": "Feature", "id": a.id, "geometry": geometry, "properties": props})
}

/// A line from `from` to `to` when both positions are known.
fn line(from: Option<(f64, f64)>, to: Option<(f64, f64)>) -> Value {
    match (from, to) {
        (Some(a), Some(b)) => json!({"type": "LineString", "coordinates": [[a.0, a.1], [b.0, b.1]]}),
        _ => Value::Null,
    }
}

/// A dependency as a feature with a line from supplier to dependent.
pub fn dependency_feature(d: &Dependency, supplier: Option<(f64, f64)>, dependent: Option<(f64, f64)>) -> Value {
    let mut props = json!({"feature_type": "dependency"});
    if let (Some(p), Value::Object(fields)) = (props.as_object_mut(), d.to_json()) {
        p.extend(fields);
    }
    json!({"type": "Feature", "geometry": line(supplier, dependent), "properties": props})
}

/// A network link as a feature with a line from `from` to `to`.
pub fn link_feature(l: &NetworkLink, from: Option<(f64, f64)>, to: Option<(f64, f64)>) -> Value {
    let mut props = json!({"feature_type": "link"});
    if let (Some(p), Value::Object(fields)) = (props.as_object_mut(), l.to_json()) {
        p.extend(fields.into_iter().filter(|(_, v)| !v.is_null()));
    }
    json!({"type": "Feature", "geometry": line(from, to), "properties": props})
}
