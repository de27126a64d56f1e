//! Which assets matter most: the impact of losing each asset alone (N-1), the worst
//! pairs among the most critical, and each asset's reach across member states.
//!
//! Every asset is taken out at time 0 and comes back after its restoration time (when
//! the study restores); the cascade runs to the horizon and is scored by person-hours
//! without service, then economic loss. Runs are independent, so they spread over all
//! cores, each thread with its own cascade workspace. What each asset's loss cuts off
//! from the sources of its networks comes from their dominator trees, built once
//! ([`SingleFailures`]), not from a search per asset.

use crate::cascade::{Cascade, Damage, Rules};
use crate::graph::{Graph, Node};
use crate::impact::{summarise, Summary};
use crate::single::SingleFailures;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

/// Member states an asset must affect to be of particular European significance
/// (Directive (EU) 2022/2557, Art. 17).
pub const EUROPEAN_SIGNIFICANCE: usize = 6;

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Ranked {
    pub node: Node,
    pub summary: Summary,
    /// Member states with an asset down, the asset's own included.
    pub member_states: u32,
    /// Member states other than the asset's own with an asset down.
    pub cross_border: u32,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Pair {
    pub a: Node,
    pub b: Node,
    pub summary: Summary,
    /// Person-hours of the pair beyond the two losses taken one at a time: large when
    /// the two back each other up.
    pub excess_person_hours: f64,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("the study was cancelled")]
pub struct Cancelled;

/// Options of a criticality study.
#[derive(Debug, Clone, Copy)]
pub struct Study {
    pub rules: Rules,
    pub horizon_h: f64,
    /// How many of the top-ranked assets are paired with each other.
    pub pair_candidates: usize,
}

impl Default for Study {
    fn default() -> Study {
        Study { rules: Rules::default(), horizon_h: 72.0, pair_candidates: 30 }
    }
}

fn member_state_flags(g: &Graph) -> Vec<bool> {
    g.countries.iter().map(|c| rampart_core::CountryCode::parse(c).map(|c| c.is_eu_member()).unwrap_or(false)).collect()
}

fn order(a: &Summary, b: &Summary) -> std::cmp::Ordering {
    b.person_hours
        .total_cmp(&a.person_hours)
        .then(b.economic_loss.total_cmp(&a.economic_loss))
        .then(b.assets_down.cmp(&a.assets_down))
}

/// The N-1 study over `nodes` (every asset when `None`), ranked. `done` is called with
/// the number of assets finished so far, from any thread.
pub fn single_losses(
    g: &Graph,
    study: &Study,
    nodes: Option<&[Node]>,
    done: &(dyn Fn(usize) + Sync),
    cancel: &AtomicBool,
) -> Result<Vec<Ranked>, Cancelled> {
    let eu = member_state_flags(g);
    let all: Vec<Node>;
    let nodes = match nodes {
        Some(n) => n,
        None => {
            all = (0..g.len() as Node).collect();
            &all
        }
    };
    let single = SingleFailures::new(g);
    let mut ranked: Vec<Ranked> = runs(g, study.rules, Some(&single), nodes.len(), done, cancel, |cascade, k| {
        let node = nodes[k];
        let changes = cascade.run(&[Damage::now(node)], study.horizon_h);
        let summary = summarise(g, changes, study.horizon_h);
        let own = g.country[node as usize];
        let member_states = summary.countries.iter().filter(|&&c| eu[c as usize]).count() as u32;
        let cross_border = summary.countries.iter().filter(|&&c| eu[c as usize] && c != own).count() as u32;
        Ranked { node, summary, member_states, cross_border }
    });
    if cancel.load(Ordering::Relaxed) {
        return Err(Cancelled);
    }
    ranked.sort_by(|a, b| order(&a.summary, &b.summary).then(a.node.cmp(&b.node)));
    Ok(ranked)
}

/// Every pair among the first `study.pair_candidates` of a ranking, worst first.
pub fn worst_pairs(g: &Graph, study: &Study, ranked: &[Ranked]) -> Vec<Pair> {
    let top: Vec<&Ranked> = ranked.iter().take(study.pair_candidates).collect();
    let pairs: Vec<(usize, usize)> = (0..top.len()).flat_map(|i| (i + 1..top.len()).map(move |j| (i, j))).collect();
    let mut out: Vec<Pair> = runs(g, study.rules, None, pairs.len(), &|_| {}, &AtomicBool::new(false), |cascade, k| {
        let (a, b) = (top[pairs[k].0], top[pairs[k].1]);
        let changes = cascade.run(&[Damage::now(a.node), Damage::now(b.node)], study.horizon_h);
        let summary = summarise(g, changes, study.horizon_h);
        let excess = summary.person_hours - a.summary.person_hours - b.summary.person_hours;
        Pair { a: a.node, b: b.node, summary, excess_person_hours: excess }
    });
    out.sort_by(|x, y| order(&x.summary, &y.summary).then((x.a, x.b).cmp(&(y.a, y.b))));
    out
}

/// Runs `count` cascades on every core, each thread with one workspace, taking work in
/// chunks from a shared cursor. Results come back in index order.
pub(crate) fn runs<'g, T: Send>(
    g: &'g Graph,
    rules: Rules,
    single: Option<&'g SingleFailures>,
    count: usize,
    done: &(dyn Fn(usize) + Sync),
    cancel: &AtomicBool,
    f: impl Fn(&mut Cascade<'g>, usize) -> T + Sync,
) -> Vec<T> {
    const CHUNK: usize = 64;
    let cursor = AtomicUsize::new(0);
    let finished = AtomicUsize::new(0);
    let threads = rayon::current_num_threads().clamp(1, count.div_ceil(CHUNK).max(1));
    let mut parts: Vec<Vec<(usize, T)>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..threads)
            .map(|_| {
                s.spawn(|| {
                    let mut cascade = match single {
                        Some(s) => Cascade::with_single_failures(g, rules, s),
                        None => Cascade::new(g, rules),
                    };
                    let mut out = Vec::new();
                    loop {
                        let start = cursor.fetch_add(CHUNK, Ordering::Relaxed);
                        if start >= count || cancel.load(Ordering::Relaxed) {
                            break;
                        }
                        let end = (start + CHUNK).min(count);
                        for k in start..end {
                            out.push((k, f(&mut cascade, k)));
                        }
                        done(finished.fetch_add(end - start, Ordering::Relaxed) + end - start);
                    }
                    out
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap_or_else(|e| std::panic::resume_unwind(e))).collect()
    });
    let mut all: Vec<(usize, T)> = parts.iter_mut().flat_map(std::mem::take).collect();
    all.sort_unstable_by_key(|x| x.0);
    all.into_iter().map(|x| x.1).collect()
}
