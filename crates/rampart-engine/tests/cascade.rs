//! Cascades on small graphs whose outcome is worked out by hand.

#![allow(clippy::unwrap_used)]

mod common;

use common::{asset, dep, feeder, graph, link};
use proptest::prelude::*;
use rampart_core::{Asset, Dependency, NetworkLink};
use rampart_engine::criticality::{single_losses, worst_pairs, Study};
use rampart_engine::single::SingleFailures;
use rampart_engine::impact::impact;
use rampart_engine::{Cascade, Cause, Damage, Graph, GraphBuilder, Rules};
use serde_json::json;
use std::sync::atomic::AtomicBool;

/// `(t, id, down)` of every change, sorted by time then id.
fn changes(g: &Graph, damage: &[(&str, f64, Option<f64>)], rules: Rules, horizon: f64) -> Vec<(f64, String, bool)> {
    let index = g.id_index();
    let d: Vec<Damage> = damage.iter().map(|&(id, at_h, restore_h)| Damage { node: index[id], at_h, restore_h }).collect();
    let mut c = Cascade::new(g, rules);
    let mut out: Vec<(f64, String, bool)> = c.run(&d, horizon).iter().map(|c| (c.t, g.id(c.node).to_string(), c.down)).collect();
    out.sort_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)));
    out
}

fn ch(list: &[(f64, &str, bool)]) -> Vec<(f64, String, bool)> {
    list.iter().map(|&(t, id, d)| (t, id.to_string(), d)).collect()
}

/// A power plant feeding a substation over the grid; a hospital with an 8-hour
/// generator and a water works without one depend on the substation.
fn town() -> Graph {
    graph(
        &[
            asset("plant", "DE", "electricity", 0, 24.0, json!({"attributes": {"source": "grid"}})),
            asset("substation", "DE", "electricity", 10_000, 12.0, json!({})),
            asset("hospital", "DE", "health", 2_000, 48.0, json!({})),
            asset("waterworks", "DE", "drinking_water", 5_000, 6.0, json!({})),
        ],
        &[dep("substation", "hospital", "electricity", 1, 1, 8.0), dep("substation", "waterworks", "electricity", 1, 1, 0.0)],
        &[link("grid", "plant", "substation")],
    )
}

#[test]
fn losing_the_plant_cuts_off_the_substation_and_runs_the_hospital_generator_dry() {
    let g = town();
    let got = changes(&g, &[("plant", 0.0, None)], Rules::default(), 72.0);
    assert_eq!(
        got,
        ch(&[
            (0.0, "plant", true),
            (0.0, "substation", true),
            (0.0, "waterworks", true),
            (8.0, "hospital", true),
            (24.0, "hospital", false),
            (24.0, "plant", false),
            (24.0, "substation", false),
            (24.0, "waterworks", false),
        ])
    );
}

#[test]
fn impact_counts_person_hours_per_class_and_money() {
    let g = town();
    let index = g.id_index();
    let mut c = Cascade::new(&g, Rules::default());
    let changes = c.run(&[Damage::now(index["plant"])], 72.0).to_vec();
    let i = impact(&g, &changes, 72.0);
    // substation 10,000 × 24 h, water works 5,000 × 24 h, hospital 2,000 × 16 h.
    assert_eq!(i.person_hours, 240_000.0 + 120_000.0 + 32_000.0);
    // Four assets at 2,400 a day = 100 an hour: 24 + 24 + 24 + 16 hours.
    assert_eq!(i.economic_loss, 100.0 * 88.0);
    assert_eq!((i.assets_damaged, i.assets_down, i.peak_down), (1, 4, 4));
    let by: Vec<(&str, f64)> = i.by_service.iter().map(|s| (s.class.as_str(), s.person_hours)).collect();
    assert_eq!(by, vec![("electricity", 240_000.0), ("drinking_water", 120_000.0), ("health", 32_000.0)]);
    let steps: Vec<(f64, u32)> = i.steps.iter().map(|s| (s.t, s.down)).collect();
    assert_eq!(steps, vec![(0.0, 3), (8.0, 4), (24.0, 0)]);
    let substation = i.events.iter().find(|e| e.asset == "substation" && e.down).unwrap();
    assert_eq!((substation.cause, substation.root.as_str()), (Cause::Connectivity { network: 0 }, "plant"));
    let hospital = i.events.iter().find(|e| e.asset == "hospital" && e.down).unwrap();
    assert_eq!((hospital.cause, hospital.root.as_str()), (Cause::Dependency { service: 0 }, "plant"));
}

#[test]
fn a_restoration_inside_the_buffer_spares_the_dependent() {
    let g = town();
    let got = changes(&g, &[("substation", 0.0, Some(5.0))], Rules::default(), 72.0);
    assert_eq!(got, ch(&[(0.0, "substation", true), (0.0, "waterworks", true), (5.0, "substation", false), (5.0, "waterworks", false)]));
}

#[test]
fn buffers_refill_when_the_service_returns() {
    let g = town();
    // Out 0–5 h and again from 6 h: the hospital's 8 hours start again at 6 h.
    let got = changes(&g, &[("substation", 0.0, Some(5.0)), ("substation", 6.0, None)], Rules::default(), 72.0);
    let hospital: Vec<_> = got.iter().filter(|c| c.1 == "hospital").cloned().collect();
    assert_eq!(hospital, ch(&[(14.0, "hospital", true), (18.0, "hospital", false)]));
}

#[test]
fn a_supplier_back_while_another_is_lost_at_the_same_moment_does_not_refill_the_buffer() {
    // D needs both S1 and S2 and has 10 h of buffer. S2 is out 0–4 h; S1 runs on X's
    // telecom for 4 h and is lost at hour 4, just as S2 returns. D never has both
    // suppliers again, so its buffer, running since hour 0, runs out at hour 10.
    let g = graph(
        &[
            asset("S1", "DE", "electricity", 0, 1e9, json!({})),
            asset("S2", "DE", "electricity", 0, 4.0, json!({})),
            asset("X", "DE", "digital", 0, 1e9, json!({})),
            asset("D", "DE", "health", 1_000, 1e9, json!({})),
        ],
        &[dep("S1", "D", "electricity", 2, 2, 10.0), dep("S2", "D", "electricity", 2, 2, 10.0), dep("X", "S1", "telecom", 1, 1, 4.0)],
        &[],
    );
    let got = changes(&g, &[("S2", 0.0, None), ("X", 0.0, None)], Rules::default(), 72.0);
    let d: Vec<_> = got.iter().filter(|c| c.1 == "D").cloned().collect();
    assert_eq!(d, ch(&[(10.0, "D", true)]));
}

#[test]
fn without_the_connectivity_rule_only_dependencies_spread() {
    let g = town();
    let rules = Rules { connectivity: false, ..Rules::default() };
    let got = changes(&g, &[("plant", 0.0, None)], rules, 72.0);
    assert_eq!(got, ch(&[(0.0, "plant", true), (24.0, "plant", false)]));
}

fn redundant(k: u32, n: u32) -> Graph {
    graph(
        &[
            asset("s1", "FR", "electricity", 100, 10.0, json!({})),
            asset("s2", "FR", "electricity", 100, 10.0, json!({})),
            asset("h", "FR", "health", 50, 10.0, json!({})),
        ],
        &[dep("s1", "h", "electricity", k, n, 0.0), dep("s2", "h", "electricity", k, n, 0.0)],
        &[],
    )
}

#[test]
fn k_of_n_redundancy_holds_until_fewer_than_k_deliver() {
    let g = redundant(1, 2);
    assert_eq!(changes(&g, &[("s1", 0.0, None)], Rules::default(), 72.0), ch(&[(0.0, "s1", true), (10.0, "s1", false)]));
    let both = changes(&g, &[("s1", 0.0, None), ("s2", 0.0, Some(4.0))], Rules::default(), 72.0);
    assert_eq!(
        both,
        ch(&[(0.0, "h", true), (0.0, "s1", true), (0.0, "s2", true), (4.0, "h", false), (4.0, "s2", false), (10.0, "s1", false)])
    );
}

#[test]
fn suppliers_outside_the_registry_count_as_working() {
    // Two of three suppliers are in the registry and two are needed.
    let g = redundant(2, 3);
    assert_eq!(changes(&g, &[("s1", 0.0, None)], Rules::default(), 72.0), ch(&[(0.0, "s1", true), (10.0, "s1", false)]));
    let both = changes(&g, &[("s1", 0.0, None), ("s2", 0.0, None)], Rules::default(), 72.0);
    assert_eq!(both.iter().filter(|c| c.1 == "h").count(), 2);
}

#[test]
fn a_network_asset_stays_served_while_any_path_leads_to_a_source() {
    let g = feeder();
    assert_eq!(changes(&g, &[("a", 0.0, None)], Rules::default(), 72.0), ch(&[(0.0, "a", true)]));
    let cut = changes(&g, &[("a", 0.0, Some(10.0)), ("c", 0.0, Some(20.0))], Rules::default(), 72.0);
    assert_eq!(
        cut,
        ch(&[
            (0.0, "a", true),
            (0.0, "b", true),
            (0.0, "c", true),
            (0.0, "d", true),
            (10.0, "a", false),
            (10.0, "b", false),
            (10.0, "d", false),
            (20.0, "c", false),
        ])
    );
    let spur = changes(&g, &[("b", 0.0, Some(1.0))], Rules::default(), 72.0);
    assert_eq!(spur, ch(&[(0.0, "b", true), (0.0, "d", true), (1.0, "b", false), (1.0, "d", false)]));
}

#[test]
fn failures_that_cross_a_border_are_attributed_to_the_country_they_started_in() {
    let g = graph(
        &[
            asset("de-plant", "DE", "electricity", 0, 10.0, json!({"attributes": {"source": "grid"}})),
            asset("fr-sub", "FR", "electricity", 1_000, 10.0, json!({})),
            asset("fr-stadium", "FR", "stadium", 0, 10.0, json!({"peak_occupancy": 40_000})),
        ],
        &[dep("fr-sub", "fr-stadium", "electricity", 1, 1, 2.0)],
        &[link("grid", "de-plant", "fr-sub")],
    );
    let index = g.id_index();
    let mut c = Cascade::new(&g, Rules::default());
    let changes = c.run(&[Damage::now(index["de-plant"])], 72.0).to_vec();
    let i = impact(&g, &changes, 72.0);
    assert_eq!(i.countries, vec!["DE", "FR"]);
    let cb: Vec<(&str, &str, u32, f64)> = i.cross_border.iter().map(|c| (c.from.as_str(), c.to.as_str(), c.assets, c.person_hours)).collect();
    assert_eq!(cb, vec![("DE", "FR", 2, 10_000.0)]);
    assert_eq!(i.occupancy_exposed, 40_000);
}

#[test]
fn single_losses_rank_the_plant_first_and_pairs_reveal_redundancy() {
    let g = town();
    let study = Study::default();
    let ranked = single_losses(&g, &study, None, &|_| {}, &AtomicBool::new(false)).unwrap();
    let order: Vec<(&str, f64, u32)> = ranked.iter().map(|r| (g.id(r.node), r.summary.person_hours, r.summary.assets_down)).collect();
    assert_eq!(
        order,
        vec![
            // The substation is back after 12 h: itself, water works 12 h, hospital 4 h.
            ("plant", 392_000.0, 4),
            ("substation", 120_000.0 + 60_000.0 + 8_000.0, 3),
            ("hospital", 96_000.0, 1),
            ("waterworks", 30_000.0, 1),
        ]
    );
    assert_eq!(ranked[0].member_states, 1);

    let g = redundant(1, 2);
    let ranked = single_losses(&g, &study, None, &|_| {}, &AtomicBool::new(false)).unwrap();
    let pairs = worst_pairs(&g, &study, &ranked);
    let top = &pairs[0];
    assert_eq!((g.id(top.a), g.id(top.b)), ("s1", "s2"));
    // Together they take out the hospital for 10 h: 50 people × 10 h beyond the two alone.
    assert_eq!(top.excess_person_hours, 500.0);
}

#[test]
fn a_cancelled_study_says_so() {
    let g = town();
    let cancel = AtomicBool::new(true);
    assert!(single_losses(&g, &Study::default(), None, &|_| {}, &cancel).is_err());
}

#[test]
fn unknown_assets_are_named() {
    let mut b = GraphBuilder::new();
    b.add_asset(&asset("a", "DE", "electricity", 0, 1.0, json!({})));
    b.add_dependency(&dep("a", "ghost", "electricity", 1, 1, 0.0));
    let e = b.finish().unwrap_err();
    assert_eq!(e[0].to_string(), "dependency 1: dependent_id: unknown asset id \"ghost\"");
}

/// Delivering state of every asset at time `t` from a run's changes.
fn state_at(n: usize, changes: &[rampart_engine::Change], t: f64) -> Vec<bool> {
    let mut up = vec![true; n];
    for c in changes.iter().filter(|c| c.t <= t) {
        up[c.node as usize] = !c.down;
    }
    up
}

fn random_graph(n: usize, deps: &[(usize, usize, u8, f64)], links: &[(usize, usize)], sources: &[usize], restore: &[f64]) -> Graph {
    let assets: Vec<Asset> = (0..n)
        .map(|i| {
            let extra = if sources.contains(&i) { json!({"attributes": {"source": "grid"}}) } else { json!({}) };
            asset(&format!("n{i}"), "DE", "electricity", 10, restore[i], extra)
        })
        .collect();
    let services = ["electricity", "water", "telecom"];
    let d: Vec<Dependency> = deps
        .iter()
        .filter(|(a, b, _, _)| a != b)
        .map(|&(a, b, s, buf)| dep(&format!("n{a}"), &format!("n{b}"), services[s as usize % 3], 1, 1, buf))
        .collect();
    let l: Vec<NetworkLink> = links.iter().filter(|(a, b)| a != b).map(|&(a, b)| link("grid", &format!("n{a}"), &format!("n{b}"))).collect();
    graph(&assets, &d, &l)
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Under the dependency and connectivity rules, more initial damage never leaves
    /// more service, at any moment.
    #[test]
    fn more_damage_never_leaves_more_service(
        deps in prop::collection::vec((0usize..12, 0usize..12, 0u8..3, prop::sample::select(vec![0.0, 2.0, 5.0])), 0..30),
        links in prop::collection::vec((0usize..12, 0usize..12), 0..20),
        sources in prop::collection::vec(0usize..12, 1..3),
        restore in prop::collection::vec(prop::sample::select(vec![1.0, 3.0, 8.0, 1e9]), 12),
        small in prop::collection::vec(0usize..12, 1..3),
        extra in prop::collection::vec(0usize..12, 1..3),
    ) {
        let g = random_graph(12, &deps, &links, &sources, &restore);
        let index = g.id_index();
        let dmg = |ids: &[usize]| -> Vec<Damage> { ids.iter().map(|i| Damage::now(index[format!("n{i}").as_str()])).collect() };
        let mut big = small.clone();
        big.extend(extra);
        let mut c = Cascade::new(&g, Rules::default());
        let a = c.run(&dmg(&small), 50.0).to_vec();
        let b = c.run(&dmg(&big), 50.0).to_vec();
        let mut times: Vec<f64> = a.iter().chain(b.iter()).map(|c| c.t).collect();
        times.push(0.0);
        for t in times {
            let (sa, sb) = (state_at(12, &a, t), state_at(12, &b, t));
            for i in 0..12 {
                prop_assert!(sa[i] || !sb[i], "asset n{} delivers at {} h with more damage only", i, t);
            }
        }
    }

    /// Taking a single failure's effect on a network from the dominator tree gives what
    /// the search gives, for every asset, whatever follows through dependencies.
    #[test]
    fn dominator_trees_and_searches_agree_on_single_failures(
        deps in prop::collection::vec((0usize..14, 0usize..14, 0u8..3, prop::sample::select(vec![0.0, 2.0])), 0..25),
        links in prop::collection::vec((0usize..14, 0usize..14), 0..30),
        sources in prop::collection::vec(0usize..14, 1..4),
        restore in prop::collection::vec(prop::sample::select(vec![1.0, 3.0, 1e9]), 14),
    ) {
        let g = random_graph(14, &deps, &links, &sources, &restore);
        let single = SingleFailures::new(&g);
        let mut fast = Cascade::with_single_failures(&g, Rules::default(), &single);
        let mut slow = Cascade::new(&g, Rules::default());
        for node in 0..14u32 {
            // Which of several reasons arising at the same instant is named may differ;
            // what goes down and comes back, and when, may not.
            let outcome = |v: &[rampart_engine::Change]| {
                let mut o: Vec<(u64, u32, bool)> = v.iter().map(|c| (c.t.to_bits(), c.node, c.down)).collect();
                o.sort_unstable();
                o
            };
            let a = outcome(fast.run(&[Damage::now(node)], 50.0));
            let b = outcome(slow.run(&[Damage::now(node)], 50.0));
            prop_assert_eq!(a, b, "losing n{}", node);
        }
    }

    /// A workspace reused across runs gives the same answer as a fresh one.
    #[test]
    fn reused_workspaces_forget_earlier_runs(
        deps in prop::collection::vec((0usize..10, 0usize..10, 0u8..3, prop::sample::select(vec![0.0, 2.0])), 0..20),
        links in prop::collection::vec((0usize..10, 0usize..10), 0..15),
        first in 0usize..10,
        second in 0usize..10,
    ) {
        let g = random_graph(10, &deps, &links, &[0], &[4.0; 10]);
        let index = g.id_index();
        let node = |i: usize| index[format!("n{i}").as_str()];
        let mut reused = Cascade::new(&g, Rules::default());
        reused.run(&[Damage::now(node(first))], 50.0);
        let again = reused.run(&[Damage::now(node(second))], 50.0).to_vec();
        let fresh = Cascade::new(&g, Rules::default()).run(&[Damage::now(node(second))], 50.0).to_vec();
        prop_assert_eq!(again, fresh);
    }
}
