//! EUROCAE ED-269 UAS geographical zones as JSON: `{"title", "description", "features":
//! [UASZoneVersion…]}`. The reader also accepts the older `UASZoneList` member, limits
//! as strings, `null` limits, `dailyPeriod` schedules, lower-case keys of enumerations and
//! unclosed rings, and says so in warnings; the writer emits the model only.

use super::country::is_alpha3;
use super::lenient::{self, Notes};
use super::schedule::Window;
use super::zone::*;
use rampart_core::{FieldError, Invalid};
use serde_json::{json, Map, Value};

const RESTRICTIONS: &str = "PROHIBITED, REQ_AUTHORISATION, CONDITIONAL, NO_RESTRICTION";
const REASONS: &str = "AIR_TRAFFIC, SENSITIVE, PRIVACY, POPULATION, NATURE, NOISE, FOREIGN_TERRITORY, EMERGENCY, OTHER";

/// Reads an ED-269 document; every field at fault is reported, with its path.
pub fn read(doc: &Value) -> Result<ZoneFile, Invalid> {
    let mut notes = Notes::default();
    let (key, list) = match (doc.get("features"), doc.get("UASZoneList")) {
        (Some(Value::Array(l)), _) => ("features", l),
        (_, Some(Value::Array(l))) => {
            notes.warn("UASZoneList", "read the zones from \"UASZoneList\" (the model names them \"features\")");
            ("UASZoneList", l)
        }
        _ => return Err(Invalid::one("features", "expected an ED-269 document: an object with a \"features\" array of zones")),
    };
    let mut zones = Vec::new();
    for (i, z) in list.iter().enumerate() {
        if let Some(zone) = read_zone(z, &format!("{key}[{i}]"), &mut notes) {
            zones.push(zone);
        }
    }
    if !notes.errors.is_empty() {
        return Err(Invalid(notes.errors));
    }
    Ok(ZoneFile { format: "ed269", zones, warnings: notes.warnings })
}

fn read_zone(z: &Value, at: &str, notes: &mut Notes) -> Option<Zone> {
    let Some(obj) = z.as_object() else {
        notes.error(at, "expected a zone object");
        return None;
    };
    let f = |k: &str| format!("{at}.{k}");
    let errors_before = notes.errors.len();
    let id = lenient::text(obj.get("identifier"));
    if id.is_none() {
        notes.error(&f("identifier"), "expected the zone's identifier");
    }
    let country = lenient::country(obj.get("country"), &f("country"), notes);
    let name = lenient::text(obj.get("name")).or_else(|| {
        notes.warn(&f("name"), "missing; used the identifier");
        id.clone()
    });
    let zone_type = match obj.get("type") {
        None | Some(Value::Null) => {
            notes.warn(&f("type"), "missing; read as COMMON");
            Some(ZoneType::Common)
        }
        v => lenient::keyed(v, &f("type"), notes, ZoneType::parse, &[("CUSTOMISED", ZoneType::Customized)], "COMMON, CUSTOMIZED"),
    };
    let restriction = lenient::keyed(
        obj.get("restriction"),
        &f("restriction"),
        notes,
        |s| Restriction::parse(s).filter(|r| *r != Restriction::USpace),
        &[("REQ_AUTHORIZATION", Restriction::ReqAuthorisation)],
        RESTRICTIONS,
    );
    let reasons = reasons(obj.get("reason"), &f("reason"), notes);
    let volumes = volumes(obj.get("geometry"), &f("geometry"), notes);
    let applicability = applicability(obj.get("applicability"), &f("applicability"), notes);
    let authorities = match obj.get("zoneAuthority") {
        Some(Value::Array(a)) => a.iter().map(lenient::authority).collect(),
        Some(o @ Value::Object(_)) => {
            notes.warn(&f("zoneAuthority"), "expected an array; read the one object");
            vec![lenient::authority(o)]
        }
        _ => vec![],
    };
    if notes.errors.len() > errors_before {
        return None;
    }
    Some(Zone {
        id: id?,
        country: country?,
        name: name?,
        zone_type: zone_type?,
        restriction: restriction?,
        reasons,
        restriction_conditions: restriction_conditions(obj.get("restrictionConditions")),
        message: lenient::opt_str(obj.get("message")),
        region: obj.get("region").and_then(Value::as_i64),
        volumes,
        applicability,
        authorities,
        extended: obj.get("extendedProperties").filter(|v| !v.is_null()).cloned(),
    })
}

/// ED-269 writes conditions as a list of codes; samples write one string.
fn restriction_conditions(v: Option<&Value>) -> Option<String> {
    match v? {
        Value::Array(a) => Some(a.iter().filter_map(|x| lenient::text(Some(x))).collect::<Vec<_>>().join("; ")).filter(|s| !s.is_empty()),
        other => lenient::text(Some(other)),
    }
}

pub(crate) fn reasons(v: Option<&Value>, at: &str, notes: &mut Notes) -> Vec<Reason> {
    let list: Vec<Value> = match v {
        None | Some(Value::Null) => return vec![],
        Some(Value::Array(a)) => a.clone(),
        Some(one @ Value::String(_)) => {
            notes.warn(at, "expected an array of reasons; read the one string");
            vec![one.clone()]
        }
        Some(other) => {
            notes.error(at, format!("expected an array of reasons, found {other}"));
            return vec![];
        }
    };
    list.iter()
        .enumerate()
        .filter_map(|(i, r)| lenient::keyed(Some(r), &format!("{at}[{i}]"), notes, Reason::parse, &[], REASONS))
        .collect()
}

fn volumes(v: Option<&Value>, at: &str, notes: &mut Notes) -> Vec<Volume> {
    let list = match v {
        Some(Value::Array(a)) if !a.is_empty() => a.clone(),
        Some(o @ Value::Object(_)) => {
            notes.warn(at, "expected an array of volumes; read the one object");
            vec![o.clone()]
        }
        _ => {
            notes.error(at, "expected an array of at least one volume (limits and a horizontal projection)");
            return vec![];
        }
    };
    let mut out = Vec::new();
    for (i, g) in list.iter().enumerate() {
        let here = format!("{at}[{i}]");
        let f = |k: &str| format!("{here}.{k}");
        let per_unit = lenient::unit(g.get("uomDimensions"), &f("uomDimensions"), notes);
        let lower = lenient::limit(g.get("lowerLimit"), g.get("lowerVerticalReference"), per_unit, &f("lowerLimit"), &f("lowerVerticalReference"), notes);
        let upper = lenient::limit(g.get("upperLimit"), g.get("upperVerticalReference"), per_unit, &f("upperLimit"), &f("upperVerticalReference"), notes);
        if let (Some(lo), Some(up)) = (lower.metres, upper.metres) {
            if lo > up && lower.reference == upper.reference {
                notes.error(&f("upperLimit"), format!("the upper limit {up} m is below the lower limit {lo} m"));
            }
        }
        let hp = f("horizontalProjection");
        let shape = match g.get("horizontalProjection").and_then(Value::as_object) {
            None => {
                notes.error(&hp, "expected a horizontal projection: a Polygon or a Circle");
                None
            }
            Some(p) => match p.get("type").and_then(Value::as_str).map(str::to_ascii_lowercase).as_deref() {
                Some("polygon") => lenient::polygon(p, &hp, notes),
                Some("circle") => {
                    let (center, key) = match p.get("center") {
                        Some(c) => (Some(c), "center"),
                        None => (p.get("coordinates"), "center"),
                    };
                    let radius = lenient::number(p.get("radius"), &format!("{hp}.radius"), notes).map(|r| r * per_unit);
                    lenient::circle(center, radius, &hp, key, notes)
                }
                other => {
                    notes.error(&format!("{hp}.type"), format!("expected \"Polygon\" or \"Circle\", found {other:?}"));
                    None
                }
            },
        };
        if let Some(shape) = shape {
            out.push(Volume { lower, upper, shape });
        }
    }
    out
}

fn applicability(v: Option<&Value>, at: &str, notes: &mut Notes) -> Applicability {
    let first = match v {
        Some(Value::Array(a)) => a.first(),
        Some(o @ Value::Object(_)) => Some(o),
        _ => None,
    };
    let Some(a) = first else {
        notes.warn(at, "missing; read the zone as permanent");
        return Applicability { permanent: true, ..Default::default() };
    };
    let permanent = match a.get("permanent") {
        Some(Value::String(s)) => s.eq_ignore_ascii_case("YES"),
        Some(Value::Bool(b)) => *b,
        _ => a.get("startDateTime").is_none_or(Value::is_null),
    };
    let schedule = match a.get("dailyPeriod").or_else(|| a.get("schedule")) {
        Some(Value::Array(d)) => d.iter().filter(|p| !is_empty_period(p)).cloned().collect(),
        _ => vec![],
    };
    let out = Applicability { permanent, start: lenient::opt_str(a.get("startDateTime")), end: lenient::opt_str(a.get("endDateTime")), schedule };
    if let (_, Some(problem)) = Window::new(&out) {
        notes.warn(at, format!("{problem}; incursions of this zone are at most possible"));
    }
    out
}

/// The sample's `{"day": [], "startTime": null, "endTime": null}` says nothing.
fn is_empty_period(p: &Value) -> bool {
    p.as_object().is_some_and(|o| o.values().all(|v| v.is_null() || v.as_array().is_some_and(Vec::is_empty)))
}

/// Checks what the model requires of a zone before writing it (both formats).
pub(crate) fn check_for_writing(zones: &[Zone], allow_uspace: bool) -> Result<(), Invalid> {
    let mut errors = Vec::new();
    for (i, z) in zones.iter().enumerate() {
        let f = |k: &str| format!("zones[{i}].{k}");
        let n = z.id.chars().count();
        if n == 0 || n > MAX_ID_CHARS {
            errors.push(FieldError::new(f("identifier"), format!("must be 1 to {MAX_ID_CHARS} characters, found {:?}", z.id)));
        }
        if z.name.chars().count() > MAX_NAME_CHARS {
            errors.push(FieldError::new(f("name"), format!("must be at most {MAX_NAME_CHARS} characters")));
        }
        if !is_alpha3(&z.country) {
            errors.push(FieldError::new(f("country"), format!("expected an ISO 3166-1 alpha-3 code, found {:?}", z.country)));
        }
        if z.restriction == Restriction::USpace && !allow_uspace {
            errors.push(FieldError::new(f("restriction"), "USPACE zones exist in ED-318 only"));
        }
        if z.volumes.is_empty() {
            errors.push(FieldError::new(f("geometry"), "a zone needs at least one volume"));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(Invalid(errors))
    }
}

/// Whole metres, as the model's integer limits.
pub(crate) fn metres(l: &Limit, unlimited: f64) -> i64 {
    l.metres.unwrap_or(unlimited).round() as i64
}

pub(crate) fn authority_json(a: &Authority, multilingual: bool) -> Value {
    let mut o = Map::new();
    let text = |s: &String| if multilingual { json!([{"text": s, "lang": "en-GB"}]) } else { json!(s) };
    let fields: [(&str, &Option<String>, bool); 8] = [
        ("name", &a.name, true),
        ("service", &a.service, true),
        ("contactName", &a.contact_name, true),
        ("email", &a.email, false),
        ("phone", &a.phone, false),
        ("siteURL", &a.site_url, false),
        ("purpose", &a.purpose, false),
        ("intervalBefore", &a.interval_before, false),
    ];
    for (k, v, is_text) in fields {
        if let Some(v) = v {
            o.insert(k.into(), if is_text { text(v) } else { json!(v) });
        }
    }
    Value::Object(o)
}

/// Writes zones as an ED-269 document; refuses what the model cannot hold.
pub fn write(zones: &[Zone], title: &str) -> Result<Value, Invalid> {
    check_for_writing(zones, false)?;
    let features: Vec<Value> = zones.iter().map(zone_json).collect();
    Ok(json!({"title": title, "description": "UAS geographical zones (EUROCAE ED-269) written by Rampart", "features": features}))
}

fn zone_json(z: &Zone) -> Value {
    let mut o = Map::new();
    o.insert("identifier".into(), json!(z.id));
    o.insert("country".into(), json!(z.country));
    o.insert("name".into(), json!(z.name));
    o.insert("type".into(), json!(z.zone_type.key()));
    o.insert("restriction".into(), json!(z.restriction.key()));
    if let Some(c) = &z.restriction_conditions {
        o.insert("restrictionConditions".into(), json!([c]));
    }
    if let Some(r) = z.region {
        o.insert("region".into(), json!(r));
    }
    o.insert("reason".into(), json!(z.reasons.iter().map(|r| r.key()).collect::<Vec<_>>()));
    if let Some(m) = &z.message {
        o.insert("message".into(), json!(m));
    }
    let a = &z.applicability;
    let mut app = Map::new();
    app.insert("permanent".into(), json!(if a.permanent { "YES" } else { "NO" }));
    if let Some(s) = &a.start {
        app.insert("startDateTime".into(), json!(s));
    }
    if let Some(e) = &a.end {
        app.insert("endDateTime".into(), json!(e));
    }
    if !a.schedule.is_empty() {
        app.insert("dailyPeriod".into(), json!(a.schedule));
    }
    o.insert("applicability".into(), json!([app]));
    o.insert("zoneAuthority".into(), json!(z.authorities.iter().map(|a| authority_json(a, false)).collect::<Vec<_>>()));
    let geometry: Vec<Value> = z
        .volumes
        .iter()
        .map(|v| {
            let hp = match &v.shape {
                Shape::Polygon(_) => v.shape.to_geojson(),
                Shape::Circle { lon, lat, radius_m } => json!({"type": "Circle", "center": [lon, lat], "radius": radius_m}),
            };
            json!({
                "uomDimensions": "M",
                "lowerLimit": metres(&v.lower, 0.0),
                "lowerVerticalReference": v.lower.reference.key(),
                "upperLimit": metres(&v.upper, UNLIMITED_M),
                "upperVerticalReference": v.upper.reference.key(),
                "horizontalProjection": hp,
            })
        })
        .collect();
    o.insert("geometry".into(), json!(geometry));
    if let Some(e) = &z.extended {
        o.insert("extendedProperties".into(), e.clone());
    }
    Value::Object(o)
}
