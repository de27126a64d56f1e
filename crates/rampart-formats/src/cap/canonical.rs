//! What "the same XML" means for a lossless round trip: the same elements (by
//! namespace and local name, so prefixes do not matter), the same attributes (by
//! namespace and name, in any order, namespace declarations aside) and the same text,
//! where whitespace-only text between elements is insignificant and the XML
//! declaration, comments, processing instructions and the document type are dropped.
//! Entity and character references, CDATA sections and `<a/>` versus `<a></a>` are
//! spellings of the same thing.

use quick_xml::events::{BytesStart, Event};
use quick_xml::name::ResolveResult;
use quick_xml::NsReader;

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CanonicalEvent {
    Start {
        namespace: Option<String>,
        name: String,
        /// `(namespace, local name, value)`, sorted.
        attributes: Vec<(Option<String>, String, String)>,
    },
    Text(String),
    End,
}

fn namespace(ns: ResolveResult) -> Option<String> {
    match ns {
        ResolveResult::Bound(n) => Some(String::from_utf8_lossy(n.as_ref()).into_owned()),
        _ => None,
    }
}

/// The canonical events of a document; an error for malformed XML.
pub fn canonical(xml: &str) -> Result<Vec<CanonicalEvent>, String> {
    let mut r = NsReader::from_str(xml);
    let mut out: Vec<CanonicalEvent> = Vec::new();
    let mut text = String::new();
    let flush = |out: &mut Vec<CanonicalEvent>, text: &mut String, closing: bool| {
        let just_opened = matches!(out.last(), Some(CanonicalEvent::Start { .. }));
        let significant = !text.chars().all(char::is_whitespace) || (closing && just_opened && !text.is_empty());
        if significant {
            out.push(CanonicalEvent::Text(std::mem::take(text)));
        }
        text.clear();
    };
    loop {
        let (element_ns, event) = match r.read_resolved_event() {
            Ok((ns, event)) => (namespace(ns), event),
            Err(e) => return Err(format!("malformed XML at byte {}: {e}", r.error_position())),
        };
        match event {
            Event::Start(s) => {
                flush(&mut out, &mut text, false);
                out.push(start(&r, &s, element_ns)?);
            }
            Event::Empty(s) => {
                flush(&mut out, &mut text, false);
                out.push(start(&r, &s, element_ns)?);
                out.push(CanonicalEvent::End);
            }
            Event::End(_) => {
                flush(&mut out, &mut text, true);
                out.push(CanonicalEvent::End);
            }
            Event::Text(t) => text.push_str(&t.xml10_content().map_err(|e| e.to_string())?),
            Event::CData(c) => text.push_str(&c.xml10_content().map_err(|e| e.to_string())?),
            Event::GeneralRef(g) => {
                if let Some(c) = g.resolve_char_ref().map_err(|e| e.to_string())? {
                    text.push(c);
                } else {
                    let name = g.decode().map_err(|e| e.to_string())?;
                    let v = quick_xml::escape::resolve_predefined_entity(&name).ok_or_else(|| format!("unknown entity &{name};"))?;
                    text.push_str(v);
                }
            }
            Event::Eof => break,
            Event::Comment(_) | Event::PI(_) | Event::Decl(_) | Event::DocType(_) => {}
        }
    }
    Ok(out)
}

fn start(r: &NsReader<&[u8]>, s: &BytesStart, namespace_: Option<String>) -> Result<CanonicalEvent, String> {
    let mut attributes = Vec::new();
    for a in s.attributes() {
        let a = a.map_err(|e| e.to_string())?;
        if a.key.as_namespace_binding().is_some() {
            continue;
        }
        let (ans, local) = r.resolve_attribute(a.key);
        let value = a.unescape_value().map_err(|e| e.to_string())?.into_owned();
        attributes.push((namespace(ans), String::from_utf8_lossy(local.as_ref()).into_owned(), value));
    }
    attributes.sort();
    Ok(CanonicalEvent::Start {
        namespace: namespace_,
        name: String::from_utf8_lossy(s.local_name().as_ref()).into_owned(),
        attributes,
    })
}
