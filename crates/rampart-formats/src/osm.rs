//! OpenStreetMap PBF extracts, through a tag mapping.
//!
//! Nodes become points; closed ways become polygons (the positions of their nodes
//! are read in a second pass over the file, and only for the ways that matched).
//! A polygon that fails validation (it crosses itself, or is too long) becomes its
//! centroid, with a warning. Relations (multipolygons) are counted and skipped.
//! Ids are `osm:node/<id>` and `osm:way/<id>`; every asset carries the ODbL
//! attribution in `attributes.source`.

use crate::place::OsmElement;
use crate::{At, Event, Flow, Place, Record};
use osmpbf::{Element, ElementReader};
use rampart_core::fields::Object;
use rampart_core::{Asset, Category, CountryCode, Geometry, Kind, Sector, Subsector};
use serde::Deserialize;
use serde_json::{json, Value};
use std::collections::{BTreeMap, HashMap, HashSet};
use std::fmt;
use std::io::Read;
use std::path::Path;
use std::sync::Arc;

/// The attribution OpenStreetMap's licence (ODbL) asks for.
pub const ATTRIBUTION: &str = "© OpenStreetMap contributors";

/// The default mapping, shipped with Rampart.
pub const DEFAULT_MAPPING: &str = include_str!("osm-mapping.toml");

/// Finds the country of a position, e.g. from the Natural Earth borders.
pub type Locate = Arc<dyn Fn(f64, f64) -> Option<CountryCode> + Send + Sync>;

/// How to read an OSM extract.
#[derive(Clone)]
pub struct OsmOptions {
    pub mapping: Arc<TagMapping>,
    /// The country of elements without a valid `addr:country` tag that `locate`
    /// does not place either.
    pub default_country: Option<CountryCode>,
    /// Finds the country of a position (longitude, latitude).
    pub locate: Option<Locate>,
}

impl Default for OsmOptions {
    fn default() -> Self {
        OsmOptions { mapping: Arc::new(TagMapping::default()), default_country: None, locate: None }
    }
}

impl fmt::Debug for OsmOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OsmOptions")
            .field("rules", &self.mapping.rules.len())
            .field("default_country", &self.default_country)
            .field("locate", &self.locate.is_some())
            .finish()
    }
}

#[derive(Deserialize)]
#[serde(untagged)]
enum Values {
    One(String),
    Many(Vec<String>),
}

impl Values {
    fn into_vec(self) -> Vec<String> {
        match self {
            Values::One(v) => vec![v],
            Values::Many(v) => v,
        }
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct MappingFile {
    #[serde(default)]
    include_default: bool,
    #[serde(default)]
    attributes: Vec<String>,
    #[serde(default, rename = "rule")]
    rules: Vec<RuleFile>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleFile {
    label: String,
    #[serde(rename = "match")]
    matches: BTreeMap<String, Values>,
    #[serde(default)]
    not: BTreeMap<String, Values>,
    kind: Option<String>,
    sector: Option<String>,
    subsector: Option<String>,
    category: Option<String>,
    #[serde(default)]
    attributes: Vec<String>,
    occupancy: Option<String>,
}

/// One rule of a mapping: which elements, and what asset they become.
#[derive(Debug, Clone, PartialEq)]
pub struct Rule {
    pub label: String,
    /// Every tag must have one of the values; `*` allows any value.
    pub matches: Vec<(String, Vec<String>)>,
    /// No tag may have one of the values.
    pub not: Vec<(String, Vec<String>)>,
    pub kind: Kind,
    pub sector: Option<Sector>,
    pub subsector: Option<Subsector>,
    pub category: Option<Category>,
    pub attributes: Vec<String>,
    pub occupancy: Option<String>,
}

/// Which OSM elements become which assets. See docs/formats.md and
/// [`DEFAULT_MAPPING`].
#[derive(Debug, Clone, PartialEq)]
pub struct TagMapping {
    pub rules: Vec<Rule>,
    /// Tags copied into every asset's attributes.
    pub attributes: Vec<String>,
    /// Keys any rule looks at: elements without one are passed over quickly.
    keys: HashSet<String>,
}

impl Default for TagMapping {
    fn default() -> Self {
        match TagMapping::parse(DEFAULT_MAPPING, false) {
            Ok(m) => m,
            // The crate's tests parse the default mapping.
            Err(e) => panic!("the default OSM mapping is invalid: {e}"),
        }
    }
}

/// A mapping file that cannot be used.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{file}: {message}")]
pub struct MappingError {
    pub file: String,
    pub message: String,
}

fn values(m: BTreeMap<String, Values>) -> Vec<(String, Vec<String>)> {
    m.into_iter().map(|(k, v)| (k, v.into_vec())).collect()
}

impl TagMapping {
    /// Parses a mapping in the TOML form of [`DEFAULT_MAPPING`].
    pub fn from_toml(text: &str) -> Result<TagMapping, MappingError> {
        TagMapping::parse(text, true).map_err(|message| MappingError { file: "mapping".into(), message })
    }

    /// Reads a mapping file.
    pub fn from_file(path: &Path) -> Result<TagMapping, MappingError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|e| MappingError { file: file.clone(), message: format!("cannot read: {e}") })?;
        TagMapping::parse(&text, true).map_err(|message| MappingError { file, message })
    }

    fn parse(text: &str, may_include_default: bool) -> Result<TagMapping, String> {
        let file: MappingFile = toml::from_str(text).map_err(|e| e.to_string().trim().to_string())?;
        let mut rules = Vec::with_capacity(file.rules.len());
        for (i, r) in file.rules.into_iter().enumerate() {
            rules.push(Rule::compile(r).map_err(|e| format!("rule {} ({}): {e}", i + 1, e.label))?);
        }
        let mut attributes = file.attributes;
        if file.include_default && may_include_default {
            let default = TagMapping::default();
            rules.extend(default.rules);
            for a in default.attributes {
                if !attributes.contains(&a) {
                    attributes.push(a);
                }
            }
        }
        let keys = rules.iter().flat_map(|r| r.matches.iter().map(|(k, _)| k.clone())).collect();
        Ok(TagMapping { rules, attributes, keys })
    }

    /// The first rule that matches the tags.
    pub fn rule_for(&self, tags: &[(&str, &str)]) -> Option<&Rule> {
        self.rules.iter().find(|r| r.applies(tags))
    }
}

struct RuleError {
    label: String,
    message: String,
}

impl fmt::Display for RuleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl Rule {
    fn compile(r: RuleFile) -> Result<Rule, RuleError> {
        let fail = |message: String| RuleError { label: r.label.clone(), message };
        if r.matches.is_empty() {
            return Err(fail("match: needs at least one tag".into()));
        }
        // The asset rules of the domain decide whether the rule makes sense.
        let probe = json!({
            "id": "osm:node/1", "name": r.label, "kind": r.kind, "sector": r.sector, "subsector": r.subsector,
            "category": r.category, "country": "FI", "geometry": {"type": "Point", "coordinates": [0, 0]},
        });
        let asset = Asset::from_json(probe.as_object().unwrap_or(&Object::new())).map_err(|e| fail(e.to_string()))?;
        Ok(Rule {
            label: r.label.clone(),
            matches: values(r.matches),
            not: values(r.not),
            kind: asset.kind,
            sector: asset.sector,
            subsector: asset.subsector,
            category: asset.category,
            attributes: r.attributes,
            occupancy: r.occupancy,
        })
    }

    fn applies(&self, tags: &[(&str, &str)]) -> bool {
        let has = |(key, values): &(String, Vec<String>)| {
            tags.iter().any(|(k, v)| k == key && values.iter().any(|w| w == "*" || w == v))
        };
        self.matches.iter().all(has) && !self.not.iter().any(has)
    }
}

/// OSM stores positions as whole 1e-7 degrees; rounding there drops the
/// binary noise of the conversion (24.939845700000003 becomes 24.9398457).
fn degrees(v: f64) -> f64 {
    (v * 1e7).round() / 1e7
}

/// A way that matched, waiting for the positions of its nodes.
struct PendingWay {
    id: i64,
    rule: usize,
    tags: Vec<(String, String)>,
    refs: Vec<i64>,
}

/// Reads an extract (`open` opens it afresh for each of the two passes) and
/// hands the assets, warnings and skips to `sink`.
pub fn read<R: Read + Send>(open: &dyn Fn() -> std::io::Result<R>, file: &Arc<str>, opts: &OsmOptions, sink: &mut dyn FnMut(Event) -> Flow) {
    let mapping = &opts.mapping;
    let mut stopped = false;
    let mut ways: Vec<PendingWay> = Vec::new();
    let mut needed: HashSet<i64> = HashSet::new();
    let fail = |sink: &mut dyn FnMut(Event) -> Flow, e: String| {
        let _ = sink(Event::invalid(Place::new(file, At::File).issue("", e)));
    };
    let first = open().map_err(|e| e.to_string()).and_then(|r| {
        ElementReader::new(r)
            .for_each(|element| {
                if stopped {
                    return;
                }
                let event = match element {
                    Element::Node(n) => node(n.id(), degrees(n.lon()), degrees(n.lat()), n.tags(), file, opts),
                    Element::DenseNode(n) => node(n.id(), degrees(n.lon()), degrees(n.lat()), n.tags(), file, opts),
                    Element::Way(w) => {
                        let tags: Vec<(&str, &str)> = w.tags().collect();
                        if let Some(rule) = matching(mapping, &tags) {
                            let refs: Vec<i64> = w.refs().collect();
                            needed.extend(refs.iter().copied());
                            let tags = kept_tags(mapping, &mapping.rules[rule], &tags);
                            ways.push(PendingWay { id: w.id(), rule, tags, refs });
                        }
                        None
                    }
                    Element::Relation(r) => {
                        let tags: Vec<(&str, &str)> = r.tags().collect();
                        matching(mapping, &tags).map(|_| {
                            let multipolygon = tags.iter().any(|(k, v)| *k == "type" && *v == "multipolygon");
                            Event::Skipped { reason: if multipolygon { "multipolygon relation" } else { "relation" } }
                        })
                    }
                };
                if let Some(e) = event {
                    stopped = sink(e).is_break();
                }
            })
            .map_err(|e| e.to_string())
    });
    if let Err(e) = first {
        return fail(sink, format!("cannot read the OpenStreetMap file: {e}"));
    }
    if stopped || ways.is_empty() {
        return;
    }

    // Second pass: the positions of the nodes the matched ways need.
    let mut positions: HashMap<i64, (f64, f64)> = HashMap::with_capacity(needed.len());
    let second = open().map_err(|e| e.to_string()).and_then(|r| {
        ElementReader::new(r)
            .for_each(|element| match element {
                Element::Node(n) if needed.contains(&n.id()) => {
                    positions.insert(n.id(), (degrees(n.lon()), degrees(n.lat())));
                }
                Element::DenseNode(n) if needed.contains(&n.id()) => {
                    positions.insert(n.id(), (degrees(n.lon()), degrees(n.lat())));
                }
                _ => {}
            })
            .map_err(|e| e.to_string())
    });
    if let Err(e) = second {
        return fail(sink, format!("cannot read the OpenStreetMap file: {e}"));
    }
    for w in ways {
        for event in way(&w, &positions, file, opts) {
            if sink(event).is_break() {
                return;
            }
        }
    }
}

/// The index of the first rule for the tags, passing quickly over elements
/// without any key a rule looks at.
fn matching(mapping: &TagMapping, tags: &[(&str, &str)]) -> Option<usize> {
    if !tags.iter().any(|(k, _)| mapping.keys.contains(*k)) {
        return None;
    }
    mapping.rules.iter().position(|r| r.applies(tags))
}

/// The tags an asset needs later: name, country, occupancy and the attributes.
fn kept_tags(mapping: &TagMapping, rule: &Rule, tags: &[(&str, &str)]) -> Vec<(String, String)> {
    let wanted = |k: &str| {
        k == "name"
            || k == "addr:country"
            || rule.occupancy.as_deref() == Some(k)
            || mapping.attributes.iter().any(|a| a == k)
            || rule.attributes.iter().any(|a| a == k)
    };
    tags.iter().filter(|(k, _)| wanted(k)).map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn node<'t>(id: i64, lon: f64, lat: f64, tags: impl Iterator<Item = (&'t str, &'t str)>, file: &Arc<str>, opts: &OsmOptions) -> Option<Event> {
    let tags: Vec<(&str, &str)> = tags.collect();
    let rule = matching(&opts.mapping, &tags)?;
    let rule_ref = &opts.mapping.rules[rule];
    let kept = kept_tags(&opts.mapping, rule_ref, &tags);
    let place = Place::new(file, At::Osm(OsmElement::Node(id)));
    Some(asset_event(&place, rule_ref, &opts.mapping, &kept, json!({"type": "Point", "coordinates": [lon, lat]}), (lon, lat), opts))
}

fn way(w: &PendingWay, positions: &HashMap<i64, (f64, f64)>, file: &Arc<str>, opts: &OsmOptions) -> Vec<Event> {
    let place = Place::new(file, At::Osm(OsmElement::Way(w.id)));
    let rule = &opts.mapping.rules[w.rule];
    let coords: Vec<(f64, f64)> = w.refs.iter().filter_map(|r| positions.get(r).copied()).collect();
    if coords.is_empty() {
        return vec![Event::Skipped { reason: "way without node positions in the extract" }];
    }
    let mean = || {
        // The ring's closing node counts once.
        let unique = if w.refs.first() == w.refs.last() && coords.len() > 1 { &coords[1..] } else { &coords[..] };
        let n = unique.len() as f64;
        let (x, y) = unique.iter().fold((0.0, 0.0), |(x, y), c| (x + c.0, y + c.1));
        (x / n, y / n)
    };
    let point = |(x, y): (f64, f64)| json!({"type": "Point", "coordinates": [degrees(x), degrees(y)]});
    let mut events = Vec::new();
    let closed = w.refs.len() >= 4 && w.refs.first() == w.refs.last();
    let (geometry, anchor) = if coords.len() < w.refs.len() {
        let c = mean();
        let message = format!(
            "{} of the way's {} nodes are outside the extract; imported as the centre of the others",
            w.refs.len() - coords.len(),
            w.refs.len()
        );
        events.push(Event::Warning(place.issue("geometry", message)));
        (point(c), c)
    } else if !closed {
        let c = mean();
        events.push(Event::Warning(place.issue("geometry", "the way is not closed; imported as the centre of its nodes")));
        (point(c), c)
    } else {
        let ring: Vec<Value> = coords.iter().map(|(x, y)| json!([x, y])).collect();
        let polygon = json!({"type": "Polygon", "coordinates": [ring]});
        match Geometry::from_geojson(&polygon) {
            Ok(g) => {
                let c = g.centroid();
                (polygon, c)
            }
            Err(e) => {
                let c = centroid(&coords).unwrap_or_else(mean);
                events.push(Event::Warning(place.issue("geometry", format!("{e}; imported as its centroid"))));
                (point(c), c)
            }
        }
    };
    events.push(asset_event(&place, rule, &opts.mapping, &w.tags, geometry, anchor, opts));
    events
}

/// The area centroid of a ring that may cross itself.
fn centroid(coords: &[(f64, f64)]) -> Option<(f64, f64)> {
    use geo::Centroid;
    let ring = geo::LineString::from(coords.to_vec());
    geo::Polygon::new(ring, vec![]).centroid().map(|p| (p.x(), p.y())).filter(|(x, y)| x.is_finite() && y.is_finite())
}

fn asset_event<K: AsRef<str>, V: AsRef<str>>(
    place: &Place,
    rule: &Rule,
    mapping: &TagMapping,
    tags: &[(K, V)],
    geometry: Value,
    (lon, lat): (f64, f64),
    opts: &OsmOptions,
) -> Event {
    let tag = |key: &str| tags.iter().find(|(k, _)| k.as_ref() == key).map(|(_, v)| v.as_ref());
    let At::Osm(element) = place.at else { return Event::invalid(place.issue("", "not an OSM element")) };
    let country = tag("addr:country")
        .and_then(|c| CountryCode::parse(c).ok())
        .or_else(|| opts.locate.as_ref().and_then(|f| f(lon, lat)))
        .or(opts.default_country);
    let Some(country) = country else {
        return Event::invalid(place.issue(
            "country",
            "no valid addr:country tag, and the position is in no known country: give a default country",
        ));
    };
    let name = match tag("name").map(str::trim).filter(|n| !n.is_empty()) {
        Some(n) => n.chars().take(rampart_core::asset::MAX_NAME).collect(),
        None => format!("{} {element}", rule.label),
    };
    let mut attributes = Object::new();
    for key in mapping.attributes.iter().chain(&rule.attributes) {
        if let Some(v) = tag(key) {
            attributes.insert(key.clone(), Value::String(v.to_string()));
        }
    }
    attributes.insert("source".into(), Value::String(ATTRIBUTION.into()));
    let occupancy = rule.occupancy.as_deref().and_then(tag).and_then(|v| v.trim().parse::<u64>().ok());
    let obj = json!({
        "id": format!("osm:{element}"),
        "name": name,
        "kind": rule.kind.key(),
        "sector": rule.sector,
        "subsector": rule.subsector,
        "category": rule.category,
        "geometry": geometry,
        "country": country,
        "peak_occupancy": occupancy,
        "attributes": attributes,
    });
    match Asset::from_json(obj.as_object().unwrap_or(&Object::new())) {
        Ok(a) => Event::Record(place.clone(), Record::Asset(a)),
        Err(e) => crate::geojson::invalid(place, e, |f| f.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn run_way(refs: &[i64], nodes: &[(i64, f64, f64)]) -> Vec<String> {
        let opts = OsmOptions { default_country: CountryCode::parse("FI").ok(), ..OsmOptions::default() };
        let w = PendingWay { id: 7, rule: 1, tags: vec![("power".into(), "substation".into())], refs: refs.to_vec() };
        let positions = nodes.iter().map(|(id, x, y)| (*id, (*x, *y))).collect();
        way(&w, &positions, &"t.osm.pbf".into(), &opts)
            .into_iter()
            .map(|e| match e {
                Event::Warning(i) => format!("warning {i}"),
                Event::Record(p, Record::Asset(a)) => format!("{p}: {} {:?}", a.name, a.geometry.to_geojson()["type"]),
                other => format!("{other:?}"),
            })
            .collect()
    }

    #[test]
    fn crossing_rings_become_their_centroid() {
        let nodes = [(1, 0.0, 0.0), (2, 0.001, 0.001), (3, 0.001, 0.0), (4, 0.0, 0.001)];
        assert_eq!(
            run_way(&[1, 2, 3, 4, 1], &nodes),
            vec![
                "warning t.osm.pbf: way/7: geometry: coordinates[0]: the ring intersects itself (segments 0 and 2); imported as its centroid",
                "t.osm.pbf: way/7: Substation way/7 String(\"Point\")",
            ]
        );
        assert_eq!(run_way(&[1, 3, 2, 4, 1], &nodes), vec!["t.osm.pbf: way/7: Substation way/7 String(\"Polygon\")"]);
    }

    #[test]
    fn open_ways_and_missing_nodes_become_points() {
        let nodes = [(1, 24.0, 60.0), (2, 24.001, 60.0), (3, 24.001, 60.001)];
        assert_eq!(
            run_way(&[1, 2, 3], &nodes),
            vec![
                "warning t.osm.pbf: way/7: geometry: the way is not closed; imported as the centre of its nodes",
                "t.osm.pbf: way/7: Substation way/7 String(\"Point\")",
            ]
        );
        assert_eq!(run_way(&[8, 9, 8], &nodes), vec!["Skipped { reason: \"way without node positions in the extract\" }"]);
    }

    #[test]
    fn default_mapping_rules() {
        let m = TagMapping::default();
        let label = |tags: &[(&str, &str)]| m.rule_for(tags).map(|r| r.label.clone());
        assert_eq!(label(&[("power", "substation")]), Some("Substation".into()));
        assert_eq!(label(&[("power", "substation"), ("substation", "minor_distribution")]), None);
        assert_eq!(label(&[("power", "generator")]), None);
        assert_eq!(label(&[("railway", "station"), ("station", "subway")]), Some("Metro station".into()));
        assert_eq!(label(&[("building", "train_station"), ("public_transport", "station")]), Some("Railway station building".into()));
        assert_eq!(m.rules.len(), 33);
    }
}
