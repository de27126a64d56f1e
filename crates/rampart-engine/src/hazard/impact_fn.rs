//! Vulnerability: impact functions (MDD and PAA against intensity) and lognormal
//! fragility curves, with the asset-class mapping that picks one per hazard.
//!
//! **Impact functions** (CLIMADA convention): a table of intensity → mean damage degree
//! (MDD) and percentage of affected assets (PAA). Both are interpolated linearly and
//! **separately**, then multiplied: damage = value × MDD(I) × PAA(I). Below the first
//! and above the last tabulated intensity the end values are kept (clamped, as
//! `numpy.interp` does); tables normally start with MDD = 0 at intensity 0.
//!
//! **Fragility curves**: P(damage ≥ state | I) = Φ(ln(I/θ)/β) with median θ and
//! dispersion β; Φ is the standard normal CDF, computed as ½·erfc(−x/√2) with
//! `libm::erfc` (a port of FreeBSD's msun, accurate to about 1 ulp). Each state carries
//! a damage ratio (share of the value lost in that state).

use std::fmt;
use std::io::Read;

use super::table::{for_each_row, DataError};

/// Hazard intensity measures, each with its unit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum HazardKind {
    /// Flood water depth above ground, m.
    FloodDepth,
    /// Wind speed (e.g. 3-s gust or 1-min sustained, as the event set says), m/s.
    WindSpeed,
    /// Peak ground acceleration, g.
    Pga,
    /// Blast incident overpressure, kPa.
    Overpressure,
    /// Toxic concentration in air, mg/m³.
    ToxicConcentration,
}

impl HazardKind {
    pub const ALL: &'static [HazardKind] = &[
        HazardKind::FloodDepth,
        HazardKind::WindSpeed,
        HazardKind::Pga,
        HazardKind::Overpressure,
        HazardKind::ToxicConcentration,
    ];

    /// The key used in the data files.
    pub fn key(self) -> &'static str {
        match self {
            HazardKind::FloodDepth => "flood_depth_m",
            HazardKind::WindSpeed => "wind_speed_m_s",
            HazardKind::Pga => "pga_g",
            HazardKind::Overpressure => "overpressure_kpa",
            HazardKind::ToxicConcentration => "toxic_mg_m3",
        }
    }

    pub fn parse(s: &str) -> Option<HazardKind> {
        HazardKind::ALL.iter().copied().find(|h| h.key() == s.trim())
    }

    fn expected() -> String {
        HazardKind::ALL.iter().map(|h| h.key()).collect::<Vec<_>>().join(", ")
    }
}

impl fmt::Display for HazardKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.key())
    }
}

/// Linear interpolation in a strictly increasing table, clamped at both ends.
pub(crate) fn interp_clamped(xs: &[f64], ys: &[f64], x: f64) -> f64 {
    let n = xs.len();
    if n == 0 {
        return 0.0;
    }
    if x <= xs[0] {
        return ys[0];
    }
    if x >= xs[n - 1] {
        return ys[n - 1];
    }
    // First index with xs[i] > x; 1 ≤ i ≤ n−1 here.
    let i = xs.partition_point(|&v| v <= x);
    let (x0, x1, y0, y1) = (xs[i - 1], xs[i], ys[i - 1], ys[i]);
    y0 + (y1 - y0) * (x - x0) / (x1 - x0)
}

/// One impact function: points (intensity, MDD, PAA) with strictly increasing
/// intensity and MDD, PAA in [0, 1].
#[derive(Debug, Clone, PartialEq)]
pub struct ImpactFunction {
    pub id: String,
    intensity: Vec<f64>,
    mdd: Vec<f64>,
    paa: Vec<f64>,
}

impl ImpactFunction {
    /// Checks the points; the message names the first fault.
    pub fn new(id: &str, intensity: Vec<f64>, mdd: Vec<f64>, paa: Vec<f64>) -> Result<ImpactFunction, String> {
        if intensity.is_empty() || intensity.len() != mdd.len() || intensity.len() != paa.len() {
            return Err(format!("function {id:?} needs the same, non-zero number of intensity, mdd and paa values"));
        }
        for i in 0..intensity.len() {
            if !intensity[i].is_finite() || (i > 0 && intensity[i] <= intensity[i - 1]) {
                return Err(format!("function {id:?}: intensities must be finite and strictly increasing"));
            }
            if !(0.0..=1.0).contains(&mdd[i]) || !(0.0..=1.0).contains(&paa[i]) {
                return Err(format!("function {id:?}: mdd and paa must be within 0..1"));
            }
        }
        Ok(ImpactFunction { id: id.to_string(), intensity, mdd, paa })
    }

    pub fn intensity(&self) -> &[f64] {
        &self.intensity
    }

    /// Mean damage degree at intensity `i` (clamped at the table ends).
    pub fn mdd(&self, i: f64) -> f64 {
        interp_clamped(&self.intensity, &self.mdd, i)
    }

    /// Percentage (share) of affected assets at intensity `i` (clamped at the ends).
    pub fn paa(&self, i: f64) -> f64 {
        interp_clamped(&self.intensity, &self.paa, i)
    }

    /// Mean damage ratio MDD(i) × PAA(i), each interpolated on its own.
    pub fn mdr(&self, i: f64) -> f64 {
        self.mdd(i) * self.paa(i)
    }
}

/// Impact functions by dense index, in the order they first appear in the file.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct ImpactFunctionSet {
    functions: Vec<ImpactFunction>,
}

/// The shipped defaults (values recalled \[R\]; see the file header and the docs).
pub const DEFAULT_IMPACT_FUNCTIONS_CSV: &str = include_str!("../../data/impact_functions.csv");
pub const DEFAULT_FRAGILITY_CSV: &str = include_str!("../../data/fragility.csv");
pub const DEFAULT_ASSET_CLASSES_CSV: &str = include_str!("../../data/asset_classes.csv");

impl ImpactFunctionSet {
    pub fn new(functions: Vec<ImpactFunction>) -> ImpactFunctionSet {
        ImpactFunctionSet { functions }
    }

    /// Reads `function_id, intensity, mdd, paa` lines. A function's lines need not be
    /// adjacent, but its intensities must increase strictly in file order.
    pub fn parse(file: &str, reader: impl Read) -> Result<ImpactFunctionSet, DataError> {
        let mut functions: Vec<ImpactFunction> = Vec::new();
        let mut last_line: Vec<u64> = Vec::new();
        for_each_row(file, reader, &["function_id", "intensity", "mdd", "paa"], |row| {
            let id = row.text(0)?;
            let intensity = row.number(1)?;
            let mdd = row.number(2)?;
            let paa = row.number(3)?;
            for (i, v) in [(2, mdd), (3, paa)] {
                if !(0.0..=1.0).contains(&v) {
                    return Err(row.error(i, format!("must be within 0..1, got {v}")));
                }
            }
            let k = match functions.iter().position(|f| f.id == id) {
                Some(k) => k,
                None => {
                    functions.push(ImpactFunction { id: id.to_string(), intensity: vec![], mdd: vec![], paa: vec![] });
                    last_line.push(0);
                    functions.len() - 1
                }
            };
            let f = &mut functions[k];
            if let Some(&prev) = f.intensity.last() {
                if intensity <= prev {
                    return Err(row.error(
                        1,
                        format!(
                            "intensities of function {id:?} must increase strictly; {intensity} follows {prev} (line {})",
                            last_line[k]
                        ),
                    ));
                }
            }
            f.intensity.push(intensity);
            f.mdd.push(mdd);
            f.paa.push(paa);
            last_line[k] = row.line;
            Ok(())
        })?;
        if functions.is_empty() {
            return Err(DataError::new(file, 0, "", "has no impact functions"));
        }
        Ok(ImpactFunctionSet { functions })
    }

    /// The shipped default functions.
    pub fn defaults() -> ImpactFunctionSet {
        // Checked by a test; an empty set would only mean no damage.
        ImpactFunctionSet::parse("impact_functions.csv", DEFAULT_IMPACT_FUNCTIONS_CSV.as_bytes()).unwrap_or_default()
    }

    pub fn functions(&self) -> &[ImpactFunction] {
        &self.functions
    }

    pub fn index_of(&self, id: &str) -> Option<u32> {
        self.functions.iter().position(|f| f.id == id).map(|i| i as u32)
    }

    pub fn get(&self, index: u32) -> Option<&ImpactFunction> {
        self.functions.get(index as usize)
    }

    pub fn len(&self) -> usize {
        self.functions.len()
    }

    pub fn is_empty(&self) -> bool {
        self.functions.is_empty()
    }
}

/// Standard normal CDF Φ(x) = ½·erfc(−x/√2).
pub fn std_normal_cdf(x: f64) -> f64 {
    0.5 * libm::erfc(-x / std::f64::consts::SQRT_2)
}

/// One damage state's lognormal curve.
#[derive(Debug, Clone, PartialEq)]
pub struct FragilityCurve {
    pub state: String,
    /// θ, in the hazard's unit.
    pub median: f64,
    /// β, the standard deviation of ln(capacity).
    pub beta: f64,
    /// Share of the value lost when this state is reached.
    pub damage_ratio: f64,
}

impl FragilityCurve {
    /// P(damage ≥ this state | intensity).
    pub fn prob_exceed(&self, intensity: f64) -> f64 {
        if intensity <= 0.0 || intensity.is_nan() {
            return 0.0;
        }
        std_normal_cdf((intensity / self.median).ln() / self.beta)
    }
}

/// The damage states of one asset class under one hazard, mildest first (ordered by
/// damage ratio).
#[derive(Debug, Clone, PartialEq)]
pub struct FragilityModel {
    pub class: String,
    pub hazard: HazardKind,
    pub states: Vec<FragilityCurve>,
}

impl FragilityModel {
    /// P(damage ≥ state k) for every state, made non-increasing in k (crossing curves
    /// would otherwise give negative state probabilities).
    fn exceedance(&self, intensity: f64, out: &mut [f64]) {
        let mut cap = 1.0f64;
        for (o, s) in out.iter_mut().zip(&self.states) {
            cap = cap.min(s.prob_exceed(intensity));
            *o = cap;
        }
    }

    /// Expected damage ratio Σₖ (P≥k − P≥k+1) · ratioₖ.
    pub fn expected_damage_ratio(&self, intensity: f64) -> f64 {
        let mut p = vec![0.0; self.states.len()];
        self.exceedance(intensity, &mut p);
        let mut total = 0.0;
        for k in 0..p.len() {
            let next = p.get(k + 1).copied().unwrap_or(0.0);
            total += (p[k] - next) * self.states[k].damage_ratio;
        }
        total
    }

    /// The damage ratio of the state reached for a uniform draw `u` in [0, 1): the most
    /// severe state k with u < P(damage ≥ k | intensity), or 0 when none is reached.
    pub fn sample_damage_ratio(&self, intensity: f64, u: f64) -> f64 {
        if intensity <= 0.0 {
            return 0.0;
        }
        let mut cap = 1.0f64;
        let mut ratio = 0.0;
        for s in &self.states {
            cap = cap.min(s.prob_exceed(intensity));
            if u < cap {
                ratio = s.damage_ratio;
            } else {
                break;
            }
        }
        ratio
    }
}

/// Fragility models by dense index.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct FragilitySet {
    models: Vec<FragilityModel>,
}

impl FragilitySet {
    pub fn new(models: Vec<FragilityModel>) -> FragilitySet {
        FragilitySet { models }
    }

    /// Reads `class, hazard, state, median, beta, damage_ratio` lines; median and beta
    /// positive, damage ratio in [0, 1], a state named once per class and hazard.
    pub fn parse(file: &str, reader: impl Read) -> Result<FragilitySet, DataError> {
        let mut models: Vec<FragilityModel> = Vec::new();
        for_each_row(file, reader, &["class", "hazard", "state", "median", "beta", "damage_ratio"], |row| {
            let class = row.text(0)?;
            let hazard_key = row.text(1)?;
            let hazard = HazardKind::parse(hazard_key)
                .ok_or_else(|| row.error(1, format!("unknown hazard {hazard_key:?}; expected one of {}", HazardKind::expected())))?;
            let state = row.text(2)?;
            let median = row.number(3)?;
            let beta = row.number(4)?;
            let damage_ratio = row.number(5)?;
            if median <= 0.0 {
                return Err(row.error(3, format!("must be positive, got {median}")));
            }
            if beta <= 0.0 {
                return Err(row.error(4, format!("must be positive, got {beta}")));
            }
            if !(0.0..=1.0).contains(&damage_ratio) {
                return Err(row.error(5, format!("must be within 0..1, got {damage_ratio}")));
            }
            let k = match models.iter().position(|m| m.class == class && m.hazard == hazard) {
                Some(k) => k,
                None => {
                    models.push(FragilityModel { class: class.to_string(), hazard, states: vec![] });
                    models.len() - 1
                }
            };
            if models[k].states.iter().any(|s| s.state == state) {
                return Err(row.error(2, format!("duplicate state {state:?} for class {class:?} and hazard {hazard}")));
            }
            models[k].states.push(FragilityCurve { state: state.to_string(), median, beta, damage_ratio });
            Ok(())
        })?;
        if models.is_empty() {
            return Err(DataError::new(file, 0, "", "has no fragility curves"));
        }
        for m in &mut models {
            m.states.sort_by(|a, b| a.damage_ratio.total_cmp(&b.damage_ratio));
        }
        Ok(FragilitySet { models })
    }

    pub fn defaults() -> FragilitySet {
        FragilitySet::parse("fragility.csv", DEFAULT_FRAGILITY_CSV.as_bytes()).unwrap_or_default()
    }

    pub fn models(&self) -> &[FragilityModel] {
        &self.models
    }

    pub fn get(&self, index: u32) -> Option<&FragilityModel> {
        self.models.get(index as usize)
    }

    /// The model for `class` under `hazard`, else the `default` class's.
    pub fn index_of(&self, class: &str, hazard: HazardKind) -> Option<u32> {
        let find = |c: &str| self.models.iter().position(|m| m.class == c && m.hazard == hazard);
        find(class).or_else(|| find(DEFAULT_CLASS)).map(|i| i as u32)
    }
}

/// The class used when an asset's own class has no entry.
pub const DEFAULT_CLASS: &str = "default";

/// Which impact function each asset class uses for each hazard. Classes are Rampart's
/// taxonomy keys (sector, subsector or public-space category, e.g. `electricity`,
/// `health`, `drinking_water`, `stadium`), plus `default`.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct AssetClassMap {
    rows: Vec<(String, HazardKind, String)>,
}

impl AssetClassMap {
    /// Reads `class, hazard, function_id`; when `functions` is given, every function id
    /// must exist there.
    pub fn parse(file: &str, reader: impl Read, functions: Option<&ImpactFunctionSet>) -> Result<AssetClassMap, DataError> {
        let mut rows: Vec<(String, HazardKind, String)> = Vec::new();
        for_each_row(file, reader, &["class", "hazard", "function_id"], |row| {
            let class = row.text(0)?;
            let hazard_key = row.text(1)?;
            let hazard = HazardKind::parse(hazard_key)
                .ok_or_else(|| row.error(1, format!("unknown hazard {hazard_key:?}; expected one of {}", HazardKind::expected())))?;
            let function = row.text(2)?;
            if let Some(set) = functions {
                if set.index_of(function).is_none() {
                    return Err(row.error(2, format!("unknown impact function {function:?}")));
                }
            }
            if rows.iter().any(|(c, h, _)| c == class && *h == hazard) {
                return Err(row.error(0, format!("class {class:?} is mapped twice for hazard {hazard}")));
            }
            rows.push((class.to_string(), hazard, function.to_string()));
            Ok(())
        })?;
        Ok(AssetClassMap { rows })
    }

    pub fn defaults() -> AssetClassMap {
        AssetClassMap::parse("asset_classes.csv", DEFAULT_ASSET_CLASSES_CSV.as_bytes(), None).unwrap_or_default()
    }

    /// The function id for `class` under `hazard`, else the `default` class's.
    pub fn function_id(&self, class: &str, hazard: HazardKind) -> Option<&str> {
        let find = |c: &str| self.rows.iter().find(|(rc, h, _)| rc == c && *h == hazard).map(|r| r.2.as_str());
        find(class).or_else(|| find(DEFAULT_CLASS))
    }

    /// The function-index column for assets of the given classes (what
    /// [`crate::hazard::risk::Exposure::function`] takes). Errors name the first class
    /// without a function.
    pub fn function_indices<'a>(
        &self,
        classes: impl IntoIterator<Item = &'a str>,
        hazard: HazardKind,
        functions: &ImpactFunctionSet,
    ) -> Result<Vec<u32>, String> {
        classes
            .into_iter()
            .map(|class| {
                let id = self
                    .function_id(class, hazard)
                    .ok_or_else(|| format!("no impact function for class {class:?} and hazard {hazard}"))?;
                functions.index_of(id).ok_or_else(|| format!("impact function {id:?} (class {class:?}) is not loaded"))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mdd_and_paa_interpolate_separately_and_clamp() {
        let text = "function_id,intensity,mdd,paa\nf,0,0,0\nf,1,0.2,0.5\nf,3,0.6,1\n";
        let set = ImpactFunctionSet::parse("f.csv", text.as_bytes()).unwrap();
        let f = set.get(0).unwrap();
        // At 2: mdd 0.4, paa 0.75 → 0.3 (not the interpolated product 0.1→0.6 = 0.35).
        assert!((f.mdr(2.0) - 0.3).abs() < 1e-12);
        assert_eq!(f.mdd(-1.0), 0.0);
        assert_eq!((f.mdd(10.0), f.paa(10.0)), (0.6, 1.0));
    }

    #[test]
    fn bad_tables_name_file_line_and_field() {
        let err = |t: &str| ImpactFunctionSet::parse("impact_functions.csv", t.as_bytes()).unwrap_err().to_string();
        assert_eq!(
            err("function_id,intensity,mdd,paa\nf,0,0,0\ng,0,0,0\nf,0,0.1,1\n"),
            "impact_functions.csv line 4, field intensity: intensities of function \"f\" must increase strictly; 0 follows 0 (line 2)"
        );
        assert_eq!(
            err("function_id,intensity,mdd,paa\nf,0,NaN,0\n"),
            "impact_functions.csv line 2, field mdd: must be a number, got NaN"
        );
        assert_eq!(
            err("function_id,intensity,mdd,paa\nf,0,0,1.5\n"),
            "impact_functions.csv line 2, field paa: must be within 0..1, got 1.5"
        );
    }

    #[test]
    fn normal_cdf_is_accurate() {
        assert_eq!(std_normal_cdf(0.0), 0.5);
        assert!((std_normal_cdf(1.0) - 0.841_344_746_068_543).abs() < 1e-15);
        assert!((std_normal_cdf(-3.0) - 0.001_349_898_031_630_095).abs() < 1e-17);
        assert!((std_normal_cdf(-8.0) - 6.220_960_574_271_785e-16).abs() < 1e-28);
    }

    #[test]
    fn fragility_median_gives_one_half() {
        let set = FragilitySet::parse(
            "fragility.csv",
            "class,hazard,state,median,beta,damage_ratio\nx,pga_g,slight,0.2,0.6,0.1\nx,pga_g,complete,0.8,0.6,1\n".as_bytes(),
        )
        .unwrap();
        let m = set.get(set.index_of("x", HazardKind::Pga).unwrap()).unwrap();
        assert!((m.states[0].prob_exceed(0.2) - 0.5).abs() < 1e-15);
        assert_eq!(m.sample_damage_ratio(0.2, 0.49), 0.1);
        assert_eq!(m.sample_damage_ratio(0.2, 0.51), 0.0);
        assert_eq!(m.sample_damage_ratio(0.8, 0.49), 1.0);
        let p_complete = 0.5;
        let p_slight = std_normal_cdf((0.8f64 / 0.2).ln() / 0.6);
        assert!((m.expected_damage_ratio(0.8) - ((p_slight - p_complete) * 0.1 + p_complete)).abs() < 1e-15);
        assert_eq!(set.index_of("other", HazardKind::Pga), None);
    }

    #[test]
    fn shipped_defaults_parse_and_cover_every_hazard() {
        let functions = ImpactFunctionSet::parse("impact_functions.csv", DEFAULT_IMPACT_FUNCTIONS_CSV.as_bytes()).unwrap();
        let classes = AssetClassMap::parse("asset_classes.csv", DEFAULT_ASSET_CLASSES_CSV.as_bytes(), Some(&functions)).unwrap();
        let fragility = FragilitySet::parse("fragility.csv", DEFAULT_FRAGILITY_CSV.as_bytes()).unwrap();
        for &hazard in HazardKind::ALL {
            for class in ["electricity", "health", "drinking_water", "stadium", "unknown_class"] {
                assert!(classes.function_id(class, hazard).is_some(), "{class} {hazard}");
                assert!(fragility.index_of(class, hazard).is_some(), "{class} {hazard}");
            }
        }
        let idx = classes.function_indices(["electricity", "stadium"], HazardKind::FloodDepth, &functions).unwrap();
        assert_eq!(idx.len(), 2);
    }
}
