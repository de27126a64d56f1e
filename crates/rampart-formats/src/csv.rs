//! CSV: one file per record type, with documented columns (docs/formats.md).
//!
//! Every row becomes a JSON object and goes through the domain parser, so the
//! rules are those of the API. Empty cells are absent values. Columns nobody
//! knows are refused (a typo must not be dropped silently), except `attr.<name>`
//! columns of assets, which become free attributes.

use crate::geojson::{invalid, ORG_FIELDS};
use crate::{At, Event, Flow, Place, Record};
use rampart_core::fields::Object;
use rampart_core::{Asset, Dependency, NetworkLink, Organisation};
use serde_json::Value;
use std::io::{BufRead, Read};
use std::sync::Arc;

/// Which record type a CSV file holds.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Table {
    Organisations,
    Assets,
    Dependencies,
    Links,
}

/// The asset columns, in the order the exporter writes them.
pub const ASSET_COLUMNS: [&str; 16] = [
    "id", "name", "kind", "sector", "subsector", "category", "lon", "lat", "geometry", "country", "operator_id",
    "people_served", "peak_occupancy", "value_per_day", "restoration_hours", "attributes",
];

impl Table {
    pub const ALL: [Table; 4] = [Table::Organisations, Table::Assets, Table::Dependencies, Table::Links];

    /// The columns a file of this table may have.
    pub fn columns(self) -> &'static [&'static str] {
        match self {
            Table::Organisations => &ORG_FIELDS,
            Table::Assets => &ASSET_COLUMNS,
            Table::Dependencies => &Dependency::FIELDS,
            Table::Links => &NetworkLink::FIELDS,
        }
    }

    /// Columns that must be present in the header.
    fn required(self) -> &'static [&'static str] {
        match self {
            Table::Organisations => &["id", "name", "kind"],
            Table::Assets => &["id", "name", "country"],
            Table::Dependencies => &["supplier_id", "dependent_id", "service"],
            Table::Links => &["network", "from_id", "to_id"],
        }
    }

    /// The usual file name, e.g. `assets.csv`.
    pub fn file_name(self) -> &'static str {
        match self {
            Table::Organisations => "organisations.csv",
            Table::Assets => "assets.csv",
            Table::Dependencies => "dependencies.csv",
            Table::Links => "links.csv",
        }
    }

    /// Guesses the table from a file name, then from the header's columns.
    pub fn detect(file_name: &str, header: &[&str]) -> Option<Table> {
        let name = file_name.to_ascii_lowercase();
        let by_name = [
            ("organi", Table::Organisations),
            ("dependenc", Table::Dependencies),
            ("link", Table::Links),
            ("asset", Table::Assets),
        ];
        if let Some((_, t)) = by_name.iter().find(|(stem, _)| name.contains(stem)) {
            return Some(*t);
        }
        let has = |c: &str| header.contains(&c);
        if has("supplier_id") {
            Some(Table::Dependencies)
        } else if has("from_id") {
            Some(Table::Links)
        } else if has("lon") || has("geometry") || has("sector") || has("category") {
            Some(Table::Assets)
        } else if !header.is_empty() && header.iter().all(|c| ORG_FIELDS.contains(c)) {
            Some(Table::Organisations)
        } else {
            None
        }
    }
}

/// What a column of the header means.
#[derive(Debug, Clone, PartialEq)]
enum Column {
    Field(&'static str),
    Lon,
    Lat,
    Attr(String),
}

/// The separator of a file: the most frequent of `,`, `;` and tab in its first
/// line (spreadsheets set to a European locale write `;`).
fn delimiter(head: &[u8]) -> u8 {
    let line = head.split(|b| *b == b'\n').next().unwrap_or(head);
    let count = |d: u8| line.iter().filter(|b| **b == d).count();
    [b';', b'\t'].into_iter().fold(b',', |best, d| if count(d) > count(best) { d } else { best })
}

/// Reads a CSV file of `table`, handing every record and problem to `sink`.
/// The separator may be `,`, `;` or a tab; a UTF-8 byte-order mark is skipped.
pub fn read(input: impl Read, file: &Arc<str>, table: Table, sink: &mut dyn FnMut(Event) -> Flow) {
    let mut input = std::io::BufReader::with_capacity(64 * 1024, input);
    let head = match input.fill_buf() {
        Ok(h) => h,
        Err(e) => {
            let _ = sink(Event::invalid(Place::new(file, At::File).issue("", format!("cannot read the file: {e}"))));
            return;
        }
    };
    let bom = head.starts_with(b"\xEF\xBB\xBF");
    let sep = delimiter(head);
    if bom {
        input.consume(3);
    }
    let mut rdr = ::csv::ReaderBuilder::new().has_headers(true).flexible(false).delimiter(sep).from_reader(input);
    let header_place = Place::new(file, At::Line(1));
    let header = match rdr.headers() {
        Ok(h) => h.clone(),
        Err(e) => {
            let _ = sink(Event::invalid(csv_error(file, &e)));
            return;
        }
    };
    let mut columns = Vec::with_capacity(header.len());
    let mut problems = Vec::new();
    for name in header.iter() {
        let name = name.trim();
        let column = match (table, name) {
            (Table::Assets, "lon") => Some(Column::Lon),
            (Table::Assets, "lat") => Some(Column::Lat),
            (Table::Assets, n) if n.starts_with("attr.") && n.len() > 5 => Some(Column::Attr(n[5..].to_string())),
            (_, n) => table.columns().iter().find(|c| **c == n).map(|c| Column::Field(c)),
        };
        match column {
            Some(c) if columns.contains(&c) => problems.push(header_place.issue(name, "the column appears twice")),
            Some(c) => columns.push(c),
            None => {
                let also = if table == Table::Assets { ", or attr.<name> for a free attribute" } else { "" };
                problems.push(header_place.issue(name, format!("unknown column; expected one of: {}{also}", table.columns().join(", "))));
            }
        }
    }
    for required in table.required() {
        if !columns.contains(&Column::Field(required)) {
            problems.push(header_place.issue("", format!("the column {required:?} is missing")));
        }
    }
    if table == Table::Assets && columns.contains(&Column::Lon) != columns.contains(&Column::Lat) {
        problems.push(header_place.issue("", "the columns \"lon\" and \"lat\" go together"));
    }
    if table == Table::Assets && !columns.contains(&Column::Lon) && !columns.contains(&Column::Field("geometry")) {
        problems.push(header_place.issue("", "give the location in columns \"lon\" and \"lat\" or \"geometry\""));
    }
    if !problems.is_empty() {
        let _ = sink(Event::Invalid(problems));
        return;
    }

    let mut row = ::csv::StringRecord::new();
    loop {
        match rdr.read_record(&mut row) {
            Ok(false) => return,
            Ok(true) => {}
            Err(e) => {
                let _ = sink(Event::invalid(csv_error(file, &e)));
                return;
            }
        }
        let line = row.position().map(|p| p.line()).unwrap_or(0);
        let place = Place::new(file, At::Line(line));
        if sink(row_event(&row, &columns, table, place)).is_break() {
            return;
        }
    }
}

fn csv_error(file: &Arc<str>, e: &::csv::Error) -> crate::Issue {
    let line = e.position().map(|p| p.line());
    let message = match e.kind() {
        ::csv::ErrorKind::UnequalLengths { expected_len, len, .. } => {
            format!("found {len} cells, but the header has {expected_len} columns")
        }
        ::csv::ErrorKind::Utf8 { .. } => "the text is not valid UTF-8".to_string(),
        ::csv::ErrorKind::Io(err) => format!("cannot read the file: {err}"),
        _ => e.to_string(),
    };
    let at = match line {
        Some(n) => At::Line(n),
        None => At::File,
    };
    Place::new(file, at).issue("", message)
}

/// A cell of an `attr.` column: numbers and booleans as JSON, the rest as text.
fn attribute_value(cell: &str) -> Value {
    match serde_json::from_str::<Value>(cell) {
        Ok(v @ (Value::Number(_) | Value::Bool(_))) => v,
        _ => Value::String(cell.to_string()),
    }
}

fn row_event(row: &::csv::StringRecord, columns: &[Column], table: Table, place: Place) -> Event {
    let mut obj = Object::new();
    let mut attrs = Object::new();
    let (mut lon, mut lat) = (None, None);
    let mut issues = Vec::new();
    for (cell, column) in row.iter().zip(columns) {
        if cell.is_empty() {
            continue;
        }
        match column {
            Column::Field(f) => {
                obj.insert((*f).to_string(), Value::String(cell.to_string()));
            }
            Column::Lon | Column::Lat => {
                let name = if *column == Column::Lon { "lon" } else { "lat" };
                match cell.trim().parse::<f64>() {
                    Ok(v) if v.is_finite() => *(if name == "lon" { &mut lon } else { &mut lat }) = Some(v),
                    _ => issues.push(place.issue(name, format!("expected a number of degrees, found {cell:?}"))),
                }
            }
            Column::Attr(name) => {
                attrs.insert(name.clone(), attribute_value(cell));
            }
        }
    }
    if !issues.is_empty() {
        return Event::Invalid(issues);
    }
    let mut from_lon_lat = false;
    if table == Table::Assets {
        match (lon, lat, obj.contains_key("geometry")) {
            (Some(_), Some(_), true) => {
                return Event::invalid(place.issue("geometry", "give either \"lon\" and \"lat\" or \"geometry\", not both"));
            }
            (Some(x), Some(y), false) => {
                obj.insert("geometry".into(), serde_json::json!({"type": "Point", "coordinates": [x, y]}));
                from_lon_lat = true;
            }
            (Some(_), None, _) => return Event::invalid(place.issue("lat", "is required with \"lon\"")),
            (None, Some(_), _) => return Event::invalid(place.issue("lon", "is required with \"lat\"")),
            (None, None, _) => {}
        }
        if !attrs.is_empty() {
            let mut merged = match obj.get("attributes").map(rampart_core::fields::object) {
                Some(Ok(m)) => m,
                Some(Err(_)) => return Event::invalid(place.issue("attributes", "expected a JSON object")),
                None => Object::new(),
            };
            merged.extend(attrs);
            obj.insert("attributes".into(), Value::Object(merged));
        }
    }
    let column_of = |field: &str| -> String {
        let head = field.split(['.', '[']).next().unwrap_or(field);
        if head == "geometry" && from_lon_lat {
            return if field.ends_with("coordinates") { "lat".into() } else { "lon".into() };
        }
        head.to_string()
    };
    let parsed = match table {
        Table::Organisations => Organisation::from_json(&obj).map(Record::Organisation),
        Table::Assets => Asset::from_json(&obj).map(Record::Asset),
        Table::Dependencies => Dependency::from_json(&obj).map(Record::Dependency),
        Table::Links => NetworkLink::from_json(&obj).map(Record::Link),
    };
    match parsed {
        Ok(r) => Event::Record(place, r),
        Err(e) if from_lon_lat => {
            // A position error names latitude or longitude; point at that column.
            let issues = e
                .0
                .into_iter()
                .map(|f| {
                    let column = if f.field.starts_with("geometry") {
                        if f.message.starts_with("longitude") { "lon".to_string() } else { "lat".to_string() }
                    } else {
                        column_of(&f.field)
                    };
                    place.issue(column, f.message)
                })
                .collect();
            Event::Invalid(issues)
        }
        Err(e) => invalid(&place, e, column_of),
    }
}
