//! Alerts of the warning network (CAP 1.2 messages kept by `rampart_formats::cap`):
//! who may issue and approve them, how a reader stands to one (the TLP relations), and
//! when an unacknowledged alert is escalated. Pure decisions; the store applies them.

use crate::tlp::{may_read, Relation, Relations, Tlp};
use crate::{OrgId, OrgKind, Principal, Role, Username};

crate::vocabulary!(
    /// Where an alert is in its life: composed, waiting for a second person, approved
    /// by them, sent to its recipients.
    AlertState, "alert state" {
        Draft = "draft", "Draft";
        Pending = "pending", "Pending approval";
        Approved = "approved", "Approved";
        Published = "published", "Published";
    }
);

crate::vocabulary!(
    /// Why an organisation or person received an alert.
    RecipientReason, "recipient reason" {
        Originator = "originator", "The publishing organisation";
        Area = "area", "Sites inside the alert's area";
        Named = "named", "Named by the author";
        Followed = "followed", "Recipient of an alert this one updates or cancels";
        Escalation = "escalation", "Escalated for want of an acknowledgement";
        Federated = "federated", "Named in the audience of an alert shared by another Rampart instance";
    }
);

impl Principal {
    /// Administrators, and analysts and protective security advisors of member-state
    /// authorities and EU bodies, compose, approve and publish alerts.
    pub fn can_issue_alerts(&self) -> bool {
        match self.role {
            Role::Admin => true,
            Role::Analyst | Role::Assessor => matches!(self.org_kind, OrgKind::Authority | OrgKind::EuBody),
            Role::Operator | Role::Viewer => false,
        }
    }
}

/// What decides who may see one alert.
#[derive(Debug, Clone, PartialEq)]
pub struct AlertAccess {
    pub tlp: Tlp,
    pub published: bool,
    /// The originating (sending) organisation.
    pub organisation: OrgId,
    /// People the alert was shared with by name (including escalations to a liaison officer).
    pub named: Vec<Username>,
    /// Recipient organisations.
    pub recipients: Vec<OrgId>,
    /// Clients of a recipient organisation (their supervisor is a recipient).
    pub recipient_clients: Vec<OrgId>,
    /// Member organisations of the alert's community (TLP:GREEN).
    pub community_members: Vec<OrgId>,
}

impl AlertAccess {
    /// How `reader` stands to the alert. Before publication only the originating
    /// organisation has any relation to it.
    pub fn relations(&self, reader: &Principal) -> Relations {
        let mut r = Relations::none();
        if reader.organisation == self.organisation {
            r = r.with(Relation::Originator);
        }
        if !self.published {
            return r;
        }
        if self.named.contains(&reader.username) {
            r = r.with(Relation::NamedRecipient);
        }
        if self.recipients.contains(&reader.organisation) {
            r = r.with(Relation::RecipientOrgMember);
        }
        if self.recipient_clients.contains(&reader.organisation) {
            r = r.with(Relation::RecipientClient);
        }
        if self.community_members.contains(&reader.organisation) {
            r = r.with(Relation::Community);
        }
        r
    }

    /// Whether `reader` may learn the alert exists. A draft is seen by its
    /// organisation's issuers only.
    pub fn may_read(&self, reader: &Principal) -> bool {
        let r = self.relations(reader);
        if !self.published {
            return r.is_originator() && reader.can_issue_alerts();
        }
        may_read(self.tlp, r)
    }
}

/// The delays of the escalation of an unacknowledged alert, counted from publication.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct EscalationPolicy {
    /// Then the recipient operator's security liaison officer is named (level 1).
    pub liaison_after_ms: i64,
    /// Then its supervising authority becomes a recipient (level 2).
    pub authority_after_ms: i64,
}

/// One recipient organisation of a published alert that has not acknowledged it.
#[derive(Debug, Clone, PartialEq)]
pub struct Unacknowledged {
    pub alert_id: String,
    pub organisation: OrgId,
    pub published_at: i64,
    /// Highest escalation level already applied (0: none).
    pub level: u8,
    pub liaison: Option<Username>,
    pub supervisor: Option<OrgId>,
}

/// Where an escalation goes.
#[derive(Debug, Clone, PartialEq)]
pub enum EscalationTarget {
    /// Level 1: the organisation's liaison officer becomes a named recipient.
    Liaison(Username),
    /// Level 2: the supervising authority becomes a recipient organisation.
    Authority(OrgId),
    /// The level is due but the organisation's profile names nobody for it; recorded
    /// so the sweep does not come back to it.
    Nobody,
}

#[derive(Debug, Clone, PartialEq)]
pub struct Escalation {
    pub alert_id: String,
    /// The recipient organisation that did not acknowledge.
    pub organisation: OrgId,
    pub level: u8,
    pub target: EscalationTarget,
}

/// The escalations due at `now`: level 1 once `liaison_after_ms` has passed since
/// publication without an acknowledgement, level 2 once `authority_after_ms` has; a
/// sweep that comes late applies both at once.
pub fn escalate_due(now: i64, policy: EscalationPolicy, pending: &[Unacknowledged]) -> Vec<Escalation> {
    let mut out = Vec::new();
    for u in pending {
        let waited = now - u.published_at;
        if u.level < 1 && waited >= policy.liaison_after_ms {
            let target = u.liaison.clone().map_or(EscalationTarget::Nobody, EscalationTarget::Liaison);
            out.push(Escalation { alert_id: u.alert_id.clone(), organisation: u.organisation.clone(), level: 1, target });
        }
        if u.level < 2 && waited >= policy.authority_after_ms {
            let target = u.supervisor.clone().map_or(EscalationTarget::Nobody, EscalationTarget::Authority);
            out.push(Escalation { alert_id: u.alert_id.clone(), organisation: u.organisation.clone(), level: 2, target });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::CountryCode;

    fn user(name: &str, role: Role, org: &str, kind: OrgKind) -> Principal {
        Principal {
            username: Username::parse(name).unwrap(),
            role,
            organisation: OrgId::parse(org).unwrap(),
            org_kind: kind,
            country: Some(CountryCode::parse("DE").unwrap()),
        }
    }

    fn org(s: &str) -> OrgId {
        OrgId::parse(s).unwrap()
    }

    fn access(tlp: Tlp) -> AlertAccess {
        AlertAccess {
            tlp,
            published: true,
            organisation: org("de-authority"),
            named: vec![Username::parse("liaison.grid").unwrap()],
            recipients: vec![org("de-authority"), org("de-op-grid")],
            recipient_clients: vec![org("de-op-water")],
            community_members: vec![org("de-op-health")],
        }
    }

    #[test]
    fn an_organisation_as_a_whole_reads_what_its_members_read_through_it_not_by_name() {
        let whole = |id: &str| {
            let o = crate::Organisation { id: org(id), name: id.into(), kind: OrgKind::Operator, country: Some(CountryCode::parse("DE").unwrap()) };
            Principal::organisation_as_a_whole(&o)
        };
        let readers = |tlp: Tlp| ["de-authority", "de-op-grid", "de-op-water", "de-op-health", "fr-op"].map(|o| access(tlp).may_read(&whole(o)));
        assert_eq!(readers(Tlp::Green), [true, true, true, true, false]);
        assert_eq!(readers(Tlp::Amber), [true, true, true, false, false]);
        assert_eq!(readers(Tlp::AmberStrict), [true, true, false, false, false]);
        // TLP:RED: the liaison officer of the grid operator is named, the operator is not.
        assert_eq!(readers(Tlp::Red), [true, false, false, false, false]);
        let mut draft = access(Tlp::Clear);
        draft.published = false;
        assert!(!draft.may_read(&whole("de-authority")));
    }

    #[test]
    fn issuers_are_authority_and_eu_staff_and_admins() {
        assert!(user("a", Role::Analyst, "x", OrgKind::Authority).can_issue_alerts());
        assert!(user("a", Role::Assessor, "x", OrgKind::EuBody).can_issue_alerts());
        assert!(user("a", Role::Admin, "x", OrgKind::Operator).can_issue_alerts());
        assert!(!user("a", Role::Analyst, "x", OrgKind::Operator).can_issue_alerts());
        assert!(!user("a", Role::Viewer, "x", OrgKind::Authority).can_issue_alerts());
        assert!(!user("a", Role::Operator, "x", OrgKind::Operator).can_issue_alerts());
    }

    #[test]
    fn readers_by_label() {
        let grid = user("op", Role::Operator, "de-op-grid", OrgKind::Operator);
        let water = user("w", Role::Operator, "de-op-water", OrgKind::Operator);
        let health = user("h", Role::Viewer, "de-op-health", OrgKind::Operator);
        let liaison = user("liaison.grid", Role::Operator, "de-op-grid", OrgKind::Operator);
        let stranger = user("s", Role::Analyst, "fr-authority", OrgKind::Authority);
        let author = user("an", Role::Analyst, "de-authority", OrgKind::Authority);
        let table = [
            (Tlp::Clear, [true, true, true, true, true, true]),
            (Tlp::Green, [true, true, true, true, false, true]),
            (Tlp::Amber, [true, true, false, true, false, true]),
            (Tlp::AmberStrict, [true, false, false, true, false, true]),
            (Tlp::Red, [false, false, false, true, false, true]),
        ];
        for (tlp, expected) in table {
            let a = access(tlp);
            let got = [&grid, &water, &health, &liaison, &stranger, &author].map(|p| a.may_read(p));
            assert_eq!(got, expected, "{tlp}");
        }
    }

    #[test]
    fn drafts_are_seen_by_their_organisations_issuers_only() {
        let mut a = access(Tlp::Clear);
        a.published = false;
        assert!(a.may_read(&user("an", Role::Analyst, "de-authority", OrgKind::Authority)));
        assert!(!a.may_read(&user("v", Role::Viewer, "de-authority", OrgKind::Authority)));
        assert!(!a.may_read(&user("op", Role::Operator, "de-op-grid", OrgKind::Operator)));
        assert!(!a.may_read(&user("liaison.grid", Role::Operator, "de-op-grid", OrgKind::Operator)));
    }

    #[test]
    fn escalation_levels_come_due_in_turn() {
        let policy = EscalationPolicy { liaison_after_ms: 15 * 60_000, authority_after_ms: 60 * 60_000 };
        let mut u = Unacknowledged {
            alert_id: "a1".into(),
            organisation: org("de-op-grid"),
            published_at: 1_000,
            level: 0,
            liaison: Some(Username::parse("liaison.grid").unwrap()),
            supervisor: Some(org("de-authority")),
        };
        assert_eq!(escalate_due(1_000 + 15 * 60_000 - 1, policy, std::slice::from_ref(&u)), vec![]);
        let due = escalate_due(1_000 + 15 * 60_000, policy, std::slice::from_ref(&u));
        assert_eq!(due, vec![Escalation { alert_id: "a1".into(), organisation: org("de-op-grid"), level: 1, target: EscalationTarget::Liaison(Username::parse("liaison.grid").unwrap()) }]);
        u.level = 1;
        assert_eq!(escalate_due(1_000 + 59 * 60_000, policy, std::slice::from_ref(&u)), vec![]);
        let due = escalate_due(1_000 + 60 * 60_000, policy, std::slice::from_ref(&u));
        assert_eq!(due, vec![Escalation { alert_id: "a1".into(), organisation: org("de-op-grid"), level: 2, target: EscalationTarget::Authority(org("de-authority")) }]);
        // A late sweep applies both levels; a profile without a liaison officer records nobody.
        u.level = 0;
        u.liaison = None;
        let due = escalate_due(1_000 + 61 * 60_000, policy, std::slice::from_ref(&u));
        assert_eq!(due.iter().map(|e| (e.level, e.target.clone())).collect::<Vec<_>>(), vec![(1, EscalationTarget::Nobody), (2, EscalationTarget::Authority(org("de-authority")))]);
    }
}
