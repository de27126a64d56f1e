//! Prints what a run produces: counts per type and per country, long
//! cross-border links, dependencies per asset. `cargo run -p rampart-gen --example gen_summary -- 10000`
use std::collections::BTreeMap;

fn main() {
    let n: u64 = std::env::args().nth(1).and_then(|a| a.parse().ok()).unwrap_or(10_000);
    let mut types: BTreeMap<String, u64> = BTreeMap::new();
    let mut countries: BTreeMap<String, u64> = BTreeMap::new();
    let mut services: BTreeMap<String, u64> = BTreeMap::new();
    let mut networks: BTreeMap<String, u64> = BTreeMap::new();
    let mut long = Vec::new();
    let mut biggest = (0, 0);
    let mut seen: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut orgs: std::collections::HashSet<String> = std::collections::HashSet::new();
    let mut dangling = 0u64;
    let stats = rampart_gen::generate(&rampart_gen::GenConfig::new(n, 1), |c| {
        biggest = biggest.max((c.assets.len(), c.index));
        orgs.extend(c.organisations.iter().map(|o| o.id.to_string()));
        for a in &c.assets {
            seen.insert(a.id.to_string());
            if !a.operator_id.as_ref().is_some_and(|o| orgs.contains(o.as_str())) {
                dangling += 1;
            }
            *types.entry(a.id.as_str()[3..6].to_string()).or_default() += 1;
            *countries.entry(a.country.to_string()).or_default() += 1;
        }
        for d in &c.dependencies {
            if !seen.contains(d.supplier.as_str()) || !seen.contains(d.dependent.as_str()) || d.supplier == d.dependent {
                dangling += 1;
            }
            *services.entry(d.service.key().to_string()).or_default() += 1;
        }
        for l in &c.links {
            if !seen.contains(l.from.as_str()) || !seen.contains(l.to.as_str()) {
                dangling += 1;
            }
            *networks.entry(l.network.key().to_string()).or_default() += 1;
            if l.from.as_str()[..2] != l.to.as_str()[..2] && l.length_km.unwrap_or(0.0) > 300.0 {
                long.push(format!("{} {} -> {} {:?}", l.network, l.from, l.to, l.length_km));
            }
        }
        Ok::<(), ()>(())
    });
    println!("{stats:?}");
    println!("dangling references: {dangling}");
    println!("largest chunk: {biggest:?}");
    println!("types: {types:?}");
    println!("countries: {countries:?}");
    println!("services: {services:?}");
    println!("networks: {networks:?}");
    for l in long { println!("long: {l}"); }
}
