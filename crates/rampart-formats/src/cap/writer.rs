//! [`Alert`] → CAP XML: the elements in the schema's order, two-space indentation,
//! text escaped so that reading it back gives the same text, signatures verbatim.

use super::{Alert, Area, Info, NameValue, Resource};

/// Writes an alert as CAP XML in its own namespace (1.2 or 1.1). The alert should be
/// valid ([`super::validate`]); the writer does not judge values.
pub fn write(alert: &Alert) -> String {
    let mut w = Writer { out: String::with_capacity(2048) };
    w.out.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<alert xmlns=\"");
    w.out.push_str(alert.version.namespace());
    w.out.push('"');
    for (prefix, uri) in &alert.namespace_declarations {
        w.out.push_str(" xmlns:");
        w.out.push_str(prefix);
        w.out.push_str("=\"");
        escape_into(&mut w.out, uri);
        w.out.push('"');
    }
    w.out.push_str(">\n");
    w.leaf(1, "identifier", &alert.identifier);
    w.leaf(1, "sender", &alert.sender);
    w.leaf(1, "sent", &alert.sent);
    w.leaf(1, "status", alert.status.as_str());
    w.leaf(1, "msgType", alert.msg_type.as_str());
    w.opt(1, "source", &alert.source);
    w.leaf(1, "scope", alert.scope.as_str());
    w.opt(1, "restriction", &alert.restriction);
    w.opt(1, "addresses", &alert.addresses);
    for code in &alert.codes {
        w.leaf(1, "code", code);
    }
    w.opt(1, "note", &alert.note);
    w.opt(1, "references", &alert.references);
    w.opt(1, "incidents", &alert.incidents);
    for info in &alert.infos {
        w.info(info);
    }
    for signature in &alert.signatures {
        w.out.push_str("  ");
        w.out.push_str(signature);
        w.out.push('\n');
    }
    w.out.push_str("</alert>\n");
    w.out
}

struct Writer {
    out: String,
}

/// Escapes what XML text and attribute values cannot hold literally. `\r` is written as
/// a character reference because a reader turns a literal one into `\n`.
fn escape_into(out: &mut String, text: &str) {
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\r' => out.push_str("&#13;"),
            c => out.push(c),
        }
    }
}

impl Writer {
    fn indent(&mut self, depth: usize) {
        for _ in 0..depth {
            self.out.push_str("  ");
        }
    }

    fn open(&mut self, depth: usize, name: &str) {
        self.indent(depth);
        self.out.push('<');
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn close(&mut self, depth: usize, name: &str) {
        self.indent(depth);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn leaf(&mut self, depth: usize, name: &str, text: &str) {
        self.indent(depth);
        self.out.push('<');
        self.out.push_str(name);
        self.out.push('>');
        escape_into(&mut self.out, text);
        self.out.push_str("</");
        self.out.push_str(name);
        self.out.push_str(">\n");
    }

    fn opt(&mut self, depth: usize, name: &str, text: &Option<String>) {
        if let Some(text) = text {
            self.leaf(depth, name, text);
        }
    }

    fn name_value(&mut self, depth: usize, name: &str, nv: &NameValue) {
        self.open(depth, name);
        self.leaf(depth + 1, "valueName", &nv.value_name);
        self.leaf(depth + 1, "value", &nv.value);
        self.close(depth, name);
    }

    fn info(&mut self, info: &Info) {
        self.open(1, "info");
        self.opt(2, "language", &info.language);
        for c in &info.categories {
            self.leaf(2, "category", c.as_str());
        }
        self.leaf(2, "event", &info.event);
        for r in &info.response_types {
            self.leaf(2, "responseType", r.as_str());
        }
        self.leaf(2, "urgency", info.urgency.as_str());
        self.leaf(2, "severity", info.severity.as_str());
        self.leaf(2, "certainty", info.certainty.as_str());
        self.opt(2, "audience", &info.audience);
        for nv in &info.event_codes {
            self.name_value(2, "eventCode", nv);
        }
        self.opt(2, "effective", &info.effective);
        self.opt(2, "onset", &info.onset);
        self.opt(2, "expires", &info.expires);
        self.opt(2, "senderName", &info.sender_name);
        self.opt(2, "headline", &info.headline);
        self.opt(2, "description", &info.description);
        self.opt(2, "instruction", &info.instruction);
        self.opt(2, "web", &info.web);
        self.opt(2, "contact", &info.contact);
        for nv in &info.parameters {
            self.name_value(2, "parameter", nv);
        }
        for r in &info.resources {
            self.resource(r);
        }
        for a in &info.areas {
            self.area(a);
        }
        self.close(1, "info");
    }

    fn resource(&mut self, r: &Resource) {
        self.open(2, "resource");
        self.leaf(3, "resourceDesc", &r.resource_desc);
        self.opt(3, "mimeType", &r.mime_type);
        self.opt(3, "size", &r.size);
        self.opt(3, "uri", &r.uri);
        self.opt(3, "derefUri", &r.deref_uri);
        self.opt(3, "digest", &r.digest);
        self.close(2, "resource");
    }

    fn area(&mut self, a: &Area) {
        self.open(2, "area");
        self.leaf(3, "areaDesc", &a.area_desc);
        for p in &a.polygons {
            self.leaf(3, "polygon", p);
        }
        for c in &a.circles {
            self.leaf(3, "circle", c);
        }
        for g in &a.geocodes {
            self.name_value(3, "geocode", g);
        }
        self.opt(3, "altitude", &a.altitude);
        self.opt(3, "ceiling", &a.ceiling);
        self.close(2, "area");
    }
}
