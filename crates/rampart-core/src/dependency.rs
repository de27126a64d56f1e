//! Dependencies between assets and links of networked sectors.

use crate::error::{Collector, Invalid};
use crate::fields::{count, non_negative, optional, required, text, Object};
use crate::{AssetId, Service};
use serde_json::{json, Value};

/// `dependent` needs `service` from `supplier`. The dependent needs `k` of its `n`
/// suppliers of that service, and runs `buffer_hours` without it (a generator, a tank).
#[derive(Debug, Clone, PartialEq)]
pub struct Dependency {
    pub supplier: AssetId,
    pub dependent: AssetId,
    pub service: Service,
    pub k: u32,
    pub n: u32,
    pub buffer_hours: f64,
}

fn small(v: &Value) -> Result<u32, Invalid> {
    let n = count(v)?;
    u32::try_from(n).ok().filter(|n| *n >= 1 && *n <= 1000).ok_or_else(|| Invalid::one("", "expected a whole number from 1 to 1000"))
}

impl Dependency {
    pub const FIELDS: [&'static str; 6] = ["supplier_id", "dependent_id", "service", "k", "n", "buffer_hours"];

    pub fn from_json(obj: &Object) -> Result<Dependency, Invalid> {
        let mut c = Collector::default();
        let supplier = required(&mut c, obj, "supplier_id", text(AssetId::parse));
        let dependent = required(&mut c, obj, "dependent_id", text(AssetId::parse));
        let service = required(&mut c, obj, "service", text(Service::parse));
        let k = optional(&mut c, obj, "k", small);
        let n = optional(&mut c, obj, "n", small);
        let buffer_hours = optional(&mut c, obj, "buffer_hours", non_negative);
        if let (Some(s), Some(d)) = (&supplier, &dependent) {
            if s == d {
                c.push("dependent_id", "an asset cannot depend on itself");
            }
        }
        let (k, n) = match (k, n) {
            (Some(k), Some(n)) => {
                let (k, n) = (k.unwrap_or(1), n.unwrap_or(k.unwrap_or(1)));
                if k > n {
                    c.push("k", format!("needs k <= n, found k = {k} and n = {n}"));
                }
                (Some(k), Some(n))
            }
            _ => (None, None),
        };
        c.finish(|| {
            Some(Dependency {
                supplier: supplier?,
                dependent: dependent?,
                service: service?,
                k: k?,
                n: n?,
                buffer_hours: buffer_hours?.unwrap_or(0.0),
            })
        })
    }

    pub fn to_json(&self) -> Value {
        json!({
            "supplier_id": self.supplier, "dependent_id": self.dependent, "service": self.service,
            "k": self.k, "n": self.n, "buffer_hours": self.buffer_hours,
        })
    }
}

crate::vocabulary!(
    /// Networked sectors whose assets are connected by links.
    Network, "network" {
        Grid = "grid", "Electricity grid";
        Gas = "gas", "Gas pipelines";
        Water = "water", "Water mains";
        Heat = "heat", "District heating";
        Rail = "rail", "Railway";
        Road = "road", "Road";
        Telecom = "telecom", "Telecommunications";
    }
);

/// A connection between two assets of one networked sector: a line, a pipe, a track.
/// An asset of a network is served only while connected to a working source.
#[derive(Debug, Clone, PartialEq)]
pub struct NetworkLink {
    pub network: Network,
    pub from: AssetId,
    pub to: AssetId,
    pub capacity: Option<f64>,
    pub length_km: Option<f64>,
}

impl NetworkLink {
    pub const FIELDS: [&'static str; 5] = ["network", "from_id", "to_id", "capacity", "length_km"];

    pub fn from_json(obj: &Object) -> Result<NetworkLink, Invalid> {
        let mut c = Collector::default();
        let network = required(&mut c, obj, "network", text(Network::parse));
        let from = required(&mut c, obj, "from_id", text(AssetId::parse));
        let to = required(&mut c, obj, "to_id", text(AssetId::parse));
        let capacity = optional(&mut c, obj, "capacity", non_negative);
        let length_km = optional(&mut c, obj, "length_km", non_negative);
        if let (Some(a), Some(b)) = (&from, &to) {
            if a == b {
                c.push("to_id", "a link cannot connect an asset to itself");
            }
        }
        c.finish(|| Some(NetworkLink { network: network?, from: from?, to: to?, capacity: capacity?, length_km: length_km? }))
    }

    pub fn to_json(&self) -> Value {
        json!({
            "network": self.network, "from_id": self.from, "to_id": self.to,
            "capacity": self.capacity, "length_km": self.length_km,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Object {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn defaults_to_one_of_one_without_buffer() {
        let d = Dependency::from_json(&obj(json!({"supplier_id":"a","dependent_id":"b","service":"electricity"})));
        assert_eq!(d.map(|d| (d.k, d.n, d.buffer_hours)), Ok((1, 1, 0.0)));
    }

    #[test]
    fn self_dependency_and_bad_redundancy_are_named() {
        let e = Dependency::from_json(&obj(json!({"supplier_id":"a","dependent_id":"a","service":"water","k":3,"n":2})));
        assert_eq!(e.unwrap_err().to_string(), "dependent_id: an asset cannot depend on itself; k: needs k <= n, found k = 3 and n = 2");
    }

    #[test]
    fn unknown_service_is_rejected() {
        let e = Dependency::from_json(&obj(json!({"supplier_id":"a","dependent_id":"b","service":"steam"})));
        assert!(e.unwrap_err().to_string().starts_with("service: unknown service \"steam\""));
    }

    #[test]
    fn links_parse() {
        let l = NetworkLink::from_json(&obj(json!({"network":"grid","from_id":"a","to_id":"b","length_km":"12.5"})));
        assert_eq!(l.map(|l| (l.network, l.length_km)), Ok((Network::Grid, Some(12.5))));
    }
}
