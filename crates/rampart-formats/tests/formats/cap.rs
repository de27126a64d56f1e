#![allow(clippy::unwrap_used)] // Test code: a panic is the failure report.

//! CAP 1.2 (and 1.1) alerts: the public corpus reads, validates and round-trips
//! losslessly; written XML passes the official schema; broken alerts are refused with
//! the place and what was expected.

use proptest::prelude::*;
use rampart_formats::cap::{self, Alert, Area, CapVersion, Category, Certainty, Info, MsgType, NameValue, Resource, ResponseType, Scope, Severity, Status, Urgency};
use std::path::{Path, PathBuf};
use std::process::Command;

/// The shared corpus of CAP alerts (the standard's own examples and real published
/// alerts) and the official schemas: `RAMPART_CAP_CORPUS`, or `../shared/corpora/cap`
/// beside the checkout.
fn corpus_dir() -> PathBuf {
    let dir = std::env::var_os("RAMPART_CAP_CORPUS").map(PathBuf::from).unwrap_or_else(|| {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../../shared/corpora/cap")
    });
    assert!(
        dir.join("schema/cap12.xsd").is_file(),
        "the CAP corpus is not at {} (set RAMPART_CAP_CORPUS to the folder with the alerts and schema/)",
        dir.display()
    );
    dir
}

fn corpus() -> Vec<(String, String)> {
    let dir = corpus_dir();
    let mut files: Vec<(String, String)> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "xml"))
        .map(|p| (p.file_name().unwrap().to_string_lossy().into_owned(), std::fs::read_to_string(&p).unwrap()))
        .collect();
    files.sort();
    files
}

#[test]
fn every_corpus_alert_reads_and_round_trips_losslessly() {
    let files = corpus();
    assert_eq!(files.len(), 15, "the corpus has 15 alerts");
    for (name, xml) in &files {
        let alert = cap::read(xml, Some(name)).unwrap_or_else(|e| panic!("{e}"));
        cap::validate(&alert).unwrap_or_else(|e| panic!("{name}: {e}"));
        let written = cap::write(&alert);
        let again = cap::read(&written, Some(name)).unwrap_or_else(|e| panic!("{name} written back: {e}\n{written}"));
        assert_eq!(again, alert, "{name}: parse → write → parse changed the alert");
        assert_eq!(
            cap::canonical(&written).unwrap(),
            cap::canonical(xml).unwrap(),
            "{name}: the written XML differs from the original beyond insignificant whitespace"
        );
    }
}

#[test]
fn corpus_facts() {
    let read = |name: &str| {
        let xml = std::fs::read_to_string(corpus_dir().join(name)).unwrap();
        cap::read(&xml, Some(name)).unwrap()
    };
    let a = read("v1dot2_appendix_adot3.xml");
    assert_eq!(a.version, CapVersion::V1_2);
    assert_eq!(a.msg_type, MsgType::Update);
    let refs = cap::parse_references(a.references.as_deref().unwrap()).unwrap();
    assert_eq!(refs[0].identifier, "TRI13970876.1");
    assert_eq!(a.infos[0].parameters.len(), 5);
    assert_eq!(a.infos[0].areas[0].circles, ["32.9525,-115.5527 0"]);
    let old = read("v1dot1_appendix_adot2.xml");
    assert_eq!(old.version, CapVersion::V1_1);
    assert_eq!(cap::parse_polygon(&old.infos[0].areas[0].polygons[0]).unwrap().len(), 5);
    assert_eq!(old.infos[0].areas[0].to_geo().0.len(), 1);
    let signed = read("ipaws-5e6dd9de023f1930ef6548d9.xml");
    assert_eq!(signed.signatures.len(), 1);
    assert!(signed.signatures[0].starts_with("<ds:Signature "));
    let ipaws = read("ipaws-5e6ddbad023f1930ef6c1a5a.xml");
    assert_eq!(ipaws.addresses.as_deref(), Some(""), "an empty element stays present and empty");
}

fn xmllint() -> PathBuf {
    let found = std::env::var_os("PATH")
        .into_iter()
        .flat_map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .map(|d| d.join("xmllint"))
        .find(|p| p.is_file());
    found.unwrap_or_else(|| {
        panic!("xmllint is not on PATH; install libxml2-utils (scripts/test.sh does) to check written CAP against the official schema")
    })
}

fn schema_check(xmllint: &Path, schema: &Path, file: &Path) -> Result<(), String> {
    let out = Command::new(xmllint).arg("--noout").arg("--schema").arg(schema).arg(file).output().unwrap();
    if out.status.success() {
        Ok(())
    } else {
        Err(String::from_utf8_lossy(&out.stderr).into_owned())
    }
}

#[test]
fn written_alerts_pass_the_official_schema() {
    let xmllint = xmllint();
    let dir = corpus_dir();
    let tmp = tempfile::tempdir().unwrap();
    for (name, xml) in corpus() {
        let alert = cap::read(&xml, Some(&name)).unwrap();
        let schema = match alert.version {
            CapVersion::V1_2 => dir.join("schema/cap12.xsd"),
            CapVersion::V1_1 => dir.join("schema/cap11.xsd"),
        };
        let out = tmp.path().join(&name);
        std::fs::write(&out, cap::write(&alert)).unwrap();
        schema_check(&xmllint, &schema, &out).unwrap_or_else(|e| panic!("{name}: {e}"));
    }
    // The check can fail: a written alert with an out-of-order element does not pass.
    let bad = tmp.path().join("bad.xml");
    std::fs::write(&bad, MINIMAL.replace("<status>Actual</status><msgType>Alert</msgType>", "<msgType>Alert</msgType><status>Actual</status>")).unwrap();
    assert!(schema_check(&xmllint, &dir.join("schema/cap12.xsd"), &bad).is_err());
}

const MINIMAL: &str = r#"<?xml version="1.0" encoding="UTF-8"?>
<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
  <identifier>RAMPART-T-1</identifier>
  <sender>ops@authority.example.eu</sender>
  <sent>2026-11-22T13:00:00+01:00</sent>
  <status>Actual</status><msgType>Alert</msgType>
  <scope>Public</scope>
  <info>
    <category>Infra</category>
    <event>Substation outage</event>
    <urgency>Expected</urgency>
    <severity>Severe</severity>
    <certainty>Likely</certainty>
    <area>
      <areaDesc>Rhine-Ruhr</areaDesc>
      <polygon>51.0,6.5 51.5,6.5 51.5,7.5 51.0,6.5</polygon>
    </area>
  </info>
</alert>
"#;

fn errors(xml: &str) -> Vec<String> {
    match cap::read(xml, Some("alert.xml")) {
        Ok(_) => vec![],
        Err(e) => e.0.iter().map(|e| e.to_string()).collect(),
    }
}

#[test]
fn the_minimal_alert_is_valid() {
    assert_eq!(errors(MINIMAL), Vec::<String>::new());
}

#[test]
fn broken_alerts_are_refused_with_place_and_expectation() {
    let cases: Vec<(String, Vec<&str>)> = vec![
        (
            MINIMAL.replace("  <identifier>RAMPART-T-1</identifier>\n", ""),
            vec!["alert.xml:3:3: alert: missing required element <identifier> before <sender>"],
        ),
        (
            MINIMAL.replace("<status>Actual</status>", "<status>Actul</status>"),
            vec![
                "alert.xml:6:3: alert/status: expected status to be one of Actual, Exercise, System, Test, Draft; found \"Actul\"",
            ],
        ),
        (
            MINIMAL.replace("51.0,6.5 51.5,6.5 51.5,7.5 51.0,6.5", "51.0,6.5 51.5,6.5 51.5,7.5 51.2,7.0"),
            vec![
                "alert.xml:16:7: alert/info[0]/area[0]/polygon[0]: expected a closed ring: the last point must repeat the first (51,6.5); found 51.2,7",
            ],
        ),
        (
            MINIMAL.replace("51.0,6.5 51.5,6.5 51.5,7.5 51.0,6.5", "51.0,6.5 51.5,6.5 51.0,6.5"),
            vec![
                "alert.xml:16:7: alert/info[0]/area[0]/polygon[0]: expected a closed ring of at least 4 \"lat,lon\" points; found 3 points",
            ],
        ),
        (
            MINIMAL.replace("2026-11-22T13:00:00+01:00", "2026-11-22T13:00:00Z"),
            vec![
                "alert.xml:5:3: alert/sent: expected a date and time with an explicit zone like 2026-11-22T13:05:00+01:00 (no \"Z\", no fractions of a second); found \"2026-11-22T13:00:00Z\"",
            ],
        ),
        (
            MINIMAL.replace("<scope>Public</scope>", "<scope>Restricted</scope>"),
            vec![
                "alert.xml:7:3: alert/scope: scope is Restricted, so <restriction> is required (the rule for restricted distribution)",
            ],
        ),
        (
            MINIMAL.replace("<scope>Public</scope>", "<scope>Private</scope>"),
            vec!["alert.xml:7:3: alert/scope: scope is Private, so <addresses> is required (the intended recipients)"],
        ),
        (
            MINIMAL.replace("<event>Substation outage</event>", "<event>Substation outage</event><colour>red</colour>"),
            vec![
                "alert.xml:10:37: alert/info[0]: <colour> is not a CAP element here; expected <responseType> or <urgency>",
            ],
        ),
        (
            MINIMAL.replace("<urgency>Expected</urgency>", "<urgency>Expected</urgncy>"),
            vec!["alert.xml:11:22: alert/info[0]/urgency: malformed XML: ill-formed document: expected `</urgency>`, but `</urgncy>` was found"],
        ),
        (
            MINIMAL.replace("<severity>Severe</severity>\n", "").replace("<certainty>", "<severity>Severe</severity><certainty>").replace("<urgency>Expected</urgency>", ""),
            vec!["alert.xml:12:9: alert/info[0]: missing required element <urgency> before <severity>"],
        ),
        (
            MINIMAL.replace("<category>Infra</category>", "<category>Infra</category><language>de</language>"),
            vec!["alert.xml:9:31: alert/info[0]: <language> is out of order; expected <category> or <event>"],
        ),
        (
            MINIMAL.replace("<sender>", "<sender colour=\"red\">"),
            vec!["alert.xml:4:3: alert/sender: unexpected attribute \"colour\"; CAP elements have no attributes"],
        ),
        ("<alert>hello</alert>".to_owned(), vec![
            "alert.xml:1:1: expected <alert> in namespace urn:oasis:names:tc:emergency:cap:1.2 (or urn:oasis:names:tc:emergency:cap:1.1); found <alert> in no namespace",
        ]),
    ];
    for (xml, expected) in cases {
        assert_eq!(errors(&xml), expected, "{xml}");
    }
}

#[test]
fn every_problem_is_reported_at_once() {
    let xml = MINIMAL
        .replace("<status>Actual</status>", "<status>Actul</status>")
        .replace("51.0,6.5 51.5,6.5 51.5,7.5 51.0,6.5", "51.0,6.5 51.5,6.5 51.0,6.5");
    assert_eq!(errors(&xml).len(), 1, "value rules run only on a structurally sound alert");
    let xml = MINIMAL
        .replace("2026-11-22T13:00:00+01:00", "yesterday")
        .replace("51.0,6.5 51.5,6.5 51.5,7.5 51.0,6.5", "51.0,6.5 51.5,6.5 51.0,6.5")
        .replace("<category>Infra</category>", "<language>en_GB</language><category>Infra</category>");
    assert_eq!(
        errors(&xml),
        [
            "alert.xml:5:3: alert/sent: expected a date and time with an explicit zone like 2026-11-22T13:05:00+01:00 (no \"Z\", no fractions of a second); found \"yesterday\"",
            "alert.xml:9:5: alert/info[0]/language: expected a language code like en-US or de (RFC 3066); found \"en_GB\"",
            "alert.xml:16:7: alert/info[0]/area[0]/polygon[0]: expected a closed ring of at least 4 \"lat,lon\" points; found 3 points",
        ]
    );
}

fn text() -> impl Strategy<Value = String> {
    // Printable text with the characters XML must escape, and line breaks.
    "[a-zA-Z0-9 <>&\"'.,;:\n\t-]{0,24}"
}

fn token() -> impl Strategy<Value = String> {
    "[A-Za-z0-9.@:_-]{1,16}"
}

fn time() -> impl Strategy<Value = String> {
    (2000u16..2100, 1u8..=12, 1u8..=28, 0u8..24, 0u8..60, 0u8..60, -12i8..=14, prop::sample::select(vec![0u8, 30, 45]))
        .prop_map(|(y, mo, d, h, mi, s, oh, om)| {
            let om = if oh == 14 { 0 } else { om };
            let sign = if oh < 0 { '-' } else { '+' };
            format!("{y:04}-{mo:02}-{d:02}T{h:02}:{mi:02}:{s:02}{sign}{:02}:{om:02}", oh.unsigned_abs())
        })
}

fn name_value() -> impl Strategy<Value = NameValue> {
    (text(), text()).prop_map(|(value_name, value)| NameValue { value_name, value })
}

fn polygon() -> impl Strategy<Value = String> {
    prop::collection::vec((-90.0f64..90.0, -180.0f64..180.0), 3..8).prop_map(|mut pts| {
        pts.push(pts[0]);
        pts.iter().map(|(la, lo)| format!("{la},{lo}")).collect::<Vec<_>>().join(" ")
    })
}

fn area() -> impl Strategy<Value = Area> {
    (
        text(),
        prop::collection::vec(polygon(), 0..3),
        prop::collection::vec((-90.0f64..90.0, -180.0f64..180.0, 0.0f64..500.0), 0..3),
        prop::collection::vec(name_value(), 0..3),
        prop::option::of((-1000i32..30000, prop::option::of(0i32..10000))),
    )
        .prop_map(|(area_desc, polygons, circles, geocodes, alt)| Area {
            area_desc,
            polygons,
            circles: circles.iter().map(|(la, lo, r)| format!("{la},{lo} {r}")).collect(),
            geocodes,
            altitude: alt.map(|(a, _)| a.to_string()),
            ceiling: alt.and_then(|(a, c)| c.map(|c| (a + c).to_string())),
        })
}

fn resource() -> impl Strategy<Value = Resource> {
    (text(), token(), prop::option::of(0u32..1_000_000), prop::option::of(text()), prop::option::of("[A-Za-z0-9+/=]{0,40}"))
        .prop_map(|(resource_desc, mime, size, uri, deref_uri)| Resource {
            resource_desc,
            mime_type: Some(mime),
            size: size.map(|s| s.to_string()),
            uri: uri.map(|u| u.replace([' ', '\n', '\t', '<', '>', '"'], "")),
            deref_uri,
            digest: None,
        })
}

fn info() -> impl Strategy<Value = Info> {
    (
        (
            prop::option::of(prop::sample::select(vec!["en-US", "de", "fr-BE", "es-419"])),
            prop::collection::vec(prop::sample::select(Category::ALL.to_vec()), 1..3),
            text(),
            prop::collection::vec(prop::sample::select(ResponseType::ALL.to_vec()), 0..3),
            prop::sample::select(Urgency::ALL.to_vec()),
            prop::sample::select(Severity::ALL.to_vec()),
            prop::sample::select(Certainty::ALL.to_vec()),
        ),
        (
            prop::collection::vec(name_value(), 0..3),
            prop::option::of(time()),
            prop::option::of(time()),
            prop::option::of(text()),
            prop::option::of(text()),
            prop::collection::vec(name_value(), 0..3),
            prop::collection::vec(resource(), 0..2),
            prop::collection::vec(area(), 0..3),
        ),
    )
        .prop_map(|((language, categories, event, response_types, urgency, severity, certainty), (event_codes, effective, expires, headline, description, parameters, resources, areas))| Info {
            language: language.map(str::to_owned),
            categories,
            event,
            response_types,
            urgency,
            severity,
            certainty,
            audience: None,
            event_codes,
            effective,
            onset: None,
            expires,
            sender_name: None,
            headline,
            description,
            instruction: None,
            web: None,
            contact: None,
            parameters,
            resources,
            areas,
        })
}

fn alert() -> impl Strategy<Value = Alert> {
    (
        (token(), token(), time(), prop::sample::select(Status::ALL.to_vec()), prop::sample::select(MsgType::ALL.to_vec())),
        (prop::sample::select(Scope::ALL.to_vec()), text(), prop::collection::vec(text(), 0..3), prop::option::of(text())),
        (prop::collection::vec((token(), token(), time()), 0..3), prop::collection::vec(info(), 0..3)),
    )
        .prop_map(|((identifier, sender, sent, status, msg_type), (scope, scope_text, codes, note), (refs, infos))| Alert {
            version: CapVersion::V1_2,
            namespace_declarations: vec![],
            identifier,
            sender,
            sent,
            status,
            msg_type,
            source: None,
            scope,
            restriction: (scope == Scope::Restricted).then(|| format!("r{scope_text}")),
            addresses: (scope == Scope::Private).then(|| format!("a{scope_text}")),
            codes,
            note,
            references: (!refs.is_empty())
                .then(|| refs.iter().map(|(s, i, t)| format!("{s},{i},{t}")).collect::<Vec<_>>().join(" ")),
            incidents: None,
            infos,
            signatures: vec![],
        })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]
    #[test]
    fn generated_valid_alerts_round_trip(a in alert()) {
        prop_assert_eq!(cap::validate(&a), Ok(()));
        let written = cap::write(&a);
        let again = cap::read(&written, None);
        prop_assert_eq!(again, Ok(a), "{}", written);
    }
}
