//! The registry as the engine sees it: assets as dense indices `0..n` with their
//! figures in columns, dependencies grouped per dependent and service, and the links of
//! networked sectors as one undirected adjacency.
//!
//! The graph is immutable once built. Everything a model needs per run lives in that
//! model's own workspace, so runs share one graph across threads.

use crate::csr::Csr;
use rampart_core::{Asset, Dependency, Kind, Network, NetworkLink, Service};
use std::collections::HashMap;

/// A dense asset index.
pub type Node = u32;

/// One bit per networked sector, in the order of [`Network::ALL`].
pub type NetworkMask = u8;

pub fn network_bit(n: Network) -> NetworkMask {
    1 << Network::ALL.iter().position(|x| *x == n).unwrap_or(0)
}

pub fn service_index(s: Service) -> u8 {
    Service::ALL.iter().position(|x| *x == s).unwrap_or(0) as u8
}

/// A link of a networked sector as seen from one end.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub struct Link {
    pub to: Node,
    pub network: u8,
    pub length_km: f32,
}

/// The registry as a compact graph. Columns are indexed by [`Node`]; dependency groups
/// by their own dense index.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Graph {
    // Identity: the registry id of node i is ids[id_end[i-1]..id_end[i]].
    pub id_bytes: Vec<u8>,
    pub id_end: Vec<u64>,
    /// Country of each node, an index into `countries`.
    pub country: Vec<u16>,
    pub countries: Vec<String>,
    /// Asset class of each node (its subsector, else its sector, else its public-space
    /// category), an index into `classes`. Impact is reported per class.
    pub class: Vec<u16>,
    pub classes: Vec<String>,
    /// The impact function an asset names in `attributes.impact_function`, an index
    /// into `functions` (index 0, the empty name, when it names none).
    pub function: Vec<u16>,
    pub functions: Vec<String>,
    pub lon: Vec<f64>,
    pub lat: Vec<f64>,
    pub people: Vec<u32>,
    pub occupancy: Vec<u32>,
    pub value_per_day: Vec<f32>,
    pub restoration_h: Vec<f32>,
    /// Bit 0: a public space. Bit 1: its people count towards the people left without
    /// its class of service (it supplies no asset of its own class; see [`Graph::counts_people`]).
    pub flags: Vec<u8>,
    /// Networks each node belongs to, and those it is a source of.
    pub member: Vec<NetworkMask>,
    pub source: Vec<NetworkMask>,
    /// Networks in which a node must stay connected to a working source: those where it
    /// was connected to one with every asset working.
    pub needs_source: Vec<NetworkMask>,
    /// Dependency groups: one per (dependent, service), numbered by dependent, so the
    /// groups of node i are `group_start[i]..group_start[i + 1]`.
    pub group_start: Vec<u32>,
    pub group_owner: Vec<Node>,
    pub group_service: Vec<u8>,
    pub group_k: Vec<u16>,
    /// Suppliers counted as working because they are outside the registry (n − present).
    pub group_outside: Vec<u16>,
    pub group_buffer_h: Vec<f32>,
    /// Suppliers of each group, and the groups each node supplies into.
    pub suppliers: Csr<Node>,
    pub supplies: Csr<u32>,
    /// Links of networked sectors, both directions.
    pub links: Csr<Link>,
}

pub const PUBLIC_SPACE: u8 = 1;
pub const COUNTS_PEOPLE: u8 = 2;

/// Why a graph could not be built.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
pub enum BuildError {
    #[error("{at}: unknown asset id {id:?}")]
    UnknownAsset { at: String, id: String },
    #[error("asset {id:?} appears twice")]
    DuplicateAsset { id: String },
    #[error("the registry has {0} assets; the engine holds at most 4,294,967,294")]
    TooLarge(usize),
}

/// Collects assets, dependencies and links in any order, then builds a [`Graph`].
#[derive(Default)]
pub struct GraphBuilder {
    g: Graph,
    index: HashMap<Box<str>, Node>,
    country_index: HashMap<String, u16>,
    class_index: HashMap<String, u16>,
    function_index: HashMap<String, u16>,
    deps: Vec<(Node, Node, u8, u16, u16, f32)>,
    edges: Vec<(Node, Node, u8, f32)>,
    waiting_deps: Vec<(Dependency, String)>,
    waiting_links: Vec<(NetworkLink, String)>,
    errors: Vec<BuildError>,
}

fn intern(map: &mut HashMap<String, u16>, list: &mut Vec<String>, key: &str) -> u16 {
    if let Some(&i) = map.get(key) {
        return i;
    }
    let i = list.len() as u16;
    list.push(key.to_string());
    map.insert(key.to_string(), i);
    i
}

/// The networks an asset declares itself a source of, in `attributes.source`
/// (a network key or a list of them).
pub fn declared_sources(a: &Asset) -> NetworkMask {
    let parse = |v: &serde_json::Value| v.as_str().and_then(|s| Network::parse(s).ok()).map_or(0, network_bit);
    match a.attributes.get("source") {
        Some(serde_json::Value::Array(xs)) => xs.iter().map(parse).fold(0, |m, b| m | b),
        Some(v) => parse(v),
        None => 0,
    }
}

/// The class an asset's impact is reported under.
pub fn class_of(a: &Asset) -> &'static str {
    match (a.subsector, a.sector, a.category) {
        (Some(s), _, _) => s.key(),
        (None, Some(s), _) => s.key(),
        (None, None, Some(c)) => c.key(),
        (None, None, None) => match a.kind {
            Kind::PublicSpace => "public_space",
            Kind::Infrastructure => "infrastructure",
        },
    }
}

impl GraphBuilder {
    pub fn new() -> GraphBuilder {
        GraphBuilder::default()
    }

    pub fn add_asset(&mut self, a: &Asset) {
        let g = &mut self.g;
        let node = g.country.len();
        if node >= u32::MAX as usize - 1 {
            self.errors.push(BuildError::TooLarge(node + 1));
            return;
        }
        if self.index.insert(a.id.as_str().into(), node as Node).is_some() {
            self.errors.push(BuildError::DuplicateAsset { id: a.id.to_string() });
            return;
        }
        g.id_bytes.extend_from_slice(a.id.as_str().as_bytes());
        g.id_end.push(g.id_bytes.len() as u64);
        let c = intern(&mut self.country_index, &mut g.countries, a.country.as_str());
        g.country.push(c);
        let k = intern(&mut self.class_index, &mut g.classes, class_of(a));
        g.class.push(k);
        if g.functions.is_empty() {
            intern(&mut self.function_index, &mut g.functions, "");
        }
        let f = a.attributes.get("impact_function").and_then(|v| v.as_str()).unwrap_or("");
        let f = intern(&mut self.function_index, &mut g.functions, f);
        g.function.push(f);
        let (lon, lat) = a.geometry.centroid();
        g.lon.push(lon);
        g.lat.push(lat);
        g.people.push(a.people_served.map_or(0, |p| p.min(u32::MAX as u64) as u32));
        g.occupancy.push(a.peak_occupancy.map_or(0, |p| p.min(u32::MAX as u64) as u32));
        g.value_per_day.push(a.value_per_day.unwrap_or(0.0) as f32);
        g.restoration_h.push(a.restoration_hours.unwrap_or(f64::INFINITY) as f32);
        g.flags.push(if a.kind == Kind::PublicSpace { PUBLIC_SPACE } else { 0 });
        g.member.push(0);
        g.source.push(declared_sources(a));
    }

    fn node(&mut self, at: &dyn Fn() -> String, field: &str, id: &str) -> Option<Node> {
        let n = self.index.get(id).copied();
        if n.is_none() {
            self.errors.push(BuildError::UnknownAsset { at: format!("{}: {field}", at()), id: id.to_string() });
        }
        n
    }

    /// Whether both ends are known yet; if not, the record waits for its assets until
    /// [`GraphBuilder::finish`] (sources may name assets that come later).
    fn known(&self, a: &str, b: &str) -> bool {
        self.index.contains_key(a) && self.index.contains_key(b)
    }

    pub fn add_dependency(&mut self, d: &Dependency) {
        let i = self.deps.len() + 1;
        self.add_dependency_at(d, &|| format!("dependency {i}"));
    }

    /// A dependency read at a place (a file and line) that errors name.
    pub fn add_dependency_at(&mut self, d: &Dependency, at: &dyn Fn() -> String) {
        if self.known(d.supplier.as_str(), d.dependent.as_str()) {
            self.push_dependency(d, at);
        } else {
            self.waiting_deps.push((d.clone(), at()));
        }
    }

    fn push_dependency(&mut self, d: &Dependency, at: &dyn Fn() -> String) {
        let (s, t) = (self.node(at, "supplier_id", d.supplier.as_str()), self.node(at, "dependent_id", d.dependent.as_str()));
        if let (Some(s), Some(t)) = (s, t) {
            let (k, n) = (d.k.min(u16::MAX as u32) as u16, d.n.min(u16::MAX as u32) as u16);
            self.deps.push((t, s, service_index(d.service), k, n, d.buffer_hours as f32));
        }
    }

    pub fn add_link(&mut self, l: &NetworkLink) {
        let i = self.edges.len() + 1;
        self.add_link_at(l, &|| format!("link {i}"));
    }

    /// A link read at a place (a file and line) that errors name.
    pub fn add_link_at(&mut self, l: &NetworkLink, at: &dyn Fn() -> String) {
        if self.known(l.from.as_str(), l.to.as_str()) {
            self.push_link(l, at);
        } else {
            self.waiting_links.push((l.clone(), at()));
        }
    }

    fn push_link(&mut self, l: &NetworkLink, at: &dyn Fn() -> String) {
        let (a, b) = (self.node(at, "from_id", l.from.as_str()), self.node(at, "to_id", l.to.as_str()));
        if let (Some(a), Some(b)) = (a, b) {
            let net = Network::ALL.iter().position(|x| *x == l.network).unwrap_or(0) as u8;
            self.edges.push((a, b, net, l.length_km.unwrap_or(1.0) as f32));
        }
    }

    /// The graph, or every reference to an unknown asset (at most 20 are listed).
    pub fn finish(mut self) -> Result<Graph, Vec<BuildError>> {
        for (d, at) in std::mem::take(&mut self.waiting_deps) {
            self.push_dependency(&d, &|| at.clone());
        }
        for (l, at) in std::mem::take(&mut self.waiting_links) {
            self.push_link(&l, &|| at.clone());
        }
        if !self.errors.is_empty() {
            self.errors.truncate(20);
            return Err(self.errors);
        }
        let mut g = self.g;
        let n = g.country.len();

        // Dependency groups: sorted by dependent, then service. A group's k, n and
        // buffer come from its strictest row: the largest k and n, the shortest buffer.
        let mut deps = self.deps;
        deps.sort_unstable_by_key(|d| (d.0, d.2, d.1));
        deps.dedup_by_key(|d| (d.0, d.2, d.1));
        let mut group_start = Vec::with_capacity(n + 1);
        let mut sup_pairs: Vec<(u32, Node)> = Vec::with_capacity(deps.len());
        let mut i = 0;
        group_start.push(0u32);
        for node in 0..n as Node {
            while i < deps.len() && deps[i].0 == node {
                let service = deps[i].2;
                let g_index = g.group_owner.len() as u32;
                let (mut k, mut declared, mut buffer, mut present) = (1u16, 1u16, f32::INFINITY, 0u16);
                while i < deps.len() && deps[i].0 == node && deps[i].2 == service {
                    let (_, s, _, dk, dn, db) = deps[i];
                    k = k.max(dk);
                    declared = declared.max(dn);
                    buffer = buffer.min(db);
                    present = present.saturating_add(1);
                    sup_pairs.push((g_index, s));
                    i += 1;
                }
                g.group_owner.push(node);
                g.group_service.push(service);
                g.group_k.push(k);
                g.group_outside.push(declared.saturating_sub(present));
                g.group_buffer_h.push(if buffer.is_finite() { buffer } else { 0.0 });
            }
            group_start.push(g.group_owner.len() as u32);
        }
        let groups = g.group_owner.len();
        g.group_start = group_start;
        g.suppliers = Csr::from_pairs(groups, &sup_pairs);
        let supplies: Vec<(Node, u32)> = sup_pairs.iter().map(|&(grp, s)| (s, grp)).collect();
        g.supplies = Csr::from_pairs(n, &supplies);

        let mut half = Vec::with_capacity(self.edges.len() * 2);
        for &(a, b, net, km) in &self.edges {
            g.member[a as usize] |= 1 << net;
            g.member[b as usize] |= 1 << net;
            half.push((a, Link { to: b, network: net, length_km: km }));
            half.push((b, Link { to: a, network: net, length_km: km }));
        }
        g.links = Csr::from_pairs(n, &half);
        for i in 0..n {
            g.source[i] &= g.member[i];
        }

        // People count at the end of each chain of their class only: a transmission
        // substation's people are already counted at the substations it feeds.
        for node in 0..n as Node {
            let class = g.class[node as usize];
            let feeds_own_class = g.supplies.row(node).iter().any(|&grp| g.class[g.group_owner[grp as usize] as usize] == class);
            if !feeds_own_class {
                g.flags[node as usize] |= COUNTS_PEOPLE;
            }
        }
        g.needs_source = crate::cascade::baseline_served(&g);
        Ok(g)
    }
}

impl Graph {
    pub fn len(&self) -> usize {
        self.country.len()
    }

    pub fn is_empty(&self) -> bool {
        self.country.is_empty()
    }

    pub fn id(&self, node: Node) -> &str {
        let end = self.id_end[node as usize] as usize;
        let start = if node == 0 { 0 } else { self.id_end[node as usize - 1] as usize };
        std::str::from_utf8(&self.id_bytes[start..end]).unwrap_or("")
    }

    /// A lookup from registry id to node, built on demand (the graph itself keeps none).
    pub fn id_index(&self) -> HashMap<&str, Node> {
        (0..self.len() as Node).map(|i| (self.id(i), i)).collect()
    }

    pub fn country_of(&self, node: Node) -> &str {
        &self.countries[self.country[node as usize] as usize]
    }

    pub fn class_of(&self, node: Node) -> &str {
        &self.classes[self.class[node as usize] as usize]
    }

    /// The impact function the asset names, if any.
    pub fn function_of(&self, node: Node) -> Option<&str> {
        Some(self.functions[self.function[node as usize] as usize].as_str()).filter(|f| !f.is_empty())
    }

    pub fn is_public_space(&self, node: Node) -> bool {
        self.flags[node as usize] & PUBLIC_SPACE != 0
    }

    pub fn counts_people(&self, node: Node) -> bool {
        self.flags[node as usize] & COUNTS_PEOPLE != 0
    }

    pub fn groups_of(&self, node: Node) -> std::ops::Range<u32> {
        self.group_start[node as usize]..self.group_start[node as usize + 1]
    }

    pub fn groups(&self) -> usize {
        self.group_owner.len()
    }

    /// Dependencies and links (each link once).
    pub fn edges(&self) -> usize {
        self.suppliers.len() + self.links.len() / 2
    }

    /// Checks that the columns agree with each other: what a graph read from bytes
    /// must pass before a model walks it.
    pub fn check(&self) -> Result<(), String> {
        let n = self.country.len();
        let m = self.group_owner.len();
        let same = [
            self.id_end.len(),
            self.class.len(),
            self.function.len(),
            self.lon.len(),
            self.lat.len(),
            self.people.len(),
            self.occupancy.len(),
            self.value_per_day.len(),
            self.restoration_h.len(),
            self.flags.len(),
            self.member.len(),
            self.source.len(),
            self.needs_source.len(),
            self.group_start.len().saturating_sub(1),
            self.supplies.rows(),
            self.links.rows(),
        ];
        if same.iter().any(|&x| x != n) {
            return Err(format!("asset columns disagree on the number of assets ({n})"));
        }
        let groups = [self.group_service.len(), self.group_k.len(), self.group_outside.len(), self.group_buffer_h.len(), self.suppliers.rows()];
        if groups.iter().any(|&x| x != m) || self.group_start.last().copied().unwrap_or(0) as usize != m {
            return Err(format!("dependency columns disagree on the number of groups ({m})"));
        }
        if self.id_end.windows(2).any(|w| w[0] > w[1]) || self.id_end.last().copied().unwrap_or(0) as usize != self.id_bytes.len() {
            return Err("asset ids are out of order".into());
        }
        if std::str::from_utf8(&self.id_bytes).is_err() {
            return Err("asset ids are not UTF-8".into());
        }
        let nodes_ok = self.group_owner.iter().chain(self.suppliers.items()).all(|&x| (x as usize) < n)
            && self.supplies.items().iter().all(|&x| (x as usize) < m)
            && self.links.items().iter().all(|l| (l.to as usize) < n && l.network < 8);
        if !nodes_ok {
            return Err("an adjacency names an asset or group that does not exist".into());
        }
        if self.country.iter().any(|&c| c as usize >= self.countries.len()) || self.class.iter().any(|&c| c as usize >= self.classes.len())
            || self.function.iter().any(|&c| c as usize >= self.functions.len())
        {
            return Err("a country or class index is out of range".into());
        }
        Ok(())
    }

    /// Heap bytes held by the graph.
    pub fn heap_bytes(&self) -> usize {
        fn v<T>(x: &[T]) -> usize {
            std::mem::size_of_val(x)
        }
        v(&self.id_bytes)
            + v(&self.id_end)
            + v(&self.country)
            + v(&self.class)
            + v(&self.function)
            + v(&self.lon)
            + v(&self.lat)
            + v(&self.people)
            + v(&self.occupancy)
            + v(&self.value_per_day)
            + v(&self.restoration_h)
            + v(&self.flags)
            + v(&self.member)
            + v(&self.source)
            + v(&self.needs_source)
            + v(&self.group_start)
            + v(&self.group_owner)
            + v(&self.group_service)
            + v(&self.group_k)
            + v(&self.group_outside)
            + v(&self.group_buffer_h)
            + v(self.suppliers.offsets())
            + v(self.suppliers.items())
            + v(self.supplies.offsets())
            + v(self.supplies.items())
            + v(self.links.offsets())
            + v(self.links.items())
    }
}
