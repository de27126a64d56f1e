//! What a cascade means for people, money and countries (the "impact").
//!
//! Conventions:
//! - an asset is *down* while it is not delivering; its hours down are counted up to
//!   the study's horizon;
//! - people are left without a class of service while an asset that ends a chain of
//!   its class is down (a distribution substation, not the transmission substation
//!   feeding it, whose people are the same people): person-hours = people served ×
//!   hours down, per class and per country;
//! - economic loss = value per day × days down, for every asset down;
//! - public-space occupancy exposed = the peak occupancy of every public space down;
//! - a member state is hit from abroad when an asset in it goes down in a chain that
//!   started at a damaged asset in another member state.

use crate::cascade::{Cause, Change};
use crate::graph::{Graph, Node};
use std::collections::{BTreeMap, HashMap};

/// The figures the N-1 study and Monte Carlo keep for each run.
#[derive(Debug, Clone, PartialEq, Default, serde::Serialize)]
pub struct Summary {
    pub assets_down: u32,
    pub person_hours: f64,
    pub economic_loss: f64,
    /// Countries (indices into [`Graph::countries`]) with at least one asset down, sorted.
    pub countries: Vec<u16>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct ServiceImpact {
    pub class: String,
    pub country: String,
    pub assets: u32,
    pub people: u64,
    pub person_hours: f64,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct CrossBorder {
    pub from: String,
    pub to: String,
    pub assets: u32,
    pub person_hours: f64,
}

/// How many assets are down from `t` on.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct Step {
    pub t: f64,
    pub down: u32,
}

/// One change on the timeline, with registry ids.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Event {
    pub t: f64,
    pub asset: String,
    pub country: String,
    pub down: bool,
    pub cause: Cause,
    pub root: String,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Impact {
    pub horizon_h: f64,
    pub assets_damaged: u32,
    pub assets_down: u32,
    pub peak_down: u32,
    pub person_hours: f64,
    pub economic_loss: f64,
    pub occupancy_exposed: u64,
    pub countries: Vec<String>,
    pub by_service: Vec<ServiceImpact>,
    pub cross_border: Vec<CrossBorder>,
    pub steps: Vec<Step>,
    pub events: Vec<Event>,
}

/// Hours each asset was down within the horizon, with the chain's root, in the order
/// assets first went down.
fn outages(changes: &[Change], horizon_h: f64) -> Vec<(Node, f64, Node)> {
    let mut since: HashMap<Node, (f64, Node)> = HashMap::new();
    let mut total: Vec<(Node, f64, Node)> = Vec::new();
    let mut slot: HashMap<Node, usize> = HashMap::new();
    for c in changes {
        if c.down {
            since.insert(c.node, (c.t, c.root));
            slot.entry(c.node).or_insert_with(|| {
                total.push((c.node, 0.0, c.root));
                total.len() - 1
            });
        } else if let Some((t0, _)) = since.remove(&c.node) {
            total[slot[&c.node]].1 += c.t.min(horizon_h) - t0;
        }
    }
    for (node, (t0, _)) in since {
        total[slot[&node]].1 += (horizon_h - t0).max(0.0);
    }
    total
}

pub fn summarise(g: &Graph, changes: &[Change], horizon_h: f64) -> Summary {
    let mut s = Summary::default();
    for (node, hours, _) in outages(changes, horizon_h) {
        let u = node as usize;
        s.assets_down += 1;
        if g.counts_people(node) {
            s.person_hours += g.people[u] as f64 * hours;
        }
        s.economic_loss += g.value_per_day[u] as f64 * hours / 24.0;
        s.countries.push(g.country[u]);
    }
    s.countries.sort_unstable();
    s.countries.dedup();
    s
}

pub fn impact(g: &Graph, changes: &[Change], horizon_h: f64) -> Impact {
    let list = outages(changes, horizon_h);
    let mut by_service: BTreeMap<(u16, u16), ServiceImpact> = BTreeMap::new();
    let mut cross: BTreeMap<(u16, u16), CrossBorder> = BTreeMap::new();
    let (mut person_hours, mut economic_loss, mut occupancy) = (0.0, 0.0, 0u64);
    let mut countries: Vec<u16> = Vec::new();
    for &(node, hours, root) in &list {
        let u = node as usize;
        let ph = if g.counts_people(node) { g.people[u] as f64 * hours } else { 0.0 };
        person_hours += ph;
        economic_loss += g.value_per_day[u] as f64 * hours / 24.0;
        if g.is_public_space(node) {
            occupancy += g.occupancy[u] as u64;
        }
        countries.push(g.country[u]);
        let e = by_service.entry((g.class[u], g.country[u])).or_insert_with(|| ServiceImpact {
            class: g.class_of(node).to_string(),
            country: g.country_of(node).to_string(),
            assets: 0,
            people: 0,
            person_hours: 0.0,
        });
        e.assets += 1;
        if g.counts_people(node) {
            e.people += g.people[u] as u64;
        }
        e.person_hours += ph;
        let (from, to) = (g.country[root as usize], g.country[u]);
        if from != to {
            let c = cross.entry((from, to)).or_insert_with(|| CrossBorder {
                from: g.country_of(root).to_string(),
                to: g.country_of(node).to_string(),
                assets: 0,
                person_hours: 0.0,
            });
            c.assets += 1;
            c.person_hours += ph;
        }
    }
    countries.sort_unstable();
    countries.dedup();
    let mut steps = vec![Step { t: 0.0, down: 0 }];
    let mut down = 0u32;
    let mut peak = 0;
    for c in changes {
        if c.down {
            down += 1;
        } else {
            down -= 1;
        }
        peak = peak.max(down);
        match steps.last_mut() {
            Some(s) if s.t == c.t => s.down = down,
            _ => steps.push(Step { t: c.t, down }),
        }
    }
    let mut by_service: Vec<ServiceImpact> = by_service.into_values().collect();
    by_service.sort_by(|a, b| b.person_hours.total_cmp(&a.person_hours).then(b.assets.cmp(&a.assets)));
    Impact {
        horizon_h,
        assets_damaged: changes.iter().filter(|c| c.down && c.cause == Cause::Damage).count() as u32,
        assets_down: list.len() as u32,
        peak_down: peak,
        person_hours,
        economic_loss,
        occupancy_exposed: occupancy,
        countries: countries.iter().map(|&c| g.countries[c as usize].clone()).collect(),
        by_service,
        cross_border: cross.into_values().collect(),
        steps,
        events: changes
            .iter()
            .map(|c| Event { t: c.t, asset: g.id(c.node).to_string(), country: g.country_of(c.node).to_string(), down: c.down, cause: c.cause, root: g.id(c.root).to_string() })
            .collect(),
    }
}
