//! The plan: regions, and how many assets of each type each place gets. It is
//! computed once per run, deterministically from the requested size, before any
//! asset is generated, so every chunk knows the ids of every other chunk's assets.

use crate::data::{world, City, World};
use crate::types::{Elig, T, ALL, COLD, MAJOR_SEAPORTS, NO_GAS, NT, RIVER_PORTS, SEAPORTS};
use std::collections::HashSet;
use std::sync::OnceLock;
use std::ops::Range;

/// One region per this many requested assets.
pub const ASSETS_PER_REGION: u64 = 5_000;

pub struct Region {
    /// Index into `SCOPE`.
    pub country: usize,
    /// 0 for the country's first (largest) region.
    pub index_in_country: usize,
    /// The region's main place, index into `World::cities`.
    pub hub: usize,
    /// Its places, largest first.
    pub cities: Vec<usize>,
    pub pop: u64,
    pub counts: [u32; NT],
}

/// A pair of neighbouring countries and the places facing each other across the
/// border, closest large pair first.
pub struct Border {
    pub a: usize,
    pub b: usize,
    pub land: bool,
    pub pairs: Vec<(usize, usize)>,
}

pub struct Plan {
    /// Most assets in one chunk: a larger region is emitted as several chunks.
    pub part: usize,
    pub borders: &'static [Border],
    /// Index of each region's first chunk; the last entry is the final chunk's.
    pub part_start: Vec<usize>,
    pub regions: Vec<Region>,
    /// Assets per place and type.
    pub counts: Vec<[u32; NT]>,
    /// Sequence number of the first asset of each place and type (ids are
    /// numbered per country and type, from 1, in region then place order).
    pub first: Vec<[u32; NT]>,
    pub country_counts: Vec<[u64; NT]>,
    pub country_regions: Vec<Range<usize>>,
}

/// Approximate planar distance in km, good enough for "nearest" at regional scale.
pub fn fast_km(a: &City, b: &City) -> f64 {
    let dx = (a.lon - b.lon) * ((a.lat + b.lat) * 0.5).to_radians().cos() * 111.32;
    let dy = (a.lat - b.lat) * 110.574;
    (dx * dx + dy * dy).sqrt()
}

struct Flags {
    seaport: HashSet<usize>,
    major_seaport: HashSet<usize>,
    river: HashSet<usize>,
}

fn flags(w: &World) -> Flags {
    let find = |list: &[(&str, &str)]| -> HashSet<usize> {
        list.iter()
            .filter_map(|(cc, name)| {
                let ci = w.scope_index(cc)?;
                w.scope[ci].cities.clone().find(|&i| w.cities[i].name == *name)
            })
            .collect()
    };
    let seaport = find(SEAPORTS);
    let major_seaport =
        w.cities.iter().enumerate().filter(|(_, c)| MAJOR_SEAPORTS.contains(&c.name.as_str()) && c.pop > 50_000).map(|(i, _)| i).collect();
    Flags { seaport, major_seaport, river: find(RIVER_PORTS) }
}

/// Weight of a place for a type at the reference scale.
fn weight(w: &World, f: &Flags, t: T, ci: usize, capital: bool) -> f64 {
    let d = t.def();
    let c = &w.cities[ci];
    let cc = w.scope[c.country].code;
    let cc = cc.as_str();
    let listed = match d.elig {
        Elig::Any => true,
        Elig::Cold => COLD.contains(&cc),
        Elig::Gas => !NO_GAS.contains(&cc),
        Elig::Sea => c.coastal || f.seaport.contains(&ci),
        Elig::River => f.river.contains(&ci),
    };
    if !listed {
        return 0.0;
    }
    let pop = c.pop as f64;
    if capital && d.capital > 0.0 {
        return d.capital + d.base + pop / d.people_per;
    }
    let forced = matches!(d.elig, Elig::River) || (matches!(d.elig, Elig::Sea) && f.seaport.contains(&ci));
    if c.pop < d.min_pop && !forced {
        return 0.0;
    }
    let major = if t == T::Prt && f.major_seaport.contains(&ci) { 1.5 } else { 0.0 };
    d.base + major + pop / d.people_per
}

pub fn build(assets: u64, part: usize, assets_per_region: u64) -> Plan {
    let part = part.max(1);
    let w = world();
    let n_cities = w.cities.len();
    let pop_all: u64 = w.scope.iter().map(|s| s.pop).sum::<u64>().max(1);
    let r_total = (assets / assets_per_region.max(1)).max(1) as f64;

    // Regions: hubs are the largest places at least `d` km apart; every place goes to
    // its nearest hub.
    let mut regions = Vec::new();
    let mut country_regions = Vec::with_capacity(w.scope.len());
    let mut region_of = vec![u32::MAX; n_cities];
    let mut capital = vec![None; w.scope.len()];
    for (ci, sc) in w.scope.iter().enumerate() {
        let start = regions.len();
        let cities: Vec<usize> = sc.cities.clone().collect();
        if cities.is_empty() {
            country_regions.push(start..start);
            continue;
        }
        capital[ci] = Some(cities[0]);
        let rc = ((r_total * sc.pop as f64 / pop_all as f64).round() as usize).clamp(1, cities.len());
        let mut d = 0.6 * (sc.area_km2 / rc as f64).sqrt();
        let mut hubs: Vec<usize> = Vec::with_capacity(rc);
        let mut chosen = vec![false; cities.len()];
        while hubs.len() < rc && d > 0.05 {
            for (k, &c) in cities.iter().enumerate() {
                if hubs.len() == rc {
                    break;
                }
                if !chosen[k] && hubs.iter().all(|&h| fast_km(&w.cities[h], &w.cities[c]) >= d) {
                    chosen[k] = true;
                    hubs.push(c);
                }
            }
            d *= 0.7;
        }
        let mut members: Vec<Vec<usize>> = vec![Vec::new(); hubs.len()];
        for &c in &cities {
            let mut best = (f64::MAX, 0);
            for (k, &h) in hubs.iter().enumerate() {
                let dist = fast_km(&w.cities[h], &w.cities[c]);
                if dist < best.0 {
                    best = (dist, k);
                }
            }
            members[best.1].push(c);
        }
        for (k, (hub, cs)) in hubs.into_iter().zip(members).enumerate() {
            let pop = cs.iter().map(|&c| w.cities[c].pop).sum();
            for &c in &cs {
                region_of[c] = (start + k) as u32;
            }
            regions.push(Region { country: ci, index_in_country: k, hub, cities: cs, pop, counts: [0; NT] });
        }
        country_regions.push(start..regions.len());
    }

    // Fixed allocations, by priority, while the budget lasts: what every region and
    // every large city must have for the registry to hang together.
    let mut counts = vec![[0u32; NT]; n_cities];
    let mut budget = assets;
    let mut by_pop: Vec<usize> = (0..regions.len()).collect();
    by_pop.sort_by(|&a, &b| regions[b].pop.cmp(&regions[a].pop).then(a.cmp(&b)));
    let mut fixed: Vec<(usize, T)> = Vec::new();
    fixed.extend(by_pop.iter().map(|&r| (regions[r].hub, T::Tss)));
    for t in [T::Sub, T::Tel, T::Wtr, T::Hos] {
        fixed.extend(by_pop.iter().map(|&r| (regions[r].hub, t)));
    }
    let borders = border_pairs();
    for b in borders {
        if let Some(&(x, y)) = b.pairs.first() {
            fixed.extend([(x, T::Tss), (y, T::Tss)]);
        }
    }
    let gas = |c: usize| !NO_GAS.contains(&w.scope[w.cities[c].country].code.as_str());
    for b in borders {
        if let Some(&(x, y)) = b.pairs.first() {
            if b.land {
                fixed.extend([(x, T::Stn), (y, T::Stn)]);
            }
            if gas(x) && gas(y) {
                fixed.extend([(x, T::Gcs), (y, T::Gcs)]);
            }
        }
    }
    let mut big: Vec<usize> = (0..n_cities).filter(|&c| w.cities[c].pop >= 500_000).collect();
    big.sort_by(|&a, &b| w.cities[b].pop.cmp(&w.cities[a].pop).then(a.cmp(&b)));
    for &c in &big {
        fixed.extend([(c, T::Sta), (c, T::Stn), (c, T::Air), (c, T::Arn)]);
    }
    for &c in capital.iter().flatten() {
        fixed.push((c, T::Adm));
        if w.cities[c].pop >= 200_000 {
            fixed.push((c, T::Fmi));
        }
    }
    for t in [T::Ppl, T::Stn, T::Adm] {
        fixed.extend(by_pop.iter().filter(|&&r| w.cities[regions[r].hub].pop >= 3_000).map(|&r| (regions[r].hub, t)));
    }
    for (c, t) in fixed {
        if budget == 0 {
            break;
        }
        counts[c][t.idx()] += 1;
        budget -= 1;
    }

    // The rest is shared out by weight. Each type's total follows the size with its
    // own elasticity: total(f) = sum over types of W_t * f^e_t = budget.
    if budget > 0 {
        let weights = weights();
        let mut totals = [0.0f64; NT];
        for (c, row) in weights.iter().enumerate() {
            if region_of[c] == u32::MAX {
                continue;
            }
            for (tot, x) in totals.iter_mut().zip(row) {
                *tot += x;
            }
        }
        let total_at = |f: f64| -> f64 { ALL.iter().map(|t| totals[t.idx()] * f.powf(t.def().elasticity)).sum() };
        let target = budget as f64;
        let (mut lo, mut hi) = (1e-12f64, 1.0f64);
        while total_at(hi) < target {
            hi *= 4.0;
        }
        for _ in 0..200 {
            let mid = (lo * hi).sqrt();
            if total_at(mid) <= target {
                lo = mid;
            } else {
                hi = mid;
            }
        }
        let scale: [f64; NT] = std::array::from_fn(|i| lo.powf(ALL[i].def().elasticity));
        // Two levels of largest remainders: the budget over (region, type) first, so
        // that every region gets its share however its population is split into
        // places; then each (region, type) total over the region's places.
        let region_q: Vec<[f64; NT]> = regions
            .iter()
            .map(|r| {
                let mut q = [0.0; NT];
                for &c in &r.cities {
                    for i in 0..NT {
                        q[i] += weights[c][i] * scale[i];
                    }
                }
                q
            })
            .collect();
        let flat: Vec<f64> = region_q.iter().flat_map(|q| q.iter().copied()).collect();
        let region_n = apportion(&flat, budget);
        for (r, region) in regions.iter().enumerate() {
            for i in 0..NT {
                let m = region_n[r * NT + i];
                if m == 0 {
                    continue;
                }
                let q: Vec<f64> = region.cities.iter().map(|&c| weights[c][i]).collect();
                for (k, got) in apportion(&q, m).into_iter().enumerate() {
                    counts[region.cities[k]][i] += got as u32;
                }
            }
        }
    }

    // Sequence numbers per country and type, in region then place order.
    let mut first = vec![[0u32; NT]; n_cities];
    let mut country_counts = vec![[0u64; NT]; w.scope.len()];
    for r in &mut regions {
        let cc = &mut country_counts[r.country];
        for &c in &r.cities {
            for i in 0..NT {
                first[c][i] = cc[i] as u32 + 1;
                cc[i] += counts[c][i] as u64;
                r.counts[i] += counts[c][i];
            }
        }
    }
    let mut part_start = Vec::with_capacity(regions.len() + 1);
    let mut next = 0;
    for r in &regions {
        part_start.push(next);
        let total: usize = r.counts.iter().map(|&c| c as usize).sum();
        next += total.div_ceil(part).max(1);
    }
    part_start.push(next);
    Plan { part, borders: border_pairs(), part_start, regions, counts, first, country_counts, country_regions }
}

/// For every pair of neighbours, up to three pairs of places of 10,000 or more facing
/// each other within 150 km (closest and largest first, each place used once); when
/// there is none, the closest pair of places of any size.
pub fn border_pairs() -> &'static [Border] {
    static BORDERS: OnceLock<Vec<Border>> = OnceLock::new();
    BORDERS.get_or_init(|| borders(world()))
}

/// Weight of every place for every type at the reference scale (they do not depend
/// on the requested size).
fn weights() -> &'static [[f64; NT]] {
    static WEIGHTS: OnceLock<Vec<[f64; NT]>> = OnceLock::new();
    WEIGHTS.get_or_init(|| {
        use rayon::prelude::*;
        let w = world();
        let fl = flags(w);
        let mut is_capital = vec![false; w.cities.len()];
        for sc in &w.scope {
            if !sc.cities.is_empty() {
                is_capital[sc.cities.start] = true;
            }
        }
        (0..w.cities.len())
            .into_par_iter()
            .map(|c| {
                let mut row = [0.0; NT];
                for t in ALL {
                    row[t.idx()] = weight(w, &fl, t, c, is_capital[c]);
                }
                row
            })
            .collect()
    })
}

fn borders(w: &World) -> Vec<Border> {
    let big = |country: usize, min: u64| -> Vec<usize> { w.scope[country].cities.clone().filter(|&c| w.cities[c].pop >= min).collect() };
    let mut out = Vec::with_capacity(w.neighbours.len());
    for nb in &w.neighbours {
        let (ba, bb) = (big(nb.a, 10_000), big(nb.b, 10_000));
        let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
        for &x in &ba {
            let cx = &w.cities[x];
            for &y in &bb {
                let cy = &w.cities[y];
                if (cx.lat - cy.lat).abs() > 1.4 {
                    continue;
                }
                let d = fast_km(cx, cy);
                if d <= 150.0 {
                    let weight = (cx.pop.min(cy.pop) as f64).ln();
                    pairs.push((d / weight, x, y));
                }
            }
        }
        pairs.sort_by(|p, q| p.0.total_cmp(&q.0).then(p.1.cmp(&q.1)).then(p.2.cmp(&q.2)));
        let mut chosen: Vec<(usize, usize)> = Vec::new();
        for &(_, x, y) in &pairs {
            if chosen.len() == 3 {
                break;
            }
            if !chosen.iter().any(|&(p, q)| p == x || q == y) {
                chosen.push((x, y));
            }
        }
        if chosen.is_empty() {
            let mut closest: Option<(f64, usize, usize)> = None;
            for x in w.scope[nb.a].cities.clone() {
                for y in w.scope[nb.b].cities.clone() {
                    let d = fast_km(&w.cities[x], &w.cities[y]);
                    if closest.is_none_or(|c| d < c.0) {
                        closest = Some((d, x, y));
                    }
                }
            }
            chosen.extend(closest.map(|c| (c.1, c.2)));
        }
        out.push(Border { a: nb.a, b: nb.b, land: nb.land, pairs: chosen });
    }
    out
}

/// Shares `total` out in proportion to `q` by largest remainders (ties to the earlier
/// entry); the result adds up to `total` exactly when some `q` is positive.
pub fn apportion(q: &[f64], total: u64) -> Vec<u64> {
    let sum: f64 = q.iter().filter(|x| **x > 0.0).sum();
    let mut out = vec![0u64; q.len()];
    if sum <= 0.0 || total == 0 {
        return out;
    }
    let k = total as f64 / sum;
    let mut given = 0u64;
    let mut rems: Vec<(f64, u32)> = Vec::new();
    for (i, &x) in q.iter().enumerate() {
        if x > 0.0 {
            let share = x * k;
            let f = share.floor();
            out[i] = f as u64;
            given += f as u64;
            rems.push((share - f, i as u32));
        }
    }
    let mut extras = total.saturating_sub(given) as usize;
    let cmp = |a: &(f64, u32), b: &(f64, u32)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    while extras > 0 && !rems.is_empty() {
        let take = extras.min(rems.len());
        if take < rems.len() {
            rems.select_nth_unstable_by(take - 1, cmp);
        }
        for &(_, i) in &rems[..take] {
            out[i as usize] += 1;
        }
        extras -= take;
    }
    out
}

impl Plan {
    /// Chunks of region `r`.
    pub fn parts(&self, r: usize) -> usize {
        self.part_start[r + 1] - self.part_start[r]
    }

    /// Chunks of the whole run, the final one included.
    pub fn chunk_total(&self) -> usize {
        self.part_start[self.regions.len()] + 1
    }
}
