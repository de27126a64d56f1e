//! OpenStreetMap extracts through the tag mapping: the real Helsinki extract.

use crate::*;
use rampart_core::{AssetId, CountryCode, Geometry};
use rampart_formats::osm::{TagMapping, ATTRIBUTION};
use rampart_formats::{Format, OsmOptions};
use rampart_store::test_support::fresh;
use rampart_store::Backend;
use std::collections::BTreeMap;
use std::sync::Arc;

const HELSINKI: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpora/osm/Helsinki.osm.pbf");
const TEST_PBF: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/../../../shared/corpora/osm/test.osm.pbf");

fn finland() -> OsmOptions {
    OsmOptions { default_country: CountryCode::parse("FI").ok(), ..OsmOptions::default() }
}

/// How many assets of each sector or category, and polygons among them.
async fn tally(store: &Store) -> (BTreeMap<String, u64>, u64) {
    let mut by = BTreeMap::new();
    let mut polygons = 0;
    let mut cursor = None;
    loop {
        let page = store.list_assets(&AssetFilter::default(), &rampart_core::Scope::All, 500, cursor.as_deref()).await.expect("list");
        for a in &page.items {
            let a = &a.asset;
            let key = match (a.category, a.sector, a.subsector) {
                (Some(c), _, _) => c.key().to_string(),
                (None, Some(s), Some(sub)) => format!("{}/{}", s.key(), sub.key()),
                (None, Some(s), None) => s.key().to_string(),
                _ => "?".into(),
            };
            *by.entry(key).or_default() += 1;
            polygons += u64::from(matches!(a.geometry, Geometry::Polygon(_)));
            assert_eq!(a.attributes.get("source").and_then(|s| s.as_str()), Some(ATTRIBUTION), "{}", a.id);
        }
        match page.next_cursor {
            Some(c) => cursor = Some(c),
            None => return (by, polygons),
        }
    }
}

async fn get(store: &Store, id: &str) -> rampart_core::Asset {
    store.get_asset(&AssetId::parse(id).expect("id")).await.expect("get").unwrap_or_else(|| panic!("{id} imported")).asset
}

#[tokio::test]
async fn helsinki_extract() {
    let db = fresh(Backend::Sqlite).await;
    let source = Source::with_format(HELSINKI, Format::OsmPbf(finland()));
    let report = run(&db.store, &[source]).await.expect("import");
    assert_eq!((report.assets, report.warning_count, report.passes), (104, 4, 1));
    assert_eq!(report.skipped, BTreeMap::from([("multipolygon relation".to_string(), 3)]));
    let (by, polygons) = tally(&db.store).await;
    let expected: BTreeMap<String, u64> = [
        ("arena", 13),
        ("banking", 17),
        ("energy/electricity", 1),
        ("hospitality", 26),
        ("place_of_worship", 8),
        ("public_administration", 8),
        ("school", 10),
        ("shopping_centre", 5),
        ("tourist_site", 9),
        ("transport/public_transport", 2),
        ("transport/rail", 1),
        ("transport_hub", 4),
    ]
    .into_iter()
    .map(|(k, v)| (k.to_string(), v))
    .collect();
    assert_eq!(by, expected);
    assert_eq!(polygons, 30);
    assert_eq!(
        report.warnings[0].to_string(),
        format!("{HELSINKI}: way/17429106: geometry: 4 of the way's 23 nodes are outside the extract; imported as the centre of the others")
    );

    // The one substation has no name: the label and the element stand in.
    let substation = get(&db.store, "osm:way/644615094").await;
    assert_eq!(substation.name, "Substation way/644615094");
    assert!(matches!(substation.geometry, Geometry::Polygon(_)));
    let cathedral = get(&db.store, "osm:way/419479428").await;
    assert_eq!(cathedral.name, "Helsingin tuomiokirkko");
    assert_eq!(cathedral.attributes.get("denomination").and_then(|v| v.as_str()), Some("lutheran"));
    let station = get(&db.store, "osm:way/122595198").await;
    assert_eq!((station.kind.key(), station.category.map(|c| c.key()), station.subsector.map(|s| s.key())), ("public_space", Some("transport_hub"), Some("rail")));
    let metro = get(&db.store, "osm:node/418089207").await;
    assert_eq!((metro.name.as_str(), metro.subsector.map(|s| s.key())), ("Rautatientori", Some("public_transport")));
    assert_eq!(metro.geometry, Geometry::Point { lon: 24.9398457, lat: 60.1703844 });
    assert_eq!(metro.attributes.get("operator").and_then(|v| v.as_str()), Some("HKL"));
}

#[tokio::test]
async fn test_extract_and_the_country_of_elements() {
    // Without a default country, elements without addr:country are refused.
    let db = fresh(Backend::Sqlite).await;
    let source = Source::with_format(HELSINKI, Format::OsmPbf(OsmOptions::default()));
    let p = problems(&db.store, &[source]).await;
    assert_eq!(p.len(), 20);
    assert_eq!(
        p[0],
        format!("{HELSINKI}: node/25389429: country: no valid addr:country tag, and the position is in no known country: give a default country")
    );
    // A locating hook places the rest.
    let asked = Arc::new(std::sync::atomic::AtomicU64::new(0));
    let counter = asked.clone();
    let locate = Arc::new(move |lon: f64, lat: f64| {
        counter.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        ((24.0..26.0).contains(&lon) && (59.5..60.5).contains(&lat)).then(|| CountryCode::parse("FI").ok()).flatten()
    });
    let opts = OsmOptions { locate: Some(locate), ..OsmOptions::default() };
    let report = run(&db.store, &[Source::with_format(HELSINKI, Format::OsmPbf(opts))]).await.expect("import");
    assert_eq!(report.assets, 104);
    // 44 of the 104 elements have an addr:country tag.
    assert_eq!(asked.load(std::sync::atomic::Ordering::Relaxed), 60);

    let db = fresh(Backend::Sqlite).await;
    let report = run(&db.store, &[Source::with_format(TEST_PBF, Format::OsmPbf(finland()))]).await.expect("import");
    // The small test extract holds one school, partly outside the extract.
    assert_eq!((report.assets, report.warning_count), (1, 1));
    assert_eq!(
        report.warnings[0].to_string(),
        format!("{TEST_PBF}: way/180464603: geometry: 3 of the way's 8 nodes are outside the extract; imported as the centre of the others")
    );
    let school = get(&db.store, "osm:way/180464603").await;
    assert_eq!((school.name.as_str(), school.category.map(|c| c.key())), ("Helilän koulu", Some("school")));
    assert_eq!(school.geometry, Geometry::Point { lon: 26.9321208, lat: 60.5208277 });
}

#[tokio::test]
async fn mappings_can_be_overridden() {
    let custom = TagMapping::from_toml(
        r#"
        include_default = true
        attributes = ["cuisine"]

        [[rule]]
        label = "Restaurant"
        match = { amenity = ["restaurant", "cafe"] }
        category = "hospitality"

        [[rule]]
        label = "Bank"
        match = { amenity = "bank" }
        not = { name = "*" }
        sector = "financial_market"
        "#,
    )
    .expect("mapping");
    assert_eq!(custom.rules.len(), TagMapping::default().rules.len() + 2);
    let opts = OsmOptions { mapping: Arc::new(custom), ..finland() };
    let db = fresh(Backend::Sqlite).await;
    let report = run(&db.store, &[Source::with_format(HELSINKI, Format::OsmPbf(opts))]).await.expect("import");
    assert_eq!(report.assets, 104 + 214 + 89);

    let only = TagMapping::from_toml("[[rule]]\nlabel = \"Substation\"\nmatch = { power = \"substation\" }\nsector = \"energy\"\n").expect("mapping");
    let opts = OsmOptions { mapping: Arc::new(only), ..finland() };
    let db = fresh(Backend::Sqlite).await;
    assert_eq!(run(&db.store, &[Source::with_format(HELSINKI, Format::OsmPbf(opts))]).await.expect("import").assets, 1);

    let bad = "[[rule]]\nlabel = \"Plant\"\nmatch = { power = \"plant\" }\nsector = \"energy\"\nsubsector = \"rail\"\n";
    assert_eq!(
        TagMapping::from_toml(bad).expect_err("invalid").to_string(),
        "mapping: rule 1 (Plant): subsector: \"rail\" belongs to sector \"transport\""
    );
    let typo = "[[rule]]\nlabel = \"Plant\"\nmatchs = { power = \"plant\" }\n";
    assert!(TagMapping::from_toml(typo).expect_err("invalid").to_string().starts_with("mapping: TOML parse error at line 3, column 1"));
}
