//! Organisations: authorities, operators, EU bodies and networks.

use crate::error::{Collector, Invalid};
use crate::fields::{self, optional, required, text, Object};
use crate::{CountryCode, OrgId};
use serde_json::{json, Value};

crate::vocabulary!(
    /// What kind of organisation this is; it decides what its people may see.
    OrgKind, "organisation kind" {
        Authority = "authority", "Member-state authority";
        Operator = "operator", "Operator";
        EuBody = "eu_body", "EU body";
        Network = "network", "Network";
    }
);

#[derive(Debug, Clone, PartialEq)]
pub struct Organisation {
    pub id: OrgId,
    pub name: String,
    pub kind: OrgKind,
    /// `None` for EU bodies and networks that span member states.
    pub country: Option<CountryCode>,
}

impl Organisation {
    pub fn from_json(obj: &Object) -> Result<Organisation, Invalid> {
        let mut c = Collector::default();
        let id = required(&mut c, obj, "id", text(OrgId::parse));
        let name = required(&mut c, obj, "name", fields::string);
        let kind = required(&mut c, obj, "kind", text(OrgKind::parse));
        let country = optional(&mut c, obj, "country", text(CountryCode::parse));
        if let (Some(OrgKind::Authority | OrgKind::Operator), Some(None)) = (kind, country) {
            c.push("country", "is required for authorities and operators");
        }
        c.finish(|| Some(Organisation { id: id?, name: name?, kind: kind?, country: country? }))
    }

    pub fn to_json(&self) -> Value {
        json!({"id": self.id, "name": self.name, "kind": self.kind, "country": self.country})
    }
}
