//! CLIMADA-style impact: exposure × event set × vulnerability → impact per event,
//! expected annual impact per asset, aggregate average annual impact, exceedance curve
//! and impacts at return periods; deterministic or Monte Carlo.
//!
//! Conventions (as CLIMADA's, see METHODS.md §1.2):
//! - an asset takes the intensity of its **nearest centroid**, by Euclidean distance on
//!   raw lon/lat degrees (or great-circle distance on request, [`Distance::Haversine`]);
//!   assets farther than the cut-off (2° by default) get no hazard; ties go to the
//!   lower centroid index; the antimeridian is not handled by the degree metric.
//! - damage = value × MDD(I) × PAA(I), with MDD and PAA interpolated separately
//!   ([`crate::hazard::impact_fn`]); with fragility curves, value × expected damage ratio.
//! - expected annual impact per asset `eai = Σₑ fₑ·impactₑ`; the aggregate
//!   `aai = Σₑ fₑ·(impactₑ + cascadeₑ)` (equal to Σ eai without a cascade hook).
//! - exceedance curve: event impacts sorted descending, cumulative frequency, return
//!   period = 1 / cumulative frequency (events of frequency 0 are left out).
//! - impacts at return periods: linear interpolation in return period between curve
//!   points; outside the curve the end value is kept (as `numpy.interp` in CLIMADA's
//!   `calc_freq_curve`) and the result is flagged `within_curve = false`.
//!
//! **Monte Carlo.** Each event draws from its own ChaCha8 stream (`seed`, stream = event
//! index), visiting its assets in a fixed order, so results do not depend on the number
//! of threads. With fragility curves a damage state is sampled per asset and event;
//! with impact functions an asset is affected with probability PAA(I) and then loses
//! MDD(I).
//!
//! **Memory.** Assets are mapped once to their centroid and the map is inverted, so an
//! event touches only the assets at its non-zero centroids. Events are processed in
//! chunks whose (asset, event) pairs stay under `max_pairs_per_chunk`; chunks run in
//! parallel (rayon) and are merged in event order. Nothing of size assets × events is
//! ever held.

use std::fmt;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;
use rstar::primitives::GeomWithData;
use rstar::RTree;

use super::events::{Centroids, EventId, EventSet};
use super::geodesy::EARTH_RADIUS_M;
use super::impact_fn::{interp_clamped, FragilitySet, ImpactFunctionSet};

/// Exposure as borrowed columns (the engine's graph passes its own columns). Asset
/// `i` is at (`lon[i]`, `lat[i]`), worth `value[i]` (money, people …, ≥ 0), and uses
/// vulnerability entry `function[i]` (an index into the [`ImpactFunctionSet`] or
/// [`FragilitySet`] passed alongside).
#[derive(Debug, Clone, Copy)]
pub struct Exposure<'a> {
    pub lon: &'a [f64],
    pub lat: &'a [f64],
    pub value: &'a [f64],
    pub function: &'a [u32],
}

impl Exposure<'_> {
    pub fn len(&self) -> usize {
        self.value.len()
    }

    pub fn is_empty(&self) -> bool {
        self.value.is_empty()
    }
}

/// How assets find their centroid.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Distance {
    /// Euclidean on raw (lon, lat) degrees, cut-off in degrees (CLIMADA's default).
    EuclideanDegrees { cutoff_deg: f64 },
    /// Great-circle distance, cut-off in km.
    Haversine { cutoff_km: f64 },
}

impl Default for Distance {
    fn default() -> Self {
        Distance::EuclideanDegrees { cutoff_deg: 2.0 }
    }
}

/// Which damage model the `function` column refers to.
#[derive(Debug, Clone, Copy)]
pub enum Vulnerability<'a> {
    ImpactFunctions(&'a ImpactFunctionSet),
    Fragility(&'a FragilitySet),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// Mean damage: MDD × PAA, or the fragility curves' expected damage ratio.
    Deterministic,
    /// Sampled damage, reproducible for a seed.
    MonteCarlo { seed: u64 },
}

#[derive(Debug, Clone, PartialEq)]
pub struct RiskConfig {
    pub distance: Distance,
    pub mode: Mode,
    /// An asset counts as damaged (for the cascade hook) when its damage ratio
    /// (damage / value) is positive and at least this.
    pub damaged_ratio_threshold: f64,
    /// Upper bound on (asset, event) pairs held at once.
    pub max_pairs_per_chunk: usize,
    /// Return periods (years) at which impacts are reported.
    pub return_periods: Vec<f64>,
}

impl Default for RiskConfig {
    fn default() -> Self {
        RiskConfig {
            distance: Distance::default(),
            mode: Mode::Deterministic,
            damaged_ratio_threshold: 0.0,
            max_pairs_per_chunk: 1 << 22,
            return_periods: vec![10.0, 50.0, 100.0, 250.0, 500.0],
        }
    }
}

/// Called once per event with the damaged assets (ascending indices); returns impact
/// to add to the event (e.g. from a cascade through dependencies). Called from several
/// threads at once.
pub type CascadeHook<'a> = &'a (dyn Fn(EventId, &[u32]) -> f64 + Sync);

#[derive(Debug, Clone, PartialEq)]
pub enum RiskError {
    Exposure(String),
}

impl fmt::Display for RiskError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            RiskError::Exposure(m) => write!(f, "exposure: {m}"),
        }
    }
}

impl std::error::Error for RiskError {}

/// Marks an asset with no centroid within the cut-off.
pub const NO_CENTROID: u32 = u32::MAX;

/// Each asset's centroid and, inverted, each centroid's assets.
#[derive(Debug, Clone, PartialEq)]
pub struct Assignment {
    /// Per asset: its centroid index or [`NO_CENTROID`].
    pub centroid: Vec<u32>,
    start: Vec<usize>,
    assets: Vec<u32>,
}

impl Assignment {
    /// The assets (ascending) whose nearest centroid is `c`.
    pub fn assets_at(&self, c: u32) -> &[u32] {
        let c = c as usize;
        match (self.start.get(c), self.start.get(c + 1)) {
            (Some(&a), Some(&b)) => &self.assets[a..b],
            _ => &[],
        }
    }

    /// Number of assets without a centroid.
    pub fn unassigned(&self) -> usize {
        self.centroid.iter().filter(|&&c| c == NO_CENTROID).count()
    }
}

fn unit_vector(lon: f64, lat: f64) -> [f64; 3] {
    let (sl, cl) = lat.to_radians().sin_cos();
    let (so, co) = lon.to_radians().sin_cos();
    [cl * co, cl * so, sl]
}

/// Maps every asset to its nearest centroid (see the module's conventions).
pub fn assign_centroids(lon: &[f64], lat: &[f64], centroids: &Centroids, distance: Distance) -> Assignment {
    let nearest: Vec<u32> = match distance {
        Distance::EuclideanDegrees { cutoff_deg } => {
            let tree = RTree::bulk_load(
                (0..centroids.len()).map(|c| GeomWithData::new([centroids.lon[c], centroids.lat[c]], c as u32)).collect(),
            );
            let limit = cutoff_deg * cutoff_deg;
            lon.par_iter().zip(lat.par_iter()).map(|(&x, &y)| nearest_in(&tree, [x, y], limit)).collect()
        }
        Distance::Haversine { cutoff_km } => {
            // Chord length is monotone in great-circle distance: nearest by chord on the
            // unit sphere is nearest on the globe.
            let tree = RTree::bulk_load(
                (0..centroids.len()).map(|c| GeomWithData::new(unit_vector(centroids.lon[c], centroids.lat[c]), c as u32)).collect(),
            );
            let angle = (cutoff_km * 1000.0 / EARTH_RADIUS_M).min(std::f64::consts::PI);
            let chord = 2.0 * (angle / 2.0).sin();
            lon.par_iter().zip(lat.par_iter()).map(|(&x, &y)| nearest_in(&tree, unit_vector(x, y), chord * chord)).collect()
        }
    };
    invert(nearest, centroids.len())
}

fn nearest_in<P>(tree: &RTree<GeomWithData<P, u32>>, query: P, limit_2: f64) -> u32
where
    P: rstar::Point<Scalar = f64>,
{
    let mut best = NO_CENTROID;
    let mut best_d = f64::INFINITY;
    for (item, d2) in tree.nearest_neighbor_iter_with_distance_2(&query) {
        if d2 > best_d || d2 > limit_2 {
            break;
        }
        best_d = d2;
        best = best.min(item.data);
    }
    best
}

fn invert(centroid: Vec<u32>, n_centroids: usize) -> Assignment {
    let mut start = vec![0usize; n_centroids + 1];
    for &c in &centroid {
        if c != NO_CENTROID {
            start[c as usize + 1] += 1;
        }
    }
    for c in 0..n_centroids {
        start[c + 1] += start[c];
    }
    let mut fill = start.clone();
    let mut assets = vec![0u32; start[n_centroids]];
    for (a, &c) in centroid.iter().enumerate() {
        if c != NO_CENTROID {
            assets[fill[c as usize]] = a as u32;
            fill[c as usize] += 1;
        }
    }
    Assignment { centroid, start, assets }
}

/// The exceedance frequency curve, ascending in return period.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ExceedanceCurve {
    pub return_period: Vec<f64>,
    pub impact: Vec<f64>,
}

/// An impact read off the exceedance curve.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ReturnPeriodImpact {
    pub return_period: f64,
    pub impact: f64,
    /// False when the return period lies outside the curve and the end value was kept.
    pub within_curve: bool,
}

/// Sorts impacts descending, accumulates frequency, return period = 1 / cumulative
/// frequency; events with frequency 0 are left out. Ties keep event order.
pub fn exceedance_curve(impact: &[f64], frequency: &[f64]) -> ExceedanceCurve {
    let mut order: Vec<usize> = (0..impact.len().min(frequency.len())).filter(|&e| frequency[e] > 0.0).collect();
    order.sort_by(|&a, &b| impact[b].total_cmp(&impact[a]));
    let mut cumulative = 0.0;
    let mut curve = ExceedanceCurve { return_period: Vec::with_capacity(order.len()), impact: Vec::with_capacity(order.len()) };
    for &e in &order {
        cumulative += frequency[e];
        curve.return_period.push(1.0 / cumulative);
        curve.impact.push(impact[e]);
    }
    curve.return_period.reverse();
    curve.impact.reverse();
    curve
}

/// Impacts at the given return periods (see the module's conventions).
pub fn impacts_at_return_periods(curve: &ExceedanceCurve, return_periods: &[f64]) -> Vec<ReturnPeriodImpact> {
    let rp = &curve.return_period;
    return_periods
        .iter()
        .map(|&r| ReturnPeriodImpact {
            return_period: r,
            impact: interp_clamped(rp, &curve.impact, r),
            within_curve: !rp.is_empty() && r >= rp[0] && r <= rp[rp.len() - 1],
        })
        .collect()
}

/// Everything an impact run produces.
#[derive(Debug, Clone, PartialEq)]
pub struct ImpactResult {
    /// Direct impact per event.
    pub event_impact: Vec<f64>,
    /// Impact added by the cascade hook per event (zeros without a hook).
    pub cascade_impact: Vec<f64>,
    /// Frequency per event (copied from the event set).
    pub frequency: Vec<f64>,
    /// Expected annual (direct) impact per asset.
    pub eai: Vec<f64>,
    /// Aggregate average annual impact, cascades included.
    pub aai: f64,
    /// Exceedance curve of the total (direct + cascade) event impact.
    pub exceedance: ExceedanceCurve,
    pub return_period_impacts: Vec<ReturnPeriodImpact>,
    /// Assets with no centroid within the cut-off.
    pub unassigned_assets: usize,
}

impl ImpactResult {
    /// Direct + cascade impact per event.
    pub fn total_event_impact(&self) -> Vec<f64> {
        self.event_impact.iter().zip(&self.cascade_impact).map(|(a, b)| a + b).collect()
    }
}

fn check_exposure(exposure: &Exposure<'_>, vulnerability: Vulnerability<'_>) -> Result<(), RiskError> {
    let n = exposure.value.len();
    if exposure.lon.len() != n || exposure.lat.len() != n || exposure.function.len() != n {
        return Err(RiskError::Exposure(format!(
            "columns differ in length (lon {}, lat {}, value {}, function {})",
            exposure.lon.len(),
            exposure.lat.len(),
            n,
            exposure.function.len()
        )));
    }
    let functions = match vulnerability {
        Vulnerability::ImpactFunctions(set) => set.len(),
        Vulnerability::Fragility(set) => set.models().len(),
    };
    for i in 0..n {
        if !(exposure.value[i].is_finite() && exposure.value[i] >= 0.0) {
            return Err(RiskError::Exposure(format!("asset {i}: value must be a finite number ≥ 0, got {}", exposure.value[i])));
        }
        if !(exposure.lon[i].is_finite() && exposure.lat[i].is_finite()) {
            return Err(RiskError::Exposure(format!("asset {i}: coordinates must be finite")));
        }
        if exposure.function[i] as usize >= functions {
            return Err(RiskError::Exposure(format!(
                "asset {i}: function index {} is not below the {functions} functions given",
                exposure.function[i]
            )));
        }
    }
    Ok(())
}

/// Runs the impact calculation (assigns centroids first).
pub fn compute_impact(
    events: &EventSet,
    exposure: &Exposure<'_>,
    vulnerability: Vulnerability<'_>,
    config: &RiskConfig,
    cascade: Option<CascadeHook<'_>>,
) -> Result<ImpactResult, RiskError> {
    check_exposure(exposure, vulnerability)?;
    let assignment = assign_centroids(exposure.lon, exposure.lat, events.centroids(), config.distance);
    compute_impact_assigned(events, exposure, &assignment, vulnerability, config, cascade)
}

/// What one event produced.
struct EventOutcome {
    damages: Vec<(u32, f64)>,
    direct: f64,
    cascade: f64,
}

/// Runs the impact calculation with a centroid assignment made earlier by
/// [`assign_centroids`] for the same exposure and event set.
pub fn compute_impact_assigned(
    events: &EventSet,
    exposure: &Exposure<'_>,
    assignment: &Assignment,
    vulnerability: Vulnerability<'_>,
    config: &RiskConfig,
    cascade: Option<CascadeHook<'_>>,
) -> Result<ImpactResult, RiskError> {
    check_exposure(exposure, vulnerability)?;
    if assignment.centroid.len() != exposure.len() {
        return Err(RiskError::Exposure("the centroid assignment was made for another exposure".into()));
    }
    let n_events = events.len();
    // Pairs each event will touch, to cut the events into bounded chunks.
    let pairs: Vec<usize> = (0..n_events)
        .into_par_iter()
        .map(|e| events.footprint(EventId(e as u32)).0.iter().map(|&c| assignment.assets_at(c).len()).sum())
        .collect();
    let mut result = ImpactResult {
        event_impact: vec![0.0; n_events],
        cascade_impact: vec![0.0; n_events],
        frequency: events.frequency().to_vec(),
        eai: vec![0.0; exposure.len()],
        aai: 0.0,
        exceedance: ExceedanceCurve::default(),
        return_period_impacts: vec![],
        unassigned_assets: assignment.unassigned(),
    };
    let cap = config.max_pairs_per_chunk.max(1);
    let mut first = 0;
    while first < n_events {
        let mut last = first;
        let mut held = 0usize;
        while last < n_events && (last == first || held + pairs[last] <= cap) {
            held += pairs[last];
            last += 1;
        }
        let outcomes: Vec<EventOutcome> = (first..last)
            .into_par_iter()
            .map(|e| one_event(EventId(e as u32), events, exposure, assignment, vulnerability, config, cascade))
            .collect();
        for (k, outcome) in outcomes.into_iter().enumerate() {
            let e = first + k;
            let f = result.frequency[e];
            for (a, d) in outcome.damages {
                result.eai[a as usize] += f * d;
            }
            result.event_impact[e] = outcome.direct;
            result.cascade_impact[e] = outcome.cascade;
        }
        first = last;
    }
    let total = result.total_event_impact();
    result.aai = total.iter().zip(&result.frequency).map(|(i, f)| i * f).sum();
    result.exceedance = exceedance_curve(&total, &result.frequency);
    result.return_period_impacts = impacts_at_return_periods(&result.exceedance, &config.return_periods);
    Ok(result)
}

fn one_event(
    event: EventId,
    events: &EventSet,
    exposure: &Exposure<'_>,
    assignment: &Assignment,
    vulnerability: Vulnerability<'_>,
    config: &RiskConfig,
    cascade: Option<CascadeHook<'_>>,
) -> EventOutcome {
    let (centroids, intensities) = events.footprint(event);
    let mut rng = match config.mode {
        Mode::MonteCarlo { seed } => {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(u64::from(event.0));
            Some(rng)
        }
        Mode::Deterministic => None,
    };
    let mut damages = Vec::new();
    let mut damaged = Vec::new();
    let mut direct = 0.0;
    for (&c, &intensity) in centroids.iter().zip(intensities) {
        for &a in assignment.assets_at(c) {
            let f = exposure.function[a as usize];
            let ratio = match (vulnerability, rng.as_mut()) {
                (Vulnerability::ImpactFunctions(set), None) => set.get(f).map_or(0.0, |func| func.mdr(intensity)),
                (Vulnerability::ImpactFunctions(set), Some(rng)) => {
                    let u: f64 = rng.gen();
                    set.get(f).map_or(0.0, |func| if u < func.paa(intensity) { func.mdd(intensity) } else { 0.0 })
                }
                (Vulnerability::Fragility(set), None) => set.get(f).map_or(0.0, |m| m.expected_damage_ratio(intensity)),
                (Vulnerability::Fragility(set), Some(rng)) => {
                    let u: f64 = rng.gen();
                    set.get(f).map_or(0.0, |m| m.sample_damage_ratio(intensity, u))
                }
            };
            if ratio > 0.0 {
                let d = exposure.value[a as usize] * ratio;
                direct += d;
                damages.push((a, d));
                if cascade.is_some() && ratio >= config.damaged_ratio_threshold {
                    damaged.push(a);
                }
            }
        }
    }
    let cascade = match cascade {
        Some(hook) => {
            damaged.sort_unstable();
            hook(event, &damaged)
        }
        None => 0.0,
    };
    EventOutcome { damages, direct, cascade }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_centroid_ties_go_to_the_lower_index_and_cutoff_applies() {
        let centroids = Centroids { ids: vec!["a".into(), "b".into()], lat: vec![0.0, 0.0], lon: vec![1.0, -1.0] };
        let a = assign_centroids(&[0.0, 3.5, -2.9], &[0.0, 0.0, 0.0], &centroids, Distance::default());
        assert_eq!(a.centroid, vec![0, NO_CENTROID, 1]);
        assert_eq!(a.assets_at(1), &[2]);
        let h = assign_centroids(&[0.0, 3.5], &[0.0, 0.0], &centroids, Distance::Haversine { cutoff_km: 300.0 });
        assert_eq!(h.centroid, vec![0, 0]);
    }

    #[test]
    fn exceedance_curve_and_return_periods() {
        let curve = exceedance_curve(&[50.0, 60.0, 5.0, 99.0], &[0.1, 0.02, 0.5, 0.0]);
        assert_eq!(curve.impact, vec![5.0, 50.0, 60.0]);
        let expected = [1.0 / 0.62, 1.0 / 0.12, 1.0 / 0.02];
        for (a, b) in curve.return_period.iter().zip(expected) {
            assert!((a - b).abs() < 1e-12);
        }
        let at = impacts_at_return_periods(&curve, &[1.0, 10.0, 500.0]);
        assert_eq!((at[0].impact, at[0].within_curve), (5.0, false));
        assert!((at[1].impact - 50.4).abs() < 1e-9 && at[1].within_curve);
        assert_eq!((at[2].impact, at[2].within_curve), (60.0, false));
    }
}
