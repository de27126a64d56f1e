//! The library of good practice, lessons learnt and guidance (PRODUCT.md C5): documents
//! and community events, each carrying a TLP 2.0 label, and who may read them.
//!
//! Reading is decided by [`crate::tlp::may_read`] from the reader's [`Relations`] to a
//! document ([`relations`]). For full-text search the same rule is written as *reader
//! keys*: [`document_keys`] lists the keys a document admits (`all`, `org:<id>`,
//! `client-of:<id>`, `community:<id>`, `user:<name>`), [`Reader::keys`] the keys a reader
//! holds, and the reader may read the document exactly when the two lists meet. The
//! search index stores the first and ANDs the second into every query, so a result page
//! is never cut short or counted with documents the reader cannot see; a test checks the
//! two formulations agree for every label and relation.

use crate::error::{Collector, Invalid};
use crate::fields::{self, optional, required, text, Object};
use crate::tlp::{self, Relation, Relations, Tlp};
use crate::{CommunityId, OrgId, Sector, Username};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use time::format_description::well_known::Rfc3339;
use time::OffsetDateTime;

crate::vocabulary!(
    /// What a library document is.
    DocKind, "document kind" {
        GoodPractice = "good_practice", "Good practice";
        LessonsLearnt = "lessons_learnt", "Lessons learnt";
        Guidance = "guidance", "Guidance";
        Exercise = "exercise", "Exercise report";
        Other = "other", "Other";
    }
);

/// Longest title, in characters.
pub const MAX_TITLE: usize = 300;
/// Longest body, in bytes.
pub const MAX_BODY: usize = 1024 * 1024;
/// Most tags on one document.
pub const MAX_TAGS: usize = 20;

/// What the author writes: everything about a document but who wrote it and when.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DocumentContent {
    pub kind: DocKind,
    pub title: String,
    pub summary: String,
    /// Markdown.
    pub body: String,
    /// Lower-case keywords, each once.
    pub tags: Vec<String>,
    /// A language code such as `en` or `de`.
    pub language: String,
    pub sectors: Vec<Sector>,
    pub tlp: Tlp,
    /// The community it was published in (TLP:GREEN, or TLP:CLEAR).
    pub community: Option<CommunityId>,
    /// People it was shared with by name (required for TLP:RED).
    pub recipients: Vec<Username>,
    /// Organisations it was shared with (TLP:AMBER, TLP:AMBER+STRICT, or looser).
    pub recipient_orgs: Vec<OrgId>,
}

/// A document as stored.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct LibraryDocument {
    pub id: String,
    /// The originating organisation.
    pub organisation: OrgId,
    pub author: Username,
    pub content: DocumentContent,
    pub version: i64,
    pub created_at_ms: i64,
    pub updated_at_ms: i64,
}

fn string_list<T>(v: &Value, parse: impl Fn(&str) -> Result<T, Invalid>) -> Result<Vec<T>, Invalid> {
    let items = v.as_array().ok_or_else(|| Invalid::one("", "expected a list"))?;
    let mut c = Collector::default();
    let mut out = Vec::new();
    for (i, item) in items.iter().enumerate() {
        match item.as_str() {
            Some(s) => {
                if let Some(x) = c.take(parse(s).map_err(|e| e.within(&format!("[{i}]")))) {
                    out.push(x);
                }
            }
            None => c.push(format!("[{i}]"), "expected a string"),
        }
    }
    c.finish(|| Some(out))
}

fn no_repeats<T: PartialEq + std::fmt::Display>(c: &mut Collector, key: &str, list: &[T]) {
    for (i, x) in list.iter().enumerate() {
        if list[..i].contains(x) {
            c.push(format!("{key}[{i}]"), format!("{x} is listed twice"));
        }
    }
}

fn tag(s: &str) -> Result<String, Invalid> {
    let t = s.trim().to_lowercase();
    if t.is_empty() || t.chars().count() > 40 || t.chars().any(|c| c.is_control() || c == ',') {
        return Err(Invalid::one("", format!("expected a tag of 1 to 40 characters without commas, found {s:?}")));
    }
    Ok(t)
}

fn language(s: &str) -> Result<String, Invalid> {
    let l = s.trim().to_ascii_lowercase();
    if (2..=3).contains(&l.len()) && l.chars().all(|c| c.is_ascii_lowercase()) {
        Ok(l)
    } else {
        Err(Invalid::one("", format!("expected a language code such as \"en\" or \"de\", found {s:?}")))
    }
}

impl DocumentContent {
    /// Reads a document as the API, the command line and the web form send it:
    ///
    /// `{"kind", "title", "summary"?, "body"?, "tags"?: [..], "language"? (default "en"),
    ///   "sectors"?: [..], "tlp", "community"?, "recipients"?: [users], "recipient_orgs"?: [orgs]}`
    ///
    /// TLP:GREEN needs a community, TLP:RED named recipients; every field at fault is named.
    pub fn from_json(obj: &Object) -> Result<DocumentContent, Invalid> {
        let mut c = Collector::default();
        for key in obj.keys() {
            if !["kind", "title", "summary", "body", "tags", "language", "sectors", "tlp", "community", "recipients", "recipient_orgs", "version"]
                .contains(&key.as_str())
            {
                c.push(key.clone(), "unknown field; expected kind, title, summary, body, tags, language, sectors, tlp, community, recipients, recipient_orgs");
            }
        }
        let kind = required(&mut c, obj, "kind", text(DocKind::parse));
        let title = required(&mut c, obj, "title", fields::string);
        if let Some(t) = &title {
            if t.chars().count() > MAX_TITLE {
                c.push("title", format!("is longer than {MAX_TITLE} characters"));
            }
        }
        let summary = optional(&mut c, obj, "summary", fields::string);
        let body = optional(&mut c, obj, "body", |v| v.as_str().map(str::to_string).ok_or_else(|| Invalid::one("", "expected text (Markdown)")));
        if let Some(Some(b)) = &body {
            if b.len() > MAX_BODY {
                c.push("body", format!("is longer than {MAX_BODY} bytes"));
            }
        }
        let tags = optional(&mut c, obj, "tags", |v| string_list(v, tag)).map(Option::unwrap_or_default);
        if let Some(t) = &tags {
            if t.len() > MAX_TAGS {
                c.push("tags", format!("at most {MAX_TAGS} tags"));
            }
            no_repeats(&mut c, "tags", t);
        }
        let language = optional(&mut c, obj, "language", text(language));
        let sectors = optional(&mut c, obj, "sectors", |v| string_list(v, Sector::parse)).map(Option::unwrap_or_default);
        if let Some(s) = &sectors {
            no_repeats(&mut c, "sectors", s);
        }
        let tlp = required(&mut c, obj, "tlp", text(Tlp::parse));
        let community = optional(&mut c, obj, "community", text(CommunityId::parse));
        let recipients = optional(&mut c, obj, "recipients", |v| string_list(v, Username::parse)).map(Option::unwrap_or_default);
        let recipient_orgs = optional(&mut c, obj, "recipient_orgs", |v| string_list(v, OrgId::parse)).map(Option::unwrap_or_default);
        if let Some(r) = &recipients {
            no_repeats(&mut c, "recipients", r);
        }
        if let Some(r) = &recipient_orgs {
            no_repeats(&mut c, "recipient_orgs", r);
        }
        if let (Some(t), Some(community)) = (tlp, &community) {
            match t {
                Tlp::Green if community.is_none() => c.push("community", "is required for TLP:GREEN: the community the document is shared with"),
                Tlp::Amber | Tlp::AmberStrict | Tlp::Red if community.is_some() => {
                    c.push("community", format!("a community is for TLP:GREEN (or TLP:CLEAR) documents; {t} goes to recipient organisations or people"))
                }
                _ => {}
            }
        }
        if let (Some(Tlp::Red), Some(r), Some(o)) = (tlp, &recipients, &recipient_orgs) {
            if r.is_empty() {
                c.push("recipients", "is required for TLP:RED: name the people it is for");
            }
            if !o.is_empty() {
                c.push("recipient_orgs", "TLP:RED is for named people, not organisations");
            }
        }
        c.finish(|| {
            Some(DocumentContent {
                kind: kind?,
                title: title?,
                summary: summary?.unwrap_or_default(),
                body: body?.unwrap_or_default(),
                tags: tags?,
                language: language?.unwrap_or_else(|| "en".into()),
                sectors: sectors?,
                tlp: tlp?,
                community: community?,
                recipients: recipients?,
                recipient_orgs: recipient_orgs?,
            })
        })
    }
}

/// Who is reading: what the server knows of a signed-in user that bears on TLP.
#[derive(Debug, Clone, PartialEq)]
pub struct Reader {
    pub username: Username,
    pub organisation: OrgId,
    /// Communities the reader's organisation belongs to.
    pub communities: Vec<CommunityId>,
    /// The authority the reader's organisation is a client of.
    pub supervisor: Option<OrgId>,
    /// Administrators read everything.
    pub admin: bool,
}

/// The key every reader holds (admitted by TLP:CLEAR).
pub const KEY_ALL: &str = "all";

pub fn org_key(o: &OrgId) -> String {
    format!("org:{o}")
}
pub fn client_key(o: &OrgId) -> String {
    format!("client-of:{o}")
}
pub fn community_key(c: &CommunityId) -> String {
    format!("community:{c}")
}
pub fn user_key(u: &Username) -> String {
    format!("user:{u}")
}

impl Reader {
    /// The keys this reader holds; see [`document_keys`].
    pub fn keys(&self) -> Vec<String> {
        let mut k = vec![KEY_ALL.to_string(), org_key(&self.organisation), user_key(&self.username)];
        k.extend(self.communities.iter().map(community_key));
        k.extend(self.supervisor.iter().map(client_key));
        k
    }
}

/// The reader's relations to a document originated by `organisation`.
pub fn relations(organisation: &OrgId, doc: &DocumentContent, reader: &Reader) -> Relations {
    let mut r = Relations::none();
    if &reader.organisation == organisation {
        r = r.with(Relation::Originator);
    }
    if doc.recipients.contains(&reader.username) {
        r = r.with(Relation::NamedRecipient);
    }
    if doc.recipient_orgs.contains(&reader.organisation) {
        r = r.with(Relation::RecipientOrgMember);
    }
    if reader.supervisor.as_ref().is_some_and(|s| doc.recipient_orgs.contains(s)) {
        r = r.with(Relation::RecipientClient);
    }
    if doc.community.as_ref().is_some_and(|c| reader.communities.contains(c)) {
        r = r.with(Relation::Community);
    }
    r
}

/// Whether `reader` may read (learn of) the document.
pub fn may_read(doc: &LibraryDocument, reader: &Reader) -> bool {
    reader.admin || tlp::may_read(doc.content.tlp, relations(&doc.organisation, &doc.content, reader))
}

/// The reader keys a document admits: for each relation its label admits, the keys that
/// give a reader that relation.
pub fn document_keys(organisation: &OrgId, doc: &DocumentContent) -> Vec<String> {
    let admits = doc.tlp.admits();
    let mut k = Vec::new();
    if admits.has(Relation::Other) {
        k.push(KEY_ALL.to_string());
    }
    if admits.has(Relation::Originator) {
        k.push(org_key(organisation));
    }
    if admits.has(Relation::NamedRecipient) {
        k.extend(doc.recipients.iter().map(user_key));
    }
    if admits.has(Relation::RecipientOrgMember) {
        k.extend(doc.recipient_orgs.iter().map(org_key));
    }
    if admits.has(Relation::RecipientClient) {
        k.extend(doc.recipient_orgs.iter().map(client_key));
    }
    if admits.has(Relation::Community) {
        k.extend(doc.community.iter().map(community_key));
    }
    k.sort();
    k.dedup();
    k
}

/// Reads an RFC 3339 date and time into Unix milliseconds.
pub fn instant(v: &Value) -> Result<i64, Invalid> {
    let s = v.as_str().ok_or_else(|| Invalid::one("", "expected a date and time such as \"2026-11-22T08:30:00Z\""))?;
    let t = OffsetDateTime::parse(s.trim(), &Rfc3339)
        .map_err(|_| Invalid::one("", format!("expected an RFC 3339 date and time such as \"2026-11-22T08:30:00Z\", found {s:?}")))?;
    Ok((t.unix_timestamp_nanos() / 1_000_000) as i64)
}

/// A community event: a meeting, exercise or webinar announced to a community.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EventContent {
    pub title: String,
    pub starts_at_ms: i64,
    pub ends_at_ms: i64,
    pub place: String,
    pub community: CommunityId,
    /// TLP:GREEN (the community) or TLP:CLEAR (anyone).
    pub tlp: Tlp,
    pub description: String,
}

impl EventContent {
    /// `{"title", "starts_at", "ends_at", "place"?, "community", "tlp"? (default TLP:GREEN), "description"?}`
    pub fn from_json(obj: &Object) -> Result<EventContent, Invalid> {
        let mut c = Collector::default();
        let title = required(&mut c, obj, "title", fields::string);
        let starts = required(&mut c, obj, "starts_at", instant);
        let ends = required(&mut c, obj, "ends_at", instant);
        let place = optional(&mut c, obj, "place", fields::string);
        let community = required(&mut c, obj, "community", text(CommunityId::parse));
        let tlp = optional(&mut c, obj, "tlp", text(Tlp::parse));
        if let Some(Some(t)) = tlp {
            if t > Tlp::Green {
                c.push("tlp", format!("a community event is TLP:GREEN (its community) or TLP:CLEAR (anyone), not {t}"));
            }
        }
        if let (Some(s), Some(e)) = (starts, ends) {
            if e < s {
                c.push("ends_at", "is before starts_at");
            }
        }
        let description = optional(&mut c, obj, "description", fields::string);
        c.finish(|| {
            Some(EventContent {
                title: title?,
                starts_at_ms: starts?,
                ends_at_ms: ends?,
                place: place?.unwrap_or_default(),
                community: community?,
                tlp: tlp?.unwrap_or(Tlp::Green),
                description: description?.unwrap_or_default(),
            })
        })
    }

    /// Whether `reader`, of `organisation`'s organiser or not, may see the event.
    pub fn may_read(&self, organiser: &OrgId, reader: &Reader) -> bool {
        let mut r = Relations::none();
        if &reader.organisation == organiser {
            r = r.with(Relation::Originator);
        }
        if reader.communities.contains(&self.community) {
            r = r.with(Relation::Community);
        }
        reader.admin || tlp::may_read(self.tlp, r)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn obj(v: Value) -> Object {
        v.as_object().cloned().unwrap_or_default()
    }

    #[test]
    fn a_green_document_reads_with_defaults() {
        let d = DocumentContent::from_json(&obj(json!({"kind": "good_practice", "title": " Crowd flow at gates ", "tlp": "tlp:green",
            "community": "stadiums", "tags": ["Crowd", "gates"], "sectors": ["energy"]})))
        .unwrap();
        assert_eq!(d.title, "Crowd flow at gates");
        assert_eq!(d.tags, vec!["crowd", "gates"]);
        assert_eq!(d.language, "en");
        assert_eq!(d.tlp, Tlp::Green);
        assert_eq!(d.community.unwrap().as_str(), "stadiums");
    }

    #[test]
    fn every_fault_is_named() {
        let e = DocumentContent::from_json(&obj(json!({"kind": "memo", "tlp": "TLP:RED", "tags": ["a", "A"], "recipient_orgs": ["de-bbk"],
            "community": "x", "colour": 1})))
        .unwrap_err()
        .to_string();
        for part in [
            "colour: unknown field",
            "kind: unknown document kind \"memo\"",
            "title: is required",
            "tags[1]: a is listed twice",
            "community: a community is for TLP:GREEN (or TLP:CLEAR) documents; TLP:RED goes to recipient organisations or people",
            "recipients: is required for TLP:RED",
            "recipient_orgs: TLP:RED is for named people, not organisations",
        ] {
            assert!(e.contains(part), "{part} missing from {e}");
        }
        let e = DocumentContent::from_json(&obj(json!({"kind": "guidance", "title": "t", "tlp": "TLP:GREEN"}))).unwrap_err().to_string();
        assert!(e.contains("community: is required for TLP:GREEN"), "{e}");
    }

    #[test]
    fn events_are_green_or_clear_and_end_after_they_start() {
        let e = EventContent::from_json(&obj(json!({"title": "Exercise", "starts_at": "2026-12-01T10:00:00Z", "ends_at": "2026-12-01T09:00:00Z",
            "community": "stadiums", "tlp": "TLP:AMBER"})))
        .unwrap_err()
        .to_string();
        assert!(e.contains("ends_at: is before starts_at"), "{e}");
        assert!(e.contains("tlp: a community event is TLP:GREEN (its community) or TLP:CLEAR (anyone), not TLP:AMBER"), "{e}");
        let ok = EventContent::from_json(&obj(json!({"title": "Exercise", "starts_at": "2026-12-01T10:00:00Z", "ends_at": "2026-12-01T12:00:00Z",
            "community": "stadiums"})))
        .unwrap();
        assert_eq!(ok.tlp, Tlp::Green);
        assert_eq!(ok.ends_at_ms - ok.starts_at_ms, 2 * 3_600_000);
    }

    fn org(i: usize) -> OrgId {
        OrgId::parse(&format!("org-{i}")).unwrap()
    }
    fn community(i: usize) -> CommunityId {
        CommunityId::parse(&format!("c-{i}")).unwrap()
    }
    fn user(i: usize) -> Username {
        Username::parse(&format!("u{i}")).unwrap()
    }

    fn any_doc() -> impl Strategy<Value = (OrgId, DocumentContent)> {
        (
            0..4usize,
            prop::sample::select(Tlp::ALL.to_vec()),
            prop::option::of(0..3usize),
            prop::sample::subsequence(vec![0usize, 1, 2, 3], 0..=2),
            prop::sample::subsequence(vec![0usize, 1, 2, 3], 0..=2),
        )
            .prop_map(|(o, tlp, c, users, orgs)| {
                let content = DocumentContent {
                    kind: DocKind::Guidance,
                    title: "t".into(),
                    summary: String::new(),
                    body: String::new(),
                    tags: vec![],
                    language: "en".into(),
                    sectors: vec![],
                    tlp,
                    community: c.map(community),
                    recipients: users.into_iter().map(user).collect(),
                    recipient_orgs: orgs.into_iter().map(org).collect(),
                };
                (org(o), content)
            })
    }

    fn any_reader() -> impl Strategy<Value = Reader> {
        (0..4usize, 0..4usize, prop::sample::subsequence(vec![0usize, 1, 2], 0..=3), prop::option::of(0..4usize)).prop_map(|(u, o, cs, s)| Reader {
            username: user(u),
            organisation: org(o),
            communities: cs.into_iter().map(community).collect(),
            supervisor: s.map(org),
            admin: false,
        })
    }

    proptest! {
        /// The keys the index filters on say exactly what `tlp::may_read` says.
        #[test]
        fn keys_meet_exactly_when_the_reader_may_read((o, d) in any_doc(), r in any_reader()) {
            let doc_keys = document_keys(&o, &d);
            let meet = r.keys().iter().any(|k| doc_keys.contains(k));
            prop_assert_eq!(meet, tlp::may_read(d.tlp, relations(&o, &d, &r)));
        }
    }

    #[test]
    fn keys_of_each_label() {
        let d = |tlp| DocumentContent {
            kind: DocKind::Guidance,
            title: "t".into(),
            summary: String::new(),
            body: String::new(),
            tags: vec![],
            language: "en".into(),
            sectors: vec![],
            tlp,
            community: Some(community(1)),
            recipients: vec![user(1)],
            recipient_orgs: vec![org(2)],
        };
        assert_eq!(document_keys(&org(0), &d(Tlp::Clear))[0], "all");
        assert_eq!(document_keys(&org(0), &d(Tlp::Green)), vec!["client-of:org-2", "community:c-1", "org:org-0", "org:org-2", "user:u1"]);
        assert_eq!(document_keys(&org(0), &d(Tlp::Amber)), vec!["client-of:org-2", "org:org-0", "org:org-2", "user:u1"]);
        assert_eq!(document_keys(&org(0), &d(Tlp::AmberStrict)), vec!["org:org-0", "org:org-2", "user:u1"]);
        assert_eq!(document_keys(&org(0), &d(Tlp::Red)), vec!["org:org-0", "user:u1"]);
    }
}
