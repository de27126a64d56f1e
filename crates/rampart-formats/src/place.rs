//! Where a record or a problem is in the input, and how that is written in messages.

use std::fmt;
use std::sync::Arc;

/// A file and a position in it.
#[derive(Debug, Clone, PartialEq)]
pub struct Place {
    /// The file as the user named it (a path or an upload's name).
    pub file: Arc<str>,
    pub at: At,
}

/// A position within a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum At {
    /// The file as a whole.
    File,
    /// A GeoJSON feature, 0-based: `features[12]`.
    Feature(u64),
    /// An entry of a GeoJSON file's `organisations` member, 0-based.
    Organisation(u64),
    /// A CSV line, 1-based; the header is line 1.
    Line(u64),
    /// A character position (malformed JSON), both 1-based.
    Position { line: u64, column: u64 },
    /// An OpenStreetMap element.
    Osm(OsmElement),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum OsmElement {
    Node(i64),
    Way(i64),
    Relation(i64),
}

impl fmt::Display for OsmElement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            OsmElement::Node(id) => write!(f, "node/{id}"),
            OsmElement::Way(id) => write!(f, "way/{id}"),
            OsmElement::Relation(id) => write!(f, "relation/{id}"),
        }
    }
}

impl Place {
    pub fn new(file: &Arc<str>, at: At) -> Place {
        Place { file: file.clone(), at }
    }

    /// An issue about `field` of the record at this place.
    pub fn issue(&self, field: impl Into<String>, message: impl Into<String>) -> Issue {
        let field = field.into();
        Issue { place: self.clone(), field: (!field.is_empty()).then_some(field), message: message.into() }
    }
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.file)?;
        match self.at {
            At::File => Ok(()),
            At::Feature(i) => write!(f, ": features[{i}]"),
            At::Organisation(i) => write!(f, ": organisations[{i}]"),
            At::Line(n) => write!(f, ": line {n}"),
            At::Position { line, column } => write!(f, ": line {line}, column {column}"),
            At::Osm(e) => write!(f, ": {e}"),
        }
    }
}

/// One problem with the input, naming file, record and field.
///
/// Written as `assets.geojson: features[12].properties.country: expected …`,
/// `assets.csv: line 5, column lat: …`, `data.json: line 3, column 17: …` or
/// `Helsinki.osm.pbf: way/42: geometry: …`.
#[derive(Debug, Clone, PartialEq)]
pub struct Issue {
    pub place: Place,
    /// The field: a path within a GeoJSON feature (`properties.country`), a CSV
    /// column name, or a record field (OSM).
    pub field: Option<String>,
    pub message: String,
}

impl fmt::Display for Issue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.place)?;
        match (&self.field, self.place.at) {
            (None, _) => {}
            (Some(field), At::Feature(_) | At::Organisation(_)) => write!(f, ".{field}")?,
            (Some(field), At::Line(_)) => write!(f, ", column {field}")?,
            (Some(field), _) => write!(f, ": {field}")?,
        }
        write!(f, ": {}", self.message)
    }
}

impl Issue {
    /// The place within the file as written in messages: `features[12]`,
    /// `line 5`, `node/42`, or empty for the file as a whole.
    pub fn position(&self) -> String {
        let whole = self.place.to_string();
        whole.strip_prefix(&*self.place.file).map(|rest| rest.trim_start_matches(": ").to_string()).unwrap_or_default()
    }
}

/// `{"file", "position", "field", "message", "text"}` for API responses.
impl serde::Serialize for Issue {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let mut st = s.serialize_struct("Issue", 5)?;
        st.serialize_field("file", &*self.place.file)?;
        st.serialize_field("position", &self.position())?;
        st.serialize_field("field", &self.field)?;
        st.serialize_field("message", &self.message)?;
        st.serialize_field("text", &self.to_string())?;
        st.end()
    }
}
