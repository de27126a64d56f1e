//! CAP XML → [`Alert`], on quick-xml's streaming reader. The structure (element order
//! and cardinality, namespaces, text-only leaves, enumerations) is checked while
//! reading, with the byte offset of each problem; the value rules
//! ([`super::rules::check_rules`]) run on the finished alert, and only when they find
//! something is the text read a second time to learn where each offending element is.

use super::rules::check_rules;
use super::{
    Alert, Area, CapError, CapErrors, CapVersion, Category, Certainty, Info, MsgType, NameValue, Resource,
    ResponseType, Scope, Severity, Status, Urgency, NS_CAP_1_1, NS_CAP_1_2, NS_XMLDSIG,
};
use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;
use std::collections::HashMap;

/// Reads one CAP 1.2 (or 1.1) alert. `file` only labels the errors.
pub fn read(xml: &str, file: Option<&str>) -> Result<Alert, CapErrors> {
    let mut parser = Parser::new(xml, false);
    let alert = parser.document();
    let mut located = std::mem::take(&mut parser.errors);
    if let (Ok(alert), true) = (alert, located.is_empty()) {
        let problems = check_rules(&alert);
        if problems.is_empty() {
            return Ok(alert);
        }
        let mut again = Parser::new(xml, true);
        let _ = again.document();
        let positions = again.positions.unwrap_or_default();
        for p in problems {
            located.push(Located { offset: locate(&positions, &p.path), path: p.path, message: p.message });
        }
    }
    Err(CapErrors(
        located
            .into_iter()
            .map(|l| CapError {
                file: file.map(str::to_owned),
                position: Some(line_column(xml, l.offset)),
                path: l.path,
                message: l.message,
            })
            .collect(),
    ))
}

/// The offset of the element at `path`, or of its nearest recorded ancestor (a rule
/// about a missing element points at its parent).
fn locate(positions: &HashMap<String, u64>, path: &str) -> u64 {
    let mut p = path;
    loop {
        if let Some(&offset) = positions.get(p) {
            return offset;
        }
        match p.rfind('/') {
            Some(i) => p = &p[..i],
            None => return 0,
        }
    }
}

fn line_column(src: &str, offset: u64) -> (usize, usize) {
    let bytes = src.as_bytes();
    let end = (offset as usize).min(bytes.len());
    let before = &bytes[..end];
    let line_start = before.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = before.iter().filter(|&&b| b == b'\n').count() + 1;
    let column = before[line_start..].iter().filter(|&&b| b & 0xC0 != 0x80).count() + 1;
    (line, column)
}

struct Located {
    offset: u64,
    path: String,
    message: String,
}

/// A problem that ends the reading (malformed XML); already recorded.
struct Fatal;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ns {
    Cap(CapVersion),
    Dsig,
    Other,
}

enum Child<'a> {
    Element { start: BytesStart<'a>, empty: bool, offset: u64, ns: Ns },
    End,
}

#[derive(Clone, Copy)]
struct Slot {
    name: &'static str,
    min: u8,
    many: bool,
}

const fn one(name: &'static str) -> Slot {
    Slot { name, min: 1, many: false }
}
const fn opt(name: &'static str) -> Slot {
    Slot { name, min: 0, many: false }
}
const fn some(name: &'static str) -> Slot {
    Slot { name, min: 1, many: true }
}
const fn any(name: &'static str) -> Slot {
    Slot { name, min: 0, many: true }
}

const ALERT: &[Slot] = &[
    one("identifier"),
    one("sender"),
    one("sent"),
    one("status"),
    one("msgType"),
    opt("source"),
    one("scope"),
    opt("restriction"),
    opt("addresses"),
    any("code"),
    opt("note"),
    opt("references"),
    opt("incidents"),
    any("info"),
];
const INFO: &[Slot] = &[
    opt("language"),
    some("category"),
    one("event"),
    any("responseType"),
    one("urgency"),
    one("severity"),
    one("certainty"),
    opt("audience"),
    any("eventCode"),
    opt("effective"),
    opt("onset"),
    opt("expires"),
    opt("senderName"),
    opt("headline"),
    opt("description"),
    opt("instruction"),
    opt("web"),
    opt("contact"),
    any("parameter"),
    any("resource"),
    any("area"),
];
// `mimeType` is required in 1.2 only; the rules check that.
const RESOURCE: &[Slot] =
    &[one("resourceDesc"), opt("mimeType"), opt("size"), opt("uri"), opt("derefUri"), opt("digest")];
const AREA: &[Slot] = &[one("areaDesc"), any("polygon"), any("circle"), any("geocode"), opt("altitude"), opt("ceiling")];
const NAME_VALUE: &[Slot] = &[one("valueName"), one("value")];

/// Where in a `xs:sequence` the children read so far have got to.
struct Seq {
    slots: &'static [Slot],
    pos: usize,
    count: usize,
}

impl Seq {
    fn new(slots: &'static [Slot]) -> Seq {
        Seq { slots, pos: 0, count: 0 }
    }

    /// Accepts the next child: its slot, and the required elements skipped to reach it
    /// (reported as missing, after which reading goes on from the child).
    fn next(&mut self, name: &[u8]) -> Result<(Slot, Vec<&'static str>), String> {
        let (mut p, mut c) = (self.pos, self.count);
        let mut skipped = Vec::new();
        while p < self.slots.len() {
            let slot = self.slots[p];
            if slot.name.as_bytes() == name {
                if c > 0 && !slot.many {
                    return Err(format!("<{}> may appear only once here", slot.name));
                }
                self.pos = p;
                self.count = c + 1;
                return Ok((slot, skipped));
            }
            if c < usize::from(slot.min) {
                skipped.push(slot.name);
            }
            p += 1;
            c = 0;
        }
        let known = self.slots.iter().any(|s| s.name.as_bytes() == name);
        let what = if known { "is out of order" } else { "is not a CAP element here" };
        Err(format!("<{}> {what}; {}", String::from_utf8_lossy(name), self.expected()))
    }

    fn index(&self) -> usize {
        self.count - 1
    }

    fn expected(&self) -> String {
        let mut names = Vec::new();
        let (mut p, mut c) = (self.pos, self.count);
        while p < self.slots.len() {
            let slot = self.slots[p];
            if c == 0 || slot.many {
                names.push(format!("<{}>", slot.name));
            }
            if c < usize::from(slot.min) {
                break;
            }
            p += 1;
            c = 0;
        }
        if names.is_empty() {
            "expected no more elements".into()
        } else {
            format!("expected {}", names.join(" or "))
        }
    }

    /// The required elements never seen.
    fn missing(&self) -> Vec<&'static str> {
        let (mut p, mut c) = (self.pos, self.count);
        let mut out = Vec::new();
        while p < self.slots.len() {
            if c < usize::from(self.slots[p].min) {
                out.push(self.slots[p].name);
            }
            p += 1;
            c = 0;
        }
        out
    }
}

fn classify(version: CapVersion, ns: &ResolveResult) -> Ns {
    match ns {
        ResolveResult::Bound(n) if n.as_ref() == version.namespace().as_bytes() => Ns::Cap(version),
        ResolveResult::Bound(n) if n.as_ref() == NS_XMLDSIG.as_bytes() => Ns::Dsig,
        _ => Ns::Other,
    }
}

struct Parser<'a> {
    src: &'a str,
    r: NsReader<&'a [u8]>,
    version: CapVersion,
    errors: Vec<Located>,
    path: Vec<(&'static str, Option<usize>)>,
    positions: Option<HashMap<String, u64>>,
}

impl<'a> Parser<'a> {
    fn new(src: &'a str, record_positions: bool) -> Parser<'a> {
        Parser {
            src,
            r: NsReader::from_str(src),
            version: CapVersion::V1_2,
            errors: Vec::new(),
            path: Vec::new(),
            positions: record_positions.then(HashMap::new),
        }
    }

    fn path_string(&self) -> String {
        let mut s = String::new();
        for (i, (name, index)) in self.path.iter().enumerate() {
            if i > 0 {
                s.push('/');
            }
            s.push_str(name);
            if let Some(index) = index {
                s.push_str(&format!("[{index}]"));
            }
        }
        s
    }

    fn error(&mut self, offset: u64, message: impl Into<String>) {
        let path = self.path_string();
        self.errors.push(Located { offset, path, message: message.into() });
    }

    fn fatal(&mut self, offset: u64, message: impl Into<String>) -> Fatal {
        self.error(offset, message);
        Fatal
    }

    fn malformed(&mut self, e: impl std::fmt::Display) -> Fatal {
        let at = self.r.error_position();
        self.fatal(at, format!("malformed XML: {e}"))
    }

    fn enter(&mut self, name: &'static str, index: Option<usize>, offset: u64) {
        self.path.push((name, index));
        if self.positions.is_some() {
            let p = self.path_string();
            if let Some(map) = self.positions.as_mut() {
                map.entry(p).or_insert(offset);
            }
        }
    }

    fn leave(&mut self) {
        self.path.pop();
    }

    /// The next child element of the current element, or its end. Whitespace,
    /// comments and processing instructions between elements are skipped.
    fn next_child(&mut self) -> Result<Child<'a>, Fatal> {
        loop {
            let offset = self.r.buffer_position();
            let version = self.version;
            let (ns, event) = match self.r.read_resolved_event() {
                Ok((ns, event)) => (classify(version, &ns), event),
                Err(e) => return Err(self.malformed(e)),
            };
            match event {
                Event::Start(start) => return Ok(Child::Element { start, empty: false, offset, ns }),
                Event::Empty(start) => return Ok(Child::Element { start, empty: true, offset, ns }),
                Event::End(_) => return Ok(Child::End),
                Event::Text(t) if t.iter().all(u8::is_ascii_whitespace) => {}
                Event::Text(_) | Event::CData(_) | Event::GeneralRef(_) => {
                    self.error(offset, "unexpected text between elements; expected elements only")
                }
                Event::Eof => {
                    let at = self.path_string();
                    return Err(self.fatal(offset, format!("malformed XML: the file ends inside <{at}>")));
                }
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
            }
        }
    }

    /// Skips the rest of an element whose start was just read.
    fn skip(&mut self, start: &BytesStart<'a>, empty: bool) -> Result<(), Fatal> {
        if !empty {
            if let Err(e) = self.r.read_to_end(start.name()) {
                return Err(self.malformed(e));
            }
        }
        Ok(())
    }

    /// CAP elements carry no attributes; namespace declarations are allowed.
    fn no_attributes(&mut self, start: &BytesStart<'a>, offset: u64) {
        if start.attributes_raw().iter().all(u8::is_ascii_whitespace) {
            return;
        }
        for attr in start.attributes() {
            match attr {
                Ok(a) if a.key.as_namespace_binding().is_some() => {}
                Ok(a) => {
                    let key = String::from_utf8_lossy(a.key.as_ref()).into_owned();
                    self.error(offset, format!("unexpected attribute {key:?}; CAP elements have no attributes"));
                }
                Err(e) => self.error(offset, format!("malformed XML: {e}")),
            }
        }
    }

    /// The text content of a leaf element whose start was just read.
    fn text(&mut self, empty: bool) -> Result<String, Fatal> {
        let mut out = String::new();
        if empty {
            return Ok(out);
        }
        loop {
            let offset = self.r.buffer_position();
            let event = match self.r.read_event() {
                Ok(e) => e,
                Err(e) => return Err(self.malformed(e)),
            };
            match event {
                Event::Text(t) => match t.xml10_content() {
                    Ok(s) if out.is_empty() => out = s.into_owned(),
                    Ok(s) => out.push_str(&s),
                    Err(e) => return Err(self.malformed(e)),
                },
                Event::CData(c) => match c.xml10_content() {
                    Ok(s) => out.push_str(&s),
                    Err(e) => return Err(self.malformed(e)),
                },
                Event::GeneralRef(r) => {
                    let resolved = match r.resolve_char_ref() {
                        Ok(Some(c)) => Some(c.to_string()),
                        Ok(None) => r
                            .decode()
                            .ok()
                            .and_then(|name| quick_xml::escape::resolve_predefined_entity(&name))
                            .map(str::to_owned),
                        Err(_) => None,
                    };
                    match resolved {
                        Some(s) => out.push_str(&s),
                        None => {
                            let name = String::from_utf8_lossy(&r).into_owned();
                            self.error(offset, format!("unknown entity &{name};"))
                        }
                    }
                }
                Event::End(_) => return Ok(out),
                Event::Start(s) | Event::Empty(s) => {
                    // Reading stops here: what follows cannot be placed reliably.
                    let name = String::from_utf8_lossy(s.local_name().as_ref()).into_owned();
                    return Err(self.fatal(offset, format!("expected text only; found element <{name}>")));
                }
                Event::Eof => {
                    let at = self.path_string();
                    return Err(self.fatal(offset, format!("malformed XML: the file ends inside <{at}>")));
                }
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
            }
        }
    }

    fn parse_enum<T>(&mut self, empty: bool, offset: u64, parse: fn(&str) -> Result<T, String>) -> Result<Option<T>, Fatal> {
        let text = self.text(empty)?;
        match parse(&text) {
            Ok(v) => Ok(Some(v)),
            Err(m) => {
                self.error(offset, m);
                Ok(None)
            }
        }
    }

    fn document(&mut self) -> Result<Alert, Fatal> {
        loop {
            let offset = self.r.buffer_position();
            let (ns, event) = match self.r.read_resolved_event() {
                Ok((ResolveResult::Bound(n), e)) => (Some(String::from_utf8_lossy(n.as_ref()).into_owned()), e),
                Ok((_, e)) => (None, e),
                Err(e) => return Err(self.malformed(e)),
            };
            match event {
                Event::Start(start) => return self.root(start, false, offset, ns),
                Event::Empty(start) => return self.root(start, true, offset, ns),
                Event::Text(t) if t.iter().all(u8::is_ascii_whitespace) => {}
                Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
                Event::Eof => return Err(self.fatal(offset, "expected an <alert> element; the file has none")),
                _ => return Err(self.fatal(offset, "expected an <alert> element; found text")),
            }
        }
    }

    fn root(&mut self, start: BytesStart<'a>, empty: bool, offset: u64, ns: Option<String>) -> Result<Alert, Fatal> {
        self.version = match ns.as_deref() {
            Some(NS_CAP_1_2) if start.local_name().as_ref() == b"alert" => CapVersion::V1_2,
            Some(NS_CAP_1_1) if start.local_name().as_ref() == b"alert" => CapVersion::V1_1,
            _ => {
                let found = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                let in_ns = ns.map_or("no namespace".to_owned(), |n| format!("namespace {n}"));
                return Err(self.fatal(
                    offset,
                    format!("expected <alert> in namespace {NS_CAP_1_2} (or {NS_CAP_1_1}); found <{found}> in {in_ns}"),
                ));
            }
        };
        let alert = self.alert(&start, empty, offset)?;
        self.trailer()?;
        Ok(alert)
    }

    fn trailer(&mut self) -> Result<(), Fatal> {
        loop {
            let offset = self.r.buffer_position();
            match self.r.read_event() {
                Ok(Event::Eof) => return Ok(()),
                Ok(Event::Text(t)) if t.iter().all(u8::is_ascii_whitespace) => {}
                Ok(Event::Comment(_) | Event::PI(_)) => {}
                Ok(_) => return Err(self.fatal(offset, "malformed XML: content after </alert>")),
                Err(e) => return Err(self.malformed(e)),
            }
        }
    }

    fn alert(&mut self, start: &BytesStart<'a>, empty: bool, offset: u64) -> Result<Alert, Fatal> {
        let mut a = Alert {
            version: self.version,
            namespace_declarations: Vec::new(),
            identifier: String::new(),
            sender: String::new(),
            sent: String::new(),
            status: Status::Actual,
            msg_type: MsgType::Alert,
            source: None,
            scope: Scope::Public,
            restriction: None,
            addresses: None,
            codes: Vec::new(),
            note: None,
            references: None,
            incidents: None,
            infos: Vec::new(),
            signatures: Vec::new(),
        };
        self.enter("alert", None, offset);
        for attr in start.attributes() {
            match attr {
                Ok(attr) => match attr.key.as_namespace_binding() {
                    Some(quick_xml::name::PrefixDeclaration::Default) => {}
                    Some(quick_xml::name::PrefixDeclaration::Named(prefix)) => {
                        let value = attr.unescape_value().map(|v| v.into_owned()).unwrap_or_default();
                        a.namespace_declarations.push((String::from_utf8_lossy(prefix).into_owned(), value));
                    }
                    None => {
                        let key = String::from_utf8_lossy(attr.key.as_ref()).into_owned();
                        self.error(offset, format!("unexpected attribute {key:?}; CAP elements have no attributes"));
                    }
                },
                Err(e) => self.error(offset, format!("malformed XML: {e}")),
            }
        }
        let mut seq = Seq::new(ALERT);
        let mut signed = false;
        let mut end_offset = self.r.buffer_position();
        loop {
            if empty {
                break;
            }
            let Child::Element { start, empty, offset, ns } = self.next_child()? else {
                break;
            };
            if ns == Ns::Dsig && self.version == CapVersion::V1_2 {
                // Signatures come after every CAP element: the sequence is complete.
                if !signed {
                    self.report_missing(&seq, offset);
                    seq.pos = seq.slots.len();
                    signed = true;
                }
                self.skip(&start, empty)?;
                let raw = &self.src[offset as usize..self.r.buffer_position() as usize];
                a.signatures.push(raw.to_owned());
                continue;
            }
            let name = start.local_name();
            if !matches!(ns, Ns::Cap(_)) {
                let found = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                let allowed = match self.version {
                    CapVersion::V1_2 => format!("only CAP elements and XML signatures ({NS_XMLDSIG}) may appear here"),
                    CapVersion::V1_1 => "only CAP 1.1 elements may appear here".to_owned(),
                };
                self.error(offset, format!("<{found}> is not in the CAP namespace; {allowed}"));
                self.skip(&start, empty)?;
                continue;
            }
            if signed {
                let found = String::from_utf8_lossy(name.as_ref()).into_owned();
                self.error(offset, format!("<{found}> is out of order; only XML signatures may follow them"));
                self.skip(&start, empty)?;
                continue;
            }
            let slot = match seq.next(name.as_ref()) {
                Ok((slot, skipped)) => {
                    self.report_skipped(&skipped, slot.name, offset);
                    slot
                }
                Err(message) => {
                    self.error(offset, message);
                    self.skip(&start, empty)?;
                    continue;
                }
            };
            let index = slot.many.then(|| seq.index());
            self.enter(slot.name, index, offset);
            self.no_attributes(&start, offset);
            match slot.name {
                "identifier" => a.identifier = self.text(empty)?,
                "sender" => a.sender = self.text(empty)?,
                "sent" => a.sent = self.text(empty)?,
                "status" => a.status = self.parse_enum(empty, offset, Status::parse)?.unwrap_or(a.status),
                "msgType" => a.msg_type = self.parse_enum(empty, offset, MsgType::parse)?.unwrap_or(a.msg_type),
                "source" => a.source = Some(self.text(empty)?),
                "scope" => a.scope = self.parse_enum(empty, offset, Scope::parse)?.unwrap_or(a.scope),
                "restriction" => a.restriction = Some(self.text(empty)?),
                "addresses" => a.addresses = Some(self.text(empty)?),
                "code" => a.codes.push(self.text(empty)?),
                "note" => a.note = Some(self.text(empty)?),
                "references" => a.references = Some(self.text(empty)?),
                "incidents" => a.incidents = Some(self.text(empty)?),
                _ => a.infos.push(self.info(empty)?),
            }
            self.leave();
            end_offset = self.r.buffer_position();
        }
        if !signed {
            let at = if empty { offset } else { end_offset };
            self.report_missing(&seq, at);
        }
        self.leave();
        Ok(a)
    }

    fn report_skipped(&mut self, skipped: &[&'static str], found: &str, offset: u64) {
        for name in skipped {
            self.error(offset, format!("missing required element <{name}> before <{found}>"));
        }
    }

    fn report_missing(&mut self, seq: &Seq, offset: u64) {
        for name in seq.missing() {
            self.error(offset, format!("missing required element <{name}>"));
        }
    }

    /// Reads the children of a complex element through `seq`, handing each accepted
    /// child to `each`; reports out-of-order, unknown and missing children.
    fn children(
        &mut self,
        empty: bool,
        start_offset: u64,
        slots: &'static [Slot],
        mut each: impl FnMut(&mut Self, &'static str, bool, u64) -> Result<(), Fatal>,
    ) -> Result<(), Fatal> {
        let mut seq = Seq::new(slots);
        let mut last = start_offset;
        loop {
            if empty {
                break;
            }
            let Child::Element { start, empty, offset, ns } = self.next_child()? else {
                break;
            };
            let name = start.local_name();
            if !matches!(ns, Ns::Cap(_)) {
                let found = String::from_utf8_lossy(start.name().as_ref()).into_owned();
                self.error(offset, format!("<{found}> is not in the CAP namespace {}", self.version.namespace()));
                self.skip(&start, empty)?;
                continue;
            }
            let slot = match seq.next(name.as_ref()) {
                Ok((slot, skipped)) => {
                    self.report_skipped(&skipped, slot.name, offset);
                    slot
                }
                Err(message) => {
                    self.error(offset, message);
                    self.skip(&start, empty)?;
                    continue;
                }
            };
            self.enter(slot.name, slot.many.then(|| seq.index()), offset);
            self.no_attributes(&start, offset);
            each(self, slot.name, empty, offset)?;
            self.leave();
            last = self.r.buffer_position();
        }
        self.report_missing(&seq, last);
        Ok(())
    }

    fn info(&mut self, empty: bool) -> Result<Info, Fatal> {
        let mut i = Info {
            language: None,
            categories: Vec::new(),
            event: String::new(),
            response_types: Vec::new(),
            urgency: Urgency::Unknown,
            severity: Severity::Unknown,
            certainty: Certainty::Unknown,
            audience: None,
            event_codes: Vec::new(),
            effective: None,
            onset: None,
            expires: None,
            sender_name: None,
            headline: None,
            description: None,
            instruction: None,
            web: None,
            contact: None,
            parameters: Vec::new(),
            resources: Vec::new(),
            areas: Vec::new(),
        };
        let start = self.r.buffer_position();
        self.children(empty, start, INFO, |p, name, empty, offset| {
            match name {
                "language" => i.language = Some(p.text(empty)?),
                "category" => {
                    if let Some(c) = p.parse_enum(empty, offset, Category::parse)? {
                        i.categories.push(c)
                    }
                }
                "event" => i.event = p.text(empty)?,
                "responseType" => {
                    if let Some(r) = p.parse_enum(empty, offset, ResponseType::parse)? {
                        i.response_types.push(r)
                    }
                }
                "urgency" => i.urgency = p.parse_enum(empty, offset, Urgency::parse)?.unwrap_or(i.urgency),
                "severity" => i.severity = p.parse_enum(empty, offset, Severity::parse)?.unwrap_or(i.severity),
                "certainty" => i.certainty = p.parse_enum(empty, offset, Certainty::parse)?.unwrap_or(i.certainty),
                "audience" => i.audience = Some(p.text(empty)?),
                "eventCode" => i.event_codes.push(p.name_value(empty)?),
                "effective" => i.effective = Some(p.text(empty)?),
                "onset" => i.onset = Some(p.text(empty)?),
                "expires" => i.expires = Some(p.text(empty)?),
                "senderName" => i.sender_name = Some(p.text(empty)?),
                "headline" => i.headline = Some(p.text(empty)?),
                "description" => i.description = Some(p.text(empty)?),
                "instruction" => i.instruction = Some(p.text(empty)?),
                "web" => i.web = Some(p.text(empty)?),
                "contact" => i.contact = Some(p.text(empty)?),
                "parameter" => i.parameters.push(p.name_value(empty)?),
                "resource" => i.resources.push(p.resource(empty)?),
                _ => i.areas.push(p.area(empty)?),
            }
            Ok(())
        })?;
        Ok(i)
    }

    fn name_value(&mut self, empty: bool) -> Result<NameValue, Fatal> {
        let mut nv = NameValue { value_name: String::new(), value: String::new() };
        let start = self.r.buffer_position();
        self.children(empty, start, NAME_VALUE, |p, name, empty, _| {
            let text = p.text(empty)?;
            if name == "valueName" {
                nv.value_name = text
            } else {
                nv.value = text
            }
            Ok(())
        })?;
        Ok(nv)
    }

    fn resource(&mut self, empty: bool) -> Result<Resource, Fatal> {
        let mut r = Resource { resource_desc: String::new(), mime_type: None, size: None, uri: None, deref_uri: None, digest: None };
        let start = self.r.buffer_position();
        self.children(empty, start, RESOURCE, |p, name, empty, _| {
            let text = p.text(empty)?;
            match name {
                "resourceDesc" => r.resource_desc = text,
                "mimeType" => r.mime_type = Some(text),
                "size" => r.size = Some(text),
                "uri" => r.uri = Some(text),
                "derefUri" => r.deref_uri = Some(text),
                _ => r.digest = Some(text),
            }
            Ok(())
        })?;
        Ok(r)
    }

    fn area(&mut self, empty: bool) -> Result<Area, Fatal> {
        let mut a = Area { area_desc: String::new(), polygons: Vec::new(), circles: Vec::new(), geocodes: Vec::new(), altitude: None, ceiling: None };
        let start = self.r.buffer_position();
        self.children(empty, start, AREA, |p, name, empty, _| {
            match name {
                "areaDesc" => a.area_desc = p.text(empty)?,
                "polygon" => a.polygons.push(p.text(empty)?),
                "circle" => a.circles.push(p.text(empty)?),
                "geocode" => a.geocodes.push(p.name_value(empty)?),
                "altitude" => a.altitude = Some(p.text(empty)?),
                _ => a.ceiling = Some(p.text(empty)?),
            }
            Ok(())
        })?;
        Ok(a)
    }
}
