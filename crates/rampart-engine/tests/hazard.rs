//! The hazard → impact chain end to end, with expectations computed by hand.

#![allow(clippy::unwrap_used)]

use proptest::prelude::*;
use rampart_engine::hazard::events::{EventId, EventSet};
use rampart_engine::hazard::impact_fn::{FragilitySet, ImpactFunctionSet};
use rampart_engine::hazard::risk::{compute_impact, Distance, Exposure, ImpactResult, Mode, RiskConfig, Vulnerability};
use rampart_engine::hazard::synthetic::{self, SyntheticEvents};

/// Two centroids one degree apart, three events:
/// e0 (f 0.1): c0 = 2, c1 = 1;  e1 (f 0.02): c0 = 3;  e2 (f 0.5): c1 = 0.5.
const EVENTS: &str = "event_id,frequency\ne0,0.1\ne1,0.02\ne2,0.5\n";
const CENTROIDS: &str = "centroid_id,lat,lon\nc0,50.0,10.0\nc1,50.0,11.0\n";
const INTENSITY: &str = "event_id,centroid_id,intensity\ne0,c0,2\ne0,c1,1\ne1,c0,3\ne2,c1,0.5\n";
/// MDD 0 → 0.2 → 0.6 and PAA 0 → 0.5 → 1 at intensities 0, 1, 3.
const FUNCTIONS: &str = "function_id,intensity,mdd,paa\nf,0,0,0\nf,1,0.2,0.5\nf,3,0.6,1\n";

/// Assets: a0 (10.1, 50.0) → c0; a1 (10.8, 50.2) → c1 (0.283° vs 0.825° to c0);
/// a2 (14.0, 50.0) is 3° from c1, beyond the 2° cut-off.
const LON: [f64; 3] = [10.1, 10.8, 14.0];
const LAT: [f64; 3] = [50.0, 50.2, 50.0];
const VALUE: [f64; 3] = [100.0, 200.0, 1000.0];
const FUNCTION: [u32; 3] = [0, 0, 0];

fn small_case(config: &RiskConfig) -> ImpactResult {
    let events = EventSet::parse_str(EVENTS, CENTROIDS, INTENSITY).unwrap();
    let functions = ImpactFunctionSet::parse("f.csv", FUNCTIONS.as_bytes()).unwrap();
    let exposure = Exposure { lon: &LON, lat: &LAT, value: &VALUE, function: &FUNCTION };
    compute_impact(&events, &exposure, Vulnerability::ImpactFunctions(&functions), config, None).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * b.abs().max(1.0)
}

/// By hand:
/// - e0: a0 at I = 2 → MDD 0.4 × PAA 0.75 = 0.3 → 30; a1 at I = 1 → 0.2 × 0.5 → 20; total 50.
/// - e1: a0 at I = 3 → 0.6 × 1 → 60; total 60.
/// - e2: a1 at I = 0.5 → 0.1 × 0.25 → 5; total 5.
/// - EAI: a0 = 0.1·30 + 0.02·60 = 4.2; a1 = 0.1·20 + 0.5·5 = 4.5; a2 = 0. AAI = 8.7.
/// - Exceedance: 60 (cum f 0.02, RP 50), 50 (0.12, RP 8.333), 5 (0.62, RP 1.613).
/// - RP 10: 50 + 10·(10 − 8.333)/(50 − 8.333) = 50.4; RP 50: 60; RP 100, 250, 500:
///   beyond the curve, 60 kept.
#[test]
fn climada_impact_by_hand() {
    let r = small_case(&RiskConfig::default());
    assert_eq!(r.event_impact.len(), 3);
    for (got, want) in r.event_impact.iter().zip([50.0, 60.0, 5.0]) {
        assert!(close(*got, want), "{:?}", r.event_impact);
    }
    for (got, want) in r.eai.iter().zip([4.2, 4.5, 0.0]) {
        assert!(close(*got, want), "{:?}", r.eai);
    }
    assert!(close(r.aai, 8.7), "{}", r.aai);
    assert!(close(r.eai.iter().sum::<f64>(), r.aai));
    assert_eq!(r.unassigned_assets, 1);
    assert_eq!(r.exceedance.impact, vec![5.0, 50.0, 60.0]);
    for (got, want) in r.exceedance.return_period.iter().zip([1.0 / 0.62, 1.0 / 0.12, 50.0]) {
        assert!(close(*got, want));
    }
    let rp: Vec<(f64, f64, bool)> = r.return_period_impacts.iter().map(|x| (x.return_period, x.impact, x.within_curve)).collect();
    assert!(close(rp[0].1, 50.4) && rp[0].2, "{rp:?}");
    assert_eq!(&rp[1..], &[(50.0, 60.0, true), (100.0, 60.0, false), (250.0, 60.0, false), (500.0, 60.0, false)]);
}

#[test]
fn a_larger_cutoff_reaches_the_far_asset() {
    let r = small_case(&RiskConfig { distance: Distance::EuclideanDegrees { cutoff_deg: 3.0 }, ..RiskConfig::default() });
    // a2 now takes c1: e0 at I = 1 → 0.1 × 1000 = 100; e2 at 0.5 → 0.025 × 1000 = 25.
    assert!(close(r.event_impact[0], 150.0) && close(r.event_impact[2], 30.0), "{:?}", r.event_impact);
    assert!(close(r.eai[2], 0.1 * 100.0 + 0.5 * 25.0));
}

#[test]
fn cascade_hook_sees_damaged_assets_and_adds_impact() {
    let events = EventSet::parse_str(EVENTS, CENTROIDS, INTENSITY).unwrap();
    let functions = ImpactFunctionSet::parse("f.csv", FUNCTIONS.as_bytes()).unwrap();
    let exposure = Exposure { lon: &LON, lat: &LAT, value: &VALUE, function: &FUNCTION };
    let seen = std::sync::Mutex::new(Vec::new());
    // Damage ratios: e0 a0 0.3, a1 0.1; e1 a0 0.6; e2 a1 0.025. Threshold 0.1.
    let hook = |event: EventId, damaged: &[u32]| {
        seen.lock().unwrap().push((event.0, damaged.to_vec()));
        10.0 * damaged.len() as f64
    };
    let config = RiskConfig { damaged_ratio_threshold: 0.1, ..RiskConfig::default() };
    let r = compute_impact(&events, &exposure, Vulnerability::ImpactFunctions(&functions), &config, Some(&hook)).unwrap();
    let mut seen = seen.into_inner().unwrap();
    seen.sort();
    assert_eq!(seen, vec![(0, vec![0, 1]), (1, vec![0]), (2, vec![])]);
    assert_eq!(r.cascade_impact, vec![20.0, 10.0, 0.0]);
    // AAI gains 0.1·20 + 0.02·10 = 2.2; EAI stays direct.
    assert!(close(r.aai, 8.7 + 2.2));
    assert!(close(r.eai.iter().sum::<f64>(), 8.7));
    assert_eq!(r.total_event_impact(), vec![70.0, 70.0, 5.0]);
}

fn monte_carlo(threads: usize, seed: u64, max_pairs: usize) -> ImpactResult {
    let cfg = SyntheticEvents { n_events: 300, grid: (60, 45), seed: 7, ..SyntheticEvents::default() };
    let events = synthetic::event_set(&cfg).unwrap();
    let fragility = FragilitySet::defaults();
    let pga = fragility.index_of("default", rampart_engine::hazard::impact_fn::HazardKind::Pga).unwrap();
    let power = fragility.index_of("electricity", rampart_engine::hazard::impact_fn::HazardKind::Pga).unwrap();
    let mut assets = synthetic::exposure(5_000, synthetic::EUROPE, 2, 3);
    for f in &mut assets.function {
        *f = if *f == 0 { pga } else { power };
    }
    let config = RiskConfig { mode: Mode::MonteCarlo { seed }, max_pairs_per_chunk: max_pairs, ..RiskConfig::default() };
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().unwrap();
    pool.install(|| compute_impact(&events, &assets.exposure(), Vulnerability::Fragility(&fragility), &config, None).unwrap())
}

#[test]
fn monte_carlo_is_reproducible_across_seeds_threads_and_chunks() {
    let one = monte_carlo(1, 42, 1 << 22);
    assert!(one.aai > 0.0);
    let again = monte_carlo(1, 42, 1 << 22);
    assert_eq!(one, again, "same seed, same result");
    let threads = monte_carlo(3, 42, 1 << 22);
    assert_eq!(one, threads, "thread count does not matter");
    let chunks = monte_carlo(2, 42, 500);
    assert_eq!(one, chunks, "chunk size does not matter");
    let other = monte_carlo(1, 43, 1 << 22);
    assert_ne!(one.event_impact, other.event_impact, "another seed, other draws");
}

#[test]
fn monte_carlo_mean_approaches_the_expected_damage() {
    // One asset at one centroid, 4,000 identical events: the sampled mean damage ratio
    // tends to the fragility model's expected damage ratio.
    let n = 4000;
    let events = EventSet::from_parts(
        (0..n).map(|e| format!("e{e}")).collect(),
        vec![1.0 / n as f64; n],
        rampart_engine::hazard::events::Centroids { ids: vec!["c".into()], lat: vec![45.0], lon: vec![7.0] },
        (0..=n).collect(),
        vec![0; n],
        vec![0.3; n],
    )
    .unwrap();
    let fragility = FragilitySet::defaults();
    let f = fragility.index_of("default", rampart_engine::hazard::impact_fn::HazardKind::Pga).unwrap();
    let exposure = Exposure { lon: &[7.0], lat: &[45.0], value: &[1.0], function: &[f] };
    let expected = fragility.get(f).unwrap().expected_damage_ratio(0.3);
    let config = RiskConfig { mode: Mode::MonteCarlo { seed: 9 }, ..RiskConfig::default() };
    let r = compute_impact(&events, &exposure, Vulnerability::Fragility(&fragility), &config, None).unwrap();
    let deterministic = compute_impact(&events, &exposure, Vulnerability::Fragility(&fragility), &RiskConfig::default(), None).unwrap();
    assert!((deterministic.aai - expected).abs() < 1e-12);
    // Damage ratio ≤ 1, so the standard error is below 0.5/√4000 ≈ 0.008.
    assert!((r.aai - expected).abs() < 0.03, "{} vs {expected}", r.aai);
}

#[test]
fn bad_exposure_is_rejected() {
    let events = EventSet::parse_str(EVENTS, CENTROIDS, INTENSITY).unwrap();
    let functions = ImpactFunctionSet::parse("f.csv", FUNCTIONS.as_bytes()).unwrap();
    let exposure = Exposure { lon: &LON, lat: &LAT, value: &VALUE, function: &[0, 0, 1] };
    let err = compute_impact(&events, &exposure, Vulnerability::ImpactFunctions(&functions), &RiskConfig::default(), None).unwrap_err();
    assert_eq!(err.to_string(), "exposure: asset 2: function index 1 is not below the 1 functions given");
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn impact_never_exceeds_value_and_eai_grows_with_frequency(
        values in proptest::collection::vec(0.0f64..1e6, 3),
        intensities in proptest::collection::vec(0.0f64..5.0, 4),
        freqs in proptest::collection::vec(0.0f64..1.0, 3),
        scale in 1.0f64..10.0,
        monte_carlo in any::<bool>(),
    ) {
        let intensity = format!(
            "event_id,centroid_id,intensity\ne0,c0,{}\ne0,c1,{}\ne1,c0,{}\ne2,c1,{}\n",
            intensities[0], intensities[1], intensities[2], intensities[3]
        );
        let events_text = format!("event_id,frequency\ne0,{}\ne1,{}\ne2,{}\n", freqs[0], freqs[1], freqs[2]);
        let events = EventSet::parse_str(&events_text, CENTROIDS, &intensity).unwrap();
        let functions = ImpactFunctionSet::parse("f.csv", FUNCTIONS.as_bytes()).unwrap();
        let exposure = Exposure { lon: &LON, lat: &LAT, value: &values, function: &FUNCTION };
        let mode = if monte_carlo { Mode::MonteCarlo { seed: 5 } } else { Mode::Deterministic };
        let config = RiskConfig { mode, distance: Distance::EuclideanDegrees { cutoff_deg: 5.0 }, ..RiskConfig::default() };
        let run = |events: &EventSet| compute_impact(events, &exposure, Vulnerability::ImpactFunctions(&functions), &config, None).unwrap();
        let base = run(&events);
        let total_value: f64 = values.iter().sum();
        for impact in &base.event_impact {
            prop_assert!(*impact <= total_value * (1.0 + 1e-12));
        }
        let scaled = events.clone().with_frequency(freqs.iter().map(|f| f * scale).collect()).unwrap();
        let more = run(&scaled);
        for (a, b) in base.eai.iter().zip(&more.eai) {
            prop_assert!(*b >= *a);
            prop_assert!(*a <= values.iter().cloned().fold(0.0, f64::max) * freqs.iter().sum::<f64>() * (1.0 + 1e-12));
        }
    }
}

/// A scenario footprint feeds the impact chain: a car bomb's rings sampled at centroids
/// become a one-event set; buildings at 30 m, 100 m and 1 km take the blast functions.
#[test]
fn blast_scenario_footprint_to_impact() {
    use rampart_engine::hazard::blast::{self, Charge, ThreatItem};
    use rampart_engine::hazard::events::Centroids;
    use rampart_engine::hazard::geodesy::LocalFrame;
    use rampart_engine::hazard::impact_fn::{AssetClassMap, HazardKind};

    let (lon0, lat0) = (4.35, 50.85);
    let rings = blast::rings(&Charge::surface(ThreatItem::Car), &blast::default_thresholds());
    let footprint = blast::footprint(lon0, lat0, &rings, 128);
    let frame = LocalFrame::new(lon0, lat0);
    let points: Vec<(f64, f64)> = [30.0, 100.0, 1000.0].iter().map(|&d| frame.to_lon_lat(d, 0.0)).collect();
    let centroids = Centroids {
        ids: vec!["near".into(), "mid".into(), "far".into()],
        lon: points.iter().map(|p| p.0).collect(),
        lat: points.iter().map(|p| p.1).collect(),
    };
    let kpa = footprint.intensity_at_points(&centroids.lon, &centroids.lat);
    // 30 m is inside the 34.5 kPa ring (34.8 m) but not the 68.9 kPa one (23.6 m);
    // 100 m is inside 6.9 kPa (110.6 m); 1 km is outside every ring.
    assert_eq!(kpa, vec![34.5, 6.9, 0.0]);
    let events = EventSet::from_dense(vec!["car_bomb".into()], vec![1.0], centroids.clone(), &[kpa]).unwrap();
    let functions = ImpactFunctionSet::defaults();
    let classes = AssetClassMap::defaults();
    let function = classes.function_indices(["health", "stadium", "electricity"], HazardKind::Overpressure, &functions).unwrap();
    let value = [1e6, 1e6, 1e6];
    let exposure = Exposure { lon: &centroids.lon, lat: &centroids.lat, value: &value, function: &function };
    let r = compute_impact(&events, &exposure, Vulnerability::ImpactFunctions(&functions), &RiskConfig::default(), None).unwrap();
    // BL_building: MDD 0.6 at 34.5 kPa, 0.05 at 6.9 kPa, PAA 1.
    assert!(close(r.eai[0], 0.6e6) && close(r.eai[1], 0.05e6) && r.eai[2] == 0.0, "{:?}", r.eai);
}
