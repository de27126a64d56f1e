//! Bad input is refused with a message naming file, feature or line, and field,
//! and nothing is written.

use crate::*;
use rampart_store::test_support::fresh;
use rampart_store::Backend;
use serde_json::json;

async fn one_problem(sources: &[Source]) -> String {
    let db = fresh(Backend::Sqlite).await;
    let p = problems(&db.store, sources).await;
    assert_eq!(count(&db.store).await, 0, "nothing is written");
    assert_eq!(p.len(), 1, "{p:#?}");
    p[0].clone()
}

fn with_geometry(g: Value) -> Value {
    let mut f = asset("A-1", 0.0, 0.0);
    f["geometry"] = g;
    collection(vec![f])
}

#[tokio::test]
async fn malformed_json_names_line_and_column() {
    let text = "{\"type\": \"FeatureCollection\",\n \"features\": [\n  {\"type\": \"Feature\", \"properties\": {},}\n ]}";
    assert_eq!(one_problem(&[geojson_text("assets.geojson", text)]).await, "assets.geojson: line 3, column 40: trailing comma");
    let truncated = "{\"type\": \"FeatureCollection\", \"features\": [";
    assert_eq!(one_problem(&[geojson_text("cut.geojson", truncated)]).await, "cut.geojson: line 1, column 43: EOF while parsing a list");
    assert_eq!(
        one_problem(&[geojson_text("list.geojson", "[1, 2]")]).await,
        "list.geojson: line 1, column 1: invalid type: sequence, expected a GeoJSON FeatureCollection object"
    );
}

#[tokio::test]
async fn country_name_instead_of_code() {
    let mut features: Vec<Value> = (0..13).map(|i| asset(&format!("A-{i}"), 10.0, 50.0)).collect();
    features[12]["properties"]["country"] = json!("Germany");
    let db = fresh(Backend::Sqlite).await;
    let err = run(&db.store, &[geojson("assets.geojson", &collection(features.clone()))]).await.expect_err("invalid");
    assert_eq!(
        serde_json::to_value(&err.issues()[0]).expect("JSON"),
        json!({"file": "assets.geojson", "position": "features[12]", "field": "properties.country",
               "message": "expected an ISO 3166-1 alpha-2 country code such as \"DE\", found \"Germany\"",
               "text": "assets.geojson: features[12].properties.country: expected an ISO 3166-1 alpha-2 country code such as \"DE\", found \"Germany\""})
    );
    assert_eq!(
        one_problem(&[geojson("assets.geojson", &collection(features))]).await,
        "assets.geojson: features[12].properties.country: expected an ISO 3166-1 alpha-2 country code such as \"DE\", found \"Germany\""
    );
}

#[tokio::test]
async fn geometry_problems_name_the_position() {
    assert_eq!(
        one_problem(&[geojson("a.geojson", &with_geometry(point(10.0, 91.0)))]).await,
        "a.geojson: features[0].geometry.coordinates: latitude must be within ±90, found 91"
    );
    let unclosed = json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 0], [1, 1], [0, 1]]]});
    assert_eq!(
        one_problem(&[geojson("a.geojson", &with_geometry(unclosed))]).await,
        "a.geojson: features[0].geometry.coordinates[0]: the ring is not closed: its first and last positions differ"
    );
    let bow_tie = json!({"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]});
    assert_eq!(
        one_problem(&[geojson("a.geojson", &with_geometry(bow_tie))]).await,
        "a.geojson: features[0].geometry.coordinates[0]: the ring intersects itself (segments 0 and 2)"
    );
    let line = json!({"type": "LineString", "coordinates": [[0, 0], [1, 1]]});
    assert_eq!(
        one_problem(&[geojson("a.geojson", &with_geometry(line))]).await,
        "a.geojson: features[0].geometry.type: expected \"Point\" or \"Polygon\", found \"LineString\""
    );
}

#[tokio::test]
async fn unknown_sector_and_property() {
    let mut f = asset("A-1", 0.0, 0.0);
    f["properties"]["sector"] = json!("nuclear");
    f["properties"]["subsector"] = Value::Null;
    assert_eq!(
        one_problem(&[geojson("a.geojson", &collection(vec![f]))]).await,
        "a.geojson: features[0].properties.sector: unknown sector \"nuclear\"; expected one of: energy, transport, banking, \
         financial_market, health, drinking_water, waste_water, digital, public_administration, space, food"
    );
    let mut f = asset("A-1", 0.0, 0.0);
    f["properties"]["voltage"] = json!(110);
    assert_eq!(
        one_problem(&[geojson("a.geojson", &collection(vec![f]))]).await,
        "a.geojson: features[0].properties.voltage: unknown property; expected one of: id, name, kind, sector, subsector, \
         category, country, operator_id, people_served, peak_occupancy, value_per_day, restoration_hours, attributes \
         (free attributes go under \"attributes\")"
    );
}

#[tokio::test]
async fn every_bad_field_of_a_feature_is_named() {
    let mut f = asset("A-1", 0.0, 0.0);
    f["properties"]["country"] = json!("XX");
    f["properties"]["people_served"] = json!(-3);
    let db = fresh(Backend::Sqlite).await;
    assert_eq!(
        problems(&db.store, &[geojson("a.geojson", &collection(vec![f]))]).await,
        vec![
            "a.geojson: features[0].properties.country: expected an ISO 3166-1 alpha-2 country code such as \"DE\", found \"XX\"",
            "a.geojson: features[0].properties.people_served: expected a whole number >= 0, found -3",
        ]
    );
}

fn dependency(supplier: &str, dependent: &str) -> Value {
    json!({"type": "Feature", "geometry": null, "properties": {"feature_type": "dependency",
           "supplier_id": supplier, "dependent_id": dependent, "service": "electricity"}})
}

#[tokio::test]
async fn dependencies_on_missing_assets_and_on_themselves() {
    let file = collection(vec![asset("A-1", 0.0, 0.0), dependency("A-1", "A-1"), dependency("NOPE", "A-1")]);
    let db = fresh(Backend::Sqlite).await;
    assert_eq!(
        problems(&db.store, &[geojson("deps.geojson", &file)]).await,
        vec![
            "deps.geojson: features[1].properties.dependent_id: an asset cannot depend on itself",
            "deps.geojson: features[2].properties.supplier_id: no asset with id \"NOPE\" in the input or the registry",
        ]
    );
    // The same from CSV, against an asset that is already in the registry.
    run(&db.store, &[geojson("a.geojson", &collection(vec![asset("A-1", 0.0, 0.0)]))]).await.expect("import");
    let deps = "supplier_id,dependent_id,service\nA-1,GONE,water\n";
    assert_eq!(
        problems(&db.store, &[csv("dependencies.csv", Table::Dependencies, deps)]).await,
        vec!["dependencies.csv: line 2, column dependent_id: no asset with id \"GONE\" in the input or the registry"]
    );
    let links = "network,from_id,to_id\ngrid,A-1,A-1\n";
    assert_eq!(
        problems(&db.store, &[csv("links.csv", Table::Links, links)]).await,
        vec!["links.csv: line 2, column to_id: a link cannot connect an asset to itself"]
    );
}

#[tokio::test]
async fn duplicate_ids_name_both_places() {
    let geo = geojson("a.geojson", &collection(vec![asset("A-1", 0.0, 0.0), asset("A-2", 0.0, 0.0)]));
    let rows = "id,name,sector,country,lon,lat\nB-1,B,health,FI,24.9,60.2\nA-2,Again,health,FI,24.9,60.2\n";
    let db = fresh(Backend::Sqlite).await;
    assert_eq!(
        problems(&db.store, &[geo.clone(), csv("more-assets.csv", Table::Assets, rows)]).await,
        vec!["more-assets.csv: line 3, column id: duplicate asset id \"A-2\", first at a.geojson: features[1]"]
    );
    // An id already in the registry.
    run(&db.store, std::slice::from_ref(&geo)).await.expect("import");
    assert_eq!(
        problems(&db.store, &[geojson("b.geojson", &collection(vec![asset("A-3", 0.0, 0.0), asset("A-1", 0.0, 0.0)]))]).await,
        vec!["b.geojson: features[1].id: an asset with id \"A-1\" is already in the registry"]
    );
    let dup_dep = collection(vec![dependency("A-1", "A-2"), dependency("A-1", "A-2")]);
    assert_eq!(
        problems(&db.store, &[geojson("d.geojson", &dup_dep)]).await,
        vec!["d.geojson: features[1].properties.dependent_id: duplicate dependency: A-2 depends on A-1 for electricity already at d.geojson: features[0]"]
    );
}

#[tokio::test]
async fn csv_columns_lines_and_cells() {
    let rows = "id,name,sectr,country,lon,lat\nA,a,energy,FI,1,2\n";
    assert_eq!(
        one_problem(&[csv("assets.csv", Table::Assets, rows)]).await,
        "assets.csv: line 1, column sectr: unknown column; expected one of: id, name, kind, sector, subsector, category, lon, lat, \
         geometry, country, operator_id, people_served, peak_occupancy, value_per_day, restoration_hours, attributes, \
         or attr.<name> for a free attribute"
    );
    let rows = "id,name,sector,country,lon,lat\nA,a,energy,FI,24.9,60.2\nB,b,energy,FI,24.9,91\n";
    assert_eq!(one_problem(&[csv("assets.csv", Table::Assets, rows)]).await, "assets.csv: line 3, column lat: latitude must be within ±90, found 91");
    let rows = "id,name,sector,country,lon,lat\nA,a,energy,FI,east,60\n";
    assert_eq!(one_problem(&[csv("assets.csv", Table::Assets, rows)]).await, "assets.csv: line 2, column lon: expected a number of degrees, found \"east\"");
    let rows = "id,name,sector,country,lon,lat\nA,a,energy,FI,24.9\n";
    assert_eq!(one_problem(&[csv("assets.csv", Table::Assets, rows)]).await, "assets.csv: line 2: found 5 cells, but the header has 6 columns");
    let rows = "id,name,sector,country,geometry\n\"A\",\"Plant\",energy,FI,\"{\"\"type\"\":\"\"Polygon\"\",\"\"coordinates\"\":[[[0,0],[1,0],[1,1],[0,1]]]}\"\n";
    assert_eq!(
        one_problem(&[csv("assets.csv", Table::Assets, rows)]).await,
        "assets.csv: line 2, column geometry: the ring is not closed: its first and last positions differ"
    );
    let rows = "id,name,kind,country\nde-bbk,BBK,authority,Germany\n";
    assert_eq!(
        one_problem(&[csv("organisations.csv", Table::Organisations, rows)]).await,
        "organisations.csv: line 2, column country: expected an ISO 3166-1 alpha-2 country code such as \"DE\", found \"Germany\""
    );
}

#[tokio::test]
async fn unknown_operator_is_named() {
    let mut f = asset("A-1", 0.0, 0.0);
    f["properties"]["operator_id"] = json!("op-nobody");
    assert_eq!(
        one_problem(&[geojson("a.geojson", &collection(vec![f]))]).await,
        "a.geojson: features[0].properties.operator_id: no organisation with id \"op-nobody\" in the input or the registry"
    );
}

#[tokio::test]
async fn errors_stop_after_twenty() {
    let features: Vec<Value> = (0..50).map(|i| {
        let mut f = asset(&format!("A-{i}"), 0.0, 0.0);
        f["properties"]["country"] = json!("ZZ");
        f
    }).collect();
    let db = fresh(Backend::Sqlite).await;
    match run(&db.store, &[geojson("a.geojson", &collection(features))]).await {
        Err(e @ ImportError::Invalid { .. }) => {
            assert_eq!(e.issues().len(), 20);
            assert!(e.to_string().ends_with("\n(stopped after 20 problems)"), "{e}");
        }
        other => panic!("expected invalid input, got {other:?}"),
    }
}
