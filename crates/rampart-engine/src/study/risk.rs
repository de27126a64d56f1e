//! Probabilistic risk over the registry: an event set with annual frequencies, the
//! registry's assets as exposure, and optionally the cascade each event sets off.
//!
//! Exposure value, by choice:
//! - `economic`: the asset's value per day × the days of a full outage (its
//!   restoration time, or the study horizon when it has none);
//! - `people`: the people the asset serves.
//!
//! With cascades, every event's damaged assets (damage ratio at or above the
//! threshold) start a cascade under the study's rules; the event's impact grows by
//! what the cascade adds beyond the damaged assets themselves: the economic loss of the
//! assets it takes down, or the people left without service at the end of each chain.

use super::{invalid, StudyError};
use crate::cascade::{Cascade, Damage, Rules};
use crate::graph::{Graph, Node};
use crate::hazard::events::{EventId, EventSet};
use crate::hazard::impact_fn::HazardKind;
use crate::hazard::risk::{compute_impact, Exposure, Mode, RiskConfig, Vulnerability as Model};
use crate::impact::summarise;
use serde_json::{json, Value};
use std::collections::HashSet;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::Mutex;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ValueKind {
    Economic,
    People,
}

impl ValueKind {
    pub fn parse(s: &str) -> Result<ValueKind, StudyError> {
        match s {
            "economic" => Ok(ValueKind::Economic),
            "people" => Ok(ValueKind::People),
            other => Err(invalid("value", format!("expected economic or people, found {other:?}"))),
        }
    }
}

#[derive(Debug, Clone)]
pub struct RiskOptions {
    pub measure: HazardKind,
    pub value: ValueKind,
    /// Sample damage per event with this seed; mean damage when `None`.
    pub monte_carlo: Option<u64>,
    /// Use the fragility curves instead of the impact functions.
    pub fragility: bool,
    pub cascades: bool,
    pub rules: Rules,
    pub horizon_h: f64,
    pub damage_threshold: f64,
    /// Assets listed by expected annual impact.
    pub top: usize,
}

fn values(g: &Graph, kind: ValueKind, horizon_h: f64) -> Vec<f64> {
    (0..g.len())
        .map(|i| match kind {
            ValueKind::Economic => {
                let hours = g.restoration_h[i] as f64;
                g.value_per_day[i] as f64 * if hours.is_finite() { hours } else { horizon_h } / 24.0
            }
            ValueKind::People => g.people[i] as f64,
        })
        .collect()
}

/// Runs the risk study. `progress` gets the fraction of events done.
pub fn run(
    g: &Graph,
    events: &EventSet,
    vulnerability: &super::Vulnerability,
    opts: &RiskOptions,
    progress: &(dyn Fn(f64) + Sync),
    cancel: &AtomicBool,
) -> Result<Value, StudyError> {
    if !(0.0..=1.0).contains(&opts.damage_threshold) {
        return Err(invalid("damage_threshold", format!("expected a damage ratio from 0 to 1, found {}", opts.damage_threshold)));
    }
    let value = values(g, opts.value, opts.horizon_h);
    let function: Vec<u32> = if opts.fragility {
        let by_class: Vec<Option<u32>> = g.classes.iter().map(|c| vulnerability.fragility.index_of(c, opts.measure)).collect();
        (0..g.len())
            .map(|i| {
                by_class[g.class[i] as usize].ok_or_else(|| invalid("fragility", format!("no fragility curves for class {:?} and {}", g.classes[g.class[i] as usize], opts.measure.key())))
            })
            .collect::<Result<_, _>>()?
    } else {
        vulnerability.function_column(g, opts.measure)?
    };
    let exposure = Exposure { lon: &g.lon, lat: &g.lat, value: &value, function: &function };
    let model = if opts.fragility { Model::Fragility(&vulnerability.fragility) } else { Model::ImpactFunctions(&vulnerability.functions) };
    let config = RiskConfig {
        mode: opts.monte_carlo.map_or(Mode::Deterministic, |seed| Mode::MonteCarlo { seed }),
        damaged_ratio_threshold: opts.damage_threshold,
        ..RiskConfig::default()
    };

    let pool: Mutex<Vec<Cascade>> = Mutex::new(Vec::new());
    let done = AtomicUsize::new(0);
    let total = events.len().max(1) as f64;
    let cascade_added = |_: EventId, damaged: &[u32]| -> f64 {
        let n = done.fetch_add(1, Ordering::Relaxed) + 1;
        if n.is_multiple_of(64) {
            progress(n as f64 / total);
        }
        if !opts.cascades || damaged.is_empty() || cancel.load(Ordering::Relaxed) {
            return 0.0;
        }
        let mut c = pool.lock().map(|mut p| p.pop()).ok().flatten().unwrap_or_else(|| Cascade::new(g, opts.rules));
        let damage: Vec<Damage> = damaged.iter().map(|&n| Damage::now(n)).collect();
        let changes = c.run(&damage, opts.horizon_h);
        let direct: HashSet<Node> = damaged.iter().copied().collect();
        let indirect: Vec<_> = changes.iter().filter(|ch| !direct.contains(&ch.node)).copied().collect();
        let s = summarise(g, &indirect, opts.horizon_h);
        let added = match opts.value {
            ValueKind::Economic => s.economic_loss,
            ValueKind::People => {
                let mut down: Vec<Node> = indirect.iter().filter(|c| c.down && g.counts_people(c.node)).map(|c| c.node).collect();
                down.sort_unstable();
                down.dedup();
                down.iter().map(|&n| g.people[n as usize] as f64).sum()
            }
        };
        if let Ok(mut p) = pool.lock() {
            p.push(c);
        }
        added
    };
    let result = compute_impact(events, &exposure, model, &config, Some(&cascade_added)).map_err(|e| invalid("exposure", e.to_string()))?;
    if cancel.load(Ordering::Relaxed) {
        return Err(crate::criticality::Cancelled.into());
    }
    progress(1.0);

    let mut order: Vec<usize> = (0..g.len()).filter(|&i| result.eai[i] > 0.0).collect();
    order.sort_by(|&a, &b| result.eai[b].total_cmp(&result.eai[a]).then(a.cmp(&b)));
    let curve = &result.exceedance;
    let step = (curve.return_period.len() / 500).max(1);
    let total_impact = result.total_event_impact();
    Ok(json!({
        "kind": "risk",
        "intensity_measure": opts.measure.key(),
        "value": match opts.value { ValueKind::Economic => "economic", ValueKind::People => "people" },
        "mode": if opts.monte_carlo.is_some() { "monte_carlo" } else { "mean" },
        "seed": opts.monte_carlo,
        "cascades": opts.cascades,
        "events": events.len(),
        "assets": g.len(),
        "unassigned_assets": result.unassigned_assets,
        "aai": result.aai,
        "aai_direct": result.eai.iter().sum::<f64>(),
        "return_periods": result.return_period_impacts.iter().map(|r| json!({
            "return_period": r.return_period, "impact": r.impact, "within_curve": r.within_curve,
        })).collect::<Vec<_>>(),
        "exceedance": curve.return_period.iter().zip(&curve.impact).step_by(step).map(|(rp, i)| json!([rp, i])).collect::<Vec<_>>(),
        "top_assets": order.iter().take(opts.top).map(|&i| json!({
            "asset": g.id(i as Node), "class": g.class_of(i as Node), "country": g.country_of(i as Node), "eai": result.eai[i],
        })).collect::<Vec<_>>(),
        "event_table": (0..events.len()).map(|e| json!({
            "event": events.event_ids()[e], "frequency": result.frequency[e], "impact": result.event_impact[e],
            "cascade": result.cascade_impact[e], "total": total_impact[e],
        })).collect::<Vec<_>>(),
    }))
}
