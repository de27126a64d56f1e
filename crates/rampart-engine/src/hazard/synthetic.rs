//! Seeded synthetic inputs for benchmarks and tests: a grid of centroids with events
//! whose footprints are Gaussian bumps, and randomly placed assets. Deterministic for a
//! seed whatever the number of threads (each event and asset block has its own stream).

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rayon::prelude::*;

use super::events::{Centroids, EventSet, EventSetError};
use super::risk::Exposure;

/// A rectangle in degrees.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Area {
    pub lon_min: f64,
    pub lon_max: f64,
    pub lat_min: f64,
    pub lat_max: f64,
}

/// Roughly central Europe.
pub const EUROPE: Area = Area { lon_min: 0.0, lon_max: 20.0, lat_min: 40.0, lat_max: 55.0 };

#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticEvents {
    pub n_events: usize,
    pub area: Area,
    /// Centroid grid: columns (lon) × rows (lat).
    pub grid: (usize, usize),
    /// Footprint spread σ, in grid cells, drawn uniformly from this range.
    pub sigma_cells: (f64, f64),
    /// Peak intensity drawn uniformly from this range.
    pub peak: (f64, f64),
    /// Sum of the event frequencies (events per year).
    pub annual_rate: f64,
    pub seed: u64,
}

impl Default for SyntheticEvents {
    fn default() -> Self {
        SyntheticEvents {
            n_events: 10_000,
            area: EUROPE,
            grid: (500, 375),
            sigma_cells: (2.0, 8.0),
            peak: (0.05, 1.0),
            annual_rate: 2.0,
            seed: 1,
        }
    }
}

/// Cells below this share of an event's peak are left out of its footprint.
const CUT: f64 = 0.01;

/// Generates the event set: centroid `i` sits at column `i % nx`, row `i / nx`; each
/// event has a random centre, σ and peak, intensity `peak · exp(−d²/2σ²)` down to 1 %
/// of the peak, and frequency `annual_rate / n · U(0.5, 1.5)`.
pub fn event_set(cfg: &SyntheticEvents) -> Result<EventSet, EventSetError> {
    let (nx, ny) = (cfg.grid.0.max(1), cfg.grid.1.max(1));
    let a = cfg.area;
    let dx = (a.lon_max - a.lon_min) / nx as f64;
    let dy = (a.lat_max - a.lat_min) / ny as f64;
    let n_centroids = nx * ny;
    let centroids = Centroids {
        ids: (0..n_centroids).map(|i| format!("c{i}")).collect(),
        lon: (0..n_centroids).map(|i| a.lon_min + (i % nx) as f64 * dx + dx / 2.0).collect(),
        lat: (0..n_centroids).map(|i| a.lat_min + (i / nx) as f64 * dy + dy / 2.0).collect(),
    };
    let per_event: Vec<(f64, Vec<u32>, Vec<f64>)> = (0..cfg.n_events)
        .into_par_iter()
        .map(|e| {
            let mut rng = ChaCha8Rng::seed_from_u64(cfg.seed);
            rng.set_stream(e as u64);
            let cx = rng.gen_range(0.0..nx as f64);
            let cy = rng.gen_range(0.0..ny as f64);
            let sigma = rng.gen_range(cfg.sigma_cells.0..=cfg.sigma_cells.1);
            let peak = rng.gen_range(cfg.peak.0..=cfg.peak.1);
            let frequency = cfg.annual_rate / cfg.n_events as f64 * rng.gen_range(0.5..1.5);
            let reach = sigma * (-2.0 * CUT.ln()).sqrt();
            let (y0, y1) = (((cy - reach).floor().max(0.0)) as usize, ((cy + reach).ceil() as usize).min(ny - 1));
            let (x0, x1) = (((cx - reach).floor().max(0.0)) as usize, ((cx + reach).ceil() as usize).min(nx - 1));
            let mut cells = Vec::new();
            let mut values = Vec::new();
            for y in y0..=y1 {
                for x in x0..=x1 {
                    let d2 = (x as f64 + 0.5 - cx).powi(2) + (y as f64 + 0.5 - cy).powi(2);
                    let v = (-d2 / (2.0 * sigma * sigma)).exp();
                    if v >= CUT {
                        cells.push((y * nx + x) as u32);
                        values.push(peak * v);
                    }
                }
            }
            (frequency, cells, values)
        })
        .collect();
    let mut offsets = Vec::with_capacity(cfg.n_events + 1);
    offsets.push(0);
    let total: usize = per_event.iter().map(|p| p.1.len()).sum();
    let mut centroid = Vec::with_capacity(total);
    let mut intensity = Vec::with_capacity(total);
    let mut frequency = Vec::with_capacity(cfg.n_events);
    for (f, cells, values) in per_event {
        frequency.push(f);
        centroid.extend(cells);
        intensity.extend(values);
        offsets.push(centroid.len());
    }
    let ids = (0..cfg.n_events).map(|e| format!("e{e}")).collect();
    EventSet::from_parts(ids, frequency, centroids, offsets, centroid, intensity)
}

/// Owned exposure columns.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SyntheticExposure {
    pub lon: Vec<f64>,
    pub lat: Vec<f64>,
    pub value: Vec<f64>,
    pub function: Vec<u32>,
}

impl SyntheticExposure {
    pub fn exposure(&self) -> Exposure<'_> {
        Exposure { lon: &self.lon, lat: &self.lat, value: &self.value, function: &self.function }
    }
}

/// `n` assets placed uniformly in `area`, values log-uniform between 1e4 and 1e7, and
/// function indices uniform below `n_functions`.
pub fn exposure(n: usize, area: Area, n_functions: u32, seed: u64) -> SyntheticExposure {
    const BLOCK: usize = 65_536;
    let blocks: Vec<SyntheticExposure> = (0..n.div_ceil(BLOCK))
        .into_par_iter()
        .map(|b| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_e4b0_5e00_0000);
            rng.set_stream(b as u64);
            let len = BLOCK.min(n - b * BLOCK);
            let mut out = SyntheticExposure::default();
            for _ in 0..len {
                out.lon.push(rng.gen_range(area.lon_min..area.lon_max));
                out.lat.push(rng.gen_range(area.lat_min..area.lat_max));
                out.value.push(10f64.powf(rng.gen_range(4.0..7.0)));
                out.function.push(rng.gen_range(0..n_functions.max(1)));
            }
            out
        })
        .collect();
    let mut all = SyntheticExposure::default();
    for b in blocks {
        all.lon.extend(b.lon);
        all.lat.extend(b.lat);
        all.value.extend(b.value);
        all.function.extend(b.function);
    }
    all
}
