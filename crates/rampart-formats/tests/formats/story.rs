//! Imports are all-or-nothing, checks write nothing, and exports read back into
//! the same registry — on SQLite and on PostgreSQL.

use crate::*;
use rampart_formats::{export_csv, export_geojson, ExportCounts, ExportScope, Progress};
use rampart_store::test_support::fresh;
use rampart_store::Backend;
use serde_json::json;
use std::sync::atomic::{AtomicU64, Ordering};

/// A small registry with every kind of record and field.
fn registry() -> Value {
    json!({
        "type": "FeatureCollection",
        "organisations": [
            {"id": "fi-grid", "name": "Fingrid Oyj", "kind": "operator", "country": "FI"},
            {"id": "fi-traficom", "name": "Traficom", "kind": "authority", "country": "FI"},
            {"id": "eu-ecip", "name": "EU CIP network", "kind": "network", "country": null}
        ],
        "features": [
            {"type": "Feature", "id": "FI-SUB-1", "geometry": point(24.9384, 60.1699),
             "properties": {"name": "Helsinki Central substation", "sector": "energy", "subsector": "electricity",
                            "country": "FI", "operator_id": "fi-grid", "people_served": 120000, "value_per_day": 2500000.0,
                            "restoration_hours": 72.5, "attributes": {"voltage_kv": 110, "source": "survey \"2024\""}}},
            {"type": "Feature", "id": "FI-SUB-2", "geometry": point(24.95, 60.2),
             "properties": {"name": "Pasila substation", "sector": "energy", "subsector": "electricity", "country": "FI"}},
            {"type": "Feature", "id": "FI-HOS-1",
             "geometry": {"type": "Polygon", "coordinates": [
                 [[24.90, 60.18], [24.91, 60.18], [24.91, 60.19], [24.90, 60.19], [24.90, 60.18]],
                 [[24.902, 60.182], [24.904, 60.182], [24.904, 60.184], [24.902, 60.182]]]},
             "properties": {"name": "Meilahti hospital, Tower", "kind": "infrastructure", "sector": "health", "country": "FI",
                            "people_served": 500000, "value_per_day": 0.1}},
            {"type": "Feature", "id": "osm:way/42", "geometry": point(24.927, 60.187),
             "properties": {"name": "Olympic Stadium", "kind": "public_space", "category": "stadium", "country": "FI",
                            "peak_occupancy": 36200, "attributes": {"source": "© OpenStreetMap contributors"}}},
            {"type": "Feature", "id": "EE-SUB-1", "geometry": point(24.75, 59.44),
             "properties": {"name": "Tallinn substation", "sector": "energy", "subsector": "electricity", "country": "EE"}},
            {"type": "Feature", "geometry": null,
             "properties": {"feature_type": "dependency", "supplier_id": "FI-SUB-1", "dependent_id": "FI-HOS-1",
                            "service": "electricity", "k": 1, "n": 2, "buffer_hours": 24}},
            {"type": "Feature", "geometry": null,
             "properties": {"feature_type": "dependency", "supplier_id": "FI-SUB-2", "dependent_id": "FI-HOS-1", "service": "electricity"}},
            {"type": "Feature", "geometry": null,
             "properties": {"feature_type": "link", "network": "grid", "from_id": "EE-SUB-1", "to_id": "FI-SUB-1",
                            "capacity": 1016.5, "length_km": 170}},
            {"type": "Feature", "geometry": null,
             "properties": {"feature_type": "link", "network": "grid", "from_id": "FI-SUB-1", "to_id": "FI-SUB-2"}}
        ]
    })
}

/// The registry as text, organisations before the features (a `Value` would
/// sort its keys and put them last).
fn registry_text() -> String {
    let v = registry();
    format!("{{\"type\": \"FeatureCollection\", \"organisations\": {}, \"features\": {}}}", v["organisations"], v["features"])
}

async fn geojson_export(store: &Store) -> (String, ExportCounts) {
    let mut out = Vec::new();
    let counts = export_geojson(store, &ExportScope::all(), &mut out).await.expect("export");
    (String::from_utf8(out).expect("UTF-8"), counts)
}

fn read_dir(dir: &std::path::Path) -> Vec<(String, String)> {
    Table::ALL
        .iter()
        .map(|t| (t.file_name().to_string(), std::fs::read_to_string(dir.join(t.file_name())).expect("exported file")))
        .collect()
}

async fn round_trip(backend: Backend) {
    let first = fresh(backend).await;
    let report = run(&first.store, &[geojson_text("registry.geojson", &registry_text())]).await.expect("import");
    assert_eq!((report.organisations, report.assets, report.dependencies, report.links, report.passes), (3, 5, 2, 2, 1));
    let (exported, counts) = geojson_export(&first.store).await;
    assert_eq!(counts, ExportCounts { organisations: 3, assets: 5, dependencies: 2, links: 2 });
    let lines: Vec<&str> = exported.lines().collect();
    assert_eq!(lines[0], "{\"type\":\"FeatureCollection\",\"organisations\":[");
    assert_eq!(lines[1], "{\"country\":null,\"id\":\"eu-ecip\",\"kind\":\"network\",\"name\":\"EU CIP network\"},");
    assert_eq!(
        lines[5],
        "{\"geometry\":{\"coordinates\":[24.75,59.44],\"type\":\"Point\"},\"id\":\"EE-SUB-1\",\"properties\":{\"attributes\":{},\
         \"country\":\"EE\",\"kind\":\"infrastructure\",\"name\":\"Tallinn substation\",\"sector\":\"energy\",\"subsector\":\"electricity\"},\
         \"type\":\"Feature\"},"
    );
    assert_eq!(
        lines[10],
        "{\"geometry\":{\"coordinates\":[[24.9384,60.1699],[24.905034013605437,60.185047619047616]],\"type\":\"LineString\"},\
         \"properties\":{\"buffer_hours\":24.0,\"dependent_id\":\"FI-HOS-1\",\"feature_type\":\"dependency\",\"k\":1,\"n\":2,\
         \"service\":\"electricity\",\"supplier_id\":\"FI-SUB-1\"},\"type\":\"Feature\"},"
    );

    // The export imports into an empty registry and exports to the same text.
    let second = fresh(backend).await;
    run(&second.store, &[geojson_text("export.geojson", &exported)]).await.expect("re-import");
    assert_eq!(geojson_export(&second.store).await.0, exported);

    // The same through the four CSV files.
    let dir = tempfile::tempdir().expect("dir");
    let counts = export_csv(&second.store, &ExportScope::all(), dir.path()).await.expect("CSV export");
    assert_eq!(counts, ExportCounts { organisations: 3, assets: 5, dependencies: 2, links: 2 });
    let files = read_dir(dir.path());
    assert_eq!(files[1].1.lines().next(), Some("id,name,kind,sector,subsector,category,lon,lat,geometry,country,operator_id,people_served,peak_occupancy,value_per_day,restoration_hours,attributes"));
    assert!(files[1].1.contains("\nFI-SUB-1,Helsinki Central substation,infrastructure,energy,electricity,,24.9384,60.1699,,FI,fi-grid,120000,,2500000,72.5,\"{\"\"source\"\":\"\"survey \\\"\"2024\\\"\"\"\",\"\"voltage_kv\"\":110}\"\n"), "{}", files[1].1);
    let sources: Vec<Source> = Table::ALL.iter().rev().map(|t| Source::path(dir.path().join(t.file_name())).expect("detected")).collect();
    let third = fresh(backend).await;
    let report = run(&third.store, &sources).await.expect("CSV import");
    assert_eq!((report.organisations, report.assets, report.dependencies, report.links, report.passes), (3, 5, 2, 2, 1));
    let again = tempfile::tempdir().expect("dir");
    export_csv(&third.store, &ExportScope::all(), again.path()).await.expect("CSV export");
    assert_eq!(read_dir(again.path()), files);
    assert_eq!(geojson_export(&third.store).await.0, exported);
}

#[tokio::test]
async fn round_trip_on_sqlite() {
    round_trip(Backend::Sqlite).await;
}

#[tokio::test]
async fn round_trip_on_postgres() {
    round_trip(Backend::Postgres).await;
}

/// 12,000 assets, written in batches of 5,000; the last one is refused.
async fn all_or_nothing(backend: Backend) {
    let db = fresh(backend).await;
    run(&db.store, &[geojson("seed.geojson", &collection(vec![asset("SEED-1", 25.0, 60.0)]))]).await.expect("seed");
    let mut features: Vec<Value> = (0..11_999).map(|i| asset(&format!("BIG-{i:05}"), 25.0, 60.0)).collect();
    features.push(asset("SEED-1", 25.0, 60.0));
    let big = geojson("big.geojson", &collection(features.clone()));
    assert_eq!(problems(&db.store, &[big]).await, vec!["big.geojson: features[11999].id: an asset with id \"SEED-1\" is already in the registry"]);
    assert_eq!(count(&db.store).await, 1);

    let last = features.len() - 1;
    features[last] = asset("BIG-LAST", 25.0, 91.0);
    let big = geojson("big.geojson", &collection(features));
    assert_eq!(problems(&db.store, std::slice::from_ref(&big)).await, vec!["big.geojson: features[11999].geometry.coordinates: latitude must be within ±90, found 91"]);
    assert_eq!(count(&db.store).await, 1);
    assert_eq!(db.store.list_dependencies(None, 10, None).await.expect("deps").items.len(), 0);
}

#[tokio::test]
async fn all_or_nothing_on_sqlite() {
    all_or_nothing(Backend::Sqlite).await;
}

#[tokio::test]
async fn all_or_nothing_on_postgres() {
    all_or_nothing(Backend::Postgres).await;
}

#[derive(Default)]
struct Recorder {
    bytes: AtomicU64,
    records: AtomicU64,
    starts: AtomicU64,
}

impl Progress for Recorder {
    fn start(&self, _what: &str, _total: u64) {
        self.starts.fetch_add(1, Ordering::Relaxed);
    }
    fn advance(&self, bytes: u64, records: u64) {
        self.bytes.fetch_add(bytes, Ordering::Relaxed);
        self.records.fetch_add(records, Ordering::Relaxed);
    }
}

#[tokio::test]
async fn check_reports_and_writes_nothing() {
    let db = fresh(Backend::Sqlite).await;
    let text = registry_text();
    let progress = Recorder::default();
    let check = ImportOptions { check: true, ..opts() };
    let report = import(&db.store, &[geojson_text("registry.geojson", &text)], &check, &progress).await.expect("check");
    assert_eq!((report.organisations, report.assets, report.dependencies, report.links, report.committed), (3, 5, 2, 2, false));
    assert!(report.to_string().starts_with("checked, nothing written: 3 organisations, 5 assets, 2 dependencies, 2 network links in "));
    assert_eq!(count(&db.store).await, 0);
    assert_eq!(db.store.list_organisations().await.expect("orgs").len(), 0);
    assert_eq!(db.store.list_links(None, 10, None).await.expect("links").items.len(), 0);
    assert_eq!(progress.bytes.load(Ordering::Relaxed), text.len() as u64);
    assert_eq!(progress.records.load(Ordering::Relaxed), 12);

    // The same input, really imported.
    let report = run(&db.store, &[geojson_text("registry.geojson", &text)]).await.expect("import");
    assert!(report.committed);
    assert_eq!(count(&db.store).await, 5);
}

#[tokio::test]
async fn input_out_of_write_order_is_written_in_three_passes() {
    // Dependencies and links before their assets, organisations after the features.
    let mut v = registry();
    let orgs = v["organisations"].take();
    let mut features = v["features"].as_array().cloned().unwrap_or_default();
    features.rotate_left(5);
    let text = format!("{{\"features\": {}, \"type\": \"FeatureCollection\", \"organisations\": {orgs}}}", Value::Array(features));
    let db = fresh(Backend::Sqlite).await;
    let report = run(&db.store, &[geojson_text("shuffled.geojson", &text)]).await.expect("import");
    assert_eq!((report.organisations, report.assets, report.dependencies, report.links, report.passes), (3, 5, 2, 2, 3));
    let ordered = fresh(Backend::Sqlite).await;
    run(&ordered.store, &[geojson_text("registry.geojson", &registry_text())]).await.expect("import");
    let (a, b) = (geojson_export(&db.store).await.0, geojson_export(&ordered.store).await.0);
    // Dependency and link order follows the input; compare as sets of lines.
    let mut a: Vec<&str> = a.lines().map(|l| l.trim_end_matches(',')).collect();
    let mut b: Vec<&str> = b.lines().map(|l| l.trim_end_matches(',')).collect();
    a.sort();
    b.sort();
    assert_eq!(a, b);
}

#[tokio::test]
async fn references_to_the_registry_and_attr_columns() {
    let db = fresh(Backend::Sqlite).await;
    run(&db.store, &[geojson_text("registry.geojson", &registry_text())]).await.expect("import");
    let assets = "id,name,category,country,lon,lat,attr.capacity,attr.roof,attr.note,operator_id\n\
                  FI-ARENA-1,Helsinki Hall,arena,FI,24.92,60.2,13349,true,\"opened 1997\",fi-grid\n";
    let deps = "supplier_id,dependent_id,service,k,n,buffer_hours\nFI-SUB-2,FI-ARENA-1,electricity,1,1,4\n";
    let report = run(&db.store, &[csv("deps.csv", Table::Dependencies, deps), csv("arena.csv", Table::Assets, assets)]).await.expect("import");
    assert_eq!((report.assets, report.dependencies, report.passes), (1, 1, 1));
    let a = db.store.get_asset(&rampart_core::AssetId::parse("FI-ARENA-1").expect("id")).await.expect("get").expect("stored");
    assert_eq!(Value::Object(a.asset.attributes), json!({"capacity": 13349, "roof": true, "note": "opened 1997"}));
    assert_eq!(a.asset.kind, rampart_core::Kind::PublicSpace);
    assert_eq!(a.updated_by, "importer");
    assert_eq!(db.store.asset_history(&a.asset.id, 5).await.expect("history")[0].action, "import");
}

#[tokio::test]
async fn existing_dependencies_and_links_are_named() {
    let db = fresh(Backend::Sqlite).await;
    run(&db.store, &[geojson_text("registry.geojson", &registry_text())]).await.expect("import");
    let deps = "supplier_id,dependent_id,service\nFI-SUB-2,EE-SUB-1,electricity\nFI-SUB-1,FI-HOS-1,electricity\n";
    assert_eq!(
        problems(&db.store, &[csv("dependencies.csv", Table::Dependencies, deps)]).await,
        vec!["dependencies.csv: line 3, column dependent_id: FI-HOS-1 already depends on FI-SUB-1 for electricity in the registry"]
    );
    let links = "network,from_id,to_id\ngrid,FI-SUB-1,FI-SUB-2\n";
    assert_eq!(
        problems(&db.store, &[csv("links.csv", Table::Links, links)]).await,
        vec!["links.csv: line 2, column to_id: a grid link from FI-SUB-1 to FI-SUB-2 is already in the registry"]
    );
    assert_eq!(db.store.list_dependencies(None, 10, None).await.expect("deps").items.len(), 2);
}

#[tokio::test]
async fn formats_follow_from_names_and_headers() {
    let kind = |name: &str, text: &str| match Source::detect_bytes(name, text.as_bytes().to_vec()) {
        Ok(s) => format!("{:?}", s.format).split('(').next().unwrap_or("").to_string() + &match s.format {
            Format::Csv(t) => format!(" {t:?}"),
            _ => String::new(),
        },
        Err(e) => e.to_string(),
    };
    assert_eq!(kind("upload.geojson", "{}"), "GeoJson");
    assert_eq!(kind("de-grid.csv", "supplier_id,dependent_id,service\n"), "Csv Dependencies");
    assert_eq!(kind("export/links.csv", "a,b\n"), "Csv Links");
    assert_eq!(kind("sites.csv", "id,name,country,lon,lat\n"), "Csv Assets");
    assert_eq!(kind("who.csv", "id,name,kind,country\n"), "Csv Organisations");
    assert_eq!(kind("notes.csv", "x,y\n"), "notes.csv: cannot tell which table this CSV file holds: name it assets.csv, dependencies.csv, links.csv or organisations.csv");
    assert_eq!(kind("data.xlsx", ""), "data.xlsx: cannot tell the format: expected a .geojson, .json, .csv or .osm.pbf file");
}

#[tokio::test]
async fn spreadsheet_csv_with_semicolons_and_byte_order_mark() {
    let db = fresh(Backend::Sqlite).await;
    let rows = "\u{feff}id;name;sector;country;lon;lat;attr.note\nDE-SUB-1;Umspannwerk Mitte;energy;DE;13.4;52.5;\"a; b\"\n";
    let report = run(&db.store, &[csv("anlagen-assets.csv", Table::Assets, rows)]).await.expect("import");
    assert_eq!(report.assets, 1);
    let a = db.store.get_asset(&rampart_core::AssetId::parse("DE-SUB-1").expect("id")).await.expect("get").expect("stored");
    assert_eq!((a.asset.name.as_str(), a.asset.attributes.get("note")), ("Umspannwerk Mitte", Some(&json!("a; b"))));
    let geo = format!("\u{feff}{}", collection(vec![asset("FI-BOM-1", 24.0, 60.0)]));
    assert_eq!(run(&db.store, &[geojson_text("bom.geojson", &geo)]).await.expect("import").assets, 1);
    let decimal_comma = "id;name;sector;country;lon;lat\nDE-SUB-2;Umspannwerk Ost;energy;DE;13,5;52,5\n";
    assert_eq!(
        problems(&db.store, &[csv("assets.csv", Table::Assets, decimal_comma)]).await,
        vec![
            "assets.csv: line 2, column lon: expected a number of degrees, found \"13,5\"",
            "assets.csv: line 2, column lat: expected a number of degrees, found \"52,5\"",
        ]
    );
}
