//! A synthetic but grounded registry of Europe's critical infrastructure and public
//! spaces: organisations, assets, dependencies and network links, for demos, tests
//! and benchmarks at continental scale (`rampart generate`).
//!
//! ```no_run
//! use rampart_gen::{generate, GenConfig};
//! let mut assets = 0;
//! let stats = generate(&GenConfig::new(100_000, 42), |chunk| {
//!     assets += chunk.assets.len();
//!     Ok::<(), std::io::Error>(())
//! })?;
//! assert_eq!(stats.assets, 100_000);
//! # Ok::<(), std::io::Error>(())
//! ```
//!
//! # Guarantees
//! - **Exact size**: exactly [`GenConfig::assets`] assets.
//! - **Deterministic**: the same `(assets, seed, max_chunk_assets)` produce the same
//!   chunks, byte for byte once serialised, whatever the number of threads; another
//!   `max_chunk_assets` moves chunk boundaries but generates the same records. Each
//!   region draws from its own ChaCha8 streams (positions, links, figures,
//!   dependencies) seeded from the global seed and the region's index.
//! - **Streaming, bounded memory**: the registry is produced region by region, and a
//!   region of more than [`GenConfig::max_chunk_assets`] assets (25,000 by default)
//!   in several chunks; about `threads + 2` full chunks wait for the sink, never the
//!   whole registry (10 million assets peak at about 320 MB). Regions are generated
//!   in parallel and chunks handed to the sink in order, on the caller's thread.
//! - **Referentially whole**: every dependency and link of a chunk names assets of
//!   that chunk or of earlier ones (a dependency or link travels with the chunk of
//!   its later end); a chunk's organisations come before (and with) the first assets
//!   that name them as operator. Everything is built with `rampart-core`'s types and
//!   round-trips through their JSON parsers.
//!
//! # Ground truth
//! Countries in scope: the EU-27, Iceland, Liechtenstein, Norway, Switzerland, the
//! United Kingdom, Albania, Bosnia and Herzegovina, Kosovo, Montenegro, North
//! Macedonia, Serbia, Moldova and Ukraine. Assets stand around the 51,000 places of
//! 1,000 or more inhabitants of GeoNames, in proportion to their population.
//!
//! # Rules
//! **Regions.** Each country is cut into regions, about one per 5,000 requested
//! assets and at least one per country, shared by population: the largest places at
//! least `0.6·sqrt(area / regions)` km apart become hubs and every place joins its
//! nearest hub. A region is a chunk (or several, when large), the area of a
//! distribution grid operator, a water utility, a hospital trust and so on.
//!
//! **How many of what.** Every type has a weight per place, `base + population /
//! people_per` for places above a minimum population (and on the coast for ports and
//! oil terminals, on a listed waterway for inland ports, in a district-heating
//! country for heating plants, in a country with a gas network for compressor
//! stations), and an elasticity `e`. The totals follow `W_t · f^e_t`, with one scale
//! `f` solved so that they add up to the requested size: common things (distribution
//! substations one per 250 people at the reference scale, telephone exchanges, schools,
//! places of worship, supermarkets, hotels, bank branches: `e` 0.8–1) grow with the
//! size; hospitals, water works, waste-water plants, stations, town halls, shopping
//! centres, museums (`e` 0.6) less; transmission substations, power plants, gas
//! compressors, airports, seaports, stadiums, arenas, stock exchanges, ground stations
//! (`e` 0.2–0.3) hardly. Before that, whatever the size allows is fixed first: a
//! transmission substation, a distribution substation, an exchange, a water works and
//! a hospital in every region's hub; a transmission substation on both sides of every
//! border (in the closest pair of large places facing each other), with a station
//! over land and a gas compressor station where both countries have gas; a stadium,
//! a central station, an airport and an arena in every place of 500,000 or more; a
//! town hall (and a stock exchange above 200,000) in every country's largest place;
//! a power plant, a station and a town hall in every hub. The rest is rounded in two
//! steps by largest remainders, first to (region, type) so that every region gets its
//! share however its population is split into places, then to the region's places;
//! the total is exact.
//!
//! **Where.** Positions are drawn around the place with a Gaussian of radius
//! `1 km + 0.25·sqrt(population/1000)` km, scaled per type (wider for transmission
//! substations and data centres; at 4–10 km or more for power plants, compressor
//! stations, airports and theme parks; towards the sea for ports; near the centre for
//! the central station, town hall, market square and museum). A point outside the
//! country's Natural Earth polygon is drawn again, up to four times, then the place
//! itself is used.
//!
//! **Names and ids.** `<CC>-<TYPE>-<seq>` numbered per country and type in region
//! order, e.g. `DE-SUB-000123`; names such as "Lyon substation 3", "Lyon Central
//! Station", "Lyon Arena", "Hospital Lyon 2", "Port of Marseille", "Lyon 400 kV
//! substation", "Lyon gas power station".
//!
//! **Figures.** `people_served` is the place's (or region's, for transmission,
//! airports, ports, data centres) population shared among the assets of the type;
//! `peak_occupancy` is a venue's capacity, a hospital's beds × 3, a station's peak
//! hour; `value_per_day` (EUR) and `restoration_hours` are drawn per type (a
//! substation 6–48 h, a transmission substation 2–30 days, a nuclear plant 1–6
//! months); attributes carry `voltage_kv`, `fuel` and `capacity_mw`, `beds`,
//! `capacity`, `passengers_per_day`, `tonnes_per_year`, `pupils` … Power-plant
//! fuels follow each country's mix (nuclear in France, hydro in Norway, coal in
//! Poland …).
//!
//! **Operators.** Per country: the national CIP authority `<cc>-authority`, national
//! operators (`<cc>-op-tso`, `-gas`, `-rail`, `-roads`, `-fmi`, `-space`, `-oil`,
//! numbered `-gen-N`, `-telecom-N`, `-bank-N`, `-retail-N`, `-food-N`,
//! `-datacentre-N`, `-hospitality-N`) and regional ones numbered by region
//! (`<cc>-op-dso-R`, `-water-R`, `-health-R`, `-transit-R`, `-venues-R`,
//! `-municipal-R`, `-education-R`, `-worship-R`, `-heat-R`, `-airport-R`,
//! `-port-R`); one EU body, `eu-coordination`. Only operators with assets are emitted.
//!
//! **Dependencies** (supplier → dependent; the nearest supplier(s) in the region, else
//! the nearest in an earlier region of the country; k = 1 of the n suppliers found):
//! distribution substations ← transmission substation (electricity, n 1–2);
//! hospitals ← two distribution substations (buffer 24–72 h: generators), ← water
//! works, ← exchange, ← waste water, ← district heating; water works ← substation
//! (buffer 2–12 h); exchanges ← substation (4–8 h: batteries); stations ←
//! substation (no buffer); stadiums, arenas, shopping centres ← substations, water,
//! exchange, station; bank branches ← data centre (payment); supermarkets ← food
//! distribution centre (goods, 24–72 h); food distribution ← road or rail (transport
//! access), ← food plants; airports ← oil terminal (fuel, 3–10 days); district
//! heating ← gas compressor; data centres ← two substations and two exchanges; and so
//! on (see `types::rules`). About 2.3 per asset.
//!
//! **Network links.** Grid: transmission substation → its distribution substations,
//! power plant → nearest transmission substation, and a spanning tree (with some
//! second lines) over the transmission substations of a region and over the regions
//! of a country. Gas: spanning trees over compressor stations. Rail: every station
//! to the nearest earlier station of its place, a tree over the places' main
//! stations, and over the regions. Telecom: exchanges to the place's core exchange,
//! trees over places and regions, data centres to two exchanges. Water and heat:
//! within a place. Capacities are MW (grid), GWh/day (gas), trains/day (rail),
//! Gbit/s (telecom), m³/day (water), MW (heat).
//!
//! **Across borders.** Neighbours are countries whose border vertices meet, or whose
//! places of 10,000+ face each other within 150 km across the sea only (Channel,
//! Øresund, Gulf of Finland, Strait of Otranto, Sicily–Malta …). For every pair, up to
//! three pairs of places of 10,000+ facing each other within 150 km are chosen
//! (closest and largest first; the closest pair of any size when there is none), and
//! grid interconnectors join the transmission substations nearest to them (the first
//! pair has its own, reserved by the plan); the first pair also gets a gas pipeline
//! between compressor stations with a gas supply dependency (24–96 h buffer) and,
//! over land, a railway. Countries under 3 million inhabitants depend on up to
//! two foreign transmission substations for electricity; airports of countries with
//! no oil terminal take fuel from the nearest foreign one. These links and
//! dependencies come in the last chunk.
//!
//! # Performance
//! `cargo run --release -p rampart-gen --example gen_bench -- 10000000` builds the
//! core values into a counting sink. On the 2-core reference machine (shared with
//! other builds at the time): 1,000,000 assets (2.3 M dependencies, 0.86 M links) in
//! 2.4–2.7 s at 131 MB peak RSS; 10,000,000 assets (22.7 M dependencies, 8.3 M links,
//! 2,081 chunks) in 21–26 s at 320–380 MB peak RSS (`/usr/bin/time -v`).
//! Serialisation is the sink's business and not included.
//!
//! # Data provenance
//! Compiled into the binary from `data/` at the repository root (see
//! `data/SOURCES.md`):
//! - places: GeoNames `cities1000`, <https://www.geonames.org>, licensed CC BY 4.0 —
//!   "Contains data from GeoNames (geonames.org), CC BY 4.0";
//! - country borders: Natural Earth Admin 0 countries 1:50m, public domain — "Made
//!   with Natural Earth".

pub mod data;
mod gen;
mod grid;
mod plan;
mod types;

#[cfg(test)]
mod tests;

use rampart_core::{Asset, Dependency, NetworkLink, Organisation};
use std::collections::BTreeMap;
use std::sync::{Condvar, Mutex};

pub use gen::EU_BODY;

/// What to generate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GenConfig {
    /// Exact number of assets.
    pub assets: u64,
    pub seed: u64,
    /// Worker threads; 0 uses the machine's available parallelism. Does not change
    /// the output.
    pub threads: usize,
    /// Most assets in one chunk (a region with more is split into several chunks).
    /// Changes where chunk boundaries fall, not what is generated.
    pub max_chunk_assets: usize,
}

/// Default of [`GenConfig::max_chunk_assets`].
pub const DEFAULT_CHUNK_ASSETS: usize = 25_000;

impl GenConfig {
    pub fn new(assets: u64, seed: u64) -> Self {
        GenConfig { assets, seed, threads: 0, max_chunk_assets: DEFAULT_CHUNK_ASSETS }
    }
}

/// A part of the registry, handed to the sink in order.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Chunk {
    /// 0-based position of the chunk in the stream.
    pub index: usize,
    /// Number of chunks in the stream, for progress displays.
    pub total: usize,
    pub organisations: Vec<Organisation>,
    pub assets: Vec<Asset>,
    pub dependencies: Vec<Dependency>,
    pub links: Vec<NetworkLink>,
}

/// Totals of a run.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Stats {
    pub chunks: u64,
    pub organisations: u64,
    pub assets: u64,
    pub dependencies: u64,
    pub links: u64,
    /// Links whose two ends are in different countries.
    pub cross_border_links: u64,
    /// Dependencies whose supplier is in another country than the dependent.
    pub cross_border_dependencies: u64,
    /// Countries with at least one asset.
    pub countries: u64,
}

/// Number of chunks a run of `cfg` produces, for progress displays.
pub fn chunk_count(cfg: &GenConfig) -> usize {
    plan::build(cfg.assets, cfg.max_chunk_assets, plan::ASSETS_PER_REGION).chunk_total()
}

fn country_of(id: &str) -> &str {
    id.get(..2).unwrap_or("")
}

/// Streams the registry in chunks. Every dependency and link of a chunk refers only
/// to assets of this chunk or of earlier chunks; organisations come before the
/// assets that name them. The sink runs on the calling thread; if it fails, the
/// generation stops and its error is returned.
pub fn generate<E>(cfg: &GenConfig, sink: impl FnMut(Chunk) -> Result<(), E>) -> Result<Stats, E> {
    generate_with(cfg, plan::ASSETS_PER_REGION, sink)
}

/// [`generate`] with another region size (tests use small regions to exercise the
/// links and fallbacks between regions at small sizes).
pub(crate) fn generate_with<E>(
    cfg: &GenConfig,
    assets_per_region: u64,
    mut sink: impl FnMut(Chunk) -> Result<(), E>,
) -> Result<Stats, E> {
    let plan = plan::build(cfg.assets, cfg.max_chunk_assets, assets_per_region);
    let tasks = plan.regions.len() + 1; // every region, then the final chunk
    let n = plan.chunk_total();
    let threads = if cfg.threads > 0 { cfg.threads } else { std::thread::available_parallelism().map(|n| n.get()).unwrap_or(2) };
    // Chunks generated but not yet handed to the sink, at most: about `threads + 2`
    // default-sized chunks' worth of assets.
    let ahead = (threads + 2) * DEFAULT_CHUNK_ASSETS.div_ceil(cfg.max_chunk_assets.max(1)).clamp(1, 64);
    let seed = cfg.seed;

    struct State {
        next_task: usize,
        emitted: usize,
        done: BTreeMap<usize, Chunk>,
        stop: bool,
    }
    let state = Mutex::new(State { next_task: 0, emitted: 0, done: BTreeMap::new(), stop: false });
    let cv = Condvar::new();
    let lock = || state.lock().unwrap_or_else(|e| e.into_inner());
    let wait = |st| cv.wait(st).unwrap_or_else(|e| e.into_inner());
    let mut stats = Stats::default();
    let mut countries = std::collections::BTreeSet::new();

    std::thread::scope(|s| {
        for _ in 0..threads.min(tasks) {
            s.spawn(|| loop {
                let task = {
                    let mut st = lock();
                    while !st.stop && st.next_task < tasks && plan.part_start[st.next_task] >= st.emitted + ahead {
                        st = wait(st);
                    }
                    if st.stop || st.next_task >= tasks {
                        return;
                    }
                    st.next_task += 1;
                    st.next_task - 1
                };
                let mut emit = |chunk: Chunk| {
                    let mut st = lock();
                    while !st.stop && chunk.index >= st.emitted + ahead {
                        st = wait(st);
                    }
                    if !st.stop {
                        st.done.insert(chunk.index, chunk);
                        cv.notify_all();
                    }
                };
                if task + 1 == tasks {
                    emit(gen::final_chunk(&plan, seed));
                } else {
                    gen::region_chunks(&plan, seed, task, &mut emit);
                }
            });
        }
        let result = (|| {
            for i in 0..n {
                let chunk = {
                    let mut st = lock();
                    loop {
                        if let Some(c) = st.done.remove(&i) {
                            st.emitted = i + 1;
                            break c;
                        }
                        st = wait(st);
                    }
                };
                cv.notify_all();
                stats.chunks += 1;
                stats.organisations += chunk.organisations.len() as u64;
                stats.assets += chunk.assets.len() as u64;
                stats.dependencies += chunk.dependencies.len() as u64;
                stats.links += chunk.links.len() as u64;
                if let Some(a) = chunk.assets.first() {
                    countries.insert(a.country);
                }
                stats.cross_border_links +=
                    chunk.links.iter().filter(|l| country_of(l.from.as_str()) != country_of(l.to.as_str())).count() as u64;
                stats.cross_border_dependencies += chunk
                    .dependencies
                    .iter()
                    .filter(|d| country_of(d.supplier.as_str()) != country_of(d.dependent.as_str()))
                    .count() as u64;
                sink(chunk)?;
            }
            Ok(())
        })();
        if result.is_err() {
            lock().stop = true;
            cv.notify_all();
        }
        result
    })?;
    stats.countries = countries.len() as u64;
    Ok(stats)
}
