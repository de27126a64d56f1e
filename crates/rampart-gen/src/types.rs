//! The asset types the generator places, with their allocation rules, names,
//! figures and dependency rules.

use rampart_core::{Category, Kind, Sector, Service, Subsector};

/// An asset type. The order is the order of generation within a city.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum T {
    Tss,
    Sub,
    Ppl,
    Gcs,
    Dhp,
    Oil,
    Hyd,
    Air,
    Stn,
    Ptd,
    Prt,
    Iwp,
    Rdt,
    Bnk,
    Fmi,
    Hos,
    Wtr,
    Wwt,
    Tel,
    Dcn,
    Adm,
    Spc,
    Sup,
    Fdc,
    Fpp,
    Sta,
    Arn,
    Mal,
    Hub,
    Pow,
    Ped,
    Hot,
    Sch,
    Mus,
    Evt,
    Thm,
}

pub const NT: usize = 36;

pub const ALL: [T; NT] = [
    T::Tss,
    T::Sub,
    T::Ppl,
    T::Gcs,
    T::Dhp,
    T::Oil,
    T::Hyd,
    T::Air,
    T::Stn,
    T::Ptd,
    T::Prt,
    T::Iwp,
    T::Rdt,
    T::Bnk,
    T::Fmi,
    T::Hos,
    T::Wtr,
    T::Wwt,
    T::Tel,
    T::Dcn,
    T::Adm,
    T::Spc,
    T::Sup,
    T::Fdc,
    T::Fpp,
    T::Sta,
    T::Arn,
    T::Mal,
    T::Hub,
    T::Pow,
    T::Ped,
    T::Hot,
    T::Sch,
    T::Mus,
    T::Evt,
    T::Thm,
];

/// Which places may hold a type, beyond its minimum population.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Elig {
    Any,
    /// Countries where district heating is common.
    Cold,
    /// Countries with a gas transmission network.
    Gas,
    /// On the coast (or a listed estuary seaport).
    Sea,
    /// A listed inland waterway port.
    River,
}

/// Who operates assets of a type.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    // National, one per country.
    Tso,
    Gas,
    Rail,
    Roads,
    Fmi,
    Space,
    Oil,
    // National, several per country (numbered).
    Gen,
    Telecom,
    Bank,
    Retail,
    Food,
    DataCentre,
    Hospitality,
    // Regional, one per region.
    Dso,
    Water,
    Health,
    Transit,
    Venues,
    Municipal,
    Education,
    Worship,
    Heat,
    Airport,
    Port,
}

pub const ROLES: [Role; 25] = [
    Role::Tso,
    Role::Gas,
    Role::Rail,
    Role::Roads,
    Role::Fmi,
    Role::Space,
    Role::Oil,
    Role::Gen,
    Role::Telecom,
    Role::Bank,
    Role::Retail,
    Role::Food,
    Role::DataCentre,
    Role::Hospitality,
    Role::Dso,
    Role::Water,
    Role::Health,
    Role::Transit,
    Role::Venues,
    Role::Municipal,
    Role::Education,
    Role::Worship,
    Role::Heat,
    Role::Airport,
    Role::Port,
];

impl Role {
    pub fn regional(self) -> bool {
        self >= Role::Dso
    }

    /// Operators of this role in a country of `pop` inhabitants (national roles).
    pub fn how_many(self, pop: u64) -> u32 {
        let steps = |v: &[u64]| 1 + v.iter().filter(|&&p| pop > p).count() as u32;
        match self {
            Role::Gen => steps(&[3_000_000, 15_000_000, 40_000_000]),
            Role::Telecom => steps(&[1_000_000, 5_000_000]),
            Role::Bank | Role::Retail => steps(&[1_000_000, 5_000_000, 20_000_000, 50_000_000]),
            Role::Food | Role::Hospitality => steps(&[2_000_000, 20_000_000]),
            Role::DataCentre => steps(&[5_000_000, 30_000_000]),
            _ => 1,
        }
    }

    pub fn key(self) -> &'static str {
        match self {
            Role::Tso => "tso",
            Role::Gas => "gas",
            Role::Rail => "rail",
            Role::Roads => "roads",
            Role::Fmi => "fmi",
            Role::Space => "space",
            Role::Oil => "oil",
            Role::Gen => "gen",
            Role::Telecom => "telecom",
            Role::Bank => "bank",
            Role::Retail => "retail",
            Role::Food => "food",
            Role::DataCentre => "datacentre",
            Role::Hospitality => "hospitality",
            Role::Dso => "dso",
            Role::Water => "water",
            Role::Health => "health",
            Role::Transit => "transit",
            Role::Venues => "venues",
            Role::Municipal => "municipal",
            Role::Education => "education",
            Role::Worship => "worship",
            Role::Heat => "heat",
            Role::Airport => "airport",
            Role::Port => "port",
        }
    }

    /// The organisation's name, from the country's name (national roles) or the
    /// region's main place (regional roles), and its number.
    pub fn org_name(self, place: &str, n: u32, of: u32) -> String {
        let num = if of > 1 { format!(" {n}") } else { String::new() };
        match self {
            Role::Tso => format!("{place} National Grid (transmission system operator)"),
            Role::Gas => format!("{place} Gas Transmission"),
            Role::Rail => format!("{place} Railways"),
            Role::Roads => format!("{place} Roads Agency"),
            Role::Fmi => format!("{place} Stock Exchange and Clearing"),
            Role::Space => format!("{place} Space Agency ground segment"),
            Role::Oil => format!("{place} Petroleum"),
            Role::Gen => format!("{place} Power Generation{num}"),
            Role::Telecom => format!("{place} Telecom{num}"),
            Role::Bank => format!("{place} Bank{num}"),
            Role::Retail => format!("{place} Retail Group{num}"),
            Role::Food => format!("{place} Food Industries{num}"),
            Role::DataCentre => format!("{place} Data Centres{num}"),
            Role::Hospitality => format!("{place} Hotels{num}"),
            Role::Dso => format!("{place} Distribution Grid"),
            Role::Water => format!("{place} Water Utility"),
            Role::Health => format!("{place} Hospital Trust"),
            Role::Transit => format!("{place} Public Transport"),
            Role::Venues => format!("{place} Venues and Events"),
            Role::Municipal => format!("{place} Municipal Services"),
            Role::Education => format!("{place} Education Authority"),
            Role::Worship => format!("{place} Council of Religious Communities"),
            Role::Heat => format!("{place} District Heating"),
            Role::Airport => format!("{place} Airports"),
            Role::Port => format!("{place} Port Authority"),
        }
    }
}

/// How an asset type is classified, allocated and placed.
pub struct TypeDef {
    /// The type part of asset ids, e.g. `SUB` in `DE-SUB-000123`.
    pub code: &'static str,
    pub kind: Kind,
    pub sector: Option<Sector>,
    pub subsector: Option<Subsector>,
    pub category: Option<Category>,
    /// Weight of an eligible place at the reference scale: `base + pop / people_per`.
    pub people_per: f64,
    pub base: f64,
    /// Extra weight of a country's largest place.
    pub capital: f64,
    pub min_pop: u64,
    /// How the count follows the requested size: 1 grows linearly with it, 0.2 barely.
    pub elasticity: f64,
    pub elig: Elig,
    /// Spread around the place relative to the place's radius.
    pub spread: f64,
    /// Minimum distance from the place's centre, km (airports, power plants).
    pub min_km: f64,
    pub role: Role,
}

const fn infra(code: &'static str, sector: Sector, subsector: Option<Subsector>, role: Role) -> TypeDef {
    TypeDef {
        code,
        kind: Kind::Infrastructure,
        sector: Some(sector),
        subsector,
        category: None,
        people_per: 1e12,
        base: 0.0,
        capital: 0.0,
        min_pop: 0,
        elasticity: 1.0,
        elig: Elig::Any,
        spread: 1.0,
        min_km: 0.0,
        role,
    }
}

const fn public(code: &'static str, category: Category, role: Role) -> TypeDef {
    TypeDef {
        code,
        kind: Kind::PublicSpace,
        sector: None,
        subsector: None,
        category: Some(category),
        people_per: 1e12,
        base: 0.0,
        capital: 0.0,
        min_pop: 0,
        elasticity: 1.0,
        elig: Elig::Any,
        spread: 1.0,
        min_km: 0.0,
        role,
    }
}

const fn w(mut d: TypeDef, people_per: f64, base: f64, min_pop: u64, elasticity: f64) -> TypeDef {
    d.people_per = people_per;
    d.base = base;
    d.min_pop = min_pop;
    d.elasticity = elasticity;
    d
}

const fn at(mut d: TypeDef, spread: f64, min_km: f64) -> TypeDef {
    d.spread = spread;
    d.min_km = min_km;
    d
}

const fn only(mut d: TypeDef, elig: Elig) -> TypeDef {
    d.elig = elig;
    d
}

const fn cap(mut d: TypeDef, capital: f64) -> TypeDef {
    d.capital = capital;
    d
}

use Sector as S;
use Subsector as SS;

/// The type table, indexed by `T as usize`.
pub static DEFS: [TypeDef; NT] = [
    at(w(infra("TSS", S::Energy, Some(SS::Electricity), Role::Tso), 300_000.0, 0.05, 20_000, 0.3), 1.5, 2.0),
    w(infra("SUB", S::Energy, Some(SS::Electricity), Role::Dso), 250.0, 0.0, 0, 1.0),
    at(w(infra("PPL", S::Energy, Some(SS::Electricity), Role::Gen), 250_000.0, 0.03, 10_000, 0.3), 2.5, 4.0),
    only(at(w(infra("GCS", S::Energy, Some(SS::Gas), Role::Gas), 1_500_000.0, 0.0, 50_000, 0.3), 3.0, 10.0), Elig::Gas),
    only(w(infra("DHP", S::Energy, Some(SS::DistrictHeating), Role::Heat), 60_000.0, 0.0, 10_000, 0.6), Elig::Cold),
    only(at(w(infra("OIL", S::Energy, Some(SS::Oil), Role::Oil), 3_000_000.0, 0.1, 100_000, 0.2), 2.0, 3.0), Elig::Sea),
    at(w(infra("HYD", S::Energy, Some(SS::Hydrogen), Role::Gen), 8_000_000.0, 0.0, 200_000, 0.2), 2.0, 3.0),
    at(w(infra("AIR", S::Transport, Some(SS::Air), Role::Airport), 2_500_000.0, 0.25, 100_000, 0.2), 1.5, 7.0),
    w(infra("STN", S::Transport, Some(SS::Rail), Role::Rail), 12_000.0, 0.0, 3_000, 0.6),
    w(infra("PTD", S::Transport, Some(SS::PublicTransport), Role::Transit), 400_000.0, 0.0, 100_000, 0.4),
    only(at(w(infra("PRT", S::Transport, Some(SS::Maritime), Role::Port), 1_500_000.0, 0.2, 30_000, 0.2), 0.8, 0.0), Elig::Sea),
    only(w(infra("IWP", S::Transport, Some(SS::InlandWaterways), Role::Port), 2_000_000.0, 0.6, 0, 0.2), Elig::River),
    w(infra("RDT", S::Transport, Some(SS::Road), Role::Roads), 250_000.0, 0.0, 20_000, 0.4),
    w(infra("BNK", S::Banking, None, Role::Bank), 5_000.0, 0.0, 3_000, 1.0),
    cap(w(infra("FMI", S::FinancialMarket, None, Role::Fmi), 5_000_000.0, 0.0, 500_000, 0.2), 0.3),
    w(infra("HOS", S::Health, None, Role::Health), 35_000.0, 0.0, 5_000, 0.6),
    w(infra("WTR", S::DrinkingWater, None, Role::Water), 15_000.0, 0.0, 0, 0.6),
    at(w(infra("WWT", S::WasteWater, None, Role::Water), 15_000.0, 0.0, 0, 0.65), 1.3, 1.0),
    w(infra("TEL", S::Digital, None, Role::Telecom), 2_500.0, 0.0, 0, 0.8),
    at(w(infra("DCN", S::Digital, None, Role::DataCentre), 250_000.0, 0.0, 100_000, 0.4), 1.5, 2.0),
    cap(w(infra("ADM", S::PublicAdministration, None, Role::Municipal), 25_000.0, 0.0, 3_000, 0.6), 2.0),
    at(w(infra("SPC", S::Space, None, Role::Space), 15_000_000.0, 0.0, 150_000, 0.2), 3.0, 10.0),
    w(infra("SUP", S::Food, None, Role::Retail), 2_500.0, 0.0, 0, 1.0),
    at(w(infra("FDC", S::Food, None, Role::Retail), 150_000.0, 0.0, 20_000, 0.6), 1.5, 3.0),
    at(w(infra("FPP", S::Food, None, Role::Food), 80_000.0, 0.0, 5_000, 0.6), 1.5, 2.0),
    w(public("STA", Category::Stadium, Role::Venues), 700_000.0, 0.1, 50_000, 0.25),
    w(public("ARN", Category::Arena, Role::Venues), 800_000.0, 0.05, 80_000, 0.25),
    w(public("MAL", Category::ShoppingCentre, Role::Retail), 60_000.0, 0.0, 20_000, 0.6),
    at(w(public("HUB", Category::TransportHub, Role::Transit), 600_000.0, 0.1, 100_000, 0.25), 0.3, 0.0),
    w(public("POW", Category::PlaceOfWorship, Role::Worship), 1_500.0, 0.0, 0, 1.0),
    at(w(public("PED", Category::PedestrianZone, Role::Municipal), 25_000.0, 0.0, 5_000, 0.6), 0.4, 0.0),
    w(public("HOT", Category::Hospitality, Role::Hospitality), 1_200.0, 0.0, 0, 1.0),
    w(public("SCH", Category::School, Role::Education), 1_800.0, 0.0, 0, 1.0),
    at(w(public("MUS", Category::TouristSite, Role::Municipal), 25_000.0, 0.0, 10_000, 0.6), 0.5, 0.0),
    at(w(public("EVT", Category::EventGround, Role::Venues), 700_000.0, 0.0, 50_000, 0.25), 1.2, 0.0),
    at(w(public("THM", Category::ThemePark, Role::Venues), 5_000_000.0, 0.0, 300_000, 0.2), 2.0, 8.0),
];

impl T {
    pub fn def(self) -> &'static TypeDef {
        &DEFS[self as usize]
    }

    pub fn idx(self) -> usize {
        self as usize
    }
}

/// Countries where district heating is common.
pub const COLD: &[&str] = &[
    "AT", "BA", "CH", "CZ", "DE", "DK", "EE", "FI", "HU", "IS", "LT", "LV", "MD", "NO", "PL", "RO", "RS", "SE", "SI", "SK", "UA",
];

/// Countries without a gas transmission network.
pub const NO_GAS: &[&str] = &["CY", "IS", "ME", "MT"];

/// Seaports on estuaries or behind locks, which the 12 km coast test misses.
pub const SEAPORTS: &[(&str, &str)] = &[
    ("BE", "Antwerpen"),
    ("BE", "Gent"),
    ("DE", "Hamburg"),
    ("DE", "Bremen"),
    ("DE", "Bremerhaven"),
    ("DE", "Lübeck"),
    ("DE", "Emden"),
    ("ES", "Sevilla"),
    ("ES", "Bilbao"),
    ("ES", "Algeciras"),
    ("FR", "Nantes"),
    ("FR", "Bordeaux"),
    ("FR", "Rouen"),
    ("FR", "Dunkerque"),
    ("GB", "London"),
    ("GB", "Southampton"),
    ("GB", "Felixstowe"),
    ("GR", "Piraeus"),
    ("IT", "Trieste"),
    ("IT", "Venice"),
    ("IT", "Taranto"),
    ("LT", "Klaipėda"),
    ("LV", "Riga"),
    ("NL", "Rotterdam"),
    ("NL", "Amsterdam"),
    ("NO", "Oslo"),
    ("PL", "Szczecin"),
    ("PL", "Gdynia"),
    ("PT", "Lisbon"),
    ("PT", "Porto"),
    ("RO", "Galaţi"),
    ("EE", "Tallinn"),
];

/// The largest seaports get extra weight.
pub const MAJOR_SEAPORTS: &[&str] = &["Rotterdam", "Antwerpen", "Hamburg", "Algeciras", "Valencia", "Piraeus", "Bremerhaven", "Genoa"];

/// Inland waterway ports (Rhine, Danube, Elbe, Meuse, Rhône, Seine, Dnipro).
pub const RIVER_PORTS: &[(&str, &str)] = &[
    ("AT", "Vienna"),
    ("AT", "Linz"),
    ("BE", "Liège"),
    ("BG", "Ruse"),
    ("CH", "Basel"),
    ("CZ", "Děčín"),
    ("DE", "Duisburg"),
    ("DE", "Köln"),
    ("DE", "Mannheim"),
    ("DE", "Dortmund"),
    ("DE", "Magdeburg"),
    ("DE", "Mainz"),
    ("DE", "Regensburg"),
    ("DE", "Koblenz"),
    ("DE", "Passau"),
    ("FR", "Strasbourg"),
    ("FR", "Lyon"),
    ("FR", "Paris"),
    ("HR", "Vukovar"),
    ("HU", "Budapest"),
    ("NL", "Nijmegen"),
    ("NL", "Venlo"),
    ("RS", "Belgrade"),
    ("SK", "Bratislava"),
    ("UA", "Kyiv"),
];

/// A dependency rule: the dependent needs `service` from the nearest supplier(s) of
/// the first type in `from` present in its region.
pub struct DepRule {
    pub service: Service,
    pub from: &'static [T],
    /// Number of suppliers (n of the k-of-n redundancy; k is always 1).
    pub n: (u32, u32),
    /// Buffer hours, drawn uniformly.
    pub buffer: (f64, f64),
    /// Share of dependents that have this dependency.
    pub p: f64,
    /// Only a supplier of the same region will do (no fallback to another region).
    pub local: bool,
}

const fn dep(service: Service, from: &'static [T], n: (u32, u32), buffer: (f64, f64), p: f64) -> DepRule {
    DepRule { service, from, n, buffer, p, local: false }
}

const fn local(mut d: DepRule) -> DepRule {
    d.local = true;
    d
}

use Service as V;

const E_SUB: &[T] = &[T::Sub, T::Tss];
const E_TSS: &[T] = &[T::Tss];
const E_HV: &[T] = &[T::Tss, T::Sub];
const TEL: &[T] = &[T::Tel];
const WTR: &[T] = &[T::Wtr];
const WWT: &[T] = &[T::Wwt];
const STN: &[T] = &[T::Stn];
const STN_HUB: &[T] = &[T::Stn, T::Hub];
const ROAD_RAIL: &[T] = &[T::Rdt, T::Stn];
const DCN: &[T] = &[T::Dcn];
const GCS: &[T] = &[T::Gcs];
const DHP: &[T] = &[T::Dhp];
const OIL: &[T] = &[T::Oil];
const PRT: &[T] = &[T::Prt];
const FDC: &[T] = &[T::Fdc];
const FPP: &[T] = &[T::Fpp];

/// The dependency rules of a dependent type.
pub fn rules(t: T) -> &'static [DepRule] {
    static TSS: [DepRule; 1] = [dep(V::Telecom, TEL, (1, 2), (4.0, 8.0), 0.8)];
    static SUB: [DepRule; 2] = [dep(V::Electricity, E_TSS, (1, 2), (0.0, 0.0), 1.0), dep(V::Telecom, TEL, (1, 1), (2.0, 8.0), 0.8)];
    static PPL: [DepRule; 2] = [dep(V::Telecom, TEL, (1, 1), (4.0, 8.0), 0.6), dep(V::Water, WTR, (1, 1), (24.0, 72.0), 0.2)];
    static GCS_: [DepRule; 2] = [dep(V::Electricity, E_SUB, (1, 1), (0.0, 4.0), 0.6), dep(V::Telecom, TEL, (1, 1), (4.0, 8.0), 0.5)];
    static DHP_: [DepRule; 3] = [
        dep(V::Gas, GCS, (1, 1), (12.0, 48.0), 0.7),
        dep(V::Electricity, E_SUB, (1, 1), (0.0, 4.0), 1.0),
        dep(V::Water, WTR, (1, 1), (24.0, 72.0), 0.5),
    ];
    static OIL_: [DepRule; 2] = [dep(V::Electricity, E_HV, (1, 2), (0.0, 12.0), 1.0), dep(V::TransportAccess, PRT, (1, 1), (72.0, 240.0), 0.5)];
    static HYD: [DepRule; 2] = [dep(V::Electricity, E_TSS, (1, 1), (0.0, 0.0), 1.0), dep(V::Water, WTR, (1, 1), (12.0, 48.0), 1.0)];
    static AIR: [DepRule; 5] = [
        dep(V::Electricity, E_HV, (2, 2), (24.0, 48.0), 1.0),
        dep(V::Fuel, OIL, (1, 1), (72.0, 240.0), 1.0),
        dep(V::TransportAccess, STN, (1, 1), (0.0, 24.0), 0.7),
        dep(V::Telecom, TEL, (2, 2), (0.0, 4.0), 1.0),
        dep(V::Water, WTR, (1, 1), (12.0, 48.0), 0.5),
    ];
    static STN_: [DepRule; 2] = [dep(V::Electricity, E_SUB, (1, 2), (0.0, 0.0), 1.0), dep(V::Telecom, TEL, (1, 1), (0.0, 2.0), 0.7)];
    static PTD: [DepRule; 2] = [dep(V::Electricity, E_SUB, (2, 2), (0.0, 1.0), 1.0), dep(V::Telecom, TEL, (1, 1), (0.0, 4.0), 1.0)];
    static PRT_: [DepRule; 4] = [
        dep(V::Electricity, E_SUB, (1, 2), (0.0, 24.0), 1.0),
        dep(V::Telecom, TEL, (1, 1), (2.0, 8.0), 1.0),
        dep(V::TransportAccess, STN, (1, 1), (24.0, 72.0), 0.6),
        dep(V::Fuel, OIL, (1, 1), (48.0, 168.0), 0.4),
    ];
    static IWP: [DepRule; 2] = [dep(V::Electricity, E_SUB, (1, 1), (0.0, 24.0), 1.0), dep(V::TransportAccess, STN, (1, 1), (24.0, 72.0), 0.5)];
    static RDT: [DepRule; 2] = [dep(V::Electricity, E_SUB, (1, 1), (0.0, 2.0), 1.0), dep(V::Telecom, TEL, (1, 1), (4.0, 12.0), 0.5)];
    static BNK: [DepRule; 3] = [
        dep(V::Electricity, E_SUB, (1, 1), (0.0, 4.0), 1.0),
        dep(V::Payment, DCN, (1, 2), (0.0, 2.0), 1.0),
        dep(V::Telecom, TEL, (1, 1), (0.0, 2.0), 1.0),
    ];
    static FMI: [DepRule; 2] = [dep(V::Electricity, E_SUB, (2, 2), (24.0, 72.0), 1.0), dep(V::Telecom, DCN, (2, 2), (0.0, 1.0), 1.0)];
    static HOS: [DepRule; 5] = [
        dep(V::Electricity, E_SUB, (2, 2), (24.0, 72.0), 1.0),
        dep(V::Water, WTR, (1, 1), (12.0, 48.0), 1.0),
        dep(V::Telecom, TEL, (1, 2), (0.0, 4.0), 1.0),
        dep(V::WasteWater, WWT, (1, 1), (24.0, 72.0), 0.5),
        local(dep(V::Heating, DHP, (1, 1), (6.0, 24.0), 1.0)),
    ];
    static WTR_: [DepRule; 2] = [dep(V::Electricity, E_SUB, (1, 2), (2.0, 12.0), 1.0), dep(V::Telecom, TEL, (1, 1), (12.0, 48.0), 0.5)];
    static WWT_: [DepRule; 2] = [dep(V::Electricity, E_SUB, (1, 1), (2.0, 8.0), 1.0), dep(V::Telecom, TEL, (1, 1), (12.0, 48.0), 0.3)];
    static TEL_: [DepRule; 1] = [dep(V::Electricity, E_SUB, (1, 2), (4.0, 8.0), 1.0)];
    static DCN_: [DepRule; 3] = [
        dep(V::Electricity, E_HV, (2, 2), (24.0, 48.0), 1.0),
        dep(V::Telecom, TEL, (2, 2), (0.0, 0.0), 1.0),
        dep(V::Water, WTR, (1, 1), (12.0, 48.0), 0.5),
    ];
    static ADM: [DepRule; 3] = [
        dep(V::Electricity, E_SUB, (1, 1), (0.0, 24.0), 1.0),
        dep(V::Telecom, TEL, (1, 1), (0.0, 8.0), 1.0),
        local(dep(V::Heating, DHP, (1, 1), (6.0, 24.0), 0.7)),
    ];
    static SPC: [DepRule; 2] = [dep(V::Electricity, E_SUB, (1, 1), (24.0, 72.0), 1.0), dep(V::Telecom, TEL, (1, 1), (0.0, 8.0), 1.0)];
    static SUP: [DepRule; 3] = [
        dep(V::Electricity, E_SUB, (1, 1), (0.0, 4.0), 1.0),
        dep(V::Goods, FDC, (1, 2), (24.0, 72.0), 1.0),
        dep(V::Payment, DCN, (1, 1), (0.0, 12.0), 0.5),
    ];
    static FDC_: [DepRule; 4] = [
        dep(V::Electricity, E_SUB, (1, 1), (4.0, 24.0), 1.0),
        dep(V::TransportAccess, ROAD_RAIL, (1, 1), (12.0, 48.0), 1.0),
        dep(V::Goods, FPP, (1, 2), (24.0, 96.0), 0.7),
        dep(V::Fuel, OIL, (1, 1), (48.0, 168.0), 0.4),
    ];
    static FPP_: [DepRule; 3] = [
        dep(V::Electricity, E_SUB, (1, 1), (0.0, 12.0), 1.0),
        dep(V::Water, WTR, (1, 1), (4.0, 24.0), 1.0),
        dep(V::Gas, GCS, (1, 1), (0.0, 12.0), 0.4),
    ];
    static STA: [DepRule; 4] = [
        dep(V::Electricity, E_SUB, (2, 2), (0.0, 4.0), 1.0),
        dep(V::Water, WTR, (1, 1), (4.0, 12.0), 1.0),
        dep(V::Telecom, TEL, (1, 1), (0.0, 2.0), 1.0),
        dep(V::TransportAccess, STN_HUB, (1, 1), (0.0, 4.0), 0.7),
    ];
    static ARN: [DepRule; 3] = [
        dep(V::Electricity, E_SUB, (1, 2), (0.0, 2.0), 1.0),
        dep(V::Telecom, TEL, (1, 1), (0.0, 2.0), 1.0),
        dep(V::Water, WTR, (1, 1), (4.0, 12.0), 0.5),
    ];
    static MAL: [DepRule; 5] = [
        dep(V::Electricity, E_SUB, (1, 2), (0.0, 2.0), 1.0),
        dep(V::Water, WTR, (1, 1), (4.0, 12.0), 1.0),
        dep(V::Telecom, TEL, (1, 1), (0.0, 4.0), 1.0),
        dep(V::Goods, FDC, (1, 1), (48.0, 120.0), 0.5),
        dep(V::Payment, DCN, (1, 1), (0.0, 12.0), 0.3),
    ];
    static HUB: [DepRule; 3] = [
        dep(V::Electricity, E_SUB, (2, 2), (0.0, 1.0), 1.0),
        dep(V::TransportAccess, STN, (1, 2), (0.0, 0.0), 1.0),
        dep(V::Telecom, TEL, (1, 1), (0.0, 4.0), 0.5),
    ];
    static POW: [DepRule; 2] = [dep(V::Electricity, E_SUB, (1, 1), (0.0, 48.0), 1.0), dep(V::Water, WTR, (1, 1), (12.0, 72.0), 0.5)];
    static PED: [DepRule; 2] = [dep(V::TransportAccess, STN_HUB, (1, 1), (0.0, 24.0), 0.5), dep(V::Electricity, E_SUB, (1, 1), (0.0, 0.0), 0.5)];
    static HOT: [DepRule; 4] = [
        dep(V::Electricity, E_SUB, (1, 1), (0.0, 8.0), 1.0),
        dep(V::Water, WTR, (1, 1), (4.0, 24.0), 1.0),
        dep(V::Telecom, TEL, (1, 1), (0.0, 8.0), 0.5),
        local(dep(V::Heating, DHP, (1, 1), (6.0, 24.0), 0.5)),
    ];
    static SCH: [DepRule; 4] = [
        dep(V::Electricity, E_SUB, (1, 1), (0.0, 8.0), 1.0),
        dep(V::Water, WTR, (1, 1), (8.0, 24.0), 1.0),
        dep(V::Telecom, TEL, (1, 1), (0.0, 24.0), 0.5),
        local(dep(V::Heating, DHP, (1, 1), (6.0, 24.0), 0.7)),
    ];
    static MUS: [DepRule; 2] = [dep(V::Electricity, E_SUB, (1, 1), (0.0, 8.0), 1.0), dep(V::Telecom, TEL, (1, 1), (0.0, 8.0), 0.3)];
    static EVT: [DepRule; 3] = [
        dep(V::Electricity, E_SUB, (1, 1), (0.0, 12.0), 1.0),
        dep(V::TransportAccess, STN, (1, 1), (0.0, 4.0), 0.5),
        dep(V::Water, WTR, (1, 1), (4.0, 12.0), 0.5),
    ];
    static THM: [DepRule; 3] = [
        dep(V::Electricity, E_SUB, (1, 2), (0.0, 2.0), 1.0),
        dep(V::Water, WTR, (1, 1), (4.0, 12.0), 1.0),
        dep(V::TransportAccess, ROAD_RAIL, (1, 1), (0.0, 12.0), 0.5),
    ];
    match t {
        T::Tss => &TSS,
        T::Sub => &SUB,
        T::Ppl => &PPL,
        T::Gcs => &GCS_,
        T::Dhp => &DHP_,
        T::Oil => &OIL_,
        T::Hyd => &HYD,
        T::Air => &AIR,
        T::Stn => &STN_,
        T::Ptd => &PTD,
        T::Prt => &PRT_,
        T::Iwp => &IWP,
        T::Rdt => &RDT,
        T::Bnk => &BNK,
        T::Fmi => &FMI,
        T::Hos => &HOS,
        T::Wtr => &WTR_,
        T::Wwt => &WWT_,
        T::Tel => &TEL_,
        T::Dcn => &DCN_,
        T::Adm => &ADM,
        T::Spc => &SPC,
        T::Sup => &SUP,
        T::Fdc => &FDC_,
        T::Fpp => &FPP_,
        T::Sta => &STA,
        T::Arn => &ARN,
        T::Mal => &MAL,
        T::Hub => &HUB,
        T::Pow => &POW,
        T::Ped => &PED,
        T::Hot => &HOT,
        T::Sch => &SCH,
        T::Mus => &MUS,
        T::Evt => &EVT,
        T::Thm => &THM,
    }
}

/// Power-plant fuels and their share of plants by country.
pub const FUELS: [&str; 9] = ["nuclear", "coal", "gas", "hydro", "wind", "solar", "biomass", "geothermal", "oil"];

pub fn fuel_mix(cc: &str) -> [f64; 9] {
    //        nuc  coal gas  hyd  wind sol  bio  geo  oil
    match cc {
        "FR" => [0.35, 0.0, 0.1, 0.2, 0.2, 0.1, 0.05, 0.0, 0.0],
        "DE" => [0.0, 0.15, 0.2, 0.05, 0.3, 0.2, 0.1, 0.0, 0.0],
        "PL" => [0.0, 0.5, 0.15, 0.0, 0.2, 0.1, 0.05, 0.0, 0.0],
        "NO" => [0.0, 0.0, 0.0, 0.9, 0.1, 0.0, 0.0, 0.0, 0.0],
        "IS" => [0.0, 0.0, 0.0, 0.6, 0.0, 0.0, 0.0, 0.4, 0.0],
        "CH" => [0.1, 0.0, 0.0, 0.8, 0.0, 0.1, 0.0, 0.0, 0.0],
        "AT" => [0.0, 0.0, 0.2, 0.6, 0.15, 0.05, 0.0, 0.0, 0.0],
        "AL" | "LI" => [0.0, 0.0, 0.0, 0.9, 0.0, 0.1, 0.0, 0.0, 0.0],
        "SE" => [0.1, 0.0, 0.0, 0.5, 0.3, 0.0, 0.1, 0.0, 0.0],
        "FI" => [0.15, 0.1, 0.0, 0.2, 0.3, 0.0, 0.25, 0.0, 0.0],
        "ES" => [0.05, 0.0, 0.25, 0.1, 0.3, 0.3, 0.0, 0.0, 0.0],
        "IT" => [0.0, 0.0, 0.45, 0.15, 0.1, 0.25, 0.0, 0.05, 0.0],
        "GR" => [0.0, 0.1, 0.3, 0.05, 0.25, 0.3, 0.0, 0.0, 0.0],
        "DK" => [0.0, 0.0, 0.15, 0.0, 0.6, 0.0, 0.25, 0.0, 0.0],
        "NL" => [0.0, 0.05, 0.45, 0.0, 0.3, 0.2, 0.0, 0.0, 0.0],
        "BE" => [0.2, 0.0, 0.4, 0.0, 0.25, 0.15, 0.0, 0.0, 0.0],
        "CZ" => [0.1, 0.4, 0.1, 0.0, 0.0, 0.2, 0.2, 0.0, 0.0],
        "SK" => [0.3, 0.2, 0.2, 0.3, 0.0, 0.0, 0.0, 0.0, 0.0],
        "HU" => [0.1, 0.0, 0.4, 0.0, 0.0, 0.4, 0.1, 0.0, 0.0],
        "RO" => [0.05, 0.2, 0.2, 0.3, 0.25, 0.0, 0.0, 0.0, 0.0],
        "BG" => [0.1, 0.3, 0.1, 0.2, 0.0, 0.3, 0.0, 0.0, 0.0],
        "UA" => [0.2, 0.3, 0.2, 0.2, 0.0, 0.1, 0.0, 0.0, 0.0],
        "RS" | "BA" | "MK" | "ME" => [0.0, 0.6, 0.0, 0.4, 0.0, 0.0, 0.0, 0.0, 0.0],
        "XK" => [0.0, 0.9, 0.0, 0.1, 0.0, 0.0, 0.0, 0.0, 0.0],
        "GB" => [0.1, 0.0, 0.35, 0.0, 0.4, 0.1, 0.05, 0.0, 0.0],
        "IE" => [0.0, 0.0, 0.4, 0.0, 0.6, 0.0, 0.0, 0.0, 0.0],
        "PT" => [0.0, 0.0, 0.15, 0.3, 0.35, 0.2, 0.0, 0.0, 0.0],
        "CY" => [0.0, 0.0, 0.0, 0.0, 0.0, 0.2, 0.0, 0.0, 0.8],
        "MT" => [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        "LU" => [0.0, 0.0, 0.3, 0.0, 0.3, 0.4, 0.0, 0.0, 0.0],
        "EE" => [0.0, 0.0, 0.0, 0.0, 0.4, 0.0, 0.2, 0.0, 0.4],
        "LV" => [0.0, 0.0, 0.5, 0.5, 0.0, 0.0, 0.0, 0.0, 0.0],
        "LT" => [0.0, 0.0, 0.3, 0.0, 0.5, 0.2, 0.0, 0.0, 0.0],
        "SI" => [0.1, 0.1, 0.0, 0.6, 0.0, 0.2, 0.0, 0.0, 0.0],
        "HR" => [0.0, 0.0, 0.2, 0.5, 0.3, 0.0, 0.0, 0.0, 0.0],
        "MD" => [0.0, 0.0, 1.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0],
        _ => [0.05, 0.1, 0.3, 0.15, 0.2, 0.15, 0.05, 0.0, 0.0],
    }
}
