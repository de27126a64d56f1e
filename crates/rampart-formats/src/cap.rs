//! OASIS Common Alerting Protocol (CAP) 1.2 alerts, and 1.1 alerts as published by
//! warning services that have not moved on.
//!
//! [`read`] parses CAP XML with quick-xml's streaming reader into an [`Alert`],
//! enforcing the rules of the official XML schema (element order and cardinality,
//! required elements, enumerations, `xs:dateTime` with an explicit zone, language
//! codes, integers and decimals) and the standard's text rules ([`validate`]:
//! restriction or addresses required by the scope, polygons as closed rings of at least
//! four `lat,lon` pairs, circles as `lat,lon radius`, references as
//! `sender,identifier,sent` triples). Every problem is a [`CapError`] naming file,
//! line, column, element path (`alert/info[0]/area[1]/polygon[0]`) and what was
//! expected. [`write`] turns an alert back into XML.
//!
//! Values are kept as written: text exactly (an element present but empty stays
//! present and empty), times and coordinates as their original strings (parsed on
//! demand by [`CapTime::parse`], [`parse_polygon`], [`parse_circle`]), so that
//! read → write → read is lossless (see `docs/sharing.md` for the precise meaning),
//! and XML signatures (`xmldsig` elements after the last `info`) are kept verbatim.
//!
//! ```
//! let xml = r#"<alert xmlns="urn:oasis:names:tc:emergency:cap:1.2">
//!   <identifier>RAMPART-1</identifier><sender>ops@example.eu</sender>
//!   <sent>2026-11-22T13:00:00+01:00</sent><status>Exercise</status>
//!   <msgType>Alert</msgType><scope>Public</scope></alert>"#;
//! let alert = rampart_formats::cap::read(xml, Some("a.xml")).unwrap();
//! assert_eq!(alert.identifier, "RAMPART-1");
//! let again = rampart_formats::cap::read(&rampart_formats::cap::write(&alert), None).unwrap();
//! assert_eq!(alert, again);
//! ```

mod canonical;
mod geo_area;
mod reader;
mod rules;
mod writer;

pub use canonical::{canonical, CanonicalEvent};
pub use reader::read;
pub use rules::{parse_circle, parse_polygon, parse_references, validate, CapTime, Circle, Reference};
pub use writer::write;

use serde::{Deserialize, Serialize};
use std::fmt;

pub const NS_CAP_1_2: &str = "urn:oasis:names:tc:emergency:cap:1.2";
pub const NS_CAP_1_1: &str = "urn:oasis:names:tc:emergency:cap:1.1";
pub const NS_XMLDSIG: &str = "http://www.w3.org/2000/09/xmldsig#";

/// Which CAP namespace an alert is written in. Kept so a 1.1 alert is written back as
/// 1.1; the rules differ only where the 1.1 schema differs (no `Avoid`/`AllClear`
/// response types, `mimeType` optional, no signatures).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
pub enum CapVersion {
    #[serde(rename = "1.1")]
    V1_1,
    #[default]
    #[serde(rename = "1.2")]
    V1_2,
}

impl CapVersion {
    pub fn namespace(self) -> &'static str {
        match self {
            CapVersion::V1_1 => NS_CAP_1_1,
            CapVersion::V1_2 => NS_CAP_1_2,
        }
    }
}

macro_rules! cap_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal { $($variant:ident),* $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        pub enum $name { $($variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];

            /// The token CAP writes.
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => stringify!($variant)),* }
            }

            /// Exact match, as the schema's `xs:string` enumeration requires.
            pub fn parse(s: &str) -> Result<$name, String> {
                match s {
                    $(stringify!($variant) => Ok($name::$variant),)*
                    _ => Err(format!(
                        "expected {} to be one of {}; found {:?}",
                        $what,
                        [$(stringify!($variant)),*].join(", "),
                        s
                    )),
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result { f.write_str(self.as_str()) }
        }
    };
}

cap_enum!(
    /// `alert/status`.
    Status, "status" { Actual, Exercise, System, Test, Draft }
);
cap_enum!(
    /// `alert/msgType`.
    MsgType, "msgType" { Alert, Update, Cancel, Ack, Error }
);
cap_enum!(
    /// `alert/scope`: Restricted needs `restriction`, Private needs `addresses`.
    Scope, "scope" { Public, Restricted, Private }
);
cap_enum!(
    /// `info/category`.
    Category, "category" { Geo, Met, Safety, Security, Rescue, Fire, Health, Env, Transport, Infra, CBRNE, Other }
);
cap_enum!(
    /// `info/responseType`; `Avoid` and `AllClear` are new in CAP 1.2.
    ResponseType, "responseType" { Shelter, Evacuate, Prepare, Execute, Avoid, Monitor, Assess, AllClear, None }
);
cap_enum!(
    /// `info/urgency`.
    Urgency, "urgency" { Immediate, Expected, Future, Past, Unknown }
);
cap_enum!(
    /// `info/severity`.
    Severity, "severity" { Extreme, Severe, Moderate, Minor, Unknown }
);
cap_enum!(
    /// `info/certainty`.
    Certainty, "certainty" { Observed, Likely, Possible, Unlikely, Unknown }
);

/// A CAP alert message. Optional elements are `Option`s: `Some("")` is an element
/// present but empty, which some publishers write and a lossless round trip keeps.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub version: CapVersion,
    /// Prefixed namespace declarations on `<alert>` (`xmlns:p="…"`), kept because a
    /// signature may use them.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub namespace_declarations: Vec<(String, String)>,
    pub identifier: String,
    pub sender: String,
    /// `xs:dateTime` with an explicit zone, as written; see [`CapTime`].
    pub sent: String,
    pub status: Status,
    pub msg_type: MsgType,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    pub scope: Scope,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub restriction: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub addresses: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
    /// Space-separated `sender,identifier,sent` triples; see [`parse_references`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub references: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub incidents: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub infos: Vec<Info>,
    /// XML signature elements (`http://www.w3.org/2000/09/xmldsig#`), verbatim.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<String>,
}

/// `valueName`/`value` pairs: eventCode, parameter, geocode.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameValue {
    pub value_name: String,
    pub value: String,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Info {
    /// RFC 3066 / `xs:language`; absent means `en-US`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    pub categories: Vec<Category>,
    pub event: String,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub response_types: Vec<ResponseType>,
    pub urgency: Urgency,
    pub severity: Severity,
    pub certainty: Certainty,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audience: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub event_codes: Vec<NameValue>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub effective: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub onset: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expires: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sender_name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub headline: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub instruction: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub web: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub parameters: Vec<NameValue>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub resources: Vec<Resource>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub areas: Vec<Area>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Resource {
    pub resource_desc: String,
    /// Required in CAP 1.2, optional in 1.1.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub mime_type: Option<String>,
    /// `xs:integer`, approximate size in bytes, as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub size: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    /// The resource itself, base64.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deref_uri: Option<String>,
    /// SHA-1 of the resource, hex.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub digest: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Area {
    pub area_desc: String,
    /// Each as written; see [`parse_polygon`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub polygons: Vec<String>,
    /// Each as written; see [`parse_circle`].
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub circles: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub geocodes: Vec<NameValue>,
    /// Feet above mean sea level (`xs:decimal`), as written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub altitude: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ceiling: Option<String>,
}

/// One problem with a CAP alert: where (file, line and column when read from XML;
/// always the element path) and what was expected.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapError {
    pub file: Option<String>,
    /// 1-based line and column, when the alert was read from XML.
    pub position: Option<(usize, usize)>,
    /// E.g. `alert/info[0]/area[1]/polygon[0]`.
    pub path: String,
    pub message: String,
}

impl fmt::Display for CapError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (&self.file, self.position) {
            (Some(file), Some((line, col))) => write!(f, "{file}:{line}:{col}: ")?,
            (Some(file), None) => write!(f, "{file}: ")?,
            (None, Some((line, col))) => write!(f, "line {line}, column {col}: ")?,
            (None, None) => {}
        }
        if self.path.is_empty() {
            f.write_str(&self.message)
        } else {
            write!(f, "{}: {}", self.path, self.message)
        }
    }
}

impl std::error::Error for CapError {}

/// All the problems of one alert, one per line when displayed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CapErrors(pub Vec<CapError>);

impl fmt::Display for CapErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str("\n")?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

impl std::error::Error for CapErrors {}

impl Area {
    /// The area as a geo multipolygon (x = longitude, y = latitude): each polygon, and
    /// each circle approximated by a 64-sided polygon on the sphere. Circles of radius
    /// 0 (a point) and empty polygons contribute nothing. The area must be valid.
    pub fn to_geo(&self) -> geo::MultiPolygon<f64> {
        geo_area::area_to_geo(self)
    }
}
