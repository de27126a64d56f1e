//! Who may read and change what. The server asks these functions; the store turns a
//! [`Scope`] into a `WHERE` clause, so lists never contain what the reader may not see.

use crate::{Asset, CountryCode, OrgId, OrgKind, Username};

crate::vocabulary!(
    /// A user's role.
    Role, "role" {
        Admin = "admin", "Administrator";
        Analyst = "analyst", "Analyst";
        Assessor = "assessor", "Protective security advisor";
        Operator = "operator", "Operator";
        Viewer = "viewer", "Viewer";
    }
);

/// An authenticated user, as the access rules see them.
#[derive(Debug, Clone, PartialEq)]
pub struct Principal {
    pub username: Username,
    pub role: Role,
    pub organisation: OrgId,
    pub org_kind: OrgKind,
    /// The organisation's country; `None` for EU bodies and networks.
    pub country: Option<CountryCode>,
}

/// The part of the registry a principal may see or change.
#[derive(Debug, Clone, PartialEq)]
pub enum Scope {
    All,
    Country(CountryCode),
    Operator(OrgId),
    Nothing,
}

impl Scope {
    pub fn allows(&self, country: &CountryCode, operator: Option<&OrgId>) -> bool {
        match self {
            Scope::All => true,
            Scope::Country(c) => c == country,
            Scope::Operator(o) => operator == Some(o),
            Scope::Nothing => false,
        }
    }

    pub fn allows_asset(&self, a: &Asset) -> bool {
        self.allows(&a.country, a.operator_id.as_ref())
    }
}

impl Principal {
    /// Admins read everything; operators their own organisation's assets; everyone
    /// else their organisation's country, or all of it for EU bodies and networks.
    pub fn read_scope(&self) -> Scope {
        match (self.role, &self.country) {
            (Role::Admin, _) => Scope::All,
            (Role::Operator, _) => Scope::Operator(self.organisation.clone()),
            (_, Some(c)) => Scope::Country(*c),
            (_, None) => Scope::All,
        }
    }

    /// Admins change everything; analysts their country's registry; operators their
    /// own organisation's assets; assessors and viewers nothing.
    pub fn write_scope(&self) -> Scope {
        match (self.role, &self.country) {
            (Role::Admin, _) => Scope::All,
            (Role::Operator, _) => Scope::Operator(self.organisation.clone()),
            (Role::Analyst, Some(c)) => Scope::Country(*c),
            (Role::Analyst, None) => Scope::All,
            (Role::Assessor | Role::Viewer, _) => Scope::Nothing,
        }
    }

    pub fn can_manage_users(&self) -> bool {
        self.role == Role::Admin
    }

    /// Analyses (cascades, criticality, risk) read the whole registry's structure, so
    /// they are for admins and analysts; results are filtered for the reader.
    pub fn can_run_analyses(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Analyst)
    }

    /// Organisations are reference data: admins change them.
    pub fn can_manage_organisations(&self) -> bool {
        self.role == Role::Admin
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Kind;
    use proptest::prelude::*;

    fn principal(role: Role, org: &str, kind: OrgKind, country: Option<&str>) -> Principal {
        Principal {
            username: Username::parse("u").expect("valid"),
            role,
            organisation: OrgId::parse(org).expect("valid"),
            org_kind: kind,
            country: country.map(|c| CountryCode::parse(c).expect("valid")),
        }
    }

    fn de() -> CountryCode {
        CountryCode::parse("DE").expect("valid")
    }

    #[test]
    fn operator_sees_and_edits_only_its_own() {
        let p = principal(Role::Operator, "op-1", OrgKind::Operator, Some("DE"));
        let own = OrgId::parse("op-1").ok();
        let other = OrgId::parse("op-2").ok();
        assert!(p.read_scope().allows(&de(), own.as_ref()));
        assert!(!p.read_scope().allows(&de(), other.as_ref()));
        assert!(!p.read_scope().allows(&de(), None));
        assert!(p.write_scope().allows(&de(), own.as_ref()));
    }

    #[test]
    fn analyst_reads_and_edits_its_country_viewer_only_reads() {
        let fr = CountryCode::parse("FR").expect("valid");
        let a = principal(Role::Analyst, "de-auth", OrgKind::Authority, Some("DE"));
        assert_eq!(a.read_scope(), Scope::Country(de()));
        assert!(!a.read_scope().allows(&fr, None));
        let v = principal(Role::Viewer, "de-auth", OrgKind::Authority, Some("DE"));
        assert_eq!(v.write_scope(), Scope::Nothing);
        let eu = principal(Role::Analyst, "eu", OrgKind::EuBody, None);
        assert!(eu.read_scope().allows(&fr, None));
    }

    proptest! {
        /// Whatever may be changed may also be read.
        #[test]
        fn write_scope_is_within_read_scope(role in 0usize..5, own in any::<bool>(), same_country in any::<bool>(), eu in any::<bool>()) {
            let p = principal(Role::ALL[role], "org", if eu { OrgKind::EuBody } else { OrgKind::Authority }, if eu { None } else { Some("DE") });
            let country = if same_country { de() } else { CountryCode::parse("PL").expect("valid") };
            let op = if own { OrgId::parse("org").ok() } else { OrgId::parse("other").ok() };
            if p.write_scope().allows(&country, op.as_ref()) {
                prop_assert!(p.read_scope().allows(&country, op.as_ref()));
            }
            let _ = Kind::Infrastructure;
        }
    }
}
