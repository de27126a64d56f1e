//! Generation of one chunk: a region's organisations, assets, dependencies and
//! links, or the final chunk of links and dependencies between regions and across
//! borders.

use crate::data::{km, offset, world, City, World};
use crate::grid::Grid;
use crate::plan::{fast_km, Plan};
use crate::types::{fuel_mix, rules, Role, T, ALL, FUELS, NT, ROLES};
use crate::Chunk;
use rampart_core::{
    Asset, AssetId, CountryCode, Dependency, Geometry, Network, NetworkLink, OrgId, OrgKind, Organisation, Service,
};
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde_json::{json, Map, Value};
use std::collections::HashSet;
use std::f64::consts::TAU;

/// The id of the EU-level organisation.
pub const EU_BODY: &str = "eu-coordination";

fn splitmix(mut z: u64) -> u64 {
    z = z.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// The random stream of chunk `index` under the global seed.
pub fn chunk_rng(seed: u64, index: u64) -> ChaCha8Rng {
    stream_rng(seed, index, 0)
}

/// Random stream `stream` of region (or chunk) `index` under the global seed.
pub fn stream_rng(seed: u64, index: u64, stream: u64) -> ChaCha8Rng {
    ChaCha8Rng::seed_from_u64(splitmix(seed ^ splitmix(index.wrapping_add(0x5EED) ^ splitmix(stream))))
}

pub fn asset_id(cc: CountryCode, t: T, seq: u32) -> AssetId {
    let s = format!("{}-{}-{:06}", cc.as_str(), t.def().code, seq);
    match AssetId::parse(&s) {
        Ok(id) => id,
        Err(e) => unreachable!("generated asset id {s} is invalid: {e}"),
    }
}

fn org_id(s: String) -> OrgId {
    match OrgId::parse(&s) {
        Ok(id) => id,
        Err(e) => unreachable!("generated organisation id {s} is invalid: {e}"),
    }
}

/// Organisation id of a role's operator number `n` (1-based) of `of`.
pub fn operator_id(cc: CountryCode, role: Role, region: usize, n: u32, of: u32) -> OrgId {
    let lc = cc.as_str().to_ascii_lowercase();
    if role.regional() {
        org_id(format!("{lc}-op-{}-{}", role.key(), region + 1))
    } else if of > 1 {
        org_id(format!("{lc}-op-{}-{n}", role.key()))
    } else {
        org_id(format!("{lc}-op-{}", role.key()))
    }
}

pub fn authority_id(cc: CountryCode) -> OrgId {
    org_id(format!("{}-authority", cc.as_str().to_ascii_lowercase()))
}

fn uni(rng: &mut ChaCha8Rng, a: f64, b: f64) -> f64 {
    a + (b - a) * rng.gen::<f64>()
}

fn logu(rng: &mut ChaCha8Rng, a: f64, b: f64) -> f64 {
    uni(rng, a.ln(), b.ln()).exp()
}

fn gauss(rng: &mut ChaCha8Rng) -> f64 {
    let u1: f64 = rng.gen::<f64>().max(1e-12);
    let u2: f64 = rng.gen();
    (-2.0 * u1.ln()).sqrt() * (TAU * u2).cos()
}

fn pick(rng: &mut ChaCha8Rng, weights: &[f64]) -> usize {
    let total: f64 = weights.iter().sum();
    let mut x = rng.gen::<f64>() * total;
    for (i, w) in weights.iter().enumerate() {
        if x < *w {
            return i;
        }
        x -= w;
    }
    weights.iter().rposition(|w| *w > 0.0).unwrap_or(0)
}

fn hours(rng: &mut ChaCha8Rng, (a, b): (f64, f64)) -> f64 {
    uni(rng, a, b).round()
}

fn round6(x: f64) -> f64 {
    (x * 1e6).round() / 1e6
}

fn round1(x: f64) -> f64 {
    (x * 10.0).round() / 10.0
}

/// Radius in km of the area where a place's assets are spread (one sigma).
pub fn city_radius(pop: u64) -> f64 {
    1.0 + 0.25 * (pop as f64 / 1000.0).sqrt()
}

fn num(j: u32, n: u32) -> String {
    if n > 1 {
        format!(" {}", j + 1)
    } else {
        String::new()
    }
}

/// One asset of the region, before its figures are drawn.
struct Site {
    t: T,
    city: usize,
    lon: f64,
    lat: f64,
    /// Index of the asset among its place's assets of its type.
    j: u32,
    /// Power plants: fuel (index into FUELS) and capacity in MW, drawn with the
    /// position so that links know the capacity before the asset is built.
    fuel: usize,
    mw: f64,
}

struct Supplier {
    id: AssetId,
    lon: f64,
    lat: f64,
    t: T,
    /// Index into the region's sites, `None` for an earlier region's asset.
    site: Option<u32>,
}

/// What a place and its region hand to the figures of an asset.
struct Ctx<'a> {
    city: &'a City,
    cc: CountryCode,
    j: u32,
    n_city: u32,
    region_pop: u64,
    n_region: u32,
    country_pop: u64,
    fuel: usize,
    mw: f64,
}

struct Facts {
    name: String,
    served: Option<u64>,
    peak: Option<u64>,
    value: f64,
    restore: f64,
    attrs: Vec<(&'static str, Value)>,
}

fn facts(t: T, x: &Ctx, rng: &mut ChaCha8Rng) -> Facts {
    let city = x.city.name.as_str();
    let pop = x.city.pop as f64;
    let share = (pop / x.n_city.max(1) as f64).max(50.0);
    let regional = (x.region_pop as f64 / x.n_region.max(1) as f64).max(pop);
    let n = num(x.j, x.n_city);
    let big = x.city.pop >= 50_000;
    let mut f = Facts { name: String::new(), served: None, peak: None, value: 0.0, restore: 24.0, attrs: Vec::new() };
    match t {
        T::Tss => {
            let kvs: &[u64] = match x.cc.as_str() {
                "DE" | "AT" | "CH" | "CZ" | "SK" | "PL" | "HU" | "NL" => &[220, 380],
                "GB" => &[275, 400],
                "FR" => &[225, 400],
                _ => &[220, 400],
            };
            let kv = kvs[usize::from(rng.gen::<f64>() < 0.6)];
            f.name = format!("{city} {kv} kV substation{n}");
            f.served = Some(regional as u64);
            f.value = (regional * 60.0).round();
            f.restore = hours(rng, (48.0, 720.0));
            f.attrs = vec![("voltage_kv", json!(kv)), ("transformers", json!(rng.gen_range(2..=6)))];
        }
        T::Sub => {
            let gb = matches!(x.cc.as_str(), "GB" | "IE");
            let kv = match (rng.gen::<f64>(), gb) {
                (p, false) if p < 0.1 => 110,
                (p, false) if p < 0.55 => 10,
                (_, false) => 20,
                (p, true) if p < 0.1 => 132,
                (p, true) if p < 0.3 => 33,
                (_, true) => 11,
            };
            f.name = format!("{city} substation {}", x.j + 1);
            f.served = Some(share as u64);
            f.value = (share * 25.0 + 5_000.0).round();
            f.restore = hours(rng, (6.0, 48.0));
            f.attrs = vec![("voltage_kv", json!(kv))];
        }
        T::Ppl => {
            let (fuel, mw) = (FUELS[x.fuel], x.mw);
            let r = plant_range(x.fuel).2;
            f.name = format!("{city} {fuel} power station{n}");
            f.served = Some((mw * 1_000.0) as u64);
            f.value = (mw * 24.0 * 80.0).round();
            f.restore = hours(rng, r);
            f.attrs = vec![("fuel", json!(fuel)), ("capacity_mw", json!(mw)), ("source", json!("grid"))];
        }
        T::Gcs => {
            f.name = format!("{city} gas compressor station{n}");
            f.served = Some(regional as u64);
            f.value = logu(rng, 2e5, 2e6).round();
            f.restore = hours(rng, (72.0, 336.0));
            f.attrs = vec![("power_mw", json!(logu(rng, 10.0, 60.0).round())), ("pressure_bar", json!(rng.gen_range(60..=100)))];
        }
        T::Dhp => {
            let mw = (share / 1000.0 * uni(rng, 0.5, 1.5)).clamp(5.0, 800.0).round();
            f.name = format!("{city} district heating plant{n}");
            f.served = Some((share * 0.5) as u64);
            f.value = (share * 3.0).round();
            f.restore = hours(rng, (24.0, 168.0));
            f.attrs = vec![("capacity_mw", json!(mw)), ("source", json!("heat"))];
        }
        T::Oil => {
            let refinery = rng.gen::<f64>() < 0.5;
            f.name = if refinery { format!("{city} refinery{n}") } else { format!("{city} oil terminal{n}") };
            f.served = Some(x.country_pop.max(x.region_pop));
            f.value = logu(rng, 2e6, 2e7).round();
            f.restore = hours(rng, (168.0, 1440.0));
            f.attrs = vec![("kind", json!(if refinery { "refinery" } else { "terminal" })), ("throughput_t_per_day", json!(logu(rng, 5e3, 6e4).round()))];
        }
        T::Hyd => {
            let mw = logu(rng, 10.0, 200.0).round();
            f.name = format!("{city} hydrogen electrolyser{n}");
            f.value = (mw * 24.0 * 120.0).round();
            f.restore = hours(rng, (72.0, 720.0));
            f.attrs = vec![("capacity_mw", json!(mw))];
        }
        T::Air => {
            let pax = (pop * uni(rng, 3.0, 12.0) / x.n_city.max(1) as f64).clamp(2e5, 8e7).round();
            f.name = if x.j == 0 { format!("{city} Airport") } else { format!("{city} Airport {}", x.j + 1) };
            f.served = Some(regional as u64);
            f.peak = Some((pax / 365.0 * 0.25).round() as u64);
            f.value = (pax / 365.0 * 150.0).round();
            f.restore = hours(rng, (24.0, 336.0));
            f.attrs = vec![("passengers_per_year", json!(pax)), ("runways", json!(if pax > 3e7 { 2 + rng.gen_range(0..3) } else { 1 + rng.gen_range(0..2) }))];
        }
        T::Stn => {
            let central = x.j == 0;
            let pax = if central { pop * uni(rng, 0.1, 0.4) } else { share * uni(rng, 0.05, 0.2) }.max(100.0).round();
            f.name = match (central, big) {
                (true, true) => format!("{city} Central Station"),
                (true, false) => format!("{city} station"),
                _ => format!("{city} station {}", x.j + 1),
            };
            f.served = Some(share as u64);
            f.peak = Some((pax * 0.08).round().max(50.0) as u64);
            f.value = (pax * 20.0).round();
            f.restore = hours(rng, (12.0, 168.0));
            let platforms = (2.0 + (pax / 8000.0).sqrt()).min(30.0) as u64;
            f.attrs = vec![("passengers_per_day", json!(pax)), ("platforms", json!(platforms))];
        }
        T::Ptd => {
            f.name = if x.j == 0 { format!("{city} public transport control centre") } else { format!("{city} depot {}", x.j) };
            f.served = Some(share as u64);
            f.value = (share * 5.0).round();
            f.restore = hours(rng, (24.0, 168.0));
            f.attrs = vec![("mode", json!(["metro", "tram", "bus"][rng.gen_range(0..3)]))];
        }
        T::Prt => {
            let t_year = logu(rng, 1e6, 1.5e8).round();
            f.name = if x.j == 0 { format!("Port of {city}") } else { format!("Port of {city} terminal {}", x.j + 1) };
            f.served = Some(regional as u64);
            f.value = (t_year / 365.0 * 30.0).round();
            f.restore = hours(rng, (72.0, 720.0));
            f.attrs = vec![("tonnes_per_year", json!(t_year)), ("berths", json!(rng.gen_range(4..=60)))];
        }
        T::Iwp => {
            let t_year = logu(rng, 1e6, 5e7).round();
            f.name = format!("{city} inland port{n}");
            f.served = Some(regional as u64);
            f.value = (t_year / 365.0 * 20.0).round();
            f.restore = hours(rng, (48.0, 336.0));
            f.attrs = vec![("tonnes_per_year", json!(t_year))];
        }
        T::Rdt => {
            let tunnel = rng.gen::<f64>() < 0.4;
            let vehicles = logu(rng, 1.5e4, 1.5e5).round();
            f.name = if tunnel { format!("{city} road tunnel {}", x.j + 1) } else { format!("{city} ring-road bridge {}", x.j + 1) };
            f.served = Some((vehicles * 1.3) as u64);
            f.value = (vehicles * 15.0).round();
            f.restore = hours(rng, (72.0, 2160.0));
            f.attrs = vec![("kind", json!(if tunnel { "tunnel" } else { "bridge" })), ("vehicles_per_day", json!(vehicles))];
        }
        T::Bnk => {
            let ops = rng.gen::<f64>() < 0.05;
            f.name = if ops { format!("{city} banking operations centre {}", x.j + 1) } else { format!("{city} bank branch {}", x.j + 1) };
            f.served = Some(share as u64);
            f.value = if ops { logu(rng, 1e6, 2e7) } else { logu(rng, 5e4, 5e5) }.round();
            f.restore = hours(rng, (24.0, 168.0));
            f.attrs = vec![("kind", json!(if ops { "operations_centre" } else { "branch" }))];
        }
        T::Fmi => {
            let (label, kind) = [
                ("Stock Exchange", "stock_exchange"),
                ("Central Counterparty", "central_counterparty"),
                ("Central Securities Depository", "central_securities_depository"),
                ("Payment System", "payment_system"),
            ][x.j as usize % 4];
            f.name = format!("{city} {label}{}", if x.j >= 4 { format!(" {}", x.j / 4 + 1) } else { String::new() });
            f.served = Some(x.country_pop);
            f.value = logu(rng, 5e7, 5e8).round();
            f.restore = hours(rng, (4.0, 72.0));
            f.attrs = vec![("kind", json!(kind))];
        }
        T::Hos => {
            let beds = (share * uni(rng, 3.0, 7.0) / 1000.0).clamp(20.0, 2500.0).round();
            f.name = match (x.j, big) {
                (0, true) => format!("{city} General Hospital"),
                (0, false) => format!("Hospital {city}"),
                _ => format!("Hospital {city} {}", x.j + 1),
            };
            f.served = Some(share as u64);
            f.peak = Some((beds * 3.0) as u64);
            f.value = (beds * uni(rng, 600.0, 1200.0)).round();
            f.restore = hours(rng, (72.0, 720.0));
            f.attrs = vec![("beds", json!(beds)), ("emergency_department", json!(x.j == 0 || rng.gen::<f64>() < 0.5))];
        }
        T::Wtr => {
            f.name = format!("{city} water works{n}");
            f.served = Some(share as u64);
            f.value = (share * 1.5).round();
            f.restore = hours(rng, (12.0, 168.0));
            f.attrs = vec![("capacity_m3_per_day", json!((share * 0.2).round())), ("source", json!("water"))];
        }
        T::Wwt => {
            f.name = format!("{city} waste-water treatment plant{n}");
            f.served = Some(share as u64);
            f.value = (share * 0.8).round();
            f.restore = hours(rng, (48.0, 336.0));
            f.attrs = vec![("population_equivalent", json!((share * uni(rng, 1.1, 1.6)).round()))];
        }
        T::Tel => {
            f.name = format!("{city} telephone exchange {}", x.j + 1);
            f.served = Some(share as u64);
            f.value = (share * 4.0).round();
            f.restore = hours(rng, (4.0, 48.0));
            f.attrs = if x.j == 0 {
                vec![("kind", json!("core_exchange")), ("source", json!("telecom"))]
            } else {
                vec![("kind", json!("local_exchange"))]
            };
        }
        T::Dcn => {
            let mw = logu(rng, 2.0, 100.0).round();
            f.name = format!("{city} data centre{n}");
            f.served = Some(regional as u64);
            f.value = (mw * 1e5).round();
            f.restore = hours(rng, (12.0, 168.0));
            f.attrs = vec![("power_mw", json!(mw)), ("tier", json!(rng.gen_range(3..=4)))];
        }
        T::Adm => {
            f.name = match x.j {
                0 => format!("{city} Town Hall"),
                _ => format!("{city} administrative building {}", x.j + 1),
            };
            f.served = Some(share as u64);
            f.peak = Some(logu(rng, 100.0, 3000.0).round() as u64);
            f.value = (share * 3.0).round();
            f.restore = hours(rng, (24.0, 336.0));
        }
        T::Spc => {
            f.name = format!("{city} satellite ground station{n}");
            f.served = Some(x.country_pop);
            f.value = logu(rng, 5e5, 5e6).round();
            f.restore = hours(rng, (72.0, 720.0));
            f.attrs = vec![("antennas", json!(rng.gen_range(2..=20)))];
        }
        T::Sup => {
            let m2 = logu(rng, 800.0, 5000.0).round();
            f.name = format!("{city} supermarket {}", x.j + 1);
            f.served = Some(share as u64);
            f.peak = Some((m2 / 8.0).round() as u64);
            f.value = (m2 * 25.0).round();
            f.restore = hours(rng, (24.0, 168.0));
            f.attrs = vec![("floor_area_m2", json!(m2))];
        }
        T::Fdc => {
            let m2 = logu(rng, 1e4, 1e5).round();
            f.name = format!("{city} food distribution centre{n}");
            f.served = Some(regional as u64);
            f.value = (m2 * 40.0).round();
            f.restore = hours(rng, (48.0, 336.0));
            f.attrs = vec![("floor_area_m2", json!(m2))];
        }
        T::Fpp => {
            let product = ["dairy", "meat", "bakery", "beverages", "grain milling", "frozen food"][rng.gen_range(0..6)];
            f.name = format!("{city} {product} plant{n}");
            f.value = logu(rng, 2e5, 3e6).round();
            f.restore = hours(rng, (72.0, 720.0));
            f.attrs = vec![("product", json!(product))];
        }
        T::Sta => {
            let capacity = ((12_000.0 + 22_000.0 * (pop / 50_000.0).max(1.0).log10()) * uni(rng, 0.7, 1.3) / (1.0 + x.j as f64 * 0.3))
                .clamp(8_000.0, 99_000.0)
                .round();
            f.name = if x.j == 0 { format!("{city} Stadium") } else { format!("{city} Stadium {}", x.j + 1) };
            f.peak = Some(capacity as u64);
            f.value = (capacity * uni(rng, 40.0, 80.0)).round();
            f.restore = hours(rng, (168.0, 2160.0));
            f.attrs = vec![("capacity", json!(capacity))];
        }
        T::Arn => {
            let capacity = logu(rng, 3_000.0, 20_000.0).round();
            f.name = if x.j == 0 { format!("{city} Arena") } else { format!("{city} Arena {}", x.j + 1) };
            f.peak = Some(capacity as u64);
            f.value = (capacity * uni(rng, 40.0, 100.0)).round();
            f.restore = hours(rng, (72.0, 1440.0));
            f.attrs = vec![("capacity", json!(capacity))];
        }
        T::Mal => {
            let shops = rng.gen_range(40..=300);
            f.name = format!("{city} shopping centre {}", x.j + 1);
            f.served = Some(share as u64);
            f.peak = Some((shops as f64 * uni(rng, 40.0, 80.0)).round() as u64);
            f.value = (shops as f64 * uni(rng, 8e3, 2e4)).round();
            f.restore = hours(rng, (48.0, 720.0));
            f.attrs = vec![("shops", json!(shops))];
        }
        T::Hub => {
            let pax = (pop * uni(rng, 0.05, 0.2) / (1.0 + x.j as f64)).max(5_000.0).round();
            f.name = if x.j == 0 { format!("{city} Central Interchange") } else { format!("{city} interchange {}", x.j + 1) };
            f.served = Some(share as u64);
            f.peak = Some((pax * 0.08).round() as u64);
            f.value = (pax * 15.0).round();
            f.restore = hours(rng, (12.0, 168.0));
            f.attrs = vec![("passengers_per_day", json!(pax))];
        }
        T::Pow => {
            let capacity = logu(rng, 60.0, 2500.0).round();
            f.name = format!("{city} place of worship {}", x.j + 1);
            f.served = Some((share * 0.5) as u64);
            f.peak = Some(capacity as u64);
            f.value = (capacity * 20.0).round();
            f.restore = hours(rng, (24.0, 720.0));
            f.attrs = vec![("capacity", json!(capacity))];
        }
        T::Ped => {
            let peak = logu(rng, 1_000.0, 40_000.0).round();
            f.name = if x.j == 0 { format!("{city} Market Square") } else { format!("{city} pedestrian street {}", x.j) };
            f.peak = Some(peak as u64);
            f.value = (peak * 30.0).round();
            f.restore = hours(rng, (6.0, 72.0));
        }
        T::Hot => {
            let rooms = logu(rng, 15.0, 600.0).round();
            f.name = format!("Hotel {city} {}", x.j + 1);
            f.peak = Some((rooms * 2.0 + rooms * uni(rng, 0.3, 1.0)).round() as u64);
            f.value = (rooms * uni(rng, 80.0, 200.0)).round();
            f.restore = hours(rng, (24.0, 336.0));
            f.attrs = vec![("rooms", json!(rooms))];
        }
        T::Sch => {
            if x.j == 0 && x.city.pop >= 100_000 {
                let students = logu(rng, 5_000.0, 60_000.0).round();
                f.name = format!("University of {city}");
                f.peak = Some((students * 0.4).round() as u64);
                f.value = (students * 40.0).round();
                f.attrs = vec![("students", json!(students))];
            } else {
                let pupils = logu(rng, 150.0, 2000.0).round();
                f.name = format!("{city} school {}", x.j + 1);
                f.peak = Some((pupils * 1.1).round() as u64);
                f.value = (pupils * 40.0).round();
                f.attrs = vec![("pupils", json!(pupils))];
            }
            f.restore = hours(rng, (24.0, 720.0));
        }
        T::Mus => {
            let visitors = logu(rng, 200.0, 20_000.0).round();
            f.name = if x.j == 0 { format!("{city} City Museum") } else { format!("{city} museum {}", x.j + 1) };
            f.peak = Some((visitors * 0.3).round() as u64);
            f.value = (visitors * 25.0).round();
            f.restore = hours(rng, (24.0, 720.0));
            f.attrs = vec![("visitors_per_day", json!(visitors))];
        }
        T::Evt => {
            let capacity = logu(rng, 10_000.0, 150_000.0).round();
            f.name = if x.j == 0 { format!("{city} Fairground") } else { format!("{city} festival grounds {}", x.j + 1) };
            f.peak = Some(capacity as u64);
            f.value = (capacity * uni(rng, 10.0, 40.0)).round();
            f.restore = hours(rng, (12.0, 168.0));
            f.attrs = vec![("capacity", json!(capacity))];
        }
        T::Thm => {
            let capacity = logu(rng, 5_000.0, 50_000.0).round();
            f.name = format!("{city} Adventure Park{n}");
            f.peak = Some(capacity as u64);
            f.value = (capacity * uni(rng, 30.0, 60.0)).round();
            f.restore = hours(rng, (48.0, 720.0));
            f.attrs = vec![("capacity", json!(capacity)), ("visitors_per_year", json!((capacity * uni(rng, 40.0, 120.0)).round()))];
        }
    }
    f
}

/// Capacity range (MW) and restoration range (hours) of a power plant by fuel.
fn plant_range(fuel: usize) -> (f64, f64, (f64, f64)) {
    match FUELS[fuel] {
        "nuclear" => (900.0, 3000.0, (720.0, 4380.0)),
        "coal" => (300.0, 2000.0, (336.0, 2160.0)),
        "gas" => (100.0, 1200.0, (168.0, 1440.0)),
        "hydro" => (10.0, 1500.0, (336.0, 2160.0)),
        "wind" => (20.0, 400.0, (48.0, 336.0)),
        "solar" => (5.0, 200.0, (24.0, 240.0)),
        "geothermal" => (20.0, 300.0, (168.0, 1440.0)),
        "oil" => (50.0, 800.0, (168.0, 1440.0)),
        _ => (10.0, 100.0, (168.0, 720.0)),
    }
}

/// Types whose first asset in a place stands in its centre.
fn central(t: T) -> bool {
    matches!(t, T::Stn | T::Adm | T::Ped | T::Hub | T::Mus | T::Fmi)
}

/// A position for an asset: jittered around its place, inside the country when a
/// few tries allow, else the place itself.
fn place(w: &World, rng: &mut ChaCha8Rng, city: &City, t: T, j: u32) -> (f64, f64) {
    let d = t.def();
    let mut sigma = city_radius(city.pop) * d.spread;
    if j == 0 && central(t) {
        sigma *= 0.15;
    }
    for _ in 0..4 {
        let (dx, dy) = if t == T::Prt && city.coastal {
            let a = city.sea_bearing + 0.5 * gauss(rng);
            let r = uni(rng, 0.5, 5.0);
            (r * a.cos(), r * a.sin())
        } else if d.min_km > 0.0 {
            let r = d.min_km + gauss(rng).abs() * sigma;
            let a = uni(rng, 0.0, TAU);
            (r * a.cos(), r * a.sin())
        } else {
            (gauss(rng) * sigma, gauss(rng) * sigma)
        };
        let (lon, lat) = offset(city.lon, city.lat, dx, dy);
        if w.in_country(city.country, lon, lat) {
            return (round6(lon), round6(lat));
        }
    }
    (city.lon, city.lat)
}

/// Minimum spanning tree (Prim) over points; returns index pairs.
fn mst(pts: &[(f64, f64)]) -> Vec<(usize, usize)> {
    let n = pts.len();
    let mut edges = Vec::with_capacity(n.saturating_sub(1));
    if n < 2 {
        return edges;
    }
    let mut in_tree = vec![false; n];
    let mut best = vec![(f64::MAX, 0usize); n];
    in_tree[0] = true;
    let mut last = 0;
    for _ in 1..n {
        let (lx, ly) = pts[last];
        let mut next = (f64::MAX, usize::MAX);
        for i in 0..n {
            if in_tree[i] {
                continue;
            }
            let d = km(lx, ly, pts[i].0, pts[i].1);
            if d < best[i].0 {
                best[i] = (d, last);
            }
            if best[i].0 < next.0 {
                next = (best[i].0, i);
            }
        }
        if next.1 == usize::MAX {
            break;
        }
        in_tree[next.1] = true;
        edges.push((best[next.1].1, next.1));
        last = next.1;
    }
    edges
}

fn link(network: Network, from: &AssetId, to: &AssetId, capacity: f64, length_km: f64) -> NetworkLink {
    NetworkLink { network, from: from.clone(), to: to.clone(), capacity: Some(capacity.round()), length_km: Some(round1(length_km)) }
}

fn new_org(id: OrgId, name: String, kind: OrgKind, country: Option<CountryCode>) -> Organisation {
    Organisation { id, name, kind, country }
}

/// Generates region `r` as its chunks (one per `plan.part` assets), handing each to
/// `emit` in order. Links and dependencies travel with the chunk of their later end.
pub fn region_chunks(plan: &Plan, seed: u64, r: usize, emit: &mut dyn FnMut(Chunk)) {
    RegionGen::new(plan, seed, r).run(emit)
}

struct RegionGen<'a> {
    plan: &'a Plan,
    w: &'static World,
    r: usize,
    seed: u64,
    cc: CountryCode,
    sites: Vec<Site>,
    ids: Vec<AssetId>,
    by_type: Vec<Vec<u32>>,
    grids: Vec<Option<Grid>>,
    external: Vec<Option<Option<Supplier>>>,
    /// Operator ids per role (several for numbered national roles).
    operators: Vec<Vec<OrgId>>,
    organisations: Vec<Organisation>,
    /// Links and dependencies waiting for the chunk of their later end.
    links: Vec<Vec<NetworkLink>>,
    deferred: Vec<Vec<Dependency>>,
}

impl<'a> RegionGen<'a> {
    fn part_of(&self, i: u32) -> usize {
        i as usize / self.plan.part
    }

    fn new(plan: &'a Plan, seed: u64, r: usize) -> Self {
        let w = world();
        let region = &plan.regions[r];
        let cc = w.scope[region.country].code;
        let total: usize = region.counts.iter().map(|&c| c as usize).sum();
        let parts = plan.parts(r);
        RegionGen {
            plan,
            w,
            r,
            seed,
            cc,
            sites: Vec::with_capacity(total),
            ids: Vec::with_capacity(total),
            by_type: vec![Vec::new(); NT],
            grids: (0..NT).map(|_| None).collect(),
            external: (0..NT).map(|_| None).collect(),
            operators: Vec::new(),
            organisations: Vec::new(),
            links: vec![Vec::new(); parts],
            deferred: vec![Vec::new(); parts],
        }
    }

    fn run(mut self, emit: &mut dyn FnMut(Chunk)) {
        self.organisations();
        self.sites();
        self.links();
        let mut facts_rng = stream_rng(self.seed, self.r as u64, 3);
        let mut deps_rng = stream_rng(self.seed, self.r as u64, 4);
        let parts = self.plan.parts(self.r);
        for p in 0..parts {
            let part = self.plan.part;
            let range = (p * part).min(self.sites.len())..((p + 1) * part).min(self.sites.len());
            let mut chunk = Chunk {
                index: self.plan.part_start[self.r] + p,
                total: self.plan.chunk_total(),
                organisations: if p == 0 { std::mem::take(&mut self.organisations) } else { Vec::new() },
                assets: Vec::with_capacity(range.len()),
                dependencies: Vec::new(),
                links: Vec::new(),
            };
            for i in range.clone() {
                chunk.assets.push(self.asset(i, &mut facts_rng));
            }
            self.dependencies(range, &mut deps_rng);
            chunk.dependencies = std::mem::take(&mut self.deferred[p]);
            chunk.links = std::mem::take(&mut self.links[p]);
            emit(chunk);
        }
    }

    fn organisations(&mut self) {
        let plan = self.plan;
        let region = &plan.regions[self.r];
        let sc = &self.w.scope[region.country];
        let cc = self.cc;
        if self.r == 0 {
            self.organisations.push(new_org(
                org_id(EU_BODY.to_string()),
                "EU critical entities resilience coordination".to_string(),
                OrgKind::EuBody,
                None,
            ));
        }
        let used = |counts: &dyn Fn(T) -> u64, role: Role| ALL.iter().any(|&t| t.def().role == role && counts(t) > 0);
        let national = |t: T| plan.country_counts[region.country][t.idx()];
        let regional = |t: T| region.counts[t.idx()] as u64;
        if region.index_in_country == 0 {
            self.organisations.push(new_org(
                authority_id(cc),
                format!("{} national critical-infrastructure authority", cc.name()),
                OrgKind::Authority,
                Some(cc),
            ));
        }
        let hub_name = self.w.cities[region.hub].name.as_str();
        for role in ROLES {
            let of = role.how_many(sc.pop);
            let ids: Vec<OrgId> = (1..=of).map(|n| operator_id(cc, role, region.index_in_country, n, of)).collect();
            let emit = if role.regional() { used(&regional, role) } else { region.index_in_country == 0 && used(&national, role) };
            if emit {
                for (k, id) in ids.iter().enumerate() {
                    let place = if role.regional() { hub_name } else { cc.name() };
                    let name = role.org_name(place, k as u32 + 1, of);
                    self.organisations.push(new_org(id.clone(), name, OrgKind::Operator, Some(cc)));
                }
            }
            self.operators.push(ids);
        }
    }

    /// Every asset's type, place, position and id.
    fn sites(&mut self) {
        let plan = self.plan;
        let w = self.w;
        let mut rng = stream_rng(self.seed, self.r as u64, 1);
        let mix = fuel_mix(self.cc.as_str());
        for &ci in &plan.regions[self.r].cities {
            let city = &w.cities[ci];
            for t in ALL {
                let n_city = plan.counts[ci][t.idx()];
                let first = plan.first[ci][t.idx()];
                for j in 0..n_city {
                    let (lon, lat) = place(w, &mut rng, city, t, j);
                    let (fuel, mw) = if t == T::Ppl {
                        let fuel = pick(&mut rng, &mix);
                        let (lo, hi, _) = plant_range(fuel);
                        (fuel, logu(&mut rng, lo, hi).round())
                    } else {
                        (0, 0.0)
                    };
                    self.by_type[t.idx()].push(self.sites.len() as u32);
                    self.sites.push(Site { t, city: ci, lon, lat, j, fuel, mw });
                    self.ids.push(asset_id(self.cc, t, first + j));
                }
            }
        }
    }

    fn asset(&mut self, i: usize, rng: &mut ChaCha8Rng) -> Asset {
        let plan = self.plan;
        let w = self.w;
        let region = &plan.regions[self.r];
        let s = &self.sites[i];
        let (t, city) = (s.t, &w.cities[s.city]);
        let d = t.def();
        let ctx = Ctx {
            city,
            cc: self.cc,
            j: s.j,
            n_city: plan.counts[s.city][t.idx()],
            region_pop: region.pop,
            n_region: region.counts[t.idx()],
            country_pop: w.scope[region.country].pop,
            fuel: s.fuel,
            mw: s.mw,
        };
        let f = facts(t, &ctx, rng);
        let ops = &self.operators[d.role as usize];
        let op = if ops.len() > 1 { ops[rng.gen_range(0..ops.len())].clone() } else { ops[0].clone() };
        let mut attributes = Map::new();
        for (k, v) in f.attrs {
            attributes.insert(k.to_string(), v);
        }
        Asset {
            id: self.ids[i].clone(),
            name: f.name,
            kind: d.kind,
            sector: d.sector,
            subsector: d.subsector,
            category: d.category,
            geometry: Geometry::Point { lon: s.lon, lat: s.lat },
            country: self.cc,
            operator_id: Some(op),
            people_served: f.served,
            peak_occupancy: f.peak,
            value_per_day: Some(f.value),
            restoration_hours: Some(f.restore),
            attributes,
        }
    }

    fn grid(&mut self, t: T) -> &Grid {
        let lat0 = self.w.cities[self.plan.regions[self.r].hub].lat;
        let sites = &self.sites;
        let by_type = &self.by_type;
        self.grids[t.idx()].get_or_insert_with(|| {
            let pts: Vec<(f64, f64, u32)> = by_type[t.idx()].iter().map(|&i| (sites[i as usize].lon, sites[i as usize].lat, i)).collect();
            Grid::new(&pts, lat0)
        })
    }

    /// The nearest asset of type `t` in an earlier region of the same country.
    fn external(&mut self, t: T) -> Option<&Supplier> {
        if self.external[t.idx()].is_none() {
            let plan = self.plan;
            let w = self.w;
            let region = &plan.regions[self.r];
            let hub = &w.cities[region.hub];
            let mut best: Option<(f64, usize)> = None;
            for pr in plan.country_regions[region.country].start..self.r {
                for &c in &plan.regions[pr].cities {
                    if plan.counts[c][t.idx()] > 0 {
                        let d = fast_km(hub, &w.cities[c]);
                        if best.is_none_or(|b| d < b.0) {
                            best = Some((d, c));
                        }
                    }
                }
            }
            self.external[t.idx()] = Some(best.map(|(_, c)| Supplier {
                id: asset_id(self.cc, t, plan.first[c][t.idx()]),
                lon: w.cities[c].lon,
                lat: w.cities[c].lat,
                t,
                site: None,
            }));
        }
        self.external[t.idx()].as_ref().and_then(|s| s.as_ref())
    }

    /// Up to `n` suppliers of the first type of `from` present in the region, nearest
    /// first; else the nearest of an earlier region of the country (unless `local`).
    fn suppliers(&mut self, from: &[T], lon: f64, lat: f64, n: usize, local: bool, buf: &mut Vec<(f64, u32)>) -> Vec<Supplier> {
        for &t in from {
            if !self.by_type[t.idx()].is_empty() {
                self.grid(t).nearest(lon, lat, n, buf);
                return buf
                    .iter()
                    .map(|&(_, i)| {
                        let s = &self.sites[i as usize];
                        Supplier { id: self.ids[i as usize].clone(), lon: s.lon, lat: s.lat, t, site: Some(i) }
                    })
                    .collect();
            }
        }
        if local {
            return Vec::new();
        }
        for &t in from {
            if let Some(s) = self.external(t) {
                return vec![Supplier { id: s.id.clone(), lon: s.lon, lat: s.lat, t: s.t, site: None }];
            }
        }
        Vec::new()
    }

    /// Dependencies of the assets in `range`, each filed with the chunk of its later end.
    fn dependencies(&mut self, range: std::ops::Range<usize>, rng: &mut ChaCha8Rng) {
        let mut buf = Vec::new();
        for i in range {
            let (t, lon, lat) = (self.sites[i].t, self.sites[i].lon, self.sites[i].lat);
            let here = self.part_of(i as u32);
            for rule in rules(t) {
                if rule.p < 1.0 && rng.gen::<f64>() >= rule.p {
                    continue;
                }
                let want = rng.gen_range(rule.n.0..=rule.n.1) as usize;
                let sup = self.suppliers(rule.from, lon, lat, want, rule.local, &mut buf);
                let n = sup.len() as u32;
                let buffer = hours(rng, rule.buffer);
                for s in sup {
                    let part = s.site.map_or(here, |x| here.max(self.part_of(x)));
                    if t == T::Sub && s.t == T::Tss {
                        let cap = uni(rng, 20.0, 63.0);
                        let dist = km(s.lon, s.lat, lon, lat) * 1.2;
                        self.links[part].push(link(Network::Grid, &s.id, &self.ids[i], cap, dist));
                    }
                    self.deferred[part].push(Dependency {
                        supplier: s.id,
                        dependent: self.ids[i].clone(),
                        service: rule.service,
                        k: 1,
                        n,
                        buffer_hours: buffer,
                    });
                }
            }
        }
    }

    fn ids_of(&self, t: T) -> Vec<u32> {
        self.by_type[t.idx()].clone()
    }

    fn pts(&self, idx: &[u32]) -> Vec<(f64, f64)> {
        idx.iter().map(|&i| (self.sites[i as usize].lon, self.sites[i as usize].lat)).collect()
    }

    fn push_link(&mut self, network: Network, a: u32, b: u32, cap: f64) {
        let (sa, sb) = (&self.sites[a as usize], &self.sites[b as usize]);
        let dist = km(sa.lon, sa.lat, sb.lon, sb.lat) * 1.15;
        let l = link(network, &self.ids[a as usize], &self.ids[b as usize], cap, dist);
        let part = self.part_of(a.max(b));
        self.links[part].push(l);
    }

    /// A mesh over all assets of a type in the region: a spanning tree plus, for some,
    /// a second line to another neighbour.
    fn mesh(&mut self, rng: &mut ChaCha8Rng, t: T, network: Network, cap: (f64, f64), extra: f64) {
        let idx = self.ids_of(t);
        let pts = self.pts(&idx);
        let mut linked: HashSet<(u32, u32)> = HashSet::new();
        for (a, b) in mst(&pts) {
            let c = uni(rng, cap.0, cap.1);
            self.push_link(network, idx[a], idx[b], c);
            linked.insert((idx[a].min(idx[b]), idx[a].max(idx[b])));
        }
        if idx.len() > 2 && extra > 0.0 {
            let mut buf = Vec::new();
            for k in 0..idx.len() {
                if rng.gen::<f64>() >= extra {
                    continue;
                }
                let (lon, lat) = pts[k];
                self.grid(t).nearest(lon, lat, 3, &mut buf);
                let Some(&(_, other)) = buf.iter().filter(|(_, o)| *o != idx[k]).nth(1) else { continue };
                let key = (idx[k].min(other), idx[k].max(other));
                if linked.insert(key) {
                    let c = uni(rng, cap.0, cap.1);
                    self.push_link(network, idx[k], other, c);
                }
            }
        }
    }

    /// Within each place, links every asset of a type to the place's first one (star),
    /// or for rail to the nearest earlier station; the places' first assets are then
    /// joined by a spanning tree (not for water and heat, which stay local).
    fn local_network(&mut self, rng: &mut ChaCha8Rng, t: T, network: Network, cap: (f64, f64), chain: bool) {
        let idx = self.ids_of(t);
        let mut firsts: Vec<u32> = Vec::new();
        let mut k = 0;
        while k < idx.len() {
            let city = self.sites[idx[k] as usize].city;
            let mut e = k;
            while e < idx.len() && self.sites[idx[e] as usize].city == city {
                e += 1;
            }
            firsts.push(idx[k]);
            for m in (k + 1)..e {
                let target = if chain && e - k <= 300 {
                    let s = &self.sites[idx[m] as usize];
                    let (lon, lat) = (s.lon, s.lat);
                    let mut best = (f64::MAX, idx[k]);
                    for &p in &idx[k..m] {
                        let q = &self.sites[p as usize];
                        let d = (q.lon - lon).powi(2) + (q.lat - lat).powi(2);
                        if d < best.0 {
                            best = (d, p);
                        }
                    }
                    best.1
                } else {
                    idx[k]
                };
                let c = uni(rng, cap.0, cap.1);
                self.push_link(network, target, idx[m], c);
            }
            k = e;
        }
        if network != Network::Water && network != Network::Heat {
            let pts = self.pts(&firsts);
            for (a, b) in mst(&pts) {
                let c = uni(rng, cap.0, cap.1);
                self.push_link(network, firsts[a], firsts[b], c);
            }
        }
    }

    fn links(&mut self) {
        let mut rng = stream_rng(self.seed, self.r as u64, 2);
        // Power plants feed the nearest transmission substation.
        let mut buf = Vec::new();
        for i in self.ids_of(T::Ppl) {
            let (lon, lat, mw) = (self.sites[i as usize].lon, self.sites[i as usize].lat, self.sites[i as usize].mw);
            let sup = self.suppliers(&[T::Tss], lon, lat, 1, false, &mut buf);
            if let Some(s) = sup.into_iter().next() {
                let dist = km(s.lon, s.lat, lon, lat) * 1.2;
                let part = s.site.map_or(self.part_of(i), |x| self.part_of(x.max(i)));
                let l = link(Network::Grid, &self.ids[i as usize], &s.id, mw.max(1.0), dist);
                self.links[part].push(l);
            }
        }
        self.mesh(&mut rng, T::Tss, Network::Grid, (1000.0, 3000.0), 0.4);
        self.mesh(&mut rng, T::Gcs, Network::Gas, (50.0, 300.0), 0.0);
        self.local_network(&mut rng, T::Stn, Network::Rail, (40.0, 400.0), true);
        self.local_network(&mut rng, T::Tel, Network::Telecom, (10.0, 400.0), false);
        self.local_network(&mut rng, T::Wtr, Network::Water, (5_000.0, 200_000.0), false);
        self.local_network(&mut rng, T::Dhp, Network::Heat, (20.0, 300.0), false);
        // Data centres hang off the two nearest exchanges.
        if !self.by_type[T::Tel.idx()].is_empty() {
            for i in self.ids_of(T::Dcn) {
                let (lon, lat) = (self.sites[i as usize].lon, self.sites[i as usize].lat);
                self.grid(T::Tel).nearest(lon, lat, 2, &mut buf);
                let targets: Vec<u32> = buf.iter().map(|b| b.1).collect();
                for tel in targets {
                    let c = uni(&mut rng, 100.0, 1600.0);
                    self.push_link(Network::Telecom, tel, i, c);
                }
            }
        }
    }
}

/// A place's first asset of a type, as the plan knows it.
struct Rep {
    id: AssetId,
    lon: f64,
    lat: f64,
}

fn rep(plan: &Plan, w: &World, c: usize, t: T) -> Rep {
    let city = &w.cities[c];
    Rep { id: asset_id(w.scope[city.country].code, t, plan.first[c][t.idx()]), lon: city.lon, lat: city.lat }
}

/// The region's representative of a type: in its hub if there is one, else in its
/// largest place that has one.
fn region_rep(plan: &Plan, w: &World, r: usize, t: T) -> Option<Rep> {
    let region = &plan.regions[r];
    let c = if plan.counts[region.hub][t.idx()] > 0 {
        Some(region.hub)
    } else {
        region.cities.iter().copied().find(|&c| plan.counts[c][t.idx()] > 0)
    };
    c.map(|c| rep(plan, w, c, t))
}

/// Places of a country that hold a type.
fn holders(plan: &Plan, w: &World, country: usize, t: T) -> Vec<usize> {
    w.scope[country].cities.clone().filter(|&c| plan.counts[c][t.idx()] > 0).collect()
}

fn nearest_holder(w: &World, holders: &[usize], to: &City) -> Option<usize> {
    holders.iter().copied().min_by(|&a, &b| fast_km(&w.cities[a], to).total_cmp(&fast_km(&w.cities[b], to)).then(a.cmp(&b)))
}

/// The last chunk: backbone links between the regions of each country, and links and
/// dependencies across borders. Every asset it names was emitted in an earlier chunk.
pub fn final_chunk(plan: &Plan, seed: u64) -> Chunk {
    let w = world();
    let n = plan.regions.len();
    let mut rng = chunk_rng(seed, n as u64);
    let mut out = Chunk { index: plan.chunk_total() - 1, total: plan.chunk_total(), ..Chunk::default() };
    let push = |out: &mut Chunk, net: Network, a: &Rep, b: &Rep, cap: f64| {
        let dist = km(a.lon, a.lat, b.lon, b.lat) * 1.15;
        out.links.push(link(net, &a.id, &b.id, cap, dist.max(1.0)));
    };

    // National backbones between regions.
    for range in &plan.country_regions {
        for (t, net, cap) in [
            (T::Tss, Network::Grid, (1500.0, 4000.0)),
            (T::Gcs, Network::Gas, (100.0, 600.0)),
            (T::Stn, Network::Rail, (60.0, 400.0)),
            (T::Tel, Network::Telecom, (400.0, 4000.0)),
        ] {
            let reps: Vec<Rep> = range.clone().filter_map(|r| region_rep(plan, w, r, t)).collect();
            let pts: Vec<(f64, f64)> = reps.iter().map(|r| (r.lon, r.lat)).collect();
            for (a, b) in mst(&pts) {
                let c = uni(&mut rng, cap.0, cap.1);
                push(&mut out, net, &reps[a], &reps[b], c);
            }
        }
    }

    // Across borders: between the places facing each other (the plan put a
    // transmission substation, a station and a compressor station in the first pair).
    let holders_of: Vec<[Vec<usize>; 4]> = (0..w.scope.len())
        .map(|c| [holders(plan, w, c, T::Tss), holders(plan, w, c, T::Gcs), holders(plan, w, c, T::Stn), holders(plan, w, c, T::Oil)])
        .collect();
    for border in plan.borders {
        let (a, b) = (border.a, border.b);
        let chosen = &border.pairs;
        let mut done: HashSet<(String, String)> = HashSet::new();
        for (k, &(x, y)) in chosen.iter().enumerate() {
            // Grid interconnector between the transmission substations nearest the pair.
            let (ha, hb) = (&holders_of[a][0], &holders_of[b][0]);
            if let (Some(sa), Some(sb)) = (nearest_holder(w, ha, &w.cities[x]), nearest_holder(w, hb, &w.cities[y])) {
                let (ra, rb) = (rep(plan, w, sa, T::Tss), rep(plan, w, sb, T::Tss));
                let direct = fast_km(&w.cities[x], &w.cities[y]);
                let detour = fast_km(&w.cities[sa], &w.cities[sb]) > direct + 100.0;
                if (k == 0 || !detour) && done.insert((ra.id.to_string(), rb.id.to_string())) {
                    let c = uni(&mut rng, 500.0, 3000.0);
                    push(&mut out, Network::Grid, &ra, &rb, c);
                }
            }
            if k > 0 {
                continue;
            }
            // One gas pipeline and one railway per border, and a gas supply.
            let (ga, gb) = (&holders_of[a][1], &holders_of[b][1]);
            if let (Some(sa), Some(sb)) = (nearest_holder(w, ga, &w.cities[x]), nearest_holder(w, gb, &w.cities[y])) {
                let (ra, rb) = (rep(plan, w, sa, T::Gcs), rep(plan, w, sb, T::Gcs));
                let c = uni(&mut rng, 100.0, 1000.0);
                push(&mut out, Network::Gas, &ra, &rb, c);
                let (sup, dep) = if rng.gen::<f64>() < 0.5 { (ra, rb) } else { (rb, ra) };
                out.dependencies.push(Dependency {
                    supplier: sup.id,
                    dependent: dep.id,
                    service: Service::Gas,
                    k: 1,
                    n: 1,
                    buffer_hours: hours(&mut rng, (24.0, 96.0)),
                });
            }
            if border.land {
                let (sa_, sb_) = (&holders_of[a][2], &holders_of[b][2]);
                if let (Some(sa), Some(sb)) = (nearest_holder(w, sa_, &w.cities[x]), nearest_holder(w, sb_, &w.cities[y])) {
                    let (ra, rb) = (rep(plan, w, sa, T::Stn), rep(plan, w, sb, T::Stn));
                    let c = uni(&mut rng, 20.0, 200.0);
                    push(&mut out, Network::Rail, &ra, &rb, c);
                }
            }
        }
    }

    // Small countries import electricity: their main transmission substation needs
    // one of the nearest foreign ones.
    for (ci, sc) in w.scope.iter().enumerate() {
        if sc.pop >= 3_000_000 {
            continue;
        }
        let Some(home) = plan.country_regions[ci].clone().next().and_then(|r| region_rep(plan, w, r, T::Tss)) else { continue };
        let home_city = &w.cities[w.scope[ci].cities.start];
        let mut foreign: Vec<(f64, usize)> = w
            .neighbours
            .iter()
            .filter(|nb| nb.land && (nb.a == ci || nb.b == ci))
            .map(|nb| if nb.a == ci { nb.b } else { nb.a })
            .filter_map(|o| nearest_holder(w, &holders_of[o][0], home_city).map(|c| (fast_km(&w.cities[c], home_city), c)))
            .collect();
        foreign.sort_by(|p, q| p.0.total_cmp(&q.0).then(p.1.cmp(&q.1)));
        foreign.truncate(2);
        let n = foreign.len() as u32;
        for &(_, c) in &foreign {
            let s = rep(plan, w, c, T::Tss);
            out.dependencies.push(Dependency {
                supplier: s.id,
                dependent: home.id.clone(),
                service: Service::Electricity,
                k: 1,
                n,
                buffer_hours: 0.0,
            });
        }
    }

    // Airports of countries without an oil terminal or refinery take fuel from the
    // nearest foreign one.
    for (ci, sc) in w.scope.iter().enumerate() {
        if !holders_of[ci][3].is_empty() {
            continue;
        }
        let airports = holders(plan, w, ci, T::Air);
        for c in airports {
            let city = &w.cities[c];
            let best = (0..w.scope.len())
                .filter(|&o| o != ci)
                .filter_map(|o| nearest_holder(w, &holders_of[o][3], city))
                .min_by(|&p, &q| fast_km(&w.cities[p], city).total_cmp(&fast_km(&w.cities[q], city)).then(p.cmp(&q)));
            let Some(oc) = best else { continue };
            let supplier = rep(plan, w, oc, T::Oil);
            for j in 0..plan.counts[c][T::Air.idx()] {
                out.dependencies.push(Dependency {
                    supplier: supplier.id.clone(),
                    dependent: asset_id(sc.code, T::Air, plan.first[c][T::Air.idx()] + j),
                    service: Service::Fuel,
                    k: 1,
                    n: 1,
                    buffer_hours: hours(&mut rng, (120.0, 240.0)),
                });
            }
        }
    }

    // One redundancy group per dependent and service: a compressor station fed across
    // two borders needs one of its two foreign suppliers. Duplicates are dropped.
    let mut seen_dep: HashSet<(String, String, Service)> = HashSet::new();
    out.dependencies.retain(|d| seen_dep.insert((d.supplier.to_string(), d.dependent.to_string(), d.service)));
    let mut group: std::collections::HashMap<(String, Service), u32> = std::collections::HashMap::new();
    for d in &out.dependencies {
        *group.entry((d.dependent.to_string(), d.service)).or_default() += 1;
    }
    for d in &mut out.dependencies {
        d.n = group.get(&(d.dependent.to_string(), d.service)).copied().unwrap_or(1);
        d.k = 1;
    }
    out
}
