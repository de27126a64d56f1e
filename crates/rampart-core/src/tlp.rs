//! FIRST Traffic Light Protocol 2.0: the label every shared item carries, who it admits,
//! and who may change it.
//!
//! The server decides every read of a shared item with [`may_read`] from the reader's
//! [`Relations`] to the item; lists, searches, counts and notifications are filtered by
//! the same function, so an item the reader may not see is never revealed. A label is
//! changed only through [`check_relabel`]: anyone who may change the item may make it
//! stricter, only the originator may relax it.

use std::fmt;

/// A TLP 2.0 label. The order is by restrictiveness: `Clear < Green < Amber <
/// AmberStrict < Red`, so `a < b` means "b admits no reader a does not".
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, serde::Serialize, serde::Deserialize)]
#[serde(try_from = "String", into = "&'static str")]
pub enum Tlp {
    /// No limit on disclosure.
    Clear,
    /// The community: peer organisations, not public channels.
    Green,
    /// The recipient organisation and its clients, on a need-to-know basis.
    Amber,
    /// The recipient organisation only.
    AmberStrict,
    /// Named recipients only.
    Red,
}

impl Tlp {
    /// From least to most restrictive.
    pub const ALL: [Tlp; 5] = [Tlp::Clear, Tlp::Green, Tlp::Amber, Tlp::AmberStrict, Tlp::Red];

    /// The label as TLP 2.0 writes it, e.g. `TLP:AMBER+STRICT`.
    pub fn as_str(self) -> &'static str {
        match self {
            Tlp::Clear => "TLP:CLEAR",
            Tlp::Green => "TLP:GREEN",
            Tlp::Amber => "TLP:AMBER",
            Tlp::AmberStrict => "TLP:AMBER+STRICT",
            Tlp::Red => "TLP:RED",
        }
    }

    /// Parses a label as TLP 2.0 writes it. Case and surrounding spaces are forgiven
    /// (people type `tlp:amber`); TLP 1.0's `TLP:WHITE` is not a TLP 2.0 label and is
    /// rejected, so an old label is re-examined rather than silently mapped.
    pub fn parse(s: &str) -> Result<Tlp, crate::Invalid> {
        let upper = s.trim().to_ascii_uppercase();
        Tlp::ALL.into_iter().find(|t| t.as_str() == upper).ok_or_else(|| {
            let keys: Vec<&str> = Tlp::ALL.iter().map(|t| t.as_str()).collect();
            crate::Invalid::one("", format!("unknown TLP label {s:?}; expected one of: {}", keys.join(", ")))
        })
    }

    /// The relations this label admits, each on its own.
    pub fn admits(self) -> Relations {
        use Relation::*;
        let all = match self {
            Tlp::Clear => return Relations::everyone(),
            Tlp::Green => &[Originator, NamedRecipient, RecipientOrgMember, RecipientClient, Community][..],
            Tlp::Amber => &[Originator, NamedRecipient, RecipientOrgMember, RecipientClient][..],
            Tlp::AmberStrict => &[Originator, NamedRecipient, RecipientOrgMember][..],
            Tlp::Red => &[Originator, NamedRecipient][..],
        };
        // Built from the empty set: a label's admission list is not a reader, so it
        // does not hold `Other` unless the label says so.
        Relations(all.iter().fold(0, |bits, r| bits | r.bit()))
    }
}

impl fmt::Display for Tlp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl TryFrom<String> for Tlp {
    type Error = crate::Invalid;
    fn try_from(s: String) -> Result<Tlp, crate::Invalid> {
        Tlp::parse(&s)
    }
}

impl From<Tlp> for &'static str {
    fn from(t: Tlp) -> &'static str {
        t.as_str()
    }
}

/// How a reader stands to a shared item. A reader may stand in several relations at
/// once (a named recipient who is also in the community); see [`Relations`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Relation {
    /// A member of the organisation that originated the item.
    Originator,
    /// A person the item was shared with by name.
    NamedRecipient,
    /// A member of an organisation the item was shared with.
    RecipientOrgMember,
    /// A client of a recipient organisation whom that organisation judged to need to
    /// know. Being a client without the need-to-know judgement is no relation at all.
    RecipientClient,
    /// A member of the item's community (the sharing network it was published in).
    Community,
    /// Anyone else, including the public.
    Other,
}

impl Relation {
    pub const ALL: [Relation; 6] = [
        Relation::Originator,
        Relation::NamedRecipient,
        Relation::RecipientOrgMember,
        Relation::RecipientClient,
        Relation::Community,
        Relation::Other,
    ];

    fn bit(self) -> u8 {
        1 << (self as u8)
    }
}

/// The set of relations a reader holds to one item. Every reader holds at least
/// [`Relation::Other`]: whatever admits anyone admits them.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Relations(u8);

impl Relations {
    /// A reader with no particular relation to the item.
    pub fn none() -> Relations {
        Relations(Relation::Other.bit())
    }

    pub fn of(relations: &[Relation]) -> Relations {
        relations.iter().fold(Relations::none(), |r, &x| r.with(x))
    }

    fn everyone() -> Relations {
        Relations::of(&Relation::ALL)
    }

    pub fn with(self, r: Relation) -> Relations {
        Relations(self.0 | r.bit())
    }

    pub fn has(self, r: Relation) -> bool {
        self.0 & r.bit() != 0
    }

    pub fn is_originator(self) -> bool {
        self.has(Relation::Originator)
    }

    pub fn iter(self) -> impl Iterator<Item = Relation> {
        Relation::ALL.into_iter().filter(move |r| self.has(*r))
    }

    fn intersects(self, other: Relations) -> bool {
        self.0 & other.0 != 0
    }
}

impl fmt::Debug for Relations {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_set().entries(self.iter()).finish()
    }
}

/// Whether a reader holding `relations` to an item labelled `label` may see it — that
/// it exists at all, not only its content.
pub fn may_read(label: Tlp, relations: Relations) -> bool {
    label.admits().intersects(relations)
}

/// Why a label may not be changed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelabelError {
    /// The actor may not change the item at all (this includes tightening).
    #[error("you may not change the label of this item")]
    MayNotChange,
    /// Only the originator may relax a label.
    #[error("only the originator may relax the label from {from} to {to}")]
    RelaxByNonOriginator { from: Tlp, to: Tlp },
}

/// Checks a change of label from `from` to `to` by an actor holding `relations` to the
/// item, who may (`may_change`) or may not otherwise change it. Tightening (or keeping
/// the label) needs only `may_change`; relaxing needs the originator. The originator
/// may always change their own item's label.
pub fn check_relabel(from: Tlp, to: Tlp, relations: Relations, may_change: bool) -> Result<(), RelabelError> {
    let originator = relations.is_originator();
    if !(may_change || originator) {
        return Err(RelabelError::MayNotChange);
    }
    if to < from && !originator {
        return Err(RelabelError::RelaxByNonOriginator { from, to });
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use Relation::*;

    #[test]
    fn labels_print_and_parse_as_tlp_2_writes_them() {
        for t in Tlp::ALL {
            assert_eq!(Tlp::parse(t.as_str()).unwrap(), t);
            assert_eq!(serde_json::to_string(&t).unwrap(), format!("\"{}\"", t.as_str()));
            assert_eq!(serde_json::from_str::<Tlp>(&format!("\"{}\"", t.as_str())).unwrap(), t);
        }
        assert_eq!(Tlp::parse(" tlp:amber+strict ").unwrap(), Tlp::AmberStrict);
        let err = Tlp::parse("TLP:WHITE").unwrap_err().to_string();
        assert!(
            err.contains(
                "unknown TLP label \"TLP:WHITE\"; expected one of: TLP:CLEAR, TLP:GREEN, TLP:AMBER, TLP:AMBER+STRICT, TLP:RED"
            ),
            "{err}"
        );
        assert!(serde_json::from_str::<Tlp>("\"AMBER\"").is_err());
    }

    #[test]
    fn order_is_by_restrictiveness() {
        assert!(Tlp::Clear < Tlp::Green && Tlp::Green < Tlp::Amber);
        assert!(Tlp::Amber < Tlp::AmberStrict && Tlp::AmberStrict < Tlp::Red);
    }

    /// The whole table, written out: one row per label, one column per relation.
    #[test]
    fn every_label_and_single_relation() {
        let table: [(Tlp, [bool; 6]); 5] = [
            //                 originator named  org    client community other
            (Tlp::Clear, [true, true, true, true, true, true]),
            (Tlp::Green, [true, true, true, true, true, false]),
            (Tlp::Amber, [true, true, true, true, false, false]),
            (Tlp::AmberStrict, [true, true, true, false, false, false]),
            (Tlp::Red, [true, true, false, false, false, false]),
        ];
        for (label, row) in table {
            for (relation, expected) in Relation::ALL.into_iter().zip(row) {
                assert_eq!(may_read(label, Relations::of(&[relation])), expected, "{label} {relation:?}");
            }
        }
        assert!(may_read(Tlp::Clear, Relations::none()));
        assert!(!may_read(Tlp::Green, Relations::none()));
    }

    #[test]
    fn relabel_rules() {
        let member = Relations::of(&[RecipientOrgMember]);
        let originator = Relations::of(&[Originator]);
        assert_eq!(check_relabel(Tlp::Amber, Tlp::Red, member, true), Ok(()));
        assert_eq!(check_relabel(Tlp::Amber, Tlp::Amber, member, true), Ok(()));
        assert_eq!(
            check_relabel(Tlp::Amber, Tlp::Green, member, true),
            Err(RelabelError::RelaxByNonOriginator { from: Tlp::Amber, to: Tlp::Green })
        );
        assert_eq!(check_relabel(Tlp::Amber, Tlp::Red, member, false), Err(RelabelError::MayNotChange));
        assert_eq!(check_relabel(Tlp::Red, Tlp::Clear, originator, true), Ok(()));
        assert_eq!(
            RelabelError::RelaxByNonOriginator { from: Tlp::Red, to: Tlp::Green }.to_string(),
            "only the originator may relax the label from TLP:RED to TLP:GREEN"
        );
    }

    fn any_label() -> impl Strategy<Value = Tlp> {
        prop::sample::select(Tlp::ALL.to_vec())
    }

    fn any_relations() -> impl Strategy<Value = Relations> {
        prop::sample::subsequence(Relation::ALL.to_vec(), 0..=6).prop_map(|r| Relations::of(&r))
    }

    proptest! {
        #[test]
        fn a_stricter_label_never_admits_more(a in any_label(), b in any_label(), r in any_relations()) {
            let (looser, stricter) = if a <= b { (a, b) } else { (b, a) };
            prop_assert!(!may_read(stricter, r) || may_read(looser, r));
        }

        #[test]
        fn more_relations_never_admit_less(label in any_label(), r in any_relations(), extra in any_relations()) {
            let more = Relations(r.0 | extra.0);
            prop_assert!(!may_read(label, r) || may_read(label, more));
        }

        #[test]
        fn the_originator_always_reads(label in any_label(), r in any_relations()) {
            prop_assert!(may_read(label, r.with(Originator)));
        }

        #[test]
        fn clear_admits_everyone(r in any_relations()) {
            prop_assert!(may_read(Tlp::Clear, r));
        }

        #[test]
        fn red_admits_only_named_recipients_and_the_originator(r in any_relations()) {
            prop_assert_eq!(may_read(Tlp::Red, r), r.has(NamedRecipient) || r.has(Originator));
        }

        #[test]
        fn reading_is_one_of_the_relations_reading(label in any_label(), r in any_relations()) {
            let any_single = r.iter().any(|x| may_read(label, Relations::of(&[x])));
            prop_assert_eq!(may_read(label, r), any_single);
        }

        #[test]
        fn only_the_originator_relaxes(from in any_label(), to in any_label(), r in any_relations(), may_change: bool) {
            let result = check_relabel(from, to, r, may_change);
            if r.is_originator() {
                prop_assert_eq!(result, Ok(()));
            } else if !may_change {
                prop_assert_eq!(result, Err(RelabelError::MayNotChange));
            } else if to < from {
                prop_assert_eq!(result, Err(RelabelError::RelaxByNonOriginator { from, to }));
            } else {
                prop_assert_eq!(result, Ok(()));
            }
        }
    }
}
