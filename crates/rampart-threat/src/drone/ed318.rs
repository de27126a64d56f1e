//! EUROCAE ED-318 UAS geographical zones: a GeoJSON FeatureCollection, one feature per
//! volume, its limits in `geometry.layer`, circles as a Point with
//! `extent: {"subType": "Circle", "radius"}`. Features that share an identifier one
//! after another are the volumes of one zone. The reader accepts plain or multilingual
//! texts, `REQ_AUTHORISATION` spelt either way, feet, and unclosed rings (warned); the
//! writer emits the model.

use super::ed269::{authority_json, check_for_writing, metres, reasons};
use super::lenient::{self, Notes};
use super::schedule::Window;
use super::zone::*;
use rampart_core::Invalid;
use serde_json::{json, Map, Value};

const TYPES: &str = "USPACE, PROHIBITED, REQ_AUTHORIZATION, CONDITIONAL, NO_RESTRICTION";

/// Reads an ED-318 document; every field at fault is reported, with its path.
pub fn read(doc: &Value) -> Result<ZoneFile, Invalid> {
    let mut notes = Notes::default();
    let Some(features) = doc.get("features").and_then(Value::as_array) else {
        return Err(Invalid::one("features", "expected an ED-318 document: a GeoJSON FeatureCollection of zones"));
    };
    if doc.get("type").and_then(Value::as_str) != Some("FeatureCollection") {
        notes.warn("type", "expected \"FeatureCollection\"");
    }
    let mut zones: Vec<Zone> = Vec::new();
    for (i, f) in features.iter().enumerate() {
        let Some((zone, volume)) = read_feature(f, &format!("features[{i}]"), &mut notes) else { continue };
        match zones.last_mut() {
            Some(last) if last.id == zone.id => last.volumes.push(volume),
            _ => zones.push(Zone { volumes: vec![volume], ..zone }),
        }
    }
    if !notes.errors.is_empty() {
        return Err(Invalid(notes.errors));
    }
    Ok(ZoneFile { format: "ed318", zones, warnings: notes.warnings })
}

fn read_feature(feature: &Value, at: &str, notes: &mut Notes) -> Option<(Zone, Volume)> {
    let errors_before = notes.errors.len();
    let p = feature.get("properties").and_then(Value::as_object);
    let g = feature.get("geometry").and_then(Value::as_object);
    if p.is_none() {
        notes.error(&format!("{at}.properties"), "expected the zone's properties");
    }
    if g.is_none() {
        notes.error(&format!("{at}.geometry"), "expected a geometry: a Polygon, or a Point with a circular extent");
    }
    let (p, g) = (p?, g?);
    let f = |k: &str| format!("{at}.properties.{k}");
    let id = lenient::text(p.get("identifier"));
    if id.is_none() {
        notes.error(&f("identifier"), "expected the zone's identifier");
    }
    let country = lenient::country(p.get("country"), &f("country"), notes);
    let name = lenient::text(p.get("name")).or_else(|| {
        notes.warn(&f("name"), "missing; used the identifier");
        id.clone()
    });
    let restriction = lenient::keyed(
        p.get("type"),
        &f("type"),
        notes,
        |s| match s.trim().to_ascii_uppercase().as_str() {
            "REQ_AUTHORIZATION" => Some(Restriction::ReqAuthorisation),
            other => Restriction::parse(other).filter(|r| *r != Restriction::ReqAuthorisation),
        },
        &[("REQ_AUTHORISATION", Restriction::ReqAuthorisation)],
        TYPES,
    );
    let zone_type = match p.get("variant") {
        None | Some(Value::Null) => {
            notes.warn(&f("variant"), "missing; read as COMMON");
            Some(ZoneType::Common)
        }
        v => lenient::keyed(v, &f("variant"), notes, ZoneType::parse, &[("CUSTOMISED", ZoneType::Customized)], "COMMON, CUSTOMIZED"),
    };
    let reasons = reasons(p.get("reason"), &f("reason"), notes);
    let applicability = match p.get("limitedApplicability").and_then(Value::as_array).and_then(|a| a.first()) {
        None => Applicability { permanent: true, ..Default::default() },
        Some(a) => Applicability {
            permanent: false,
            start: lenient::opt_str(a.get("startDateTime")),
            end: lenient::opt_str(a.get("endDateTime")),
            schedule: a.get("schedule").and_then(Value::as_array).cloned().unwrap_or_default(),
        },
    };
    if let (_, Some(problem)) = Window::new(&applicability) {
        notes.warn(&f("limitedApplicability"), format!("{problem}; incursions of this zone are at most possible"));
    }
    let authorities = p.get("zoneAuthority").and_then(Value::as_array).map(|a| a.iter().map(lenient::authority).collect()).unwrap_or_default();

    let gf = |k: &str| format!("{at}.geometry.{k}");
    let layer = g.get("layer");
    if layer.is_none() {
        notes.error(&gf("layer"), "expected the vertical limits: {upper, upperReference, lower, lowerReference, uom}");
    }
    let empty = Value::Null;
    let layer = layer.unwrap_or(&empty);
    let per_unit = lenient::unit(layer.get("uom"), &gf("layer.uom"), notes);
    let lower = lenient::limit(layer.get("lower"), layer.get("lowerReference"), per_unit, &gf("layer.lower"), &gf("layer.lowerReference"), notes);
    let upper = lenient::limit(layer.get("upper"), layer.get("upperReference"), per_unit, &gf("layer.upper"), &gf("layer.upperReference"), notes);
    if let (Some(lo), Some(up)) = (lower.metres, upper.metres) {
        if lo > up && lower.reference == upper.reference {
            notes.error(&gf("layer.upper"), format!("the upper limit {up} m is below the lower limit {lo} m"));
        }
    }
    let here = format!("{at}.geometry");
    let shape = match g.get("type").and_then(Value::as_str) {
        Some("Polygon") => lenient::polygon(g, &here, notes),
        Some("Point") => {
            let extent = g.get("extent");
            let is_circle = extent.and_then(|e| e.get("subType")).and_then(Value::as_str).is_some_and(|s| s.eq_ignore_ascii_case("circle"));
            if !is_circle {
                notes.error(&gf("extent"), "a Point zone needs extent {\"subType\": \"Circle\", \"radius\": metres}");
                None
            } else {
                let radius = lenient::number(extent.and_then(|e| e.get("radius")), &gf("extent.radius"), notes).map(|r| r * per_unit);
                lenient::circle(g.get("coordinates"), radius, &here, "coordinates", notes)
            }
        }
        other => {
            notes.error(&gf("type"), format!("expected \"Polygon\" or \"Point\" (a circle), found {other:?}"));
            None
        }
    };
    if notes.errors.len() > errors_before {
        return None;
    }
    let zone = Zone {
        id: id?,
        country: country?,
        name: name?,
        zone_type: zone_type?,
        restriction: restriction?,
        reasons,
        restriction_conditions: lenient::opt_str(p.get("restrictionConditions")),
        message: lenient::opt_str(p.get("message")),
        region: p.get("region").and_then(Value::as_i64),
        volumes: vec![],
        applicability,
        authorities,
        extended: p.get("extendedProperties").filter(|v| !v.is_null()).cloned(),
    };
    Some((zone, Volume { lower, upper, shape: shape? }))
}

/// Writes zones as an ED-318 FeatureCollection; refuses what the model cannot hold.
pub fn write(zones: &[Zone], name: &str) -> Result<Value, Invalid> {
    check_for_writing(zones, true)?;
    let mut features = Vec::new();
    for z in zones {
        for v in &z.volumes {
            let layer = json!({
                "upper": metres(&v.upper, UNLIMITED_M),
                "upperReference": v.upper.reference.key(),
                "lower": metres(&v.lower, 0.0),
                "lowerReference": v.lower.reference.key(),
                "uom": "m",
            });
            let geometry = match &v.shape {
                Shape::Polygon(_) => {
                    let mut g = v.shape.to_geojson();
                    if let Some(o) = g.as_object_mut() {
                        o.insert("layer".into(), layer);
                    }
                    g
                }
                Shape::Circle { lon, lat, radius_m } => {
                    json!({"type": "Point", "coordinates": [lon, lat], "extent": {"subType": "Circle", "radius": radius_m}, "layer": layer})
                }
            };
            features.push(json!({"type": "Feature", "geometry": geometry, "properties": properties(z)}));
        }
    }
    Ok(json!({"type": "FeatureCollection", "name": name, "features": features}))
}

fn properties(z: &Zone) -> Value {
    let mut o = Map::new();
    let text = |s: &str| json!([{"text": s, "lang": "en-GB"}]);
    o.insert("identifier".into(), json!(z.id));
    o.insert("country".into(), json!(z.country));
    o.insert("name".into(), text(&z.name));
    let kind = match z.restriction {
        Restriction::ReqAuthorisation => "REQ_AUTHORIZATION",
        other => other.key(),
    };
    o.insert("type".into(), json!(kind));
    o.insert("variant".into(), json!(z.zone_type.key()));
    if let Some(c) = &z.restriction_conditions {
        o.insert("restrictionConditions".into(), json!(c));
    }
    if let Some(r) = z.region {
        o.insert("region".into(), json!(r));
    }
    o.insert("reason".into(), json!(z.reasons.iter().map(|r| r.key()).collect::<Vec<_>>()));
    if let Some(m) = &z.message {
        o.insert("message".into(), text(m));
    }
    if !z.applicability.permanent {
        let a = &z.applicability;
        let mut la = Map::new();
        if let Some(s) = &a.start {
            la.insert("startDateTime".into(), json!(s));
        }
        if let Some(e) = &a.end {
            la.insert("endDateTime".into(), json!(e));
        }
        if !a.schedule.is_empty() {
            la.insert("schedule".into(), json!(a.schedule));
        }
        o.insert("limitedApplicability".into(), json!([la]));
    }
    if !z.authorities.is_empty() {
        o.insert("zoneAuthority".into(), json!(z.authorities.iter().map(|a| authority_json(a, true)).collect::<Vec<_>>()));
    }
    if let Some(e) = &z.extended {
        o.insert("extendedProperties".into(), e.clone());
    }
    Value::Object(o)
}
