//! Zone files: the public samples, round trips between the formats, and bad input.

use super::*;
use serde_json::json;

const SAMPLES: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpora/uas-zones");

fn sample(name: &str) -> Value {
    let text = std::fs::read_to_string(format!("{SAMPLES}/{name}")).unwrap();
    serde_json::from_str(&text).unwrap()
}

fn fields(e: &Invalid) -> Vec<&str> {
    e.0.iter().map(|f| f.field.as_str()).collect()
}

#[test]
fn the_swiss_ed269_sample_is_read_leniently() {
    let f = read_zones(&sample("che_sample_ed269.json")).unwrap();
    assert_eq!(f.format, "ed269");
    let z = &f.zones[0];
    assert_eq!((z.id.as_str(), z.country.as_str(), z.name.as_str()), ("LSXX", "CHE", "LSXX City Sample"));
    assert_eq!((z.restriction, z.reasons.as_slice(), z.zone_type), (Restriction::ReqAuthorisation, &[Reason::AirTraffic][..], ZoneType::Common));
    assert_eq!(z.restriction_conditions.as_deref(), Some("RST02"));
    let v = &z.volumes[0];
    assert_eq!((v.lower.metres, v.upper.metres, v.upper.reference), (Some(0.0), None, VerticalReference::Agl));
    let Shape::Polygon(p) = &v.shape else { panic!("a polygon") };
    assert_eq!(p.exterior().0.len(), 5);
    assert!(z.applicability.permanent && z.applicability.schedule.is_empty());
    assert_eq!(z.authorities[0].email.as_deref(), Some("admin@example.interuss.org"));
    // Each departure from the model is a warning naming the field.
    let warned: Vec<&str> = f.warnings.iter().map(|w| w.field.as_str()).collect();
    assert_eq!(warned, ["UASZoneList", "UASZoneList[0].geometry[0].lowerLimit"]);
}

#[test]
fn the_swiss_ed318_sample_is_read_leniently() {
    let f = read_zones(&sample("che_sample_ed318.json")).unwrap();
    assert_eq!(f.format, "ed318");
    let ids: Vec<&str> = f.zones.iter().map(|z| z.id.as_str()).collect();
    assert_eq!(ids, ["LSZB003", "BLns058", "LSTB002"]);
    let z = &f.zones[0];
    assert_eq!((z.name.as_str(), z.restriction, z.zone_type), ("LSZB Bern-Belp 2", Restriction::ReqAuthorisation, ZoneType::Common));
    assert_eq!((z.volumes[0].lower.metres, z.volumes[0].upper.metres), (Some(60.0), Some(99_999.0)));
    assert_eq!(z.authorities[0].name.as_deref(), Some("Skyguide"));
    assert_eq!(f.zones[1].name, "Protected natural object Langmatt", "the English name of a multilingual text");
    assert_eq!(f.zones[1].reasons, [Reason::Nature]);
    assert!(f.warnings.is_empty(), "{:?}", f.warnings);
}

/// Reading what was written gives the same zones, and writing them again the same file.
fn round_trip(zones: &[Zone], format: ZoneFormat) {
    let written = format.write(zones, "round trip").unwrap();
    let read = read_zones(&written).unwrap();
    assert!(read.warnings.is_empty(), "{format:?} wrote something its reader warns about: {:?}", read.warnings);
    assert_eq!(format.write(&read.zones, "round trip").unwrap(), written, "{format:?}: written, read, written again");
    assert_eq!(read.zones.len(), zones.len());
    for (a, b) in zones.iter().zip(&read.zones) {
        assert_eq!((&a.id, &a.country, &a.name, a.restriction, &a.reasons), (&b.id, &b.country, &b.name, b.restriction, &b.reasons));
        assert_eq!(a.volumes.len(), b.volumes.len());
        for (va, vb) in a.volumes.iter().zip(&b.volumes) {
            assert_eq!(va.shape, vb.shape);
            assert_eq!((va.lower.reference, va.upper.reference), (vb.lower.reference, vb.upper.reference));
        }
    }
}

#[test]
fn samples_round_trip_through_both_formats() {
    for name in ["che_sample_ed269.json", "che_sample_ed318.json"] {
        let zones = read_zones(&sample(name)).unwrap().zones;
        round_trip(&zones, ZoneFormat::Ed269);
        round_trip(&zones, ZoneFormat::Ed318);
        // Across: ED-318 → ED-269 → ED-318 keeps the zones.
        let via = ed269::read(&ed269::write(&zones, "x").unwrap()).unwrap().zones;
        assert_eq!(ed318::write(&via, "x").unwrap(), ed318::write(&read_zones(&ed318::write(&zones, "x").unwrap()).unwrap().zones, "x").unwrap());
    }
}

fn stadium_zones() -> Vec<Zone> {
    let point = json!({"id": "DE-STA-1", "name": "Olympiastadion Berlin", "category": "stadium", "country": "DE",
        "geometry": {"type": "Point", "coordinates": [13.2395, 52.5147]}});
    let outline = json!({"id": "FR-STA-2", "name": "Stade de France", "category": "stadium", "country": "FR",
        "geometry": {"type": "Polygon", "coordinates": [[[2.3590, 48.9235], [2.3625, 48.9235], [2.3625, 48.9260], [2.3590, 48.9260], [2.3590, 48.9235]]]}});
    [point, outline]
        .iter()
        .map(|a| site_zone(&rampart_core::Asset::from_json(a.as_object().unwrap()).unwrap(), &SiteZoneOptions::default()).unwrap())
        .collect()
}

#[test]
fn site_zones_round_trip_and_write_the_model() {
    let zones = stadium_zones();
    round_trip(&zones, ZoneFormat::Ed269);
    round_trip(&zones, ZoneFormat::Ed318);
    let ed269 = ed269::write(&zones, "Stadiums").unwrap();
    let f = &ed269["features"][0];
    assert_eq!(f["country"], "DEU");
    assert_eq!(f["reason"], json!(["SENSITIVE"]));
    assert_eq!(f["restriction"], "PROHIBITED");
    assert_eq!(f["geometry"][0]["horizontalProjection"], json!({"type": "Circle", "center": [13.2395, 52.5147], "radius": 500.0}));
    assert_eq!((f["geometry"][0]["lowerLimit"].as_i64(), f["geometry"][0]["upperLimit"].as_i64()), (Some(0), Some(120)));
    assert_eq!(f["extendedProperties"]["rampartAssetId"], "DE-STA-1");
    let ed318 = ed318::write(&zones, "Stadiums").unwrap();
    let g = &ed318["features"][0]["geometry"];
    assert_eq!((g["type"].as_str(), g["extent"]["subType"].as_str(), g["layer"]["upperReference"].as_str()), (Some("Point"), Some("Circle"), Some("AGL")));
    assert_eq!(ed318["features"][1]["properties"]["country"], "FRA");
}

#[test]
fn writers_refuse_what_the_model_cannot_hold() {
    let mut zones = stadium_zones();
    zones[0].id = "TOO-LONG-ID".into();
    zones[1].restriction = Restriction::USpace;
    let e = ed269::write(&zones, "x").unwrap_err();
    assert_eq!(fields(&e), ["zones[0].identifier", "zones[1].restriction"]);
    assert_eq!(fields(&ed318::write(&zones, "x").unwrap_err()), ["zones[0].identifier"]);
}

#[test]
fn bad_geometry_and_fields_are_named() {
    // A bow tie, a circle without a radius, an unknown reason, no country, a string where a number belongs.
    let doc = json!({"features": [
        {"identifier": "A1", "country": "CHE", "name": "bow tie", "type": "COMMON", "restriction": "PROHIBITED", "reason": ["SENSITIVE"],
         "geometry": [{"uomDimensions": "M", "lowerLimit": 0, "lowerVerticalReference": "AGL", "upperLimit": 120, "upperVerticalReference": "AGL",
           "horizontalProjection": {"type": "Polygon", "coordinates": [[[7.0, 46.0], [7.1, 46.1], [7.1, 46.0], [7.0, 46.1], [7.0, 46.0]]]}}]},
        {"identifier": "A2", "name": "no radius", "type": "COMMON", "restriction": "PROHIBITED", "reason": ["SECURITY"],
         "geometry": [{"uomDimensions": "M", "lowerLimit": "low", "lowerVerticalReference": "AGL", "upperLimit": 120, "upperVerticalReference": "AGL",
           "horizontalProjection": {"type": "Circle", "center": [7.0, 46.0]}}]},
    ]});
    let e = ed269::read(&doc).unwrap_err();
    assert_eq!(
        fields(&e),
        [
            "features[0].geometry[0].horizontalProjection.coordinates[0]",
            "features[1].country",
            "features[1].reason[0]",
            "features[1].geometry[0].lowerLimit",
            "features[1].geometry[0].horizontalProjection.radius",
        ]
    );
    assert_eq!(e.0[0].message, "the ring intersects itself (segments 0 and 2)");
    // ED-318: a line string, and a Point that is not a circle.
    let doc = json!({"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"identifier": "B1", "country": "CHE", "name": "x", "type": "PROHIBITED", "variant": "COMMON", "reason": []},
         "geometry": {"type": "LineString", "coordinates": [[7.0, 46.0], [7.1, 46.1]], "layer": {"upper": 120, "upperReference": "AGL", "lower": 0, "lowerReference": "AGL", "uom": "m"}}},
        {"type": "Feature", "properties": {"identifier": "B2", "country": "CHE", "name": "y", "type": "PROHIBITED", "variant": "COMMON", "reason": []},
         "geometry": {"type": "Point", "coordinates": [7.0, 46.0], "layer": {"upper": 120, "upperReference": "AGL", "lower": 0, "lowerReference": "AGL", "uom": "m"}}},
    ]});
    assert_eq!(fields(&ed318::read(&doc).unwrap_err()), ["features[0].geometry.type", "features[1].geometry.extent"]);
    assert_eq!(fields(&read_zones(&json!({"zones": []})).unwrap_err()), ["features"]);
}

#[test]
fn feet_alpha2_and_unclosed_rings_are_read_with_warnings() {
    let doc = json!({"features": [{"identifier": "C1", "country": "ch", "name": "feet", "type": "common", "restriction": "REQ_AUTHORIZATION",
        "reason": "NOISE",
        "geometry": [{"uomDimensions": "FT", "lowerLimit": 0, "lowerVerticalReference": "AGL", "upperLimit": 400, "upperVerticalReference": "AGL",
          "horizontalProjection": {"type": "Polygon", "coordinates": [[[7.0, 46.0], [7.1, 46.0], [7.1, 46.1], [7.0, 46.1]]]}}]}]});
    let f = ed269::read(&doc).unwrap();
    let v = &f.zones[0].volumes[0];
    assert!((v.upper.metres.unwrap() - 121.92).abs() < 1e-9);
    assert_eq!((f.zones[0].country.as_str(), f.zones[0].restriction), ("CHE", Restriction::ReqAuthorisation));
    let warned: Vec<&str> = f.warnings.iter().map(|w| w.field.as_str()).collect();
    assert_eq!(
        warned,
        ["features[0].country", "features[0].restriction", "features[0].reason", "features[0].geometry[0].horizontalProjection.coordinates[0]", "features[0].applicability"]
    );
}

#[test]
fn a_decoded_track_crosses_a_site_zone() {
    let zones = stadium_zones();
    // Basic ID, then Location/Vector over the Olympiastadion at 80 m above ground (see remote_id's tests).
    let capture = "02 12 31353936463341374535423443324431394530300000 00\n12 24 5A 30 FA 781B4D1F F82FE407 9808 FC08 7008 4B 34 3930 02 00\n";
    let track = track::read(capture).unwrap();
    let inc = check(&zones, &track.reports);
    assert_eq!(inc.len(), 1);
    assert_eq!((inc[0].zone_id.as_str(), inc[0].asset_id.as_deref(), inc[0].status), (zones[0].id.as_str(), Some("DE-STA-1"), Status::Confirmed));
}
