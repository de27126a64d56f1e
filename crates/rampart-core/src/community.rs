//! The sharing directory (PRODUCT.md C5): communities of organisations — the sharing
//! groups TLP:GREEN items go to — and each organisation's place in the warning network:
//! the authority that supervises it (its *clients*, for TLP:AMBER and for escalations),
//! its security liaison officer, and whether it is its member state's single point of
//! contact for critical-entity resilience (Directive (EU) 2022/2557 Art. 9(2)).

use crate::error::{Collector, Invalid};
use crate::fields::{self, optional, required, text, Object};
use crate::{CommunityId, OrgId, OrgKind, Organisation, Username};
use serde_json::{json, Value};

/// A sharing group of organisations.
#[derive(Debug, Clone, PartialEq)]
pub struct Community {
    pub id: CommunityId,
    pub name: String,
    pub description: String,
    /// Member organisations, each once (in the order given; the store lists them sorted).
    pub members: Vec<OrgId>,
}

impl Community {
    /// `{"id", "name", "description"?, "members": [org ids]}`.
    pub fn from_json(obj: &Object) -> Result<Community, Invalid> {
        let mut c = Collector::default();
        let id = required(&mut c, obj, "id", text(CommunityId::parse));
        let name = required(&mut c, obj, "name", fields::string);
        let description = optional(&mut c, obj, "description", fields::string);
        let members = match obj.get("members") {
            None | Some(Value::Null) => Some(Vec::new()),
            Some(Value::Array(items)) => {
                let mut out: Vec<OrgId> = Vec::new();
                for (i, v) in items.iter().enumerate() {
                    let field = format!("members[{i}]");
                    match v.as_str().map(OrgId::parse) {
                        Some(Ok(o)) if out.contains(&o) => c.push(field, format!("{o} is listed twice")),
                        Some(Ok(o)) => out.push(o),
                        Some(Err(e)) => {
                            c.take::<()>(Err(e.within(&field)));
                        }
                        None => c.push(field, "expected an organisation id"),
                    }
                }
                Some(out)
            }
            Some(_) => {
                c.push("members", "expected a list of organisation ids");
                None
            }
        };
        c.finish(|| Some(Community { id: id?, name: name?, description: description?.unwrap_or_default(), members: members? }))
    }

    pub fn to_json(&self) -> Value {
        json!({"id": self.id, "name": self.name, "description": self.description, "members": self.members})
    }
}

/// An organisation's place in the warning network.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct SharingProfile {
    /// The authority (or EU body) the organisation is a client of.
    pub supervisor: Option<OrgId>,
    /// The user who receives the organisation's warnings and escalations first.
    pub liaison: Option<Username>,
    /// The organisation is its member state's single point of contact.
    pub contact_point: bool,
    /// The organisation is its member state's national contact point for suspicious
    /// transactions, disappearances and thefts of explosives precursors
    /// (Regulation (EU) 2019/1148 Art. 9).
    pub precursor_contact_point: bool,
}

impl SharingProfile {
    /// `{"supervisor"?, "liaison"?, "contact_point"?, "precursor_contact_point"?}`.
    pub fn from_json(obj: &Object) -> Result<SharingProfile, Invalid> {
        let mut c = Collector::default();
        let supervisor = optional(&mut c, obj, "supervisor", text(OrgId::parse));
        let liaison = optional(&mut c, obj, "liaison", text(Username::parse));
        let mut flag = |key: &str| match obj.get(key) {
            None | Some(Value::Null) => Some(false),
            Some(Value::Bool(b)) => Some(*b),
            Some(_) => {
                c.push(key, "expected true or false");
                None
            }
        };
        let contact_point = flag("contact_point");
        let precursor_contact_point = flag("precursor_contact_point");
        for key in obj.keys().filter(|k| !matches!(k.as_str(), "supervisor" | "liaison" | "contact_point" | "precursor_contact_point")) {
            c.push(key.as_str(), "is not a field of a sharing profile (supervisor, liaison, contact_point, precursor_contact_point)");
        }
        c.finish(|| {
            Some(SharingProfile { supervisor: supervisor?, liaison: liaison?, contact_point: contact_point?, precursor_contact_point: precursor_contact_point? })
        })
    }

    /// Checks the profile of `org` against the directory: the supervisor is another
    /// organisation and an authority or EU body; the liaison officer belongs to `org`
    /// (`liaison_org` is the organisation of the user named); a single point of contact
    /// is a member-state authority.
    pub fn check(&self, org: &Organisation, supervisor: Option<&Organisation>, liaison_org: Option<&OrgId>) -> Result<(), Invalid> {
        let mut c = Collector::default();
        if let Some(id) = &self.supervisor {
            match supervisor {
                None => c.push("supervisor", format!("no organisation {id}")),
                Some(s) if s.id == org.id => c.push("supervisor", "an organisation cannot supervise itself"),
                Some(s) if !matches!(s.kind, OrgKind::Authority | OrgKind::EuBody) => {
                    c.push("supervisor", format!("{id} is {} ({}); a supervisor is an authority or an EU body", s.kind.label(), s.kind.key()))
                }
                Some(_) => {}
            }
        }
        if let Some(user) = &self.liaison {
            match liaison_org {
                None => c.push("liaison", format!("no user {user}")),
                Some(o) if o != &org.id => c.push("liaison", format!("{user} belongs to {o}, not {}", org.id)),
                Some(_) => {}
            }
        }
        let authority = org.kind == OrgKind::Authority && org.country.is_some();
        if self.contact_point && !authority {
            c.push("contact_point", format!("a single point of contact is a member-state authority; {} is {}", org.id, org.kind.label()));
        }
        if self.precursor_contact_point && !authority {
            c.push("precursor_contact_point", format!("a national contact point is a member-state authority; {} is {}", org.id, org.kind.label()));
        }
        c.finish(|| Some(()))
    }

    pub fn to_json(&self) -> Value {
        json!({"supervisor": self.supervisor, "liaison": self.liaison, "contact_point": self.contact_point,
               "precursor_contact_point": self.precursor_contact_point})
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn obj(v: Value) -> Object {
        v.as_object().cloned().unwrap_or_default()
    }

    fn org(id: &str, kind: OrgKind, country: Option<&str>) -> Organisation {
        Organisation {
            id: OrgId::parse(id).expect("id"),
            name: id.into(),
            kind,
            country: country.map(|c| crate::CountryCode::parse(c).expect("country")),
        }
    }

    #[test]
    fn communities_name_every_bad_member() {
        let c = Community::from_json(&obj(json!({"id": "stadiums", "name": "Stadium security", "members": ["fr-op", "de-bbk"]}))).expect("valid");
        assert_eq!(c.members.iter().map(OrgId::as_str).collect::<Vec<_>>(), ["fr-op", "de-bbk"]);
        assert_eq!(c.description, "");
        let err = Community::from_json(&obj(json!({"id": "a b", "members": ["de-bbk", 7, "de-bbk", "x y"]}))).expect_err("invalid");
        let fields: Vec<_> = err.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["id", "name", "members[1]", "members[2]", "members[3]"], "{err}");
        assert_eq!(err.0[3].message, "de-bbk is listed twice");
    }

    #[test]
    fn profiles_are_checked_against_the_directory() {
        let op = org("de-op-grid", OrgKind::Operator, Some("DE"));
        let bbk = org("de-bbk", OrgKind::Authority, Some("DE"));
        let other_op = org("de-op-water", OrgKind::Operator, Some("DE"));
        let p = SharingProfile::from_json(&obj(json!({"supervisor": "de-bbk", "liaison": "slo.grid"}))).expect("valid");
        assert_eq!(p.check(&op, Some(&bbk), Some(&op.id)), Ok(()));
        let err = p.check(&op, Some(&other_op), Some(&other_op.id)).expect_err("wrong supervisor and liaison");
        assert_eq!(err.to_string(), "supervisor: de-bbk is Operator (operator); a supervisor is an authority or an EU body; liaison: slo.grid belongs to de-op-water, not de-op-grid");
        let cp = SharingProfile { contact_point: true, ..Default::default() };
        assert_eq!(cp.check(&bbk, None, None), Ok(()));
        assert_eq!(cp.check(&op, None, None).expect_err("operator").to_string(), "contact_point: a single point of contact is a member-state authority; de-op-grid is Operator");
        let own = SharingProfile { supervisor: Some(bbk.id.clone()), ..Default::default() };
        assert_eq!(own.check(&bbk, Some(&bbk), None).expect_err("self").to_string(), "supervisor: an organisation cannot supervise itself");
        let ncp = SharingProfile { precursor_contact_point: true, ..Default::default() };
        assert_eq!(ncp.check(&bbk, None, None), Ok(()));
        assert_eq!(ncp.check(&op, None, None).expect_err("operator").to_string(), "precursor_contact_point: a national contact point is a member-state authority; de-op-grid is Operator");
        let err = SharingProfile::from_json(&obj(json!({"contact_point": "yes", "boss": "x"}))).expect_err("bad");
        assert_eq!(err.to_string(), "contact_point: expected true or false; boss: is not a field of a sharing profile (supervisor, liaison, contact_point, precursor_contact_point)");
    }
}
