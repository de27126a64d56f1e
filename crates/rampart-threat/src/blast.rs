//! Blast stand-off for planners: rings, evacuation and shelter distances, overpressure
//! and impulse against distance, and what lies inside each ring. The physics
//! (Hopkinson–Cranz scaling, Kingery–Bulmash fits, threshold rings, footprints) is the
//! analysis engine's `rampart_engine::hazard::blast`; this module only arranges it.
//!
//! Evacuation and shelter distances:
//! - for the preset threat items, the US National Counterterrorism Center / DHS "Bomb
//!   Threat Stand-Off Distances" chart: the mandatory evacuation distance \[C\] (as the
//!   engine carries it) and the preferred evacuation distance \[R\] (recalled from the
//!   chart's feet: 1200, 1700, 1850, 1900, 2400, 3800, 5100, 9300 ft), with the zone
//!   between them for sheltering in place;
//! - for any charge, the radii at which the incident overpressure falls to
//!   [`EVACUATION_KPA`] and [`SHELTER_KPA`]. 8 kPa reproduces the chart's mandatory
//!   distances within 3 % for every item (they all lie at Z ≈ 16 m/kg^(1/3), surface
//!   burst); 0.7 kPa (occasional glass breakage) its preferred distances within 2 % from
//!   the car upwards. The chart's preferred distances for small items are larger than
//!   any airblast criterion gives (fragments), so for an item the larger is kept.

use rampart_engine::hazard::blast::{self as physics, BlastError, Burst, Charge, Ring, Threshold, ThreatItem};
use rampart_engine::hazard::geodesy;
use serde::Serialize;

/// Overpressure (kPa) at which the computed evacuation distance is drawn.
pub const EVACUATION_KPA: f64 = 8.0;
/// Overpressure (kPa) beyond which people need not shelter (glass breakage).
pub const SHELTER_KPA: f64 = 0.7;

/// The NCTC chart's preferred evacuation distance in metres \[R\].
pub fn nctc_preferred_evacuation_m(item: ThreatItem) -> f64 {
    let feet = match item {
        ThreatItem::PipeBomb => 1200.0,
        ThreatItem::SuicideVest => 1700.0,
        ThreatItem::Briefcase => 1850.0,
        ThreatItem::Car => 1900.0,
        ThreatItem::Van => 2400.0,
        ThreatItem::SmallDeliveryTruck => 3800.0,
        ThreatItem::Lorry => 5100.0,
        ThreatItem::SemiTrailer => 9300.0,
    };
    (feet * 0.3048_f64).round()
}

/// What to compute.
#[derive(Debug, Clone)]
pub struct Request {
    pub charge: Charge,
    pub item: Option<ThreatItem>,
    pub thresholds: Vec<Threshold>,
    /// Rows of the overpressure/impulse table (log-spaced over the fit's range).
    pub table_rows: usize,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RingOut {
    pub id: String,
    pub label: String,
    pub kpa: f64,
    /// `None` when the threshold lies outside what the fit covers for this charge.
    pub radius_m: Option<f64>,
    pub note: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct TableRow {
    pub distance_m: f64,
    /// Scaled distance Z, m/kg^(1/3).
    pub z: f64,
    pub overpressure_kpa: f64,
    /// `None` where only the pressure fit holds (surface burst, 158.7 < Z ≤ 198.5).
    pub impulse_kpa_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Distances {
    /// Everyone leaves, buildings included.
    pub evacuation_m: f64,
    /// Up to here: shelter in place away from windows, or evacuate further.
    pub shelter_m: f64,
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct ItemOut {
    pub key: &'static str,
    pub label: &'static str,
    pub kg_tnt: f64,
    pub nctc_mandatory_evacuation_m: f64,
    pub nctc_preferred_evacuation_m: f64,
}

impl ItemOut {
    pub fn of(item: ThreatItem) -> ItemOut {
        ItemOut {
            key: item.key(),
            label: item.label(),
            kg_tnt: item.kg_tnt(),
            nctc_mandatory_evacuation_m: item.nctc_mandatory_evacuation_m(),
            nctc_preferred_evacuation_m: nctc_preferred_evacuation_m(item),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct StandOff {
    pub kg_tnt: f64,
    /// `surface` or `free_air`.
    pub burst: &'static str,
    pub item: Option<ItemOut>,
    pub rings: Vec<RingOut>,
    /// From the overpressure criteria.
    pub computed: Option<Distances>,
    /// What to plan with: for an item the chart's distances (the larger where the
    /// computed one is larger), otherwise the computed ones.
    pub recommended: Option<Distances>,
    pub table: Vec<TableRow>,
}

pub fn burst_key(b: Burst) -> &'static str {
    match b {
        Burst::Surface => "surface",
        Burst::FreeAir => "free_air",
    }
}

/// Rings, distances and the table for one charge.
pub fn stand_off(req: &Request) -> StandOff {
    let c = &req.charge;
    let rings: Vec<RingOut> = physics::rings(c, &req.thresholds)
        .into_iter()
        .map(|r| RingOut {
            id: r.threshold.id,
            label: r.threshold.label,
            kpa: r.threshold.kpa,
            radius_m: r.radius_m.as_ref().ok().copied(),
            note: r.radius_m.err().map(|e| e.to_string()),
        })
        .collect();
    let computed = match (physics::radius_for_kpa(c, EVACUATION_KPA), physics::radius_for_kpa(c, SHELTER_KPA)) {
        (Ok(e), Ok(s)) => Some(Distances {
            evacuation_m: e,
            shelter_m: s,
            source: format!("radii of {EVACUATION_KPA} kPa and {SHELTER_KPA} kPa incident overpressure"),
        }),
        _ => None,
    };
    let recommended = match (req.item, &computed) {
        (Some(item), comp) => Some(Distances {
            evacuation_m: item.nctc_mandatory_evacuation_m(),
            shelter_m: comp.as_ref().map_or(0.0, |d| d.shelter_m).max(nctc_preferred_evacuation_m(item)),
            source: "NCTC bomb threat stand-off chart: mandatory [C] and preferred [R] evacuation distances".into(),
        }),
        (None, comp) => comp.clone(),
    };
    StandOff {
        kg_tnt: c.kg_tnt,
        burst: burst_key(c.burst),
        item: req.item.map(ItemOut::of),
        rings,
        computed,
        recommended,
        table: table(c, req.table_rows),
    }
}

/// Overpressure and impulse at `rows` log-spaced distances over the pressure fit's range.
pub fn table(c: &Charge, rows: usize) -> Vec<TableRow> {
    let (z_min, z_max) = physics::pressure_z_range(c.burst);
    let w3 = c.kg_tnt.cbrt();
    let rows = rows.max(2);
    (0..rows)
        .filter_map(|i| {
            let z = (z_min.ln() + (z_max / z_min).ln() * i as f64 / (rows - 1) as f64).exp().clamp(z_min, z_max);
            let p = physics::overpressure_kpa_at_z(c.burst, z).ok()?;
            let imp = physics::scaled_impulse_at_z(c.burst, z).ok().map(|s| s * w3);
            Some(TableRow { distance_m: z * w3, z, overpressure_kpa: p, impulse_kpa_ms: imp })
        })
        .collect()
}

/// A site near the charge, as the registry holds it.
#[derive(Debug, Clone, PartialEq)]
pub struct Site {
    pub id: String,
    pub name: String,
    /// `infrastructure` or `public_space`.
    pub kind: String,
    pub lon: f64,
    pub lat: f64,
    pub peak_occupancy: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SiteHit {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub distance_m: f64,
    pub overpressure_kpa: Option<f64>,
    /// The most severe threshold reached (the smallest ring it lies in).
    pub ring: String,
    pub peak_occupancy: Option<u64>,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RingCount {
    pub id: String,
    pub radius_m: f64,
    /// Sites inside the ring (a disc: inner rings' sites are counted too).
    pub assets: u64,
    pub public_spaces: u64,
    /// Sum of the public spaces' peak occupancy inside the ring.
    pub occupancy: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Exposure {
    pub rings: Vec<RingCount>,
    /// Sites inside the largest ring, nearest first.
    pub sites: Vec<SiteHit>,
}

/// The largest ring radius, for the caller's bounding-box query.
pub fn outer_radius(rings: &[RingOut]) -> Option<f64> {
    rings.iter().filter_map(|r| r.radius_m).max_by(f64::total_cmp)
}

/// The bounding box (min lon, min lat, max lon, max lat) of a circle, for the store's
/// spatial index; the exact distance test follows in [`exposure`].
pub fn circle_bbox(lon: f64, lat: f64, radius_m: f64) -> (f64, f64, f64, f64) {
    let frame = geodesy::LocalFrame::new(lon, lat);
    let (w, s) = frame.to_lon_lat(-radius_m * 1.01, -radius_m * 1.01);
    let (e, n) = frame.to_lon_lat(radius_m * 1.01, radius_m * 1.01);
    (w.max(-180.0), s.max(-90.0), e.min(180.0), n.min(90.0))
}

/// Which sites lie inside which ring around (lon, lat), by great-circle distance.
pub fn exposure(charge: &Charge, lon: f64, lat: f64, rings: &[RingOut], sites: &[Site]) -> Exposure {
    let mut drawn: Vec<&RingOut> = rings.iter().filter(|r| r.radius_m.is_some()).collect();
    drawn.sort_by(|a, b| a.radius_m.unwrap_or(0.0).total_cmp(&b.radius_m.unwrap_or(0.0)));
    let mut counts: Vec<RingCount> = rings
        .iter()
        .filter_map(|r| Some(RingCount { id: r.id.clone(), radius_m: r.radius_m?, assets: 0, public_spaces: 0, occupancy: 0 }))
        .collect();
    let mut hits = Vec::new();
    for s in sites {
        let d = geodesy::haversine_m(lon, lat, s.lon, s.lat);
        let Some(innermost) = drawn.iter().find(|r| r.radius_m.is_some_and(|x| d <= x)) else { continue };
        for c in counts.iter_mut().filter(|c| d <= c.radius_m) {
            c.assets += 1;
            if s.kind == "public_space" {
                c.public_spaces += 1;
                c.occupancy += s.peak_occupancy.unwrap_or(0);
            }
        }
        hits.push(SiteHit {
            id: s.id.clone(),
            name: s.name.clone(),
            kind: s.kind.clone(),
            distance_m: d,
            overpressure_kpa: physics::overpressure_kpa(charge, d.max(1e-3)).ok(),
            ring: innermost.id.clone(),
            peak_occupancy: s.peak_occupancy,
        });
    }
    hits.sort_by(|a, b| a.distance_m.total_cmp(&b.distance_m));
    Exposure { rings: counts, sites: hits }
}

/// The rings as GeoJSON polygons (one Feature per ring with a radius, largest first
/// so smaller rings draw on top) — the engine's explosion footprint.
pub fn rings_geojson(lon: f64, lat: f64, rings: &[RingOut]) -> serde_json::Value {
    let engine_rings: Vec<Ring> = rings
        .iter()
        .map(|r| Ring {
            threshold: Threshold { id: r.id.clone(), label: r.label.clone(), kpa: r.kpa },
            radius_m: r.radius_m.ok_or(BlastError::InvalidDistance(0.0)),
        })
        .collect();
    let fp = physics::footprint(lon, lat, &engine_rings, 96);
    let mut feats: Vec<(f64, serde_json::Value)> = fp
        .zones()
        .iter()
        .filter_map(|z| {
            let ring = rings.iter().find(|r| r.id == z.label)?;
            let poly = z.area.0.first()?;
            let coords: Vec<[f64; 2]> = poly.exterior().coords().map(|c| [c.x, c.y]).collect();
            Some((
                ring.radius_m.unwrap_or(0.0),
                serde_json::json!({"type": "Feature", "properties": {"id": ring.id, "label": ring.label, "kpa": ring.kpa, "radius_m": ring.radius_m},
                    "geometry": {"type": "Polygon", "coordinates": [coords]}}),
            ))
        })
        .collect();
    feats.sort_by(|a, b| b.0.total_cmp(&a.0));
    serde_json::json!({"type": "FeatureCollection", "features": feats.into_iter().map(|f| f.1).collect::<Vec<_>>()})
}

#[cfg(test)]
mod tests {
    use super::*;

    fn req(item: ThreatItem) -> Request {
        Request { charge: Charge::surface(item), item: Some(item), thresholds: physics::default_thresholds(), table_rows: 40 }
    }

    /// The 8 kPa radius reproduces the chart's mandatory evacuation distances within 3 %.
    #[test]
    fn computed_evacuation_follows_the_chart() {
        for &item in ThreatItem::ALL {
            let s = stand_off(&req(item));
            let e = s.computed.unwrap().evacuation_m;
            let chart = item.nctc_mandatory_evacuation_m();
            assert!((e / chart - 1.0).abs() < 0.03, "{item:?}: {e} vs {chart}");
        }
        let car = stand_off(&req(ThreatItem::Car));
        assert_eq!(car.recommended.as_ref().unwrap().evacuation_m, 98.0);
        assert_eq!(car.item.as_ref().unwrap().nctc_preferred_evacuation_m, 579.0);
        // Shelter: the glass-breakage radius of 227 kg (≈ 580 m) exceeds the chart's 579 m.
        assert!((car.recommended.unwrap().shelter_m - 580.0).abs() < 15.0);
        let pipe = stand_off(&req(ThreatItem::PipeBomb));
        assert_eq!(pipe.recommended.unwrap().shelter_m, 366.0);
    }

    /// Hand values: 227 kg surface burst at 61 m: Z = 61 / 227^(1/3) = 10.0 m/kg^(1/3),
    /// where the Swisdak fit gives ln p = 7.5938 − 3.0523·ln 10 + 0.40977·(ln 10)² +
    /// 0.0261·(ln 10)³ − 0.01267·(ln 10)⁴ → 14.89 kPa (the full Kingery–Bulmash
    /// polynomial gives 14.81, within the fit's 1 %).
    #[test]
    fn table_rows_follow_the_fits() {
        let c = Charge::new(227.0, Burst::Surface).unwrap();
        let z = physics::scaled_distance(227.0, 61.0);
        assert!((z - 10.0).abs() < 0.01, "{z}");
        let l = 10f64.ln();
        let expected = (7.5938 - 3.0523 * l + 0.40977 * l * l + 0.0261 * l.powi(3) - 0.01267 * l.powi(4)).exp();
        assert!((expected - 14.889).abs() < 0.001, "{expected}");
        let p = physics::overpressure_kpa_at_z(Burst::Surface, 10.0).unwrap();
        assert!((p - expected).abs() < 1e-9);
        let t = table(&c, 30);
        assert_eq!(t.len(), 30);
        assert!((t[0].z - 0.2).abs() < 1e-9 && (t[29].z - 198.5).abs() < 1e-6);
        assert!(t.windows(2).all(|w| w[0].overpressure_kpa > w[1].overpressure_kpa));
        assert!(t[29].impulse_kpa_ms.is_none() && t[0].impulse_kpa_ms.is_some());
        let free = table(&Charge::new(1.0, Burst::FreeAir).unwrap(), 10);
        assert!((free[9].z - 40.0).abs() < 1e-9);
    }

    #[test]
    fn sites_fall_in_their_innermost_ring() {
        let c = Charge::surface(ThreatItem::Car);
        let s = stand_off(&req(ThreatItem::Car));
        let (lon, lat) = (13.4, 52.5);
        let frame = geodesy::LocalFrame::new(lon, lat);
        let at = |m: f64| frame.to_lon_lat(m, 0.0);
        let site = |id: &str, m: f64, kind: &str, occ: Option<u64>| {
            let (x, y) = at(m);
            Site { id: id.into(), name: id.into(), kind: kind.into(), lon: x, lat: y, peak_occupancy: occ }
        };
        let sites = vec![
            site("near", 30.0, "public_space", Some(500)),
            site("mid", 200.0, "infrastructure", None),
            site("far", 5000.0, "public_space", Some(9)),
        ];
        let e = exposure(&c, lon, lat, &s.rings, &sites);
        assert_eq!(e.sites.iter().map(|h| h.id.as_str()).collect::<Vec<_>>(), vec!["near", "mid"]);
        let glass = e.rings.iter().find(|r| r.id == "glass_breakage_minor").unwrap();
        assert_eq!((glass.assets, glass.public_spaces, glass.occupancy), (2, 1, 500));
        // 30 m from 227 kg: Z = 4.93, about 45 kPa: inside the 34.5 kPa rings, not the 68.9 kPa one.
        let near = &e.sites[0];
        assert!(near.overpressure_kpa.unwrap() > 34.5 && near.overpressure_kpa.unwrap() < 68.9);
        assert!(near.ring == "structural_severe" || near.ring == "eardrum_rupture", "{}", near.ring);
        let (w, so, ea, n) = circle_bbox(lon, lat, 1000.0);
        assert!(w < lon && ea > lon && so < lat && n > lat);
        let gj = rings_geojson(lon, lat, &s.rings);
        assert_eq!(gj["features"].as_array().unwrap().len(), s.rings.iter().filter(|r| r.radius_m.is_some()).count());
    }
}
