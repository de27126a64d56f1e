//! Small registries for the engine's tests.

#![allow(dead_code, clippy::unwrap_used)]

use rampart_core::{Asset, Dependency, NetworkLink};
use rampart_engine::{Graph, GraphBuilder};
use serde_json::{json, Value};

/// An asset: `class` is "electricity", "health", "drinking_water" or "stadium".
pub fn asset(id: &str, country: &str, class: &str, people: u64, restore_h: f64, extra: Value) -> Asset {
    let mut v = json!({
        "id": id, "name": id, "country": country, "people_served": people, "restoration_hours": restore_h,
        "value_per_day": 2400.0,
        "geometry": {"type": "Point", "coordinates": [10.0, 50.0]},
    });
    let o = v.as_object_mut().unwrap();
    match class {
        "electricity" => {
            o.insert("sector".into(), json!("energy"));
            o.insert("subsector".into(), json!("electricity"));
        }
        "stadium" => {
            o.insert("category".into(), json!("stadium"));
        }
        s => {
            o.insert("sector".into(), json!(s));
        }
    }
    for (k, x) in extra.as_object().cloned().unwrap_or_default() {
        o.insert(k, x);
    }
    Asset::from_json(o).unwrap()
}

pub fn dep(supplier: &str, dependent: &str, service: &str, k: u32, n: u32, buffer_h: f64) -> Dependency {
    let v = json!({"supplier_id": supplier, "dependent_id": dependent, "service": service, "k": k, "n": n, "buffer_hours": buffer_h});
    Dependency::from_json(v.as_object().unwrap()).unwrap()
}

pub fn link(network: &str, a: &str, b: &str) -> NetworkLink {
    let v = json!({"network": network, "from_id": a, "to_id": b, "length_km": 10.0});
    NetworkLink::from_json(v.as_object().unwrap()).unwrap()
}

pub fn graph(assets: &[Asset], deps: &[Dependency], links: &[NetworkLink]) -> Graph {
    let mut b = GraphBuilder::new();
    assets.iter().for_each(|a| b.add_asset(a));
    deps.iter().for_each(|d| b.add_dependency(d));
    links.iter().for_each(|l| b.add_link(l));
    b.finish().unwrap()
}


/// p1 – a – b – c – p2 in a line (10 km links), a spur b – d; p1 and p2 feed the grid.
pub fn feeder() -> Graph {
    let assets: Vec<Asset> = ["p1", "a", "b", "c", "p2", "d"]
        .iter()
        .map(|id| {
            let extra = if id.starts_with('p') { json!({"attributes": {"source": ["grid"]}}) } else { json!({}) };
            asset(id, "DE", "electricity", 10, 100.0, extra)
        })
        .collect();
    let links = [link("grid", "p1", "a"), link("grid", "a", "b"), link("grid", "b", "c"), link("grid", "c", "p2"), link("grid", "b", "d")];
    graph(&assets, &[], &links)
}
