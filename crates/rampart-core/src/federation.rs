//! Federation between Rampart instances (a national instance and the EU hub): instance
//! names and keys, the signed message that carries one shared item from instance to
//! instance, and the distribution rule that decides which peer a message may go to.
//!
//! A message is signed by its **origin** instance over its canonical JSON bytes
//! ([`canonical_json`]); relays forward it unchanged, so no instance on the way can
//! change its label or its audience. The distribution rule ([`qualifies`], [`targets`])
//! sends a message to a peer only if that peer hosts an organisation with a reader the
//! label admits, so distribution never widens across hops. Pure: no IO, no clock; key
//! generation takes its 32 random bytes from the caller.

use crate::tlp::Tlp;
use crate::{FieldError, Invalid};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use ed25519_dalek::{Signer, Verifier};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// The version of the message format this code writes and reads.
pub const MESSAGE_VERSION: u32 = 1;

/// An instance's name, e.g. `de`, `fr`, `eu-hub`: lowercase letters, digits and
/// hyphens, starting with a letter, at most 63 characters.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct InstanceName(String);

impl InstanceName {
    pub fn parse(s: &str) -> Result<InstanceName, Invalid> {
        let ok = !s.is_empty()
            && s.len() <= 63
            && s.starts_with(|c: char| c.is_ascii_lowercase())
            && s.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if ok {
            Ok(InstanceName(s.to_string()))
        } else {
            Err(Invalid::one("", format!("{s:?} is not an instance name; expected lowercase letters, digits and hyphens, starting with a letter (e.g. de, eu-hub)")))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for InstanceName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for InstanceName {
    type Error = Invalid;
    fn try_from(s: String) -> Result<Self, Invalid> {
        InstanceName::parse(&s)
    }
}

impl From<InstanceName> for String {
    fn from(n: InstanceName) -> String {
        n.0
    }
}

/// An instance's secret signing key (its 32-byte Ed25519 seed). Never printed.
pub struct SecretKey(ed25519_dalek::SigningKey);

impl SecretKey {
    /// The key whose seed is these 32 bytes (from the operating system's random source).
    pub fn from_seed(seed: [u8; 32]) -> SecretKey {
        SecretKey(ed25519_dalek::SigningKey::from_bytes(&seed))
    }

    /// Reads the seed as written by `rampart federation keygen`: base64 of 32 bytes.
    pub fn parse(text: &str) -> Result<SecretKey, Invalid> {
        let bytes = B64.decode(text.trim()).map_err(|_| Invalid::one("", "the federation key is not base64"))?;
        let seed: [u8; 32] = bytes
            .try_into()
            .map_err(|b: Vec<u8>| Invalid::one("", format!("the federation key is {} bytes; expected a 32-byte Ed25519 seed", b.len())))?;
        Ok(SecretKey::from_seed(seed))
    }

    /// The seed as base64, for the key file.
    pub fn to_base64(&self) -> String {
        B64.encode(self.0.to_bytes())
    }

    pub fn public(&self) -> PublicKey {
        PublicKey(self.0.verifying_key())
    }

    /// Signs `bytes`; the signature as base64.
    pub fn sign(&self, bytes: &[u8]) -> String {
        B64.encode(self.0.sign(bytes).to_bytes())
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "SecretKey(public {})", self.public())
    }
}

/// An instance's public key, written as base64 of its 32 bytes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PublicKey(ed25519_dalek::VerifyingKey);

impl PublicKey {
    pub fn parse(text: &str) -> Result<PublicKey, Invalid> {
        let bytes = B64.decode(text.trim()).map_err(|_| Invalid::one("", "a public key is base64 of 32 bytes; this is not base64"))?;
        let raw: [u8; 32] =
            bytes.try_into().map_err(|b: Vec<u8>| Invalid::one("", format!("a public key is 32 bytes; this one is {}", b.len())))?;
        ed25519_dalek::VerifyingKey::from_bytes(&raw)
            .map(PublicKey)
            .map_err(|_| Invalid::one("", "not an Ed25519 public key"))
    }

    /// Whether `signature` (base64) is this key's signature of `bytes`.
    pub fn verify(&self, bytes: &[u8], signature: &str) -> bool {
        let Ok(raw) = B64.decode(signature.trim()) else { return false };
        let Ok(sig) = ed25519_dalek::Signature::from_slice(&raw) else { return false };
        self.0.verify(bytes, &sig).is_ok()
    }
}

impl fmt::Display for PublicKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&B64.encode(self.0.to_bytes()))
    }
}

/// What kind of shared item a message carries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum ItemType {
    Alert,
    /// An incident notification (see `incident`).
    Incident,
    /// A library document (see `library`).
    Library,
}

impl ItemType {
    pub fn as_str(self) -> &'static str {
        match self {
            ItemType::Alert => "alert",
            ItemType::Incident => "incident",
            ItemType::Library => "library",
        }
    }

    pub fn parse(s: &str) -> Result<ItemType, Invalid> {
        match s {
            "alert" => Ok(ItemType::Alert),
            "incident" => Ok(ItemType::Incident),
            "library" => Ok(ItemType::Library),
            _ => Err(Invalid::one("item.type", format!("unknown item type {s:?}; expected alert, incident or library"))),
        }
    }
}

/// One item at one version, as its origin numbers them.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ItemRef {
    #[serde(rename = "type")]
    pub kind: ItemType,
    pub id: String,
    pub version: i64,
}

/// Upsert: here is the item at this version. Tombstone: the item is gone for you
/// (cancelled, deleted, or relabelled so that you host no reader it admits).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Op {
    Upsert,
    Tombstone,
}

/// The originating organisation, as the origin's directory has it, so receivers can
/// name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OriginOrg {
    pub id: String,
    pub name: String,
    pub kind: String,
    pub country: Option<String>,
}

/// A person an item was shared with by name, with their organisation (usernames are
/// unique only within an instance; the organisation says which instance hosts them).
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AudienceUser {
    pub username: String,
    pub organisation: String,
}

/// The community an item was published in, with its member organisations (a
/// community's id means nothing on another instance; its members do).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AudienceCommunity {
    pub id: String,
    pub members: Vec<String>,
}

/// Who an item was shared with: what the label's relations are counted against.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Audience {
    /// Recipient organisations.
    pub organisations: Vec<String>,
    /// Named recipients.
    pub users: Vec<AudienceUser>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub community: Option<AudienceCommunity>,
}

/// The message an origin signs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Message {
    pub v: u32,
    pub origin: InstanceName,
    pub item: ItemRef,
    pub op: Op,
    pub tlp: Tlp,
    /// The originating organisation.
    pub organisation: OriginOrg,
    pub audience: Audience,
    /// The item itself (for an alert: its CAP XML and Rampart's fields); `null` in a
    /// tombstone.
    pub body: serde_json::Value,
    /// Milliseconds since the epoch.
    pub issued_at: i64,
}

/// A message with its origin's signature over [`Message::signing_bytes`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Signed {
    pub message: Message,
    pub signature: String,
}

impl Message {
    /// The canonical JSON of the message: keys sorted, no spaces.
    pub fn signing_bytes(&self) -> Vec<u8> {
        // A message always serialises: it holds only strings, numbers and JSON values.
        let value = serde_json::to_value(self).unwrap_or(serde_json::Value::Null);
        canonical_json(&value).into_bytes()
    }

    pub fn sign(self, key: &SecretKey) -> Signed {
        let signature = key.sign(&self.signing_bytes());
        Signed { message: self, signature }
    }

    /// The tombstone that retracts this item at this version: same label, audience
    /// and originator, no body.
    pub fn tombstone(&self) -> Message {
        Message { op: Op::Tombstone, body: serde_json::Value::Null, ..self.clone() }
    }
}

impl Signed {
    /// Whether the origin's key signed this message.
    pub fn verify(&self, origin_key: &PublicKey) -> bool {
        origin_key.verify(&self.message.signing_bytes(), &self.signature)
    }
}

/// One message on a link, numbered in that link's sequence. An upsert travels with
/// the tombstone its origin signed for the same version (`retract`), so a relay can
/// retract the item from a peer that no longer qualifies without signing anything itself.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Entry {
    pub seq: i64,
    pub message: Signed,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub retract: Option<Signed>,
}

/// What one request on a link carries: the sender's entries in order, and the head of
/// the sender's outbox for this link (its newest sequence number), which is also the
/// heartbeat when there are no entries.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Batch {
    pub from: InstanceName,
    pub head: i64,
    pub entries: Vec<Entry>,
}

/// Orders two messages about the same item: by version, and at the same version a
/// tombstone after the upsert it retracts.
pub fn newer(version: i64, op: Op, than_version: i64, than_op: Op) -> bool {
    let rank = |o: Op| match o {
        Op::Upsert => 0,
        Op::Tombstone => 1,
    };
    (version, rank(op)) > (than_version, rank(than_op))
}

/// Whether this instance itself hosts a reader the label admits (so it keeps a copy
/// of the item, not only relays it).
pub fn hosted_here(tlp: Tlp, audience: &Audience, local: &(dyn Fn(&str) -> bool + Sync)) -> bool {
    match entitled_orgs(tlp, audience) {
        None => true,
        Some(orgs) => orgs.into_iter().any(local),
    }
}

/// JSON with object keys sorted and no insignificant whitespace: the bytes signatures
/// are made over, the same on every instance whatever order the keys arrived in.
pub fn canonical_json(value: &serde_json::Value) -> String {
    let mut out = String::new();
    write_canonical(value, &mut out);
    out
}

fn write_canonical(value: &serde_json::Value, out: &mut String) {
    use serde_json::Value;
    match value {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            out.push('{');
            for (i, k) in keys.into_iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                out.push_str(&Value::String(k.clone()).to_string());
                out.push(':');
                write_canonical(&map[k], out);
            }
            out.push('}');
        }
        Value::Array(items) => {
            out.push('[');
            for (i, v) in items.iter().enumerate() {
                if i > 0 {
                    out.push(',');
                }
                write_canonical(v, out);
            }
            out.push(']');
        }
        other => out.push_str(&other.to_string()),
    }
}

/// The bytes a peer signs to authenticate one request on a link: the method, the path
/// with its query, the sending peer's name, the time (ms) and the body.
pub fn link_signing_bytes(method: &str, path_and_query: &str, peer: &InstanceName, at: i64, body: &[u8]) -> Vec<u8> {
    let mut out = format!("rampart-federation-v1\n{method}\n{path_and_query}\n{peer}\n{at}\n").into_bytes();
    out.extend_from_slice(body);
    out
}

/// The organisations a peer hosts, directly or behind it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Hosts {
    /// Every organisation that is not hosted here (a hub, seen from a national instance).
    AllOthers,
    /// These organisations.
    Orgs(BTreeSet<String>),
}

impl Hosts {
    /// Reads a list of organisation ids, or `*` for every organisation not hosted here.
    pub fn parse(list: &[String]) -> Result<Hosts, Invalid> {
        if list.len() == 1 && list[0] == "*" {
            return Ok(Hosts::AllOthers);
        }
        let mut errors = Vec::new();
        let mut set = BTreeSet::new();
        for (i, o) in list.iter().enumerate() {
            match crate::OrgId::parse(o) {
                Ok(id) => {
                    set.insert(id.as_str().to_string());
                }
                Err(_) if o == "*" => errors.push(FieldError::new(format!("hosts[{i}]"), "\"*\" (every other organisation) must be the only entry")),
                Err(e) => errors.extend(e.0.into_iter().map(|f| FieldError::new(format!("hosts[{i}]"), f.message))),
            }
        }
        if errors.is_empty() {
            Ok(Hosts::Orgs(set))
        } else {
            Err(Invalid(errors))
        }
    }

    pub fn to_list(&self) -> Vec<String> {
        match self {
            Hosts::AllOthers => vec!["*".to_string()],
            Hosts::Orgs(s) => s.iter().cloned().collect(),
        }
    }

    /// Whether the peer hosts `org`, given the organisations this instance hosts itself.
    pub fn hosts(&self, org: &str, local: &(dyn Fn(&str) -> bool + Sync)) -> bool {
        match self {
            Hosts::AllOthers => !local(org),
            Hosts::Orgs(s) => s.contains(org),
        }
    }
}

/// The organisations whose members a label admits through the audience: recipient
/// organisations, the organisations of named recipients, and for TLP:GREEN the
/// community's members. `None` for TLP:CLEAR (everyone).
pub fn entitled_orgs(tlp: Tlp, audience: &Audience) -> Option<BTreeSet<&str>> {
    let named = audience.users.iter().map(|u| u.organisation.as_str());
    let orgs = audience.organisations.iter().map(String::as_str);
    let community = audience.community.iter().flat_map(|c| c.members.iter().map(String::as_str));
    Some(match tlp {
        Tlp::Clear => return None,
        Tlp::Green => orgs.chain(named).chain(community).collect(),
        Tlp::Amber | Tlp::AmberStrict => orgs.chain(named).collect(),
        Tlp::Red => named.collect(),
    })
}

/// Whether a peer hosting `hosts` may receive an item with this label and audience:
/// CLEAR → any peer; GREEN → it hosts a member of the audience (recipient, named
/// person's organisation, community member); AMBER and AMBER+STRICT → it hosts a
/// recipient organisation or a named person's; RED → it hosts a named person's
/// organisation. `local` says which organisations this instance hosts itself.
pub fn qualifies(tlp: Tlp, audience: &Audience, hosts: &Hosts, local: &(dyn Fn(&str) -> bool + Sync)) -> bool {
    match entitled_orgs(tlp, audience) {
        None => true,
        Some(orgs) => orgs.into_iter().any(|o| hosts.hosts(o, local)),
    }
}

/// The peers a message goes to: those that qualify, never the one it came from.
pub fn targets<'a>(
    tlp: Tlp,
    audience: &Audience,
    peers: &'a [(InstanceName, Hosts)],
    from: Option<&InstanceName>,
    local: &(dyn Fn(&str) -> bool + Sync),
) -> Vec<&'a InstanceName> {
    peers.iter().filter(|(name, hosts)| Some(name) != from && qualifies(tlp, audience, hosts, local)).map(|(name, _)| name).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::{BTreeMap, HashMap};

    fn key(n: u8) -> SecretKey {
        SecretKey::from_seed([n; 32])
    }

    fn name(s: &str) -> InstanceName {
        InstanceName::parse(s).unwrap()
    }

    fn message() -> Message {
        Message {
            v: MESSAGE_VERSION,
            origin: name("de"),
            item: ItemRef { kind: ItemType::Alert, id: "a1".into(), version: 3 },
            op: Op::Upsert,
            tlp: Tlp::Amber,
            organisation: OriginOrg { id: "de-bsi".into(), name: "BSI".into(), kind: "authority".into(), country: Some("DE".into()) },
            audience: Audience { organisations: vec!["fr-sgdsn".into()], users: vec![], community: None },
            body: serde_json::json!({"b": 1, "a": [true, null, "x"]}),
            issued_at: 1_700_000_000_000,
        }
    }

    #[test]
    fn canonical_json_sorts_keys_at_every_depth() {
        let v: serde_json::Value = serde_json::from_str(r#"{ "b": {"z": 1, "y": [ {"d": 2, "c": "é\n"} ]}, "a": null }"#).unwrap();
        assert_eq!(canonical_json(&v), r#"{"a":null,"b":{"y":[{"c":"é\n","d":2}],"z":1}}"#);
    }

    #[test]
    fn a_signed_message_verifies_and_any_change_breaks_it() {
        let signed = message().sign(&key(1));
        assert!(signed.verify(&key(1).public()));
        assert!(!signed.verify(&key(2).public()), "another instance's key");
        // Through JSON and back (keys in another order) it still verifies.
        let text = serde_json::to_string(&signed).unwrap();
        let back: Signed = serde_json::from_str(&text).unwrap();
        assert!(back.verify(&key(1).public()));

        let mut wider = signed.clone();
        wider.message.tlp = Tlp::Green;
        assert!(!wider.verify(&key(1).public()), "a relay relaxing the label");
        let mut more = signed.clone();
        more.message.audience.organisations.push("nl-nctv".into());
        assert!(!more.verify(&key(1).public()), "a relay adding a recipient");
        let mut garbage = signed;
        garbage.signature = "not base64!".into();
        assert!(!garbage.verify(&key(1).public()));
    }

    #[test]
    fn keys_round_trip_through_base64_and_refuse_bad_text() {
        let k = key(7);
        let again = SecretKey::parse(&k.to_base64()).unwrap();
        assert_eq!(again.public(), k.public());
        assert_eq!(PublicKey::parse(&k.public().to_string()).unwrap(), k.public());
        assert_eq!(SecretKey::parse("AAAA").unwrap_err().to_string(), ": the federation key is 3 bytes; expected a 32-byte Ed25519 seed");
        assert_eq!(PublicKey::parse("%%").unwrap_err().to_string(), ": a public key is base64 of 32 bytes; this is not base64");
        assert!(!format!("{k:?}").contains(&k.to_base64()), "the seed is never printed");
    }

    #[test]
    fn instance_names() {
        assert!(InstanceName::parse("eu-hub").is_ok());
        assert!(InstanceName::parse("de2").is_ok());
        for bad in ["", "DE", "2de", "de hub", "de_hub"] {
            assert!(InstanceName::parse(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn tombstone_keeps_label_and_audience_without_the_body() {
        let t = message().tombstone();
        assert_eq!(t.op, Op::Tombstone);
        assert_eq!(t.body, serde_json::Value::Null);
        assert_eq!(t.tlp, Tlp::Amber);
        assert_eq!(t.audience, message().audience);
    }

    fn orgs(list: &[&str]) -> Hosts {
        Hosts::Orgs(list.iter().map(|s| s.to_string()).collect())
    }

    #[test]
    fn the_rule_label_by_label() {
        let none = |_: &str| false;
        let de_local = |o: &str| o.starts_with("de-");
        let audience = Audience {
            organisations: vec!["fr-anssi".into()],
            users: vec![AudienceUser { username: "ana".into(), organisation: "de-bsi".into() }],
            community: Some(AudienceCommunity { id: "c".into(), members: vec!["nl-nctv".into()] }),
        };
        let fr = orgs(&["fr-anssi"]);
        let nl = orgs(&["nl-nctv"]);
        let es = orgs(&["es-cni"]);
        assert!(qualifies(Tlp::Clear, &audience, &es, &none));
        assert!(qualifies(Tlp::Green, &audience, &nl, &none));
        assert!(!qualifies(Tlp::Green, &audience, &es, &none));
        assert!(!qualifies(Tlp::Amber, &audience, &nl, &none), "community members are GREEN only");
        assert!(qualifies(Tlp::AmberStrict, &audience, &fr, &none));
        assert!(!qualifies(Tlp::Red, &audience, &fr, &none), "RED: only named people's organisations");
        // A hub seen from DE hosts every organisation but DE's own: a RED item for a
        // DE person stays in DE; the AMBER one for France goes.
        assert!(!qualifies(Tlp::Red, &audience, &Hosts::AllOthers, &de_local));
        assert!(qualifies(Tlp::Amber, &audience, &Hosts::AllOthers, &de_local));

        let peers = vec![(name("fr"), fr), (name("nl"), nl), (name("eu-hub"), Hosts::AllOthers)];
        let got: Vec<&str> = targets(Tlp::Green, &audience, &peers, Some(&name("eu-hub")), &de_local).iter().map(|n| n.as_str()).collect();
        assert_eq!(got, ["fr", "nl"], "never back to where it came from");
    }

    #[test]
    fn hosts_parse() {
        assert_eq!(Hosts::parse(&["*".into()]).unwrap(), Hosts::AllOthers);
        assert_eq!(Hosts::parse(&["fr-anssi".into()]).unwrap(), orgs(&["fr-anssi"]));
        let err = Hosts::parse(&["fr-anssi".into(), "*".into(), "Not An Id".into()]).unwrap_err();
        assert_eq!(err.0.len(), 2, "{err}");
        assert_eq!(err.0[0].field, "hosts[1]");
        assert_eq!(err.0[1].field, "hosts[2]");
    }

    // The property: a federation of instances, each hosting some organisations, linked
    // in a tree (every instance reaches every other through one path); every instance
    // learns what each neighbour hosts behind it. A message that starts at its origin
    // and is forwarded hop by hop with `targets` reaches exactly the instances hosting
    // an organisation with a reader the label admits (and the relays on the way to them).

    #[derive(Debug, Clone)]
    struct World {
        /// parent[i] < i: instance i is linked to parent[i] (instance 0 is the root).
        parent: Vec<usize>,
        /// The instance hosting each organisation `o0`, `o1`, ….
        home: Vec<usize>,
        tlp: Tlp,
        recipients: Vec<usize>,
        named: Vec<usize>,
        community: Vec<usize>,
        origin: usize,
    }

    fn world() -> impl Strategy<Value = World> {
        (1usize..7).prop_flat_map(|n| {
            let parent = (1..n).map(|i| 0..i).collect::<Vec<_>>();
            (Just(n), parent, 1usize..10)
        })
        .prop_flat_map(|(n, parent, n_orgs)| {
            (
                Just(parent),
                prop::collection::vec(0..n, n_orgs),
                prop::sample::select(Tlp::ALL.to_vec()),
                prop::collection::vec(0..n_orgs, 0..3),
                prop::collection::vec(0..n_orgs, 0..3),
                prop::collection::vec(0..n_orgs, 0..3),
                0..n,
            )
        })
        .prop_map(|(p, home, tlp, recipients, named, community, origin)| World {
            parent: std::iter::once(0).chain(p).collect(),
            home,
            tlp,
            recipients,
            named,
            community,
            origin,
        })
    }

    fn org_name(o: usize) -> String {
        format!("o{o}")
    }

    impl World {
        fn n(&self) -> usize {
            self.parent.len()
        }
        fn neighbours(&self, i: usize) -> Vec<usize> {
            (0..self.n()).filter(|&j| j != i && (self.parent[j] == i || (i != 0 && self.parent[i] == j))).collect()
        }
        /// The instances reached from `i` through neighbour `j` (j's side of the tree).
        fn side(&self, i: usize, j: usize) -> BTreeSet<usize> {
            let mut seen = BTreeSet::from([j]);
            let mut stack = vec![j];
            while let Some(k) = stack.pop() {
                for m in self.neighbours(k) {
                    if m != i && seen.insert(m) {
                        stack.push(m);
                    }
                }
            }
            seen
        }
        fn audience(&self) -> Audience {
            Audience {
                organisations: self.recipients.iter().map(|&o| org_name(o)).collect(),
                users: self.named.iter().map(|&o| AudienceUser { username: format!("u{o}"), organisation: org_name(o) }).collect(),
                community: Some(AudienceCommunity { id: "c".into(), members: self.community.iter().map(|&o| org_name(o)).collect() }),
            }
        }
        /// Instances hosting a reader the label admits, by the TLP relations directly.
        fn entitled(&self) -> BTreeSet<usize> {
            let admitted: Vec<usize> = match self.tlp {
                Tlp::Clear => return (0..self.n()).collect(),
                Tlp::Green => self.recipients.iter().chain(&self.named).chain(&self.community).copied().collect(),
                Tlp::Amber | Tlp::AmberStrict => self.recipients.iter().chain(&self.named).copied().collect(),
                Tlp::Red => self.named.clone(),
            };
            admitted.into_iter().map(|o| self.home[o]).collect()
        }
        /// Floods the message from the origin with `targets` at every hop.
        fn deliver(&self) -> BTreeSet<usize> {
            let names: Vec<InstanceName> = (0..self.n()).map(|i| name(&format!("i{i}"))).collect();
            let audience = self.audience();
            let mut reached = BTreeSet::from([self.origin]);
            let mut queue = vec![(self.origin, None::<usize>)];
            while let Some((at, from)) = queue.pop() {
                let local_orgs: BTreeSet<String> = (0..self.home.len()).filter(|&o| self.home[o] == at).map(org_name).collect();
                let local = |o: &str| local_orgs.contains(o);
                // Each neighbour is configured with what lies on its side of the tree.
                let peers: Vec<(InstanceName, Hosts)> = self
                    .neighbours(at)
                    .into_iter()
                    .map(|j| {
                        let side = self.side(at, j);
                        let hosted = (0..self.home.len()).filter(|&o| side.contains(&self.home[o])).map(org_name).collect();
                        (names[j].clone(), Hosts::Orgs(hosted))
                    })
                    .collect();
                let index: HashMap<&InstanceName, usize> = names.iter().enumerate().map(|(i, n)| (n, i)).collect();
                let from_name = from.map(|f| names[f].clone());
                for t in targets(self.tlp, &audience, &peers, from_name.as_ref(), &local) {
                    let j = index[t];
                    assert!(reached.insert(j), "a tree delivers once");
                    queue.push((j, Some(at)));
                }
            }
            reached
        }
        /// The instances on the paths from the origin to the entitled ones.
        fn needed(&self) -> BTreeSet<usize> {
            let mut up: BTreeMap<usize, Vec<usize>> = BTreeMap::new();
            for i in 0..self.n() {
                let mut path = vec![i];
                let mut k = i;
                while k != 0 {
                    k = self.parent[k];
                    path.push(k);
                }
                up.insert(i, path);
            }
            let mut out = BTreeSet::from([self.origin]);
            for e in self.entitled() {
                let (a, b) = (&up[&self.origin], &up[&e]);
                let meet = a.iter().find(|x| b.contains(x)).copied().unwrap_or(0);
                out.extend(a.iter().take_while(|&&x| x != meet));
                out.extend(b.iter().take_while(|&&x| x != meet));
                out.insert(meet);
            }
            out
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(512))]
        #[test]
        fn a_message_reaches_exactly_the_entitled_instances_and_the_relays_to_them(w in world()) {
            let reached = w.deliver();
            let entitled = w.entitled();
            // Every instance hosting an entitled reader gets it …
            prop_assert!(entitled.is_subset(&reached), "missed: {:?} of {:?}", entitled.difference(&reached).collect::<Vec<_>>(), w);
            // … and no instance gets it that hosts no entitled reader and relays to none.
            prop_assert_eq!(&reached, &w.needed(), "{:?}", w);
            if w.tlp != Tlp::Clear {
                for i in &reached {
                    prop_assert!(entitled.contains(i) || *i == w.origin || w.neighbours(*i).iter().any(|j| reached.contains(j) && w.side(*i, *j).iter().any(|k| entitled.contains(k))));
                }
            }
        }
    }
}
