//! Who may read and change what. The server asks these functions; the store turns a
//! [`Scope`] into a `WHERE` clause, so lists never contain what the reader may not see.

use crate::assessment::Action;
use crate::{Asset, CountryCode, OrgId, OrgKind, Organisation, Username};

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

impl Principal {
    /// The organisation as a whole, as a machine of theirs that is told of events (a
    /// webhook) stands to shared items: it holds every relation a member holds through
    /// the organisation (originator, recipient, client, community) and none given to a
    /// person by name, and the least role. Its username is one no login can have.
    pub fn organisation_as_a_whole(org: &Organisation) -> Principal {
        Principal {
            username: Username::of_organisation(&org.id),
            role: Role::Viewer,
            organisation: org.id.clone(),
            org_kind: org.kind,
            country: org.country,
        }
    }
}

/// Who an assessment concerns: the host organisation, the assessing team and the author
/// of the current findings (who may not also review them).
#[derive(Debug, Clone, Copy)]
pub struct AssessmentParties<'a> {
    pub host: &'a OrgId,
    pub team: &'a [Username],
    pub findings_by: Option<&'a Username>,
}

impl Principal {
    /// An assessment is confidential to its host organisation, its team and administrators;
    /// to everyone else it does not exist.
    pub fn can_read_assessment(&self, a: &AssessmentParties) -> bool {
        self.role == Role::Admin || &self.organisation == a.host || a.team.contains(&self.username)
    }

    /// Host authorities and operators request assessments for their own organisation;
    /// administrators for any.
    pub fn can_request_assessments(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Analyst | Role::Operator)
    }

    /// The assessors of the team plan, survey, score, write findings and issue; a second
    /// person of the team (or an administrator) who did not write the findings reviews
    /// them. Call only for a reader ([`Self::can_read_assessment`]); the reason is for them.
    pub fn may_act_on_assessment(&self, action: Action, a: &AssessmentParties) -> Result<(), String> {
        let in_team = a.team.contains(&self.username) && matches!(self.role, Role::Assessor | Role::Admin);
        if !(in_team || self.role == Role::Admin) {
            return Err(format!("only the assessing team may {} this assessment", action.label()));
        }
        if matches!(action, Action::Approve | Action::SendBack) && a.findings_by == Some(&self.username) {
            return Err(format!("{} wrote these findings; a second person must review them", self.username));
        }
        Ok(())
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

    #[test]
    fn assessments_are_for_host_team_and_admins_and_reviewed_by_a_second_person() {
        let host = OrgId::parse("stadium-op").expect("valid");
        let ana = Username::parse("ana").expect("valid");
        let ben = Username::parse("ben").expect("valid");
        let team = [ana.clone(), ben.clone()];
        let parties = AssessmentParties { host: &host, team: &team, findings_by: Some(&ana) };
        let named = |name: &str, role, org: &str| Principal { username: Username::parse(name).expect("valid"), ..principal(role, org, OrgKind::Authority, Some("DE")) };
        let ana_p = named("ana", Role::Assessor, "psa");
        let ben_p = named("ben", Role::Assessor, "psa");
        let host_viewer = named("hv", Role::Viewer, "stadium-op");
        let other_assessor = named("cy", Role::Assessor, "psa");
        let admin = named("root", Role::Admin, "eu");
        let readers: Vec<bool> = [&ana_p, &ben_p, &host_viewer, &other_assessor, &admin].iter().map(|p| p.can_read_assessment(&parties)).collect();
        assert_eq!(readers, [true, true, true, false, true]);
        assert_eq!(ana_p.may_act_on_assessment(Action::Score, &parties), Ok(()));
        assert_eq!(ana_p.may_act_on_assessment(Action::Approve, &parties), Err("ana wrote these findings; a second person must review them".into()));
        assert_eq!(ben_p.may_act_on_assessment(Action::Approve, &parties), Ok(()));
        assert_eq!(host_viewer.may_act_on_assessment(Action::Answer, &parties), Err("only the assessing team may answer this assessment".into()));
        assert_eq!(admin.may_act_on_assessment(Action::Issue, &parties), Ok(()));
        assert!(!host_viewer.can_request_assessments());
        assert!(named("op", Role::Operator, "stadium-op").can_request_assessments());
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
