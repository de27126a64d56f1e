use crate::data::{world, SCOPE};
use crate::{generate, Chunk, GenConfig, Stats};
use rampart_core::{Asset, Dependency, NetworkLink, Organisation};
use std::collections::{HashMap, HashSet};
use std::convert::Infallible;
use std::sync::OnceLock;

fn run(assets: u64, seed: u64, threads: usize) -> (Vec<Chunk>, Stats) {
    run_cfg(&GenConfig { threads, ..GenConfig::new(assets, seed) })
}

fn run_cfg(cfg: &GenConfig) -> (Vec<Chunk>, Stats) {
    let mut chunks = Vec::new();
    let stats = generate(cfg, |c| {
        chunks.push(c);
        Ok::<(), Infallible>(())
    });
    match stats {
        Ok(s) => (chunks, s),
        Err(e) => match e {},
    }
}

/// One 10,000-asset registry shared by the tests that only look at it.
fn small() -> &'static (Vec<Chunk>, Stats) {
    static SMALL: OnceLock<(Vec<Chunk>, Stats)> = OnceLock::new();
    SMALL.get_or_init(|| run(10_000, 7, 2))
}

fn assets(chunks: &[Chunk]) -> impl Iterator<Item = &Asset> {
    chunks.iter().flat_map(|c| c.assets.iter())
}

fn serialised(chunks: &[Chunk]) -> String {
    let mut s = String::new();
    for c in chunks {
        for o in &c.organisations {
            s.push_str(&o.to_json().to_string());
            s.push('\n');
        }
        for a in &c.assets {
            s.push_str(&serde_json::Value::Object(a.to_json()).to_string());
            s.push('\n');
        }
        for d in &c.dependencies {
            s.push_str(&d.to_json().to_string());
            s.push('\n');
        }
        for l in &c.links {
            s.push_str(&l.to_json().to_string());
            s.push('\n');
        }
    }
    s
}

#[test]
fn reference_data_loads() {
    let w = world();
    assert_eq!(w.scope.len(), 40);
    assert!(w.cities.len() > 50_000, "{} places", w.cities.len());
    for sc in &w.scope {
        assert!(sc.shape.is_some(), "{} has no border polygon", sc.code);
        assert!(!sc.cities.is_empty(), "{} has no places", sc.code);
    }
    let city = |name: &str| w.cities.iter().find(|c| c.name == name);
    assert_eq!(city("Marseille").map(|c| c.coastal), Some(true));
    assert_eq!(city("Paris").map(|c| c.coastal), Some(false));
    assert_eq!(city("Berlin").map(|c| c.coastal), Some(false));
    let pair = |a: &str, b: &str| {
        let (a, b) = (SCOPE.iter().position(|c| *c == a), SCOPE.iter().position(|c| *c == b));
        w.neighbours.iter().find(|n| Some(n.a) == a && Some(n.b) == b).map(|n| n.land)
    };
    assert_eq!(pair("DE", "FR"), Some(true));
    assert_eq!(pair("DE", "PL"), Some(true));
    assert_eq!(pair("ES", "FR"), Some(true));
    assert_eq!(pair("FI", "SE"), Some(true));
    assert_eq!(pair("EE", "FI"), Some(false));
    assert_eq!(pair("FR", "GB"), Some(false));
    assert_eq!(pair("DE", "IT"), None, "Germany and Italy do not touch");
    assert_eq!(pair("CY", "GR"), None);
}

#[test]
fn banded_point_in_polygon_agrees_with_geo() {
    use geo::Contains;
    let w = world();
    let mut checked = 0;
    for (k, c) in w.cities.iter().enumerate().step_by(97) {
        let shape = &w.shapes[w.scope[c.country].shape.unwrap_or(0)];
        for (dx, dy) in [(0.0, 0.0), (0.05, 0.02), (-0.03, 0.07), (0.2, -0.1)] {
            let (x, y) = (c.lon + dx, c.lat + dy);
            let exact = shape.polygon.contains(&geo::Point::new(x, y));
            assert_eq!(shape.contains(x, y), exact, "place {k} {} offset ({dx}, {dy})", c.name);
            checked += 1;
        }
    }
    assert!(checked > 2000);
}

#[test]
fn requested_size_is_met_exactly() {
    assert_eq!(small().1.assets, 10_000);
    assert_eq!(assets(&small().0).count(), 10_000);
    let (chunks, stats) = run(25_000, 1, 0);
    assert_eq!(stats.assets, 25_000);
    assert_eq!(assets(&chunks).count(), 25_000);
    let (chunks, stats) = run(1, 1, 1);
    assert_eq!((stats.assets, assets(&chunks).count()), (1, 1));
    let (_, stats) = run(0, 1, 1);
    assert_eq!(stats.assets, 0);
}

#[test]
fn same_seed_same_registry_whatever_the_threads() {
    // The shared registry was made with two worker threads.
    let (one, _) = run(10_000, 7, 1);
    let reference = serialised(&small().0);
    assert_eq!(serialised(&one), reference);
    let (other, _) = run(10_000, 8, 2);
    assert_ne!(serialised(&other), reference);
}

#[test]
fn ids_are_unique_and_readable() {
    let mut seen = HashSet::new();
    for a in assets(&small().0) {
        let id = a.id.as_str();
        assert!(seen.insert(id.to_string()), "duplicate id {id}");
        let parts: Vec<&str> = id.split('-').collect();
        assert_eq!(parts.len(), 3, "{id}");
        assert_eq!(parts[0], a.country.as_str());
        assert_eq!(parts[1].len(), 3, "{id}");
        assert!(parts[2].len() >= 6 && parts[2].chars().all(|c| c.is_ascii_digit()), "{id}");
    }
    let de_subs: Vec<&str> = assets(&small().0).map(|a| a.id.as_str()).filter(|i| i.starts_with("DE-SUB-")).collect();
    assert_eq!(de_subs.first().copied(), Some("DE-SUB-000001"));
    assert_eq!(de_subs.last().map(|s| s.to_string()), Some(format!("DE-SUB-{:06}", de_subs.len())));
}

#[test]
fn every_reference_points_backwards_and_is_valid() {
    let (chunks, stats) = &small();
    let mut assets_seen: HashMap<String, String> = HashMap::new();
    let mut orgs_seen: HashSet<String> = HashSet::new();
    let mut deps = 0usize;
    for (i, c) in chunks.iter().enumerate() {
        assert_eq!(c.index, i);
        assert_eq!(c.total, chunks.len());
        for o in &c.organisations {
            assert!(orgs_seen.insert(o.id.to_string()), "organisation {} emitted twice", o.id);
        }
        for a in &c.assets {
            let op = a.operator_id.as_ref().map(|o| o.to_string()).unwrap_or_default();
            assert!(orgs_seen.contains(&op), "{} names operator {op} before it was emitted", a.id);
            assert!(SCOPE.contains(&a.country.as_str()), "{} is in {}", a.id, a.country);
            assets_seen.insert(a.id.to_string(), a.country.to_string());
        }
        for d in &c.dependencies {
            assert!(assets_seen.contains_key(d.supplier.as_str()), "unknown supplier {}", d.supplier);
            assert!(assets_seen.contains_key(d.dependent.as_str()), "unknown dependent {}", d.dependent);
            assert_ne!(d.supplier, d.dependent);
            assert!(d.k >= 1 && d.k <= d.n && d.n <= 1000, "{d:?}");
            assert!(d.buffer_hours >= 0.0);
            deps += 1;
        }
        for l in &c.links {
            assert!(assets_seen.contains_key(l.from.as_str()), "unknown link end {}", l.from);
            assert!(assets_seen.contains_key(l.to.as_str()), "unknown link end {}", l.to);
            assert_ne!(l.from, l.to);
        }
    }
    assert_eq!(stats.dependencies as usize, deps);
    let per_asset = deps as f64 / stats.assets as f64;
    assert!((1.5..=3.5).contains(&per_asset), "{per_asset} dependencies per asset");
    assert!(orgs_seen.contains("eu-coordination"));
    assert!(orgs_seen.contains("de-authority"));
    assert!(orgs_seen.contains("de-op-tso"));
    assert_eq!(stats.countries, 40);
}

#[test]
fn values_round_trip_through_the_core_parsers() {
    let chunks = &small().0;
    for c in chunks.iter().step_by(3) {
        for o in c.organisations.iter().take(20) {
            let back = o.to_json().as_object().map(Organisation::from_json);
            assert_eq!(back, Some(Ok(o.clone())));
        }
        for a in c.assets.iter().step_by(7) {
            assert_eq!(Asset::from_json(&a.to_json()).as_ref(), Ok(a));
        }
        for d in c.dependencies.iter().step_by(5) {
            assert_eq!(d.to_json().as_object().map(Dependency::from_json), Some(Ok(d.clone())));
        }
        for l in c.links.iter().step_by(5) {
            assert_eq!(l.to_json().as_object().map(NetworkLink::from_json), Some(Ok(l.clone())));
        }
    }
}

#[test]
fn borders_are_crossed_by_links_and_dependencies() {
    let (chunks, stats) = &small();
    let last = chunks.last().map(|c| c.links.as_slice()).unwrap_or(&[]);
    let cross: Vec<&NetworkLink> = last.iter().filter(|l| l.from.as_str()[..2] != l.to.as_str()[..2]).collect();
    assert!(cross.len() >= 60, "{} cross-border links", cross.len());
    assert_eq!(stats.cross_border_links as usize, cross.len());
    assert!(stats.cross_border_dependencies >= 20, "{}", stats.cross_border_dependencies);
    let has = |a: &str, b: &str, net: &str| {
        cross.iter().any(|l| {
            let (x, y) = (&l.from.as_str()[..2], &l.to.as_str()[..2]);
            ((x, y) == (a, b) || (x, y) == (b, a)) && l.network.key() == net
        })
    };
    for (a, b) in [("DE", "FR"), ("DE", "PL"), ("FR", "ES"), ("AT", "DE"), ("EE", "FI"), ("RS", "XK")] {
        assert!(has(a, b, "grid"), "no grid interconnector {a}-{b}");
    }
    assert!(has("DE", "FR", "rail"));
    assert!(has("DE", "PL", "gas"));
    assert!(cross.iter().all(|l| l.length_km.unwrap_or(0.0) < 600.0), "an interconnector is too long");
    // Every dependent has one consistent k-of-n group per service.
    let mut groups: HashMap<(String, &str), Vec<(u32, u32)>> = HashMap::new();
    for d in chunks.iter().flat_map(|c| c.dependencies.iter()) {
        groups.entry((d.dependent.to_string(), d.service.key())).or_default().push((d.k, d.n));
    }
    for ((dep, service), kn) in &groups {
        assert!(kn.iter().all(|&x| x == kn[0]) && kn[0].1 as usize == kn.len(), "{dep} {service}: {kn:?}");
    }
}

#[test]
fn assets_follow_population() {
    let chunks = &small().0;
    let mut per_country: HashMap<&str, usize> = HashMap::new();
    for a in assets(chunks) {
        *per_country.entry(a.country.as_str()).or_default() += 1;
    }
    let n = |c: &str| per_country.get(c).copied().unwrap_or(0);
    assert!(n("DE") > 10 * n("LU").max(1), "DE {} LU {}", n("DE"), n("LU"));
    assert!(n("FR") > n("BE") && n("IT") > n("GR") && n("PL") > n("LT"));
    assert!(SCOPE.iter().all(|c| n(c) > 0), "{per_country:?}");
    // Greater Paris (within 30 km of Notre-Dame) has a stadium, an airport, a hospital.
    let near_paris = |a: &&Asset| {
        let (lon, lat) = a.geometry.centroid();
        crate::data::km(lon, lat, 2.3488, 48.8534) < 30.0
    };
    let paris: Vec<&Asset> = assets(chunks).filter(near_paris).collect();
    for code in ["-STA-", "-AIR-", "-HOS-", "-SUB-", "-TSS-"] {
        assert!(paris.iter().any(|a| a.id.as_str().contains(code)), "no {code} near Paris");
    }
    // Positions stay inside their country.
    let w = world();
    let inside = assets(chunks)
        .filter(|a| {
            let (lon, lat) = a.geometry.centroid();
            w.scope_index(a.country.as_str()).is_some_and(|c| w.in_country(c, lon, lat))
        })
        .count();
    assert!(inside as f64 > 0.95 * 10_000.0, "{inside} of 10000 inside their country");
}

#[test]
fn figures_are_plausible() {
    let chunks = &small().0;
    for a in assets(chunks) {
        assert!(a.value_per_day.is_some_and(|v| v > 0.0), "{} value", a.id);
        assert!(a.restoration_hours.is_some_and(|h| h >= 1.0), "{} restoration", a.id);
        match a.kind {
            rampart_core::Kind::PublicSpace => assert!(a.peak_occupancy.is_some_and(|p| p > 0), "{} occupancy", a.id),
            rampart_core::Kind::Infrastructure => assert!(a.sector.is_some()),
        }
    }
    let stadium = assets(chunks).find(|a| a.id.as_str().contains("-STA-"));
    let cap = stadium.and_then(|s| s.attributes.get("capacity")).and_then(|v| v.as_f64()).unwrap_or(0.0);
    assert!((8_000.0..=99_000.0).contains(&cap), "{cap}");
    let sub = assets(chunks).find(|a| a.id.as_str().contains("-SUB-"));
    assert!(sub.and_then(|s| s.attributes.get("voltage_kv")).is_some());
    let hos = assets(chunks).find(|a| a.id.as_str().contains("-HOS-"));
    assert!(hos.and_then(|s| s.attributes.get("beds")).is_some());
    let names: HashSet<&str> = assets(chunks).map(|a| a.name.as_str()).collect();
    for n in ["Paris Central Station", "Berlin Stadium", "Hospital Madrid 2", "Port of Marseille", "Rome Town Hall"] {
        assert!(names.contains(n), "no {n}");
    }
}

#[test]
fn a_failing_sink_stops_the_stream() {
    let mut seen = 0;
    let r = generate(&GenConfig::new(10_000, 3), |_| {
        seen += 1;
        if seen == 3 {
            Err("disk full")
        } else {
            Ok(())
        }
    });
    assert_eq!(r, Err("disk full"));
    assert_eq!(seen, 3);
}

#[test]
fn large_regions_are_split_without_changing_the_registry() {
    let cfg = GenConfig { max_chunk_assets: 300, threads: 2, ..GenConfig::new(10_000, 7) };
    let (chunks, stats) = run_cfg(&cfg);
    let (reference, _) = small();
    assert!(chunks.len() >= reference.len() + 15, "{} chunks", chunks.len());
    assert_eq!(stats.chunks as usize, chunks.len());
    assert_eq!(crate::chunk_count(&cfg), chunks.len());
    let mut seen: HashSet<String> = HashSet::new();
    for (i, c) in chunks.iter().enumerate() {
        assert_eq!((c.index, c.total), (i, chunks.len()));
        assert!(c.assets.len() <= 300, "chunk {i} has {} assets", c.assets.len());
        seen.extend(c.assets.iter().map(|a| a.id.to_string()));
        for d in &c.dependencies {
            assert!(seen.contains(d.supplier.as_str()) && seen.contains(d.dependent.as_str()), "{d:?} in chunk {i}");
        }
        for l in &c.links {
            assert!(seen.contains(l.from.as_str()) && seen.contains(l.to.as_str()), "{l:?} in chunk {i}");
        }
    }
    // Same registry, other boundaries: compare sorted serialisations.
    let lines = |cs: &[Chunk]| {
        let mut v: Vec<String> = serialised(cs).lines().map(str::to_string).collect();
        v.sort();
        v
    };
    assert_eq!(lines(&chunks), lines(reference));
}

#[test]
fn dependency_rules_are_applied() {
    let chunks = &small().0;
    let code = |id: &rampart_core::AssetId| id.as_str()[3..6].to_string();
    let mut by_dependent: HashMap<String, Vec<&Dependency>> = HashMap::new();
    for d in chunks.iter().flat_map(|c| c.dependencies.iter()) {
        by_dependent.entry(d.dependent.to_string()).or_default().push(d);
    }
    let elec = |id: &str| -> Vec<&Dependency> {
        by_dependent.get(id).map(|v| v.iter().copied().filter(|d| d.service.key() == "electricity").collect()).unwrap_or_default()
    };
    let with_dc: HashSet<&str> = assets(chunks).filter(|a| a.id.as_str().contains("-DCN-")).map(|a| a.country.as_str()).collect();
    let mut subs: HashMap<&str, usize> = HashMap::new();
    for a in assets(chunks).filter(|a| a.id.as_str().contains("-SUB-")) {
        *subs.entry(a.country.as_str()).or_default() += 1;
    }
    assert_eq!(small().0.len(), 41, "one region per country at this size");
    let mut checked = HashMap::<String, usize>::new();
    for a in assets(chunks) {
        let kind = code(&a.id);
        let e = elec(a.id.as_str());
        match kind.as_str() {
            "SUB" => {
                assert!((1..=2).contains(&e.len()), "{} has {} electricity suppliers", a.id, e.len());
                assert!(e.iter().all(|d| code(&d.supplier) == "TSS" && d.buffer_hours == 0.0 && d.n as usize == e.len()));
            }
            "HOS" => {
                // Two feeds (k = 1 of n = 2) wherever the region (here: the country) has two substations.
                let n = subs.get(a.country.as_str()).copied().unwrap_or(0).min(2);
                assert_eq!(e.len(), n, "{}", a.id);
                assert!(e.iter().all(|d| (d.k, d.n as usize) == (1, n) && (24.0..=72.0).contains(&d.buffer_hours)), "{e:?}");
            }
            "WTR" => assert!(e.iter().all(|d| (2.0..=12.0).contains(&d.buffer_hours)), "{e:?}"),
            "TEL" => assert!(!e.is_empty() && e.iter().all(|d| (4.0..=8.0).contains(&d.buffer_hours)), "{e:?}"),
            "STN" => assert!(!e.is_empty() && e.iter().all(|d| d.buffer_hours == 0.0), "{e:?}"),
            "BNK" if with_dc.contains(a.country.as_str()) => {
                let pay = by_dependent.get(a.id.as_str()).map(|v| v.iter().filter(|d| d.service.key() == "payment").count());
                assert!(pay.unwrap_or(0) >= 1, "{} has no payment supplier", a.id);
            }
            _ => continue,
        }
        *checked.entry(kind).or_default() += 1;
    }
    assert!(checked.values().all(|&n| n > 20), "{checked:?}");
    // Every distribution substation hangs off the grid by a link from its supplier.
    let grid_to_sub = chunks
        .iter()
        .flat_map(|c| c.links.iter())
        .filter(|l| l.network.key() == "grid" && code(&l.from) == "TSS" && code(&l.to) == "SUB")
        .count();
    let sub_feeds = by_dependent.iter().filter(|(k, _)| k[3..6] == *"SUB").map(|(k, _)| elec(k).len()).sum::<usize>();
    assert_eq!(grid_to_sub, sub_feeds);
}

#[test]
fn many_regions_per_country_stay_consistent() {
    // 20 regions for 10,000 assets: Germany gets three, France, Italy, Spain and the
    // United Kingdom two, so suppliers from earlier regions and national backbones
    // between regions are exercised.
    let mut chunks = Vec::new();
    let cfg = GenConfig { threads: 2, ..GenConfig::new(10_000, 11) };
    let stats = crate::generate_with(&cfg, 500, |c| {
        chunks.push(c);
        Ok::<(), Infallible>(())
    });
    assert_eq!(stats.map(|s| s.assets), Ok(10_000));
    let mut seen: HashSet<String> = HashSet::new();
    let mut orgs: HashSet<String> = HashSet::new();
    for c in &chunks {
        orgs.extend(c.organisations.iter().map(|o| o.id.to_string()));
        for a in &c.assets {
            assert!(a.operator_id.as_ref().is_some_and(|o| orgs.contains(o.as_str())), "{}", a.id);
            seen.insert(a.id.to_string());
        }
        for d in &c.dependencies {
            assert!(seen.contains(d.supplier.as_str()) && seen.contains(d.dependent.as_str()), "{d:?}");
        }
        for l in &c.links {
            assert!(seen.contains(l.from.as_str()) && seen.contains(l.to.as_str()), "{l:?}");
        }
    }
    for id in ["de-op-dso-1", "de-op-dso-2", "de-op-dso-3", "fr-op-water-2", "de-op-tso"] {
        assert!(orgs.contains(id), "no {id}");
    }
    // A national grid backbone joins German regions: a grid link between two German
    // transmission substations in the final chunk.
    let last = chunks.last().map(|c| c.links.as_slice()).unwrap_or(&[]);
    assert!(last.iter().any(|l| l.network.key() == "grid" && l.from.as_str().starts_with("DE-TSS") && l.to.as_str().starts_with("DE-TSS")));
}
